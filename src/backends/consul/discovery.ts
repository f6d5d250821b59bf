/**
 * How meshc recognises Consul in a cluster (src/core/discovery.ts; read by src/load/cluster/).
 *
 * - CRD group: consul.hashicorp.com (hashicorp/consul-k8s `charts/consul/templates/crd-*.yaml`).
 * - Control plane: StatefulSet `<release>-server`, image `hashicorp/consul[-enterprise]:<x.y.z>[-ent]`;
 *   Deployment `<release>-connect-injector`, image `hashicorp/consul-k8s-control-plane:<x.y.z>`
 *   (hashicorp/consul-k8s `charts/consul/templates/server-statefulset.yaml`, `connect-inject-deployment.yaml`,
 *   `values.yaml`). The release name is the user's, so the server is known by its image alone.
 * - Injection: per pod, annotation `consul.hashicorp.com/connect-inject: "true"` on the pod template; there
 *   is no namespace label (the chart's `connectInject.namespaceSelector` filters namespaces)
 *   (hashicorp/consul-k8s `control-plane/connect-inject/constants/annotations_and_labels.go`).
 */
import type { MeshDiscovery } from '../../core/discovery.ts';
import { semverMinor } from '../../core/discovery.ts';

/** consul-k8s `major.minor` → the Consul `major.minor` of its chart's default image (hashicorp/consul-k8s `charts/consul/values.yaml` per tag). */
const CONSUL_K8S_TO_CONSUL: Readonly<Record<string, string>> = {
  '1.2': '1.16',
  '1.3': '1.17',
  '1.4': '1.18',
  '1.5': '1.19',
  '1.6': '1.20',
  '1.7': '1.21',
  '1.8': '1.21',
  '1.9': '1.22',
  '2.0': '2.0',
};

/** The Consul `major.minor` of a consul-k8s control-plane image tag (its chart's default Consul). */
export function consulK8sVersion(tag: string | undefined): string | undefined {
  const k8s = semverMinor(tag);
  return k8s !== undefined ? CONSUL_K8S_TO_CONSUL[k8s] : undefined;
}

export const CONSUL_DISCOVERY: MeshDiscovery = {
  mesh: 'consul',
  title: 'Consul',
  groups: [
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
    },
  ],
  controlPlanes: [
    { kind: 'StatefulSet', image: ['consul', 'consul-enterprise'], version: semverMinor },
    {
      kind: 'Deployment',
      name: /connect-injector$/,
      image: ['consul-k8s-control-plane'],
      version: consulK8sVersion,
    },
  ],
  injection: {
    namespace: [],
    pod: [{ on: 'annotations', key: 'consul.hashicorp.com/connect-inject', value: 'true' }],
  },
};
