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
    expect(codes(r)).toEqual([]);
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

  it("maxRetries 0 is `retries: {attempts: 0}` whatever its events, so that App Mesh's default stays off", () => {
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
    expect(codes(r)).toEqual([]);
    const api = file(r, 'services/shop/api.yaml');
    expect(api).toMatch(/- name: a\n(.*\n)*?\s+retries:\n\s+attempts: 0\n\s+- name: b\n/);
    expect(api).toMatch(/- name: b\n(.*\n)*?\s+timeout: 4s\n\s+retries:\n\s+attempts: 0\n\s+- name: c\n/);
    expect(api).toMatch(/- name: c\n(.*\n)*?\s+retries:\n\s+attempts: 0\n\s+perTryTimeout: 1500ms\n/);
    expect(api).not.toContain('"on"');
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
    expect(codes(r)).toEqual([]);
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
