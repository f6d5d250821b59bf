/**
 * The model of what consul-k8s' validating webhook (and then Consul, which leaves the resource Synced=False)
 * refuses of the config entries meshc emits (test/helpers/admission-consul.ts): for each check, an object it
 * refuses and its valid neighbour, written for these tests after the rule in the upstream source (a few are
 * the cases of Consul's `config_entry_discoverychain_test.go`: hash policies on a non-hash policy, a cookie
 * config on a header hash); then the same through validateObject.
 */
import { describe, expect, it } from 'vitest';
import { bexprFilterError, consulAdmission } from './helpers/admission-consul.ts';
import { admissionErrors } from './helpers/admission.ts';
import { validateObject } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';

type Obj = Record<string, unknown>;

const API = 'consul.hashicorp.com/v1alpha1';
const entry = (kind: string, spec: Obj, name = 'web'): Obj => ({
  apiVersion: API,
  kind,
  metadata: { name, namespace: 'shop' },
  spec,
});

interface Case {
  readonly name: string;
  /** The valid neighbour. */
  readonly ok: Obj;
  /** The refused object. */
  readonly bad: Obj;
  /** `pointer: layer: ...` start of the refusal. */
  readonly error: string;
}

const resolver = (subsets: Obj, extra: Obj = {}) => entry('ServiceResolver', { subsets, ...extra });
const router = (http: Obj, destination: Obj = { service: 'web' }) =>
  entry('ServiceRouter', { routes: [{ match: { http }, destination }] });
const splitter = (splits: Obj[]) => entry('ServiceSplitter', { splits });
const intentions = (sources: Obj[], destination: Obj = { name: 'web' }) =>
  entry('ServiceIntentions', { destination, sources });
const perm = (http: Obj | undefined, action = 'allow'): Obj => ({ action, ...(http ? { http } : {}) });
const lb = (loadBalancer: Obj) => entry('ServiceResolver', { loadBalancer });

const CASES: readonly Case[] = [
  // ServiceDefaults
  {
    name: 'ServiceDefaults protocol is tcp, http, http2 or grpc',
    ok: entry('ServiceDefaults', { protocol: 'http2' }),
    bad: entry('ServiceDefaults', { protocol: 'foo' }),
    error: '/spec/protocol: webhook:',
  },
  {
    name: 'ServiceDefaults mutualTLSMode is strict or permissive',
    ok: entry('ServiceDefaults', { mutualTLSMode: 'permissive' }),
    bad: entry('ServiceDefaults', { mutualTLSMode: 'PERMISSIVE' }),
    error: '/spec/mutualTLSMode: webhook:',
  },
  {
    name: 'ServiceDefaults local timeouts are not negative',
    ok: entry('ServiceDefaults', { localRequestTimeoutMs: 0 }),
    bad: entry('ServiceDefaults', { localRequestTimeoutMs: -1 }),
    error: '/spec/localRequestTimeoutMs: webhook:',
  },
  {
    name: 'ServiceDefaults balanceInboundConnections is exact_balance',
    ok: entry('ServiceDefaults', { balanceInboundConnections: 'exact_balance' }),
    bad: entry('ServiceDefaults', { balanceInboundConnections: 'fair' }),
    error: '/spec/balanceInboundConnections: webhook:',
  },
  {
    name: 'an upstream override names its upstream',
    ok: entry('ServiceDefaults', { upstreamConfig: { overrides: [{ name: 'api', connectTimeoutMs: 5 }] } }),
    bad: entry('ServiceDefaults', { upstreamConfig: { overrides: [{ connectTimeoutMs: 5 }] } }),
    error: '/spec/upstreamConfig/overrides/0/name: webhook:',
  },
  {
    name: 'the default upstream names none',
    ok: entry('ServiceDefaults', { upstreamConfig: { defaults: { connectTimeoutMs: 5 } } }),
    bad: entry('ServiceDefaults', { upstreamConfig: { defaults: { name: 'api', connectTimeoutMs: 5 } } }),
    error: '/spec/upstreamConfig/defaults/name: webhook:',
  },
  {
    name: 'an upstream override sets no partition on Consul CE',
    ok: entry('ServiceDefaults', { upstreamConfig: { overrides: [{ name: 'api', peer: 'east' }] } }),
    bad: entry('ServiceDefaults', { upstreamConfig: { overrides: [{ name: 'api', partition: 'p' }] } }),
    error: '/spec/upstreamConfig/overrides/0/partition: webhook:',
  },
  {
    name: 'an upstream override sets namespace or peer, not both',
    ok: entry('ServiceDefaults', { upstreamConfig: { overrides: [{ name: 'api', peer: 'east' }] } }),
    bad: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', namespace: 'ns', peer: 'east' }] },
    }),
    error: '/spec/upstreamConfig/overrides/0: webhook: namespace and peer',
  },
  {
    name: 'an upstream meshGateway mode is none, local or remote',
    ok: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', meshGateway: { mode: 'local' } }] },
    }),
    bad: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', meshGateway: { mode: 'far' } }] },
    }),
    error: '/spec/upstreamConfig/overrides/0/meshGateway/mode: webhook:',
  },
  {
    name: 'Consul: maxEjectionPercent is a percentage',
    ok: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', passiveHealthCheck: { maxEjectionPercent: 100 } }] },
    }),
    bad: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', passiveHealthCheck: { maxEjectionPercent: 101 } }] },
    }),
    error: '/spec/upstreamConfig/overrides/0/passiveHealthCheck/maxEjectionPercent: consul:',
  },
  {
    name: 'Consul: upstream limits are not negative',
    ok: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', limits: { maxConnections: 0 } }] },
    }),
    bad: entry('ServiceDefaults', {
      upstreamConfig: { overrides: [{ name: 'api', limits: { maxConnections: -1 } }] },
    }),
    error: '/spec/upstreamConfig/overrides/0/limits/maxConnections: consul:',
  },
  // ServiceResolver
  {
    name: 'a subset name is lower-case letters, digits and -',
    ok: resolver({ v1: { filter: 'Service.Meta.version == "v1"' } }),
    bad: resolver({ V1: { filter: 'Service.Meta.version == "v1"' } }),
    error: '/spec/subsets/V1: webhook:',
  },
  {
    name: 'a subset filter parses as go-bexpr (a metadata key with - is not an identifier)',
    ok: resolver({ v1: { filter: 'Service.Meta.app_version == "v1" and Service.Meta.track == "a"' } }),
    bad: resolver({ v1: { filter: 'Service.Meta.app_version == "v1" and Service.Meta.app-track == "a"' } }),
    error: '/spec/subsets/v1/filter: webhook:',
  },
  {
    name: 'Consul: defaultSubset names a subset',
    ok: resolver({ v1: { filter: 'Service.Meta.version == "v1"' } }, { defaultSubset: 'v1' }),
    bad: resolver({ v1: { filter: 'Service.Meta.version == "v1"' } }, { defaultSubset: 'v2' }),
    error: '/spec/defaultSubset: consul:',
  },
  {
    name: 'redirect and failover are not both set',
    ok: entry('ServiceResolver', { redirect: { service: 'api' } }),
    bad: entry('ServiceResolver', { redirect: { service: 'api' }, failover: { '*': { service: 'api2' } } }),
    error: '/spec: webhook: redirect and failover',
  },
  {
    name: 'a hash policy field is header, cookie or query_parameter',
    ok: lb({ policy: 'ring_hash', hashPolicies: [{ field: 'header', fieldValue: 'x-user' }] }),
    bad: lb({ policy: 'ring_hash', hashPolicies: [{ field: 'path', fieldValue: 'x-user' }] }),
    error: '/spec/loadBalancer/hashPolicies/0/field: webhook:',
  },
  {
    name: 'a hash policy field has a fieldValue',
    ok: lb({ policy: 'ring_hash', hashPolicies: [{ field: 'header', fieldValue: 'x-user' }] }),
    bad: lb({ policy: 'ring_hash', hashPolicies: [{ field: 'header' }] }),
    error: '/spec/loadBalancer/hashPolicies/0/fieldValue: webhook:',
  },
  {
    name: 'a hash policy hashes a field or the source IP, not both',
    ok: lb({ policy: 'maglev', hashPolicies: [{ sourceIP: true }] }),
    bad: lb({ policy: 'maglev', hashPolicies: [{ field: 'header', fieldValue: 'x', sourceIP: true }] }),
    error: '/spec/loadBalancer/hashPolicies/0: webhook: field and sourceIP',
  },
  {
    name: 'Consul: hash policies need ring_hash or maglev',
    ok: lb({ policy: 'ring_hash', hashPolicies: [{ sourceIP: true }] }),
    bad: lb({ policy: 'round_robin', hashPolicies: [{ sourceIP: true }] }),
    error: '/spec/loadBalancer/hashPolicies: consul:',
  },
  {
    name: 'Consul: the load-balancer policy is one it knows',
    ok: lb({ policy: 'least_request' }),
    bad: lb({ policy: 'least-request' }),
    error: '/spec/loadBalancer/policy: consul:',
  },
  // ServiceRouter
  {
    name: 'a route matches on at most one of pathExact, pathPrefix, pathRegex',
    ok: router({ pathPrefix: '/api/' }),
    bad: router({ pathPrefix: '/api/', pathExact: '/api' }),
    error: '/spec/routes/0/match/http: webhook: at most one',
  },
  {
    name: 'pathExact and pathPrefix begin with /',
    ok: router({ pathExact: '/api' }),
    bad: router({ pathExact: 'api' }),
    error: '/spec/routes/0/match/http/pathExact: webhook:',
  },
  {
    name: 'a header match sets at most one of exact, prefix, suffix, regex, present',
    ok: router({ header: [{ name: 'x-a', exact: '1' }] }),
    bad: router({ header: [{ name: 'x-a', exact: '1', prefix: '1' }] }),
    error: '/spec/routes/0/match/http/header/0: webhook:',
  },
  {
    name: 'Consul: a header match sets one of them (an empty exact is none)',
    ok: router({ header: [{ name: 'x-a', present: true }] }),
    bad: router({ header: [{ name: 'x-a', exact: '' }] }),
    error: '/spec/routes/0/match/http/header/0: consul:',
  },
  {
    name: 'a query match sets at most one of exact, regex, present',
    ok: router({ queryParam: [{ name: 'a', regex: '1.*' }] }),
    bad: router({ queryParam: [{ name: 'a', regex: '1.*', exact: '1' }] }),
    error: '/spec/routes/0/match/http/queryParam/0: webhook:',
  },
  {
    name: 'Consul: a query match sets one of them (an empty exact is none)',
    ok: router({ queryParam: [{ name: 'a', exact: '1' }] }),
    bad: router({ queryParam: [{ name: 'a', exact: '' }] }),
    error: '/spec/routes/0/match/http/queryParam/0: consul:',
  },
  {
    name: 'Consul: a header match has a name',
    ok: router({ header: [{ name: 'x-a', present: true }] }),
    bad: router({ header: [{ name: '', present: true }] }),
    error: '/spec/routes/0/match/http/header/0/name: consul:',
  },
  {
    name: 'Consul: route methods are HTTP methods, none twice',
    ok: router({ methods: ['GET', 'post'] }),
    bad: router({ methods: ['GET', 'get'] }),
    error: '/spec/routes/0/match/http/methods/1: consul:',
  },
  {
    name: 'prefixRewrite needs a path match',
    ok: router({ pathPrefix: '/api/' }, { service: 'web', prefixRewrite: '/' }),
    bad: router({ header: [{ name: 'x-a', present: true }] }, { service: 'web', prefixRewrite: '/' }),
    error: '/spec/routes/0: webhook: destination.prefixRewrite',
  },
  {
    name: 'Consul: retryOn conditions are ones Consul knows',
    ok: router({ pathPrefix: '/' }, { service: 'web', retryOn: ['reset', 'unavailable'] }),
    bad: router({ pathPrefix: '/' }, { service: 'web', retryOn: ['reset', '503'] }),
    error: '/spec/routes/0/destination/retryOn/1: consul:',
  },
  // ServiceSplitter
  {
    name: 'split weights add up to 100 (float32, as the webhook sums them)',
    ok: splitter([
      { weight: 33.33, serviceSubset: 'v1' },
      { weight: 33.33, serviceSubset: 'v2' },
      { weight: 33.34, serviceSubset: 'v3' },
    ]),
    bad: splitter([
      { weight: 50, serviceSubset: 'v1' },
      { weight: 40, serviceSubset: 'v2' },
    ]),
    error: '/spec/splits: webhook: the weights add up to 90',
  },
  {
    name: 'a split weight is 0 or between 0.01 and 100',
    ok: splitter([
      { weight: 0, serviceSubset: 'v1' },
      { weight: 100, serviceSubset: 'v2' },
    ]),
    bad: splitter([
      { weight: 0.001, serviceSubset: 'v1' },
      { weight: 99.999, serviceSubset: 'v2' },
    ]),
    error: '/spec/splits/0/weight: webhook:',
  },
  {
    name: 'Consul: a destination is split to once',
    ok: splitter([
      { weight: 50, service: 'api' },
      { weight: 50, service: 'api', serviceSubset: 'v1' },
    ]),
    bad: splitter([
      { weight: 50, service: 'api' },
      { weight: 50, service: 'api' },
    ]),
    error: '/spec/splits/1: consul:',
  },
  {
    name: 'Consul: a split without a service splits to the splitter’s own service',
    ok: splitter([{ weight: 50, service: 'api' }, { weight: 50 }]),
    bad: splitter([{ weight: 50, service: 'web' }, { weight: 50 }]),
    error: '/spec/splits/1: consul:',
  },
  // ServiceIntentions
  {
    name: 'intentions have a source',
    ok: intentions([{ name: '*', action: 'deny' }]),
    bad: intentions([]),
    error: '/spec/sources: webhook:',
  },
  {
    name: 'a source has an action or permissions, not both',
    ok: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/' })] }]),
    bad: intentions([{ name: 'api', action: 'allow', permissions: [perm({ pathPrefix: '/' })] }]),
    error: '/spec/sources/0: webhook: action and permissions',
  },
  {
    name: 'a source action is allow or deny',
    ok: intentions([{ name: 'api', action: 'deny' }]),
    bad: intentions([{ name: 'api', action: 'reject' }]),
    error: '/spec/sources/0/action: webhook:',
  },
  {
    name: 'a permission action is allow or deny',
    ok: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/' }, 'deny')] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/' }, 'block')] }]),
    error: '/spec/sources/0/permissions/0/action: webhook:',
  },
  {
    name: 'a permission path begins with /',
    ok: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/api/' })] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ pathPrefix: 'api/' })] }]),
    error: '/spec/sources/0/permissions/0/http/pathPrefix: webhook:',
  },
  {
    name: 'a permission matches at most one path field',
    ok: intentions([{ name: 'api', permissions: [perm({ pathRegex: '.*\\.json' })] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ pathRegex: '.*\\.json', pathExact: '/a' })] }]),
    error: '/spec/sources/0/permissions/0/http: webhook: at most one',
  },
  {
    name: 'permission methods are HTTP methods, none twice',
    ok: intentions([{ name: 'api', permissions: [perm({ methods: ['GET', 'HEAD'] })] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ methods: ['GET', 'GET'] })] }]),
    error: '/spec/sources/0/permissions/0/http/methods/1: webhook:',
  },
  {
    name: 'permission methods are upper case (the webhook does not normalise them)',
    ok: intentions([{ name: 'api', permissions: [perm({ methods: ['GET'] })] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ methods: ['get'] })] }]),
    error: '/spec/sources/0/permissions/0/http/methods/0: webhook:',
  },
  {
    name: 'a permission header match sets at most one of its matchers',
    ok: intentions([{ name: 'api', permissions: [perm({ header: [{ name: 'x-a', exact: '1' }] })] }]),
    bad: intentions([
      { name: 'api', permissions: [perm({ header: [{ name: 'x-a', exact: '1', contains: '1' }] })] },
    ]),
    error: '/spec/sources/0/permissions/0/http/header/0: webhook:',
  },
  {
    name: 'ignoreCase goes with exact, prefix, suffix or contains',
    ok: intentions([
      { name: 'api', permissions: [perm({ header: [{ name: 'x-a', exact: 'a', ignoreCase: true }] })] },
    ]),
    bad: intentions([
      { name: 'api', permissions: [perm({ header: [{ name: 'x-a', regex: 'a', ignoreCase: true }] })] },
    ]),
    error: '/spec/sources/0/permissions/0/http/header/0: webhook: ignoreCase',
  },
  {
    name: 'Consul: a permission has http',
    ok: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/' })] }]),
    bad: intentions([{ name: 'api', permissions: [perm(undefined)] }]),
    error: '/spec/sources/0/permissions/0/http: consul:',
  },
  {
    name: 'Consul: a permission’s http matches something',
    ok: intentions([{ name: 'api', permissions: [perm({ methods: ['GET'] })] }]),
    bad: intentions([{ name: 'api', permissions: [perm({ methods: [] })] }]),
    error: '/spec/sources/0/permissions/0/http: consul: must match',
  },
  {
    name: 'Consul: a source is listed once',
    ok: intentions([
      { name: 'api', action: 'allow' },
      { name: '*', action: 'deny' },
    ]),
    bad: intentions([
      { name: 'api', action: 'allow' },
      { name: 'api', action: 'deny' },
    ]),
    error: '/spec/sources/1: consul:',
  },
  {
    name: 'Consul: a source name is * or has no *',
    ok: intentions([{ name: '*', action: 'allow' }]),
    bad: intentions([{ name: 'api-*', action: 'allow' }]),
    error: '/spec/sources/0/name: consul:',
  },
  {
    name: 'Consul: no permissions on a wildcard destination',
    ok: intentions([{ name: 'api', action: 'allow' }], { name: '*' }),
    bad: intentions([{ name: 'api', permissions: [perm({ pathPrefix: '/' })] }], { name: '*' }),
    error: '/spec/sources/0/permissions: consul:',
  },
  {
    name: 'a source sets no namespace on Consul CE',
    ok: intentions([{ name: 'api', action: 'allow' }]),
    bad: intentions([{ name: 'api', namespace: 'shop', action: 'allow' }]),
    error: '/spec/sources/0/namespace: webhook:',
  },
  {
    name: 'the destination sets no namespace on Consul CE',
    ok: intentions([{ name: 'api', action: 'allow' }], { name: 'web' }),
    bad: intentions([{ name: 'api', action: 'allow' }], { name: 'web', namespace: 'shop' }),
    error: '/spec/destination/namespace: webhook:',
  },
  {
    name: 'a source description has at most 512 characters',
    ok: intentions([{ name: 'api', action: 'allow', description: 'd'.repeat(512) }]),
    bad: intentions([{ name: 'api', action: 'allow', description: 'd'.repeat(513) }]),
    error: '/spec/sources/0/description: webhook:',
  },
  // Mesh and ProxyDefaults
  {
    name: 'the Mesh resource is named mesh',
    ok: entry('Mesh', { allowEnablingPermissiveMutualTLS: true }, 'mesh'),
    bad: entry('Mesh', { allowEnablingPermissiveMutualTLS: true }, 'default'),
    error: '/metadata/name: webhook:',
  },
  {
    name: 'the ProxyDefaults resource is named global',
    ok: entry('ProxyDefaults', { config: { protocol: 'http' } }, 'global'),
    bad: entry('ProxyDefaults', { config: { protocol: 'http' } }, 'proxy'),
    error: '/metadata/name: webhook:',
  },
  {
    name: 'ProxyDefaults mutualTLSMode is strict or permissive',
    ok: entry('ProxyDefaults', { mutualTLSMode: 'strict' }, 'global'),
    bad: entry('ProxyDefaults', { mutualTLSMode: 'off' }, 'global'),
    error: '/spec/mutualTLSMode: webhook:',
  },
];

describe('Consul admission checks (admission-consul.ts)', () => {
  it.each(CASES)('$name', ({ ok, bad, error }) => {
    expect(consulAdmission(ok)).toEqual([]);
    const errors = consulAdmission(bad);
    expect(
      errors.some((e) => e.startsWith(error)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('the checks are registered for the consul.hashicorp.com group, and judge no other', () => {
    const bad = splitter([{ weight: 50, serviceSubset: 'v1' }]);
    expect(admissionErrors(bad)).toEqual(consulAdmission(bad));
    expect(admissionErrors({ ...bad, apiVersion: 'split.smi-spec.io/v1alpha4' })).toEqual([]);
  });

  it('go-bexpr: identifiers, numeric and quoted index parts parse; -, . and a leading digit in a key do not', () => {
    expect(bexprFilterError('Service.Meta.version == "v1"')).toBeUndefined();
    expect(bexprFilterError('Service.Meta.app_v2 == "v1" and Service.Meta.track != "b"')).toBeUndefined();
    expect(bexprFilterError('Service.Meta["app-version"] == "v1"')).toBeUndefined();
    expect(bexprFilterError('Service.Meta.app-version == "v1"')).toMatch(/not a go-bexpr selector/);
    expect(bexprFilterError('Service.Meta.9ver == "v1"')).toMatch(/not a go-bexpr selector/);
    // Forms outside meshc's (or, in, matches, parentheses) are not judged: nothing valid is refused.
    expect(bexprFilterError('Service.Meta.a-b == "1" or Service.Tags contains "x"')).toBeUndefined();
    expect(bexprFilterError('"x" in Service.Tags')).toBeUndefined();
  });
});

describeWithShared('Consul admission through validateObject', () => {
  it('validateObject refuses what the webhook refuses, and passes the valid neighbour', () => {
    const ok = splitter([
      { weight: 50, serviceSubset: 'v1' },
      { weight: 50, serviceSubset: 'v2' },
    ]);
    expect(validateObject(ok)).toEqual([]);
    const bad = splitter([
      { weight: 50, serviceSubset: 'v1' },
      { weight: 40, serviceSubset: 'v2' },
    ]);
    expect(validateObject(bad)).toEqual([
      'ServiceSplitter shop/web: /spec/splits: webhook: the weights add up to 90, not 100',
    ]);
  });

  it('each refused object above is schema-valid, so only the admission check fails it', () => {
    for (const c of CASES) {
      const errors = validateObject(c.bad);
      expect(errors.length, `${c.name}: ${errors.join('\n')}`).toBeGreaterThan(0);
      expect(
        errors.every((e) => /: (webhook|consul): /.test(e)),
        `${c.name}: ${errors.join('\n')}`,
      ).toBe(true);
      expect(validateObject(c.ok), c.name).toEqual([]);
    }
  });
});
