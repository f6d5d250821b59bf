/**
 * What meshc reads from a cluster: the kinds of the meshes' API groups (each backend's `discovery.groups`,
 * src/core/discovery.ts), the Gateway API routes they use, and the Kubernetes objects beside them (Services
 * for ports and selectors, Deployments and StatefulSets for version labels, ServiceAccounts for identities,
 * Namespaces for injection). The version of each group is the one the API server prefers (its discovery
 * document), so no version is fixed here.
 *
 * Sources: kubernetes-sigs/gateway-api (gateway.networking.k8s.io); the mesh groups cite theirs.
 */
import type { MeshDiscovery } from '../../core/discovery.ts';

/** An API group and the kinds meshc reads from it. */
export interface LiveGroup {
  /** API group; `''` is the core group (`/api/v1`). */
  readonly group: string;
  /** The kinds meshc reads from it. */
  readonly kinds: readonly string[];
  /** The mesh that installs the group's CRDs, for discovery (`undefined`: Kubernetes or the Gateway API, shared by all). */
  readonly mesh?: string;
}

/** The groups that are no mesh's: Kubernetes and the Gateway API. */
export const NEUTRAL_GROUPS: readonly LiveGroup[] = [
  { group: '', kinds: ['Namespace', 'Service', 'ServiceAccount'] },
  { group: 'apps', kinds: ['Deployment', 'StatefulSet'] },
  { group: 'gateway.networking.k8s.io', kinds: ['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'] },
];

/** Every group meshc reads: the neutral ones, then each mesh's, in the order of `meshes`. */
export function liveGroups(meshes: readonly MeshDiscovery[]): LiveGroup[] {
  return [
    ...NEUTRAL_GROUPS,
    ...meshes.flatMap((m) => m.groups.map((g) => ({ group: g.group, kinds: g.kinds, mesh: m.mesh }))),
  ];
}

/** `group/Kind` (core group: `Kind`) of every kind meshc reads from a cluster: what `meshc drift` compares. */
export function liveKinds(meshes: readonly MeshDiscovery[]): ReadonlySet<string> {
  return new Set(
    liveGroups(meshes).flatMap((g) => g.kinds.map((k) => (g.group === '' ? k : `${g.group}/${k}`))),
  );
}
