import type { K8sObject } from './k8s.ts';

const TOP_FIRST = ['apiVersion', 'kind', 'metadata'] as const;
const METADATA_FIRST = ['name', 'namespace', 'labels', 'annotations'] as const;

/**
 * A deep copy of `obj` in canonical key order: `apiVersion`, `kind`, `metadata` first, then the
 * other top-level keys sorted; inside `metadata`, `name`, `namespace`, `labels`, `annotations`
 * first, then the rest sorted; every other mapping sorted. Keys sort by UTF-16 code unit
 * (`Array.prototype.sort`, never `localeCompare`, whose result depends on the machine's locale).
 *
 * Arrays keep their order. `undefined` members are dropped; an `undefined` array item becomes
 * `null`, as in JSON. `null` is kept wherever the builder wrote it, so a builder that wants a
 * field absent must leave it out (or `undefined`), never set it to `null`.
 *
 * One JavaScript rule cannot be overridden: keys that are array indexes ("0", "42") are always
 * enumerated first, in numeric order. The output is still deterministic; it differs from a
 * code-unit sort only for mappings with such keys.
 */
export function canonicalize(obj: K8sObject): K8sObject {
  if (CANONICAL.has(obj)) return obj;
  const out = copyMap(obj, TOP_FIRST, (k, v) =>
    k === 'metadata' ? copyMap(v, METADATA_FIRST) : copy(v),
  ) as K8sObject;
  CANONICAL.add(out);
  return out;
}

/**
 * Objects this module produced: already canonical, so canonicalizing them again returns them as they
 * are. (Callers treat canonical objects as immutable.)
 */
const CANONICAL = new WeakSet<object>();

/** Keys in `first` (those present) first, in that order, then all other keys sorted. */
function copyMap(
  v: unknown,
  first: readonly string[] = [],
  copyValue: (k: string, v: unknown) => unknown = (_k, x) => copy(x),
): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return copy(v);
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of first) if (Object.hasOwn(src, k)) set(out, k, src[k], copyValue);
  for (const k of Object.keys(src).sort()) if (!first.includes(k)) set(out, k, src[k], copyValue);
  return out;
}

function set(
  out: Record<string, unknown>,
  k: string,
  x: unknown,
  copyValue: (k: string, v: unknown) => unknown,
): void {
  if (x === undefined) return;
  // A "__proto__" key must stay data and never become the prototype: only that key needs
  // defineProperty (which is an order of magnitude slower than assignment on this hot path).
  if (k === '__proto__')
    Object.defineProperty(out, k, {
      value: copyValue(k, x),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else out[k] = copyValue(k, x);
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : copy(x)));
  return copyMap(v);
}
