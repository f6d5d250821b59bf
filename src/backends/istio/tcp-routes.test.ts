/**
 * TCP ports on Istio: `http` routes never apply to them, so meshc gives them `tcp` routes with the weights of
 * the route that takes every request, and refuses the HTTP features of routes on a service without an HTTP
 * port instead of emitting routes Istio would ignore.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedService } from '../../model/types.ts';
import { validateObject } from '../../../test/helpers/crds.ts';
import {
  dest,
  exact,
  makeEnvironment,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
} from '../../../test/helpers/model-factory.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import { checkTcpRoutes } from './diagnostics.ts';
import { istio } from './index.ts';
import { buildVirtualService } from './virtual-service.ts';
import { duration } from '../../model/normalize.ts';

const split = makeRoute({ destinations: [dest('shop/db', 'v1', 90), dest('shop/db', 'v2', 10)] });
const db = (overrides: Partial<ResolvedService> = {}) =>
  makeService({
    namespace: 'shop',
    name: 'db',
    ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
    versions: makeVersions('v1', 'v2'),
    routes: [split],
    ...overrides,
  });
const index = (...services: ResolvedService[]) => new Map(services.map((s) => [s.id, s]));

describe('Istio routes on TCP ports', () => {
  it('a TCP-only service gets a weighted tcp route, never http routes Istio would not apply', () => {
    const s = db();
    const vs = buildVirtualService(s, index(s))!;
    expect(vs.spec).toEqual({
      hosts: ['db.shop.svc.cluster.local'],
      tcp: [
        {
          route: [
            { destination: { host: 'db.shop.svc.cluster.local', subset: 'v1' }, weight: 90 },
            { destination: { host: 'db.shop.svc.cluster.local', subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    });
    expect(checkTcpRoutes(s)).toEqual([]);
  });

  it('a TCP port beside an HTTP port gets the catch-all weights on its own port; the HTTP port keeps its rules', () => {
    const jason = makeRoute({
      index: 0,
      name: 'jason',
      matches: [makeMatch({ headers: [{ name: 'end-user', match: exact('jason') }] })],
      destinations: [dest('shop/db', 'v2')],
    });
    const s = db({
      ports: [
        { name: 'http', port: 8080, protocol: 'http' },
        { name: 'pg', port: 5432, protocol: 'tcp' },
      ],
      routes: [jason, { ...split, index: 1 }],
    });
    const spec = buildVirtualService(s, index(s))!.spec as { http: { match: unknown[] }[]; tcp: unknown[] };
    expect(spec.http.map((h) => h.match.map((m) => (m as { port: number }).port))).toEqual([[8080], [8080]]);
    expect(spec.tcp).toEqual([
      {
        match: [{ port: 5432 }],
        route: [
          {
            destination: { host: 'db.shop.svc.cluster.local', subset: 'v1', port: { number: 5432 } },
            weight: 90,
          },
          {
            destination: { host: 'db.shop.svc.cluster.local', subset: 'v2', port: { number: 5432 } },
            weight: 10,
          },
        ],
      },
    ]);
  });

  it('no VirtualService when every request of a TCP-only service goes to the service itself', () => {
    const s = db({ routes: [makeRoute({ destinations: [dest('shop/db')] })] });
    expect(buildVirtualService(s, index(s))).toBeUndefined();
  });

  it('refuses matches and HTTP features of routes on a TCP-only service, at their keys', () => {
    const s = db({
      routes: [
        makeRoute({
          index: 0,
          matches: [makeMatch({ method: 'GET' })],
          destinations: [dest('shop/db', 'v2')],
          timeout: duration('3s'),
        }),
        { ...split, index: 1, retries: { attempts: 2, on: ['reset'] } },
      ],
    });
    expect(checkTcpRoutes(s).map((d) => d.code)).toEqual([
      'MESH_CONSTRAINT',
      'MESH_CONSTRAINT',
      'MESH_CONSTRAINT',
    ]);
    expect(checkTcpRoutes(s).map((d) => d.message)).toEqual([
      expect.stringContaining('`match` of routes[0]'),
      expect.stringContaining('`timeout` of routes[0]'),
      expect.stringContaining('`retries` of routes[1]'),
    ]);
    // The backend reports them too (validate runs emit).
    const out = istio.emit(makeEnvironment({ services: [s] }), { toolVersion: 'test' });
    expect(out.diagnostics.filter((d) => d.message.includes('only TCP ports'))).toHaveLength(3);
  });
});

describeWithShared('TCP routes against the Istio CRDs', () => {
  it('the tcp VirtualService is valid (unknown fields are errors)', () => {
    const s = db({
      ports: [
        { name: 'http', port: 8080, protocol: 'http' },
        { name: 'pg', port: 5432, protocol: 'tcp' },
      ],
    });
    expect(validateObject(buildVirtualService(s, index(s)))).toEqual([]);
    const single = db();
    expect(validateObject(buildVirtualService(single, index(single)))).toEqual([]);
  });
});
