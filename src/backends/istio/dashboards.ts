import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { ISTIO_SYSTEM } from './constants.ts';

/** Istio's official dashboards on grafana.com (org "istio"; published at each release). */
export const ISTIO_DASHBOARDS: readonly { readonly name: string; readonly id: number }[] = [
  { name: 'istio-mesh', id: 7639 },
  { name: 'istio-service', id: 7636 },
  { name: 'istio-workload', id: 7630 },
  { name: 'istio-performance', id: 11829 },
  { name: 'istio-control-plane', id: 7645 },
];

/**
 * One grafana-operator GrafanaDashboard per official dashboard, referencing its grafana.com id (the JSON is
 * fetched by the operator, never copied), for Grafana instances labelled `dashboards: grafana`.
 */
export function buildGrafanaDashboards(): K8sObject[] {
  return ISTIO_DASHBOARDS.map((d) => ({
    apiVersion: 'grafana.integreatly.org/v1beta1',
    kind: 'GrafanaDashboard',
    metadata: objectMeta(d.name, ISTIO_SYSTEM),
    spec: {
      instanceSelector: { matchLabels: { dashboards: 'grafana' } },
      grafanaCom: { id: d.id },
      folder: 'Istio',
      allowCrossNamespaceImport: true,
    },
  }));
}
