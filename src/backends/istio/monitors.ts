import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { ISTIO_SYSTEM } from './constants.ts';

const MONITORING = 'monitoring.coreos.com/v1';

/**
 * Scrapes every sidecar and gateway proxy (container `istio-proxy`, `/stats/prometheus`, on the port of the
 * `prometheus.io/port` annotation: 15020, Envoy and application metrics merged), as istio's
 * `samples/addons/extras/prometheus-operator.yaml` does.
 */
export function buildPodMonitor(): K8sObject {
  const ipv6 = '(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})';
  const ipv4 = '(\\d+);((([0-9]+?)(\\.|$)){4})';
  const portAndIp = ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'];
  return {
    apiVersion: MONITORING,
    kind: 'PodMonitor',
    metadata: objectMeta('envoy-stats-monitor', ISTIO_SYSTEM, {
      monitoring: 'istio-proxies',
      release: 'istio',
    }),
    spec: {
      selector: { matchExpressions: [{ key: 'istio-prometheus-ignore', operator: 'DoesNotExist' }] },
      namespaceSelector: { any: true },
      jobLabel: 'envoy-stats',
      podMetricsEndpoints: [
        {
          path: '/stats/prometheus',
          interval: '15s',
          relabelings: [
            { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
            {
              action: 'keep',
              sourceLabels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'],
            },
            {
              action: 'replace',
              regex: ipv6,
              replacement: '[$2]:$1',
              sourceLabels: portAndIp,
              targetLabel: '__address__',
            },
            {
              action: 'replace',
              regex: ipv4,
              replacement: '$2:$1',
              sourceLabels: portAndIp,
              targetLabel: '__address__',
            },
            { action: 'labeldrop', regex: '__meta_kubernetes_pod_label_(.+)' },
            { action: 'replace', sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
            { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod_name' },
          ],
        },
      ],
    },
  };
}

/** Scrapes istiod (`istio: pilot`, port `http-monitoring`, 15014). */
export function buildServiceMonitor(): K8sObject {
  return {
    apiVersion: MONITORING,
    kind: 'ServiceMonitor',
    metadata: objectMeta('istio-component-monitor', ISTIO_SYSTEM, {
      monitoring: 'istio-components',
      release: 'istio',
    }),
    spec: {
      jobLabel: 'istio',
      targetLabels: ['app'],
      selector: { matchExpressions: [{ key: 'istio', operator: 'In', values: ['pilot'] }] },
      namespaceSelector: { any: true },
      endpoints: [{ port: 'http-monitoring', interval: '15s' }],
    },
  };
}
