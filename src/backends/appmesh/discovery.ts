/**
 * How meshc recognises App Mesh in a cluster (src/core/discovery.ts; read by src/load/cluster/).
 *
 * - CRD group: appmesh.k8s.aws (aws/eks-charts `stable/appmesh-controller/crds/crds.yaml`).
 * - Control plane: Deployment `appmesh-controller`, image `…/amazon/appmesh-controller:v<x.y.z>`
 *   (aws/eks-charts `stable/appmesh-controller/templates/deployment.yaml`); its version is the controller's.
 * - Injection: namespace label `appmesh.k8s.aws/sidecarInjectorWebhook: enabled`
 *   (aws/aws-app-mesh-controller-for-k8s `docs/reference/injector.md`).
 */
import type { MeshDiscovery } from '../../core/discovery.ts';
import { semverMinor } from '../../core/discovery.ts';

export const APPMESH_DISCOVERY: MeshDiscovery = {
  mesh: 'appmesh',
  title: 'App Mesh',
  groups: [
    {
      group: 'appmesh.k8s.aws',
      kinds: ['Mesh', 'VirtualNode', 'VirtualService', 'VirtualRouter', 'VirtualGateway', 'GatewayRoute'],
    },
  ],
  controlPlanes: [
    { kind: 'Deployment', name: 'appmesh-controller', image: ['appmesh-controller'], version: semverMinor },
  ],
  injection: {
    namespace: [{ on: 'labels', key: 'appmesh.k8s.aws/sidecarInjectorWebhook', value: 'enabled' }],
    pod: [],
  },
};
