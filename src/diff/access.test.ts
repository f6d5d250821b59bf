import { describe, expect, it } from 'vitest';
import type { AccessRule, CallerTarget, HttpMethod } from '../model/types.ts';
import { accessPaths } from '../model/access-path.ts';
import {
  ALL,
  ANYONE,
  accessGraph,
  calleeAccess,
  describePermission,
  diffAccessGraphs,
  effective,
  reduce,
} from './access.ts';

const svc = (id: string): CallerTarget => {
  const [namespace, name] = id.split('/') as [string, string];
  return { kind: 'service', serviceId: id, namespace, name, serviceAccount: name };
};
const any: CallerTarget = { kind: 'any' };
const rule = (
  index: number,
  from: CallerTarget[],
  methods: HttpMethod[] = [],
  paths: string[] = [],
): AccessRule => ({
  index,
  from: from.map((c, specIndex) => ({ ...c, specIndex })),
  methods,
  paths: accessPaths(paths),
});

describe('access graph', () => {
  it('no access control means anyone may send any request', () => {
    const a = calleeAccess({});
    expect(a.controlled).toBe(false);
    expect(effective(a, ANYONE)).toEqual([ALL]);
    expect(effective(a, 'shop/web')).toEqual([ALL]);
  });

  it('access: [] (or rules without callers) means nobody', () => {
    expect(effective(calleeAccess({ access: [] }), ANYONE)).toEqual([]);
    expect(effective(calleeAccess({ access: [rule(0, [])] }), 'shop/web')).toEqual([]);
  });

  it('a named caller gets its own rules and the rules for *', () => {
    const a = calleeAccess({
      access: [rule(0, [svc('shop/web')], ['POST'], ['/orders']), rule(1, [any], ['GET'])],
    });
    expect(effective(a, 'shop/web')).toEqual(['GET *', 'POST /orders']);
    expect(effective(a, ANYONE)).toEqual(['GET *']);
    expect(effective(a, 'shop/other')).toEqual(['GET *']);
    expect(a.rules.get('shop/web')).toEqual([0]);
  });

  it('reduces request classes covered by a wider one', () => {
    expect(reduce(['GET /a', 'GET *', '* /a', 'POST /b'])).toEqual(['* /a', 'GET *', 'POST /b']);
    expect(reduce(['GET /a', '* *'])).toEqual([ALL]);
  });

  it('describes permissions in words', () => {
    expect(describePermission([ALL])).toBe('any request');
    expect(describePermission([])).toBe('nothing');
    expect(describePermission(['GET /a', 'GET /b', 'POST /b'])).toBe('GET on /a; GET, POST on /b');
    expect(describePermission(['GET *', '* /x'])).toBe('GET (any path); any method on /x');
  });
});

describe('access graph diff', () => {
  const env = (services: { id: string; access?: AccessRule[] }[]) => ({
    services: services.map((s) => ({ id: s.id, ...(s.access ? { access: s.access } : {}) })),
  });
  const diff = (a: Parameters<typeof env>[0], b: Parameters<typeof env>[0]) =>
    diffAccessGraphs(
      accessGraph(env(a) as unknown as Parameters<typeof accessGraph>[0]),
      accessGraph(env(b) as unknown as Parameters<typeof accessGraph>[0]),
    ).map((e) => `${e.caller} → ${e.callee}: ${e.change} [${e.before.join('|')}] → [${e.after.join('|')}]`);

  it('lists every edge a new caller opens and an old one closes', () => {
    expect(
      diff(
        [{ id: 'pay/payments', access: [rule(0, [svc('pay/api')])] }],
        [{ id: 'pay/payments', access: [rule(0, [svc('pay/ledger')])] }],
      ),
    ).toEqual(['pay/api → pay/payments: closed [* *] → []', 'pay/ledger → pay/payments: opened [] → [* *]']);
  });

  it('reports a narrowed permission as a change of the edge', () => {
    expect(
      diff(
        [{ id: 'pay/payments', access: [rule(0, [svc('pay/api')])] }],
        [{ id: 'pay/payments', access: [rule(0, [svc('pay/api')], ['GET'])] }],
      ),
    ).toEqual(['pay/api → pay/payments: changed [* *] → [GET *]']);
  });

  it('adding access control closes the edge from anyone; removing it opens it', () => {
    const open = [{ id: 'pay/payments' }];
    const closed = [{ id: 'pay/payments', access: [rule(0, [svc('pay/api')])] }];
    expect(diff(open, closed)).toEqual(['* → pay/payments: closed [* *] → []']);
    expect(diff(closed, open)).toEqual(['* → pay/payments: opened [] → [* *]']);
  });

  it('does not list a caller whose permission follows the * rule on both sides', () => {
    expect(
      diff(
        [{ id: 'pay/payments', access: [rule(0, [svc('pay/api')], ['GET']), rule(1, [any], ['GET'])] }],
        [
          {
            id: 'pay/payments',
            access: [rule(0, [svc('pay/api')], ['GET']), rule(1, [any], ['GET', 'POST'])],
          },
        ],
      ),
    ).toEqual(['* → pay/payments: changed [GET *] → [GET *|POST *]']);
  });

  it('ignores rule order, duplicate rules and caller order', () => {
    expect(
      diff(
        [
          {
            id: 'pay/payments',
            access: [rule(0, [svc('pay/api'), svc('pay/web')], ['GET']), rule(1, [svc('pay/ledger')])],
          },
        ],
        [
          {
            id: 'pay/payments',
            access: [
              rule(0, [svc('pay/ledger')]),
              rule(1, [svc('pay/web'), svc('pay/api')], ['GET']),
              rule(2, [svc('pay/api')], ['GET']),
            ],
          },
        ],
      ),
    ).toEqual([]);
  });

  it('compares only services present on both sides', () => {
    expect(diff([], [{ id: 'pay/payments' }])).toEqual([]);
  });
});
