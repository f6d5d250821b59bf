/**
 * Linkerd 2.16–2.20 defects an exploratory run found: the appProtocol values Linkerd 2.18+ reads, the tracing
 * collector's mesh identity the 2.19+ chart requires, the trust-manager minimum, the policy HTTPRoute limits,
 * install.values that contradict what meshc sets on purpose, the Gateway API range per version, the heartbeat
 * schedule and outlier detection on a TCP-only service.
 */
import { describe, expect, it } from 'vitest';
import { linkerd } from '../src/backends/linkerd/index.ts';
import { istio } from '../src/backends/istio/index.ts';
import { EmitMemo } from '../src/backends/shared/emit-memo.ts';
import { buildAccess } from '../src/backends/linkerd/authorization.ts';
import { buildCharts, controlPlaneValues, heartbeatSchedule } from '../src/backends/linkerd/charts.ts';
import { checkEnvironment, checkServiceValues } from '../src/backends/linkerd/diagnostics.ts';
import { linkerdGatewayApi, linkerdPrerequisites } from '../src/backends/linkerd/prerequisites.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { HttpMethod, MeshSettings, ResolvedEnvironment, ResolvedService } from '../src/model/types.ts';
import { duration } from '../src/model/normalize.ts';
import { validateObject } from './helpers/crds.ts';
import {
  caller,
  makeAccessRule,
  makeEnvironment,
  makeService,
  makeVersions,
} from './helpers/model-factory.ts';
import { describeWithShared } from './helpers/shared.ts';

const CTX = { toolVersion: '0.1.0' };

const linkerdEnv = (mesh: Partial<MeshSettings> = {}, services: ResolvedService[] = []) =>
  makeEnvironment({ mesh: { type: 'linkerd', version: '2.18', ...mesh }, services });

const where = (d: Diagnostic) => `${d.code} ${d.location?.file ?? ''}`;
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error').map(where);

type Port = { name: string; appProtocol: string };
const portsOf = (o: K8sObject | undefined) =>
  ((o?.spec as { ports: Port[] }).ports ?? []).map((p) => `${p.name}=${p.appProtocol}`);

function emitted(env: ResolvedEnvironment, ns = 'shop'): readonly K8sObject[] {
  return linkerd.emit(env, CTX).namespaces.get(ns) ?? [];
}

const multiProtocol = (overrides: Partial<ResolvedService> = {}) =>
  makeService({
    namespace: 'shop',
    name: 'api',
    ports: [
      { name: 'grpc', port: 9090, protocol: 'grpc' },
      { name: 'h2', port: 8081, protocol: 'http2' },
      { name: 'http', port: 8080, protocol: 'http' },
      { name: 'db', port: 5432, protocol: 'tcp' },
    ],
    versions: makeVersions('v1'),
    ...overrides,
  });

describe('1. appProtocol as Linkerd 2.18+ reads it', () => {
  it('HTTP/2 and gRPC ports say kubernetes.io/h2c from 2.18, on the root and version Services', () => {
    for (const version of ['2.18', '2.19', '2.20']) {
      const objs = emitted(linkerdEnv({ version }, [multiProtocol()]));
      const svc = (name: string) => objs.find((o) => o.kind === 'Service' && o.metadata.name === name);
      const want = ['grpc=kubernetes.io/h2c', 'h2=kubernetes.io/h2c', 'http=http', 'db=tcp'];
      expect(portsOf(svc('api')), version).toEqual(want);
      expect(portsOf(svc('api-v1')), version).toEqual(want);
    }
  });

  it('2.16 and 2.17 ignore appProtocol: the protocol as written', () => {
    for (const version of ['2.16', '2.17']) {
      const objs = emitted(linkerdEnv({ version }, [multiProtocol()]));
      const root = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'api');
      expect(portsOf(root), version).toEqual(['grpc=grpc', 'h2=http2', 'http=http', 'db=tcp']);
    }
  });

  it("the Canary's service.appProtocol, which Flagger copies onto its Services' first port", () => {
    const rolled = multiProtocol({
      rollout: {
        strategy: 'canary',
        target: { kind: 'Deployment', name: 'api' },
        primarySelector: { app: 'api-primary' },
        interval: duration('1m'),
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        match: [],
        metrics: {},
        webhooks: [],
      },
    });
    const canary = (version: string) =>
      emitted(linkerdEnv({ version }, [rolled])).find((o) => o.kind === 'Canary')?.spec as {
        service: { appProtocol: string; portName: string };
      };
    expect(canary('2.18').service).toMatchObject({ portName: 'grpc', appProtocol: 'kubernetes.io/h2c' });
    expect(canary('2.20').service.appProtocol).toBe('kubernetes.io/h2c');
    expect(canary('2.17').service.appProtocol).toBe('grpc');
  });

  it('an emit memo shared by a 2.17 and a 2.18 environment gives each its own appProtocol', () => {
    // One service object in both, as the model hands environments the services they share.
    const api = multiProtocol();
    const envs = [linkerdEnv({ version: '2.17' }, [api]), linkerdEnv({}, [api])];
    for (const order of [envs, [...envs].reverse()]) {
      const memo = new EmitMemo();
      for (const env of order) {
        const shared = linkerd.emit(env, { ...CTX, memo }).namespaces.get('shop');
        expect(JSON.stringify(shared), env.mesh.version).toBe(JSON.stringify(emitted(env)));
      }
    }
  });

  it("Istio's Services keep the protocol as written", () => {
    const env = makeEnvironment({ mesh: { type: 'istio', version: '1.30' }, services: [multiProtocol()] });
    const root = (istio.emit(env, CTX).namespaces.get('shop') ?? []).find(
      (o) => o.kind === 'Service' && o.metadata.name === 'api',
    );
    expect(portsOf(root)).toEqual(['grpc=grpc', 'h2=http2', 'http=http', 'db=tcp']);
  });
});

describe('2. tracing: the collector mesh identity the 2.19+ chart requires', () => {
  const tracing = (host = 'otel-collector.observability') => ({
    metrics: 'none' as const,
    dashboards: false,
    tracing: { provider: 'opentelemetry' as const, host, port: 4317, sampling: 10 },
  });
  const sa = { proxy: { tracing: { collector: { meshIdentity: { serviceAccountName: 'otel' } } } } };
  const env = (values: Record<string, unknown>, mesh: Partial<MeshSettings> = {}) =>
    linkerdEnv({
      version: '2.19',
      install: { chartVersion: '2025.10.7', values },
      observability: tracing(),
      ...mesh,
    });

  it('the namespace comes from the host, the service account from install.values', () => {
    const e = env(sa);
    expect(controlPlaneValues(e, e.mesh.install!.values).proxy).toEqual({
      tracing: {
        enabled: true,
        collector: {
          endpoint: 'otel-collector.observability:4317',
          meshIdentity: { namespace: 'observability', serviceAccountName: 'otel' },
        },
      },
    });
    expect(errors(checkEnvironment(e))).toEqual([]);
    const svcHost = env(sa, { observability: tracing('otel.obs.svc.cluster.local') });
    expect(controlPlaneValues(svcHost, sa).proxy).toMatchObject({
      tracing: { collector: { meshIdentity: { namespace: 'obs' } } },
    });
  });

  it('without the service account the chart fails to render: an error at the tracing node', () => {
    for (const version of ['2.19', '2.20']) {
      const ds = checkEnvironment(env({}, { version }));
      expect(errors(ds), version).toEqual([
        'MESH_CONSTRAINT environments/test.yaml#/mesh/observability/tracing',
      ]);
      expect(ds[0]!.hint).toContain('proxy.tracing.collector.meshIdentity.serviceAccountName');
    }
    // 2.18 has no proxy tracing values at all (reported elsewhere as a capability).
    expect(errors(checkEnvironment(env({}, { version: '2.18' })))).toEqual([]);
  });

  it('a host that names no namespace needs one in install.values', () => {
    const e = env(sa, { observability: tracing('10.0.0.7') });
    expect(errors(checkEnvironment(e))).toEqual([
      'MESH_CONSTRAINT environments/test.yaml#/mesh/observability/tracing/endpoint',
    ]);
    const given = {
      proxy: { tracing: { collector: { meshIdentity: { serviceAccountName: 'otel', namespace: 'obs' } } } },
    };
    expect(errors(checkEnvironment(env(given, { observability: tracing('10.0.0.7') })))).toEqual([]);
  });

  it('charts before 2026.7.1 name the collector by clusterDomain: a trust domain other than it is refused', () => {
    const custom = env(sa, { trustDomain: 'prod.example' });
    const ds = checkEnvironment(custom);
    expect(errors(ds)).toEqual(['MESH_CONSTRAINT environments/test.yaml#/mesh/observability/tracing']);
    expect(ds[0]!.message).toContain('cluster domain');
    // Fixed chart, or a cluster domain equal to the trust domain: nothing to report.
    const fixed = env(sa, {
      trustDomain: 'prod.example',
      install: { chartVersion: '2026.7.1', values: sa },
    });
    expect(errors(checkEnvironment(fixed))).toEqual([]);
    const same = env({ ...sa, clusterDomain: 'prod.example' }, { trustDomain: 'prod.example' });
    expect(errors(checkEnvironment(same))).toEqual([]);
  });
});

describe('3. trust-manager minimum', () => {
  it('the build prerequisites ask for trust-manager v0.13.0 or later', () => {
    const whats = linkerdPrerequisites(
      linkerdEnv({ trust: { type: 'cert-manager', issuer: 'root', kind: 'ClusterIssuer' } }),
    ).map((p) => p.what);
    expect(whats).toContain('trust-manager v0.13.0 or later, with its trust namespace `cert-manager`');
  });
});

describe('4. inbound HTTPRoutes within the policy.linkerd.io CRD limits', () => {
  const METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT'];
  const paths = Array.from({ length: 17 }, (_, i) => `/p${i}`);
  const service = makeService({
    namespace: 'shop',
    name: 'api',
    access: [makeAccessRule({ from: [caller('shop/web')], methods: METHODS, paths })],
  });
  const objects = buildAccess(service).objects;
  const routes = objects.filter((o) => o.kind === 'HTTPRoute' && o.metadata.name !== 'api.http.all');
  type Spec = { rules: { matches: unknown[] }[] };

  it('8 methods × 17 paths: two routes of at most 16 rules × 8 matches, with the same callers', () => {
    expect(routes.map((r) => r.metadata.name)).toEqual(['api.http.authz-0', 'api.http.authz-0.1']);
    const rules = routes.map((r) => (r.spec as Spec).rules);
    expect(rules.map((r) => r.length)).toEqual([16, 1]);
    expect(rules.flat().every((r) => r.matches.length <= 8)).toBe(true);
    expect(rules.flat().flatMap((r) => r.matches)).toHaveLength(136);
    const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
    const byTarget = (name: string) =>
      policies.find((p) => (p.spec as { targetRef: { name: string } }).targetRef.name === name)?.spec as
        { requiredAuthenticationRefs: unknown[] } | undefined;
    const a = byTarget('api.http.authz-0');
    const b = byTarget('api.http.authz-0.1');
    expect(a && b).toBeTruthy();
    expect(b!.requiredAuthenticationRefs).toEqual(a!.requiredAuthenticationRefs);
  });

  describeWithShared('the CRD schema', () => {
    it('admits every emitted object', () => {
      for (const o of objects) expect(validateObject(o), o.metadata.name).toEqual([]);
    });
  });
});

describe('5. install.values that contradict what meshc sets on purpose', () => {
  const env = (values: Record<string, unknown>, mesh: Partial<MeshSettings> = {}) =>
    linkerdEnv({ install: { chartVersion: '2025.4.4', values }, ...mesh });
  const at = (path: string) => `MESH_CONSTRAINT environments/test.yaml#/mesh/install/values/${path}`;

  it('refuses each at the user value, with a hint', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ identityTrustDomain: 'other.example' }, 'identityTrustDomain'],
      [{ identity: { externalCA: false } }, 'identity/externalCA'],
      [{ identity: { issuer: { scheme: 'linkerd.io/tls' } } }, 'identity/issuer/scheme'],
      [{ identity: null }, 'identity'],
      [{ proxyInjector: { externalSecret: false } }, 'proxyInjector/externalSecret'],
      [{ policyValidator: { injectCaFrom: 'linkerd/other' } }, 'policyValidator/injectCaFrom'],
    ];
    for (const [values, path] of cases) {
      const ds = checkEnvironment(env(values));
      expect(errors(ds), path).toEqual([at(path)]);
      expect(ds[0]!.hint, path).toBeTruthy();
    }
    const trust = checkEnvironment(env({ identityTrustDomain: 'other.example' }))[0]!;
    expect(trust.hint).toContain('mesh.trustDomain');
  });

  it('the same values, other keys and a heartbeat schedule of their own pass', () => {
    const values = {
      identityTrustDomain: 'cluster.local',
      identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } },
      proxyInjector: { externalSecret: true, timeoutSeconds: 5 },
      controllerReplicas: 3,
      heartbeatSchedule: '0 3 * * *',
    };
    expect(errors(checkEnvironment(env(values)))).toEqual([]);
  });

  it("tracing values other than observability.tracing's", () => {
    const e = env(
      {
        proxy: {
          tracing: {
            enabled: false,
            collector: { endpoint: 'elsewhere:4317', meshIdentity: { serviceAccountName: 'otel' } },
          },
        },
      },
      {
        version: '2.19',
        observability: {
          metrics: 'none',
          dashboards: false,
          tracing: { provider: 'opentelemetry', host: 'otel.obs', port: 4317, sampling: 1 },
        },
      },
    );
    expect(errors(checkEnvironment(e))).toEqual([
      at('proxy/tracing/enabled'),
      at('proxy/tracing/collector/endpoint'),
    ]);
  });
});

describe('6. Gateway API CRD range per Linkerd version', () => {
  it('2.16–2.17, 2.18–2.19 and 2.20', () => {
    expect(linkerdGatewayApi('2.16')).toBe('Gateway API CRDs v1.0.0 to v1.1.1 (HTTPRoute, GRPCRoute)');
    expect(linkerdGatewayApi('2.17')).toBe('Gateway API CRDs v1.0.0 to v1.1.1 (HTTPRoute, GRPCRoute)');
    expect(linkerdGatewayApi('2.18')).toBe('Gateway API CRDs v1.1.1 to v1.2.1 (HTTPRoute, GRPCRoute)');
    expect(linkerdGatewayApi('2.19')).toBe('Gateway API CRDs v1.1.1 to v1.2.1 (HTTPRoute, GRPCRoute)');
    expect(linkerdGatewayApi('2.20')).toBe('Gateway API CRDs v1.2.1 to v1.5.1 (HTTPRoute, GRPCRoute)');
  });
});

describe('7. a pinned heartbeat schedule', () => {
  it('is in the control-plane values, a fixed daily time derived from the environment name', () => {
    const values = (name: string) =>
      buildCharts({ ...linkerdEnv({ install: { chartVersion: '2025.4.4', values: {} } }), name })[1]!.values;
    const a = values('staging').heartbeatSchedule;
    expect(a).toMatch(/^([0-9]|[1-5][0-9]) ([0-9]|1[0-9]|2[0-3]) \* \* \*$/);
    expect(values('staging').heartbeatSchedule).toBe(a);
    expect(heartbeatSchedule('staging')).toBe(a);
    const all = new Set(['staging', 'prod', 'dr', 'edge', 'legacy'].map((n) => values(n).heartbeatSchedule));
    expect(all.size).toBeGreaterThan(1);
    // The user's own fixed schedule wins.
    const own = buildCharts(
      linkerdEnv({ install: { chartVersion: '2025.4.4', values: { heartbeatSchedule: '0 3 * * *' } } }),
    )[1]!.values;
    expect(own.heartbeatSchedule).toBe('0 3 * * *');
  });
});

describe('8. outlier detection on a TCP-only service', () => {
  const od = { outlierDetection: { consecutiveErrors: 5 } };
  it('is refused at resilience.outlierDetection: Linkerd accrues failures on HTTP and gRPC only', () => {
    const tcp = makeService({
      name: 'db',
      ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
      resilience: od,
    });
    const ds = checkServiceValues(tcp);
    expect(errors(ds)).toEqual(['MESH_CONSTRAINT services/db.yaml#/resilience/outlierDetection']);
    expect(ds[0]!.message).toContain('TCP');
    const external = makeService({
      name: 'db',
      ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
      resilience: od,
      kubernetesService: 'external',
    });
    expect(errors(checkServiceValues(external))).toHaveLength(1);
  });

  it('a service with an HTTP port keeps its failure accrual', () => {
    const mixed = makeService({
      ports: [
        { name: 'http', port: 9080, protocol: 'http' },
        { name: 'pg', port: 5432, protocol: 'tcp' },
      ],
      resilience: od,
    });
    expect(errors(checkServiceValues(mixed))).toEqual([]);
  });
});
