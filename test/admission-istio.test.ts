/**
 * The model of Istio's validating webhook (test/helpers/admission-istio.ts): for each check, an object istiod's
 * `/validate` refuses (most from istio/istio's own validation tests) and its valid neighbour, which differs in
 * the one value the check is about; and that validateObject runs the checks, so a refused object fails it.
 */
import { describe, expect, it } from 'vitest';
import { describeWithShared } from './helpers/shared.ts';
import { admissionErrors } from './helpers/admission.ts';
import { durationNs, headerValueError, pathTemplateError } from './helpers/admission-istio.ts';
import { validateObject } from './helpers/crds.ts';

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);
const meta = (name: string, namespace = 'shop') => ({
  name,
  namespace,
  labels: { 'app.kubernetes.io/managed-by': 'meshc' },
});

const VS: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: meta('reviews'),
  spec: {
    hosts: ['reviews.shop.svc.cluster.local'],
    http: [
      {
        name: 'route-0',
        match: [{ headers: { 'x-test': { prefix: 'a' } }, uri: { regex: '/api/.*' } }],
        route: [
          { destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v1' }, weight: 90 },
          {
            destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v2', port: { number: 9080 } },
            weight: 10,
          },
        ],
        timeout: '10s',
        retries: { attempts: 2, perTryTimeout: '2s', retryOn: 'gateway-error,5xx,503' },
        fault: {
          abort: { httpStatus: 503, percentage: { value: 5 } },
          delay: { fixedDelay: '2s', percentage: { value: 0.0001 } },
        },
        mirror: { host: 'reviews.shop.svc.cluster.local', subset: 'v3' },
        mirrorPercentage: { value: 100 },
        headers: {
          request: { set: { 'x-env': '100%% %HOSTNAME%' }, remove: ['x-debug'] },
          response: { add: { 'x-a': 'b' } },
        },
      },
    ],
  },
};

const DR: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: meta('reviews'),
  spec: {
    host: 'reviews.shop.svc.cluster.local',
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
    trafficPolicy: {
      connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 5 } },
      outlierDetection: {
        consecutive5xxErrors: 3,
        interval: '5s',
        baseEjectionTime: '1m',
        maxEjectionPercent: 30,
      },
      loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } },
    },
  },
};

const GW: Obj = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: meta('meshc-ingress', 'edge'),
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      {
        port: { number: 80, name: 'http', protocol: 'HTTP' },
        hosts: ['shop.example.com'],
        tls: { httpsRedirect: true },
      },
      {
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['shop.example.com', '*.example.org'],
        tls: { mode: 'SIMPLE', credentialName: 'meshc-ingress-tls' },
      },
    ],
  },
};

const AP: Obj = {
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: meta('cart'),
  spec: {
    action: 'ALLOW',
    selector: { matchLabels: { app: 'cart' } },
    rules: [
      {
        from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }],
        to: [{ operation: { methods: ['GET'], paths: ['/api/*', '/v1/{*}/items/{**}'] } }],
      },
    ],
  },
};

const PA: Obj = {
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: meta('reviews'),
  spec: {
    selector: { matchLabels: { app: 'reviews' } },
    mtls: { mode: 'STRICT' },
    portLevelMtls: { '9080': { mode: 'PERMISSIVE' } },
  },
};

const TEL: Obj = {
  apiVersion: 'telemetry.istio.io/v1',
  kind: 'Telemetry',
  metadata: meta('mesh-default', 'istio-system'),
  spec: { tracing: [{ providers: [{ name: 'meshc-opentelemetry' }], randomSamplingPercentage: 5 }] },
};

/** Sets `value` at the JSON pointer `at` of a copy of `obj` (undefined deletes). */
function put(obj: Obj, at: string, value: unknown): Obj {
  const out = clone(obj);
  const keys = at
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: Record<string, unknown> = out;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return out;
}

/** [check, base object, pointer, refused value, valid neighbour, pointer of the refusal] */
const CASES: [string, Obj, string, unknown, unknown, string][] = [
  // VirtualService
  ['VS: mesh host * refused', VS, '/spec/hosts/0', '*', '*.shop.svc.cluster.local', '/spec/hosts/0'],
  ['VS: host with a bad label', VS, '/spec/hosts/0', 'reviews_x.shop', 'reviews-x.shop', '/spec/hosts/0'],
  ['VS: host with an all-numeric TLD', VS, '/spec/hosts/0', 'reviews.123', 'reviews.a123', '/spec/hosts/0'],
  [
    'VS: duplicate hosts (wildcard covers)',
    VS,
    '/spec/hosts',
    ['a.example.com', '*.example.com'],
    ['a.example.com', '*.example.org'],
    '/spec/hosts/1',
  ],
  [
    'VS: gateway name with a bad namespace',
    VS,
    '/spec/gateways',
    ['Edge_/meshc-ingress'],
    ['edge/meshc-ingress'],
    '/spec/gateways/0',
  ],
  ['VS: no http, tcp or tls', VS, '/spec/http', [], [{ route: [{ destination: { host: 'a.b' } }] }], '/spec'],
  ['VS: route required', VS, '/spec/http/0/route', [], [{ destination: { host: 'a.b' } }], '/spec/http/0'],
  [
    'VS: match header name not a token (1.23+)',
    VS,
    '/spec/http/0/match/0/headers',
    { 'x y': { exact: 'a' } },
    { 'x-y': { exact: 'a' } },
    '/spec/http/0/match/0/headers/x y',
  ],
  [
    'VS: empty prefix header match',
    VS,
    '/spec/http/0/match/0/headers/x-test',
    { prefix: '' },
    { exact: '' },
    '/spec/http/0/match/0/headers/x-test/prefix',
  ],
  [
    'VS: regex not RE2',
    VS,
    '/spec/http/0/match/0/uri',
    { regex: '/(?=api)' },
    { regex: '/(?:api)' },
    '/spec/http/0/match/0/uri/regex',
  ],
  [
    'VS: regex over 1024 characters',
    VS,
    '/spec/http/0/match/0/uri',
    { regex: 'a'.repeat(1025) },
    { regex: 'a'.repeat(1024) },
    '/spec/http/0/match/0/uri/regex',
  ],
  ['VS: match port 0..65535', VS, '/spec/http/0/match/0/port', 70000, 65535, '/spec/http/0/match/0/port'],
  [
    'VS: destination host *',
    VS,
    '/spec/http/0/route/0/destination/host',
    '*',
    '*.example.com',
    '/spec/http/0/route/0/destination/host',
  ],
  [
    'VS: subset not a DNS label',
    VS,
    '/spec/http/0/route/0/destination/subset',
    'v1.0',
    'v1-0',
    '/spec/http/0/route/0/destination/subset',
  ],
  [
    'VS: destination port 0',
    VS,
    '/spec/http/0/route/1/destination/port',
    { number: 0 },
    { number: 1 },
    '/spec/http/0/route/1/destination/port/number',
  ],
  [
    'VS: total weight 0',
    VS,
    '/spec/http/0/route',
    [
      { destination: { host: 'a.b' }, weight: 0 },
      { destination: { host: 'c.d' }, weight: 0 },
    ],
    [
      { destination: { host: 'a.b' }, weight: 0 },
      { destination: { host: 'c.d' }, weight: 1 },
    ],
    '/spec/http/0/route',
  ],
  [
    'VS: unknown retryOn policy',
    VS,
    '/spec/http/0/retries/retryOn',
    '5xx,gateway',
    '5xx,gateway-error,418',
    '/spec/http/0/retries/retryOn',
  ],
  [
    'VS: fault percentage below 0.0001',
    VS,
    '/spec/http/0/fault/abort/percentage/value',
    0.00005,
    0,
    '/spec/http/0/fault/abort/percentage/value',
  ],
  [
    'VS: abort status over 600',
    VS,
    '/spec/http/0/fault/abort/httpStatus',
    601,
    600,
    '/spec/http/0/fault/abort/httpStatus',
  ],
  [
    'VS: fault with neither abort nor delay',
    VS,
    '/spec/http/0/fault',
    {},
    { delay: { fixedDelay: '1s' } },
    '/spec/http/0/fault',
  ],
  [
    'VS: mirrorPercentage over 100',
    VS,
    '/spec/http/0/mirrorPercentage/value',
    100.5,
    100,
    '/spec/http/0/mirrorPercentage/value',
  ],
  [
    'VS: header value with a lone %',
    VS,
    '/spec/http/0/headers/request/set/x-env',
    '50%',
    '50%%',
    '/spec/http/0/headers/request/set/x-env',
  ],
  [
    'VS: header value with a control character',
    VS,
    '/spec/http/0/headers/request/set/x-env',
    'a\u0001b',
    'a\tb',
    '/spec/http/0/headers/request/set/x-env',
  ],
  [
    'VS: response header host',
    VS,
    '/spec/http/0/headers/response/add',
    { Host: 'a' },
    { 'x-host': 'a' },
    '/spec/http/0/headers/response/add/Host',
  ],
  [
    'VS: request header removal of host',
    VS,
    '/spec/http/0/headers/request/remove',
    ['host'],
    ['x-host'],
    '/spec/http/0/headers/request/remove/0',
  ],
  [
    'VS: request set of a pseudo-header',
    VS,
    '/spec/http/0/headers/request/set',
    { ':path': '/a' },
    { ':authority': 'a.b' },
    '/spec/http/0/headers/request/set/:path',
  ],
  [
    'VS: JWT claim routing off the gateway',
    VS,
    '/spec/http/0/match/0/headers',
    { '@request.auth.claims.sub': { exact: 'a' } },
    { 'x-sub': { exact: 'a' } },
    '/spec/http/0/match/0/headers/@request.auth.claims.sub',
  ],
  [
    'VS: tcp route without route',
    VS,
    '/spec/tcp',
    [{ match: [{ port: 5432 }] }],
    [{ match: [{ port: 5432 }], route: [{ destination: { host: 'a.b' } }] }],
    '/spec/tcp/0',
  ],
  // DestinationRule
  [
    'DR: tcp idleTimeout under 1ms (no CEL rule on it)',
    DR,
    '/spec/trafficPolicy/connectionPool/tcp/idleTimeout',
    '0.5ms',
    '0s',
    '/spec/trafficPolicy/connectionPool/tcp/idleTimeout',
  ],
  [
    'VS: perTryTimeout finer than ms',
    VS,
    '/spec/http/0/retries/perTryTimeout',
    '1.5ms',
    '2ms',
    '/spec/http/0/retries/perTryTimeout',
  ],
  ['DR: host with a bad label', DR, '/spec/host', 'reviews.-shop', 'reviews.shop', '/spec/host'],
  [
    'DR: empty traffic policy',
    DR,
    '/spec/trafficPolicy',
    {},
    { loadBalancer: { simple: 'RANDOM' } },
    '/spec/trafficPolicy',
  ],
  [
    'DR: empty connection pool',
    DR,
    '/spec/trafficPolicy/connectionPool',
    {},
    { tcp: {} },
    '/spec/trafficPolicy/connectionPool',
  ],
  [
    'DR: baseEjectionTime finer than ms',
    DR,
    '/spec/trafficPolicy/outlierDetection/baseEjectionTime',
    '1.0001s',
    '1.001s',
    '/spec/trafficPolicy/outlierDetection/baseEjectionTime',
  ],
  ['DR: duplicate subset names', DR, '/spec/subsets/1/name', 'v1', 'v3', '/spec/subsets/1/name'],
  ['DR: subset name not a DNS label', DR, '/spec/subsets/1/name', 'v_2', 'v-2', '/spec/subsets/1/name'],
  [
    'DR: subset label value',
    DR,
    '/spec/subsets/1/labels',
    { version: 'v2/' },
    { version: 'v2.x' },
    '/spec/subsets/1/labels/version',
  ],
  [
    'DR: cookie without a name',
    DR,
    '/spec/trafficPolicy/loadBalancer/consistentHash',
    { httpCookie: { ttl: '0s' } },
    { httpCookie: { name: 'c', ttl: '0s' } },
    '/spec/trafficPolicy/loadBalancer/consistentHash/httpCookie',
  ],
  ['DR: exportTo ~', DR, '/spec/exportTo', ['~'], ['.'], '/spec/exportTo/0'],
  // Gateway
  ['GW: name with a dot', GW, '/metadata/name', 'meshc.ingress', 'meshc-ingress', '/metadata/name'],
  [
    'GW: no servers',
    GW,
    '/spec/servers',
    [],
    [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    '/spec/servers',
  ],
  ['GW: short host name', GW, '/spec/servers/0/hosts/0', 'shop', 'shop.local', '/spec/servers/0/hosts/0'],
  [
    'GW: partial wildcard host',
    GW,
    '/spec/servers/0/hosts/0',
    'shop*.example.com',
    '*.example.com',
    '/spec/servers/0/hosts/0',
  ],
  [
    'GW: unknown protocol',
    GW,
    '/spec/servers/0/port/protocol',
    'HTTP3',
    'http2',
    '/spec/servers/0/port/protocol',
  ],
  [
    'GW: duplicate port names',
    GW,
    '/spec/servers/1/port/name',
    'http',
    'https-443',
    '/spec/servers/1/port/name',
  ],
  [
    'GW: HTTPS without TLS settings',
    GW,
    '/spec/servers/1/tls',
    undefined,
    { mode: 'SIMPLE', credentialName: 'x' },
    '/spec/servers/1',
  ],
  [
    'GW: SIMPLE TLS without a certificate',
    GW,
    '/spec/servers/1/tls',
    { mode: 'SIMPLE' },
    { mode: 'SIMPLE', credentialName: 'x' },
    '/spec/servers/1/tls',
  ],
  [
    'GW: terminating TLS on an HTTP port',
    GW,
    '/spec/servers/0/tls',
    { mode: 'SIMPLE', credentialName: 'x' },
    { httpsRedirect: true, mode: 'PASSTHROUGH' },
    '/spec/servers/0/tls',
  ],
  // AuthorizationPolicy
  ['AP: empty from', AP, '/spec/rules/0/from', [], undefined, '/spec/rules/0/from'],
  [
    'AP: empty source',
    AP,
    '/spec/rules/0/from/0/source',
    {},
    { namespaces: ['shop'] },
    '/spec/rules/0/from/0/source',
  ],
  [
    'AP: empty principal',
    AP,
    '/spec/rules/0/from/0/source/principals',
    [''],
    ['*'],
    '/spec/rules/0/from/0/source/principals',
  ],
  [
    'AP: empty operation',
    AP,
    '/spec/rules/0/to/0/operation',
    {},
    { ports: ['80'] },
    '/spec/rules/0/to/0/operation',
  ],
  [
    'AP: brace outside a path template',
    AP,
    '/spec/rules/0/to/0/operation/paths/0',
    '/api/{id}',
    '/api/{*}',
    '/spec/rules/0/to/0/operation/paths/0',
  ],
  [
    'AP: {**} not last',
    AP,
    '/spec/rules/0/to/0/operation/paths/1',
    '/{**}/a/{*}',
    '/a/{*}/{**}',
    '/spec/rules/0/to/0/operation/paths/1',
  ],
  ['AP: DENY without rules', AP, '/spec/rules', undefined, [{}], '/spec'],
  ['AP: provider with ALLOW', AP, '/spec/provider', { name: 'ext-authz' }, undefined, '/spec/provider'],
  // PeerAuthentication
  ['PA: empty port-level mTLS', PA, '/spec/portLevelMtls', {}, undefined, '/spec/portLevelMtls'],
  // Telemetry
  [
    'Telemetry: provider without a name',
    TEL,
    '/spec/tracing/0/providers',
    [{ name: '' }],
    [{ name: 'zipkin' }],
    '/spec/tracing/0/providers',
  ],
  [
    'Telemetry: sampling over 100',
    TEL,
    '/spec/tracing/0/randomSamplingPercentage',
    100.1,
    100,
    '/spec/tracing/0/randomSamplingPercentage',
  ],
  [
    'Telemetry: empty literal tag',
    TEL,
    '/spec/tracing/0/customTags',
    { env: { literal: { value: '' } } },
    { env: { literal: { value: 'prod' } } },
    '/spec/tracing/0/customTags/env/literal',
  ],
  [
    'Telemetry: tag override without an operation (UPSERT) nor a value',
    TEL,
    '/spec/metrics',
    [{ overrides: [{ tagOverrides: { a: {} } }] }],
    [{ overrides: [{ tagOverrides: { a: { value: 'x' } } }] }],
    '/spec/metrics/0/overrides/0/tagOverrides/a',
  ],
  // Every kind
  [
    'dry-run annotation off AuthorizationPolicy',
    PA,
    '/metadata/annotations',
    { 'istio.io/dry-run': 'true' },
    { 'istio.io/dry-runs': 'true' },
    '/metadata/annotations/istio.io~1dry-run',
  ],
  [
    'always-reject annotation',
    TEL,
    '/metadata/annotations',
    { 'internal.istio.io/webhook-always-reject': '' },
    { 'istio.io/rev': 'x' },
    '/metadata/annotations/internal.istio.io~1webhook-always-reject',
  ],
];

/** Special set-ups that `put` alone cannot express. */
function prepare(name: string, obj: Obj): Obj {
  if (name === 'VS: gateway name with a bad namespace') return put(obj, '/spec/hosts', ['shop.example.com']);
  if (name === 'VS: tcp route without route') return put(obj, '/spec/http', undefined);
  if (name === 'AP: DENY without rules') return put(obj, '/spec/action', 'DENY');
  return obj;
}

describe("Istio's webhook model: the base objects are admitted", () => {
  for (const base of [VS, DR, GW, AP, PA, TEL])
    it(`${String(base.kind)} (meshc-like)`, () => expect(admissionErrors(base)).toEqual([]));
});

describe("Istio's webhook model: each check refuses, and admits the valid neighbour", () => {
  for (const [name, base, at, bad, good, where] of CASES) {
    it(name, () => {
      const refused = admissionErrors(put(prepare(name, base), at, bad));
      expect(
        refused.some((e) => e.startsWith(`${where}: `)),
        refused.join('\n'),
      ).toBe(true);
      expect(admissionErrors(put(prepare(name, base), at, good))).toEqual([]);
    });
  }
});

describe("Istio's webhook model: parsers", () => {
  it('durations are exact to the nanosecond (Go units, fractions)', () => {
    expect(durationNs('1m30s')).toBe(90_000_000_000n);
    expect(durationNs('0.003s')).toBe(3_000_000n);
    expect(durationNs('1.5ms')).toBe(1_500_000n);
    expect(durationNs('250us')).toBe(250_000n);
    expect(durationNs('0')).toBe(0n);
    expect(durationNs('10')).toBeUndefined();
  });
  it("header values follow Envoy's %VAR% syntax", () => {
    for (const ok of [
      'foo',
      '%HOSTNAME%',
      '100%%',
      'prefix %HOSTNAME% suffix',
      '%REQ(x-a)%',
      '%PER_REQUEST_STATE(["a","b"])%',
    ])
      expect(headerValueError(ok), ok).toBeUndefined();
    for (const bad of ['abc%', '%START_TIME%%', '%UNTERMINATED', '%VAR(["a" x])%'])
      expect(headerValueError(bad), bad).toBeDefined();
  });
  it('path templates: {*} and {**} as whole segments, {**} last, valid literals', () => {
    for (const ok of ['/api/*', '/a/{*}/b', '/a/{**}', '*', '/'])
      expect(pathTemplateError(ok), ok).toBeUndefined();
    for (const bad of ['/a/{x}', '/{**}/{*}', '/a{*}/b', '/a b/{*}'])
      expect(pathTemplateError(bad), bad).toBeDefined();
  });
  it('kinds the webhook does not model and other groups are admitted untouched', () => {
    expect(
      admissionErrors({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: meta('x'),
        spec: {},
      }),
    ).toEqual([]);
    expect(
      admissionErrors({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: meta('a.b'),
        spec: {},
      }),
    ).toEqual([]);
  });
});

describeWithShared('validateObject runs the Istio webhook checks', () => {
  it("leaves to the CRDs' CEL rules what they refuse (the API server then calls no webhook): one refusal each", () => {
    const once = [
      put(VS, '/spec/http/0/timeout', '999us'),
      put(DR, '/spec/trafficPolicy/outlierDetection/interval', '0s'),
      put(AP, '/spec/selector/matchLabels', { app: 'cart*' }),
      put(PA, '/spec/selector', undefined),
      put(PA, '/spec/portLevelMtls', { '0': { mode: 'DISABLE' } }),
      put(TEL, '/spec/metrics', [
        { overrides: [{ tagOverrides: { a: { operation: 'UPSERT', value: '' } } }] },
      ]),
    ];
    for (const obj of once) expect(validateObject(obj)).toHaveLength(1);
  });

  it('admits the meshc-like objects and refuses a webhook-only error after the schema and CEL pass', () => {
    for (const base of [VS, DR, GW, AP, PA, TEL]) expect(validateObject(base), String(base.kind)).toEqual([]);
    const refused = put(VS, '/spec/http/0/retries', { attempts: 0, retryOn: '5xx' });
    expect(validateObject(refused)).toEqual([
      'VirtualService shop/reviews: /spec/http/0/retries: http retry policy configured when attempts are set to 0 (disabled)',
    ]);
  });
});
