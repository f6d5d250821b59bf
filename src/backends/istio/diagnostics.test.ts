import { describe, expect, it } from 'vitest';
import {
  caller,
  makeAccessRule,
  makeEnvironment,
  makeService,
  prefix,
} from '../../../test/helpers/model-factory.ts';
import { meshIngress } from '../../../test/helpers/backend-fixtures.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { checkEnvironment, checkServiceValues } from './diagnostics.ts';

/** The environment's checks and each of its services'. */
const checked = (env: ResolvedEnvironment) => [
  ...checkEnvironment(env),
  ...env.services.flatMap((s) => checkServiceValues(s, env)),
];
const at = (env: ResolvedEnvironment) =>
  checked(env).map((d) => `${d.code} ${d.severity} ${d.location?.file}`);

const TRACING = {
  metrics: 'none',
  dashboards: false,
  tracing: { provider: 'opentelemetry', host: 'otel-collector.observability', port: 4317, sampling: 10 },
} as const;
const INSTALL = { chartVersion: '1.24.3', values: {} };

describe('tracing needs the install that registers its collector', () => {
  it('is an error at observability.tracing without mesh.install', () => {
    expect(at(makeEnvironment({ mesh: { observability: TRACING } }))).toEqual([
      'MESH_CONSTRAINT error environments/test.yaml#/mesh/observability/tracing',
    ]);
  });

  it('is fine with mesh.install, and without tracing', () => {
    expect(at(makeEnvironment({ mesh: { observability: TRACING, install: INSTALL } }))).toEqual([]);
    expect(at(makeEnvironment())).toEqual([]);
  });
});

describe('trust domain in the chart values', () => {
  const withValues = (values: Record<string, unknown>, trustDomain = 'cluster.local') =>
    makeEnvironment({ mesh: { trustDomain, install: { chartVersion: '1.24.3', values } } });

  it('must agree with mesh.trustDomain: an error at the value otherwise', () => {
    expect(at(withValues({ meshConfig: { trustDomain: 'acme.internal' } }))).toEqual([
      'MESH_CONSTRAINT error environments/test.yaml#/mesh/install/values/meshConfig/trustDomain',
    ]);
    expect(
      checkEnvironment(withValues({ meshConfig: { trustDomain: 'acme.internal' } }))[0]?.message,
    ).toContain('"acme.internal"');
  });

  it('may repeat mesh.trustDomain, or be left to meshc', () => {
    expect(at(withValues({ meshConfig: { trustDomain: 'acme.internal' } }, 'acme.internal'))).toEqual([]);
    expect(at(withValues({ meshConfig: { accessLogFile: '/dev/stdout' } }, 'acme.internal'))).toEqual([]);
    expect(at(withValues({}, 'acme.internal'))).toEqual([]);
  });
});

describe('access rules need mTLS', () => {
  const rules = [
    makeAccessRule({ from: [caller('bookinfo/productpage')], methods: ['GET'] }),
    makeAccessRule({ index: 1, from: [caller('*')], paths: ['/health'] }),
    makeAccessRule({ index: 2, from: [caller('*'), caller('shop/web')] }),
  ];

  it("mtls off (the service's own): an error at each rule that names callers by identity", () => {
    const s = makeService({ access: rules, mtls: 'off', mtlsOverride: true });
    const env = makeEnvironment({ services: [s] });
    expect(at(env)).toEqual([
      'MESH_ACCESS_WITHOUT_MTLS error services/reviews.yaml#/access/0/from',
      'MESH_ACCESS_WITHOUT_MTLS error services/reviews.yaml#/access/2/from',
    ]);
    expect(checked(env)[0]?.message).toContain('its mtls is off');
  });

  it('mtls off from the environment: the message names the environment', () => {
    const s = makeService({ access: rules.slice(0, 1), mtls: 'off' });
    const env = makeEnvironment({ services: [s], mesh: { mtls: 'off' } });
    expect(at(env)).toEqual(['MESH_ACCESS_WITHOUT_MTLS error services/reviews.yaml#/access/0/from']);
    expect(checked(env)[0]?.message).toContain('environment test sets mtls: off');
  });

  it('permissive and strict are fine; so are "*" rules and access: [] with mtls off', () => {
    for (const mtls of ['permissive', 'strict'] as const) {
      expect(at(makeEnvironment({ services: [makeService({ access: rules, mtls })] }))).toEqual([]);
    }
    const open = makeService({ access: rules.slice(1, 2), mtls: 'off' });
    const closed = makeService({ name: 'closed', access: [], mtls: 'off' });
    expect(at(makeEnvironment({ services: [open, closed] }))).toEqual([]);
  });
});

describe('an exposed service with access: []', () => {
  const ingress = { hosts: ['shop.example.com'], paths: [prefix('/')] };
  const mesh = { ingress: meshIngress('istio') } as const;

  it('is a warning at ingress: the ingress gateway is denied too', () => {
    const s = makeService({ access: [], ingress });
    expect(at(makeEnvironment({ services: [s], mesh }))).toEqual([
      'MESH_INGRESS_UNREACHABLE warning services/reviews.yaml#/ingress',
    ]);
  });

  it('says nothing when a rule grants something, or without access', () => {
    const granted = makeService({
      access: [makeAccessRule({ from: [caller('*')], methods: ['GET'] })],
      ingress,
    });
    const open = makeService({ name: 'open', ingress });
    expect(at(makeEnvironment({ services: [granted, open], mesh }))).toEqual([]);
  });
});
