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
import {
  PORTS,
  bookinfoReviews,
  everyFeatureRoute,
  multiPortService,
} from '../../../test/helpers/backend-fixtures.ts';
import type { ServiceIndex } from './virtual-service.ts';
import { buildHttpRoute, buildVirtualService, destination, httpRouteName } from './virtual-service.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };
const REVIEWS = 'reviews.bookinfo.svc.cluster.local';

const reviews = makeService({ versions: makeVersions('v1', 'v2', 'v3') });
const products = multiPortService({ name: 'products' }, [PORTS.http8080, PORTS.grpc]);
const services: ServiceIndex = new Map([reviews, products].map((s) => [s.id, s]));

describe('buildVirtualService', () => {
  it('emits nothing for a service without routes', () => {
    expect(buildVirtualService(reviews, services)).toBeUndefined();
  });

  it('splits 90/10 between two subsets, with attempts 0 when no retries are configured', () => {
    const s = makeService({
      versions: makeVersions('v1', 'v2'),
      routes: [
        makeRoute({ destinations: [dest('bookinfo/reviews', 'v1', 90), dest('bookinfo/reviews', 'v2', 10)] }),
      ],
    });
    expect(buildVirtualService(s, services)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
      spec: {
        hosts: [REVIEWS],
        http: [
          {
            name: 'route-0',
            route: [
              { destination: { host: REVIEWS, subset: 'v1' }, weight: 90 },
              { destination: { host: REVIEWS, subset: 'v2' }, weight: 10 },
            ],
            retries: { attempts: 0 },
          },
        ],
      },
    });
  });

  it('routes jason by header, then the implicit default route to every pod', () => {
    const s = bookinfoReviews();
    expect((buildVirtualService(s, services)?.spec as { http: unknown }).http).toEqual([
      {
        name: 'jason',
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: [{ destination: { host: REVIEWS, subset: 'v2' }, weight: 100 }],
        retries: { attempts: 0 },
      },
      { name: 'default', route: [{ destination: { host: REVIEWS }, weight: 100 }], retries: { attempts: 0 } },
    ]);
  });
});

describe('buildHttpRoute', () => {
  it('expands a segment-wise prefix into exact + prefix with a trailing slash, keeping the other conditions', () => {
    const route = makeRoute({
      matches: [
        makeMatch({
          path: prefix('/api'),
          headers: [{ name: 'x-canary', match: prefix('yes') }],
          query: [{ name: 'debug', match: regex('^1$') }],
          method: 'GET',
        }),
        makeMatch({ path: prefix('/static/') }),
        makeMatch({ path: regex('^/v[0-9]+/.*') }),
        makeMatch({ path: exact('/login') }),
      ],
      destinations: [dest('bookinfo/reviews', 'v1')],
    });
    const common = {
      headers: { 'x-canary': { prefix: 'yes' } },
      queryParams: { debug: { regex: '^1$' } },
      method: { exact: 'GET' },
    };
    expect(buildHttpRoute(route, services).match).toEqual([
      { uri: { exact: '/api' }, ...common },
      { uri: { prefix: '/api/' }, ...common },
      { uri: { prefix: '/static/' } },
      { uri: { regex: '^/v[0-9]+/.*' } },
      { uri: { exact: '/login' } },
    ]);
  });

  it('keeps prefix / as one prefix match', () => {
    const route = makeRoute({
      matches: [makeMatch({ path: prefix('/') })],
      destinations: [dest('bookinfo/reviews')],
    });
    expect(buildHttpRoute(route, services).match).toEqual([{ uri: { prefix: '/' } }]);
  });

  it('drops match when one entry has no condition (it matches everything)', () => {
    const route = makeRoute({
      matches: [makeMatch({ path: exact('/a') }), makeMatch()],
      destinations: [dest('bookinfo/reviews')],
    });
    expect(buildHttpRoute(route, services)).not.toHaveProperty('match');
  });

  it('emits timeout, retries, fault delay and abort, mirror and header operations', () => {
    const route = everyFeatureRoute(50);
    expect(buildHttpRoute(route, services)).toEqual({
      name: 'route-2',
      route: [
        { destination: { host: REVIEWS, subset: 'v1' }, weight: 90 },
        { destination: { host: REVIEWS, subset: 'v2' }, weight: 10 },
      ],
      timeout: '10s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,gateway-error,connect-failure,reset' },
      fault: {
        delay: { fixedDelay: '7s', percentage: { value: 100 } },
        abort: { httpStatus: 500, percentage: { value: 10 } },
      },
      mirror: { host: REVIEWS, subset: 'v3' },
      mirrorPercentage: { value: 50 },
      headers: {
        request: { set: { 'x-env': 'prod' }, add: { 'x-trace': '1' }, remove: ['x-debug'] },
        response: { remove: ['server'] },
      },
    });
  });

  it('emits retries without retryOn or perTryTimeout when they are not set', () => {
    const route = makeRoute({ destinations: [dest('bookinfo/reviews')], retries: { attempts: 2, on: [] } });
    expect(buildHttpRoute(route, services).retries).toEqual({ attempts: 2 });
  });

  it('omits empty header operations entirely', () => {
    const route = makeRoute({
      destinations: [dest('bookinfo/reviews')],
      headers: { request: { set: [], add: [], remove: [] } },
    });
    expect(buildHttpRoute(route, services)).not.toHaveProperty('headers');
  });

  it('routes to other services, with the first port of a multi-port target', () => {
    const route = makeRoute({
      name: 'coffees',
      matches: [makeMatch({ path: exact('/coffees') })],
      destinations: [dest('bookinfo/products', undefined, 90), dest('shop/products-next', 'v2', 10)],
    });
    expect(buildHttpRoute(route, services).route).toEqual([
      { destination: { host: 'products.bookinfo.svc.cluster.local', port: { number: 8080 } }, weight: 90 },
      { destination: { host: 'products-next.shop.svc.cluster.local', subset: 'v2' }, weight: 10 },
    ]);
  });
});

describe('services with several ports', () => {
  const api = makeService({
    name: 'api',
    versions: makeVersions('v1', 'v2'),
    ports: [PORTS.db, PORTS.http8080, PORTS.grpc],
    routes: [
      makeRoute({
        name: 'canary',
        matches: [
          makeMatch({ headers: [{ name: 'x-canary', match: exact('1') }] }),
          makeMatch({ path: prefix('/beta') }),
        ],
        destinations: [dest('bookinfo/api', 'v2')],
        mirror: {
          serviceId: 'bookinfo/api',
          namespace: 'bookinfo',
          service: 'api',
          version: 'v1',
          percent: 5,
        },
      }),
      makeRoute({
        index: 1,
        destinations: [dest('bookinfo/api', 'v1', 90), dest('bookinfo/products', undefined, 10)],
      }),
    ],
  });
  const all: ServiceIndex = new Map([api, products].map((s) => [s.id, s]));
  const API = 'api.bookinfo.svc.cluster.local';
  const PRODUCTS = 'products.bookinfo.svc.cluster.local';

  it('one set of routes per HTTP port, in spec order, each restricted to its port and sending to it', () => {
    const http = (buildVirtualService(api, all)?.spec as { http: Record<string, unknown>[] }).http;
    expect(http.map((h) => [h.name, h.match, h.route, h.mirror])).toEqual([
      [
        'canary-http',
        [
          { headers: { 'x-canary': { exact: '1' } }, port: 8080 },
          { uri: { exact: '/beta' }, port: 8080 },
          { uri: { prefix: '/beta/' }, port: 8080 },
        ],
        [{ destination: { host: API, subset: 'v2', port: { number: 8080 } }, weight: 100 }],
        { host: API, subset: 'v1', port: { number: 8080 } },
      ],
      [
        'route-1-http',
        [{ port: 8080 }],
        [
          { destination: { host: API, subset: 'v1', port: { number: 8080 } }, weight: 90 },
          { destination: { host: PRODUCTS, port: { number: 8080 } }, weight: 10 },
        ],
        undefined,
      ],
      [
        'canary-grpc',
        [
          { headers: { 'x-canary': { exact: '1' } }, port: 9090 },
          { uri: { exact: '/beta' }, port: 9090 },
          { uri: { prefix: '/beta/' }, port: 9090 },
        ],
        [{ destination: { host: API, subset: 'v2', port: { number: 9090 } }, weight: 100 }],
        { host: API, subset: 'v1', port: { number: 9090 } },
      ],
      [
        'route-1-grpc',
        [{ port: 9090 }],
        [
          { destination: { host: API, subset: 'v1', port: { number: 9090 } }, weight: 90 },
          { destination: { host: PRODUCTS, port: { number: 9090 } }, weight: 10 },
        ],
        undefined,
      ],
    ]);
  });

  it('a target without the port of the request gets its first HTTP port', () => {
    const tcpFirst = makeService({
      name: 'store',
      ports: [
        { name: 'db', port: 5432, protocol: 'tcp' },
        { name: 'admin', port: 7000, protocol: 'http' },
      ],
    });
    const index: ServiceIndex = new Map([[tcpFirst.id, tcpFirst]]);
    expect(destination(dest('bookinfo/store'), index, 8080)).toEqual({
      host: 'store.bookinfo.svc.cluster.local',
      port: { number: 7000 },
    });
  });

  it('a service with TCP ports only gets no VirtualService', () => {
    const tcp = makeService({
      name: 'db',
      ports: [
        { name: 'pg', port: 5432, protocol: 'tcp' },
        { name: 'repl', port: 5433, protocol: 'tcp' },
      ],
      routes: [makeRoute({ destinations: [dest('bookinfo/db')] })],
    });
    expect(buildVirtualService(tcp, new Map([[tcp.id, tcp]]))).toBeUndefined();
  });
});

describe('names and destinations', () => {
  it('names routes by name, implicit default, or index', () => {
    expect(httpRouteName(makeRoute({ index: 3, name: 'jason' }))).toBe('jason');
    expect(httpRouteName(makeRoute({ index: 3, implicit: true }))).toBe('default');
    expect(httpRouteName(makeRoute({ index: 3 }))).toBe('route-3');
  });

  it('omits the port for single-port and unknown targets', () => {
    expect(destination(dest('bookinfo/reviews', 'v1'), services)).toEqual({ host: REVIEWS, subset: 'v1' });
    expect(destination(dest('other/x'), services)).toEqual({ host: 'x.other.svc.cluster.local' });
  });
});
