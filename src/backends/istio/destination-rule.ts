import type { K8sObject } from '../../core/k8s.ts';
import type { LoadBalancer, Resilience, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { compact } from '../shared/merge.ts';
import { serviceFqdn } from '../shared/names.ts';
import { NETWORKING } from './constants.ts';

const SIMPLE_LB: Readonly<Record<string, string>> = {
  'round-robin': 'ROUND_ROBIN',
  'least-request': 'LEAST_REQUEST',
  random: 'RANDOM',
};

/**
 * The DestinationRule of a service: its version subsets and its destination policy (outlier detection,
 * connection pool, load balancer). Undefined when the service has neither versions nor resilience settings.
 */
export function buildDestinationRule(service: ResolvedService): K8sObject | undefined {
  const trafficPolicy = buildTrafficPolicy(service.resilience);
  if (!service.versions.length && !trafficPolicy) return undefined;
  const spec: Record<string, unknown> = { host: serviceFqdn(service.namespace, service.name) };
  if (trafficPolicy) spec.trafficPolicy = trafficPolicy;
  if (service.versions.length) {
    spec.subsets = service.versions.map((v) => ({ name: v.name, labels: { ...v.labels } }));
  }
  return {
    apiVersion: NETWORKING,
    kind: 'DestinationRule',
    metadata: objectMeta(service.name, service.namespace),
    spec,
  };
}

export function buildTrafficPolicy(resilience: Resilience): Record<string, unknown> | undefined {
  const policy: Record<string, unknown> = {};
  const od = resilience.outlierDetection;
  if (od) {
    policy.outlierDetection = compact({
      consecutive5xxErrors: od.consecutiveErrors,
      interval: od.interval?.text,
      baseEjectionTime: od.baseEjectionTime?.text,
      maxEjectionPercent: od.maxEjectionPercent,
    });
  }
  const pool = resilience.connectionPool;
  if (pool) {
    const tcp = compact({ maxConnections: pool.maxConnections });
    const http = compact({
      http1MaxPendingRequests: pool.maxPendingRequests,
      maxRequestsPerConnection: pool.maxRequestsPerConnection,
    });
    policy.connectionPool = compact({
      tcp: Object.keys(tcp).length ? tcp : undefined,
      http: Object.keys(http).length ? http : undefined,
    });
  }
  if (resilience.loadBalancer) policy.loadBalancer = buildLoadBalancer(resilience.loadBalancer);
  return Object.keys(policy).length ? policy : undefined;
}

export function buildLoadBalancer(lb: LoadBalancer): Record<string, unknown> {
  if (lb.type === 'consistent-hash') return { consistentHash: { httpHeaderName: lb.header } };
  return { simple: SIMPLE_LB[lb.type] };
}
