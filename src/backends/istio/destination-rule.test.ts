import { describe, expect, it } from 'vitest';
import { makeService, makeVersions } from '../../../test/helpers/model-factory.ts';
import { fullResilience } from '../../../test/helpers/backend-fixtures.ts';
import { buildDestinationRule, buildLoadBalancer, buildTrafficPolicy } from './destination-rule.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

describe('buildDestinationRule', () => {
  it('emits nothing without versions or resilience', () => {
    expect(buildDestinationRule(makeService())).toBeUndefined();
  });

  it('emits subsets, outlier detection, connection pool and load balancer', () => {
    const s = makeService({
      versions: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { track: 'canary', version: 'v2' } },
      ],
      resilience: fullResilience({ type: 'least-request' }),
    });
    expect(buildDestinationRule(s)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
      spec: {
        host: 'reviews.bookinfo.svc.cluster.local',
        trafficPolicy: {
          outlierDetection: {
            consecutive5xxErrors: 5,
            interval: '10s',
            baseEjectionTime: '30s',
            maxEjectionPercent: 50,
          },
          connectionPool: {
            tcp: { maxConnections: 100 },
            http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 1 },
          },
          loadBalancer: { simple: 'LEAST_REQUEST' },
        },
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { track: 'canary', version: 'v2' } },
        ],
      },
    });
  });

  it('emits subsets only when there is no resilience', () => {
    expect(buildDestinationRule(makeService({ versions: makeVersions('v1') }))?.spec).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    });
  });

  it('emits a traffic policy only when there are no versions', () => {
    const s = makeService({ resilience: { loadBalancer: { type: 'consistent-hash', header: 'x-user' } } });
    expect(buildDestinationRule(s)?.spec).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
    });
  });
});

describe('traffic policy parts', () => {
  it('maps every simple load balancer', () => {
    expect(buildLoadBalancer({ type: 'round-robin' })).toEqual({ simple: 'ROUND_ROBIN' });
    expect(buildLoadBalancer({ type: 'least-request' })).toEqual({ simple: 'LEAST_REQUEST' });
    expect(buildLoadBalancer({ type: 'random' })).toEqual({ simple: 'RANDOM' });
  });

  it('emits only the pool and outlier fields that are set', () => {
    expect(
      buildTrafficPolicy({
        outlierDetection: { consecutiveErrors: 3 },
        connectionPool: { maxPendingRequests: 5 },
      }),
    ).toEqual({
      outlierDetection: { consecutive5xxErrors: 3 },
      connectionPool: { http: { http1MaxPendingRequests: 5 } },
    });
    expect(buildTrafficPolicy({})).toBeUndefined();
  });
});
