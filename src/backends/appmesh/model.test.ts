import { describe, expect, it } from 'vitest';
import { dest, makeService, makeVersions } from '../../../test/helpers/model-factory.ts';
import {
  listenerProtocol,
  nodeName,
  nodesOf,
  spiffeId,
  splitEvenly,
  targetsOf,
  trustBundleId,
} from './model.ts';

describe('App Mesh units', () => {
  it('splits weights into integers that add up, larger shares first', () => {
    expect(splitEvenly(100, 3)).toEqual([34, 33, 33]);
    expect(splitEvenly(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitEvenly(5, 0)).toEqual([]);
  });

  it('names nodes after the per-version Services; one node for a service without versions', () => {
    const v = makeService({ versions: makeVersions('v1', 'v2') });
    expect(nodesOf(v).map((n) => n.name)).toEqual(['reviews-v1', 'reviews-v2']);
    expect(nodesOf(makeService()).map((n) => n.name)).toEqual(['reviews']);
    expect(nodeName(v)).toBe('reviews');
  });

  it('adds up the weights of destinations that resolve to the same node', () => {
    const s = makeService({ versions: makeVersions('v1', 'v2') });
    const t = targetsOf(
      [dest('bookinfo/reviews', 'v1', 50), dest('bookinfo/reviews', undefined, 50)],
      new Map([[s.id, s]]),
    );
    expect(t.map((x) => [x.node.name, x.weight])).toEqual([
      ['reviews-v1', 75],
      ['reviews-v2', 25],
    ]);
  });

  it('gRPC is HTTP/2 to App Mesh; SPIFFE IDs from trust domain, namespace and service account', () => {
    expect(listenerProtocol({ name: 'g', port: 1, protocol: 'grpc' })).toBe('http2');
    expect(spiffeId('example.org', 'shop', 'web')).toBe('spiffe://example.org/ns/shop/sa/web');
    expect(trustBundleId('example.org')).toBe('spiffe://example.org');
  });
});
