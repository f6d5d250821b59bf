/**
 * What meshc reads from a cluster: the kinds of the four meshes' API groups, the Gateway API routes they use,
 * and the Kubernetes objects beside them (Services for ports and selectors, Deployments and StatefulSets for
 * version labels, ServiceAccounts for identities, Namespaces for injection). The version of each group is
 * the one the API server prefers (its discovery document), so no version is fixed here.
 *
 * Sources: istio/api (networking, security, telemetry.istio.io); linkerd/linkerd2 `charts/linkerd-crds`
 * (policy.linkerd.io, linkerd.io); hashicorp/consul-k8s `charts/consul/templates/crd-*.yaml`
 * (consul.hashicorp.com); aws/eks-charts `stable/appmesh-controller/crds/crds.yaml` (appmesh.k8s.aws);
 * kubernetes-sigs/gateway-api (gateway.networking.k8s.io).
 */

/** The mesh whose CRDs a group serves (`undefined`: Kubernetes or the Gateway API, shared by all). */
export interface LiveGroup {
  /** API group; `''` is the core group (`/api/v1`). */
  readonly group: string;
  /** The kinds meshc reads from it. */
  readonly kinds: readonly string[];
  /** The mesh that installs the group's CRDs, for discovery. */
  readonly mesh?: 'istio' | 'linkerd' | 'consul' | 'appmesh';
}

export const LIVE_GROUPS: readonly LiveGroup[] = [
  { group: '', kinds: ['Namespace', 'Service', 'ServiceAccount'] },
  { group: 'apps', kinds: ['Deployment', 'StatefulSet'] },
  { group: 'gateway.networking.k8s.io', kinds: ['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'] },
  {
    group: 'networking.istio.io',
    kinds: ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar'],
    mesh: 'istio',
  },
  {
    group: 'security.istio.io',
    kinds: ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'],
    mesh: 'istio',
  },
  { group: 'telemetry.istio.io', kinds: ['Telemetry'], mesh: 'istio' },
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
    mesh: 'linkerd',
  },
  { group: 'linkerd.io', kinds: ['ServiceProfile'], mesh: 'linkerd' },
  {
    group: 'consul.hashicorp.com',
    kinds: [
      'ServiceDefaults',
      'ServiceResolver',
      'ServiceSplitter',
      'ServiceRouter',
      'ServiceIntentions',
      'ProxyDefaults',
      'Mesh',
    ],
    mesh: 'consul',
  },
  {
    group: 'appmesh.k8s.aws',
    kinds: ['Mesh', 'VirtualNode', 'VirtualService', 'VirtualRouter', 'VirtualGateway', 'GatewayRoute'],
    mesh: 'appmesh',
  },
];

/** `group/Kind` (core group: `Kind`) of every kind meshc reads from a cluster: what `meshc drift` compares. */
export const LIVE_KINDS: ReadonlySet<string> = new Set(
  LIVE_GROUPS.flatMap((g) => g.kinds.map((k) => (g.group === '' ? k : `${g.group}/${k}`))),
);
