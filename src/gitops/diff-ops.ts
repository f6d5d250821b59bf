import { formatPointer, isPlainObject, jsonEqual, type JsonPatchOp } from './json-patch.ts';

/**
 * The JSON Patch that turns `base` into `target`: mappings recurse member by member (sorted keys), while
 * arrays and scalars that differ are replaced whole. A member only in `target` is an `add`, a member only
 * in `base` a `remove`. Every path names an object member (never an array index), so the ops are
 * independent of each other and of their order. Equal inputs give `[]` (identical ones at once).
 */
export function diffOps(base: unknown, target: unknown): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  walk(base, target, [], ops);
  return ops;
}

function walk(base: unknown, target: unknown, path: string[], ops: JsonPatchOp[]): void {
  // One reference is one value: nothing to compare. The gitops stage hands the same canonical object to
  // every environment that renders it alike (CanonicalCache), and patched copies share their untouched
  // subtrees, so most diffs end here.
  if (base === target) return;
  if (isPlainObject(base) && isPlainObject(target)) {
    const keys = new Set<string>();
    for (const k of Object.keys(base)) if (base[k] !== undefined) keys.add(k);
    for (const k of Object.keys(target)) if (target[k] !== undefined) keys.add(k);
    for (const k of [...keys].sort()) {
      const inBase = Object.hasOwn(base, k) && base[k] !== undefined;
      const inTarget = Object.hasOwn(target, k) && target[k] !== undefined;
      path.push(k);
      if (!inTarget) ops.push({ op: 'remove', path: formatPointer(path) });
      else if (!inBase) ops.push({ op: 'add', path: formatPointer(path), value: target[k] });
      else walk(base[k], target[k], path, ops);
      path.pop();
    }
    return;
  }
  if (!jsonEqual(base, target)) ops.push({ op: 'replace', path: formatPointer(path), value: target });
}
