import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { CONSUL_NS, INJECTED_LABEL } from './constants.ts';

/**
 * The proxies' metrics. consul-k8s ships no monitor: consul-dataplane serves Envoy's metrics on
 * `0.0.0.0:20200/metrics` and annotates each injected pod with `prometheus.io/port` and `prometheus.io/path`
 * (chart `connectInject.metrics`), without declaring the port on a container. The PodMonitor therefore selects
 * injected pods (label `consul.hashicorp.com/connect-inject-status: injected`), keeps one target per pod (the
 * `consul-dataplane` container) and points it at the pod IP and the annotated port and path.
 */
export function buildPodMonitor(): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: objectMeta('consul-dataplane', CONSUL_NS),
    spec: {
      namespaceSelector: { any: true },
      selector: { matchLabels: { ...INJECTED_LABEL } },
      podMetricsEndpoints: [
        {
          interval: '15s',
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_container_name'],
              action: 'keep',
              regex: 'consul-dataplane',
            },
            {
              sourceLabels: [
                '__meta_kubernetes_pod_ip',
                '__meta_kubernetes_pod_annotation_prometheus_io_port',
              ],
              action: 'replace',
              regex: '(.+);(\\d+)',
              replacement: '$1:$2',
              targetLabel: '__address__',
            },
            {
              sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
              action: 'replace',
              regex: '(.+)',
              targetLabel: '__metrics_path__',
            },
            { sourceLabels: ['__meta_kubernetes_namespace'], action: 'replace', targetLabel: 'namespace' },
            { sourceLabels: ['__meta_kubernetes_pod_name'], action: 'replace', targetLabel: 'pod' },
          ],
        },
      ],
    },
  };
}
