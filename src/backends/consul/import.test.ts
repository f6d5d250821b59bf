import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { importObjects } from '../../import/index.ts';
import type { ServiceSpec } from '../../spec/types.gen.ts';
import { consulImporter, parseFilter } from './import.ts';
import { buildProxyDefaults } from './mesh.ts';

function objects(text: string): SourcedObject[] {
  return parseAllDocuments(text).map((d) => {
    const object = d.toJS() as K8sObject;
    return { object, origin: `${object.kind}/${object.metadata.name}` };
  });
}

/** Services web (pods run as shop-web, versions v1/v2), api (as api) and cart (as cart), all HTTP. */
const BASE = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080, appProtocol: http }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-v1, namespace: shop }
spec: { template: { metadata: { labels: { app: web, version: v1 } }, spec: { serviceAccountName: shop-web } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-v2, namespace: shop }
spec: { template: { metadata: { labels: { app: web, version: v2 } }, spec: { serviceAccountName: shop-web } } }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 9090, appProtocol: http }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec: { template: { metadata: { labels: { app: api } }, spec: { serviceAccountName: api } } }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { selector: { app: cart }, ports: [{ name: http, port: 8000, appProtocol: http }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec: { template: { metadata: { labels: { app: cart } }, spec: { serviceAccountName: cart } } }
`;

const RESOLVER = `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceResolver
metadata: { name: shop-web, namespace: shop }
spec:
  subsets:
    v1: { filter: 'Service.Meta.version == "v1"' }
    v2: { filter: 'Service.Meta.version == v2' }
`;

/**
 * The report of a service of the Consul input that no ServiceIntentions decides (its imported access denies all),
 * at its ServiceDefaults, else its Kubernetes Service. In the tests below: every such service (web, cart, ...).
 */
const NO_INTENTIONS = 'IMPORT_APPROXIMATED /metadata/name';

function run(text: string) {
  const result = importObjects(objects(BASE + '\n---\n' + text));
  const service = (name: string): ServiceSpec =>
    (
      parse(result.files.find((f) => f.path === `services/shop/${name}.yaml`)?.content ?? 'spec: {}') as {
        spec: ServiceSpec;
      }
    ).spec;
  const env = () =>
    parse(result.files.find((f) => f.path === 'environments/consul.yaml')?.content ?? '{}') as {
      spec: { mesh: Record<string, unknown> };
    };
  const codes = result.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();
  return { result, service, env, codes };
}

describe('consulImporter.detect', () => {
  it('finds Consul by its config entries; retryOn needs 1.18', () => {
    expect(consulImporter.detect(objects(BASE))).toEqual({ evidence: [] });
    expect(consulImporter.detect(objects(RESOLVER)).version).toBe('1.16');
    const router = `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: shop-web }
spec: { routes: [{ destination: { numRetries: 2, retryOn: [reset] } }] }`;
    expect(consulImporter.detect(objects(router))).toEqual({
      evidence: ['consul.hashicorp.com/v1alpha1 ServiceRouter'],
      version: '1.18',
    });
  });
});

describe('consulImporter.detect, the API gateway', () => {
  it('a Gateway of class consul is evidence of Consul', () => {
    const gw = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: api-gateway, namespace: consul }
spec: { gatewayClassName: consul, listeners: [{ name: http, protocol: HTTP, port: 80 }] }`;
    expect(consulImporter.detect(objects(gw))).toEqual({
      evidence: ['Gateway API Gateway of class consul'],
      version: '1.16',
    });
    expect(
      consulImporter.detect(objects(gw.replace('gatewayClassName: consul', 'gatewayClassName: istio'))),
    ).toEqual({
      evidence: [],
    });
  });
});

describe('parseFilter', () => {
  it('reads Service.Meta terms joined by and; anything else is no version', () => {
    expect(parseFilter('Service.Meta.version == "v1" and Service.Meta.zone == \'a\'')).toEqual({
      version: 'v1',
      zone: 'a',
    });
    expect(parseFilter('Service.Meta.version == v1')).toEqual({ version: 'v1' });
    expect(parseFilter('Service.Meta.version != v1')).toBeUndefined();
    expect(parseFilter('Service.Tags contains "v1"')).toBeUndefined();
    expect(parseFilter('Service.Meta.version == v1 or Service.Meta.version == v2')).toBeUndefined();
  });
});

describe('the discovery chain', () => {
  it('Consul names map to the Services whose pods run as them; router routes in order, split read back', () => {
    const { service, codes } = run(`${RESOLVER}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: shop-web, namespace: shop }
spec:
  routes:
    - match: { http: { pathExact: /api } }
      destination: { service: shop-web--canary, requestTimeout: 5s }
    - match: { http: { pathPrefix: /api/ } }
      destination: { service: shop-web--canary, requestTimeout: 5s }
    - match: { http: { header: [{ name: X-User, exact: jason }], methods: [GET, POST] } }
      destination: { serviceSubset: v2, numRetries: 3, retryOnStatusCodes: [502, 503, 504, 409], retryOnConnectFailure: true }
    - match: { http: { pathPrefix: /docs, queryParam: [{ name: q, regex: 'a.*' }] } }
      destination: { service: api }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceSplitter
metadata: { name: shop-web--canary, namespace: shop }
spec:
  splits:
    - { weight: 80, serviceSubset: v1, service: shop-web, requestHeaders: { set: { x-canary: "no" } } }
    - { weight: 20, service: api, requestHeaders: { set: { x-canary: "no" } } }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: shop-web--canary, namespace: shop }
spec: { protocol: http }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceSplitter
metadata: { name: shop-web, namespace: shop }
spec:
  splits: [{ weight: 90, serviceSubset: v1 }, { weight: 10, serviceSubset: v2 }]
`);
    expect(codes).toEqual([NO_INTENTIONS, NO_INTENTIONS]);
    expect(service('web').versions).toEqual({
      v1: { labels: { version: 'v1' } },
      v2: { labels: { version: 'v2' } },
    });
    expect(service('web').routes).toEqual([
      {
        match: [{ path: { prefix: '/api' } }],
        name: 'canary',
        backends: [
          { service: 'web', version: 'v1', weight: 80 },
          { service: 'api', weight: 20 },
        ],
        timeout: '5s',
        headers: { request: { set: { 'x-canary': 'no' } } },
      },
      {
        match: [
          { headers: { 'x-user': { exact: 'jason' } }, method: 'GET' },
          { headers: { 'x-user': { exact: 'jason' } }, method: 'POST' },
        ],
        to: 'v2',
        retries: { attempts: 3, on: ['gateway-error', 'retriable-4xx', 'connect-failure'] },
      },
      // A string prefix without a trailing slash is not segment-wise: written as the regex it means.
      {
        match: [{ path: { regex: '/docs.*' }, query: { q: { regex: 'a.*' } } }],
        backends: [{ service: 'api' }],
      },
      // Unmatched requests reach the service, whose own splitter decides.
      { to: { v1: 90, v2: 10 } },
    ]);
  });

  it('reports what a router match or destination cannot carry, and routes after a catch-all', () => {
    const { codes, service } = run(`${RESOLVER}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: shop-web, namespace: shop }
spec:
  routes:
    - match: { http: { header: [{ name: x-debug, present: true }] } }
      destination: { serviceSubset: v2 }
    - match: { http: { pathPrefix: /a/, caseInsensitive: true } }
      destination: { serviceSubset: v2 }
    - destination: { serviceSubset: v1, numRetries: 2, retryOn: [envoy-ratelimited, 5xx], retryOnStatusCodes: [418], prefixRewrite: /x }
    - match: { http: { pathExact: /never } }
      destination: { serviceSubset: v2 }
`);
    expect(codes).toEqual([
      NO_INTENTIONS,
      'IMPORT_NOT_CARRIED /spec/routes/0/match/http/header',
      'IMPORT_NOT_CARRIED /spec/routes/1/match/http/caseInsensitive',
      'IMPORT_NOT_CARRIED /spec/routes/2/destination/prefixRewrite',
      'IMPORT_NOT_CARRIED /spec/routes/2/destination/retryOn/0',
      'IMPORT_NOT_CARRIED /spec/routes/2/destination/retryOnStatusCodes',
      'IMPORT_NOT_CARRIED /spec/routes/3',
    ]);
    expect(service('web').routes).toEqual([{ to: 'v1', retries: { attempts: 2, on: ['5xx'] } }]);
  });

  it('a subset no resolver defines is assumed (reported); a defaultSubset applies to the own routes', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceResolver
metadata: { name: shop-web, namespace: shop }
spec:
  defaultSubset: v1
  subsets: { v1: { filter: 'Service.Meta.version == v1' } }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: shop-web, namespace: shop }
spec:
  routes:
    - match: { http: { pathExact: /beta } }
      destination: { serviceSubset: beta }
`);
    expect(codes).toEqual([NO_INTENTIONS, 'IMPORT_APPROXIMATED /spec/routes/0/destination/service']);
    expect(service('web').versions).toEqual({
      v1: { labels: { version: 'v1' } },
      beta: { labels: { version: 'beta' } },
    });
    expect(service('web').routes).toEqual([
      { match: [{ path: { exact: '/beta' } }], to: 'beta' },
      { to: 'v1' },
    ]);
  });

  it('two entries of one kind and name conflict; unknown Consul kinds are reported', () => {
    const { codes } = run(`${RESOLVER}
---
${RESOLVER.replace('v2 }', 'v3 }')}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: IngressGateway
metadata: { name: legacy, namespace: shop }
spec: { listeners: [] }
`);
    expect(codes).toEqual([NO_INTENTIONS, 'IMPORT_CONFLICT ', 'IMPORT_UNKNOWN_KIND ']);
  });
});

describe('ServiceDefaults and the Mesh', () => {
  it('permissive mTLS needs the Mesh entry; the protocol is checked against the port; overrides are the callee’s resilience', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: Mesh
metadata: { name: mesh, namespace: consul }
spec: { allowEnablingPermissiveMutualTLS: true }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: shop-web, namespace: shop }
spec:
  protocol: http
  mutualTLSMode: permissive
  upstreamConfig:
    overrides:
      - name: api
        passiveHealthCheck: { maxFailures: 3, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50, enforcingConsecutive5xx: 80 }
        limits: { maxConnections: 10, maxPendingRequests: 5, maxConcurrentRequests: 7 }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: cart, namespace: shop }
spec:
  protocol: grpc
  upstreamConfig:
    overrides: [{ name: api, passiveHealthCheck: { maxFailures: 9 } }]
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources: [{ name: shop-web, action: allow }, { name: '*', action: deny }]
`);
    expect(service('web').mtls).toBe('permissive');
    expect(service('api').resilience).toEqual({
      outlierDetection: {
        consecutiveErrors: 3,
        interval: '10s',
        baseEjectionTime: '30s',
        maxEjectionPercent: 50,
      },
      connectionPool: { maxConnections: 10, maxPendingRequests: 5 },
    });
    expect(service('api').access).toEqual([{ from: ['web'] }]);
    expect(codes).toEqual([
      NO_INTENTIONS,
      NO_INTENTIONS,
      'IMPORT_APPROXIMATED /spec/protocol', // cart says grpc, its port http
      'IMPORT_CONFLICT /spec/upstreamConfig/overrides/0', // cart declares other settings for api
      'IMPORT_NOT_CARRIED /spec/upstreamConfig/overrides/0/limits/maxConcurrentRequests',
      'IMPORT_NOT_CARRIED /spec/upstreamConfig/overrides/0/passiveHealthCheck/enforcingConsecutive5xx',
    ]);
  });

  it('a permissive service without the Mesh allowance is not carried', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: shop-web, namespace: shop }
spec: { protocol: http, mutualTLSMode: permissive }
`);
    expect(service('web').mtls).toBeUndefined();
    expect(codes).toEqual([NO_INTENTIONS, 'IMPORT_NOT_CARRIED /spec/mutualTLSMode']);
  });

  it('ProxyDefaults global: meshc’s Zipkin tracer becomes observability.tracing', () => {
    const tracer = JSON.stringify({
      http: {
        name: 'envoy.tracers.zipkin',
        typedConfig: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
          collector_cluster: 'meshc_zipkin',
          collector_endpoint_version: 'HTTP_JSON',
          collector_endpoint: '/api/v2/spans',
          shared_span_context: false,
        },
      },
    });
    const cluster = JSON.stringify({
      name: 'meshc_zipkin',
      type: 'STRICT_DNS',
      connect_timeout: '5s',
      load_assignment: {
        cluster_name: 'meshc_zipkin',
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: {
                  address: {
                    socket_address: { address: 'zipkin.tracing.svc.cluster.local', port_value: 9411 },
                  },
                },
              },
            ],
          },
        ],
      },
    });
    const { codes, env } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ProxyDefaults
metadata: { name: global, namespace: consul }
spec:
  config:
    envoy_tracing_json: '${tracer}'
    envoy_extra_static_clusters_json: '${cluster}'
    protocol: http
`);
    // Without envoy_listener_tracing_json Consul's listeners sample no request (random_sampling 0).
    expect(env().spec.mesh.observability).toEqual({
      tracing: { provider: 'zipkin', endpoint: 'zipkin.tracing:9411', sampling: 0 },
    });
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/config/protocol']);
  });

  it("ProxyDefaults global: the listeners' random sampling becomes observability.tracing.sampling", () => {
    const { config } = buildProxyDefaults({
      metrics: 'none',
      dashboards: false,
      tracing: { provider: 'zipkin', host: 'zipkin.tracing', port: 9411, sampling: 2.5 },
    })!.spec as { config: Record<string, string> };
    const entry = (listener: string) => `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ProxyDefaults
metadata: { name: global, namespace: consul }
spec:
  config:
    envoy_tracing_json: '${config.envoy_tracing_json}'
    envoy_extra_static_clusters_json: '${config.envoy_extra_static_clusters_json}'
    envoy_listener_tracing_json: '${listener}'
`;
    const own = run(entry(config.envoy_listener_tracing_json!));
    expect(own.env().spec.mesh.observability).toEqual({
      tracing: { provider: 'zipkin', endpoint: 'zipkin.tracing:9411', sampling: 2.5 },
    });
    expect(own.codes).toEqual([]);
    // No random_sampling: Envoy's default, every request; other settings are reported.
    const type = JSON.parse(config.envoy_listener_tracing_json!)['@type'] as string;
    const other = run(entry(JSON.stringify({ '@type': type, verbose: true })));
    expect(other.env().spec.mesh.observability).toEqual({
      tracing: { provider: 'zipkin', endpoint: 'zipkin.tracing:9411', sampling: 100 },
    });
    expect(other.codes).toEqual(['IMPORT_APPROXIMATED /spec/config/envoy_listener_tracing_json']);
    const broken = run(entry('{"random_sampling":{"value":5}}'));
    expect(broken.env().spec.mesh.observability).toEqual({
      tracing: { provider: 'zipkin', endpoint: 'zipkin.tracing:9411' },
    });
    expect(broken.codes).toEqual(['IMPORT_NOT_CARRIED /spec/config/envoy_listener_tracing_json']);
  });
});

describe('intentions', () => {
  it('exact sources decide alone, `*` rules and meshc’s final deny read back; what differs is reported', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources:
    - name: shop-web
      permissions:
        - { action: allow, http: { pathPrefix: /v1/, methods: [GET] } }
        - { action: allow, http: { pathExact: /health } }
        - { action: deny, http: { pathPrefix: / } }
    - name: cart
      action: deny
    - name: '*'
      permissions:
        - { action: allow, http: { pathExact: /health } }
        - { action: deny, http: { pathPrefix: / } }
`);
    expect(service('api').access).toEqual([
      { from: ['web'], methods: ['GET'], paths: ['/v1/*'] },
      { from: ['*'], paths: ['/health'] },
    ]);
    // cart is denied /health, which `*` allows: the spec's `*` admits it there.
    expect(codes).toEqual([NO_INTENTIONS, NO_INTENTIONS, 'IMPORT_APPROXIMATED /spec/sources/1']);
  });

  it('permissions the spec cannot say, and intentions for every destination', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources:
    - name: shop-web
      permissions:
        - { action: deny, http: { pathExact: /admin } }
        - { action: allow, http: { pathPrefix: /, header: [{ name: x-a, present: true }] } }
        - { action: allow, http: { pathRegex: '.*\\.png' } }
    - { name: '*', action: deny }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: all, namespace: shop }
spec:
  destination: { name: '*' }
  sources: [{ name: '*', action: deny }]
`);
    expect(service('api').access).toEqual([{ from: ['web'], paths: ['*.png'] }]);
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/sources/0/permissions',
      'IMPORT_APPROXIMATED /spec/sources/0/permissions/0',
      'IMPORT_NOT_CARRIED /spec/destination',
      'IMPORT_NOT_CARRIED /spec/sources/0/permissions/1/http/header',
    ]);
  });

  it('a path no access rule takes (no leading `/`, a `*` inside) leaves its permission out, reported at it', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources:
    - name: shop-web
      permissions:
        - { action: allow, http: { pathPrefix: consul.hashicorp.com/v1alpha1 } }
        - { action: allow, http: { pathExact: health } }
        - { action: allow, http: { pathPrefix: /a*b } }
        - { action: allow, http: { pathExact: /v1/items } }
    - { name: '*', action: deny }
`);
    expect(service('api').access).toEqual([{ from: ['web'], paths: ['/v1/items'] }]);
    expect(codes).toEqual([
      NO_INTENTIONS,
      'IMPORT_APPROXIMATED /spec/sources/0/permissions',
      'IMPORT_NOT_CARRIED /spec/sources/0/permissions/0/http/pathPrefix',
      'IMPORT_NOT_CARRIED /spec/sources/0/permissions/1/http/pathExact',
      'IMPORT_NOT_CARRIED /spec/sources/0/permissions/2/http/pathPrefix',
    ]);
  });

  it('`*` allow alone is no access control; a source of no Service is assumed and reported', () => {
    const { codes, service } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources: [{ name: '*', action: allow }]
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: cart, namespace: shop }
spec:
  destination: { name: cart }
  sources: [{ name: billing, action: allow }, { name: '*', action: deny }]
`);
    expect(service('api').access).toBeUndefined();
    expect(service('cart').access).toEqual([{ from: ['billing'] }]);
    expect(codes).toEqual([NO_INTENTIONS, 'IMPORT_NO_SERVICE ', 'IMPORT_NO_SERVICE /spec/sources/0/name']);
  });
});

describe('the API gateway', () => {
  it('the gateway a route attaches to is admitted by meshc for an exposed service, not read as a caller', () => {
    const { codes, service, env } = run(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: gw }]
  hostnames: [shop.example.com]
  rules:
    - matches: [{ path: { type: Exact, value: /shop } }, { path: { type: PathPrefix, value: /shop/ } }]
      backendRefs: [{ name: web, port: 8080 }]
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: shop-web, namespace: shop }
spec:
  destination: { name: shop-web }
  sources:
    - { name: edge, action: allow }
    - { name: cart, action: allow }
    - { name: '*', action: deny }
`);
    expect(service('web').ingress).toEqual({ hosts: ['shop.example.com'], paths: [{ prefix: '/shop' }] });
    expect(service('web').access).toEqual([{ from: ['cart'] }]);
    expect(env().spec.mesh.ingress).toMatchObject({ api: 'gateway-api', namespace: 'gw' });
    // The Gateway gw/edge is not in the input: its class is a placeholder, and said so.
    expect(codes).toEqual([NO_INTENTIONS, 'IMPORT_PLACEHOLDER /spec/parentRefs/0/name']);
    expect(service('edge').ports).toBeUndefined();
  });

  it('a filter with a broken escape is no version', () => {
    expect(parseFilter('Service.Meta.version == "v\\x"')).toBeUndefined();
  });
});

describe('a service without intentions', () => {
  const DEFAULTS = `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: shop-web, namespace: shop }
spec: { protocol: http }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: shop-web, namespace: shop }
spec:
  routes:
    - match: { http: { pathPrefix: /api } }
      destination: { service: api }
`;

  it('admits no caller (ACLs, default deny): its access denies all, reported at its ServiceDefaults', () => {
    const { result, service } = run(`${DEFAULTS}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources: [{ name: shop-web, action: allow }]
`);
    expect(service('web').access).toEqual([]);
    expect(service('api').access).toEqual([{ from: ['web'] }]);
    // cart is no Consul service of the input: left as it was.
    expect(service('cart').access).toBeUndefined();
    const reports = result.diagnostics.filter((d) => d.message.includes('has no ServiceIntentions'));
    expect(reports.map((d) => [d.code, d.severity, d.pointer, d.message])).toEqual([
      [
        'IMPORT_APPROXIMATED',
        'warning',
        '/metadata/name',
        "metadata.name of ServiceDefaults shop/shop-web is carried approximately: the service web has no ServiceIntentions: every request falls to the cluster's ACL default policy; the imported access denies all (meshc installs Consul with ACLs, default deny). (ServiceDefaults/shop-web)",
      ],
    ]);
  });

  it('denies all as well when the input has no ServiceIntentions at all; reported at the Kubernetes Service without ServiceDefaults', () => {
    const { result, service, codes } = run(DEFAULTS);
    expect(service('web').access).toEqual([]);
    expect(service('api').access).toEqual([]);
    expect(service('cart').access).toBeUndefined();
    const at = result.diagnostics
      .filter((d) => d.message.includes('has no ServiceIntentions'))
      .map((d) => d.message.split(' is carried')[0])
      .sort();
    expect(at).toEqual([
      'metadata.name of Service shop/api',
      'metadata.name of ServiceDefaults shop/shop-web',
    ]);
    expect(codes).toEqual([NO_INTENTIONS, NO_INTENTIONS]);
  });

  it('renders no allow-all intention for it', () => {
    const { result } = run(DEFAULTS);
    const web = result.files.find((f) => f.path === 'services/shop/web.yaml')!.content;
    expect(parse(web).spec.access).toEqual([]);
  });

  it('an intention for every destination (not carried) decides such services instead: left as it was', () => {
    const { service } = run(`${DEFAULTS}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: all, namespace: shop }
spec:
  destination: { name: '*' }
  sources: [{ name: '*', action: allow }]
`);
    expect(service('web').access).toBeUndefined();
  });
});

describe('intention paths the spec refuses (format access-path)', () => {
  it('a path no request has is left out of its rule, reported at the permission; a rule left without paths goes', () => {
    const { codes, service, result } = run(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: api, namespace: shop }
spec:
  destination: { name: api }
  sources:
    - name: shop-web
      permissions:
        - { action: allow, http: { pathExact: '/v1/a?b', methods: [GET] } }
        - { action: allow, http: { pathPrefix: /v1/, methods: [POST] } }
    - name: cart
      permissions:
        - { action: allow, http: { pathExact: '/v1//b' } }
`);
    expect(service('api').access).toEqual([{ from: ['web'], methods: ['POST'], paths: ['/v1/*'] }]);
    expect(codes).toEqual([
      NO_INTENTIONS,
      NO_INTENTIONS,
      // No final deny: the rest falls to the ACL default policy, which meshc's access denies.
      'IMPORT_APPROXIMATED /spec/sources',
      'IMPORT_APPROXIMATED /spec/sources/0/permissions',
      'IMPORT_APPROXIMATED /spec/sources/1/permissions',
      'IMPORT_NOT_CARRIED /spec/sources/0/permissions/0/http/pathExact',
      'IMPORT_NOT_CARRIED /spec/sources/1/permissions/0/http/pathExact',
    ]);
    const message = (p: string) => result.diagnostics.find((d) => d.pointer === p)?.message;
    expect(message('/spec/sources/0/permissions/0/http/pathExact')).toContain(
      'it was left out of the access rule for web, and so was that rule',
    );
    expect(message('/spec/sources/1/permissions/0/http/pathExact')).toContain(
      'The access path "/v1//b" of shop/api has an empty segment',
    );
  });
});
