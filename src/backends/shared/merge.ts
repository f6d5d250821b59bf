/** Deep merge for Helm values: plain objects merge key by key, anything else in `override` replaces. */

export type Values = Record<string, unknown>;

export function isPlainObject(x: unknown): x is Values {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * `override` merged over `base`, recursively for plain objects; arrays and scalars in `override` replace
 * (Helm's own semantics for values files). Neither input is modified; the result shares no objects with them.
 */
export function deepMerge(base: Readonly<Values>, override: Readonly<Values>): Values {
  const out: Values = clone(base) as Values;
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : clone(value);
  }
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

/** A copy of `o` without its undefined entries (optional fields of emitted objects). */
export function compact(o: Readonly<Values>): Values {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
