import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { makeService } from '../../../test/helpers/model-factory.ts';
import { codesAt, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import { FEATURES } from '../features.ts';
import { matrixData, matrixText } from '../matrix.ts';
import { APPMESH_CAPABILITIES } from './capabilities.ts';
import { appmesh } from './index.ts';

const CTX = { toolVersion: '0.1.0' };
const ids = (objs: readonly { kind: string; metadata: { name: string } }[] | undefined) =>
  (objs ?? []).map((o) => `${o.kind}/${o.metadata.name}`);
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');

describe('App Mesh backend', () => {
  it('describes itself', () => {
    expect(appmesh).toMatchObject({
      mesh: 'appmesh',
      title: 'App Mesh',
      minVersion: '1.13',
      systemNamespace: 'appmesh-system',
      ingressNamespace: 'appmesh-ingress',
    });
  });

  it('declares a capability for every feature, with a note for every non-exact one', () => {
    expect(Object.keys(APPMESH_CAPABILITIES).sort()).toEqual(FEATURES.map((f) => f.id).sort());
    for (const [id, c] of Object.entries(APPMESH_CAPABILITIES))
      if (c.support !== 'exact') expect(c.note, id).toBeTruthy();
    const unsupported = Object.entries(APPMESH_CAPABILITIES)
      .filter(([, c]) => c.support === 'unsupported')
      .map(([id]) => id)
      .sort();
    expect(unsupported).toEqual(
      [
        'access.l7',
        'mesh.ingress.gatewayApi',
        // Ingress TLS: the VirtualGateway serves plain HTTP only.
        'mesh.ingress.tls',
        'mesh.trust.builtIn',
        'mesh.trust.certManager',
        'mesh.trust.existingSecret',
        'mesh.trust.vault',
        'observability.annotations',
        'observability.dashboards',
        'resilience.consistentHash',
        'resilience.loadBalancer',
        'route.fault.abort',
        'route.fault.delay',
        'route.fault.withTimeoutOrRetries',
        'route.headers.request',
        'route.headers.response',
        'route.mirror',
        // App Mesh matches query parameters by exact value only.
        'match.query.regex',
        // Flagger's App Mesh VirtualNodes carry no TLS, access or resilience, its routes no header changes,
        // and its routes are HTTP routes only.
        'rollout.ab.alternatives',
        'rollout.ab.query',
        'rollout.access',
        'rollout.grpc',
        'rollout.headers',
        'rollout.mtls',
        'rollout.resilience',
        'rollout.tcp',
      ].sort(),
    );
    // Fault injection, mirroring and header rewriting name the meshes that can.
    expect(APPMESH_CAPABILITIES['route.mirror'].note).toContain('Istio');
    expect(APPMESH_CAPABILITIES['route.headers.request'].note).toContain('Linkerd');
    // What `access` means on App Mesh, against a server-side deny.
    const access = APPMESH_CAPABILITIES.access;
    expect(access.support).toBe('approximate');
    expect(access.note).toMatch(/`\*` admits/);
    expect(access.note).toMatch(/unmeshed caller/);
    expect(APPMESH_CAPABILITIES['access.l7'].note).toMatch(/method and path/);
  });

  it('emits every part of a full environment, with no error', () => {
    const out = appmesh.emit(meshEnvironment('appmesh'), CTX);
    expect(errors(out.diagnostics)).toEqual([]);
    expect([...out.namespaces.keys()]).toEqual(['bookinfo', 'shop']);
    expect(ids(out.namespaces.get('bookinfo'))).toEqual([
      'Namespace/bookinfo',
      'Service/productpage',
      'VirtualNode/productpage',
      'VirtualRouter/productpage',
      'VirtualService/productpage',
      'GatewayRoute/productpage',
      'GatewayRoute/productpage-2',
      'Service/reviews',
      'Service/reviews-v1',
      'Service/reviews-v2',
      'VirtualNode/reviews-v1',
      'VirtualNode/reviews-v2',
      'VirtualRouter/reviews',
      'VirtualService/reviews',
    ]);
    expect(ids(out.system)).toEqual([
      'Mesh/test',
      'Namespace/appmesh-ingress',
      'VirtualGateway/bookinfo-gateway',
      'PodMonitor/appmesh-envoy',
    ]);
    // The gateway's namespace joins the mesh, so that the injector configures the gateway's Envoy.
    expect(out.system[1]!.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'meshc',
      'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled',
      mesh: 'test',
    });
    expect(out.prerequisites ?? []).toEqual([]);
    // One release: the gateway's Envoy workload is a prerequisite, applied after the VirtualGateway.
    expect(out.charts.map((c) => `${c.name} ${c.chart} ${c.version} ${c.namespace}`)).toEqual([
      'appmesh-controller appmesh-controller 1.13.3 appmesh-system',
    ]);
    expect(appmesh.prerequisites!(meshEnvironment('appmesh')).map((p) => p.what)).toContainEqual(
      expect.stringContaining('pods labelled `app.kubernetes.io/name: bookinfo-gateway`'),
    );
  });

  it('labels application namespaces into the mesh, with Envoy injection', () => {
    const ns = appmesh.emit(meshEnvironment('appmesh'), CTX).namespaces.get('shop')![0]!;
    expect(ns.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'meshc',
      'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled',
      mesh: 'test',
    });
  });

  it('refuses strict mTLS without a trust source that verifies clients, at the mode', () => {
    const none = appmesh.emit(meshEnvironment('appmesh', { mesh: { trust: undefined } }), CTX);
    expect(errors(none.diagnostics).map((d) => [d.code, d.location?.file])).toEqual([
      ['APPMESH_TRUST_REQUIRED', 'environments/test.yaml#/mesh/mtls'],
    ]);
    const acm = appmesh.emit(
      meshEnvironment('appmesh', {
        mesh: {
          trust: {
            type: 'acm',
            certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/a',
            certificateAuthorityArns: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/b'],
          },
        },
      }),
      CTX,
    );
    expect(errors(acm.diagnostics).map((d) => d.message)).toEqual([
      'App Mesh listeners cannot verify client certificates against ACM, so strict mTLS (environment test) needs another trust source.',
    ]);
    // A service asking for strict in a permissive environment without trust: at the service's `mtls`.
    const svc = appmesh.emit(
      meshEnvironment('appmesh', {
        mesh: { trust: undefined, mtls: 'permissive' },
        services: [makeService({ mtls: 'strict', mtlsOverride: true })],
      }),
      CTX,
    );
    expect(errors(svc.diagnostics).map((d) => [d.code, d.location?.file])).toEqual([
      ['APPMESH_TRUST_REQUIRED', 'services/reviews.yaml#/mtls'],
    ]);
  });

  it('needs the region and the IAM role ARN in the install values, never inventing them', () => {
    const out = appmesh.emit(
      meshEnvironment('appmesh', { mesh: { install: { chartVersion: '1.13.3', values: {} } } }),
      CTX,
    );
    expect(errors(out.diagnostics).map((d) => [d.code, d.message])).toEqual([
      [
        'APPMESH_INSTALL_VALUE_MISSING',
        'The appmesh-controller chart needs the AWS region of the cluster (for example `eu-west-1`), and mesh.install.values of environment test does not set `region`.',
      ],
      [
        'APPMESH_INSTALL_VALUE_MISSING',
        'The appmesh-controller chart needs the ARN of the controller\'s IAM role (IRSA), created outside Kubernetes with the controller\'s IAM policy, and mesh.install.values of environment test does not set `serviceAccount.annotations["eks.amazonaws.com/role-arn"]`.',
      ],
    ]);
  });

  it('traces through the controller values only: zipkin (Jaeger) with an install', () => {
    const otel = appmesh.emit(
      meshEnvironment('appmesh', {
        mesh: {
          install: undefined,
          observability: {
            metrics: 'none',
            dashboards: false,
            tracing: { provider: 'opentelemetry', host: 'otel.o', port: 4317, sampling: 1 },
          },
        },
      }),
      CTX,
    );
    expect(errors(otel.diagnostics).map((d) => [d.code, d.location?.file])).toEqual([
      ['MESH_CONSTRAINT', 'environments/test.yaml#/mesh/observability/tracing'],
      ['MESH_UNSUPPORTED_FEATURE', 'environments/test.yaml#/mesh/observability/tracing/provider'],
    ]);
  });
});

// --- End of support, through the whole pipeline -----------------------------------------------------------------

const environment = (name: string, type: string, version: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: ${name} }
  spec:
    cluster: ${name}-1
    mesh:
      type: ${type}
      version: "${version}"
      mtls: permissive
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

const SERVICE = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: web, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080, protocol: http }]
`;

describe('App Mesh end of support', () => {
  const result = compileInline(
    {
      'environments/old.yaml': environment('old', 'appmesh', '1.13'),
      'environments/older.yaml': environment('older', 'appmesh', '1.13'),
      'environments/new.yaml': environment('new', 'istio', '1.24'),
      'services/web.yaml': SERVICE,
    },
    { until: 'emit' },
  );
  // The compile result carries the emit stage's diagnostics too.
  const all = result.diagnostics;
  const eos = all.filter((d) => d.code === 'APPMESH_END_OF_SUPPORT');

  it('warns once per App Mesh environment, at mesh.type, and never for another mesh', () => {
    expect(errors(all)).toEqual([]);
    expect(
      eos.map((d) => `${d.severity} ${d.location?.file}:${d.location?.line}:${d.location?.col}`),
    ).toEqual(['warning environments/old.yaml:7:11', 'warning environments/older.yaml:7:11']);
  });

  it('says App Mesh reached its end of support on 2026-09-30 and how to preview the move', () => {
    const old = eos.find((d) => d.location?.file === 'environments/old.yaml')!;
    expect(old.message).toBe(
      'AWS App Mesh reached its end of support on 2026-09-30; environment old still renders for it.',
    );
    expect(old.hint).toContain('`meshc validate --env old --mesh istio|linkerd|consul`');
    const older = eos.find((d) => d.location?.file === 'environments/older.yaml')!;
    expect(older.hint).toContain('--env older ');
  });
});

// --- Retries off, and query regex matches, through the whole pipeline ------------------------------------------

const PAY = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: pay, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080, protocol: http }]
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
    routes:
      - name: no-retries
        match: [{ path: { exact: /pay } }]
        to: v1
        retries: { attempts: 0 }
      - to: v2
`;

type RouterRoute = { name: string; httpRoute: { retryPolicy?: unknown } };
const routerRoutes = (r: ReturnType<typeof compileInline>, env: string) =>
  (
    r
      .emitted!.renders.find((x) => x.env.name === env)!
      .output.namespaces.get('shop')!
      .find((o) => o.kind === 'VirtualRouter')!.spec as { routes: RouterRoute[] }
  ).routes;

describe('App Mesh: `retries: {attempts: 0}` turns retries off', () => {
  it("writes maxRetries 0 on that route, replacing App Mesh's default retry policy (Istio: attempts 0)", () => {
    const r = compileInline({
      'environments/old.yaml': environment('old', 'appmesh', '1.13'),
      'environments/new.yaml': environment('new', 'istio', '1.24'),
      'services/pay.yaml': PAY,
    });
    expect(errors(r.diagnostics)).toEqual([]);
    expect(routerRoutes(r, 'old').map((x) => [x.name, x.httpRoute.retryPolicy])).toEqual([
      [
        'no-retries',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
      // A route without `retries` retries nothing either: App Mesh's default policy is off there too.
      [
        'route-1',
        { maxRetries: 0, perRetryTimeout: { unit: 's', value: 15 }, httpRetryEvents: ['gateway-error'] },
      ],
    ]);
    const vs = r
      .emitted!.renders.find((x) => x.env.name === 'new')!
      .output.namespaces.get('shop')!
      .find((o) => o.kind === 'VirtualService')!;
    expect((vs.spec as { http: { name: string; retries: unknown }[] }).http[0]!.retries).toEqual({
      attempts: 0,
    });
    // The warning of the feature says what `attempts: 0` does on App Mesh.
    const warning = r.diagnostics.find(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.message.includes('retries'),
    )!;
    expect(warning.hint).toContain('`attempts: 0` is maxRetries 0');
  });

  it('refuses `attempts: 0` on a rolled-out service, at attempts: Flagger writes at least 1 retry', () => {
    const rolled = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: pay, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080, protocol: http }]
        routes: [{ retries: { attempts: 0 } }]
        rollout: { strategy: canary, interval: 30s, threshold: 5, stepWeight: 10, maxWeight: 50 }
    `;
    const env = `${environment('old', 'appmesh', '1.13').replace('mtls: permissive', 'mtls: off')}  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }\n`;
    const r = compileInline({ 'environments/old.yaml': env, 'services/pay.yaml': rolled });
    expect(codesAt({ diagnostics: errors(r.diagnostics) })).toEqual([
      'MESH_UNSUPPORTED_FEATURE services/pay.yaml:6:35',
    ]);
    expect(errors(r.diagnostics)[0]!.message).toContain('maxRetries 1');
    // One retry or more is carried.
    const one = compileInline({
      'environments/old.yaml': env,
      'services/pay.yaml': rolled.replace('attempts: 0', 'attempts: 1'),
    });
    expect(errors(one.diagnostics)).toEqual([]);
  });
});

describe('App Mesh: a route without `retries` retries nothing, as on every mesh', () => {
  const API = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: api, namespace: shop }
    spec:
      ports:
        - { name: http, port: 8080, protocol: http }
        - { name: grpc, port: 9090, protocol: grpc }
        - { name: db, port: 5432, protocol: tcp }
      routes:
        - name: slow
          match: [{ path: { exact: /slow } }]
          timeout: 30s
  `;

  it("gives every HTTP and HTTP/2 route maxRetries 0, turning App Mesh's default retry policy off (Istio: attempts 0)", () => {
    const r = compileInline({
      'environments/old.yaml': environment('old', 'appmesh', '1.13'),
      'environments/new.yaml': environment('new', 'istio', '1.24'),
      // web has no routes: its implicit route to every pod retries nothing either.
      'services/web.yaml': SERVICE,
      'services/api.yaml': API,
    });
    expect(errors(r.diagnostics)).toEqual([]);
    const routers = r
      .emitted!.renders.find((x) => x.env.name === 'old')!
      .output.namespaces.get('shop')!
      .filter((o) => o.kind === 'VirtualRouter');
    const none = (seconds: number) => ({
      maxRetries: 0,
      perRetryTimeout: { unit: 's', value: seconds },
      httpRetryEvents: ['gateway-error'],
    });
    type Body = { retryPolicy?: unknown };
    const policies = routers.flatMap((o) =>
      (
        o.spec as { routes: { name: string; httpRoute?: Body; http2Route?: Body; tcpRoute?: Body }[] }
      ).routes.map((x) => [
        `${o.metadata.name}/${x.name}`,
        Object.keys(x).find((k) => k.endsWith('Route')),
        (x.httpRoute ?? x.http2Route ?? x.tcpRoute)!.retryPolicy,
      ]),
    );
    expect(policies).toEqual([
      ['api/slow-8080', 'httpRoute', none(30)],
      ['api/default-8080', 'httpRoute', none(15)],
      ['api/slow-9090', 'http2Route', none(30)],
      ['api/default-9090', 'http2Route', none(15)],
      // App Mesh's tcpRoute has no retry policy (and App Mesh retries no TCP connection by default).
      ['api/default-5432', 'tcpRoute', undefined],
      ['web/default', 'httpRoute', none(15)],
    ]);
    // Nothing to warn about: no route asks for retries.
    expect(r.diagnostics.filter((d) => d.message.includes('retries'))).toEqual([]);
    const istio = r
      .emitted!.renders.find((x) => x.env.name === 'new')!
      .output.namespaces.get('shop')!
      .filter((o) => o.kind === 'VirtualService')
      .flatMap((o) => (o.spec as { http?: { retries?: unknown }[] }).http ?? []);
    expect(istio.map((h) => h.retries)).toEqual(istio.map(() => ({ attempts: 0 })));
  });

  it("says a rolled-out service keeps App Mesh's default retries: Flagger generates its routes", () => {
    const rolled = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: pay, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080, protocol: http }]
        rollout: { strategy: canary, interval: 30s, threshold: 5, stepWeight: 10, maxWeight: 50 }
    `;
    const env = `${environment('old', 'appmesh', '1.13').replace('mtls: permissive', 'mtls: off')}  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }\n`;
    const r = compileInline({ 'environments/old.yaml': env, 'services/pay.yaml': rolled });
    expect(errors(r.diagnostics)).toEqual([]);
    const objects = r.emitted!.renders[0]!.output.namespaces.get('shop')!;
    expect(objects.some((o) => o.kind === 'VirtualRouter')).toBe(false);
    const canary = objects.find((o) => o.kind === 'Canary')!;
    // No Canary retries: Flagger writes no retryPolicy, so App Mesh's default one applies (and Flagger's at least
    // 1 retry means meshc cannot write 0): the rollout's warning says so.
    expect((canary.spec as { service: object }).service).not.toHaveProperty('retries');
    const warning = r.diagnostics.find(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.message.includes('progressive delivery'),
    )!;
    expect(warning.hint).toContain("App Mesh's default retry policy");
    expect(warning.hint).toContain('meshc cannot turn it off');
  });
});

describe('App Mesh: a regex query match', () => {
  const files = (env: string, type: string, version: string) => ({
    [`environments/${env}.yaml`]: environment(env, type, version),
    'services/pay.yaml': dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: pay, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080, protocol: http }]
        versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
        routes:
          - match: [ { query: { variant: { regex: '^(v3|red)$' } } } ]
            to: v2
            mirror: { to: v1, percent: 10 }
          - to: v1
    `,
  });

  it('is refused by the capability check with the other refused features, at the parameter', () => {
    const r = compileInline(files('old', 'appmesh', '1.13'));
    const refused = errors(r.diagnostics).filter((d) => d.code === 'MESH_UNSUPPORTED_FEATURE');
    expect(refused.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`)).toEqual([
      'services/pay.yaml:8:27',
      'services/pay.yaml:10:7',
    ]);
    expect(refused[0]!.message).toBe(
      'App Mesh cannot express query parameter match (regex) (shop/pay in environment old): App Mesh matches query parameters by exact value only (queryParameters[].match has no regex; Istio, Linkerd and Consul can).',
    );
    expect(refused[0]!.hint).toContain('Meshes that can: Istio, Linkerd, Consul.');
    expect(refused[1]!.message).toContain('traffic mirroring');
  });

  it('is rendered where the mesh has one, and the matrix says so', () => {
    const istio = compileInline(files('new', 'istio', '1.24'));
    expect(errors(istio.diagnostics)).toEqual([]);
    const row = matrixData().features.find((f) => f.id === 'match.query.regex')!;
    expect(Object.fromEntries(Object.entries(row.support).map(([m, c]) => [m, c.support]))).toEqual({
      istio: 'exact',
      linkerd: 'exact',
      consul: 'exact',
      appmesh: 'unsupported',
    });
    // Istio and Linkerd mark limits of their regex matches (`*`), Consul has none, App Mesh cannot.
    expect(matrixText()).toMatch(/Query parameter match \(regex\) +exact\* +exact\* +exact +unsupported/);
  });
});
