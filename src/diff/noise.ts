/**
 * What `meshc diff` does not count as a difference between two rendered objects.
 *
 * - Key order: objects are compared as maps, and printed in canonical order (render/canonical.ts).
 * - List order where the API gives it no meaning ({@link UNORDERED_LISTS}): such lists are sorted (and
 *   scalar ones de-duplicated) on both sides before comparing and printing.
 * - Values equal to the API default ({@link DEFAULT_VALUES}), empty lists (every Kubernetes and Istio API
 *   reads `[]` like an absent list: `omitempty` / protobuf `repeated`), and empty `labels` /
 *   `annotations` maps are dropped on both sides.
 *
 * Label and annotation maps, `matchLabels` and similar are maps already, so their order never counts.
 * Pure.
 */
import type { K8sObject } from '../core/k8s.ts';
import { canonicalize } from '../render/canonical.ts';

/**
 * `group/Kind` (core group: just `Kind`) → paths of lists whose order does not matter. `[]` stands for
 * "every item of the list".
 */
export const UNORDERED_LISTS: Readonly<Record<string, readonly string[]>> = {
  // Istio AuthorizationPolicy: rules are OR-ed, their from/to/when entries too; every field of a source
  // or operation is a set of values.
  'security.istio.io/AuthorizationPolicy': [
    'spec.rules',
    'spec.rules[].from',
    'spec.rules[].to',
    'spec.rules[].when',
    ...[
      'principals',
      'notPrincipals',
      'requestPrincipals',
      'notRequestPrincipals',
      'namespaces',
      'notNamespaces',
      'ipBlocks',
      'notIpBlocks',
      'remoteIpBlocks',
      'notRemoteIpBlocks',
      'serviceAccounts',
      'notServiceAccounts',
    ].map((f) => `spec.rules[].from[].source.${f}`),
    ...['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'].map(
      (f) => `spec.rules[].to[].operation.${f}`,
    ),
    'spec.rules[].when[].values',
    'spec.rules[].when[].notValues',
  ],
  // VirtualService: hosts, gateways and exportTo are sets; the matches of one route are OR-ed (the routes
  // themselves, `http`, are first-match-wins and keep their order).
  'networking.istio.io/VirtualService': ['spec.hosts', 'spec.gateways', 'spec.exportTo', 'spec.http[].match'],
  'networking.istio.io/DestinationRule': ['spec.exportTo'],
  'networking.istio.io/ServiceEntry': ['spec.hosts', 'spec.addresses', 'spec.exportTo', 'spec.ports'],
  'networking.istio.io/Sidecar': ['spec.egress[].hosts'],
  'networking.istio.io/Gateway': ['spec.servers[].hosts'],
  // Gateway API: hostnames and parent refs are sets; the matches of a rule are OR-ed; listeners are keyed
  // by name.
  'gateway.networking.k8s.io/HTTPRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
  'gateway.networking.k8s.io/GRPCRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
  'gateway.networking.k8s.io/Gateway': ['spec.listeners'],
  // Linkerd policy: authentications are AND-ed as a set; identities and networks are sets; route matches
  // are OR-ed.
  'policy.linkerd.io/AuthorizationPolicy': ['spec.requiredAuthenticationRefs'],
  'policy.linkerd.io/MeshTLSAuthentication': ['spec.identities', 'spec.identityRefs'],
  'policy.linkerd.io/NetworkAuthentication': ['spec.networks', 'spec.networks[].except'],
  'policy.linkerd.io/HTTPRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
  // Kubernetes Service ports are keyed by port (strategic merge key).
  Service: ['spec.ports'],
  // GitOps objects.
  'argoproj.io/Application': ['spec.syncPolicy.syncOptions'],
  'kustomize.toolkit.fluxcd.io/Kustomization': ['spec.dependsOn'],
  'helm.toolkit.fluxcd.io/HelmRelease': ['spec.dependsOn'],
};

/** Lists that are sets on every kind. */
const UNORDERED_EVERYWHERE = ['metadata.finalizers'];

/** `group/Kind` → path → the value the API assumes when the field is absent. */
export const DEFAULT_VALUES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  Service: {
    'spec.type': 'ClusterIP',
    'spec.sessionAffinity': 'None',
    'spec.ports[].protocol': 'TCP',
  },
  'security.istio.io/AuthorizationPolicy': { 'spec.action': 'ALLOW' },
  'gateway.networking.k8s.io/HTTPRoute': {
    'spec.parentRefs[].group': 'gateway.networking.k8s.io',
    'spec.parentRefs[].kind': 'Gateway',
    'spec.rules[].backendRefs[].group': '',
    'spec.rules[].backendRefs[].kind': 'Service',
    'spec.rules[].backendRefs[].weight': 1,
  },
  'argoproj.io/Application': { 'spec.project': 'default' },
};

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
