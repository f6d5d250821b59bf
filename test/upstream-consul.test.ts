/**
 * meshc's Consul output against HashiCorp's documented Consul-on-Kubernetes tasks.
 *
 * Each task (canary split between two subsets, header and query routing to a canary, path routes to other
 * services with timeouts and retries, L4 + L7 intentions, permissive mTLS for one service, circuit breaking,
 * ingress through the API gateway) is written once as a meshc spec and once as HashiCorp's manifests,
 * transcribed into fixtures/upstream/consul/<task>.yaml with their source. The spec is compiled for a Consul
 * 1.21 environment and emitted with the Consul backend; then both object sets go through the model of
 * test/helpers/consul-semantics.ts, which says what Consul *does*: the discovery chain's targets (as shares),
 * timeout and retries for each request; whether an intention admits a request from each caller; the limits and
 * passive health check a caller applies to an upstream; where the API gateway sends a request. The decisions must
 * be equal for every row of the task, except the rows listed as deviations under a rule with its reason; a
 * listed deviation that does not happen fails too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consul } from '../src/backends/consul/index.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { HttpRequest, Manifest } from './helpers/consul-semantics.ts';
import {
  authorize,
  chainErrors,
  gatewayRoute,
  parseManifests,
  resolveRequest,
  subsetMeta,
  upstreamPolicy,
} from './helpers/consul-semantics.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

// --- The one table of everything the comparison allows ----------------------------------------------------------

interface Rule {
  readonly kind: 'normalization' | 'deviation';
  readonly what: string;
  readonly reason: string;
}

const RULES = {
  'object-layout': {
    kind: 'normalization',
    what: 'Objects are compared by what Consul does with requests (chain targets as shares, intentions decided, upstream policy applied, gateway backend), not by names, object count or order; subsets are compared by name and by the metadata their filters select.',
    reason:
      "meshc names config entries after the Consul service name (the service account), adds an explicit catch-all router route to the service itself where Consul's default is the same, and writes filter values quoted.",
  },
  'gateway-name': {
    kind: 'normalization',
    what: "The gateway is identified by its role: HashiCorp's `my-gateway`, meshc's `meshc-ingress`; the backend by Service name and port.",
    reason: 'meshc names its one ingress Gateway itself and puts each route next to its service.',
  },
  'meshc-explicit-allow': {
    kind: 'deviation',
    what: 'A caller no rule names: upstream leaves it to the ACL default policy, meshc decides it explicitly (a service without `access` allows `*`).',
    reason:
      'meshc never lets a decision depend on the Helm value behind the ACL default policy (mesh-mapping §24.3); the spec of the task has no access rules for that service.',
  },
} as const satisfies Readonly<Record<string, Rule>>;

type RuleId = keyof typeof RULES;

const CONSUL_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh:
      type: consul
      version: "1.21"
      mtls: strict
      ingress: { className: consul }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

interface Row {
  readonly label: string;
  readonly meshc: unknown;
  readonly upstream: unknown;
}

interface Task {
  readonly title: string;
  readonly upstream: string;
  readonly spec: Readonly<Record<string, string>>;
  /** Capability and backend warnings the spec must produce, as `<severity> <CODE> <pointer or message>`. */
  readonly diagnostics: readonly string[];
  readonly rows: (meshc: readonly Manifest[], upstream: readonly Manifest[]) => Row[];
  readonly deviations: readonly `${RuleId} ${string}`[];
}

function service(name: string, body: string, namespace = 'demo'): string {
  const tail = dedent(body)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${tail}`;
}

const req = (
  method: string,
  p: string,
  headers?: Record<string, string>,
  query?: Record<string, string>,
): HttpRequest => ({
  method,
  path: p,
  ...(headers ? { headers } : {}),
  ...(query ? { query } : {}),
});
const label = (r: HttpRequest) =>
  [
    r.method,
    r.path,
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(r.query ?? {}).map(([k, v]) => `?${k}=${v}`),
  ].join(' ');

function chainRows(svc: string, requests: readonly HttpRequest[]) {
  return (meshc: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.map((r) => ({
      label: `route ${label(r)}`,
      meshc: resolveRequest(meshc, svc, r),
      upstream: resolveRequest(upstream, svc, r),
    }));
}

function accessRows(destination: string, callers: readonly (string | undefined)[], requests: HttpRequest[]) {
  return (meshc: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.flatMap((r) =>
      callers.map((c) => ({
        label: `access ${c ?? 'plaintext'} ${label(r)}`,
        meshc: authorize(meshc, destination, c, r, { aclDefault: 'deny' }),
        upstream: authorize(upstream, destination, c, r, { aclDefault: 'deny' }),
      })),
    );
}

const TASKS: readonly Task[] = [
  {
    title: '1 canary split: web 90% v1, 10% v2',
    upstream: 'canary-split.yaml',
    spec: {
      'services/web.yaml': service(
        'web',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
        routes:
          - to: { v1: 90, v2: 10 }
        `,
      ),
    },
    diagnostics: [],
    rows: (meshc, upstream) => [
      ...chainRows('web', [req('GET', '/'), req('POST', '/api/x')])(meshc, upstream),
      ...['v1', 'v2'].map((v) => ({
        label: `subset ${v} selects`,
        meshc: subsetMeta(meshc, 'web', v),
        upstream: subsetMeta(upstream, 'web', v),
      })),
    ],
    deviations: [],
  },
  {
    title: '2 header and query routing: x-debug=1 to the canary',
    upstream: 'header-query-canary.yaml',
    spec: {
      'services/web.yaml': service(
        'web',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        versions: { canary: { labels: { version: canary } }, stable: { labels: { version: stable } } }
        routes:
          - match:
              - headers: { x-debug: { exact: "1" } }
              - query: { x-debug: { exact: "1" } }
            to: canary
        `,
      ),
    },
    diagnostics: [],
    rows: chainRows('web', [
      req('GET', '/'),
      req('GET', '/', { 'x-debug': '1' }),
      req('GET', '/', { 'X-Debug': '1' }),
      req('GET', '/', { 'x-debug': '0' }),
      req('GET', '/x', undefined, { 'x-debug': '1' }),
      req('GET', '/x', undefined, { 'x-debug': '2' }),
    ]),
    deviations: [],
  },
  {
    title: '3 path routes to other services with timeouts and retries',
    upstream: 'path-routes-retries.yaml',
    spec: {
      'services/orders.yaml': service(
        'orders',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        routes:
          - match: [{ path: { exact: /coffees } }]
            backends: [{ service: products }]
            timeout: 15s
            retries: { attempts: 5, on: [connect-failure, reset] }
          - match: [{ path: { exact: /orders } }]
            backends: [{ service: procurement }]
            timeout: 10s
            retries: { attempts: 3, on: [connect-failure, reset] }
        `,
      ),
      'services/products.yaml': service('products', 'ports: [{ name: http, port: 8080, protocol: http }]'),
      'services/procurement.yaml': service(
        'procurement',
        'ports: [{ name: http, port: 8080, protocol: http }]',
      ),
    },
    diagnostics: [],
    rows: chainRows('orders', [
      req('GET', '/coffees'),
      req('POST', '/orders'),
      req('GET', '/coffees/1'),
      req('GET', '/ordersx'),
      req('GET', '/'),
    ]),
    deviations: [],
  },
  {
    title: '4 L4 and L7 intentions: web at L4, nightly-reconciler may POST /v1/reconcile-data',
    upstream: 'l4-l7-intentions.yaml',
    spec: {
      'services/api.yaml': service(
        'api',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        access:
          - from: [web]
          - from: [nightly-reconciler]
            methods: [POST]
            paths: [/v1/reconcile-data]
        `,
      ),
      'services/web.yaml': service('web', 'ports: [{ name: http, port: 8080, protocol: http }]'),
      'services/nightly-reconciler.yaml': service(
        'nightly-reconciler',
        'ports: [{ name: http, port: 8080, protocol: http }]',
      ),
      'services/hackathon-project.yaml': service(
        'hackathon-project',
        'ports: [{ name: http, port: 8080, protocol: http }]',
      ),
    },
    diagnostics: [],
    rows: accessRows(
      'api',
      ['web', 'nightly-reconciler', 'hackathon-project', 'someone-else', undefined],
      [
        req('POST', '/v1/reconcile-data'),
        req('GET', '/v1/reconcile-data'),
        req('POST', '/v1/reconcile-data/x'),
        req('GET', '/'),
      ],
    ),
    deviations: [],
  },
  {
    title: '5 permissive mTLS for one service',
    upstream: 'permissive-mtls.yaml',
    spec: {
      'services/example-service.yaml': service(
        'example-service',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        mtls: permissive
        `,
      ),
      'services/strict-service.yaml': service(
        'strict-service',
        'ports: [{ name: http, port: 8080, protocol: http }]',
      ),
    },
    diagnostics: ['warning MESH_APPROXIMATE_FEATURE /spec/mtls'],
    rows: (meshc, upstream) => [
      ...accessRows('example-service', [undefined, 'web'], [req('GET', '/')])(meshc, upstream),
      // The other service stays strict: no plaintext caller.
      ...accessRows('strict-service', [undefined], [req('GET', '/')])(meshc, upstream),
    ],
    // The docs' cluster has no intention for example-service: a meshed caller falls to the ACL default.
    deviations: ['meshc-explicit-allow access web GET /'],
  },
  {
    title: '6 circuit breaking: the caller limits connections to bar and ejects failing instances',
    upstream: 'circuit-breaking.yaml',
    spec: {
      'services/bar.yaml': service(
        'bar',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        resilience:
          outlierDetection: { consecutiveErrors: 2, interval: 10s }
          connectionPool: { maxConnections: 5 }
        access:
          - from: [defaults]
        `,
      ),
      'services/defaults.yaml': service('defaults', 'ports: [{ name: http, port: 8080, protocol: http }]'),
    },
    diagnostics: [
      'warning MESH_APPROXIMATE_FEATURE /spec/resilience/connectionPool',
      'warning MESH_APPROXIMATE_FEATURE /spec/resilience/outlierDetection',
    ],
    rows: (meshc, upstream) => [
      {
        label: 'defaults → bar',
        meshc: upstreamPolicy(meshc, 'defaults', 'bar'),
        upstream: upstreamPolicy(upstream, 'defaults', 'bar'),
      },
    ],
    deviations: [],
  },
  {
    title: '7 ingress through the API gateway to echo:8080',
    upstream: 'api-gateway.yaml',
    spec: {
      'services/echo.yaml': service(
        'echo',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        ingress: { hosts: [echo.example.com] }
        `,
      ),
    },
    diagnostics: [],
    rows: (meshc, upstream) => {
      const backend = (objects: readonly Manifest[], r: HttpRequest) => {
        const d = gatewayRoute(objects, 80, r);
        return d ? { name: d.backend.name, port: d.backend.port } : 'no-route';
      };
      const gatewayOf = (objects: readonly Manifest[]) =>
        gatewayRoute(objects, 80, { ...req('GET', '/'), host: 'echo.example.com' })?.gateway;
      return [req('GET', '/'), req('POST', '/api/x')].flatMap((r0) => {
        const r = { ...r0, host: 'echo.example.com' };
        return [
          { label: `gateway ${label(r)}`, meshc: backend(meshc, r), upstream: backend(upstream, r) },
          {
            label: `gateway → echo ${label(r)}`,
            meshc: authorize(meshc, 'echo', gatewayOf(meshc), r, { aclDefault: 'deny' }),
            upstream: authorize(upstream, 'echo', gatewayOf(upstream), r, { aclDefault: 'deny' }),
          },
        ];
      });
    },
    deviations: [],
  },
];

// --- Helpers ----------------------------------------------------------------------------------------------------

const UPSTREAM_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'upstream', 'consul');

function upstreamObjects(file: string): Manifest[] {
  return parseManifests(readFileSync(path.join(UPSTREAM_DIR, file), 'utf8'));
}

const show = (d: Diagnostic) => `${d.severity} ${d.code} ${d.pointer !== undefined ? d.pointer : d.message}`;

function emitTask(spec: Readonly<Record<string, string>>): { objects: Manifest[]; diagnostics: string[] } {
  const compiled = compileInline({ 'environments/prod.yaml': CONSUL_ENV, ...spec });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
  const env = compiled.model!.environments[0]!;
  const out = consul.emit(env, { toolVersion: '0.0.0' });
  const objects = [...[...out.namespaces.values()].flat(), ...out.system] as unknown as Manifest[];
  return { objects, diagnostics: [...compiled.diagnostics, ...out.diagnostics].map(show).sort() };
}

// --- The tasks --------------------------------------------------------------------------------------------------

describe("meshc Consul output means the same as HashiCorp's docs", () => {
  it.each(TASKS.map((t) => [t.title, t] as const))('%s', (_title, task) => {
    const { objects, diagnostics } = emitTask(task.spec); // schema validity: src/backends/consul/schema.test.ts
    expect(diagnostics).toEqual([...task.diagnostics].sort());
    expect(chainErrors(objects)).toEqual([]);
    const rows = task.rows(objects, upstreamObjects(task.upstream));
    expect(rows.length).toBeGreaterThan(0);
    const allowed = new Map(
      task.deviations.map((d) => {
        const [rule, ...rest] = d.split(' ');
        return [rest.join(' '), rule as RuleId] as const;
      }),
    );
    for (const [, rule] of allowed) expect(RULES[rule].kind).toBe('deviation');
    const differing = rows.filter((r) => JSON.stringify(r.meshc) !== JSON.stringify(r.upstream));
    expect(differing.map((r) => r.label).sort()).toEqual([...allowed.keys()].sort());
  });
});

describe('the decisions, spelled out', () => {
  const byTitle = (n: string) => TASKS.find((t) => t.title.startsWith(n))!;
  const rowsOf = (n: string) => {
    const t = byTitle(n);
    return t.rows(emitTask(t.spec).objects, upstreamObjects(t.upstream));
  };
  const row = (n: string, l: string) => rowsOf(n).find((r) => r.label === l)!;

  it('canary: 90% of requests to v1 instances, 10% to v2, selected by version metadata', () => {
    expect(row('1', 'route GET /').meshc).toEqual({ targets: { 'web/v1': 0.9, 'web/v2': 0.1 } });
    expect(row('1', 'subset v2 selects').meshc).toEqual({ version: 'v2' });
  });

  it('header or query x-debug=1 goes to the canary, anything else to every instance', () => {
    expect(row('2', 'route GET / X-Debug=1').meshc).toEqual({ targets: { 'web/canary': 1 } });
    expect(row('2', 'route GET /x ?x-debug=1').meshc).toEqual({ targets: { 'web/canary': 1 } });
    expect(row('2', 'route GET / x-debug=0').meshc).toEqual({ targets: { web: 1 } });
  });

  it('paths route to other services with their timeouts and retries', () => {
    expect(row('3', 'route GET /coffees').meshc).toEqual({
      targets: { products: 1 },
      timeoutMs: 15000,
      retry: { numRetries: 5, on: ['reset'], connectFailure: true, statusCodes: [] },
    });
    expect(row('3', 'route GET /coffees/1').meshc).toEqual({ targets: { orders: 1 } });
  });

  it('intentions: web at L4, the reconciler for one POST, nobody else', () => {
    const allowed = rowsOf('4')
      .filter((r) => r.meshc === 'allow')
      .map((r) => r.label);
    expect(allowed.sort()).toEqual(
      [
        'access web POST /v1/reconcile-data',
        'access web GET /v1/reconcile-data',
        'access web POST /v1/reconcile-data/x',
        'access web GET /',
        'access nightly-reconciler POST /v1/reconcile-data',
      ].sort(),
    );
  });

  it("intentions do not depend on the cluster's ACL default policy", () => {
    const t = byTitle('4');
    const objects = emitTask(t.spec).objects;
    for (const caller of ['web', 'nightly-reconciler', 'hackathon-project', 'someone-else'])
      for (const r of [req('POST', '/v1/reconcile-data'), req('GET', '/')])
        expect(authorize(objects, 'api', caller, r, { aclDefault: 'allow' }), `${caller} ${label(r)}`).toBe(
          authorize(objects, 'api', caller, r, { aclDefault: 'deny' }),
        );
  });

  it('permissive mTLS admits plaintext callers of that service only', () => {
    expect(row('5', 'access plaintext GET /').meshc).toBe('allow');
    expect(
      rowsOf('5')
        .filter((r) => r.label === 'access plaintext GET /')
        .map((r) => r.meshc),
    ).toEqual(['allow', 'deny']);
  });

  it('circuit breaking: the caller applies 5 connections and 2 failures in 10s to bar', () => {
    expect(row('6', 'defaults → bar').meshc).toEqual({
      limits: { maxConnections: 5 },
      passiveHealthCheck: { interval: 10000, maxFailures: 2 },
    });
  });

  it('the API gateway sends every path to echo:8080 and may call it', () => {
    expect(row('7', 'gateway GET /').meshc).toEqual({ name: 'echo', port: 8080 });
    expect(row('7', 'gateway → echo POST /api/x').meshc).toBe('allow');
  });
});
