import { describe, expect, it } from 'vitest';
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
import { duration } from '../../model/normalize.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildChain, headerModifiers, httpMatches, liveRoutes, retryFields, wholeTargets } from './chain.ts';

const index = (...services: ResolvedService[]) => new Map(services.map((s) => [s.id, s]));
const kinds = (objects: { kind: string; metadata: { name: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('ServiceRouter matches', () => {
  it('writes a segment-wise prefix as an exact path or the prefix with a slash', () => {
    expect(httpMatches(makeMatch({ path: prefix('/api') }))).toEqual([
      { pathExact: '/api' },
      { pathPrefix: '/api/' },
    ]);
    expect(httpMatches(makeMatch({ path: prefix('/') }))).toEqual([{ pathPrefix: '/' }]);
    expect(httpMatches(makeMatch({ path: regex('/r/[0-9]+') }))).toEqual([{ pathRegex: '/r/[0-9]+' }]);
  });

  it('carries headers, query parameters and the method on every alternative', () => {
    const m = makeMatch({
      path: prefix('/a'),
      headers: [{ name: 'x-user', match: prefix('qa-') }],
      query: [{ name: 'v', match: prefix('2') }],
      method: 'GET',
    });
    const common = {
      header: [{ name: 'x-user', prefix: 'qa-' }],
      queryParam: [{ name: 'v', regex: '2.*' }],
      methods: ['GET'],
    };
    expect(httpMatches(m)).toEqual([
      { pathExact: '/a', ...common },
      { pathPrefix: '/a/', ...common },
    ]);
  });
});

describe('retries', () => {
  it('from 1.18: numRetries, retryOn tokens and retryOnConnectFailure', () => {
    expect(
      retryFields({ attempts: 3, on: ['5xx', 'connect-failure', 'reset', 'unavailable'] }, '1.18'),
    ).toEqual({
      fields: { numRetries: 3, retryOnConnectFailure: true, retryOn: ['5xx', 'reset', 'unavailable'] },
      refused: [],
      approximated: [],
    });
  });

  it('before 1.18: status codes only, other conditions refused by index', () => {
    const r = retryFields({ attempts: 2, on: ['gateway-error', 'reset', 'retriable-4xx'] }, '1.17');
    expect(r.fields).toEqual({ numRetries: 2, retryOnStatusCodes: [409, 502, 503, 504] });
    expect(r.refused).toEqual([{ index: 1, condition: 'reset' }]);
  });

  it("before 1.18: 5xx and gateway-error as status codes are approximations (Envoy's own retry resets too)", () => {
    const r = retryFields({ attempts: 2, on: ['retriable-4xx', '5xx', 'gateway-error'] }, '1.16');
    expect(r.approximated).toEqual([
      { index: 1, condition: '5xx' },
      { index: 2, condition: 'gateway-error' },
    ]);
    expect(retryFields({ attempts: 2, on: ['5xx', 'gateway-error'] }, '1.18').approximated).toEqual([]);
  });

  it('no retries at all with attempts 0', () => {
    expect(retryFields({ attempts: 0, on: ['5xx'] }, '1.21')).toEqual({
      fields: {},
      refused: [],
      approximated: [],
    });
  });
});

describe('header modifiers', () => {
  it('maps add and set, lists remove, leaves out empty parts', () => {
    expect(headerModifiers({ set: [{ name: 'a', value: '1' }], add: [], remove: ['b'] })).toEqual({
      set: { a: '1' },
      remove: ['b'],
    });
    expect(headerModifiers({ set: [], add: [], remove: [] })).toBeUndefined();
  });
});

describe('buildChain', () => {
  const reviews = makeService({ versions: makeVersions('v1', 'v2', 'v3') });
  const next = makeService({ name: 'reviews-next', serviceAccount: 'reviews-next' });

  it('a single weighted default route: the service own splitter, no router', () => {
    const s = {
      ...reviews,
      routes: [
        makeRoute({ destinations: [dest('bookinfo/reviews', 'v1', 90), dest('bookinfo/reviews', 'v2', 10)] }),
      ],
    };
    const out = buildChain(s, index(s), wholeTargets(index(s)).has(s.id), '1.21');
    expect(kinds(out.objects)).toEqual(['ServiceSplitter/reviews']);
    expect(out.objects[0]!.spec).toEqual({
      splits: [
        { weight: 90, service: 'reviews', serviceSubset: 'v1' },
        { weight: 10, service: 'reviews', serviceSubset: 'v2' },
      ],
    });
  });

  it('a matched weighted route gets a splitter-only service with the same protocol, reached from the router', () => {
    const s = {
      ...reviews,
      routes: [
        makeRoute({
          name: 'canary',
          matches: [makeMatch({ headers: [{ name: 'x', match: exact('1') }] })],
          destinations: [dest('bookinfo/reviews', 'v3', 90), dest('bookinfo/reviews-next', undefined, 10)],
        }),
        makeRoute({ index: 1, implicit: true, destinations: [dest('bookinfo/reviews')] }),
      ],
    };
    const out = buildChain(s, index(s, next), wholeTargets(index(s, next)).has(s.id), '1.21');
    expect(kinds(out.objects)).toEqual([
      'ServiceRouter/reviews',
      'ServiceSplitter/reviews--canary',
      'ServiceDefaults/reviews--canary',
    ]);
    expect(out.objects[0]!.spec).toEqual({
      routes: [
        {
          match: { http: { header: [{ name: 'x', exact: '1' }] } },
          destination: { service: 'reviews--canary' },
        },
        { destination: { service: 'reviews' } },
      ],
    });
    expect(out.objects[2]!.spec).toEqual({ protocol: 'http' });
  });

  it('keeps the default weights out of the service own splitter when another route sends to the service as a whole', () => {
    const s = {
      ...reviews,
      routes: [
        makeRoute({ matches: [makeMatch({ method: 'POST' })], destinations: [dest('bookinfo/reviews')] }),
        makeRoute({
          index: 1,
          destinations: [dest('bookinfo/reviews', 'v1', 50), dest('bookinfo/reviews', 'v2', 50)],
        }),
      ],
    };
    const services = index(s);
    expect(wholeTargets(services)).toEqual(new Set(['bookinfo/reviews']));
    const out = buildChain(s, services, wholeTargets(services).has(s.id), '1.21');
    expect(kinds(out.objects)).toEqual([
      'ServiceRouter/reviews',
      'ServiceSplitter/reviews--route-1',
      'ServiceDefaults/reviews--route-1',
    ]);
  });

  it('timeouts, retries and header changes go on the router destination', () => {
    const s = {
      ...reviews,
      routes: [
        makeRoute({
          destinations: [dest('bookinfo/reviews', 'v1')],
          timeout: duration('1m30s'),
          retries: { attempts: 2, on: ['5xx'] },
          headers: { request: { set: [], add: [{ name: 'x-a', value: '1' }], remove: [] } },
        }),
      ],
    };
    const out = buildChain(s, index(s), false, '1.21');
    expect(out.objects[0]!.spec).toEqual({
      routes: [
        {
          destination: {
            service: 'reviews',
            serviceSubset: 'v1',
            requestTimeout: '1m30s',
            numRetries: 2,
            retryOn: ['5xx'],
            requestHeaders: { add: { 'x-a': '1' } },
          },
        },
      ],
    });
  });

  it("writes a header value's % as Envoy's %%: Consul hands the values to Envoy, where % starts a variable", () => {
    const s = {
      ...reviews,
      routes: [
        makeRoute({
          destinations: [dest('bookinfo/reviews', 'v1')],
          headers: { request: { set: [{ name: 'x-share', value: '50%' }], add: [], remove: [] } },
        }),
      ],
    };
    const out = buildChain(s, index(s), false, '1.21');
    expect(out.objects[0]!.spec).toEqual({
      routes: [
        {
          destination: {
            service: 'reviews',
            serviceSubset: 'v1',
            requestHeaders: { set: { 'x-share': '50%%' } },
          },
        },
      ],
    });
  });

  it('stops at the first route that matches every request', () => {
    const routes = [
      makeRoute({ destinations: [dest('bookinfo/reviews', 'v1')] }),
      makeRoute({ index: 1, destinations: [dest('bookinfo/reviews', 'v2')] }),
    ];
    expect(liveRoutes(routes)).toEqual([routes[0]]);
  });

  it('names the Consul service of a destination by its service account', () => {
    const other = makeService({ name: 'ratings', serviceAccount: 'bookinfo-ratings' });
    const s = { ...reviews, routes: [makeRoute({ destinations: [dest('bookinfo/ratings')] })] };
    const out = buildChain(s, index(s, other), false, '1.21');
    expect(out.objects[0]!.spec).toEqual({ routes: [{ destination: { service: 'bookinfo-ratings' } }] });
  });

  it('refuses routes on a TCP service and retry conditions before 1.18, at the spec node', () => {
    const tcp = makeService({
      name: 'db',
      ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
      routes: [makeRoute({ destinations: [dest('bookinfo/db')], timeout: duration('1s') })],
    });
    expect(buildChain(tcp, index(tcp), false, '1.21').diagnostics.map((d) => d.code)).toEqual([
      'MESH_CONSTRAINT',
    ]);
    const s = {
      ...reviews,
      routes: [
        makeRoute({
          destinations: [dest('bookinfo/reviews', 'v1')],
          retries: { attempts: 1, on: ['reset'] },
        }),
      ],
    };
    const d = buildChain(s, index(s), false, '1.16').diagnostics;
    expect(d.map((x) => [x.code, x.location?.file])).toEqual([
      ['MESH_UNSUPPORTED_FEATURE', 'services/reviews.yaml#/routes/0/retries/on/0'],
    ]);
  });
});
