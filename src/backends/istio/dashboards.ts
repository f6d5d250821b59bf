import type { K8sObject } from '../../core/k8s.ts';
import { grafanaDashboards } from '../shared/dashboards.ts';
import type { DashboardRef } from '../shared/dashboards.ts';
import { ISTIO_SYSTEM } from './constants.ts';

/**
 * Istio's official dashboards on grafana.com (org "istio"). Istio's release process uploads a new revision of
 * each at every release; revision 300 is the one published with Istio 1.29.2, the same number for all five
 * (bump them together, from https://grafana.com/orgs/istio/dashboards, when moving to a newer release).
 */
export const ISTIO_DASHBOARD_REVISION = 300;

export const ISTIO_DASHBOARDS: readonly DashboardRef[] = [
  { name: 'istio-mesh', id: 7639, revision: ISTIO_DASHBOARD_REVISION },
  { name: 'istio-service', id: 7636, revision: ISTIO_DASHBOARD_REVISION },
  { name: 'istio-workload', id: 7630, revision: ISTIO_DASHBOARD_REVISION },
  { name: 'istio-performance', id: 11829, revision: ISTIO_DASHBOARD_REVISION },
  { name: 'istio-control-plane', id: 7645, revision: ISTIO_DASHBOARD_REVISION },
];

/** The official dashboards as GrafanaDashboard objects (see the shared builder). */
export function buildGrafanaDashboards(): K8sObject[] {
  return grafanaDashboards(ISTIO_DASHBOARDS, ISTIO_SYSTEM, 'Istio');
}
