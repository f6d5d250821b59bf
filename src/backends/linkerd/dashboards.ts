import type { K8sObject } from '../../core/k8s.ts';
import { grafanaDashboards } from '../shared/dashboards.ts';
import type { DashboardRef } from '../shared/dashboards.ts';
import { LINKERD_NS } from './constants.ts';

/**
 * Linkerd's dashboards on grafana.com (org "linkerd"), pinned to the revisions linkerd2's own Grafana values
 * pin (`grafana/values.yaml`, `dashboards.default.<name>.{gnetId,revision}`), so that a render is reproducible
 * and a dashboard changes only when meshc's pin does.
 */
export const LINKERD_DASHBOARDS: readonly DashboardRef[] = [
  { name: 'linkerd-top-line', id: 15474, revision: 4 },
  { name: 'linkerd-health', id: 15486, revision: 3 },
  { name: 'linkerd-kubernetes', id: 15479, revision: 2 },
  { name: 'linkerd-namespace', id: 15478, revision: 3 },
  { name: 'linkerd-deployment', id: 15475, revision: 6 },
  { name: 'linkerd-pod', id: 15477, revision: 3 },
  { name: 'linkerd-service', id: 15480, revision: 3 },
  { name: 'linkerd-route', id: 15481, revision: 3 },
  { name: 'linkerd-authority', id: 15482, revision: 3 },
];

/** The official dashboards as GrafanaDashboard objects (see the shared builder). */
export function buildGrafanaDashboards(): K8sObject[] {
  return grafanaDashboards(LINKERD_DASHBOARDS, LINKERD_NS, 'Linkerd');
}
