import { describe, expect, it } from 'vitest';
import {
  dest,
  exact,
  makeMatch,
  makeRoute,
  makeService,
  prefix,
  regex,
} from '../../../test/helpers/model-factory.ts';
import {
  bookinfoReviews,
  implicitRoute,
  jasonRoute,
  multiPortService,
} from '../../../test/helpers/backend-fixtures.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildOutboundRoutes } from './http-route.ts';
import { duration } from '../../model/normalize.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };
const index = (...s: ResolvedService[]) => new Map(s.map((x) => [x.id, x]));

describe('GAMMA HTTPRoutes', () => {
  it('one HTTPRoute per service when every route shares the same timeout and retries', () => {
    const s = bookinfoReviews({
      routes: [
        jasonRoute(),
        makeRoute({
          index: 1,
          destinations: [dest('bookinfo/reviews', 'v1', 90), dest('bookinfo/reviews', 'v2', 10)],
        }),
      ],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.diagnostics).toEqual([]);
    expect(out.routes).toEqual([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
          rules: [
            {
              matches: [
                {
                  path: { type: 'PathPrefix', value: '/' },
                  headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }],
                },
              ],
              backendRefs: [{ kind: 'Service', group: '', name: 'reviews-v2', port: 9080, weight: 100 }],
            },
            {
              // A rule without matches takes every request: written out as the API server fills it in.
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { kind: 'Service', group: '', name: 'reviews-v1', port: 9080, weight: 90 },
                { kind: 'Service', group: '', name: 'reviews-v2', port: 9080, weight: 10 },
              ],
            },
          ],
        },
      },
    ]);
  });

  it('routes with their own timeout or retries go to their own object, annotated', () => {
    const s = bookinfoReviews({
      routes: [
        jasonRoute(),
        makeRoute({
          index: 1,
          name: 'default',
          destinations: [dest('bookinfo/reviews', 'v1')],
          timeout: duration('10s'),
          retries: { attempts: 2, perTryTimeout: duration('3s'), on: ['5xx'] },
        }),
      ],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.routes.map((r) => [r.metadata.name, r.metadata.annotations])).toEqual([
      ['reviews.jason', undefined],
      [
        'reviews.default',
        {
          'timeout.linkerd.io/request': '10s',
          'retry.linkerd.io/http': '5xx',
          'retry.linkerd.io/limit': '2',
          'retry.linkerd.io/timeout': '3s',
        },
      ],
    ]);
  });

  it('matches: paths, regex full match, header prefix as a regex, query, method; header filters', () => {
    const s = makeService({
      routes: [
        makeRoute({
          matches: [
            makeMatch({
              path: regex('/a|/b'),
              method: 'GET',
              headers: [{ name: 'ua', match: prefix('mobile/1.0') }],
              query: [{ name: 'v', match: exact('1') }],
            }),
            makeMatch({ path: prefix('/api') }),
          ],
          destinations: [dest('bookinfo/reviews')],
          headers: {
            request: { set: [{ name: 'x-env', value: 'prod' }], add: [], remove: ['x-debug'] },
            response: { set: [], add: [{ name: 'cache-control', value: 'no-store' }], remove: [] },
          },
        }),
        makeRoute({ index: 1, implicit: true, destinations: [dest('bookinfo/reviews')] }),
      ],
    });
    const rule = (buildOutboundRoutes(s, index(s)).routes[0]!.spec as { rules: Record<string, unknown>[] })
      .rules[0]!;
    expect(rule.matches).toEqual([
      {
        path: { type: 'RegularExpression', value: '^(?:/a|/b)$' },
        headers: [{ name: 'ua', type: 'RegularExpression', value: '^mobile/1\\.0.*$' }],
        queryParams: [{ name: 'v', type: 'Exact', value: '1' }],
        method: 'GET',
      },
      { path: { type: 'PathPrefix', value: '/api' } },
    ]);
    expect(rule.filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }], remove: ['x-debug'] },
      },
      {
        type: 'ResponseHeaderModifier',
        responseHeaderModifier: { add: [{ name: 'cache-control', value: 'no-store' }] },
      },
    ]);
  });

  it('backends in another namespace: namespace on the ref, the target port, a ReferenceGrant target', () => {
    const next = makeService({
      namespace: 'next',
      name: 'reviews-next',
      ports: [{ name: 'http', port: 8080, protocol: 'http' }],
    });
    const s = makeService({
      routes: [
        makeRoute({
          destinations: [dest('bookinfo/reviews', undefined, 90), dest('next/reviews-next', undefined, 10)],
        }),
      ],
    });
    const out = buildOutboundRoutes(s, index(s, next));
    expect((out.routes[0]!.spec as { rules: { backendRefs: unknown[] }[] }).rules[0]!.backendRefs).toEqual([
      { kind: 'Service', group: '', name: 'reviews', port: 9080, weight: 90 },
      { kind: 'Service', group: '', name: 'reviews-next', namespace: 'next', port: 8080, weight: 10 },
    ]);
    expect(out.crossNamespaceTargets).toEqual(['next']);
  });

  it('one object per HTTP port when there are several; none for TCP ports', () => {
    const s = multiPortService({
      routes: [makeRoute({ destinations: [dest('bookinfo/reviews')] })],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.routes.map((r) => r.metadata.name)).toEqual(['reviews.http', 'reviews.grpc']);
    expect(
      out.routes.map(
        (r) => (r.spec as { rules: { backendRefs: { port: number }[] }[] }).rules[0]!.backendRefs[0]!.port,
      ),
    ).toEqual([9080, 9090]);
  });

  it('routes on a TCP-only service: an error', () => {
    const s = makeService({
      ports: [{ name: 'db', port: 5432, protocol: 'tcp' }],
      routes: [makeRoute({ destinations: [dest('bookinfo/reviews')] })],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.routes).toEqual([]);
    expect(out.diagnostics.map((d) => `${d.code} ${d.location?.file}`)).toEqual([
      'MESH_CONSTRAINT services/reviews.yaml#/routes',
    ]);
  });

  it('keeps first-match order where Linkerd would pick the more specific later route', () => {
    const s = bookinfoReviews({
      routes: [
        jasonRoute(),
        makeRoute({
          index: 1,
          name: 'api',
          matches: [makeMatch({ path: prefix('/api') })],
          destinations: [dest('bookinfo/reviews', 'v1')],
          timeout: duration('1s'),
        }),
        implicitRoute(2),
      ],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.diagnostics).toEqual([]);
    const jasonRule = (out.routes[0]!.spec as { rules: { matches: unknown[] }[] }).rules[0]!;
    expect(jasonRule.matches).toEqual([
      {
        path: { type: 'PathPrefix', value: '/' },
        headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }],
      },
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }],
      },
    ]);
  });

  it('warns where the order cannot be kept, at the later match entry', () => {
    const s = makeService({
      routes: [
        makeRoute({
          name: 'a',
          matches: [makeMatch({ path: prefix('/reviews'), headers: [{ name: 'x', match: exact('1') }] })],
          destinations: [dest('bookinfo/reviews')],
        }),
        makeRoute({
          index: 1,
          name: 'b',
          matches: [makeMatch({ path: regex('/reviews/[0-9]+'), method: 'GET' })],
          destinations: [dest('bookinfo/reviews')],
        }),
        implicitRoute(2),
      ],
    });
    const out = buildOutboundRoutes(s, index(s));
    expect(out.diagnostics.map((d) => `${d.severity} ${d.code} ${d.location?.file}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/routes/1/match/0',
    ]);
  });

  it('no routes, no HTTPRoute (GAMMA: an attached route would make unmatched requests fail)', () => {
    expect(buildOutboundRoutes(makeService(), new Map()).routes).toEqual([]);
  });
});
