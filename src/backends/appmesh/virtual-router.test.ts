import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { multiPortService } from '../../../test/helpers/backend-fixtures.ts';
import {
  dest,
  exact,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
  prefix,
  regex,
} from '../../../test/helpers/model-factory.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { Port, ResolvedService, Route, RouteMatch } from '../../model/types.ts';
import { checkService } from './diagnostics.ts';
import { duration } from '../../model/normalize.ts';
import {
  buildVirtualRouter,
  buildVirtualService,
  listenerTimeouts,
  portRoutes,
  portRouteShapes,
  retryPolicy,
  routeMatchCount,
  routeMatches,
  unexpressibleRetry,
} from './virtual-router.ts';

const index = (...services: ResolvedService[]) => new Map(services.map((s) => [s.id, s]));
const routesOf = (router: K8sObject) => (router.spec as { routes: Record<string, unknown>[] }).routes;

describe('VirtualService', () => {
  it('is named after the service, dialed by its cluster DNS name, provided by its router', () => {
    expect(buildVirtualService(makeService())).toMatchObject({
      apiVersion: 'appmesh.k8s.aws/v1beta2',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: {
        awsName: 'reviews.bookinfo.svc.cluster.local',
        provider: { virtualRouter: { virtualRouterRef: { name: 'reviews' } } },
      },
    });
  });
});

describe('router matches', () => {
  it('expands a segment-wise prefix into an exact path and a slash prefix; `/x/` and `/` stay prefixes', () => {
    expect(routeMatches(makeMatch({ path: prefix('/api') }))).toEqual([
      { path: { exact: '/api' } },
      { prefix: '/api/' },
    ]);
    expect(routeMatches(makeMatch({ path: prefix('/api/') }))).toEqual([{ prefix: '/api/' }]);
    expect(routeMatches(undefined)).toEqual([{ prefix: '/' }]);
  });

  it('carries headers (exact, prefix, regex), exact query parameters and the method on every alternative', () => {
    const m = makeMatch({
      headers: [
        { name: 'a', match: exact('1') },
        { name: 'b', match: prefix('x') },
        { name: 'c', match: regex('y+') },
      ],
      query: [{ name: 'q', match: exact('1') }],
      path: regex('/r/[0-9]+'),
      method: 'POST',
    });
    expect(routeMatches(m)).toEqual([
      {
        path: { regex: '/r/[0-9]+' },
        headers: [
          { name: 'a', match: { exact: '1' } },
          { name: 'b', match: { prefix: 'x' } },
          { name: 'c', match: { regex: 'y+' } },
        ],
        queryParameters: [{ name: 'q', match: { exact: '1' } }],
        method: 'POST',
      },
    ]);
  });
});

describe('retry policy', () => {
  it('maps conditions to App Mesh events, the per-try timeout or the route timeout, else 15s', () => {
    expect(
      retryPolicy(
        makeRoute({
          retries: {
            attempts: 3,
            perTryTimeout: duration('250ms'),
            on: ['5xx', 'gateway-error', 'retriable-4xx', 'refused-stream', 'connect-failure', 'reset'],
          },
        }),
      ),
    ).toEqual({
      maxRetries: 3,
      perRetryTimeout: { unit: 'ms', value: 250 },
      httpRetryEvents: ['server-error', 'gateway-error', 'client-error', 'stream-error'],
      tcpRetryEvents: ['connection-error'],
    });
    expect(
      retryPolicy(makeRoute({ timeout: duration('4s'), retries: { attempts: 1, on: ['5xx'] } })),
    ).toEqual({
      maxRetries: 1,
      perRetryTimeout: { unit: 's', value: 4 },
      httpRetryEvents: ['server-error'],
    });
    expect(retryPolicy(makeRoute({ retries: { attempts: 2, on: [] } }))).toEqual({
      maxRetries: 2,
      perRetryTimeout: { unit: 's', value: 15 },
      httpRetryEvents: ['stream-error'],
      tcpRetryEvents: ['connection-error'],
    });
  });

  it("no `retries` is maxRetries 0 as `attempts: 0` is: App Mesh's default retry policy is off, as on every mesh", () => {
    // App Mesh retries a route without a retryPolicy twice (its hidden default); the spec's default is no retries.
    const none = { maxRetries: 0, httpRetryEvents: ['gateway-error'] };
    expect(retryPolicy(makeRoute({}))).toEqual({ ...none, perRetryTimeout: { unit: 's', value: 15 } });
    expect(retryPolicy(makeRoute({ timeout: duration('4s') }))).toEqual({
      ...none,
      perRetryTimeout: { unit: 's', value: 4 },
    });
    expect(retryPolicy(makeRoute({ implicit: true }))).toEqual(
      retryPolicy(makeRoute({ retries: { attempts: 0, on: [] } })),
    );
  });

  it("`attempts: 0` is maxRetries 0, which replaces App Mesh's default retry policy, whatever the conditions", () => {
    // The API wants a perRetryTimeout and one retry event (inert at 0 retries); the per-try timeout bounds the
    // single attempt: the spec's, else the route timeout, else 15s.
    const none = { maxRetries: 0, httpRetryEvents: ['gateway-error'] };
    expect(retryPolicy(makeRoute({ retries: { attempts: 0, on: ['gateway-error'] } }))).toEqual({
      ...none,
      perRetryTimeout: { unit: 's', value: 15 },
    });
    expect(
      retryPolicy(makeRoute({ timeout: duration('4s'), retries: { attempts: 0, on: ['unavailable'] } })),
    ).toEqual({ ...none, perRetryTimeout: { unit: 's', value: 4 } });
    expect(
      retryPolicy(
        makeRoute({
          timeout: duration('4s'),
          retries: { attempts: 0, perTryTimeout: duration('1500ms'), on: ['reset'] },
        }),
      ),
    ).toEqual({ ...none, perRetryTimeout: { unit: 'ms', value: 1500 } });
  });

  it('puts the maxRetries 0 policy on every App Mesh route of an `attempts: 0` spec route, and of one without `retries`', () => {
    const s = makeService({
      versions: makeVersions('v1', 'v2'),
      routes: [
        makeRoute({
          name: 'no-retries',
          matches: [makeMatch({ path: exact('/pay') }), makeMatch({ path: prefix('/checkout') })],
          destinations: [dest('bookinfo/reviews', 'v1')],
          retries: { attempts: 0, on: ['gateway-error'] },
        }),
        makeRoute({ index: 1, implicit: true, destinations: [dest('bookinfo/reviews')] }),
      ],
    });
    const routes = routesOf(buildVirtualRouter(s, index(s))) as {
      name: string;
      httpRoute: { retryPolicy?: unknown };
    }[];
    expect(routes.map((r) => [r.name, r.httpRoute.retryPolicy])).toEqual([
      [
        'no-retries',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
      [
        'no-retries-2',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
      [
        'no-retries-3',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
      [
        'default',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
    ]);
  });

  it('says why a condition has no event: reset alone, gRPC codes', () => {
    expect(unexpressibleRetry('reset', ['reset'])).toMatch(/server-error/);
    expect(unexpressibleRetry('reset', ['5xx', 'reset'])).toBeUndefined();
    expect(unexpressibleRetry('unavailable', ['unavailable'])).toMatch(/grpcRoute/);
    expect(unexpressibleRetry('connect-failure', ['connect-failure'])).toBeUndefined();
  });
});

describe('VirtualRouter', () => {
  const next = makeService({ namespace: 'next', name: 'reviews-next' });
  const reviews = makeService({
    versions: makeVersions('v1', 'v2', 'v3'),
    routes: [
      makeRoute({
        name: 'jason',
        matches: [
          makeMatch({ headers: [{ name: 'end-user', match: exact('jason') }] }),
          makeMatch({ path: prefix('/beta') }),
        ],
        destinations: [dest('bookinfo/reviews', 'v2')],
        timeout: duration('2s'),
      }),
      makeRoute({
        index: 1,
        destinations: [dest('bookinfo/reviews', 'v1', 90), dest('next/reviews-next', undefined, 10)],
      }),
    ],
  });

  it('orders routes by priority in spec order, one App Mesh route per match alternative', () => {
    const routes = routesOf(buildVirtualRouter(reviews, index(reviews, next)));
    expect(routes.map((r) => [r.name, r.priority])).toEqual([
      ['jason', 0],
      ['jason-2', 1],
      ['jason-3', 2],
      ['route-1', 3],
    ]);
    expect(routes[1]).toEqual({
      name: 'jason-2',
      priority: 1,
      httpRoute: {
        match: { path: { exact: '/beta' } },
        action: { weightedTargets: [{ virtualNodeRef: { name: 'reviews-v2' }, weight: 100 }] },
        // No `retries`: no retries (App Mesh's default policy replaced), each attempt bounded by the route timeout.
        retryPolicy: {
          maxRetries: 0,
          perRetryTimeout: { unit: 's', value: 2 },
          httpRetryEvents: ['gateway-error'],
        },
        timeout: { perRequest: { unit: 's', value: 2 } },
      },
    });
    // Another service's node: its namespace named.
    expect((routes[3]!.httpRoute as { action: unknown }).action).toEqual({
      weightedTargets: [
        { virtualNodeRef: { name: 'reviews-v1' }, weight: 90 },
        { virtualNodeRef: { name: 'reviews-next', namespace: 'next' }, weight: 10 },
      ],
    });
  });

  it('splits a destination without a version evenly over the version nodes', () => {
    const s = makeService({
      versions: makeVersions('v1', 'v2', 'v3'),
      routes: [makeRoute({ destinations: [dest('bookinfo/reviews', undefined, 100)] })],
    });
    const targets = (
      routesOf(buildVirtualRouter(s, index(s)))[0]!.httpRoute as {
        action: { weightedTargets: { weight: number }[] };
      }
    ).action.weightedTargets;
    expect(targets.map((t) => t.weight)).toEqual([34, 33, 33]);
  });

  it('routes a service without routes to all its pods; TCP ports by tcpRoute; several ports by port match', () => {
    const multi = multiPortService({ versions: makeVersions('v1') });
    const router = buildVirtualRouter(multi, index(multi));
    // The HTTP and HTTP/2 routes retry nothing (App Mesh's default policy off); App Mesh's tcpRoute has no retries.
    const noRetries = {
      maxRetries: 0,
      perRetryTimeout: { unit: 's', value: 15 },
      httpRetryEvents: ['gateway-error'],
    };
    expect((router.spec as { listeners: unknown }).listeners).toEqual([
      { portMapping: { port: 9080, protocol: 'http' } },
      { portMapping: { port: 9090, protocol: 'http2' } },
      { portMapping: { port: 5432, protocol: 'tcp' } },
    ]);
    expect(routesOf(router)).toEqual([
      {
        name: 'default-9080',
        priority: 0,
        httpRoute: {
          match: { prefix: '/', port: 9080 },
          action: { weightedTargets: [{ virtualNodeRef: { name: 'reviews-v1' }, weight: 100, port: 9080 }] },
          retryPolicy: noRetries,
        },
      },
      {
        name: 'default-9090',
        priority: 0,
        http2Route: {
          match: { prefix: '/', port: 9090 },
          action: { weightedTargets: [{ virtualNodeRef: { name: 'reviews-v1' }, weight: 100, port: 9090 }] },
          retryPolicy: noRetries,
        },
      },
      {
        name: 'default-5432',
        priority: 0,
        tcpRoute: {
          action: { weightedTargets: [{ virtualNodeRef: { name: 'reviews-v1' }, weight: 100, port: 5432 }] },
          match: { port: 5432 },
        },
      },
    ]);
  });

  it('raises the target listeners past the 15s default only for longer route timeouts', () => {
    const s = makeService({
      versions: makeVersions('v1', 'v2'),
      routes: [
        makeRoute({ destinations: [dest('bookinfo/reviews', 'v1')], timeout: duration('1m') }),
        makeRoute({ index: 1, destinations: [dest('bookinfo/reviews', 'v2')], timeout: duration('5s') }),
      ],
    });
    expect([...listenerTimeouts([s], index(s))]).toEqual([['bookinfo/reviews-v1', 60_000]]);
  });
});

/** A few services of namespace `a` routing to each other (and to one that does not exist), with many versions. */
const fleetArb = fc
  .tuple(
    ...['s0', 's1', 's2', 's3'].map((name) =>
      fc.record({
        name: fc.constant(name),
        versions: fc.integer({ min: 0, max: 12 }),
        ports: fc.subarray(['http', 'grpc', 'tcp'] as const, { minLength: 1 }),
        routes: fc.array(
          fc.record({
            matches: fc.array(
              fc.record({
                path: fc.option(
                  fc.oneof(
                    fc.constantFrom('/', '/api', '/api/', '/v1/items').map(prefix),
                    fc.constant(exact('/healthz')),
                    fc.constant(regex('/x/.*')),
                  ),
                  { nil: undefined },
                ),
                header: fc.boolean(),
              }),
              { maxLength: 3 },
            ),
            destinations: fc.array(
              fc.record({
                to: fc.constantFrom('a/s0', 'a/s1', 'a/s2', 'a/s3', 'a/ghost'),
                version: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
                weight: fc.integer({ min: 0, max: 100 }),
              }),
              { maxLength: 4 },
            ),
          }),
          { maxLength: 4 },
        ),
      }),
    ),
  )
  .map((specs) =>
    specs.map(({ name, versions, ports, routes }) =>
      makeService({
        namespace: 'a',
        name,
        versions: makeVersions(...Array.from({ length: versions }, (_, i) => `v${i + 1}`)),
        ports: ports.map((protocol, i): Port => ({ name: `p${i}`, port: 8000 + i, protocol })),
        routes: routes.map((r, index): Route =>
          makeRoute({
            index,
            matches: r.matches.map((m): RouteMatch =>
              makeMatch({
                ...(m.path ? { path: m.path } : {}),
                ...(m.header ? { headers: [{ name: 'x-user', match: exact('qa') }] } : {}),
              }),
            ),
            destinations: r.destinations.map((d) =>
              dest(d.to, d.version === undefined ? undefined : `v${d.version}`, d.weight, ['routes', index]),
            ),
          }),
        ),
      }),
    ),
  );

describe('portRouteShapes (what the value checks count)', () => {
  it('is portRoutes without the bodies: the same routes, in order, with their weighted targets', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const services = index(...fleet);
        for (const s of fleet)
          for (const p of s.ports) {
            const built = portRoutes(s, p, services).map((r) => {
              const body = Object.values(r.body)[0] as { action: { weightedTargets: unknown[] } };
              return { route: r.route, targets: body.action.weightedTargets.length };
            });
            const shapes = portRouteShapes(s, p, services);
            expect(shapes.length).toBe(built.length);
            shapes.forEach((shape, i) => {
              // The spec's routes themselves; the implicit catch-all is made anew by each call.
              if (shape.route.implicit) expect(shape.route).toStrictEqual(built[i]!.route);
              else expect(shape.route).toBe(built[i]!.route);
              expect(shape.targets).toBe(built[i]!.targets);
            });
          }
      }),
      { numRuns: 200 },
    );
  });

  it('counts the App Mesh matches routeMatches makes of each spec match', () => {
    for (const path of [undefined, prefix('/'), prefix('/api'), prefix('/api/'), exact('/a'), regex('/a.*')])
      expect(routeMatchCount(makeMatch(path ? { path } : {}))).toBe(
        routeMatches(makeMatch(path ? { path } : {})).length,
      );
    expect(routeMatchCount(undefined)).toBe(routeMatches(undefined).length);
  });

  it("gives checkService the findings it had when it built every port's routes", () => {
    // The limit checks as they were, over the built routes.
    const limits = (s: ResolvedService, services: ReadonlyMap<string, ResolvedService>) =>
      s.ports.flatMap((p) => {
        const routes = portRoutes(s, p, services);
        const out: string[] = [];
        if (routes.length > 1001)
          out.push(
            `${s.id}: App Mesh route priorities end at 1000, and port ${p.port} needs ${routes.length} routes.`,
          );
        for (const r of routes) {
          const body = Object.values(r.body)[0] as { action: { weightedTargets: unknown[] } };
          const targets = body.action.weightedTargets.length;
          if (targets > 10 && !r.route.implicit)
            out.push(`${s.id}: an App Mesh route has at most 10 weighted targets, this one ${targets}.`);
        }
        return out;
      });
    // The limits only: not the route fields a TCP port cannot carry (checkTcpRoutes).
    const messages = (ds: readonly Diagnostic[]) =>
      ds
        .filter(
          (d) => d.code === 'MESH_CONSTRAINT' && !d.message.includes('routes TCP traffic by weight only'),
        )
        .map((d) => d.message);
    let found = 0;
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const services = index(...fleet);
        for (const s of fleet) {
          const expected = limits(s, services);
          found += expected.length;
          expect(messages(checkService(s, services))).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
    expect(found).toBeGreaterThan(0);
    // More than 1,000 routes on a port.
    const many = makeService({
      routes: Array.from({ length: 501 }, (_, i) =>
        makeRoute({ index: i, matches: [makeMatch({ path: prefix(`/p${i}`) })] }),
      ),
    });
    expect(messages(checkService(many, index(many)))).toEqual(limits(many, index(many)));
    expect(limits(many, index(many))).toHaveLength(1);
  });
});
