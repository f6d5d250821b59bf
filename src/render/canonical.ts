import { InternalError } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import { OWNED_HEADER } from '../core/output.ts';
import { emitYaml } from './yaml.ts';
import { BACKENDS } from '../backends/registry.ts';
import type { MeshKinds } from '../backends/types.ts';

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

/**
 * Sort rank of a kind, in install order: kustomize's legacy order for the core kinds, then
 * certificates, mesh-wide and workload mesh config, gateways, routes, policies, monitoring, GitOps
 * objects and validating webhooks. The mesh kinds come from each backend (`Backend.kinds`, in registry
 * order), so a new mesh places its kinds without editing this file.
 * A kind name shared by several groups (a mesh's own `Gateway`, `HTTPRoute` or `AuthorizationPolicy` and
 * Gateway API's or another mesh's) shares a rank; apiVersion then separates them.
 */
const KIND_ORDER: readonly string[] = [
  ...new Set([
    // kustomize legacy order (kyaml/resid/gvk.go orderFirst; older releases also list Endpoints and
    // the PersistentVolume kinds), plus core kinds it leaves out (DaemonSet, Job, HPA)
    'Namespace',
    'ResourceQuota',
    'StorageClass',
    'CustomResourceDefinition',
    'MutatingWebhookConfiguration',
    'ServiceAccount',
    'PodSecurityPolicy',
    'Role',
    'ClusterRole',
    'RoleBinding',
    'ClusterRoleBinding',
    'ConfigMap',
    'Secret',
    'Endpoints',
    'Service',
    'LimitRange',
    'PriorityClass',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Deployment',
    'StatefulSet',
    'DaemonSet',
    'CronJob',
    'Job',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    // certificates (cert-manager)
    'ClusterIssuer',
    'Issuer',
    'Certificate',
    // mesh-wide and workload configuration
    ...meshKinds('config'),
    // gateways and routes (Gateway API, with each mesh's own)
    'GatewayClass',
    'Gateway',
    ...meshKinds('gateways'),
    ...meshKinds('routes'),
    'HTTPRoute',
    'GRPCRoute',
    'TCPRoute',
    'TLSRoute',
    'ReferenceGrant',
    // policies
    'NetworkPolicy',
    ...meshKinds('policies'),
    // monitoring
    'ServiceMonitor',
    'PodMonitor',
    'PrometheusRule',
    // GitOps objects (Flux sources before their consumers; Argo CD projects before applications)
    'GitRepository',
    'OCIRepository',
    'HelmRepository',
    'Bucket',
    'Kustomization',
    'HelmRelease',
    'AppProject',
    'Application',
    'ApplicationSet',
    // validating webhooks last (kustomize orderLast), so that they cannot reject the objects above
    'ValidatingWebhookConfiguration',
  ]),
];

/** The kinds of one install phase of every backend, in registry order. */
function meshKinds(phase: keyof MeshKinds): string[] {
  return BACKENDS.flatMap((b) => b.kinds?.[phase] ?? []);
}

/** Rank of every known kind; see {@link kindRank} for kinds not listed. */
export const KIND_RANK: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(KIND_ORDER.map((kind, i) => [kind, i])),
);

/** Rank shared by all kinds not in {@link KIND_RANK}; they sort after every known kind. */
export const UNKNOWN_KIND_RANK = KIND_ORDER.length;

export function kindRank(kind: string): number {
  return Object.hasOwn(KIND_RANK, kind) ? (KIND_RANK[kind] as number) : UNKNOWN_KIND_RANK;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order of objects in a multi-document stream: kind rank, then apiVersion, kind, namespace
 * (cluster-scoped first) and name. Unknown kinds come last, by kind name first.
 */
export function compareObjects(a: K8sObject, b: K8sObject): number {
  const ra = kindRank(a.kind);
  const rb = kindRank(b.kind);
  if (ra !== rb) return ra - rb;
  if (ra === UNKNOWN_KIND_RANK && a.kind !== b.kind) return cmp(a.kind, b.kind);
  return (
    cmp(a.apiVersion, b.apiVersion) ||
    cmp(a.kind, b.kind) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/**
 * The text of a one-object file: {@link OWNED_HEADER}, then `header` (the caller's comment lines,
 * typically `# source: …`; empty for none), then the canonical YAML of `obj`. LF line endings,
 * one final newline. A `header` that already starts with OWNED_HEADER is not repeated.
 */
export function renderObjectFile(obj: K8sObject, header: string): string {
  let head = header.endsWith('\n') ? header.slice(0, -1) : header;
  if (head.startsWith(OWNED_HEADER)) head = head.slice(OWNED_HEADER.length + 1);
  if (head !== '' && head.split('\n').some((line) => !line.startsWith('#'))) {
    throw new InternalError(`renderObjectFile: the header must be comment lines: ${JSON.stringify(header)}`);
  }
  return `${OWNED_HEADER}\n${head === '' ? '' : head + '\n'}${emitYaml(canonicalize(obj))}`;
}

/** `meshc build` output: objects sorted by {@link compareObjects}, canonical, `---` between documents, no comments. */
export function renderMultiDoc(objs: readonly K8sObject[]): string {
  let out = '';
  for (const o of [...objs].sort(compareObjects)) {
    if (out !== '') out += '---\n';
    out += emitYaml(canonicalize(o));
  }
  return out;
}
