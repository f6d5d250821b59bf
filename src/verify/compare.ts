/**
 * Comparing what kustomize builds from a written overlay with meshc's own render of it: per object
 * (apiVersion/kind/namespace/name) and per field (JSON Pointer). Pure.
 */
import { resourceId, type K8sObject } from '../core/k8s.ts';
import { describeObject } from '../gitops/env-patches.ts';
import { isPlainObject, jsonEqual } from '../gitops/json-patch.ts';

export interface FieldDifference {
  /** RFC 6901 JSON Pointer of the field (`''` = the whole object). */
  readonly pointer: string;
  /** meshc's value (undefined: meshc does not set the field). */
  readonly rendered: unknown;
  /** kustomize's value (undefined: the build has no such field). */
  readonly built: unknown;
}

export type ObjectDifference =
  | { readonly kind: 'missing'; readonly id: string; readonly object: string }
  | { readonly kind: 'extra'; readonly id: string; readonly object: string }
  | {
      readonly kind: 'changed';
      readonly id: string;
      readonly object: string;
      readonly fields: readonly FieldDifference[];
    };

/** A document kustomize emitted that is not a Kubernetes object (never happens with a sane build). */
function idOf(o: unknown): string | undefined {
  if (!isPlainObject(o)) return undefined;
  const meta = o.metadata;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !isPlainObject(meta))
    return undefined;
  if (typeof meta.name !== 'string') return undefined;
  return resourceId(o as unknown as K8sObject);
}

/**
 * The differences between meshc's render of an overlay and kustomize's build of it, sorted by object id.
 * Objects are matched by identity; key order never counts.
 */
export function compareBuild(rendered: readonly K8sObject[], built: readonly unknown[]): ObjectDifference[] {
  const mine = new Map(rendered.map((o) => [resourceId(o), o] as const));
  const theirs = new Map<string, K8sObject>();
  const out: ObjectDifference[] = [];
  for (const raw of built) {
    const id = idOf(raw);
    if (id === undefined) {
      out.push({ kind: 'extra', id: `~${JSON.stringify(raw)}`, object: 'a document that is no object' });
      continue;
    }
    theirs.set(id, raw as K8sObject);
  }
  for (const [id, o] of mine) {
    const b = theirs.get(id);
    if (b === undefined) out.push({ kind: 'missing', id, object: describeObject(o) });
    else if (!jsonEqual(o, b))
      out.push({ kind: 'changed', id, object: describeObject(o), fields: fieldDifferences(o, b) });
  }
  for (const [id, o] of theirs) if (!mine.has(id)) out.push({ kind: 'extra', id, object: describeObject(o) });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The fields where two JSON values differ, as JSON Pointers (lists of another length count as a whole). */
export function fieldDifferences(rendered: unknown, built: unknown, pointer = ''): FieldDifference[] {
  if (jsonEqual(rendered, built)) return [];
  if (isPlainObject(rendered) && isPlainObject(built)) {
    const keys = [...new Set([...Object.keys(rendered), ...Object.keys(built)])].sort();
    return keys.flatMap((k) => fieldDifferences(rendered[k], built[k], `${pointer}/${escapePointer(k)}`));
  }
  if (Array.isArray(rendered) && Array.isArray(built) && rendered.length === built.length)
    return rendered.flatMap((v, i) => fieldDifferences(v, built[i], `${pointer}/${i}`));
  return [{ pointer, rendered, built }];
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `value` for a message: JSON, shortened. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
