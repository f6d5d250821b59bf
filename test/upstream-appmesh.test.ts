/**
 * meshc's App Mesh output against the aws-app-mesh-examples Kubernetes walkthroughs.
 *
 * Each walkthrough is written once as a meshc spec and once as AWS's manifests, transcribed into
 * fixtures/upstream/appmesh/<task>.yaml (Deployments left out, `${...}` placeholders filled in here). The spec is
 * compiled for an App Mesh 1.13 environment and emitted with the App Mesh backend; then both object sets go
 * through the model of test/helpers/appmesh-semantics.ts, which says what App Mesh *does*: for a request to a
 * VirtualService (or through the VirtualGateway) the router route picked by priority, the backends as shares of
 * pod sets, the effective timeout and the retry policy; for a caller whether it reaches a pod (backends, egress
 * filter, TLS); for a pod the policy of its listener (outlier detection, connection pool). The decisions must be
 * equal for every request and caller of the task's corpus, except the rows listed as deviations, each under a
 * rule of RULES with its reason; a listed deviation that does not happen fails too, so none is silent or stale.
 */
import { emittedObjects } from './helpers/backend-fixtures.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import {
  connect,
  gatewayRequest,
  listenerPolicy,
  parseManifests,
  routeRequest,
  type Caller,
  type HttpRequest,
  type Manifest,
  type RetryPolicy,
  walkthroughVars,
} from './helpers/appmesh-semantics.ts';
import { repoRoot } from './helpers/shared.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

// --- The one table of everything the comparison allows ----------------------------------------------------------

interface Rule {
  /** `normalization`: both forms make App Mesh do the same. `deviation`: meshc's output does something else. */
  readonly kind: 'normalization' | 'deviation';
  readonly what: string;
  readonly reason: string;
}

const RULES = {
  'object-layout': {
    kind: 'normalization',
    what: 'Objects are compared by what App Mesh does (routes picked, pod sets and shares to two decimals, timeouts, retries, TLS outcomes, listener policy), not by names, priorities as numbers, service discovery or object count.',
    reason:
      'meshc names nodes `<service>-<version>`, numbers priorities 0, 1, 2 in spec order and discovers nodes through per-version Services; none of that changes a decision.',
  },
  'percent-weights': {
    kind: 'deviation',
    what: 'An even three-way split gives one version 34% where the walkthrough gives each exactly a third.',
    reason: "The spec's weights are integers summing to 100 (valid on every mesh); AWS writes weights 1/1/1.",
  },
  'header-presence': {
    kind: 'normalization',
    what: 'A header match without a `match` block (presence) equals the regex `.*`.',
    reason: "The spec has no presence match; Envoy's regex `.*` matches every value of a present header.",
  },
  'spiffe-ids': {
    kind: 'normalization',
    what: 'TLS is compared by outcome (who reaches whom), not by the SPIFFE IDs.',
    reason:
      'The walkthrough registers hand-picked IDs (`spiffe://<td>/front`); meshc derives `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`, which SPIRE registrations must then use.',
  },
  'meshc-implicit-default': {
    kind: 'deviation',
    what: "A request that matches no walkthrough route fails there ('no-route') and reaches every version of the service through meshc's implicit default route.",
    reason:
      'A meshc route list ending in a matched route gets a default route, so that unmatched requests reach the service as on a mesh without route rules (SPEC.md).',
  },
  'prefix-kept': {
    kind: 'deviation',
    what: "Through the gateway, the walkthrough's service sees the path with the gateway route's prefix removed; meshc's sees the path as sent (its routes match the full path).",
    reason:
      "The spec has no path rewrite: meshc sets the gateway route's `rewrite.prefix.defaultPrefix: DISABLED`, so a service sees the request as the client sent it, like the other meshes' ingress.",
  },
  'gateway-pool': {
    kind: 'deviation',
    what: "The walkthrough's VirtualGateway listener has a connection pool; meshc's has none.",
    reason: 'The spec sizes pools per service (`resilience.connectionPool`), not for the ingress gateway.',
  },
  'appmesh-default-retries-off': {
    kind: 'deviation',
    what: 'A walkthrough route without a retryPolicy (and the route of a VirtualService a VirtualNode provides) retries by App Mesh\'s hidden default policy: 2 retries on HTTP 503, gRPC UNAVAILABLE, connection failures and refused streams, for accounts whose first mesh is from 2020-07-29 (AWS App Mesh user guide, "Envoy defaults set by App Mesh"). meshc\'s route for a spec route without `retries` retries nothing: `maxRetries: 0`, which replaces that default.',
    reason:
      "The spec's default is no retries on every mesh (Route.retries): meshc turns the implicit retries of Istio and App Mesh off. A spec that wants App Mesh's default writes it, e.g. `retries: { attempts: 2, on: [gateway-error, connect-failure, refused-stream] }` (what `meshc import` writes for such a route).",
  },
  'service-wide-resilience': {
    kind: 'deviation',
    what: "The walkthrough pools one version's node only; meshc pools every version of the service.",
    reason:
      '`resilience` applies to a service, so every VirtualNode of its versions gets the same listener policy.',
  },
} as const satisfies Record<string, Rule>;
type RuleId = keyof typeof RULES;

// --- Helpers ------------------------------------------------------------------------------------------------------

const env = (ns: string, mesh: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: walkthrough }
  spec:
    cluster: eks-1
    ${mesh.split('\n').join('\n    ')}
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
    namespaces: [${ns}]
`;

const service = (ns: string, name: string, body: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${dedent(
    body,
  )
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

const PLAIN_MESH = 'mesh: { type: appmesh, version: "1.13", mtls: off }';

/** Compiles the spec, asserts no error, and returns the emitted objects of the App Mesh environment. */
function meshcObjects(files: Record<string, string>): Manifest[] {
  const result = compileInline(files, { until: 'emit' });
  const errors = result.diagnostics.filter((d: Diagnostic) => d.severity === 'error');
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const out = result.emitted!.renders[0]!.output;
  return emittedObjects(out) as unknown as Manifest[];
}

/** A walkthrough's manifests with its namespace, mesh and Cloud Map namespace all named after `ns`, as its deploy script does. */
function walkthrough(file: string, ns: string): Manifest[] {
  return upstream(file, walkthroughVars(ns));
}

function upstream(file: string, vars: Record<string, string>): Manifest[] {
  return parseManifests(readFileSync(path.join(repoRoot, 'fixtures/upstream/appmesh', file), 'utf8'), vars);
}

/** A decision in comparable form: shares to two decimals (`percent-weights`), no node objects. */
function comparable(d: ReturnType<typeof routeRequest>): unknown {
  if (d.kind !== 'routed') return d.kind;
  return {
    backends: Object.fromEntries(Object.entries(d.backends).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    timeoutMs: d.timeoutMs,
    retry: d.retry,
  };
}

const req = (p: string, headers?: Record<string, string>, host?: string): HttpRequest => ({
  method: 'GET',
  path: p,
  ...(headers ? { headers } : {}),
  ...(host ? { host } : {}),
});
const label = (r: HttpRequest) =>
  `${r.method} ${r.path}${Object.entries(r.headers ?? {})
    .map(([k, v]) => ` ${k}=${v}`)
    .join('')}`;

interface Row {
  readonly label: string;
  readonly upstream: unknown;
  readonly meshc: unknown;
}

/** meshc's retry policy of a route without `retries`: no retries (its one event, required by App Mesh, is inert). */
function isNoRetries(r: unknown): boolean {
  const p = r as Partial<RetryPolicy> | undefined;
  return typeof p === 'object' && p?.maxRetries === 0 && JSON.stringify(p.events) === '["gateway-error"]';
}

/**
 * A pair of decisions with the difference of `appmesh-default-retries-off` (the walkthrough's route retries by App
 * Mesh's default policy, meshc's retries nothing) set aside, at any depth; `hit` says whether there was one.
 */
function setDefaultRetriesAside(up: unknown, mc: unknown): { up: unknown; mc: unknown; hit: boolean } {
  if (typeof up !== 'object' || up === null || typeof mc !== 'object' || mc === null)
    return { up, mc, hit: false };
  const u: Record<string, unknown> = { ...up };
  const m: Record<string, unknown> = { ...mc };
  let hit = false;
  for (const k of Object.keys(u)) {
    if (k === 'retry' && u[k] === 'default' && isNoRetries(m[k])) {
      u[k] = m[k] = 'appmesh-default-retries-off';
      hit = true;
      continue;
    }
    const sub = setDefaultRetriesAside(u[k], m[k]);
    u[k] = sub.up;
    m[k] = sub.mc;
    hit ||= sub.hit;
  }
  return { up: u, mc: m, hit };
}

/**
 * The rows that differ must be exactly the listed deviations. The rows whose decisions differ by
 * `appmesh-default-retries-off` must be exactly `retriesOff` (labels, in row order); that difference is then set
 * aside, so that the rest of those decisions is still compared.
 */
function expectSame(
  all: readonly Row[],
  deviations: Readonly<Record<string, RuleId>>,
  retriesOff: readonly string[] = [],
) {
  expect(RULES['appmesh-default-retries-off'].kind).toBe('deviation');
  const aside = all.map((r) => ({ r, ...setDefaultRetriesAside(r.upstream, r.meshc) }));
  expect(
    aside.filter((x) => x.hit).map((x) => x.r.label),
    "rows that differ by App Mesh's default retries, turned off by meshc",
  ).toEqual([...retriesOff]);
  const rows: Row[] = aside.map((x) => ({ label: x.r.label, upstream: x.up, meshc: x.mc }));
  for (const id of Object.values(deviations)) expect(RULES[id].kind).toBe('deviation');
  const differing = rows
    .filter((r) => JSON.stringify(r.upstream) !== JSON.stringify(r.meshc))
    .map((r) => `${r.label}: upstream ${JSON.stringify(r.upstream)} meshc ${JSON.stringify(r.meshc)}`);
  const listed = new Set(Object.keys(deviations));
  expect(differing.filter((d) => !listed.has(d.split(':')[0]!))).toEqual([]);
  expect(
    [...listed].filter(
      (l) => !rows.some((r) => r.label === l && JSON.stringify(r.upstream) !== JSON.stringify(r.meshc)),
    ),
    'listed deviations that do not happen',
  ).toEqual([]);
}

function routingRows(
  up: readonly Manifest[],
  mc: readonly Manifest[],
  ns: string,
  vs: string,
  requests: readonly HttpRequest[],
  port?: number,
): Row[] {
  return requests.map((r) => ({
    label: `${vs} ${label(r)}`,
    upstream: comparable(routeRequest(up, { namespace: ns, name: vs }, r, port)),
    meshc: comparable(routeRequest(mc, { namespace: ns, name: vs }, r, port)),
  }));
}

// --- The walkthroughs -----------------------------------------------------------------------------------------------

describe('aws-app-mesh-examples walkthroughs, expressed in the spec, mean the same on App Mesh', () => {
  it('rules are documented', () => {
    for (const r of Object.values(RULES)) expect(r.what && r.reason).toBeTruthy();
  });

  it('canary weights through a virtual router (howto-k8s-http2)', () => {
    const ns = 'howto-k8s-http2';
    const up = walkthrough('canary-weights.yaml', ns);
    const mc = meshcObjects({
      'environments/e.yaml': env(ns, PLAIN_MESH),
      'services/color.yaml': service(
        ns,
        'color',
        `
        ports: [{ name: http2, port: 8080, protocol: http2 }]
        selector: { app: color }
        versions: { red: { labels: { version: red } }, blue: { labels: { version: blue } }, green: { labels: { version: green } } }
        routes:
          - name: color-route
            to: { red: 34, blue: 33, green: 33 }
        `,
      ),
      'services/client.yaml': service(ns, 'client', `ports: [{ name: http, port: 8080, protocol: http }]`),
    });
    const rows = routingRows(up, mc, ns, 'color', [req('/'), req('/any/path')]);
    expectSame(rows, { 'color GET /': 'percent-weights', 'color GET /any/path': 'percent-weights' }, [
      'color GET /',
      'color GET /any/path',
    ]);
    expect(rows[0]!.meshc).toEqual({
      backends: {
        [`${ns}:app=color,version=blue`]: 0.33,
        [`${ns}:app=color,version=green`]: 0.33,
        [`${ns}:app=color,version=red`]: 0.34,
      },
      timeoutMs: 15000,
      // No `retries`: no retries, App Mesh's default policy replaced (each attempt bounded by the 15s default).
      retry: { maxRetries: 0, perRetryTimeoutMs: 15000, events: ['gateway-error'] },
    });
    expect((rows[0]!.upstream as { retry: unknown }).retry).toBe('default');
    // The client reaches the router through its backends, in both.
    const client: Caller = { namespace: ns, labels: { app: 'client' } };
    const red = { namespace: ns, labels: { app: 'color', version: 'red' } };
    expect(connect(mc, client, { namespace: ns, name: 'color' }, red, 8080)).toBe('allow');
    expect(connect(up, client, { namespace: ns, name: 'color' }, red, 8080)).toBe('allow');
  });

  it('header routing with priorities (howto-k8s-http-headers)', () => {
    const ns = 'howto-k8s-http-headers';
    const up = upstream('header-routing.yaml', { APP_NAMESPACE: ns, MESH_NAME: ns });
    const mc = meshcObjects({
      'environments/e.yaml': env(ns, PLAIN_MESH),
      'services/color.yaml': service(
        ns,
        'color',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: color }
        versions:
          white: { labels: { version: white } }
          blue: { labels: { version: blue } }
          red: { labels: { version: red } }
          yellow: { labels: { version: yellow } }
          green: { labels: { version: green } }
        routes:
          - { name: blue, match: [{ headers: { color_header: { exact: blue } } }], to: blue }
          - { name: green, match: [{ headers: { color_header: { regex: ".*green.*" } } }], to: green }
          - { name: red, match: [{ headers: { color_header: { prefix: red } } }], to: red }
          - { name: yellow, match: [{ headers: { color_header: { regex: ".*" } } }], to: yellow }
          - { name: white, to: white }
        `,
      ),
      'services/front.yaml': service(ns, 'front', `ports: [{ name: http, port: 8080, protocol: http }]`),
    });
    const h = (v: string) => ({ color_header: v });
    const rows = routingRows(up, mc, ns, 'color', [
      req('/'),
      req('/', h('blue')),
      req('/', h('Blue')),
      req('/', h('lightgreen!')),
      req('/', h('reddish')),
      req('/', h('red-and-green')),
      req('/', h('purple')),
      req('/', h('')),
      req('/', { Color_Header: 'blue' }),
    ]);
    expectSame(
      rows,
      {},
      rows.map((r) => r.label),
    );
    const pods = (d: unknown) => Object.keys((d as { backends: object }).backends);
    expect(rows.map((r) => pods(r.meshc)[0]!.split('version=')[1])).toEqual([
      'white',
      'blue',
      'yellow',
      'green',
      'red',
      'green',
      'yellow',
      'yellow',
      'blue',
    ]);
  });

  it('retry policy (howto-k8s-retry-policy)', () => {
    const ns = 'howto-k8s-retry-policy';
    const up = upstream('retry-policy.yaml', { APP_NAMESPACE: ns, MESH_NAME: ns });
    const mc = meshcObjects({
      'environments/e.yaml': env(ns, PLAIN_MESH),
      'services/color.yaml': service(
        ns,
        'color',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: color }
        versions: { blue: { labels: { version: blue } } }
        routes:
          - name: color-route
            to: blue
            retries: { attempts: 4, perTryTimeout: 2s, on: [5xx] }
        `,
      ),
      'services/front.yaml': service(ns, 'front', `ports: [{ name: http, port: 8080, protocol: http }]`),
    });
    const rows = routingRows(up, mc, ns, 'color', [req('/'), req('/x')]);
    expectSame(rows, {});
    expect((rows[0]!.meshc as { retry: unknown }).retry).toEqual({
      maxRetries: 4,
      perRetryTimeoutMs: 2000,
      events: ['server-error'],
    });
  });

  it('timeouts on the route and the target listeners (howto-k8s-timeout-policy)', () => {
    const ns = 'howto-k8s-timeout-policy';
    const up = walkthrough('timeout-policy.yaml', ns);
    const mc = meshcObjects({
      'environments/e.yaml': env(ns, PLAIN_MESH),
      'services/colorapp.yaml': service(
        ns,
        'colorapp',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: colorapp }
        versions: { blue: { labels: { version: blue } }, red: { labels: { version: red } } }
        routes:
          - name: color-route
            to: { red: 50, blue: 50 }
            timeout: 60s
        `,
      ),
      'services/front.yaml': service(
        ns,
        'front',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: front }
        routes:
          - name: color-route
            match: [{ path: { prefix: /color } }]
            backends: [{ service: front }]
            timeout: 60s
        `,
      ),
    });
    const rows = [
      ...routingRows(up, mc, ns, 'colorapp', [req('/'), req('/slow')]),
      ...routingRows(up, mc, ns, 'front', [req('/color'), req('/color/x'), req('/other')]),
    ];
    expectSame(
      rows,
      { 'front GET /other': 'meshc-implicit-default' },
      rows.filter((r) => r.label !== 'front GET /other').map((r) => r.label),
    );
    expect((rows[0]!.meshc as { timeoutMs: number }).timeoutMs).toBe(60_000);
    // The per-try timeout of the no-retries policy is the route's, so the single attempt keeps its 60s.
    expect((rows[0]!.meshc as { retry: unknown }).retry).toEqual({
      maxRetries: 0,
      perRetryTimeoutMs: 60_000,
      events: ['gateway-error'],
    });
  });

  it('outlier detection on the destination listener (howto-k8s-outlier-detection)', () => {
    const ns = 'howto-k8s-outlier-detection';
    const up = walkthrough('outlier-detection.yaml', ns);
    const mc = meshcObjects({
      'environments/e.yaml': env(ns, PLAIN_MESH),
      'services/colorapp.yaml': service(
        ns,
        'colorapp',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        resilience:
          outlierDetection: { consecutiveErrors: 5, interval: 10s, baseEjectionTime: 10s, maxEjectionPercent: 50 }
        `,
      ),
      'services/front.yaml': service(ns, 'front', `ports: [{ name: http, port: 8080, protocol: http }]`),
    });
    // The walkthrough's VirtualService is provided by the VirtualNode: App Mesh's default retries apply there.
    expectSame(routingRows(up, mc, ns, 'colorapp', [req('/')]), {}, ['colorapp GET /']);
    const pod = { namespace: ns, labels: { app: 'colorapp' } };
    expect(listenerPolicy(mc, pod, 8080)).toEqual(listenerPolicy(up, pod, 8080));
    expect(listenerPolicy(mc, pod, 8080)).toEqual({
      outlierDetection: {
        maxServerErrors: 5,
        intervalMs: 10_000,
        baseEjectionMs: 10_000,
        maxEjectionPercent: 50,
      },
    });
    const front = { namespace: ns, labels: { app: 'front' } };
    expect(connect(mc, front, { namespace: ns, name: 'colorapp' }, pod, 8080)).toBe(
      connect(up, front, { namespace: ns, name: 'colorapp' }, pod, 8080),
    );
  });

  // Both gateway walkthroughs route /paths/<color> through a gateway route to a router on the color versions.
  const GATEWAY_ENV = (ns: string) =>
    env(
      ns,
      dedent`
      mesh:
        type: appmesh
        version: "1.13"
        mtls: off
        ingress: { className: ingress-gw, api: native, namespace: ${ns} }
      `,
    );
  const HOST = 'color.example.com';

  it('connection pools behind a virtual gateway (howto-k8s-connection-pools)', () => {
    const ns = 'howto-k8s-connection-pools';
    const up = upstream('connection-pools.yaml', { APP_NAMESPACE: ns, MESH_NAME: ns });
    const mc = meshcObjects({
      'environments/e.yaml': GATEWAY_ENV(ns),
      'services/color-paths.yaml': service(
        ns,
        'color-paths',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: color }
        versions: { green: { labels: { version: green } }, red: { labels: { version: red } } }
        routes:
          - { name: green, match: [{ path: { prefix: /paths/green } }], to: green }
          - { name: red, match: [{ path: { prefix: /paths/red } }], to: red }
        resilience:
          connectionPool: { maxConnections: 10, maxPendingRequests: 10 }
        ingress: { hosts: [${HOST}], paths: [{ prefix: /paths }] }
        `,
      ),
    });
    const gw = (objs: readonly Manifest[], r: HttpRequest) => {
      const d = gatewayRequest(objs, { namespace: ns, name: 'ingress-gw' }, r);
      return d.kind === 'routed'
        ? { to: d.virtualService, path: d.path, route: comparable(d.route) }
        : d.kind;
    };
    const requests = [
      req('/paths/green', {}, HOST),
      req('/paths/red', {}, HOST),
      req('/paths/blue', {}, HOST),
    ];
    const rows: Row[] = requests.map((r) => ({
      label: `gateway ${label(r)}`,
      upstream: gw(up, r),
      meshc: gw(mc, r),
    }));
    // The pods reached must agree, the path they see differs (prefix-kept): compare the pod sets separately.
    const podsOf = (v: unknown) => (typeof v === 'string' ? v : (v as { route: unknown }).route);
    expectSame(
      rows.map((r) => ({ ...r, upstream: podsOf(r.upstream), meshc: podsOf(r.meshc) })),
      { 'gateway GET /paths/blue': 'meshc-implicit-default' },
      ['gateway GET /paths/green', 'gateway GET /paths/red'],
    );
    expectSame(
      rows.map((r) => ({
        ...r,
        upstream: (r.upstream as { path?: string }).path,
        meshc: (r.meshc as { path?: string }).path,
      })),
      {
        'gateway GET /paths/green': 'prefix-kept',
        'gateway GET /paths/red': 'prefix-kept',
        'gateway GET /paths/blue': 'prefix-kept',
      },
    );
    const pool = (objs: readonly Manifest[], version: string) =>
      listenerPolicy(objs, { namespace: ns, labels: { app: 'color', version } }, 8080);
    const policyRows: Row[] = [
      { label: 'pool green', upstream: pool(up, 'green'), meshc: pool(mc, 'green') },
      { label: 'pool red', upstream: pool(up, 'red'), meshc: pool(mc, 'red') },
      {
        label: 'pool gateway',
        upstream: gatewayPool(up, ns),
        meshc: gatewayPool(mc, ns),
      },
    ];
    expectSame(policyRows, { 'pool red': 'service-wide-resilience', 'pool gateway': 'gateway-pool' });
    expect(pool(mc, 'green')).toEqual({
      connectionPool: { http: { maxConnections: 10, maxPendingRequests: 10 } },
    });
  });

  it('ingress through a virtual gateway (howto-k8s-ingress-gateway)', () => {
    const ns = 'howto-k8s-ingress-gateway';
    const up = upstream('ingress-gateway.yaml', { APP_NAMESPACE: ns, MESH_NAME: ns });
    const colors = ['white', 'blue', 'red', 'yellow', 'green'];
    const mc = meshcObjects({
      'environments/e.yaml': GATEWAY_ENV(ns),
      'services/color.yaml': service(
        ns,
        'color',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: color }
        versions: { ${colors.map((c) => `${c}: { labels: { version: ${c} } }`).join(', ')} }
        routes: [{ to: white }]
        `,
      ),
      'services/color-headers.yaml': service(
        ns,
        'color-headers',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        routes:
          - { name: blue, match: [{ headers: { color_header: { exact: blue } } }], backends: [{ service: color, version: blue }] }
          - { name: green, match: [{ headers: { color_header: { regex: ".*green.*" } } }], backends: [{ service: color, version: green }] }
          - { name: red, match: [{ headers: { color_header: { prefix: red } } }], backends: [{ service: color, version: red }] }
          - { name: yellow, match: [{ headers: { color_header: { regex: ".*" } } }], backends: [{ service: color, version: yellow }] }
          - { name: white, backends: [{ service: color, version: white }] }
        ingress: { hosts: [${HOST}], paths: [{ prefix: /headers }] }
        `,
      ),
      'services/color-paths.yaml': service(
        ns,
        'color-paths',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        routes:
          - { name: blue, match: [{ path: { prefix: /paths/blue } }], backends: [{ service: color, version: blue }] }
          - { name: green, match: [{ path: { prefix: /paths/green } }], backends: [{ service: color, version: green }] }
          - { name: red, match: [{ path: { prefix: /paths/red } }], backends: [{ service: color, version: red }] }
          - { name: yellow, match: [{ path: { prefix: /paths/yellow } }], backends: [{ service: color, version: yellow }] }
          - { name: white, backends: [{ service: color, version: white }] }
        ingress: { hosts: [${HOST}], paths: [{ prefix: /paths }] }
        `,
      ),
    });
    const gw = (objs: readonly Manifest[], r: HttpRequest) => {
      const d = gatewayRequest(objs, { namespace: ns, name: 'ingress-gw' }, r);
      return d.kind === 'routed' ? { to: d.virtualService, route: comparable(d.route) } : d.kind;
    };
    const requests = [
      ...colors.map((c) => req(`/paths/${c}`, {}, HOST)),
      req('/paths', {}, HOST),
      req('/headers', { color_header: 'blue' }, HOST),
      req('/headers', { color_header: 'dark-green' }, HOST),
      req('/headers', { color_header: 'redder' }, HOST),
      req('/headers', { color_header: 'cyan' }, HOST),
      req('/headers', {}, HOST),
      req('/other', {}, HOST),
    ];
    const rows: Row[] = requests.map((r) => ({
      label: `gateway ${label(r)}`,
      upstream: gw(up, r),
      meshc: gw(mc, r),
    }));
    expectSame(
      rows,
      {},
      rows.filter((r) => r.meshc !== 'no-route').map((r) => r.label),
    );
    expect(
      rows.map((r) =>
        r.meshc === 'no-route'
          ? 'no-route'
          : Object.keys((r.meshc as { route: { backends: object } }).route.backends)[0]!.split('version=')[1],
      ),
    ).toEqual([
      'white',
      'blue',
      'red',
      'yellow',
      'green',
      'white',
      'blue',
      'green',
      'red',
      'yellow',
      'white',
      'no-route',
    ]);
  });

  it('mTLS with SPIRE over SDS (howto-k8s-mtls-sds-based)', () => {
    const ns = 'howto-k8s-mtls-sds-based';
    const td = 'howto-k8s-mtls-sds-based.aws';
    const up = upstream('mtls-sds.yaml', {
      APP_NAMESPACE: ns,
      MESH_NAME: ns,
      SVID_CA_TRUST_DOMAIN: `spiffe://${td}`,
      FRONTEND_APP_SVID: `spiffe://${td}/front`,
      COLORAPP_BLUE_SVID: `spiffe://${td}/colorblue`,
      COLORAPP_GREEN_SVID: `spiffe://${td}/colorgreen`,
      COLORAPP_RED_SVID: `spiffe://${td}/colorred`,
    });
    const mc = meshcObjects({
      'environments/e.yaml': env(
        ns,
        dedent`
        mesh:
          type: appmesh
          version: "1.13"
          mtls: strict
          trust: { sds: {} }
          trustDomain: ${td}
        `,
      ),
      'services/color.yaml': service(
        ns,
        'color',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: color }
        serviceAccount: color
        versions: { blue: { labels: { version: blue } }, green: { labels: { version: green } }, red: { labels: { version: red } } }
        routes:
          - { name: blue, match: [{ headers: { color_header: { exact: blue } } }], to: blue }
          - { name: green, match: [{ headers: { color_header: { exact: green } } }], to: green }
          - { name: red, match: [{ headers: { color_header: { exact: red } } }], to: red }
        access:
          - from: [front]
        `,
      ),
      'services/front.yaml': service(
        ns,
        'front',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        serviceAccount: front
        mtls: permissive
        `,
      ),
      'services/other.yaml': service(ns, 'other', `ports: [{ name: http, port: 8080, protocol: http }]`),
    });
    const rows = routingRows(up, mc, ns, 'color', [
      req('/', { color_header: 'blue' }),
      req('/', { color_header: 'green' }),
      req('/', { color_header: 'red' }),
      req('/'),
    ]);
    expectSame(rows, { 'color GET /': 'meshc-implicit-default' }, [
      'color GET / color_header=blue',
      'color GET / color_header=green',
      'color GET / color_header=red',
    ]);
    const vs = { namespace: ns, name: 'color' };
    const front: Caller = { namespace: ns, labels: { app: 'front' } };
    const callers: Record<string, Caller | undefined> = { front, unmeshed: undefined };
    const accessRows: Row[] = ['blue', 'green', 'red'].flatMap((v) =>
      Object.entries(callers).map(([name, c]) => {
        const pod = { namespace: ns, labels: { app: 'color', version: v } };
        return {
          label: `${name} -> ${v}`,
          upstream: connect(up, c, vs, pod, 8080),
          meshc: connect(mc, c, vs, pod, 8080),
        };
      }),
    );
    expectSame(accessRows, {});
    expect(accessRows.map((r) => r.meshc)).toEqual(['allow', 'deny', 'allow', 'deny', 'allow', 'deny']);
    // meshc's only: a meshed service that `access` does not name is refused (not in its backends, and not in
    // the listener's SANs), where the walkthrough has no such caller.
    const other: Caller = { namespace: ns, labels: { app: 'other' } };
    expect(connect(mc, other, vs, { namespace: ns, labels: { app: 'color', version: 'red' } }, 8080)).toBe(
      'deny',
    );
  });
});

function gatewayPool(objs: readonly Manifest[], ns: string): unknown {
  const gw = objs.find((o) => o.kind === 'VirtualGateway' && o.metadata.namespace === ns)!;
  const listener = ((gw.spec as { listeners: Record<string, unknown>[] }).listeners ?? [])[0]!;
  return listener.connectionPool ?? 'none';
}
