import type { K8sObject } from '../../core/k8s.ts';
import type { DashboardRef } from '../shared/dashboards.ts';
import { grafanaDashboards } from '../shared/dashboards.ts';
import { CONSUL_NS } from './constants.ts';

/**
 * The Consul dashboard published on grafana.com (id 13396, referenced by hashicorp/consul `grafana/README.md`);
 * HashiCorp's other dashboards (`grafana/*.json`) have no grafana.com id. Revision pinned (see DashboardRef).
 */
export const CONSUL_DASHBOARDS: readonly DashboardRef[] = [
  { name: 'consul-service-mesh', id: 13396, revision: 1 },
];

export function buildGrafanaDashboards(): K8sObject[] {
  return grafanaDashboards(CONSUL_DASHBOARDS, CONSUL_NS, 'Consul');
}
