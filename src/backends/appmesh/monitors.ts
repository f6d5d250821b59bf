import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_NS, GATEWAY_ADMIN_PORT_NAME } from './constants.ts';

/**
 * Envoy's metrics (`/stats/prometheus` on the admin port 9901), as eks-charts `appmesh-prometheus` scrapes them
 * (job `appmesh-envoy`), as a Prometheus Operator PodMonitor with one endpoint per name that port has: `stats` on
 * the `envoy` container the controller injects into meshed pods (`pkg/inject/sidecar_builder.go`), `http-admin`
 * on the ingress gateway's `envoy` container, which the eks-charts `appmesh-gateway` chart declares itself and
 * the controller's gateway injector gives no `stats` port (`pkg/inject/virtualgateway_envoy.go`). A pod has one
 * or the other, so each Envoy is scraped once.
 */
export function buildEnvoyPodMonitor(): K8sObject {
  const endpoint = (port: string) => ({
    port,
    path: '/stats/prometheus',
    interval: '15s',
    relabelings: [
      { sourceLabels: ['__meta_kubernetes_pod_container_name'], action: 'keep', regex: '^envoy$' },
      { sourceLabels: ['__meta_kubernetes_namespace'], action: 'replace', targetLabel: 'namespace' },
      { sourceLabels: ['__meta_kubernetes_pod_name'], action: 'replace', targetLabel: 'pod' },
    ],
  });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: objectMeta('appmesh-envoy', APPMESH_NS),
    spec: {
      namespaceSelector: { any: true },
      selector: { matchLabels: {} },
      podMetricsEndpoints: [endpoint('stats'), endpoint(GATEWAY_ADMIN_PORT_NAME)],
    },
  };
}
