import { describe, expect, it } from 'vitest';
import { caller, makeAccessRule, makeService, makeVersions } from '../../../test/helpers/model-factory.ts';
import { duration } from '../../model/normalize.ts';
import type { ResolvedService } from '../../model/types.ts';
import {
  buildResolver,
  buildServiceDefaults,
  knownCallers,
  subsetFilter,
  upstreamOverride,
} from './services.ts';

const index = (...services: ResolvedService[]) => new Map(services.map((s) => [s.id, s]));

describe('ServiceDefaults', () => {
  it('takes the protocol of the first port, permissive mTLS only when the service sets it', () => {
    const grpc = makeService({ ports: [{ name: 'grpc', port: 9090, protocol: 'grpc' }] });
    expect(buildServiceDefaults(grpc, []).spec).toEqual({ protocol: 'grpc' });
    const inherited = makeService({ mtls: 'permissive', mtlsOverride: false });
    expect(buildServiceDefaults(inherited, []).spec).toEqual({ protocol: 'http' });
    const own = makeService({ mtls: 'permissive', mtlsOverride: true });
    expect(buildServiceDefaults(own, []).spec).toEqual({ protocol: 'http', mutualTLSMode: 'permissive' });
  });

  it('is named after the service account, the Consul service name', () => {
    const s = makeService({ serviceAccount: 'bookinfo-reviews' });
    expect(buildServiceDefaults(s, []).metadata).toMatchObject({
      name: 'bookinfo-reviews',
      namespace: 'bookinfo',
    });
  });
});

describe('resilience on the callers', () => {
  const callee = makeService({
    name: 'ratings',
    resilience: {
      outlierDetection: {
        consecutiveErrors: 5,
        interval: duration('10s'),
        baseEjectionTime: duration('30s'),
        maxEjectionPercent: 50,
      },
      connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequestsPerConnection: 0 },
    },
    access: [
      makeAccessRule({ from: [caller('bookinfo/reviews'), caller('*')] }),
      makeAccessRule({ index: 1, from: [caller('other/web', 'web-sa'), caller('bookinfo/ratings')] }),
    ],
  });
  const reviews = makeService();
  const web = makeService({ namespace: 'other', name: 'web', serviceAccount: 'web-sa' });

  it('the known callers are the services access names (not `*`, not the callee itself)', () => {
    expect(knownCallers(callee, index(callee, reviews, web)).map((s) => s.id)).toEqual([
      'bookinfo/reviews',
      'other/web',
    ]);
  });

  it('one override per callee: passive health check and limits', () => {
    expect(upstreamOverride(callee)).toEqual({
      name: 'ratings',
      passiveHealthCheck: {
        interval: '10s',
        maxFailures: 5,
        maxEjectionPercent: 50,
        baseEjectionTime: '30s',
      },
      limits: { maxConnections: 100, maxPendingRequests: 10 },
    });
    expect(upstreamOverride(makeService())).toBeUndefined();
  });

  it('the caller carries it in upstreamConfig.overrides', () => {
    expect(buildServiceDefaults(reviews, [upstreamOverride(callee)!]).spec).toMatchObject({
      upstreamConfig: { overrides: [{ name: 'ratings' }] },
    });
  });
});

describe('ServiceResolver', () => {
  it('one subset per version, filtering on the metadata of every label, no default subset', () => {
    const s = makeService({
      versions: [...makeVersions('v1'), { name: 'v2', labels: { version: 'v2', track: 'canary' } }],
    });
    expect(buildResolver(s).object!.spec).toEqual({
      subsets: {
        v1: { filter: 'Service.Meta.version == "v1"' },
        v2: { filter: 'Service.Meta.track == "canary" and Service.Meta.version == "v2"' },
      },
    });
  });

  it('load balancer policies, consistent hash as ring_hash on the header', () => {
    expect(
      buildResolver(makeService({ resilience: { loadBalancer: { type: 'least-request' } } })).object!.spec,
    ).toEqual({ loadBalancer: { policy: 'least_request' } });
    expect(
      buildResolver(
        makeService({ resilience: { loadBalancer: { type: 'consistent-hash', header: 'x-user' } } }),
      ).object!.spec,
    ).toEqual({
      loadBalancer: { policy: 'ring_hash', hashPolicies: [{ field: 'header', fieldValue: 'x-user' }] },
    });
    expect(buildResolver(makeService()).object).toBeUndefined();
  });

  it('refuses a label key service metadata cannot carry, at the key', () => {
    const s = makeService({ versions: [{ name: 'v1', labels: { 'app.kubernetes.io/version': 'v1' } }] });
    expect(buildResolver(s).diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['MESH_CONSTRAINT', 'services/reviews.yaml#/versions/v1/labels/app.kubernetes.io~1version'],
    ]);
    expect(subsetFilter({ b: 'x"y', a: '1' })).toBe('Service.Meta.a == "1" and Service.Meta.b == "x\\"y"');
  });
});
