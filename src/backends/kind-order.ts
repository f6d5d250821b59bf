import type { K8sObject } from '../core/k8s.ts';
import { BACKENDS } from './registry.ts';
import type { MeshKinds } from './types.ts';

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
    // progressive delivery (Flagger): the metric checks before the Canaries that name them, after the
    // policies that must already hold for the pods Flagger creates
    'MetricTemplate',
    'Canary',
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

/** The same ranks as a Map: sorting a fleet's objects looks a rank up about a million times. */
const RANKS: ReadonlyMap<string, number> = new Map(Object.entries(KIND_RANK));

export function kindRank(kind: string): number {
  return RANKS.get(kind) ?? UNKNOWN_KIND_RANK;
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
