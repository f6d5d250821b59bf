import { describe, expect, it } from 'vitest';
import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { importObjects } from '../../import/index.ts';
import { appmeshImporter } from './import.ts';
import { HTTP_RETRY_EVENT } from './virtual-router.ts';

const API = 'appmesh.k8s.aws/v1beta2';
const NS = 'shop';

const obj = (
  kind: string,
  name: string,
  spec: unknown,
  apiVersion = API,
  namespace: string | undefined = NS,
): SourcedObject => ({
  object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec } as K8sObject,
  origin: `${kind} ${name}`,
});

const service = (name: string, selector: Record<string, string> | undefined) =>
  obj('Service', name, { ports: [{ name: 'http', port: 8080 }], ...(selector ? { selector } : {}) }, 'v1');
const deployment = (name: string, labels: Record<string, string>, sa = name) =>
  obj(
    'Deployment',
    name,
    {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { serviceAccountName: sa } },
    },
    'apps/v1',
  );
const node = (name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) =>
  obj('VirtualNode', name, {
    podSelector: { matchLabels: labels },
    listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
    serviceDiscovery: { dns: { hostname: `${name}.${NS}.svc.cluster.local` } },
    ...extra,
  });
const mesh = (spec: Record<string, unknown> = { namespaceSelector: { matchLabels: { mesh: 'prod' } } }) =>
  obj('Mesh', 'prod', spec, API, undefined);
const virtualService = (name: string, router = name) =>
  obj('VirtualService', name, {
    awsName: `${name}.${NS}.svc.cluster.local`,
    provider: { virtualRouter: { virtualRouterRef: { name: router } } },
  });
const router = (name: string, routes: unknown[]) =>
  obj('VirtualRouter', name, { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], routes });

/** A shop: web calls api; api has versions v1, v2 (per-version Services api-v1, api-v2). */
function shop(routes: unknown[], extra: SourcedObject[] = [], meshSpec?: Record<string, unknown>) {
  return [
    mesh(meshSpec),
    service('web', { app: 'web' }),
    service('api', { app: 'api' }),
    service('api-v1', { app: 'api', version: 'v1' }),
    service('api-v2', { app: 'api', version: 'v2' }),
    deployment('web', { app: 'web' }),
    deployment('api-v1', { app: 'api', version: 'v1' }, 'api'),
    deployment('api-v2', { app: 'api', version: 'v2' }, 'api'),
    node('web', { app: 'web' }, { backends: [{ virtualService: { virtualServiceRef: { name: 'api' } } }] }),
    node('api-v1', { app: 'api', version: 'v1' }),
    node('api-v2', { app: 'api', version: 'v2' }),
    virtualService('api'),
    router('api', routes),
    ...extra,
  ];
}

const target = (name: string, weight: number) => ({ virtualNodeRef: { name }, weight });
const file = (r: ReturnType<typeof importObjects>, path: string) =>
  r.files.find((f) => f.path === path)?.content ?? '';
const codes = (r: ReturnType<typeof importObjects>) =>
  r.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`);
/** The report of a route without a retryPolicy: App Mesh's default retries, carried as explicit `retries`. */
const defaultRetries = (route: number, type = 'httpRoute') =>
  `IMPORT_APPROXIMATED /spec/routes/${route}/${type}/retryPolicy`;

describe('appmeshImporter', () => {
  it('detects App Mesh by its API group, and claims only that group', () => {
    expect(appmeshImporter.detect([mesh()])).toEqual({ evidence: [`${API} Mesh`], version: '1.13' });
    expect(appmeshImporter.detect([service('a', { app: 'a' })])).toEqual({ evidence: [] });
    expect(appmeshImporter.claims(mesh().object, true)).toBe(true);
    expect(appmeshImporter.claims(service('a', {}).object, true)).toBe(false);
  });

  it('routes in priority order, per-version nodes as versions, retries mapped back, callers as access', () => {
    const r = importObjects(
      shop([
        {
          name: 'fallback',
          priority: 20,
          httpRoute: {
            match: { prefix: '/' },
            action: { weightedTargets: [target('api-v1', 90), target('api-v2', 10)] },
            timeout: { perRequest: { unit: 'ms', value: 1500 } },
          },
        },
        {
          name: 'beta',
          priority: 10,
          httpRoute: {
            match: { prefix: '/', headers: [{ name: 'X-Beta', match: { exact: 'yes' } }], method: 'POST' },
            action: { weightedTargets: [target('api-v2', 1)] },
            retryPolicy: {
              maxRetries: 3,
              perRetryTimeout: { unit: 's', value: 2 },
              httpRetryEvents: ['server-error', 'client-error'],
              tcpRetryEvents: ['connection-error'],
            },
          },
        },
      ]),
    );
    // fallback has no retryPolicy: App Mesh retried it by its default policy.
    expect(codes(r)).toEqual([defaultRetries(0)]);
    const api = file(r, 'services/shop/api.yaml');
    expect(api).toContain('versions:\n    v1:\n      labels:\n        version: v1\n    v2:');
    // beta (priority 10) before fallback (20), whatever their order in the list.
    expect(api).toMatch(
      /- name: beta\n\s+match:\n\s+- headers:\n\s+x-beta:\n\s+exact: "yes"\n\s+method: POST\n\s+to: v2\n\s+retries:\n\s+attempts: 3\n\s+perTryTimeout: 2s\n\s+"on":\n\s+- "5xx"\n\s+- retriable-4xx\n\s+- reset\n\s+- connect-failure\n\s+- name: fallback\n\s+to:\n\s+v1: 90\n\s+v2: 10\n\s+timeout: 1500ms/,
    );
    expect(api).toMatch(/access:\n\s+- from:\n\s+- web\n/);
    expect(file(r, 'environments/prod.yaml')).toContain('name: prod');
  });

  it('the retry events are the inverse of the backend table', () => {
    for (const [condition, event] of Object.entries(HTTP_RETRY_EVENT)) {
      const r = importObjects(
        shop([
          {
            name: 'r',
            httpRoute: {
              match: { prefix: '/' },
              action: { weightedTargets: [target('api-v1', 1)] },
              retryPolicy: {
                maxRetries: 1,
                perRetryTimeout: { unit: 's', value: 1 },
                httpRetryEvents: [event],
              },
            },
          },
        ]),
      );
      expect(file(r, 'services/shop/api.yaml'), event).toContain(
        `- ${condition === '5xx' ? '"5xx"' : condition}`,
      );
    }
  });

  it("maxRetries 0 is no retries (the spec's default, which renders as maxRetries 0) whatever its events", () => {
    const noRetries = (name: string, priority: number, perRetryTimeout: unknown, extra: object = {}) => ({
      name,
      priority,
      httpRoute: {
        match: { path: { exact: `/${name}` } },
        action: { weightedTargets: [target('api-v1', 1)] },
        retryPolicy: { maxRetries: 0, perRetryTimeout, httpRetryEvents: ['gateway-error'] },
        ...extra,
      },
    });
    const r = importObjects(
      shop([
        // The per-retry timeout the backend derives (the route timeout, else 15s) is left implicit.
        noRetries('a', 0, { unit: 's', value: 15 }),
        noRetries('b', 1, { unit: 's', value: 4 }, { timeout: { perRequest: { unit: 's', value: 4 } } }),
        // Another one bounds the single attempt: kept.
        noRetries('c', 2, { unit: 'ms', value: 1500 }),
        {
          name: 'd',
          priority: 3,
          httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [target('api-v2', 1)] } },
        },
      ]),
    );
    // d, without a retryPolicy, is App Mesh's default retries (reported); a, b and c retry nothing.
    expect(codes(r)).toEqual([defaultRetries(3)]);
    const api = file(r, 'services/shop/api.yaml');
    const route = (name: string, next: string) =>
      api.split(`- name: ${name}\n`)[1]!.split(`- name: ${next}\n`)[0]!;
    expect(route('a', 'b')).not.toContain('retries');
    expect(route('b', 'c')).toContain('timeout: 4s');
    expect(route('b', 'c')).not.toContain('retries');
    expect(api).toMatch(
      /- name: c\n(.*\n)*?\s+retries:\n\s+attempts: 0\n\s+perTryTimeout: 1500ms\n\s+- name: d\n/,
    );
    expect(api.split('- name: d\n')[0]).not.toContain('"on"');
  });

  it("a route without a retryPolicy had App Mesh's default retries: written out as `retries`, reported at the route", () => {
    const r = importObjects(
      shop([
        {
          name: 'beta',
          priority: 0,
          httpRoute: {
            match: { prefix: '/', headers: [{ name: 'x-beta', match: { exact: 'yes' } }] },
            action: { weightedTargets: [target('api-v2', 1)] },
            timeout: { perRequest: { unit: 's', value: 4 } },
          },
        },
        {
          name: 'rest',
          priority: 1,
          httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [target('api-v1', 1)] } },
        },
      ]),
    );
    expect(codes(r)).toEqual([defaultRetries(0), defaultRetries(1)]);
    // 2 retries on 503, gRPC UNAVAILABLE, connect-failure, refused-stream: 503 is inside gateway-error (502-504).
    const api = file(r, 'services/shop/api.yaml');
    const carried = String.raw`\s+retries:\n\s+attempts: 2\n\s+"on":\n\s+- gateway-error\n\s+- connect-failure\n\s+- refused-stream\n`;
    expect(api).toMatch(
      new RegExp(String.raw`- name: beta\n(.*\n)*?\s+timeout: 4s\n${carried}\s+- name: rest\n`),
    );
    expect(api).toMatch(new RegExp(String.raw`- name: rest\n\s+to: v1\n${carried}`));
    // The report names the approximation and the account-age caveat, at the route.
    const d = r.diagnostics[0]!;
    expect(d.message).toContain("App Mesh's default retry policy applies");
    expect(d.message).toContain('2020-07-29');
    expect(d.message).toContain('also retries 502 and 504');
    expect(d.hint).toContain('remove `retries`');
  });

  it('the default retries of an http2Route too, none on a tcpRoute (App Mesh retries no TCP connection)', () => {
    const listen = (protocol: string) => ({
      listeners: [{ portMapping: { port: 8080, protocol } }],
    });
    for (const [protocol, type] of [
      ['http2', 'http2Route'],
      ['tcp', 'tcpRoute'],
    ] as const) {
      const objects = shop([
        { name: 'all', [type]: { action: { weightedTargets: [target('api-v1', 1)] } } },
      ]).map((o) =>
        o.object.kind === 'VirtualRouter' || o.object.kind === 'VirtualNode'
          ? { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), ...listen(protocol) } } }
          : o,
      );
      const r = importObjects(objects);
      const api = file(r, 'services/shop/api.yaml');
      if (type === 'tcpRoute') {
        expect(codes(r).filter((c) => c.includes('retryPolicy'))).toEqual([]);
        expect(api).not.toContain('retries:');
      } else {
        expect(codes(r)).toContain(defaultRetries(0, 'http2Route'));
        expect(api).toMatch(/retries:\n\s+attempts: 2\n/);
      }
    }
  });

  it("meshc's implicit default route (maxRetries 0) stays implicit; a `default` route without a retryPolicy is kept", () => {
    const defaultRoute = (extra: object) => ({
      name: 'default',
      priority: 1,
      httpRoute: {
        match: { prefix: '/' },
        action: { weightedTargets: [target('api-v1', 50), target('api-v2', 50)] },
        ...extra,
      },
    });
    const first = {
      name: 'beta',
      priority: 0,
      httpRoute: {
        match: { path: { exact: '/beta' } },
        action: { weightedTargets: [target('api-v2', 1)] },
        retryPolicy: {
          maxRetries: 0,
          perRetryTimeout: { unit: 's', value: 15 },
          httpRetryEvents: ['gateway-error'],
        },
      },
    };
    // As the backend renders it: the route retries nothing (App Mesh's default policy off).
    const meshc = importObjects(
      shop([
        first,
        defaultRoute({
          retryPolicy: {
            maxRetries: 0,
            perRetryTimeout: { unit: 's', value: 15 },
            httpRetryEvents: ['gateway-error'],
          },
        }),
      ]),
    );
    expect(codes(meshc)).toEqual([]);
    expect(file(meshc, 'services/shop/api.yaml')).not.toContain('default');
    // Without a policy, App Mesh retried it: the route is kept, with the default retries.
    const bare = importObjects(shop([first, defaultRoute({})]));
    expect(codes(bare)).toEqual([defaultRetries(1)]);
    expect(file(bare, 'services/shop/api.yaml')).toMatch(
      /- name: default\n\s+backends:\n\s+- service: api\n\s+retries:\n\s+attempts: 2\n/,
    );
  });

  it('a VirtualService provided by a VirtualNode: App Mesh retries its route by the default policy, carried as a route', () => {
    const byNode = (name: string, node: string, protocol = 'http') =>
      shop([]).map((o) => {
        if (o.object.kind === 'VirtualService')
          return obj('VirtualService', name, {
            awsName: `${name}.${NS}.svc.cluster.local`,
            provider: { virtualNode: { virtualNodeRef: { name: node } } },
          });
        if (o.object.kind === 'VirtualNode' && protocol !== 'http')
          return {
            ...o,
            object: {
              ...o.object,
              spec: {
                ...(o.object.spec as object),
                listeners: [{ portMapping: { port: 8080, protocol } }],
              },
            },
          };
        return o;
      });
    // The service's own node (no version): a route without destination, with the retries.
    const web = importObjects(byNode('web', 'web'));
    expect(codes(web)).toContain('IMPORT_APPROXIMATED /spec/provider/virtualNode');
    expect(file(web, 'services/shop/web.yaml')).toMatch(
      /routes:\n {2}- retries:\n {6}attempts: 2\n {6}"on":\n {6}- gateway-error\n/,
    );
    // A version's node: `to` that version, with the retries.
    const api = importObjects(byNode('api', 'api-v1'));
    expect(codes(api)).toContain('IMPORT_APPROXIMATED /spec/provider/virtualNode');
    expect(file(api, 'services/shop/api.yaml')).toMatch(
      /routes:\n {2}- to: v1\n {4}retries:\n {6}attempts: 2\n/,
    );
    // A TCP node: App Mesh retries nothing there.
    const tcp = importObjects(byNode('web', 'web', 'tcp'));
    expect(codes(tcp)).not.toContain('IMPORT_APPROXIMATED /spec/provider/virtualNode');
    expect(file(tcp, 'services/shop/web.yaml')).not.toContain('retries:');
  });

  it('egress filter ALLOW_ALL: backends restrict nothing, so no access is written', () => {
    const r = importObjects(
      shop([], [], {
        egressFilter: { type: 'ALLOW_ALL' },
        namespaceSelector: { matchLabels: { mesh: 'prod' } },
      }),
    );
    expect(file(r, 'services/shop/api.yaml')).not.toContain('access:');
  });

  it('reports a header-present match as approximated, and leaves out a route it cannot carry instead of widening it', () => {
    const r = importObjects(
      shop([
        {
          name: 'present',
          priority: 1,
          httpRoute: {
            match: { prefix: '/', headers: [{ name: 'x-a' }] },
            action: { weightedTargets: [target('api-v2', 1)] },
          },
        },
        {
          name: 'inverted',
          priority: 2,
          httpRoute: {
            match: { prefix: '/', headers: [{ name: 'x-b', invert: true, match: { exact: '1' } }] },
            action: { weightedTargets: [target('api-v2', 1)] },
          },
        },
        {
          name: 'grpc',
          priority: 3,
          grpcRoute: { match: { serviceName: 'x' }, action: { weightedTargets: [target('api-v2', 1)] } },
        },
      ]),
    );
    expect(codes(r)).toEqual([
      'IMPORT_APPROXIMATED /spec/routes/0/httpRoute/match/headers/0',
      defaultRetries(0),
      'IMPORT_NOT_CARRIED /spec/routes/1/httpRoute',
      'IMPORT_NOT_CARRIED /spec/routes/2',
    ]);
    const api = file(r, 'services/shop/api.yaml');
    expect(api).toContain('regex: .*');
    expect(api).not.toContain('inverted');
  });

  it('bad and partial input: a second Mesh conflicts, unknown kinds and missing Services are reported', () => {
    const other = obj('Mesh', 'other', {}, API, undefined);
    const unknown = obj('BackendGroup', 'x', {});
    const stray = node('ghost', { app: 'ghost' });
    const r = importObjects([...shop([]), other, unknown, stray]);
    expect(codes(r)).toEqual(
      expect.arrayContaining([
        'IMPORT_CONFLICT ',
        'IMPORT_UNKNOWN_KIND ',
        'IMPORT_NO_SERVICE /spec/podSelector',
      ]),
    );
  });

  it('listener TLS gives the Environment mTLS and its trust source; outlier detection and pools become resilience', () => {
    const tls = {
      mode: 'STRICT',
      certificate: { sds: { secretName: 'spiffe://corp.example/ns/shop/sa/api' } },
      validation: { trust: { sds: { secretName: 'spiffe://corp.example' } } },
    };
    const listeners = [
      {
        portMapping: { port: 8080, protocol: 'http' },
        tls,
        outlierDetection: {
          maxServerErrors: 3,
          interval: { unit: 's', value: 5 },
          baseEjectionDuration: { unit: 's', value: 30 },
          maxEjectionPercent: 20,
        },
        connectionPool: { http: { maxConnections: 10, maxPendingRequests: 5 } },
      },
    ];
    const objects = shop([
      {
        name: 'all',
        httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [target('api-v1', 1)] } },
      },
    ]).map((o) =>
      o.object.kind === 'VirtualNode'
        ? { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), listeners } } }
        : o,
    );
    const r = importObjects(objects);
    expect(codes(r)).toEqual([defaultRetries(0)]);
    // A listener that accepts other SANs than the identities of the callers `access` names is reported.
    const sans = { match: { exact: ['spiffe://corp.example/ns/shop/sa/other'] } };
    const withSans = objects.map((o) =>
      o.object.kind === 'VirtualNode' && o.object.metadata.name === 'api-v1'
        ? {
            ...o,
            object: {
              ...o.object,
              spec: {
                ...(o.object.spec as object),
                listeners: [
                  {
                    ...listeners[0],
                    tls: { ...tls, validation: { ...tls.validation, subjectAlternativeNames: sans } },
                  },
                ],
              },
            },
          }
        : o,
    );
    expect(codes(importObjects(withSans))).toEqual([
      'IMPORT_APPROXIMATED /spec/listeners/0/tls/validation/subjectAlternativeNames',
      defaultRetries(0),
    ]);
    const env = file(r, 'environments/prod.yaml');
    expect(env).toContain('mtls: strict');
    expect(env).toContain('sds: {}');
    expect(env).toContain('trustDomain: corp.example');
    expect(file(r, 'services/shop/api.yaml')).toMatch(
      /outlierDetection:\n\s+consecutiveErrors: 3\n\s+interval: 5s\n\s+baseEjectionTime: 30s\n\s+maxEjectionPercent: 20\n\s+connectionPool:\n\s+maxConnections: 10\n\s+maxPendingRequests: 5/,
    );
  });
});

describe('a router over other Services’ nodes, for a Service without a selector', () => {
  /** color: a Service without a selector, routed 50/50 to the nodes red and blue (Services of their own). */
  const colors = (extra: SourcedObject[] = []) => [
    mesh(),
    service('web', { app: 'web' }),
    service('color', undefined),
    service('red', { app: 'color', version: 'red' }),
    service('blue', { app: 'color', version: 'blue' }),
    node('web', { app: 'web' }, { backends: [{ virtualService: { virtualServiceRef: { name: 'color' } } }] }),
    node('red', { app: 'color', version: 'red' }),
    node('blue', { app: 'color', version: 'blue' }),
    virtualService('color'),
    router('color', [
      {
        name: 'split',
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [target('red', 80), target('blue', 20)] },
          retryPolicy: {
            maxRetries: 0,
            perRetryTimeout: { unit: 's', value: 15 },
            httpRetryEvents: ['server-error'],
          },
        },
      },
    ]),
    ...extra,
  ];

  it('the nodes become versions of color (their Services dialed by no one), the weights go to the versions', () => {
    const r = importObjects(colors());
    expect(r.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual([
      'services/shop/color.yaml',
      'services/shop/web.yaml',
    ]);
    expect(file(r, 'services/shop/color.yaml')).toContain(
      'versions:\n    red:\n      labels:\n        version: red\n    blue:\n      labels:\n        version: blue\n  routes:\n  - name: split\n    to:\n      red: 80\n      blue: 20\n',
    );
    // Reported at the Services red and blue, whose pods they now are.
    expect(
      r.diagnostics
        .filter((d) => d.pointer === '/spec/selector')
        .map((d) =>
          /^spec\.selector of Service (\S+) .*: they became version (\w+) of color/.exec(d.message)?.slice(1),
        ),
    ).toEqual([
      ['shop/blue', 'blue'],
      ['shop/red', 'red'],
    ]);
  });

  it('another node with pods of color (outside the router) keeps them apart: no versions, color selects none of them', () => {
    const r = importObjects(
      colors([
        service('green', { app: 'color', version: 'green' }),
        node('green', { app: 'color', version: 'green' }),
      ]),
    );
    expect(r.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual(
      ['blue', 'color', 'green', 'red', 'web'].map((s) => `services/shop/${s}.yaml`),
    );
    expect(file(r, 'services/shop/color.yaml')).toContain('selector:\n    app: color\n    version: color\n');
    expect(file(r, 'services/shop/color.yaml')).not.toContain('versions:');
  });
});
