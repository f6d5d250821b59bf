/**
 * How meshc recognises Linkerd in a cluster (src/core/discovery.ts; read by src/load/cluster/).
 *
 * - CRD groups: policy.linkerd.io and linkerd.io (linkerd/linkerd2 `charts/linkerd-crds`). The kinds of
 *   policy.linkerd.io are not all served in one version (AuthorizationPolicy in v1alpha1 while Server is in
 *   v1beta3): the reader looks for a kind in every version the group serves.
 * - Control plane: Deployment `linkerd-destination`, image `cr.l5d.io/linkerd/controller:<tag>`; tags are
 *   `edge-YY.M.N` (open source since 2024), `stable-2.X.Y` or `enterprise-2.X.Y` (vendor builds)
 *   (linkerd/linkerd2 `charts/linkerd-control-plane/templates/destination.yaml`).
 * - Injection: annotation `linkerd.io/inject: enabled` on the namespace or the pod template
 *   (linkerd/website `2-edge/features/proxy-injection.md`).
 */
import type { MeshDiscovery } from '../../core/discovery.ts';
import { semverMinor } from '../../core/discovery.ts';

/**
 * The edge release each Linkerd "major" is (linkerd/website `linkerd.io/data/versions.yaml`; up to 2.19 also the
 * commit of its `version-2.X` tag in linkerd/linkerd2). An edge release at or after one of these, and before the
 * next, is that 2.X.
 *
 * 2.20 is edge-26.6.3. Its `version-2.20` tag is one commit later, first released in edge-26.7.1, and that
 * commit (linkerd/linkerd2#15405) only bumps the indirect Go dependency containerd v1.7.32 → v1.7.33 (go.mod):
 * no change to the proxy, the policy controller, the CRDs or the charts, so edge-26.6.3 has every feature of 2.20
 * and saying 2.20 lets meshc emit nothing it lacks. Saying 2.19 would call a cluster on the release linkerd.io names 2.20 (chart 2026.6.3,
 * which validate accepts for 2.20) a 2.19 one: `meshc drift` warns of a version mismatch, `meshc import --cluster`
 * writes 2.19. Discovery says no newer than that: edge-26.6.2 and older are 2.19.
 */
const LINKERD_EDGE_MAJORS: readonly [edge: readonly [number, number, number], version: string][] = [
  [[24, 2, 4], '2.15'],
  [[24, 8, 2], '2.16'],
  [[24, 11, 8], '2.17'],
  [[25, 4, 4], '2.18'],
  [[25, 10, 7], '2.19'],
  [[26, 6, 3], '2.20'],
];

/** The Linkerd `2.X` of a controller image tag. */
export function linkerdVersion(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const vendor = /^(?:stable|enterprise)-(\d+\.\d+)\.\d+/.exec(tag);
  if (vendor) return semverMinor(vendor[1]);
  const edge = /^edge-(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (!edge) return undefined;
  const e = [Number(edge[1]), Number(edge[2]), Number(edge[3])];
  let found: string | undefined;
  for (const [[y, m, n], version] of LINKERD_EDGE_MAJORS) {
    const [ey, em, en] = e as [number, number, number];
    if (ey > y || (ey === y && (em > m || (em === m && en >= n)))) found = version;
  }
  return found;
}

export const LINKERD_DISCOVERY: MeshDiscovery = {
  mesh: 'linkerd',
  title: 'Linkerd',
  groups: [
    {
      group: 'policy.linkerd.io',
      kinds: [
        'Server',
        'AuthorizationPolicy',
        'MeshTLSAuthentication',
        'NetworkAuthentication',
        'ServerAuthorization',
        'HTTPRoute',
      ],
    },
    { group: 'linkerd.io', kinds: ['ServiceProfile'] },
  ],
  controlPlanes: [
    { kind: 'Deployment', name: 'linkerd-destination', image: ['controller'], version: linkerdVersion },
  ],
  injection: {
    namespace: [{ on: 'annotations', key: 'linkerd.io/inject', value: 'enabled' }],
    pod: [{ on: 'annotations', key: 'linkerd.io/inject', value: 'enabled' }],
  },
};
