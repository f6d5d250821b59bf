import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { importObjects } from '../../import/index.ts';
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
