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

describe('a destination port of a Service with several ports', () => {
  const API = `
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 8080 }, { name: http-admin, port: 9090 }] }
`;
  const route = (port: number) => `[{ destination: { host: api, port: { number: ${port} } } }]`;

  it('is reported at the port where meshc sends the requests to another port of the service', () => {
    const { file, codes, result } = run(`${API}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { x-admin: { exact: "1" } } }]
    route: ${route(9090)}
    retries: { attempts: 0 }
  - route: ${route(8080)}
    retries: { attempts: 0 }
`);
    // 8080 is api's first HTTP port, where meshc sends requests that came in on reviews' 9080: the same.
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/http/0/route/0/destination/port']);
    expect(result.diagnostics[0]!.message).toContain(
      "Istio sends these requests to port 9090 of api, and the spec's backends name no port: meshc's render sends them to port 8080",
    );
    expect(file('services/shop/reviews.yaml')).toContain('backends:\n    - service: api\n');
  });

  it("meshc's own form (each port's routes sending to that port) is carried without a report", () => {
    const { codes } = run(`${API}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: shop }
spec:
  hosts: [api]
  http:
  - { name: default-http, match: [{ port: 8080 }], route: ${route(8080)}, retries: { attempts: 0 } }
  - { name: default-http-admin, match: [{ port: 9090 }], route: ${route(9090)}, retries: { attempts: 0 } }
`);
    expect(codes).toEqual([]);
  });

  it('a route on every port that names one of them, and a port the service does not have, are reported', () => {
    const { codes, messages } = run(`${API}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: shop }
spec:
  hosts: [api]
  http:
  - { match: [{ uri: { exact: /old } }], route: ${route(7000)}, retries: { attempts: 0 } }
  - { route: ${route(9090)}, retries: { attempts: 0 } }
`);
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/http/0/route/0/destination/port',
      'IMPORT_APPROXIMATED /spec/http/1/route/0/destination/port',
    ]);
    expect(messages[0]).toContain('(api has no port 7000: Istio answers 503)');
    expect(messages[0]).toContain("meshc's render sends them to ports 8080, 9090");
    expect(messages[1]).toContain('Istio sends these requests to port 9090 of api');
    expect(messages[1]).toContain("meshc's render sends them to port 8080 (the port they came in on");
  });

  it("a delegate's routes keep the port condition of the delegating route", () => {
    const { codes } = run(`${API}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: shop }
spec:
  hosts: [api]
  http:
  - { match: [{ port: 9090 }], delegate: { name: api-admin } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api-admin, namespace: shop }
spec:
  http: [{ route: ${route(9090)}, retries: { attempts: 0 } }]
`);
    // Port 9090 only: meshc routes every port alike, which is reported (the port was dropped silently before).
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/http']);
  });

  it("an ingress route to another port than the service's first HTTP port is reported at the port", () => {
    const ingress = (port: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api-ingress, namespace: shop }
spec:
  hosts: [api.example.com]
  gateways: [istio-system/public]
  http: [{ route: ${route(port)}, retries: { attempts: 0 } }]
`;
    const gateway = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: public, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['*'] }]
`;
    expect(run(`${API}\n---\n${gateway}\n---\n${ingress(8080)}`).codes).toEqual([]);
    const { codes, messages } = run(`${API}\n---\n${gateway}\n---\n${ingress(9090)}`);
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/http/0/route/0/destination/port']);
    expect(messages[0]).toContain("meshc's render sends them to port 8080 (the first HTTP port of api)");
  });
});

describe('DestinationRule client TLS (`tls`), against the auto mTLS meshc leaves it to', () => {
  const dr = (trafficPolicy: string, subsets = '') => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: shop }
spec:
  host: ratings
  trafficPolicy: ${trafficPolicy}${subsets}
`;
  const MESH_OFF = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: DISABLE } }
---
`;

  it("ISTIO_MUTUAL is what meshc's render gives where mTLS is on, DISABLE where it is off; the other is reported", () => {
    expect(run(dr('{ tls: { mode: ISTIO_MUTUAL } }')).codes).toEqual([]);
    expect(run(MESH_OFF + dr('{ tls: { mode: DISABLE } }')).codes).toEqual([]);
    const on = run(dr('{ tls: { mode: DISABLE } }'));
    expect(on.codes).toEqual(['IMPORT_NOT_CARRIED /spec/trafficPolicy/tls']);
    expect(on.messages[0]).toContain(
      "this DestinationRule sent plaintext to ratings, and meshc's render leaves TLS to Istio's auto mTLS, which sends Istio's mTLS to its sidecars",
    );
    const off = run(MESH_OFF + dr('{ tls: { mode: ISTIO_MUTUAL } }'));
    expect(off.codes).toEqual(['IMPORT_NOT_CARRIED /spec/trafficPolicy/tls']);
    expect(off.messages[0]).toContain('which sends plaintext, as the mTLS of ratings is off');
  });

  it('SIMPLE, MUTUAL and the SNI of ISTIO_MUTUAL are reported at their node', () => {
    expect(run(dr('{ tls: { mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem } }')).codes).toEqual(
      ['IMPORT_NOT_CARRIED /spec/trafficPolicy/tls'],
    );
    expect(run(dr('{ tls: { mode: ISTIO_MUTUAL, sni: other.example } }')).codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/trafficPolicy/tls/sni',
    ]);
  });

  it('port-level and per-version tls are judged alike; the rest of their policy is reported', () => {
    const { codes, messages, file } = run(
      dr(
        `
    outlierDetection: { consecutive5xxErrors: 3 }
    portLevelSettings:
    - { port: { number: 9080 }, tls: { mode: SIMPLE } }
    - { port: { number: 9081 }, tls: { mode: ISTIO_MUTUAL }, outlierDetection: { consecutive5xxErrors: 3 } }`,
        `
  subsets:
  - { name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }
  - name: v2
    labels: { version: v2 }
    trafficPolicy: { tls: { mode: DISABLE }, connectionPool: { tcp: { maxConnections: 1 } } }`,
      ),
    );
    expect(codes).toEqual([
      // Port-level settings do not inherit: port 9080 had no outlier detection.
      'IMPORT_APPROXIMATED /spec/trafficPolicy/portLevelSettings/0/port',
      'IMPORT_NOT_CARRIED /spec/subsets/1/trafficPolicy/connectionPool',
      'IMPORT_NOT_CARRIED /spec/subsets/1/trafficPolicy/tls',
      'IMPORT_NOT_CARRIED /spec/trafficPolicy/portLevelSettings/0/tls',
      'IMPORT_NOT_CARRIED /spec/trafficPolicy/portLevelSettings/1/outlierDetection',
    ]);
    expect(messages.join('\n')).toContain('originated TLS (SIMPLE) to port 9080 of ratings');
    expect(messages.join('\n')).toContain('sent plaintext to version v2 of ratings');
    expect(file('services/shop/ratings.yaml')).toContain('outlierDetection:\n      consecutiveErrors: 3');
  });
});

describe('AuthorizationPolicy principals with a wildcard', () => {
  const policy = (name: string, principal: string) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: shop }
spec:
  selector: { matchLabels: { app: ${name} } }
  rules: [{ from: [{ source: { principals: ["${principal}"] } }] }]
`;

  it("a wildcard trust domain never becomes the environment's; the caller is carried, reported", () => {
    const { file, codes, messages } = run(policy('reviews', '*/ns/shop/sa/shop-ratings'));
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/rules/0/from/0/source/principals/0']);
    expect(messages[0]).toContain(
      "it admits shop/shop-ratings from any trust domain; meshc's rendered policy admits ratings from the environment's trust domain cluster.local only",
    );
    expect(file('environments/istio.yaml')).not.toContain('trustDomain');
    expect(file('services/shop/reviews.yaml')).toContain('access:\n  - from:\n    - ratings\n');
  });

  it("the environment's trust domain is the literal one, whatever the order; patterns are matched against it", () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
  - from: [{ source: { principals: ["*.local/ns/shop/sa/shop-ratings"] } }]
  - from: [{ source: { principals: [cluster.local/ns/shop/sa/reviews] } }]
  - from: [{ source: { principals: ["*.org/ns/shop/sa/shop-ratings"] } }]
    to: [{ operation: { methods: [GET] } }]
  - from: [{ source: { principals: [example.org/ns/shop/sa/shop-ratings] } }]
    to: [{ operation: { methods: [POST] } }]
  - from: [{ source: { principals: ["example.org/ns/shop/sa/*"] } }]
`);
    // The literal example.org, read after a cluster.local principal, is the environment's for every rule.
    expect(file('environments/istio.yaml')).toContain('trustDomain: example.org');
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/rules/2/from/0/source/principals/0',
      'IMPORT_NOT_CARRIED /spec/rules/0/from',
      'IMPORT_NOT_CARRIED /spec/rules/0/from/0/source/principals/0',
      'IMPORT_NOT_CARRIED /spec/rules/1/from',
      'IMPORT_NOT_CARRIED /spec/rules/1/from/0/source/principals/0',
      'IMPORT_NOT_CARRIED /spec/rules/4/from',
      'IMPORT_NOT_CARRIED /spec/rules/4/from/0/source/principals/0',
    ]);
    expect(file('services/shop/reviews.yaml')).toContain(
      'access:\n  - from:\n    - ratings\n    methods:\n    - GET\n  - from:\n    - ratings\n    methods:\n    - POST\n',
    );
  });
});

describe('TCP routes (`tcp`) of a VirtualService', () => {
  const DB = `
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec:
  selector: { app: db }
  ports:
  - { name: http, port: 8081 }
  - { name: sql, port: 5432, appProtocol: tcp }
  - { name: repl, port: 5433, appProtocol: tcp }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: db, namespace: shop }
spec:
  host: db
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;
  /** The weighted destinations of meshc's render, to db's port `port` (undefined: none named). */
  const split = (port?: number) =>
    ['v1: 90', 'v2: 10']
      .map((w) => {
        const [subset, weight] = w.split(': ');
        return `{ destination: { host: db, subset: ${subset}${port ? `, port: { number: ${port} }` : ''} }, weight: ${weight} }`;
      })
      .join(', ');
  const vs = (tcp: string) => `${DB}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db, namespace: shop }
spec:
  hosts: [db]
  http:
  - { name: default-http, match: [{ port: 8081 }], route: [${split(8081)}], retries: { attempts: 0 } }
${tcp}`;

  it("meshc's own form (one entry per TCP port, with the catch-all's weights, to that port) is carried without a report", () => {
    const { codes, file } = run(
      vs(`  tcp:
  - { match: [{ port: 5432 }], route: [${split(5432)}] }
  - { match: [{ port: 5433 }], route: [${split(5433)}] }
`),
    );
    expect(codes).toEqual([]);
    expect(file('services/shop/db.yaml')).toContain(
      'routes:\n  - name: default\n    to:\n      v1: 90\n      v2: 10\n',
    );
  });

  it('a match condition, a destination port and a TCP port no entry takes are reported at their node', () => {
    const { codes, messages } = run(
      vs(`  tcp:
  - match: [{ port: 5432, sourceLabels: { app: batch } }, { port: 8081 }]
    route: [${split(5433)}]
`),
    );
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED /spec/tcp',
      'IMPORT_APPROXIMATED /spec/tcp/0/route/0/destination/port',
      'IMPORT_APPROXIMATED /spec/tcp/0/route/1/destination/port',
      'IMPORT_NOT_CARRIED /spec/tcp/0/match/0/sourceLabels',
      'IMPORT_NOT_CARRIED /spec/tcp/0/match/1/port',
    ]);
    const text = messages.join('\n');
    expect(text).toContain(
      "the spec's TCP routing has no `sourceLabels` condition: meshc's render sends every connection on port 5432 of db this way",
    );
    expect(text).toContain(
      "Istio sends these TCP connections to port 5433 of db, and the spec's backends name no port: meshc's render sends them to port 5432",
    );
    expect(text).toContain(
      "8081 is not a TCP port of db in the imported spec, and meshc's render gives TCP routes",
    );
    expect(text).toContain(
      "no TCP route of VirtualService shop/db takes the connections on port 5433 of db, so Istio sent them to every pod of db; meshc's render routes them like its catch-all HTTP route: 90% to version v1 of db, 10% to version v2 of db",
    );
  });

  it('an entry that sends otherwise than the catch-all HTTP route is not carried', () => {
    const { codes } = run(
      vs(`  tcp:
  - { route: [{ destination: { host: db, subset: v2 } }] }
`),
    );
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/tcp/0']);
  });

  it('without `tcp`, the TCP ports the render would route like the catch-all are reported at its route', () => {
    const { codes, messages } = run(vs(''));
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/http/0/route']);
    expect(messages[0]).toContain('on ports 5432, 5433 of db, so Istio sent them to every pod of db');
  });

  it('a service with TCP ports only: its TCP route is its catch-all route', () => {
    const { codes, file } = run(`
apiVersion: v1
kind: Service
metadata: { name: cache, namespace: shop }
spec: { selector: { app: cache }, ports: [{ name: redis, port: 6379, appProtocol: tcp }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cache, namespace: shop }
spec: { host: cache, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cache, namespace: shop }
spec:
  hosts: [cache]
  tcp: [{ route: [{ destination: { host: cache, subset: v1 }, weight: 100 }] }]
`);
    expect(codes).toEqual([]);
    expect(file('services/shop/cache.yaml')).toContain('routes:\n  - to: v1\n');
  });
});

describe('AuthorizationPolicy paths the spec refuses (format access-path)', () => {
  it('a path that never matches a request is left out of its rule, reported at it; a rule left without paths goes', () => {
    const { file, result, codes } = run(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
  - from: [{ source: { principals: [cluster.local/ns/shop/sa/shop-ratings] } }]
    to:
    - { operation: { methods: [GET], paths: ["/reviews/*", "/reviews?page=2"] } }
    - { operation: { methods: [POST], paths: ["/a/../admin*"] } }
`);
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED /spec/rules/0/to/0/operation/paths/1',
      'IMPORT_NOT_CARRIED /spec/rules/0/to/1/operation/paths/0',
    ]);
    // The POST rule allowed only a path no request has: without it, ratings may still POST nothing.
    expect(file('services/shop/reviews.yaml')).toContain(
      'access:\n  - from:\n    - ratings\n    methods:\n    - GET\n    paths:\n    - /reviews/*\n  kubernetesService',
    );
    const message = (p: string) => result.diagnostics.find((d) => d.pointer === p)?.message;
    expect(message('/spec/rules/0/to/0/operation/paths/1')).toMatch(
      /^The access path "\/reviews\?page=2" of shop\/reviews has the character "\?".*: the spec refuses it, and no request matches it .*; it was left out of the access rule for ratings\. /,
    );
    expect(message('/spec/rules/0/to/1/operation/paths/0')).toContain(
      'has a ".." segment: the spec refuses it, and no request matches it (the meshes match access paths against the normalized request path, without its query); it was left out of the access rule for ratings, and so was that rule, which had no other path and so allowed nothing.',
    );
  });

  it('a policy whose every path is refused allows nothing: access [] (not a rule without paths)', () => {
    const { file, codes } = run(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ratings, namespace: shop }
spec:
  selector: { matchLabels: { app: ratings } }
  rules:
  - from: [{ source: { principals: [cluster.local/ns/shop/sa/shop-ratings] } }]
    to: [{ operation: { paths: ["/x#y"] } }]
`);
    expect(codes).toEqual(['IMPORT_NOT_CARRIED /spec/rules/0/to/0/operation/paths/0']);
    expect(file('services/shop/ratings.yaml')).toContain('access: []\n');
  });
});
