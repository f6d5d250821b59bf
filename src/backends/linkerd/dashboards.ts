import type { K8sObject } from '../../core/k8s.ts';
import { grafanaDashboards } from '../shared/dashboards.ts';
import type { DashboardRef } from '../shared/dashboards.ts';
import { LINKERD_NS } from './constants.ts';

/** Linkerd's dashboards on grafana.com (org "linkerd"; linkerd2 `grafana/values.yaml`). */
export const LINKERD_DASHBOARDS: readonly DashboardRef[] = [
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

/** The official dashboards as GrafanaDashboard objects (see the shared builder). */
export function buildGrafanaDashboards(): K8sObject[] {
  return grafanaDashboards(LINKERD_DASHBOARDS, LINKERD_NS, 'Linkerd');
}
