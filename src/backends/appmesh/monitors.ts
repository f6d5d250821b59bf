import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_NS } from './constants.ts';

/**
 * Envoy's metrics: the `stats` port (9901, `/stats/prometheus`) of every injected `envoy` container
 * (controller `pkg/inject/sidecar_builder.go`), as eks-charts `appmesh-prometheus` scrapes them (job
 * `appmesh-envoy`), as a Prometheus Operator PodMonitor.
 */
export function buildEnvoyPodMonitor(): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: objectMeta('appmesh-envoy', APPMESH_NS),
    spec: {
      namespaceSelector: { any: true },
      selector: { matchLabels: {} },
      podMetricsEndpoints: [
        {
          port: 'stats',
          path: '/stats/prometheus',
          interval: '15s',
          relabelings: [
            { sourceLabels: ['__meta_kubernetes_pod_container_name'], action: 'keep', regex: '^envoy$' },
            { sourceLabels: ['__meta_kubernetes_namespace'], action: 'replace', targetLabel: 'namespace' },
            { sourceLabels: ['__meta_kubernetes_pod_name'], action: 'replace', targetLabel: 'pod' },
          ],
        },
      ],
    },
  };
}
