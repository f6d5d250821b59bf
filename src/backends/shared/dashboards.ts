import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from './labels.ts';

export interface DashboardRef {
  readonly name: string;
  /** The dashboard's id on grafana.com. */
  readonly id: number;
  /**
   * The grafana.com revision to import. Pinned: without it grafana-operator fetches the latest revision, so
   * the same output would install different dashboards from one day to the next.
   */
  readonly revision: number;
}

/**
 * One grafana-operator GrafanaDashboard per official dashboard of a mesh, referencing its grafana.com id and
 * pinned revision (the operator fetches the JSON; meshc never copies it), for Grafana instances labelled
 * `dashboards: grafana`.
 */
export function grafanaDashboards(
  dashboards: readonly DashboardRef[],
  namespace: string,
  folder: string,
): K8sObject[] {
  return dashboards.map((d) => ({
    apiVersion: 'grafana.integreatly.org/v1beta1',
    kind: 'GrafanaDashboard',
    metadata: objectMeta(d.name, namespace),
    spec: {
      instanceSelector: { matchLabels: { dashboards: 'grafana' } },
      grafanaCom: { id: d.id, revision: d.revision },
      folder,
      allowCrossNamespaceImport: true,
    },
  }));
}
