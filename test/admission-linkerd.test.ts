/**
 * The model of Linkerd's policy validator webhook (helpers/admission-linkerd.ts): for each check, an object the
 * webhook refuses (upstream's own test values where linkerd2 has them: `validation.rs` identities,
 * `admit_*` policy tests, the route annotation parsers' tests) and its valid neighbour; and the checks run
 * through validateObject, so a refused object fails the schema-and-admission check every emitted object goes
 * through.
 */
import { describe, expect, it } from 'vitest';
import { admissionErrors } from './helpers/admission.ts';
import {
  headerValueError,
  identityError,
  linkerdDurationError,
  linkerdGatewayAdmission,
  linkerdPolicyAdmission,
  routeAnnotationErrors,
} from './helpers/admission-linkerd.ts';
import { validateObject } from './helpers/crds.ts';
import { rustRegexError } from '../src/backends/linkerd/rust-regex.ts';
import { describeWithShared } from './helpers/shared.ts';

const meta = (name: string, annotations?: Record<string, string>) => ({
  name,
  namespace: 'shop',
  ...(annotations ? { annotations } : {}),
});

function policy(kind: string, spec: Record<string, unknown>, version = 'v1alpha1') {
  return { apiVersion: `policy.linkerd.io/${version}`, kind, metadata: meta('x'), spec };
}

function gatewayRoute(rule: Record<string, unknown>, annotations?: Record<string, string>) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta('reviews', annotations),
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
      rules: [{ backendRefs: [{ group: '', kind: 'Service', name: 'reviews-v1', port: 9080 }], ...rule }],
    },
  };
}

function inboundRoute(match: Record<string, unknown>) {
  return {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'HTTPRoute',
    metadata: meta('reviews.http.authz-0'),
    spec: {
      parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'reviews.http' }],
      rules: [{ matches: [match] }],
    },
  };
}

describe('Rust regex syntax (what Linkerd parses every RegularExpression value with)', () => {
  it.each([
    ['^/api/{id}$', 'repetition quantifier expects a valid decimal'],
    ['a{', 'unclosed counted repetition'],
    ['{1}', 'repetition operator missing expression'],
    ['a{,5}', 'repetition quantifier expects a valid decimal'],
    ['a{2,1}', 'the start must be <= the end'],
    ['\\Qa.b\\E', 'unrecognized escape sequence'],
    ['\\C', 'unrecognized escape sequence'],
    ['\\Z', 'unrecognized escape sequence'],
    ['\\1', 'backreferences are not supported'],
    ['(?=a)', 'look-around'],
    ['(?<!a)b', 'look-around'],
    ['[\\b]', 'invalid escape sequence found in character class'],
    ['[z-a]', 'the start must be <= the end'],
    ['[\\d-z]', 'invalid range boundary'],
    ['(a', 'unclosed group'],
    ['a)', 'unopened group'],
    ['(?i)*', 'repetition operator missing expression'],
    ['(?ii)', 'duplicate flag'],
    ['(?i-:a)', 'dangling flag negation operator'],
    ['(?P<n>a)(?P<n>b)', 'duplicate capture group name'],
    ['\\x{110000}', 'not a Unicode scalar value'],
    ['\\b{foo}', 'unrecognized special word boundary'],
  ])('refuses %s (%s)', (pattern, why) => {
    expect(rustRegexError(pattern)).toContain(why);
  });

  it.each([
    '^/api/\\{id\\}$',
    'a{1,2}',
    'a{1 ,2}',
    'a**',
    '\\/',
    '\\-',
    '\\<',
    '(?<n>a)',
    '(?P<n>a)',
    '(?i)abc',
    '^(?:/reviews/[0-9]+)$',
    '[]]',
    '[a-]',
    '\\x41\\u{1F600}',
    '\\b{start}',
    '\\b{1}',
    '^{1}',
    '\\pL\\p{Greek}',
    '(?x) a { 1 }', // the x flag is not modelled: never refused
    '[[:alpha:]]', // nested classes are not modelled: never refused
  ])('admits %s', (pattern) => {
    expect(rustRegexError(pattern)).toBeUndefined();
  });
});

describe('Gateway API HTTPRoute', () => {
  it('a regex path Rust cannot parse is refused, its escaped neighbour admitted', () => {
    const bad = gatewayRoute({ matches: [{ path: { type: 'RegularExpression', value: '^/api/{id}$' } }] });
    expect(linkerdGatewayAdmission(bad)).toEqual([
      expect.stringMatching(/^\/spec\/rules\/0\/matches\/0\/path\/value: regex parse error/),
    ]);
    const good = gatewayRoute({
      matches: [{ path: { type: 'RegularExpression', value: '^/api/\\{id\\}$' } }],
    });
    expect(linkerdGatewayAdmission(good)).toEqual([]);
  });

  it('Exact and PathPrefix paths must be absolute: left to the CRD (CEL) on Gateway API, checked on inbound routes', () => {
    expect(
      linkerdGatewayAdmission(gatewayRoute({ matches: [{ path: { type: 'Exact', value: 'api' } }] })),
    ).toEqual([]);
    expect(linkerdPolicyAdmission(inboundRoute({ path: { type: 'Exact', value: 'api' } }))).toEqual([
      expect.stringContaining('/spec/rules/0/matches/0/path/value: HttpPathMatch paths must be absolute'),
    ]);
    expect(linkerdPolicyAdmission(inboundRoute({ path: { type: 'PathPrefix', value: 'api' } }))).toHaveLength(
      1,
    );
    expect(linkerdPolicyAdmission(inboundRoute({ path: { type: 'Exact', value: '/api' } }))).toEqual([]);
  });

  it('header match values: Exact must be visible ASCII, RegularExpression must parse', () => {
    const route = (type: string, value: string) =>
      gatewayRoute({ matches: [{ headers: [{ name: 'x-user', type, value }] }] });
    expect(linkerdGatewayAdmission(route('Exact', 'josé'))).toEqual([
      expect.stringContaining('/spec/rules/0/matches/0/headers/0/value: invalid HTTP header value'),
    ]);
    expect(linkerdGatewayAdmission(route('Exact', 'jose'))).toEqual([]);
    expect(linkerdGatewayAdmission(route('RegularExpression', '^\\Qa\\E'))).toHaveLength(1);
    expect(linkerdGatewayAdmission(route('RegularExpression', 'josé|jose'))).toEqual([]);
  });

  it('query parameter regexes must parse; exact values are not checked', () => {
    const route = (type: string, value: string) =>
      gatewayRoute({ matches: [{ queryParams: [{ name: 'v', type, value }] }] });
    expect(linkerdGatewayAdmission(route('RegularExpression', 'v{'))).toHaveLength(1);
    expect(linkerdGatewayAdmission(route('RegularExpression', 'v\\{'))).toEqual([]);
    expect(linkerdGatewayAdmission(route('Exact', 'v{é'))).toEqual([]);
  });

  it('header modifier values must be visible ASCII', () => {
    const route = (value: string) =>
      gatewayRoute({
        filters: [
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-env', value }] } },
        ],
      });
    expect(linkerdGatewayAdmission(route('prod\u00e9'))).toEqual([
      expect.stringContaining('/spec/rules/0/filters/0/responseHeaderModifier/set/0/value'),
    ]);
    expect(linkerdGatewayAdmission(route('prod'))).toEqual([]);
  });

  it('a redirect path must be absolute', () => {
    const route = (path: string) =>
      gatewayRoute({
        filters: [
          {
            type: 'RequestRedirect',
            requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: path } },
          },
        ],
      });
    expect(linkerdGatewayAdmission(route('login'))).toHaveLength(1);
    expect(linkerdGatewayAdmission(route('/login'))).toEqual([]);
  });

  it('a Service backendRef of group core needs a port (2.17+; the CRD refuses group "" without one)', () => {
    const route = gatewayRoute({});
    const rule = (route.spec.rules[0] as { backendRefs: Record<string, unknown>[] }).backendRefs[0]!;
    delete rule.port;
    rule.group = 'core';
    expect(linkerdGatewayAdmission(route)).toEqual([
      '/spec/rules/0/backendRefs/0: invalid backendRef: cannot reference a Service without a port',
    ]);
    rule.port = 9080;
    expect(linkerdGatewayAdmission(route)).toEqual([]);
  });

  it('route annotations are checked only when a parent is a Service', () => {
    const bad = gatewayRoute({}, { 'timeout.linkerd.io/request': '1m30s' });
    expect(linkerdGatewayAdmission(bad)).toEqual([
      expect.stringMatching(/^\/metadata\/annotations\/timeout.linkerd.io~1request: /),
    ]);
    const underGateway = {
      ...bad,
      spec: {
        ...bad.spec,
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
      },
    };
    expect(linkerdGatewayAdmission(underGateway)).toEqual([]);
  });
});

describe('route annotations (parse_http_retry, parse_timeouts, parse_accrual_config)', () => {
  it.each([
    ['1.5s', 'fractional'],
    ['1m30s', 'compound'],
    ['-1s', 'negative'],
    ['5', 'a bare number'],
    ['10us', 'an unknown unit'],
    ['s', 'no magnitude'],
    ['18446744073709551615d', 'overflow'],
  ])('refuses the duration %s (%s)', (value) => {
    expect(linkerdDurationError(value)).toBeDefined();
  });

  it.each(['0', '90s', '1500ms', '2h', '1d', ' 3s ', '+3s'])('admits the duration %s', (value) => {
    expect(linkerdDurationError(value)).toBeUndefined();
  });

  it('retry conditions: 5xx, gateway-error, codes and ranges; nothing else, no spaces', () => {
    const http = (v: string) => routeAnnotationErrors({ 'retry.linkerd.io/http': v });
    expect(http('5xx,gateway-error,409,500-504,5XX')).toEqual([]);
    for (const bad of ['5xx, 409', '4xx', '600', '504-500', '', 'reset'])
      expect(http(bad), bad).toHaveLength(1);
  });

  it('retry limit is a u16', () => {
    expect(routeAnnotationErrors({ 'retry.linkerd.io/limit': '65535' })).toEqual([]);
    expect(routeAnnotationErrors({ 'retry.linkerd.io/limit': '65536' })).toHaveLength(1);
    expect(routeAnnotationErrors({ 'retry.linkerd.io/limit': '-1' })).toHaveLength(1);
  });

  it('failure accrual on a route (2.16 to 2.19): consecutive only, min penalty within max', () => {
    const accrual = (extra: Record<string, string>) =>
      routeAnnotationErrors({ 'balancer.linkerd.io/failure-accrual': 'consecutive', ...extra });
    expect(accrual({})).toEqual([]);
    expect(accrual({ 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '2m' })).toHaveLength(1);
    expect(
      accrual({
        'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '2m',
        'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '2m',
      }),
    ).toEqual([]);
    expect(routeAnnotationErrors({ 'balancer.linkerd.io/failure-accrual': 'unified' })).toHaveLength(1);
  });
});

describe('policy.linkerd.io kinds', () => {
  it('Server: accessPolicy must be a default policy', () => {
    const server = (accessPolicy: string) =>
      policy('Server', { podSelector: { matchLabels: { app: 'a' } }, port: 80, accessPolicy }, 'v1beta3');
    expect(linkerdPolicyAdmission(server('all-unauthenticated'))).toEqual([]);
    expect(linkerdPolicyAdmission(server('audit'))).toEqual([]);
    expect(linkerdPolicyAdmission(server('allow'))).toEqual([
      '/spec/accessPolicy: Invalid \'accessPolicy\' field: invalid mode: "allow"',
    ]);
  });

  it('AuthorizationPolicy: targets and authentications', () => {
    const ap = (targetRef: Record<string, unknown>, refs: Record<string, unknown>[]) =>
      policy('AuthorizationPolicy', { targetRef, requiredAuthenticationRefs: refs });
    const server = { group: 'policy.linkerd.io', kind: 'Server', name: 'web' };
    const mtls = { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'm' };
    const sa = { kind: 'ServiceAccount', name: 'sa' };
    const net = { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'n' };
    expect(linkerdPolicyAdmission(ap(server, [mtls, net]))).toEqual([]);
    expect(
      linkerdPolicyAdmission(ap({ group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'r' }, [mtls])),
    ).toEqual([]);
    expect(linkerdPolicyAdmission(ap({ kind: 'Namespace', name: 'shop' }, [mtls]))).toEqual([]);
    expect(linkerdPolicyAdmission(ap({ kind: 'Namespace', name: 'other' }, [mtls]))).toEqual([
      '/spec/targetRef/name: cannot target another namespace: other',
    ]);
    expect(linkerdPolicyAdmission(ap({ kind: 'Pod', name: 'p' }, [mtls]))).toHaveLength(1);
    expect(
      linkerdPolicyAdmission(
        ap({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }, [mtls]),
      ),
    ).toEqual([expect.stringContaining('2.16 to 2.18')]);
    expect(linkerdPolicyAdmission(ap(server, [mtls, { ...mtls, name: 'm2' }]))).toEqual([
      '/spec/requiredAuthenticationRefs: only a single MeshTLSAuthentication may be set',
    ]);
    expect(linkerdPolicyAdmission(ap(server, [mtls, sa]))).toEqual([
      '/spec/requiredAuthenticationRefs: a MeshTLSAuthentication and ServiceAccount may not be set together',
    ]);
    expect(linkerdPolicyAdmission(ap(server, [net, { ...net, name: 'n2' }]))).toHaveLength(1);
    expect(linkerdPolicyAdmission(ap(server, [{ kind: 'Secret', name: 's' }]))).toEqual([
      '/spec/requiredAuthenticationRefs/0: unsupported authentication kind(s): Secret',
    ]);
  });

  it.each([
    ['system.local', true],
    ['*', true],
    ['*.system.local', true],
    ['web.shop.serviceaccount.identity.linkerd.cluster.local', true],
    ['spiffe://trustdomain', true],
    ['spiffe://trustdomain/path/element', true],
    ['system.local.*', false],
    ['system.local.', false],
    ['.system.local', false],
    ['system..local', false],
    ['Web.shop.serviceaccount.identity.linkerd.cluster.local', false],
    ['web_1.shop.serviceaccount.identity.linkerd.cluster.local', false],
    ['http://domain.test/path/element', false],
    ['spiffe:///path/element', false],
    ['spiffe://domain.test/path/element?query=', false],
    ['spiffe://domain.test:8080/path/element', false],
    ['spiffe://test.org/', false],
    ['spiffe://test.org//', false],
    ['spiffe://test.org/./other', false],
  ])('MeshTLSAuthentication identity %s: admitted %s', (id, ok) => {
    expect(identityError(id) === undefined).toBe(ok);
    expect(linkerdPolicyAdmission(policy('MeshTLSAuthentication', { identities: [id] }))).toHaveLength(
      ok ? 0 : 1,
    );
  });

  it('MeshTLSAuthentication identityRefs: ServiceAccounts, or Namespaces without a namespace', () => {
    const refs = (identityRefs: Record<string, unknown>[]) =>
      linkerdPolicyAdmission(policy('MeshTLSAuthentication', { identityRefs }));
    expect(
      refs([
        { kind: 'ServiceAccount', name: 'a' },
        { kind: 'Namespace', name: 'b' },
      ]),
    ).toEqual([]);
    expect(refs([{ kind: 'Namespace', name: 'b', namespace: 'c' }])).toHaveLength(1);
    expect(refs([{ kind: 'Pod', name: 'b' }])).toHaveLength(1);
  });

  it('NetworkAuthentication: at least one network; exceptions inside their CIDR', () => {
    const na = (networks: unknown[]) => linkerdPolicyAdmission(policy('NetworkAuthentication', { networks }));
    expect(na([{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }])).toEqual([]);
    expect(na([])).toEqual(['/spec/networks: at least one network must be specified']);
    expect(na([{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.3.4'] }])).toEqual([]);
    expect(na([{ cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }])).toEqual([
      "/spec/networks/0/except/0: cidr '10.0.0.0/8' does not include exception '192.168.0.0/16'",
    ]);
    expect(na([{ cidr: '10.0.0.0/16', except: ['10.0.0.0/8'] }])).toEqual([
      "/spec/networks/0/except/0: cidr '10.0.0.0/16' is completely negated by exception '10.0.0.0/8'",
    ]);
    expect(na([{ cidr: 'fd00::/8', except: ['10.0.0.0/8'] }])).toHaveLength(1);
  });

  it('ServerAuthorization: meshTLS excludes unauthenticated, unauthenticatedTLS excludes identities', () => {
    const sz = (client: Record<string, unknown>) =>
      linkerdPolicyAdmission(policy('ServerAuthorization', { server: { name: 's' }, client }, 'v1beta1'));
    expect(sz({ meshTLS: { identities: ['*'] } })).toEqual([]);
    expect(sz({ unauthenticated: true, meshTLS: { identities: ['*'] } })).toHaveLength(1);
    expect(sz({ meshTLS: { unauthenticatedTLS: true, serviceAccounts: [{ name: 'a' }] } })).toHaveLength(1);
  });

  it('HTTPLocalRateLimitPolicy (2.17+): a Server target, positive rates within the total', () => {
    const rl = (spec: Record<string, unknown>) =>
      linkerdPolicyAdmission(
        policy('HTTPLocalRateLimitPolicy', {
          targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web' },
          ...spec,
        }),
      );
    expect(rl({ total: { requestsPerSecond: 100 }, identity: { requestsPerSecond: 10 } })).toEqual([]);
    expect(rl({ total: { requestsPerSecond: 0 } })).toHaveLength(1);
    expect(rl({ total: { requestsPerSecond: 10 }, identity: { requestsPerSecond: 20 } })).toHaveLength(1);
    expect(rl({ overrides: [{ requestsPerSecond: 5, clientRefs: [{ kind: 'Pod', name: 'p' }] }] })).toEqual([
      '/spec/overrides/0/clientRefs/0: overrides.clientRefs must target a ServiceAccount',
    ]);
  });

  it('inbound HTTPRoute: the same match checks as Gateway API routes, and timeouts in order', () => {
    expect(
      linkerdPolicyAdmission(inboundRoute({ path: { type: 'RegularExpression', value: '^/api/.*$' } })),
    ).toEqual([]);
    expect(
      linkerdPolicyAdmission(inboundRoute({ path: { type: 'RegularExpression', value: '^/api/{v}/.*$' } })),
    ).toHaveLength(1);
    const timed = inboundRoute({ path: { type: 'PathPrefix', value: '/' } });
    (timed.spec.rules[0] as Record<string, unknown>).timeouts = { request: '1s', backendRequest: '2s' };
    expect(linkerdPolicyAdmission(timed)).toEqual([
      '/spec/rules/0/timeouts/backendRequest: backendRequest timeout must not be greater than request timeout',
    ]);
    (timed.spec.rules[0] as Record<string, unknown>).timeouts = { request: '2s', backendRequest: '1s' };
    expect(linkerdPolicyAdmission(timed)).toEqual([]);
  });

  it('header values accept tab and visible ASCII only', () => {
    expect(headerValueError('a\tb ~')).toBeUndefined();
    expect(headerValueError('a\u007f')).toBeDefined();
    expect(headerValueError('ü')).toBeDefined();
  });
});

describe('registry', () => {
  it('admissionErrors routes policy.linkerd.io and Gateway API objects to these checks, by API group', () => {
    const server = policy('Server', { podSelector: {}, port: 80, accessPolicy: 'allow' }, 'v1beta3');
    expect(admissionErrors(server)).toEqual(linkerdPolicyAdmission(server));
    expect(admissionErrors(server)).toHaveLength(1);
    const route = gatewayRoute({ matches: [{ path: { type: 'RegularExpression', value: '{' } }] });
    expect(admissionErrors(route)).toHaveLength(1);
  });
});

describeWithShared('validateObject runs the Linkerd webhook checks', () => {
  it('a refused object fails validateObject and its neighbour passes', () => {
    const bad = gatewayRoute({ matches: [{ path: { type: 'RegularExpression', value: '^/api/{id}$' } }] });
    const good = gatewayRoute({
      matches: [{ path: { type: 'RegularExpression', value: '^/api/\\{id\\}$' } }],
    });
    expect(validateObject(good)).toEqual([]);
    expect(validateObject(bad)).toEqual([expect.stringContaining('regex parse error')]);
    const identity = policy('MeshTLSAuthentication', {
      identities: ['Web.shop.serviceaccount.identity.linkerd.cluster.local'],
    });
    expect(validateObject(identity)).toEqual([expect.stringContaining('/spec/identities/0')]);
  });
});
