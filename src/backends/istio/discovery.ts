/**
 * How meshc recognises Istio in a cluster (src/core/discovery.ts; read by src/load/cluster/).
 *
 * - CRD groups: networking, security and telemetry.istio.io (istio/api).
 * - Control plane: Deployment `istiod` (revisions: `istiod-<rev>`), image `…/pilot:<x.y.z>[-distroless]`
 *   (istio/istio `manifests/charts/istio-control/istio-discovery/templates/deployment.yaml`). A gateway
 *   runs `proxyv2`, not `pilot`, so it is no control plane.
 * - Injection: namespace label `istio-injection=enabled`, or `istio.io/rev=<rev>` (unless
 *   `istio-injection=disabled`, which takes precedence); pod label `sidecar.istio.io/inject: "true"`
 *   (istio/istio `mutatingwebhook.yaml`; istio/api `label/labels.yaml`).
 */
import type { MeshDiscovery } from '../../core/discovery.ts';
import { semverMinor } from '../../core/discovery.ts';

export const ISTIO_DISCOVERY: MeshDiscovery = {
  mesh: 'istio',
  title: 'Istio',
  groups: [
    {
      group: 'networking.istio.io',
      kinds: ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar'],
    },
    {
      group: 'security.istio.io',
      kinds: ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'],
    },
    { group: 'telemetry.istio.io', kinds: ['Telemetry'] },
  ],
  controlPlanes: [{ kind: 'Deployment', name: /^istiod(?:$|-)/, image: ['pilot'], version: semverMinor }],
  injection: {
    namespace: [
      { on: 'labels', key: 'istio-injection', value: 'enabled' },
      {
        on: 'labels',
        key: 'istio.io/rev',
        unless: { on: 'labels', key: 'istio-injection', value: 'disabled' },
      },
    ],
    pod: [{ on: 'labels', key: 'sidecar.istio.io/inject', value: 'true' }],
  },
};
