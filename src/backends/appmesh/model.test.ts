import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedService } from '../../model/types.ts';
import {
  caller,
  dest,
  makeAccessRule,
  makeEnvironment,
  makeService,
  makeVersions,
} from '../../../test/helpers/model-factory.ts';
import {
  backendsOf,
  mayCall,
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

  it('backendsOf equals asking mayCall for every (caller, target) pair, in id order', () => {
    // Services named n0..n5 over two namespaces (given in any order); each one open (no rules), closed (no
    // rule admits anyone), admitting `*`, or naming a few callers (some not in the environment), in 1-2 rules.
    const ids = ['a/n0', 'a/n1', 'a/n2', 'b/n0', 'b/n3', 'b/n4', 'c/gone'];
    const callers = fc.uniqueArray(fc.constantFrom('*', ...ids), { maxLength: 3 });
    const access = fc.option(fc.array(callers, { maxLength: 2 }), { nil: undefined });
    const env = fc
      .uniqueArray(fc.constantFrom(...ids.slice(0, 6)), { minLength: 0, maxLength: 6 })
      .chain((present) =>
        fc.tuple(...present.map((id) => fc.tuple(fc.constant(id), access))).map((entries) =>
          entries.map(([id, rules]) => {
            const [namespace, name] = id.split('/') as [string, string];
            return makeService({
              namespace,
              name,
              ...(rules
                ? {
                    access: rules.map((from, index) =>
                      makeAccessRule({ index, from: from.map((c) => caller(c)) }),
                    ),
                  }
                : {}),
            });
          }),
        ),
      );
    fc.assert(
      fc.property(env, (services) => {
        const byId = (a: ResolvedService, b: ResolvedService) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
        const got = backendsOf(makeEnvironment({ services }));
        expect([...got.keys()]).toEqual(services.map((s) => s.id));
        for (const c of services)
          expect(got.get(c.id)).toEqual(services.filter((t) => mayCall(c, t)).sort(byId));
      }),
      { numRuns: 300 },
    );
  });
});
