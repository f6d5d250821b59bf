/** RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else replaces. Pure. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Whether the value at `path` of a merged document comes from the patch: true when the patch holds a
 * non-object value at a prefix of the path (it replaced that subtree), or holds the path itself.
 */
export function patchCovers(patch: unknown, path: readonly (string | number)[]): boolean {
  let cur = patch;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return i > 0;
    const key = String(path[i]);
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return false;
    cur = (cur as Record<string, unknown>)[key];
  }
  return true;
}
