import type { K8sObject } from '../../core/k8s.ts';
import { grafanaDashboards } from '../shared/dashboards.ts';
import type { DashboardRef } from '../shared/dashboards.ts';
import { ISTIO_SYSTEM } from './constants.ts';

/** Istio's official dashboards on grafana.com (org "istio"; published at each release). */
// TEMPORARY (branch h-linkerd): placeholder revisions so this branch type-checks against the shared
// DashboardRef with `revision`; helper "istio" owns the real values. On merge, take h-istio's version.
export const ISTIO_DASHBOARDS: readonly DashboardRef[] = [
  { name: 'istio-mesh', id: 7639, revision: 1 },
  { name: 'istio-service', id: 7636, revision: 1 },
  { name: 'istio-workload', id: 7630, revision: 1 },
  { name: 'istio-performance', id: 11829, revision: 1 },
  { name: 'istio-control-plane', id: 7645, revision: 1 },
];

/** The official dashboards as GrafanaDashboard objects (see the shared builder). */
export function buildGrafanaDashboards(): K8sObject[] {
  return grafanaDashboards(ISTIO_DASHBOARDS, ISTIO_SYSTEM, 'Istio');
}
