/**
 * JSON equality: objects compare by members (any order), arrays by position, numbers by value. A member
 * whose value is `undefined` counts as absent. Identical references are equal at once, at every depth (so
 * objects that share subtrees, as patched copies and cached emit output do, compare in time proportional
 * to what differs).
 *
 * Hot path (the gitops stage compares every object of every environment): no arrays beyond `Object.keys`,
 * and the members of `b` are counted rather than filtered.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // Every defined member of `a` must be a defined, equal member of `b`; then `b` may have no other
  // defined member: its defined members are counted against `a`'s.
  const ka = Object.keys(ra);
  let defined = 0;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    const x = ra[k];
    if (x === undefined) continue;
    defined++;
    if (!Object.hasOwn(rb, k) || !jsonEqual(x, rb[k])) return false;
  }
  const kb = Object.keys(rb);
  for (let i = 0; i < kb.length; i++) if (rb[kb[i] as string] !== undefined) defined--;
  return defined === 0;
}

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
