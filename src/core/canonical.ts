import { jsonEqual } from './json.ts';
import { resourceId, type K8sObject } from './k8s.ts';

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
 *
 * To canonicalize many objects of which several are equal (the environments of one render), use a
 * {@link CanonicalCache}: each distinct object is copied once.
 */
export function canonicalize(obj: K8sObject): K8sObject {
  if (CANONICAL.has(obj)) return obj;
  const out = (isMap(obj) ? copyFirst(obj, TOP_FIRST, true) : copy(obj)) as K8sObject;
  CANONICAL.add(out);
  return out;
}

/**
 * Objects this module produced: already canonical, so canonicalizing them again returns them as they
 * are. (Callers treat canonical objects as immutable.)
 */
const CANONICAL = new WeakSet<object>();

/**
 * `canonicalize` with memory, for one pure pass over objects that nobody mutates while it runs (the
 * gitops stage's input): an object seen before, by reference, or equal (`jsonEqual`) to one seen before
 * with the same resource id, gets the very canonical object that one got, instead of a new copy.
 *
 * Equivalent to `canonicalize`: two `jsonEqual` inputs have the same canonical form (`canonicalize` sorts
 * keys, drops undefined members; `jsonEqual` ignores key order and undefined members; the one difference,
 * `0` and `-0`, prints alike in YAML and JSON). What it buys: the environments of a render differ by a
 * few overrides, so most of their objects are equal to another environment's; they are copied once, and
 * later stages see one shared object, which they compare by reference (`diffOps`, `jsonEqual`).
 *
 * Lives as long as the caller keeps it (one layout), so an input mutated later cannot be answered from it.
 */
export class CanonicalCache {
  private readonly byRef = new WeakMap<object, K8sObject>();
  /** Resource id → the distinct inputs seen with that id, with their canonical forms. */
  private readonly byId = new Map<string, { raw: K8sObject; canonical: K8sObject }[]>();

  canonicalize(obj: K8sObject): K8sObject {
    if (CANONICAL.has(obj)) return obj;
    const known = this.byRef.get(obj);
    if (known !== undefined) return known;
    // An input without a resource id (not a Kubernetes object) is canonicalized on its own.
    if (!isMap(obj) || !isMap(obj.metadata)) return canonicalize(obj);
    const id = resourceId(obj);
    let seen = this.byId.get(id);
    if (seen === undefined) {
      seen = [];
      this.byId.set(id, seen);
    }
    for (const s of seen) {
      if (jsonEqual(s.raw, obj)) {
        this.byRef.set(obj, s.canonical);
        return s.canonical;
      }
    }
    const canonical = canonicalize(obj);
    // A bound on the comparisons per id (one per environment that renders the object differently).
    if (seen.length < MAX_VARIANTS) seen.push({ raw: obj, canonical });
    this.byRef.set(obj, canonical);
    return canonical;
  }
}

const MAX_VARIANTS = 8;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A copy of the mapping `src`: the keys of `first` that it has first, in that order, then all other keys
 * sorted; values copied with `copy`, except `metadata` (keys METADATA_FIRST first) when `top`.
 */
function copyFirst(
  src: Record<string, unknown>,
  first: readonly string[],
  top: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) {
    if (!Object.hasOwn(src, k)) continue;
    const x = src[k];
    if (x === undefined) continue;
    put(
      out,
      k,
      top && k === 'metadata' ? (isMap(x) ? copyFirst(x, METADATA_FIRST, false) : copy(x)) : copy(x),
    );
  }
  const keys = sortedKeys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (first.includes(k)) continue;
    const x = src[k];
    if (x !== undefined) put(out, k, copy(x));
  }
  return out;
}

/** A copy of any mapping: keys sorted, undefined members dropped. */
function copySorted(src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = sortedKeys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const x = src[k];
    if (x !== undefined) put(out, k, copy(x));
  }
  return out;
}

/**
 * The keys of `src` in code-unit order, as `Object.keys(src).sort()` gives them (keys are strings, which the
 * default sort compares by UTF-16 code units, as `<` does). Objects have few keys: an insertion sort in place
 * does without the work array that Array.prototype.sort allocates for every call, which was the largest
 * single source of garbage in a compile.
 */
function sortedKeys(src: Record<string, unknown>): string[] {
  const keys = Object.keys(src);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

function put(out: Record<string, unknown>, k: string, value: unknown): void {
  // A "__proto__" key must stay data and never become the prototype: only that key needs
  // defineProperty (which is an order of magnitude slower than assignment on this hot path).
  if (k === '__proto__')
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  else out[k] = value;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(copyItem);
  return copySorted(v as Record<string, unknown>);
}

function copyItem(x: unknown): unknown {
  return x === undefined ? null : copy(x);
}
