import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';
import { LINKERD_NS } from './constants.ts';

/** Linkerd's dashboards on grafana.com (org "linkerd"; linkerd2 `grafana/values.yaml`). */
export const LINKERD_DASHBOARDS: readonly { readonly name: string; readonly id: number }[] = [
  { name: 'linkerd-top-line', id: 15474 },
  { name: 'linkerd-health', id: 15486 },
  { name: 'linkerd-kubernetes', id: 15479 },
  { name: 'linkerd-namespace', id: 15478 },
  { name: 'linkerd-deployment', id: 15475 },
  { name: 'linkerd-pod', id: 15477 },
  { name: 'linkerd-service', id: 15480 },
  { name: 'linkerd-route', id: 15481 },
  { name: 'linkerd-authority', id: 15482 },
];

/**
 * One grafana-operator GrafanaDashboard per dashboard, referencing its grafana.com id (the operator fetches the
 * JSON), for Grafana instances labelled `dashboards: grafana`, as the Istio backend does.
 */
export function buildGrafanaDashboards(): K8sObject[] {
  return LINKERD_DASHBOARDS.map((d) => ({
    apiVersion: 'grafana.integreatly.org/v1beta1',
    kind: 'GrafanaDashboard',
    metadata: objectMeta(d.name, LINKERD_NS),
    spec: {
      instanceSelector: { matchLabels: { dashboards: 'grafana' } },
      grafanaCom: { id: d.id },
      folder: 'Linkerd',
      allowCrossNamespaceImport: true,
    },
  }));
}
