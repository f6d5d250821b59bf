/**
 * App Mesh defects an exploratory run found (a project from `meshc init` with an App Mesh environment: version
 * 1.13, install with region and role ARN, SDS trust, trust domain `am.local`, native ingress `gw`, namespace
 * `shop`), each through the whole pipeline: what the controller, the eks-charts charts and Flagger do with
 * what meshc wrote.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import type { Port, Route, RouteMatch } from '../src/model/types.ts';
import { APPMESH_CAPABILITIES } from '../src/backends/appmesh/capabilities.ts';
import { buildEnvoyPodMonitor } from '../src/backends/appmesh/monitors.ts';
import { appmeshPrerequisites } from '../src/backends/appmesh/prerequisites.ts';
import { buildVirtualRouter } from '../src/backends/appmesh/virtual-router.ts';
import { validateObjects } from './helpers/crds.ts';
import { exact, makeMatch, makeRoute, makeService } from './helpers/model-factory.ts';
import { describeWithShared } from './helpers/shared.ts';
import { codesAt, compileInline } from './helpers/spec-tree.ts';

type Compiled = ReturnType<typeof compileInline>;

/**
 * The App Mesh environment of the exploratory run. `trust`: the line under `mesh.trust`; `mesh`: lines added to
 * `spec.mesh` (indented 4); `extra`: lines added to `spec` (indented 2).
 */
function environment(opts: { trust?: string; mesh?: string; extra?: string; name?: string } = {}): string {
  const name = opts.name ?? 'am';
  return [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    `metadata: { name: ${name} }`,
    'spec:',
    `  cluster: ${name}-1`,
    '  mesh:',
    '    type: appmesh',
    "    version: '1.13'",
    '    mtls: permissive',
    '    install:',
    "      chartVersion: '1.13.3'",
    '      values:',
    '        region: eu-west-1',
    '        serviceAccount:',
    '          annotations:',
    '            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/appmesh-controller',
    '    trust:',
    `      ${opts.trust ?? 'sds: {}'}`,
    '    trustDomain: am.local',
    '    ingress: { className: gw, api: native }',
    ...(opts.mesh ? [opts.mesh] : []),
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    ...(opts.extra ? [opts.extra] : []),
    '',
  ].join('\n');
}

/** A Service `shop/<name>` with one HTTP port; `body`: lines added to its `spec` (indented 2). */
const service = (name: string, body: string) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: shop }`,
    'spec:',
    '  ports: [{ name: http, port: 8080, protocol: http }]',
    ...(body ? [body] : []),
    '',
  ].join('\n');

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const objects = (r: Compiled, env = 'am') => {
  const render = r.emitted!.renders.find((x) => x.env.name === env)!;
  return [...render.output.system, ...[...render.output.namespaces.values()].flat()];
};
const find = (r: Compiled, kind: string, name: string, env = 'am') =>
  objects(r, env).find((o) => o.kind === kind && o.metadata.name === name)!;
const spec = <T>(o: K8sObject) => o.spec as T;
const at = (d: Diagnostic) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`;

const s0 = makeService();

// --- 1. Route names unique in a VirtualRouter --------------------------------------------------------------------

describe('VirtualRouter route names', () => {
  it("are unique over the router (the controller's webhook refuses duplicates), own names kept", () => {
    const r = compileInline({
      'environments/am.yaml': environment(),
      'services/r.yaml': service(
        'r',
        [
          '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
          '  routes:',
          '    - name: a',
          '      match: [{ path: { exact: /x } }, { path: { exact: /y } }]',
          '      to: v1',
          '    - name: a-2',
          '      match: [{ path: { exact: /z } }]',
          '      to: v2',
          "    - match: [{ headers: { h: { exact: '1' } } }]",
          '      to: v2',
          '    - name: route-2',
          '      to: v1',
        ].join('\n'),
      ),
    });
    expect(errors(r.diagnostics)).toEqual([]);
    const routes = spec<{ routes: { name: string; priority: number }[] }>(
      find(r, 'VirtualRouter', 'r'),
    ).routes;
    // Before: a, a-2, a-2, route-2, route-2 (the second alternative of `a` and the unnamed route 2 took the
    // names of the routes named `a-2` and `route-2`).
    expect(routes.map((x) => [x.name, x.priority])).toEqual([
      ['a', 0],
      ['a-3', 1],
      ['a-2', 2],
      ['route-2-2', 3],
      ['route-2', 4],
    ]);
  });

  it('are unique on a router of several ports too, and the same from one render to the next', () => {
    const names = (s: ReturnType<typeof makeService>) =>
      spec<{ routes: { name: string }[] }>(buildVirtualRouter(s, new Map([[s.id, s]]))).routes.map(
        (x) => x.name,
      );
    const pool = ['a', 'a-2', 'a-3', 'route-0', 'route-1', 'route-2', 'route-1-2', 'b-8001'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.option(fc.constantFrom(...pool), { nil: undefined }), {
          maxLength: 6,
          selector: (n) => n ?? Symbol(),
        }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 2 }),
        (routeNames, matchCounts, portCount) => {
          const s = makeService({
            ports: Array.from({ length: portCount }, (_, i): Port => ({
              name: `p${i}`,
              port: 8000 + i,
              protocol: 'http',
            })),
            routes: routeNames.map((name, index): Route =>
              makeRoute({
                index,
                ...(name ? { name } : {}),
                matches: Array.from({ length: matchCounts[index]! }, (_, k): RouteMatch =>
                  makeMatch({ path: exact(`/p${index}-${k}`) }),
                ),
                destinations: [
                  { serviceId: s0.id, namespace: s0.namespace, service: s0.name, weight: 100, at: [] },
                ],
              }),
            ),
          });
          const got = names(s);
          expect(new Set(got).size).toBe(got.length);
          // A named route keeps its name (with the port suffix) on its first alternative.
          for (const name of routeNames)
            if (name)
              for (const p of s.ports) expect(got).toContain(portCount > 1 ? `${name}-${p.port}` : name);
          expect(names(s)).toEqual(got);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// --- 2, 11. GatewayRoutes: wildcard hosts, names ------------------------------------------------------------------

describe('GatewayRoutes', () => {
  const files = {
    'environments/am.yaml': environment(),
    'services/web.yaml': service('web', "  ingress: { hosts: ['*.example.com', web.example.com] }"),
    'services/web-2.yaml': service('web-2', '  ingress: { hosts: [w2.example.com] }'),
  };
  // Compiled on first use, inside a test: a failing compile fails that test, not the file.
  let compiled: Compiled | undefined;
  const result = () => (compiled ??= compileInline(files, { until: 'gitops' }));
  const gatewayRoutes = () => objects(result()).filter((o) => o.kind === 'GatewayRoute');
  type GR = { priority: number; httpRoute: { match: { hostname: unknown } } };

  it('match a wildcard host by its suffix, one priority after an exact host on the same path', () => {
    expect(errors(result().diagnostics)).toEqual([]);
    const byHost = Object.fromEntries(
      gatewayRoutes().map((o) => [
        JSON.stringify(spec<GR>(o).httpRoute.match.hostname),
        spec<GR>(o).priority,
      ]),
    );
    // Before: `hostname: {exact: '*.example.com'}`, which no request's host equals.
    expect(byHost).toEqual({
      '{"exact":"web.example.com"}': 999,
      '{"exact":"w2.example.com"}': 999,
      '{"suffix":".example.com"}': 1000,
    });
    // Same paths: App Mesh's order is Gateway API's (the exact host first), nothing to warn about.
    expect(result().diagnostics.filter((d) => d.message.includes('priority order'))).toEqual([]);
  });

  it("warns where App Mesh's path-first order lets a wildcard take an exact host's requests", () => {
    const r = compileInline({
      'environments/am.yaml': environment(),
      'services/web.yaml': service(
        'web',
        "  ingress: { hosts: ['*.example.com'], paths: [{ prefix: /api }] }",
      ),
      'services/shop.yaml': service('shop', '  ingress: { hosts: [shop.example.com] }'),
    });
    const found = r.diagnostics.filter((d) => d.message.includes('priority order'));
    expect(found.map((d) => `${d.severity} ${d.code} ${at(d)}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE services/web.yaml:6:22',
    ]);
    expect(found[0]!.message).toBe(
      "App Mesh tries the GatewayRoutes of a VirtualGateway in priority order, by path: requests to shop.example.com on /… may be routed to shop/web (host *.example.com, path /api) rather than to shop/shop, which other meshes' gateways prefer for its more specific host (environment am).",
    );
  });

  it('are named so that two exposed services of a namespace never share a name', () => {
    // Before: web's second route and web-2's first were both shop/web-2 (RENDER_CONFLICT at the environment's
    // cluster, naming neither service).
    expect(result().diagnostics.filter((d) => d.code === 'RENDER_CONFLICT')).toEqual([]);
    expect(
      gatewayRoutes().map((o) => [
        o.metadata.name,
        (
          o.spec as {
            httpRoute: { action: { target: { virtualService: { virtualServiceRef: { name: string } } } } };
          }
        ).httpRoute.action.target.virtualService.virtualServiceRef.name,
      ]),
    ).toEqual([
      ['web', 'web'],
      ['web-3', 'web'],
      ['web-2', 'web-2'],
    ]);
  });

  describeWithShared('against the CRDs', () => {
    it('the suffix match is valid', () => {
      expect(validateObjects(gatewayRoutes())).toEqual([]);
    });
  });
});

// --- 3. Routing to a service whose access does not admit the callers ---------------------------------------------

describe('routing to another service that restricts its callers', () => {
  const xy = {
    'services/x.yaml': service(
      'x',
      [
        '  routes:',
        '    - backends:',
        '        - { service: x, weight: 50 }',
        '        - { service: y, weight: 50 }',
        '  access:',
        '    - from: [c]',
      ].join('\n'),
    ),
    'services/y.yaml': service('y', '  access: [{ from: [d] }]'),
    'services/c.yaml': service('c', ''),
    'services/d.yaml': service('d', ''),
  };
  const routed = (r: Compiled) =>
    r.diagnostics.filter((d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.message.includes('routes to it'));

  it("under SDS: y's listener refuses c (as Istio's AuthorizationPolicy of y denies it): a warning at the backend", () => {
    const r = compileInline({ 'environments/am.yaml': environment(), ...xy });
    expect(errors(r.diagnostics)).toEqual([]);
    // y's listener accepts d only; c's Envoy connects to y's pods with c's certificate.
    const y = find(r, 'VirtualNode', 'y');
    type L = { tls: { validation: { subjectAlternativeNames: { match: { exact: string[] } } } } };
    expect(
      spec<{ listeners: L[] }>(y).listeners[0]!.tls.validation.subjectAlternativeNames.match.exact,
    ).toEqual(['spiffe://am.local/ns/shop/sa/d']);
    const found = routed(r);
    expect(found.map(at)).toEqual(['services/x.yaml:9:11']);
    expect(found[0]!.message).toBe(
      "shop/y's listeners refuse the requests shop/x routes to it from callers its access does not admit (shop/c): their Envoys connect to shop/y's pods themselves, and those accept only the SPIFFE IDs of the callers shop/y's access names (environment am).",
    );
    expect(found[0]!.hint).toContain("Add those callers to shop/y's access");
  });

  it('names the ingress gateway when the routing service is exposed and the target is not', () => {
    const exposed = {
      ...xy,
      'services/x.yaml': xy['services/x.yaml'].replace(
        '  access:',
        '  ingress: { hosts: [x.example.com] }\n  access:',
      ),
    };
    const r = compileInline({ 'environments/am.yaml': environment(), ...exposed });
    expect(routed(r).map((d) => d.message)).toEqual([
      expect.stringContaining('(shop/c and the ingress gateway)'),
    ]);
  });

  it("without SDS: y's access does not apply to the routed requests, and the warning says so", () => {
    const r = compileInline({
      'environments/am.yaml': environment({
        trust:
          'file: { certificateChain: /certs/tls.crt, privateKey: /certs/tls.key, caBundle: /certs/ca.crt }',
      }),
      ...xy,
    });
    expect(routed(r).map((d) => d.message)).toEqual([
      "shop/y's access does not apply to the requests shop/x routes to it: callers it does not admit (shop/c) reach it through shop/x, since App Mesh checks a caller against the VirtualService it dials only (environment am).",
    ]);
  });

  it('an open routing service: every service of the environment but the admitted ones, counted', () => {
    const open = { ...xy, 'services/x.yaml': xy['services/x.yaml'].replace(/ {2}access:\n.*\n/, '') };
    const r = compileInline({ 'environments/am.yaml': environment(), ...open });
    expect(routed(r).map((d) => d.message)).toEqual([expect.stringContaining('(shop/c, shop/x and shop/y)')]);
  });

  it('nothing when the target admits every caller of the routing service', () => {
    const admits = { ...xy, 'services/y.yaml': service('y', '  access: [{ from: [c, d] }]') };
    expect(routed(compileInline({ 'environments/am.yaml': environment(), ...admits }))).toEqual([]);
  });

  it('the capability note no longer says the access of the target never applies', () => {
    const note = APPMESH_CAPABILITIES['route.backends'].note!;
    expect(note).toContain('under SDS trust with mTLS');
    expect(note).not.toMatch(/so the target's own `access` does not apply to traffic routed to it$/);
  });
});

// --- 4. File trust with a native ingress gateway -----------------------------------------------------------------

describe('file trust with the native ingress gateway', () => {
  const fileTrust =
    'file: { certificateChain: /certs/tls.crt, privateKey: /certs/tls.key, caBundle: /certs/ca.crt }';
  const files = {
    'environments/am.yaml': environment({ trust: fileTrust }),
    'services/web.yaml': service('web', '  ingress: { hosts: [web.example.com] }'),
  };

  it("warns at mesh.trust.file: the injector mounts `secretMounts` into VirtualNode pods only, not the gateway's", () => {
    const r = compileInline(files);
    const found = r.diagnostics.filter((d) => d.message.includes('secretMounts'));
    expect(found.map((d) => `${d.severity} ${d.code} ${at(d)}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE environments/am.yaml:18:13',
    ]);
    // The VirtualGateway does read the files.
    expect(JSON.stringify(find(r, 'VirtualGateway', 'gw').spec)).toContain('/certs/tls.crt');
    // Without an exposed service there is no gateway to warn about.
    const none = compileInline({ ...files, 'services/web.yaml': service('web', '') });
    expect(none.diagnostics.filter((d) => d.message.includes('secretMounts'))).toEqual([]);
  });

  it("says in the prerequisites that the gateway's Deployment mounts the files itself", () => {
    const r = compileInline(files);
    const env = r.emitted!.renders[0]!.env;
    const whats = appmeshPrerequisites(env).map((p) => p.what);
    expect(whats.filter((w) => w.includes('/certs/tls.crt'))).toEqual([
      expect.stringContaining('(pod annotation `appmesh.k8s.aws/secretMounts: <secret>:<directory>`'),
      expect.stringMatching(
        /^the same certificate chain, key and CA bundle .* in the `envoy` container of the ingress gateway in appmesh-ingress, mounted by its Deployment/,
      ),
    ]);
  });
});

// --- 5, 6. A rolled-out service's retries (Flagger's App Mesh router) ----------------------------------------------

describe("a rolled-out service's retries", () => {
  const rollouts =
    '  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }';
  const env = environment({ extra: rollouts }).replace('mtls: permissive', 'mtls: off');
  const pay = (retries: string, timeout = '') =>
    service(
      'pay',
      `  routes: [{ ${timeout}retries: ${retries} }]\n  rollout: { strategy: canary, interval: 30s, threshold: 5, stepWeight: 10, maxWeight: 50 }`,
    );
  const canaryRetries = (r: Compiled) =>
    spec<{ service: { retries?: unknown } }>(find(r, 'Canary', 'pay')).service.retries;

  it("carry perTryTimeout: the route timeout, else 15s, not Flagger's 250ms", () => {
    const withTimeout = compileInline({
      'environments/am.yaml': env,
      'services/pay.yaml': pay('{ attempts: 2, on: [5xx] }', 'timeout: 4s, '),
    });
    expect(errors(withTimeout.diagnostics)).toEqual([]);
    expect(canaryRetries(withTimeout)).toEqual({ attempts: 2, perTryTimeout: '4s', retryOn: 'server-error' });
    const without = compileInline({
      'environments/am.yaml': env,
      'services/pay.yaml': pay('{ attempts: 2 }'),
    });
    expect(canaryRetries(without)).toEqual({ attempts: 2, perTryTimeout: '15s', retryOn: 'gateway-error' });
    // The spec's own per-try timeout as written.
    const own = compileInline({
      'environments/am.yaml': env,
      'services/pay.yaml': pay('{ attempts: 2, perTryTimeout: 700ms }', 'timeout: 4s, '),
    });
    expect(canaryRetries(own)).toEqual({ attempts: 2, perTryTimeout: '700ms', retryOn: 'gateway-error' });
  });

  it('refuse connect-failure at the condition: Flagger writes no TCP retry event', () => {
    const r = compileInline({
      'environments/am.yaml': env,
      'services/pay.yaml': pay('{ attempts: 2, on: [5xx, connect-failure] }'),
    });
    expect(codesAt({ diagnostics: errors(r.diagnostics) })).toEqual([
      'MESH_UNSUPPORTED_FEATURE services/pay.yaml:6:48',
    ]);
    expect(errors(r.diagnostics)[0]!.message).toContain('cannot retry on connect-failure');
    // meshc's own routers carry it (tcpRetryEvents connection-error).
    const own = compileInline({
      'environments/am.yaml': env,
      'services/pay.yaml': service(
        'pay',
        '  routes: [{ retries: { attempts: 2, on: [5xx, connect-failure] } }]',
      ),
    });
    expect(errors(own.diagnostics)).toEqual([]);
  });
});

// --- 7. Tracing sampling --------------------------------------------------------------------------------------------

describe('tracing sampling', () => {
  const tracing = (sampling: string, values = '') =>
    environment({
      mesh: `    observability:\n      tracing: { provider: zipkin, endpoint: 'jaeger.tracing:9411'${sampling} }`,
    }).replace('region: eu-west-1', `region: eu-west-1${values}`);
  const warned = (r: Compiled) => r.diagnostics.filter((d) => d.message.includes('tracing.sampling'));

  it('is not applied with Jaeger (the chart passes it to X-Ray only): a warning at the value', () => {
    const r = compileInline({ 'environments/am.yaml': tracing(', sampling: 5') });
    expect(warned(r).map((d) => `${d.severity} ${at(d)}`)).toEqual(['warning environments/am.yaml:22:79']);
    expect(warned(r)[0]!.message).toBe(
      "App Mesh does not apply observability.tracing.sampling (5%) of environment am: the appmesh-controller chart passes a sampling rate to X-Ray only, and its Envoys trace to Jaeger at the Envoy image's own rate.",
    );
    // The default (1%) is not applied either: the warning is at the tracing block.
    const byDefault = compileInline({ 'environments/am.yaml': tracing('') });
    expect(warned(byDefault).map(at)).toEqual(['environments/am.yaml:22:7']);
    expect(APPMESH_CAPABILITIES['observability.tracing'].note).toContain('`sampling` is not applied');
  });

  it('is applied where the user switches the chart to X-Ray', () => {
    const xray = tracing(', sampling: 5', '\n        tracing: { provider: x-ray }');
    const r = compileInline({ 'environments/am.yaml': xray });
    expect(errors(r.diagnostics)).toEqual([]);
    expect(warned(r)).toEqual([]);
  });
});

// --- 8. An exposed gRPC service -----------------------------------------------------------------------------------

describe('an exposed HTTP/2 or gRPC service', () => {
  const grpc = (name: string) =>
    [
      'apiVersion: meshc.dev/v1alpha1',
      'kind: Service',
      `metadata: { name: ${name}, namespace: shop }`,
      'spec:',
      '  ports: [{ name: grpc, port: 9090, protocol: grpc }]',
      `  ingress: { hosts: [${name}.example.com] }`,
      '',
    ].join('\n');
  const listener = (r: Compiled) =>
    spec<{ listeners: { portMapping: { protocol: string } }[] }>(find(r, 'VirtualGateway', 'gw')).listeners;

  it('alone (or with other HTTP/2 ones): an HTTP/2 gateway listener for its http2Route', () => {
    const r = compileInline({ 'environments/am.yaml': environment(), 'services/g.yaml': grpc('g') });
    expect(errors(r.diagnostics)).toEqual([]);
    expect(listener(r)).toEqual([{ portMapping: { port: 8088, protocol: 'http2' } }]);
    expect(Object.keys(find(r, 'GatewayRoute', 'g').spec as object)).toContain('http2Route');
  });

  it('next to HTTP services: refused at its port (one listener, HTTP for the others)', () => {
    const r = compileInline({
      'environments/am.yaml': environment(),
      'services/g.yaml': grpc('g'),
      'services/web.yaml': service('web', '  ingress: { hosts: [web.example.com] }'),
    });
    expect(codesAt({ diagnostics: errors(r.diagnostics) })).toEqual(['MESH_CONSTRAINT services/g.yaml:5:47']);
    expect(errors(r.diagnostics)[0]!.message).toBe(
      "App Mesh's VirtualGateway has one listener, which is HTTP/1 for the other services it exposes, and shop/g is exposed on its grpc port 9090, whose http2Route GatewayRoutes App Mesh serves on an HTTP/2 listener only (environment am).",
    );
  });
});

// --- 9. The PodMonitor and the ingress gateway -------------------------------------------------------------------

describe('the Envoy PodMonitor', () => {
  it("scrapes the gateway's Envoy too, whose admin port the appmesh-gateway chart names http-admin", () => {
    const endpoints = spec<{ podMetricsEndpoints: { port: string; path: string }[] }>(
      buildEnvoyPodMonitor(),
    ).podMetricsEndpoints;
    expect(endpoints.map((e) => [e.port, e.path])).toEqual([
      ['stats', '/stats/prometheus'],
      ['http-admin', '/stats/prometheus'],
    ]);
  });

  describeWithShared('against the CRDs', () => {
    it('is a valid PodMonitor', () => {
      expect(validateObjects([buildEnvoyPodMonitor()])).toEqual([]);
    });
  });
});

// --- 10. DROP_ALL ---------------------------------------------------------------------------------------------

describe("the Mesh's egress filter", () => {
  const drop = (r: Compiled) => r.diagnostics.filter((d) => d.message.includes('DROP_ALL'));

  it('warns once per environment, at its mesh, when some access switches it to DROP_ALL', () => {
    const files = {
      'environments/am.yaml': environment(),
      'environments/am2.yaml': environment({ name: 'am2' }),
      'services/a.yaml': service('a', '  access: [{ from: [b] }]'),
      'services/b.yaml': service('b', '  access: [{ from: [a] }]'),
      'services/c.yaml': service('c', ''),
    };
    const r = compileInline(files);
    expect(spec<{ egressFilter: unknown }>(find(r, 'Mesh', 'am')).egressFilter).toEqual({ type: 'DROP_ALL' });
    expect(drop(r).map((d) => `${d.severity} ${d.code} ${at(d)}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE environments/am.yaml:6:3',
      'warning MESH_APPROXIMATE_FEATURE environments/am2.yaml:6:3',
    ]);
    expect(drop(r)[0]!.message).toBe(
      'The Mesh of environment am drops egress to hosts outside the mesh (`egressFilter: DROP_ALL`) because shop/a and 1 more service restrict their callers (`access`): every meshed pod of the environment then reaches only the VirtualServices it lists as backends.',
    );
    expect(drop(r)[0]!.related?.map((x) => `${x.message} ${x.location.file}`)).toEqual([
      'shop/b restricts its callers services/b.yaml',
    ]);
    // No access anywhere: ALLOW_ALL, no warning.
    const open = compileInline({
      'environments/am.yaml': environment(),
      'services/c.yaml': service('c', ''),
    });
    expect(spec<{ egressFilter: unknown }>(find(open, 'Mesh', 'am')).egressFilter).toEqual({
      type: 'ALLOW_ALL',
    });
    expect(drop(open)).toEqual([]);
  });
});
