/**
 * What `meshc diff` does not count as a difference between two rendered objects.
 *
 * - Key order: objects are compared as maps, and printed in canonical order (render/canonical.ts).
 * - List order where the API gives it no meaning ({@link UNORDERED_LISTS}): such lists are sorted (and
 *   scalar ones de-duplicated) on both sides before comparing and printing.
 * - Values equal to the API default ({@link DEFAULT_VALUES}), empty lists (Kubernetes and mesh APIs read `[]`
 *   like an absent list: `omitempty` / protobuf `repeated`), and empty `labels` /
 *   `annotations` maps are dropped on both sides.
 *
 * Label and annotation maps, `matchLabels` and similar are maps already, so their order never counts.
 * Pure.
 */
import type { K8sObject } from '../core/k8s.ts';
import { BACKENDS } from '../backends/registry.ts';
import { canonicalize } from '../core/canonical.ts';

/**
 * `group/Kind` (core group: just `Kind`) → paths of lists whose order does not matter. `[]` stands for
 * "every item of the list".
 */
export const UNORDERED_LISTS: Readonly<Record<string, readonly string[]>> = mergeTables(
  {
    // Gateway API: hostnames and parent refs are sets; the matches of a rule are OR-ed; listeners are keyed
    // by name.
    'gateway.networking.k8s.io/HTTPRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
    'gateway.networking.k8s.io/GRPCRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
    'gateway.networking.k8s.io/Gateway': ['spec.listeners'],
    // Kubernetes Service ports are keyed by port (strategic merge key).
    Service: ['spec.ports'],
    // GitOps objects.
    'argoproj.io/Application': ['spec.syncPolicy.syncOptions'],
    'kustomize.toolkit.fluxcd.io/Kustomization': ['spec.dependsOn'],
    'helm.toolkit.fluxcd.io/HelmRelease': ['spec.dependsOn'],
  },
  // Each mesh's own kinds (its backend's `diffNoise`).
  BACKENDS.map((b) => b.diffNoise?.unorderedLists ?? {}),
  (a, b) => [...new Set([...a, ...b])],
);

/** Lists that are sets on every kind. */
const UNORDERED_EVERYWHERE = ['metadata.finalizers'];

/** `group/Kind` → path → the value the API assumes when the field is absent. */
export const DEFAULT_VALUES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = mergeTables(
  {
    Service: {
      'spec.type': 'ClusterIP',
      'spec.sessionAffinity': 'None',
      'spec.ports[].protocol': 'TCP',
    },
    'gateway.networking.k8s.io/HTTPRoute': {
      'spec.parentRefs[].group': 'gateway.networking.k8s.io',
      'spec.parentRefs[].kind': 'Gateway',
      'spec.rules[].backendRefs[].group': '',
      'spec.rules[].backendRefs[].kind': 'Service',
      'spec.rules[].backendRefs[].weight': 1,
    },
    'argoproj.io/Application': { 'spec.project': 'default' },
  },
  BACKENDS.map((b) => b.diffNoise?.defaultValues ?? {}),
  (a, b) => ({ ...a, ...b }),
);

/** `shared`, plus every backend's table; a `group/Kind` in several is combined with `join`. */
function mergeTables<T>(
  shared: Readonly<Record<string, T>>,
  own: readonly Readonly<Record<string, T>>[],
  join: (a: T, b: T) => T,
): Readonly<Record<string, T>> {
  const out: Record<string, T> = { ...shared };
  for (const table of own)
    for (const [gk, v] of Object.entries(table)) out[gk] = Object.hasOwn(out, gk) ? join(out[gk] as T, v) : v;
  return out;
}

/** `group/Kind` of an object (the core group has no prefix). */
export function groupKind(obj: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const slash = obj.apiVersion.indexOf('/');
  return slash < 0 ? obj.kind : `${obj.apiVersion.slice(0, slash)}/${obj.kind}`;
}

/**
 * The object as `meshc diff` compares and prints it: canonical key order, unordered lists sorted,
 * defaults and empty lists removed. Returns a new object; the input is not changed.
 */
export function normalizeForDiff(obj: K8sObject): K8sObject {
  const gk = groupKind(obj);
  const unordered = new Set([...(UNORDERED_LISTS[gk] ?? []), ...UNORDERED_EVERYWHERE]);
  const defaults = DEFAULT_VALUES[gk] ?? {};
  const out = walk(obj, '', unordered, defaults) as K8sObject | undefined;
  return canonicalize(out ?? { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata });
}

function walk(
  v: unknown,
  path: string,
  unordered: ReadonlySet<string>,
  defaults: Readonly<Record<string, unknown>>,
): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => walk(x, `${path}[]`, unordered, defaults));
    if (!unordered.has(path)) return items;
    const keyed = items.map((x) => ({ x, key: sortKey(x) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const { x, key } of keyed) {
      // Scalar sets lose duplicates; objects keep them (a repeated rule is still one rule, but
      // de-duplicating objects would hide a change in how many were rendered, which is cheap to show).
      if (x === null || typeof x !== 'object') {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(x);
    }
    return out;
  }
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    const p = path === '' ? k : `${path}.${k}`;
    if (Object.hasOwn(defaults, p) && sameScalar(defaults[p], x)) continue;
    const w = walk(x, p, unordered, defaults);
    if (Array.isArray(w) && w.length === 0) continue;
    if (
      (p === 'metadata.labels' || p === 'metadata.annotations') &&
      w !== null &&
      typeof w === 'object' &&
      Object.keys(w).length === 0
    )
      continue;
    out[k] = w;
  }
  return out;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b;
}

/** A total order on JSON values: their JSON text with sorted keys. */
export function sortKey(v: unknown): string {
  return stableJson(v);
}

/** JSON with object keys sorted (so equal values give equal text, whatever their key order). */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec)
    .filter((k) => rec[k] !== undefined && typeof rec[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(rec[k])}`).join(',')}}`;
}
