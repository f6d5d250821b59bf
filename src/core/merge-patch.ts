/**
 * Keys that JavaScript objects treat specially: `obj.__proto__ = x` replaces the prototype, and
 * `constructor` / `prototype` reach into it. Spec input may not use them as keys (FORBIDDEN_KEY), and the
 * merge below never assigns them.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else replaces. Pure.
 * Merged objects have no prototype (a `__proto__` key can never be applied through one), and the keys of
 * FORBIDDEN_KEYS are skipped (the validator refuses them at their node before anything is merged).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = Object.create(null) as Record<string, unknown>;
  if (target !== null && typeof target === 'object' && !Array.isArray(target))
    for (const [k, v] of Object.entries(target as Record<string, unknown>))
      if (!FORBIDDEN_KEYS.has(k)) out[k] = v;
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (FORBIDDEN_KEYS.has(k)) continue;
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
