/** `name` (same namespace) or `namespace/name` → `namespace/name`. */
export function serviceRefId(ref: string, fromNamespace: string): string {
  return ref.includes('/') ? ref : `${fromNamespace}/${ref}`;
}
