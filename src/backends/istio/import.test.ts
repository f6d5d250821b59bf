import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { importObjects } from '../../import/index.ts';
import { istioImporter } from './import.ts';

/** Objects from YAML text, each with an origin naming it (no positions: as read from a cluster). */
function objects(text: string): SourcedObject[] {
  return parseAllDocuments(text).map((d) => {
    const object = d.toJS() as K8sObject;
    return { object, origin: `${object.kind}/${object.metadata.name}` };
  });
}

const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: shop }
spec: { selector: { app: ratings }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ratings, namespace: shop }
spec: { template: { metadata: { labels: { app: ratings } }, spec: { serviceAccountName: shop-ratings } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;

function run(text: string) {
  const result = importObjects(objects(SERVICES + '\n---\n' + text));
  const file = (p: string) => result.files.find((f) => f.path === p)?.content ?? '';
  const codes = result.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();
  return { result, file, codes, messages: result.diagnostics.map((d) => d.message) };
}

describe('istioImporter.detect', () => {
  it('finds Istio by its API groups, at the oldest version meshc supports', () => {
    const found = istioImporter.detect(objects(SERVICES));
    expect(found).toEqual({ evidence: ['networking.istio.io/v1 DestinationRule'], version: '1.22' });
    expect(istioImporter.detect(objects(SERVICES.split('---').slice(0, 3).join('---'))).evidence).toEqual([]);
  });
});

describe('VirtualService', () => {
  it('carries matches, weights, timeout, retries, fault, mirror and header changes', () => {
    const { file, codes } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http:
  - name: canary
    match:
    - { uri: { exact: /api }, headers: { End-User: { exact: jason } }, method: { exact: GET } }
    - { uri: { prefix: /api/ }, headers: { End-User: { exact: jason } }, method: { exact: GET } }
    route: [{ destination: { host: reviews, subset: v2 } }]
    timeout: 2s
    retries: { attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset" }
    headers: { request: { set: { x-env: prod } } }
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 90 }
    - { destination: { host: reviews, subset: v2 }, weight: 10 }
    fault: { abort: { httpStatus: 503, percentage: { value: 5 } } }
    mirror: { host: reviews, subset: v2 }
`);
    expect(codes).toEqual([]);
    const svc = file('services/shop/reviews.yaml');
    // exact /api + prefix /api/ with the same conditions: meshc's segment-wise prefix /api, header names lower-case.
    expect(svc).toContain(
      '- name: canary\n    match:\n    - path:\n        prefix: /api\n      headers:\n        end-user:\n          exact: jason\n      method: GET\n    to: v2',
    );
    expect(svc).toContain(
      'retries:\n      attempts: 3\n      perTryTimeout: 1s\n      "on":\n      - "5xx"\n      - reset',
    );
    expect(svc).toContain('to:\n      v1: 90\n      v2: 10');
    expect(svc).toContain('mirror:\n      to: v2\n      percent: 100');
    // A route with a fault gets no retries from Istio: none are written.
    expect(svc.split('- to:')[1]).not.toContain('retries');
  });

  it("header values: Envoy's %% is the spec's literal %, and a value with an Envoy variable is not carried", () => {
    const { file, codes, messages } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 } }]
    headers: { request: { set: { x-share: "50%%", x-host: "%HOSTNAME%" } } }
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/http/0/headers/request/set/x-host']);
    expect(messages[0]).toMatch(/holds an Envoy variable/);
    const svc = file('services/shop/reviews.yaml');
    expect(svc).toContain('x-share: 50%');
    expect(svc).not.toContain('%%');
    expect(svc).not.toContain('HOSTNAME');
  });

  it('a path the spec refuses is left out where it is, and a route left with no match is left out whole', () => {
    const { file, codes, result } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - name: mixed
    match: [{ uri: { exact: "/a//b" } }, { uri: { exact: /ok } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: dotted
    match: [{ uri: { exact: "/x/../y" } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/http/0/match/0/uri/exact',
      'IMPORT_NOT_CARRIED /spec/http/1/match/0/uri/exact',
    ]);
    expect(result.diagnostics[0]!.message).toBe(
      'The path "/a//b" has an empty segment ("//"), which the spec refuses; that match of route mixed of shop/reviews was not imported. (VirtualService/reviews)',
    );
    const svc = file('services/shop/reviews.yaml');
    expect(svc).toContain('- name: mixed\n    match:\n    - path:\n        exact: /ok\n    to: v2');
    expect(svc).not.toContain('dotted');
    expect(svc).not.toContain('//');
  });

  it('partial input: header-present match, regex host, string prefix, unknown retry token, rewrite', () => {
    const { file, codes, messages } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews, "*.example.com"]
  http:
  - match: [{ headers: { x-canary: {} } }, { uri: { prefix: /v1 } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
    rewrite: { uri: /new }
  - route: [{ destination: { host: reviews, subset: v1 } }]
    retries: { attempts: 2, retryOn: "5xx,retriable-headers" }
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/hosts/1',
      'IMPORT_NOT_CARRIED /spec/http/0/match/0/headers',
      'IMPORT_NOT_CARRIED /spec/http/0/rewrite',
      'IMPORT_NOT_CARRIED /spec/http/1/retries/retryOn',
    ]);
    expect(messages.some((m) => m.includes('header-present'))).toBe(true);
    const svc = file('services/shop/reviews.yaml');
    // The string prefix /v1 (which also matches /v1x) is carried exactly as a regex, not as a segment prefix.
    expect(svc).toContain('path:\n        regex: /v1.*');
    expect(svc).not.toContain('x-canary');
  });

  it('two VirtualServices for one host: the first is carried, the second reported; an identical one is not', () => {
    const vs = (name: string, subset: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews, subset: ${subset} } }], retries: { attempts: 0 } }] }
`;
    expect(run([vs('a', 'v1'), vs('b', 'v2')].join('---')).codes).toEqual(['IMPORT_CONFLICT ']);
    expect(run([vs('a', 'v1'), vs('b', 'v1')].join('---')).codes).toEqual([]);
  });

  it('delegates: the child routes, with the parent match AND-ed in', () => {
    const { file, codes } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { x-team: { exact: a } } }]
    delegate: { name: reviews-a, namespace: shop }
  - route: [{ destination: { host: reviews, subset: v1 } }]
    retries: { attempts: 0 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-a, namespace: shop }
spec:
  http:
  - match: [{ uri: { exact: /x } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
    retries: { attempts: 0 }
`);
    expect(codes).toEqual([]);
    expect(file('services/shop/reviews.yaml')).toContain(
      'routes:\n  - match:\n    - headers:\n        x-team:\n          exact: a\n      path:\n        exact: /x\n    to: v2\n  - to: v1',
    );
  });

  it('a subset no DestinationRule defines is not carried (Istio answers 503 for it)', () => {
    const { codes } = run(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews, subset: v9 } }] }] }
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/http/0',
      'IMPORT_NOT_CARRIED /spec/http/0/route/0/destination/subset',
    ]);
  });
});

describe('DestinationRule, PeerAuthentication, AuthorizationPolicy', () => {
  it('traffic policy → resilience; what it has no word for is reported', () => {
    const { file, codes } = run(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: shop }
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: { consistentHash: { httpHeaderName: X-User } }
    outlierDetection: { consecutiveErrors: 3, interval: 5s }
    connectionPool: { tcp: { maxConnections: 10, connectTimeout: 1s } }
`);
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/trafficPolicy/outlierDetection/consecutiveErrors',
      'IMPORT_NOT_CARRIED /spec/trafficPolicy/connectionPool/tcp/connectTimeout',
    ]);
    expect(file('services/shop/ratings.yaml')).toContain(
      'resilience:\n    outlierDetection:\n      consecutiveErrors: 3\n      interval: 5s\n    connectionPool:\n      maxConnections: 10\n    loadBalancer:\n      consistentHash:\n        header: x-user',
    );
  });

  it('mesh-wide and per-workload mTLS; DISABLE on a workload has no spec form', () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: ratings, namespace: shop }
spec: { selector: { matchLabels: { app: ratings } }, mtls: { mode: PERMISSIVE } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: DISABLE } }
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/mtls/mode']);
    expect(file('environments/istio.yaml')).toContain('mtls: strict');
    expect(file('services/shop/ratings.yaml')).toContain('mtls: permissive');
  });

  it('ALLOW rules → access (callers by service account); DENY, `when` and IP blocks are reported', () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
  - from: [{ source: { principals: [cluster.local/ns/shop/sa/shop-ratings] } }]
    to: [{ operation: { methods: [GET], paths: ["/reviews/*"] } }, { operation: { methods: [POST] } }]
  - from: [{ source: { ipBlocks: [10.0.0.0/8] } }]
  - when: [{ key: request.headers[x-a], values: ["1"] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny, namespace: shop }
spec: { action: DENY, selector: { matchLabels: { app: ratings } }, rules: [{}] }
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED ',
      'IMPORT_NOT_CARRIED /spec/rules/1/from/0/source/ipBlocks',
      'IMPORT_NOT_CARRIED /spec/rules/2/when',
    ]);
    expect(file('services/shop/reviews.yaml')).toContain(
      'access:\n  - from:\n    - ratings\n    methods:\n    - GET\n    paths:\n    - /reviews/*\n  - from:\n    - ratings\n    methods:\n    - POST',
    );
  });
});

describe('AuthorizationPolicy `principals: ["*"]` (any authenticated caller)', () => {
  const POLICY = `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews-authn-only, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  action: ALLOW
  rules:
  - from: [{ source: { principals: ["*"] } }]
  - from: [{ source: { principals: ["*", cluster.local/ns/shop/sa/shop-ratings] } }]
    to: [{ operation: { methods: [GET] } }]
`;

  it('is left out and reported where the mTLS is not strict: the spec\'s "*" would admit plaintext callers', () => {
    const { file, codes, messages } = run(POLICY);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/rules/0/from',
      'IMPORT_NOT_CARRIED /spec/rules/0/from/0/source/principals/0',
      'IMPORT_NOT_CARRIED /spec/rules/1/from/0/source/principals/0',
    ]);
    expect(messages.join('\n')).toContain("also admits plaintext callers while reviews's mTLS is not strict");
    const svc = file('services/shop/reviews.yaml');
    expect(svc).toContain('  access:\n  - from:\n    - ratings\n    methods:\n    - GET\n');
    expect(svc).not.toContain('"*"');
  });

  it('is carried as "*" where the service\'s imported mTLS is strict', () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT } }
---
${POLICY}`);
    expect(codes).toEqual([]);
    const svc = file('services/shop/reviews.yaml');
    expect(svc).toContain('mtls: strict');
    expect(svc).toContain(
      '  access:\n  - from:\n    - "*"\n  - from:\n    - "*"\n    - ratings\n    methods:\n    - GET\n',
    );
  });

  it('is carried as "*" under a strict mesh-wide mode, and not under a service\'s permissive override', () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ratings, namespace: shop }
spec:
  selector: { matchLabels: { app: ratings } }
  rules: [{ from: [{ source: { principals: ["*"] } }] }]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: PERMISSIVE } }
---
${POLICY}`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/rules/0/from',
      'IMPORT_NOT_CARRIED /spec/rules/0/from/0/source/principals/0',
      'IMPORT_NOT_CARRIED /spec/rules/1/from/0/source/principals/0',
    ]);
    expect(file('services/shop/ratings.yaml')).toContain('  access:\n  - from:\n    - "*"\n');
    expect(file('services/shop/reviews.yaml')).not.toContain('"*"');
  });
});

describe('an ingress VirtualService', () => {
  const ingress = (gateway: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-ingress, namespace: shop }
spec:
  hosts: [shop.example.com]
  gateways: [${gateway}]
  http:
    - route: [{ destination: { host: reviews, port: { number: 9080 } } }]${extra}
`;
  const GATEWAY = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: public, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['*'] }]
`;

  it("without its Gateway, is bound to meshc's own, reported; what the spec cannot hold is reported, not dropped", () => {
    const { codes, messages, file } = run(ingress('istio-system/public', '\n      timeout: 5s'));
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/gateways/0',
      'IMPORT_APPROXIMATED /spec/http/0/route/0/destination/host',
      'IMPORT_NOT_CARRIED /spec/http/0/timeout',
    ]);
    expect(messages.join('\n')).toContain('the Gateway istio-system/public is not in the input');
    expect(messages.join('\n')).toContain("meshc's ingress routes do not retry");
    expect(file('services/shop/reviews.yaml')).toMatch(/ingress:\n\s+hosts:\n\s+- shop\.example\.com/);
  });

  it('with its Gateway and without retries, as meshc renders it, is carried without a report', () => {
    const { codes } = run(
      `${GATEWAY}\n---\n${ingress('istio-system/public', '\n      retries: { attempts: 0 }')}`,
    );
    expect(codes).toEqual([]);
  });
});
