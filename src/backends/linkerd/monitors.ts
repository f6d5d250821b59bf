import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { LINKERD_NS } from './constants.ts';

const MONITORING = 'monitoring.coreos.com/v1';
const ENDPOINT = { interval: '10s', scrapeTimeout: '10s' } as const;

/**
 * Which container ports of the control plane's pods carry their admin (metrics) endpoint. Linkerd 2.16 to 2.18
 * name them all `admin-http`; 2.19 renamed them per component (`dest-admin`, `spval-admin`, `policy-admin`,
 * `ident-admin`, `injector-admin`) and the chart's monitor keeps `.*-admin` minus the proxies' `linkerd-admin`
 * (linkerd-control-plane `templates/{destination,identity,proxy-injector,podmonitor}.yaml` at each version
 * tag). meshc keeps both forms, so the monitor scrapes every control-plane component on every supported
 * version, and during an upgrade from one naming to the other.
 */
export const CONTROLLER_ADMIN_PORTS = 'admin-http|.+-admin';
/** The proxies' admin port (scraped by the proxy monitor). */
export const PROXY_ADMIN_PORT = 'linkerd-admin';

/**
 * The proxies' metrics: every `linkerd-proxy` container's `linkerd-admin` port (4191, `/metrics`) in pods of
 * this control plane, with Linkerd's pod labels mapped, as the linkerd-control-plane chart's
 * `templates/podmonitor.yaml` (`podMonitor.proxy`) renders it.
 */
export function buildProxyPodMonitor(): K8sObject {
  return {
    apiVersion: MONITORING,
    kind: 'PodMonitor',
    metadata: objectMeta('linkerd-proxy', LINKERD_NS, { 'linkerd.io/control-plane-ns': LINKERD_NS }),
    spec: {
      namespaceSelector: { any: true },
      selector: { matchLabels: {} },
      podMetricsEndpoints: [
        {
          ...ENDPOINT,
          relabelings: [
            {
              sourceLabels: [
                '__meta_kubernetes_pod_container_name',
                '__meta_kubernetes_pod_container_port_name',
                '__meta_kubernetes_pod_label_linkerd_io_control_plane_ns',
              ],
              action: 'keep',
              regex: `^linkerd-proxy;${PROXY_ADMIN_PORT};${LINKERD_NS}$`,
            },
            { sourceLabels: ['__meta_kubernetes_namespace'], action: 'replace', targetLabel: 'namespace' },
            { sourceLabels: ['__meta_kubernetes_pod_name'], action: 'replace', targetLabel: 'pod' },
            {
              sourceLabels: ['__meta_kubernetes_pod_label_linkerd_io_proxy_job'],
              action: 'replace',
              targetLabel: 'k8s_job',
            },
            { action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_job' },
            { action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)' },
            { action: 'labeldrop', regex: '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)' },
            { action: 'labelmap', regex: '__meta_kubernetes_pod_label_linkerd_io_(.+)' },
            {
              action: 'labelmap',
              regex: '__meta_kubernetes_pod_label_(.+)',
              replacement: '__tmp_pod_label_$1',
            },
            {
              action: 'labelmap',
              regex: '__tmp_pod_label_linkerd_io_(.+)',
              replacement: '__tmp_pod_label_$1',
            },
            { action: 'labeldrop', regex: '__tmp_pod_label_linkerd_io_(.+)' },
            { action: 'labelmap', regex: '__tmp_pod_label_(.+)' },
          ],
        },
      ],
    },
  };
}

/** The control plane's own metrics: its admin ports other than the proxies' (`podMonitor.controller`). */
export function buildControllerPodMonitor(): K8sObject {
  return {
    apiVersion: MONITORING,
    kind: 'PodMonitor',
    metadata: objectMeta('linkerd-controller', LINKERD_NS, { 'linkerd.io/control-plane-ns': LINKERD_NS }),
    spec: {
      namespaceSelector: { matchNames: [LINKERD_NS] },
      selector: { matchLabels: {} },
      podMetricsEndpoints: [
        {
          ...ENDPOINT,
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_container_port_name'],
              action: 'keep',
              regex: CONTROLLER_ADMIN_PORTS,
            },
            {
              sourceLabels: ['__meta_kubernetes_pod_container_port_name'],
              action: 'drop',
              regex: PROXY_ADMIN_PORT,
            },
            {
              sourceLabels: ['__meta_kubernetes_pod_container_name'],
              action: 'replace',
              targetLabel: 'component',
            },
          ],
        },
      ],
    },
  };
}
