import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { importObjects } from '../../import/index.ts';
import { compileImported, importFiles } from '../../../test/helpers/import.ts';
import type { Client, HttpRequest, Manifest, Pod } from '../../../test/helpers/linkerd-semantics.ts';
import { inboundDecision } from '../../../test/helpers/linkerd-semantics.ts';
import { linkerdImporter } from './import.ts';

function objects(text: string): SourcedObject[] {
  return parseAllDocuments(text).map((d) => {
    const object = d.toJS() as K8sObject;
    return { object, origin: `${object.kind}/${object.metadata.name}` };
  });
}

const BASE = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  annotations: { linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: all-authenticated }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web-v2, namespace: shop }
spec: { selector: { app: web, version: v2 }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 9090 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec: { template: { metadata: { labels: { app: api } }, spec: { serviceAccountName: shop-api } } }
`;

function run(text: string) {
  const result = importObjects(objects(BASE + '\n---\n' + text));
  const file = (p: string) => result.files.find((f) => f.path === p)?.content ?? '';
  const codes = result.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();
  return { result, file, codes };
}

describe('linkerdImporter.detect', () => {
  it('finds Linkerd by policy.linkerd.io objects or linkerd.io annotations', () => {
    expect(linkerdImporter.detect(objects(BASE))).toEqual({
      evidence: ['linkerd.io annotations on Namespace'],
      version: '2.16',
    });
  });
});

describe('outbound routes', () => {
  it('annotations → timeout and retries; per-version Services → versions; rules ordered by precedence', () => {
    const { file, codes } = run(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: shop
  annotations: { timeout.linkerd.io/request: 3s, retry.linkerd.io/http: "5xx,409", retry.linkerd.io/limit: "2" }
spec:
  parentRefs: [{ group: "", kind: Service, name: web, port: 8080 }]
  rules:
  - backendRefs: [{ name: web, port: 8080 }]
  - matches: [{ path: { type: PathPrefix, value: /beta } }]
    backendRefs: [{ name: web, port: 8080, weight: 1 }, { name: web-v2, port: 8080, weight: 3 }]
`);
    expect(codes).toEqual([]);
    const svc = file('services/shop/web.yaml');
    expect(svc).toContain('versions:\n    v2:\n      labels:\n        version: v2');
    // The more specific rule comes first, as Linkerd picks it; weights 1:3 are 25/75.
    expect(svc).toContain(
      'routes:\n  - match:\n    - path:\n        prefix: /beta\n    backends:\n    - service: web\n      weight: 25\n    - service: web\n      version: v2\n      weight: 75\n    timeout: 3s\n    retries:\n      attempts: 2\n      "on":\n      - "5xx"\n      - retriable-4xx\n  - backends:\n    - service: web\n    timeout: 3s',
    );
    expect(file('services/shop/web-v2.yaml')).toBe('');
  });

  it('partial input: a retry status the spec has no condition for, a filter, weights that are not percentages', () => {
    const { file, codes } = run(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: shop
  annotations: { retry.linkerd.io/http: "5xx,429" }
spec:
  parentRefs: [{ group: "", kind: Service, name: web, port: 8080 }]
  rules:
  - backendRefs: [{ name: web, port: 8080, weight: 1 }, { name: api, port: 9090, weight: 2 }]
    filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /x } } }]
`);
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/rules/0/backendRefs',
      'IMPORT_NOT_CARRIED /metadata/annotations/retry.linkerd.io~1http',
      'IMPORT_NOT_CARRIED /spec/rules/0/filters/0',
    ]);
    expect(file('services/shop/web.yaml')).toContain(
      '- service: web\n      weight: 33\n    - service: api\n      weight: 67',
    );
  });

  it('failure accrual on the Service → outlierDetection (and the Service becomes meshc-managed)', () => {
    const { file, codes } = run(`
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
  annotations:
    balancer.linkerd.io/failure-accrual: consecutive
    balancer.linkerd.io/failure-accrual-consecutive-max-failures: "4"
    balancer.linkerd.io/failure-accrual-consecutive-min-penalty: 10s
    balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio: "0.5"
spec: { selector: { app: cart }, ports: [{ name: http, port: 80 }] }
`);
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /metadata/annotations/balancer.linkerd.io~1failure-accrual',
      'IMPORT_NOT_CARRIED /metadata/annotations/balancer.linkerd.io~1failure-accrual-consecutive-jitter-ratio',
    ]);
    const svc = file('services/shop/cart.yaml');
    expect(svc).toContain('outlierDetection:\n      consecutiveErrors: 4\n      baseEjectionTime: 10s');
    expect(svc).not.toContain('kubernetesService');
  });
});

/** web's Server (port 8080, deny by default), for the authorizations below. */
const WEB_SERVER = `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: web-http, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, port: 8080, accessPolicy: deny }
---
`;

/** The callers an authorization names: api's service account. */
const WEB_CALLERS = `
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: web-callers, namespace: shop }
spec: { identities: [shop-api.shop.serviceaccount.identity.linkerd.cluster.local] }
---
`;

describe('authorization', () => {
  it('Server + AuthorizationPolicy + MeshTLSAuthentication → access; the namespace policy → mesh.mtls', () => {
    const { file, codes } = run(`${WEB_SERVER}
${WEB_CALLERS}
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-http, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: Server, name: web-http }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-callers }]
`);
    expect(codes).toEqual([]);
    expect(file('services/shop/web.yaml')).toContain('access:\n  - from:\n    - api');
    expect(file('environments/linkerd.yaml')).toContain('mtls: strict');
  });

  it('an inbound route path no access rule takes (no leading `/`, a `*` inside) leaves its entry out, reported at it', () => {
    const { file, codes } = run(`${WEB_SERVER}
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-api, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-http }]
  rules:
    - matches:
        - { path: { type: Exact, value: health } }
        - { path: { type: PathPrefix, value: /a*b } }
        - { path: { type: RegularExpression, value: '^v1.*$' } }
        - { path: { type: Exact, value: /v1/items } }
---
${WEB_CALLERS}
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-api, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: HTTPRoute, name: web-api }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-callers }]
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/0/path',
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/1/path',
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/2/path',
    ]);
    expect(file('services/shop/web.yaml')).toContain('paths:\n    - /v1/items\n');
  });

  it('a Server without authorizations → the service mTLS mode; networks other than any are reported', () => {
    const { file, codes } = run(`
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: api-http, namespace: shop }
spec: { podSelector: { matchLabels: { app: api } }, port: 9090, accessPolicy: all-unauthenticated }
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: web-http, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, port: 8080 }
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: { name: office, namespace: shop }
spec: { networks: [{ cidr: 192.168.0.0/16 }] }
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-office, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: Server, name: web-http }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: NetworkAuthentication, name: office }]
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/networks']);
    expect(file('services/shop/api.yaml')).toContain('mtls: permissive');
    // The only authorization was not carried: the Server denies everyone, as `access: []` says.
    expect(file('services/shop/web.yaml')).toContain('access: []');
  });

  /** web's Server on 8080 with proxyProtocol gRPC, and a Server-wide policy admitting api. */
  const GRPC_SERVER = `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: web-grpc, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, port: 8080, proxyProtocol: gRPC }
---
${WEB_CALLERS}
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-grpc, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: Server, name: web-grpc }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-callers }]
---
`;

  it('a GRPCRoute on a gRPC Server decides who reaches which method: not carried, so nobody is admitted there', () => {
    const { file, codes, result } = run(`${GRPC_SERVER}
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: web-votes, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-grpc }]
  rules: [{ matches: [{ method: { service: shop.Votes, method: Vote } }] }]
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED ']);
    expect(result.diagnostics[0]!.message).toContain('the import admits nobody there');
    expect(file('services/shop/web.yaml')).toContain('access: []');
  });

  it('an HTTPRoute on a gRPC Server is not used by Linkerd: reported, and the Server-wide policy admits on every request', () => {
    const { file, codes } = run(`${GRPC_SERVER}
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-public, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-grpc }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: /public } }] }]
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/parentRefs/0']);
    expect(file('services/shop/web.yaml')).toContain('access:\n  - from:\n    - api\n  kubernetesService');
  });

  it('an unknown policy.linkerd.io kind is reported as such', () => {
    const { codes } = run(`
apiVersion: policy.linkerd.io/v1alpha1
kind: HTTPLocalRateLimitPolicy
metadata: { name: web, namespace: shop }
spec: { targetRef: { group: policy.linkerd.io, kind: Server, name: web-http }, total: { requestsPerSecond: 10 } }
`);
    expect(codes).toEqual(['IMPORT_UNKNOWN_KIND ']);
  });
});

describe('workloads', () => {
  it('mesh settings on a pod template are reported, the injection default is not', () => {
    const { codes } = run(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  template:
    metadata:
      labels: { app: web }
      annotations: { linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: deny, prometheus.io/scrape: "true" }
    spec: { serviceAccountName: web }
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/template/metadata/annotations/config.linkerd.io~1default-inbound-policy',
    ]);
  });
});

describe('an ingress HTTPRoute whose Gateway is not in the input', () => {
  const route = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web-public, namespace: shop }
spec:
  parentRefs: [{ name: public, namespace: ingress }]
  hostnames: [shop.example.com]
  rules: [{ backendRefs: [{ name: web, port: 8080 }] }]
`;
  it('writes the placeholder class UNKNOWN and says so at the parentRef (IMPORT_PLACEHOLDER)', () => {
    const { codes, file, result } = run(route);
    expect(codes).toContain('IMPORT_PLACEHOLDER /spec/parentRefs/0/name');
    const d = result.diagnostics.find((x) => x.code === 'IMPORT_PLACEHOLDER')!;
    expect(d.message).toContain('the Gateway ingress/public, which is not in the input');
    expect(file('environments/linkerd.yaml')).toMatch(/className: UNKNOWN/);
    expect(file('services/shop/web.yaml')).toMatch(/hosts:\s*\n?\s*- shop\.example\.com/);
  });

  it('takes the class from the Gateway when it is in the input, with no finding', () => {
    const { codes, file } = run(`${route}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: public, namespace: ingress }
spec:
  gatewayClassName: public-gw
  listeners: [{ name: http, port: 80, protocol: HTTP }]
`);
    expect(codes.filter((c) => c.startsWith('IMPORT_PLACEHOLDER'))).toEqual([]);
    expect(file('environments/linkerd.yaml')).toMatch(/className: public-gw/);
  });
});

/**
 * Access through inbound routes, checked by what Linkerd does (test/helpers/linkerd-semantics.ts): the input
 * objects, and the objects meshc's Linkerd backend renders from the imported spec, decide every request of a
 * corpus for every caller; the render may refuse more than the input did (reported), never admit more.
 */
describe('inbound routes: the import never admits more than the input', () => {
  /** web's ports: `http` 8080, and `http-admin` 9090 where a test asks for it. */
  const WEB_PORTS: Readonly<Record<number, string>> = { 8080: 'http', 9090: 'http-admin' };
  const platform = (ports: readonly number[]) => `
apiVersion: v1
kind: Namespace
metadata: { name: shop, annotations: { linkerd.io/inject: enabled } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports: [${ports.map((p) => `{ name: ${WEB_PORTS[p]}, port: ${p} }`).join(', ')}]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 9090 }] }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { selector: { app: cart }, ports: [{ name: http, port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec: { template: { metadata: { labels: { app: api } }, spec: { serviceAccountName: api } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec: { template: { metadata: { labels: { app: cart } }, spec: { serviceAccountName: cart } } }
`;

  /** The MeshTLSAuthentication admitting the service account `sa` (named after it). */
  const authn = (sa: string) => `
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: ${sa}, namespace: shop }
spec: { identities: [${sa}.shop.serviceaccount.identity.linkerd.cluster.local] }
`;

  /** web's Server on 8080 (`accessPolicy` as given), or on another port under another name. */
  const server = (accessPolicy = 'deny', name = 'web-http', port = 8080) => `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: ${name}, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, port: ${port}, accessPolicy: ${accessPolicy} }
`;

  /** An AuthorizationPolicy admitting the MeshTLSAuthentication `authn` on a Server or a route. */
  const policy = (name: string, target: string, authn: string, group = 'policy.linkerd.io') => `
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: shop }
spec:
  targetRef: { group: ${group}, kind: ${target.endsWith('-http') ? 'Server' : 'HTTPRoute'}, name: ${target} }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ${authn} }]
`;

  /** An inbound route of web's Server; `matches` is the YAML flow list of one rule's matches. */
  const route = (name: string, matches: string, extra = '', apiVersion = 'policy.linkerd.io/v1beta3') => `
apiVersion: ${apiVersion}
kind: HTTPRoute
metadata: { name: ${name}, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-http }]${extra}
  rules: [{ matches: ${matches} }]
`;

  const pod: Pod = {
    namespace: 'shop',
    labels: { app: 'web' },
    serviceAccount: 'web',
    ports: Object.fromEntries(Object.entries(WEB_PORTS).map(([p, name]) => [name, Number(p)])),
  };
  const clients: Record<string, Client> = {
    api: { identity: 'api.shop.serviceaccount.identity.linkerd.cluster.local', ip: '10.0.0.1' },
    cart: { identity: 'cart.shop.serviceaccount.identity.linkerd.cluster.local', ip: '10.0.0.2' },
    plaintext: { ip: '10.0.0.99' },
  };
  const requests: HttpRequest[] = [
    '/',
    '/public',
    '/public/x',
    '/publicx',
    '/admin',
    '/admin/x',
    '/other',
  ].flatMap((path) =>
    ['GET', 'POST'].flatMap((method) => [
      { method, path },
      { method, path, headers: { 'x-admin': 'yes' } },
    ]),
  );

  /**
   * Imports `docs` (with the platform and the authentications their policies use), renders the imported spec for
   * Linkerd, and decides the corpus on both, on each of web's `ports` (8080 alone unless given).
   */
  function roundTrip(...docs: string[]) {
    return roundTripOn([8080], ...docs);
  }

  function roundTripOn(ports: readonly number[], ...docs: string[]) {
    const used = new Set(
      docs.flatMap((d) => [...d.matchAll(/kind: MeshTLSAuthentication, name: (\w+)/g)].map((m) => m[1]!)),
    );
    const text = [platform(ports), ...docs, ...[...used].map(authn)].join('---\n');
    const imported = importFiles([{ path: 'input.yaml', text }]);
    expect(imported.loadDiagnostics).toEqual([]);
    const { renders } = compileImported(imported.spec);
    const rendered = [...renders[0]!.output.namespaces.values()].flat() as unknown as Manifest[];
    const input = imported.objects.map((o) => o.object) as unknown as Manifest[];
    const decide = (objects: readonly Manifest[]) =>
      ports.flatMap((port) =>
        requests.flatMap((r) =>
          Object.entries(clients).map(([name, c]) => {
            const d = inboundDecision(objects, pod, port, r, c);
            const at = ports.length > 1 ? `:${port}` : '';
            const h = r.headers ? ' x-admin' : '';
            return `${name}${at} ${r.method} ${r.path}${h}: ${d === 'not-found' ? 'deny' : d}`;
          }),
        ),
      );
    const before = decide(input);
    const after = decide(rendered);
    expect(before.filter((d) => d.endsWith('ambiguous'))).toEqual([]);
    const web = imported.result.files.find((f) => f.path === 'services/shop/web.yaml')?.content ?? '';
    const codes = imported.result.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();
    return {
      before,
      after,
      /** Requests the render admits that the input refused. */
      widened: after.filter((d, i) => d.endsWith('allow') && !before[i]!.endsWith('allow')),
      web,
      codes,
    };
  }

  it('a Server-wide AuthorizationPolicy admits its callers on the routes only, as Linkerd does (exact)', () => {
    const t = roundTrip(
      server(),
      route('web-public', '[{ path: { type: PathPrefix, value: /public }, method: GET }]'),
      policy('web-http', 'web-http', 'api'),
    );
    expect(t.widened).toEqual([]);
    expect(t.after).toEqual(t.before);
    expect(t.before).toContain('api GET /public/x: allow');
    expect(t.before).toContain('api POST /other: deny');
    expect(t.codes).toEqual([]);
    expect(t.web).toContain(
      'access:\n  - from:\n    - api\n    methods:\n    - GET\n    paths:\n    - /public\n    - /public/*\n',
    );
  });

  it('the same through a Gateway API HTTPRoute whose parent is the Server', () => {
    const t = roundTrip(
      server(),
      route(
        'web-public',
        '[{ path: { type: PathPrefix, value: /public }, method: GET }]',
        '',
        'gateway.networking.k8s.io/v1',
      ),
      policy('web-http', 'web-http', 'api'),
    );
    expect(t.widened).toEqual([]);
    expect(t.after).toEqual(t.before);
    expect(t.codes).toEqual([]);
  });

  it('a route policy and the Server policy: both callers on the route, nobody elsewhere (exact)', () => {
    const t = roundTrip(
      server(),
      route(
        'web-admin',
        '[{ path: { type: PathPrefix, value: /admin } }]',
        '',
        'gateway.networking.k8s.io/v1',
      ),
      policy('web-admin', 'web-admin', 'cart', 'gateway.networking.k8s.io'),
      policy('web-http', 'web-http', 'api'),
    );
    expect(t.widened).toEqual([]);
    expect(t.after).toEqual(t.before);
    expect(t.before).toContain('cart GET /admin/x: allow');
    expect(t.before).toContain('api POST /admin: allow');
    expect(t.before).toContain('api GET /other: deny');
    expect(t.codes).toEqual([]);
  });

  it("routes without policies under the Server's accessPolicy: anyone on the routes, nobody elsewhere (exact)", () => {
    const t = roundTrip(
      server('all-unauthenticated'),
      route('web-public', '[{ path: { type: Exact, value: /public } }]'),
    );
    expect(t.widened).toEqual([]);
    expect(t.after).toEqual(t.before);
    expect(t.before).toContain('plaintext GET /public: allow');
    expect(t.before).toContain('plaintext GET /other: deny');
    expect(t.codes).toEqual([]);
    expect(t.web).not.toContain('mtls');
  });

  it('routes and no authorization at all: nobody is admitted, before or after', () => {
    const t = roundTrip(server(), route('web-public', '[{ path: { type: PathPrefix, value: /public } }]'));
    expect(t.after).toEqual(t.before);
    expect(t.before.filter((d) => d.endsWith('allow'))).toEqual([]);
    expect(t.web).toContain('access: []');
  });

  it("a catch-all route's callers lose the requests a more specific route takes: left out, reported at the catch-all", () => {
    const t = roundTrip(
      server(),
      route('web-all', '[{ path: { type: PathPrefix, value: / } }]'),
      route('web-admin', '[{ path: { type: PathPrefix, value: /admin } }]'),
      policy('web-all', 'web-all', 'cart'),
      policy('web-admin', 'web-admin', 'api'),
    );
    // On the cluster cart may call anything but /admin; meshc cannot say "except", so cart is left out.
    expect(t.before).toContain('cart GET /other: allow');
    expect(t.before).toContain('cart GET /admin/x: deny');
    expect(t.widened).toEqual([]);
    expect(t.after).toContain('api GET /admin/x: allow');
    expect(t.codes).toEqual(['IMPORT_NOT_CARRIED /spec/rules/0/matches/0']);
  });

  it('a route with a header match (not carried) still takes its requests from a less specific route: that one narrows', () => {
    const t = roundTrip(
      server(),
      route('web-admin', '[{ path: { type: PathPrefix, value: /admin } }]'),
      route(
        'web-admin-header',
        '[{ path: { type: PathPrefix, value: /admin }, headers: [{ name: x-admin, value: "yes" }] }]',
      ),
      policy('web-admin', 'web-admin', 'api'),
      policy('web-admin-header', 'web-admin-header', 'cart'),
      policy('web-http', 'web-http', 'cart'),
    );
    expect(t.before).toContain('api GET /admin/x: allow');
    expect(t.before).toContain('api GET /admin/x x-admin: deny');
    expect(t.widened).toEqual([]);
    // cart (the Server's policy) is admitted on every route: it keeps /admin.
    expect(t.after).toContain('cart GET /admin/x: allow');
    expect(t.codes).toEqual([
      'IMPORT_APPROXIMATED /spec/rules/0/matches/0',
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/0/headers',
    ]);
  });

  it('a route with hostnames is left out (access rules name no hosts), said at its hostnames', () => {
    const t = roundTrip(
      server(),
      route(
        'web-public',
        '[{ path: { type: PathPrefix, value: /public } }]',
        '\n  hostnames: [web.example.com]',
      ),
      policy('web-http', 'web-http', 'api'),
    );
    expect(t.widened).toEqual([]);
    // access: [] renders a Server without routes, where Linkerd adds its probe route back: said at the Server.
    expect(t.codes).toEqual(['IMPORT_APPROXIMATED /spec/port', 'IMPORT_NOT_CARRIED /spec/hostnames']);
    expect(t.web).toContain('access: []');
  });

  it("Servers that differ per port: only what every port admits is kept (meshc's rules cover every port)", () => {
    const t = roundTripOn(
      [8080, 9090],
      server(),
      route('web-public', '[{ path: { type: PathPrefix, value: /public }, method: GET }]'),
      policy('web-http', 'web-http', 'api'),
      server('deny', 'web-admin-http', 9090),
      policy('web-admin-http', 'web-admin-http', 'api'),
    );
    // Port 9090 admits api on every request, 8080 on its route only: the import keeps the route on both.
    expect(t.before).toContain('api:9090 POST /other: allow');
    expect(t.before).toContain('api:8080 POST /other: deny');
    expect(t.widened).toEqual([]);
    expect(t.after).toContain('api:9090 GET /public/x: allow');
    expect(t.after).toContain('api:9090 POST /other: deny');
    expect(t.codes).toEqual(['IMPORT_APPROXIMATED /spec/port']);
  });

  it('a policy whose route is not in the input is reported, not dropped silently', () => {
    const t = roundTrip(server(), policy('web-gone', 'web-gone', 'api'));
    expect(t.widened).toEqual([]);
    expect(t.codes).toEqual(['IMPORT_NOT_CARRIED /spec/targetRef']);
  });
});

describe('inbound route paths the spec refuses (format access-path)', () => {
  const route = (matches: string) => `${WEB_SERVER}
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-api, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-http }]
  rules:
    - matches: ${matches}
---
${WEB_CALLERS}
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-api, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: HTTPRoute, name: web-api }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-callers }]
`;

  it('a path no request has is left out of its rule, reported at the route match; the spec validates', () => {
    const { file, codes, result } = run(
      route(
        "[{ path: { type: Exact, value: '/v1/a?b' } }, { path: { type: PathPrefix, value: /static/./x } }, { path: { type: Exact, value: /v1/items } }]",
      ),
    );
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/0/path/value',
      'IMPORT_NOT_CARRIED /spec/rules/0/matches/1/path/value',
    ]);
    expect(file('services/shop/web.yaml')).toContain(
      'access:\n  - from:\n    - api\n    paths:\n    - /v1/items\n',
    );
    const message = (p: string) => result.diagnostics.find((d) => d.pointer === p)?.message;
    expect(message('/spec/rules/0/matches/0/path/value')).toContain(
      'The access path "/v1/a?b" of shop/web has the character "?"',
    );
    // The segment-wise prefix became two access paths, reported once, at the match they come from.
    expect(message('/spec/rules/0/matches/1/path/value')).toContain(
      'The access path "/static/./x" of shop/web (and "/static/./x/*", read from the same path) has a "." segment: the spec refuses it, and no request matches it (the meshes match access paths against the normalized request path, without its query); it was left out of the access rule for api.',
    );
    compileImported(result.files.map((f) => ({ path: f.path, text: f.content })));
  });

  it('a rule whose every path is refused goes: access [] (a rule without paths would admit every path)', () => {
    const { file, codes } = run(route("[{ path: { type: Exact, value: '/v1/a#b' } }]"));
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/rules/0/matches/0/path/value']);
    expect(file('services/shop/web.yaml')).toContain('access: []\n');
  });
});
