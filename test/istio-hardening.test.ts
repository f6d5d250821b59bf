/**
 * Issue 10, section 4 (Istio side): specs compiled end to end (parse → validate → emit) and the output read back
 * through the semantic models of test/helpers/istio-semantics.ts, so that each assertion is about what Istio
 * does with the objects (which port a request reaches, who is allowed) rather than about their shape.
 */
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import type { Manifest, RouteRequest } from './helpers/istio-semantics.ts';
import { authorize, routeRequest } from './helpers/istio-semantics.ts';
import { ISTIO_ENV, codesAt, compileInline, dedent } from './helpers/spec-tree.ts';

/** A Service document of namespace `shop`; `body` is the YAML under `spec:`. */
const service = (name: string, body: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec:\n${dedent(
    body,
  )
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

/** The Istio environment `prod` with `extra` appended under `mesh:` (indented by the caller). */
const env = (mesh: string) =>
  ISTIO_ENV.replace(
    'mesh: { type: istio, version: "1.24", mtls: strict }',
    `mesh:\n    type: istio\n    version: "1.24"\n    mtls: strict\n${mesh}`,
  );

function emit(files: Record<string, string>) {
  const compiled = compileInline(files, { until: 'emit' });
  const objects = (compiled.emitted?.renders ?? []).flatMap((r) => [
    ...[...r.output.namespaces.values()].flat(),
    ...r.output.system,
    ...(r.output.prerequisites ?? []),
  ]);
  return {
    compiled,
    // The backends' diagnostics are part of the compile result already.
    diagnostics: compiled.diagnostics,
    objects: objects as unknown as Manifest[],
    raw: objects as K8sObject[],
  };
}

const fqdn = (name: string) => `${name}.shop.svc.cluster.local`;

describe('multi-port services: each port keeps its traffic', () => {
  const out = emit({
    'environments/prod.yaml': ISTIO_ENV,
    'services/api.yaml': service(
      'api',
      `
      ports:
        - { name: http, port: 8080, protocol: http }
        - { name: grpc, port: 9090, protocol: grpc }
        - { name: db, port: 5432, protocol: tcp }
      versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
      routes:
        - name: canary
          match: [{ headers: { x-canary: { exact: "1" } } }]
          to: v2
        - name: stable
          to: v1
      `,
    ),
  });
  const req = (port: number, headers?: Record<string, string>): RouteRequest => ({
    host: fqdn('api'),
    port,
    method: 'POST',
    path: '/api.v1.Orders/Get',
    ...(headers ? { headers } : {}),
  });

  it('compiles with one warning: the canary match does not apply to the connections of the TCP port', () => {
    expect(out.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'MESH_APPROXIMATE_FEATURE Service shop/api has the TCP port db (5432), and Istio routes TCP traffic by weight only: `match` of route canary applies on its HTTP ports, not to the connections of that port, which take the weights of the route without `match`.',
    ]);
  });

  it('a gRPC request on 9090 beside HTTP 8080 reaches port 9090, in the spec order of the rules', () => {
    expect(routeRequest(out.objects, req(9090, { 'x-canary': '1' }))).toEqual({
      kind: 'http',
      route: 'canary-grpc',
      to: { [`${fqdn('api')}|v2|9090`]: 1 },
    });
    expect(routeRequest(out.objects, req(9090))).toEqual({
      kind: 'http',
      route: 'stable-grpc',
      to: { [`${fqdn('api')}|v1|9090`]: 1 },
    });
  });

  it('an HTTP request on 8080 stays on 8080', () => {
    expect(routeRequest(out.objects, req(8080, { 'x-canary': '1' }))).toEqual({
      kind: 'http',
      route: 'canary-http',
      to: { [`${fqdn('api')}|v2|8080`]: 1 },
    });
    expect(routeRequest(out.objects, req(8080))).toMatchObject({ to: { [`${fqdn('api')}|v1|8080`]: 1 } });
  });

  it('the TCP port gets no HTTP route: its connections go to the port they were sent to', () => {
    expect(routeRequest(out.objects, req(5432))).toEqual({
      kind: 'tcp',
      to: { [`${fqdn('api')}|-|5432`]: 1 },
    });
    const vs = out.objects.find((o) => o.kind === 'VirtualService');
    const http = (vs?.spec as { http: { match: { port: number }[] }[] }).http;
    expect(new Set(http.flatMap((h) => h.match.map((m) => m.port)))).toEqual(new Set([8080, 9090]));
  });
});

describe('the ingress gateway gets what the access rules grant', () => {
  const files = (access: string, trustDomain = '') => ({
    'environments/prod.yaml': env(
      `    ingress: { className: istio, namespace: istio-ingress }\n${trustDomain ? `    trustDomain: ${trustDomain}\n` : ''}`,
    ),
    'services/productpage.yaml': service(
      'productpage',
      `
      ports: [{ name: http, port: 9080, protocol: http }]
      ingress: { hosts: [shop.example.com], paths: [{ prefix: / }] }
      ${access}
      `,
    ),
    'services/reviews.yaml': service('reviews', 'ports: [{ name: http, port: 9080, protocol: http }]\n'),
    'services/details.yaml': service('details', 'ports: [{ name: http, port: 9080, protocol: http }]\n'),
  });
  const GATEWAY = 'cluster.local/ns/istio-ingress/sa/meshc-ingress-istio';
  const decide = (objects: Manifest[], principal: string, method: string, path: string) =>
    authorize(
      objects.filter((o) => o.kind === 'AuthorizationPolicy'),
      { namespace: 'shop', labels: { app: 'productpage' } },
      { principal, method, path },
    );

  it('one rule: GET /productpage through the ingress, not DELETE', () => {
    const out = emit(files('access: [{ from: [reviews], methods: [GET], paths: [/productpage] }]'));
    expect(out.diagnostics).toEqual([]);
    expect(decide(out.objects, GATEWAY, 'GET', '/productpage')).toBe('allow');
    expect(decide(out.objects, GATEWAY, 'DELETE', '/productpage')).toBe('deny');
    expect(decide(out.objects, GATEWAY, 'GET', '/admin')).toBe('deny');
  });

  it('several rules: the union of their operations, each rule keeping its methods with its paths', () => {
    const out = emit(
      files(
        'access: [{ from: [reviews], methods: [GET], paths: [/productpage] }, { from: [details], methods: [POST], paths: [/login] }]',
      ),
    );
    const rows = [
      ['GET', '/productpage', 'allow'],
      ['POST', '/login', 'allow'],
      ['POST', '/productpage', 'deny'],
      ['GET', '/login', 'deny'],
      ['DELETE', '/productpage', 'deny'],
    ];
    expect(rows.map(([m, p]) => [m, p, decide(out.objects, GATEWAY, m!, p!)])).toEqual(rows);
    // The rules still hold for the callers they name.
    expect(decide(out.objects, 'cluster.local/ns/shop/sa/details', 'GET', '/productpage')).toBe('deny');
    expect(decide(out.objects, 'cluster.local/ns/shop/sa/reviews', 'GET', '/productpage')).toBe('allow');
  });

  it('a rule without methods and paths grants the ingress every operation', () => {
    const out = emit(files('access: [{ from: [reviews], methods: [GET] }, { from: [details] }]'));
    expect(decide(out.objects, GATEWAY, 'DELETE', '/anything')).toBe('allow');
  });

  it('access: [] denies the ingress too, with a warning at ingress', () => {
    const out = emit(files('access: []'));
    expect(decide(out.objects, GATEWAY, 'GET', '/productpage')).toBe('deny');
    expect(codesAt({ diagnostics: out.diagnostics })).toEqual([
      'MESH_INGRESS_UNREACHABLE services/productpage.yaml:6:3',
    ]);
  });

  it('principals use mesh.trustDomain', () => {
    const out = emit(files('access: [{ from: [reviews], methods: [GET] }]', 'prod.acme.internal'));
    expect(
      decide(out.objects, 'prod.acme.internal/ns/istio-ingress/sa/meshc-ingress-istio', 'GET', '/'),
    ).toBe('allow');
    expect(decide(out.objects, 'prod.acme.internal/ns/shop/sa/reviews', 'GET', '/')).toBe('allow');
    expect(decide(out.objects, GATEWAY, 'GET', '/')).toBe('deny');
    expect(decide(out.objects, 'cluster.local/ns/shop/sa/reviews', 'GET', '/')).toBe('deny');
  });
});

describe('refused at the node', () => {
  it('access rules naming callers on a service whose mTLS is off (from the environment)', () => {
    const out = emit({
      'environments/prod.yaml': ISTIO_ENV.replace('mtls: strict', 'mtls: "off"'),
      'services/reviews.yaml': service(
        'reviews',
        `
        ports: [{ name: http, port: 9080, protocol: http }]
        access:
          - from: ["*"]
            paths: [/health]
          - from: [productpage]
        `,
      ),
      'services/productpage.yaml': service(
        'productpage',
        'ports: [{ name: http, port: 9080, protocol: http }]\n',
      ),
    });
    expect(codesAt({ diagnostics: out.diagnostics })).toEqual([
      'MESH_ACCESS_WITHOUT_MTLS services/reviews.yaml:9:13',
    ]);
  });

  it('tracing without mesh.install', () => {
    const out = emit({
      'environments/prod.yaml': env(
        '    observability:\n      tracing: { provider: opentelemetry, endpoint: "otel.observability:4317", sampling: 5 }\n',
      ),
    });
    expect(codesAt({ diagnostics: out.diagnostics })).toEqual([
      'MESH_CONSTRAINT environments/prod.yaml:11:16',
    ]);
  });

  it('a trust domain in the chart values that differs from mesh.trustDomain', () => {
    const out = emit({
      'environments/prod.yaml': env(
        [
          '    trustDomain: prod.acme.internal',
          '    install:',
          '      chartVersion: "1.24.3"',
          '      values:',
          '        meshConfig: { trustDomain: cluster.local }',
          '    trust: { existingSecret: { name: cacerts } }',
          '',
        ].join('\n'),
      ),
    });
    expect(codesAt({ diagnostics: out.diagnostics })).toEqual([
      'MESH_CONSTRAINT environments/prod.yaml:14:36',
    ]);
  });
});
