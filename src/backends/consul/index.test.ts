import { describe, expect, it } from 'vitest';
import { meshEnvironment, multiPortService } from '../../../test/helpers/backend-fixtures.ts';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import { FEATURES } from '../features.ts';
import { CONSUL_CAPABILITIES } from './capabilities.ts';
import { consul } from './index.ts';
import { consulPrerequisites } from './prerequisites.ts';
import { duration } from '../../model/normalize.ts';

const CTX = { toolVersion: '0.0.0' };
const ids = (objects: readonly { kind: string; metadata: { name: string } }[] | undefined) =>
  (objects ?? []).map((o) => `${o.kind}/${o.metadata.name}`);

describe('consul backend', () => {
  it('declares every feature, with a note for every non-exact one; what Community Edition lacks is unsupported', () => {
    expect(Object.keys(CONSUL_CAPABILITIES).sort()).toEqual(FEATURES.map((f) => f.id).sort());
    for (const [id, c] of Object.entries(CONSUL_CAPABILITIES))
      if (c.support !== 'exact') expect(c.note, id).toBeTruthy();
    expect(
      Object.entries(CONSUL_CAPABILITIES)
        .filter(([, c]) => c.support === 'unsupported')
        .map(([id]) => id)
        .sort(),
    ).toEqual(
      [
        'mesh.ingress.native',
        'mesh.mtls.off',
        'mesh.trust.acm',
        'mesh.trust.certManager',
        'mesh.trust.file',
        'mesh.trust.sds',
        'route.fault.abort',
        'route.fault.delay',
        'route.fault.withTimeoutOrRetries',
        'route.mirror',
        'route.retries.perTryTimeout',
        // Flagger has no Consul provider.
        ...FEATURES.map((f) => f.id).filter((id) => id === 'rollout' || id.startsWith('rollout.')),
      ].sort(),
    );
    expect(CONSUL_CAPABILITIES['route.fault.delay'].note).toContain('Enterprise');
  });

  it('emits per namespace: the Service, ServiceDefaults, resolver, chain and intentions of each service', () => {
    const out = consul.emit(meshEnvironment('consul'), CTX);
    expect([...out.namespaces.keys()]).toEqual(['bookinfo', 'shop']);
    expect(ids(out.namespaces.get('bookinfo'))).toEqual([
      'Namespace/bookinfo',
      'Service/productpage',
      'ServiceDefaults/productpage',
      'ServiceIntentions/productpage',
      'HTTPRoute/productpage-ingress',
      'Service/reviews',
      'ServiceDefaults/reviews',
      'ServiceResolver/reviews',
      'ServiceRouter/reviews',
      'ServiceSplitter/reviews',
      'ServiceIntentions/reviews',
    ]);
    expect(ids(out.system)).toEqual([
      'ProxyDefaults/global',
      'Namespace/ingress',
      'Gateway/meshc-ingress',
      'PodMonitor/consul-dataplane',
      'GrafanaDashboard/consul-service-mesh',
    ]);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The productpage → reviews outlier detection lands in productpage's ServiceDefaults.
    const pp = out.namespaces
      .get('bookinfo')!
      .find((o) => o.kind === 'ServiceDefaults' && o.metadata.name === 'productpage')!;
    expect(pp.spec).toMatchObject({
      upstreamConfig: { overrides: [{ name: 'reviews', passiveHealthCheck: { maxFailures: 5 } }] },
    });
  });

  it('the gateway of an exposed service is admitted by name (Consul registers a Gateway under its own name)', () => {
    const out = consul.emit(meshEnvironment('consul'), CTX);
    const intentions = out.namespaces
      .get('bookinfo')!
      .find((o) => o.kind === 'ServiceIntentions' && o.metadata.name === 'productpage')!;
    // productpage allows `*` at L4: the gateway too.
    expect((intentions.spec as { sources: unknown[] }).sources).toEqual([
      { name: 'meshc-ingress', action: 'allow' },
      { name: '*', action: 'allow' },
    ]);
  });

  it('warnings for what consul-k8s does differently: extra ports, resilience without a known caller', () => {
    const env = meshEnvironment('consul', {
      services: [
        multiPortService({
          resilience: { outlierDetection: { consecutiveErrors: 3, interval: duration('5s') } },
        }),
      ],
    });
    const d = consul.emit(env, CTX).diagnostics.map((x) => `${x.severity} ${x.code} ${x.location?.file}`);
    expect(d.sort()).toEqual([
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/ports/1',
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/outlierDetection',
    ]);
  });

  it('refuses two services that would be one Consul service, and a requests-per-connection limit', () => {
    const a = makeService({ name: 'a', serviceAccount: 'shared' });
    const b = makeService({
      namespace: 'shop',
      name: 'b',
      serviceAccount: 'shared',
      resilience: { connectionPool: { maxRequestsPerConnection: 1 } },
      access: [makeAccessRule({ from: [caller('bookinfo/a', 'shared')] })],
    });
    const d = consul.emit(meshEnvironment('consul', { services: [a, b] }), CTX).diagnostics;
    expect(
      d
        .filter((x) => x.severity === 'error')
        .map((x) => `${x.code} ${x.location?.file}`)
        .sort(),
    ).toEqual([
      'MESH_CONSTRAINT services/b.yaml#/serviceAccount',
      'MESH_UNSUPPORTED_FEATURE services/b.yaml#/resilience/connectionPool/maxRequestsPerConnection',
    ]);
  });

  it('refuses an OpenTelemetry tracer (the proxies export Zipkin)', () => {
    const env = meshEnvironment('consul', {
      mesh: {
        observability: {
          metrics: 'none',
          dashboards: false,
          tracing: { provider: 'opentelemetry', host: 'otel.o', port: 4317, sampling: 1 },
        },
      },
    });
    expect(consul.emit(env, CTX).diagnostics.map((x) => x.code)).toContain('MESH_UNSUPPORTED_FEATURE');
  });

  it('prerequisites: the Gateway API CRDs always, with a TCPRoute CRD as the chart version needs; the control plane without install', () => {
    const full = consulPrerequisites(meshEnvironment('consul')).map((p) => p.what);
    // Chart 1.7.2 installs the TCPRoute CRD: the standard channel's (v1.6.0+) must stay out.
    expect(full[0]).toMatch(/^Gateway API CRDs v1\.0\.0 to v1\.5\.x, standard channel/);
    expect(full[0]).toContain('without the TCPRoute CRD its standard channel has from v1.6.0');
    expect(full[0]).not.toContain('experimental');
    const old = consulPrerequisites(
      meshEnvironment('consul', { mesh: { version: '1.17', install: undefined } }),
    ).map((p) => p.what);
    expect(old[0]).toMatch(/^Consul 1\.17 on Kubernetes \(consul chart 1\.3\.x/);
    expect(old[1]).toContain('a TCPRoute CRD serving the v1alpha2 consul-k8s watches');
  });

  it('refuses a version older than 1.16', () => {
    const env = meshEnvironment('consul', { mesh: { version: '1.15' } });
    expect(consul.emit(env, CTX).diagnostics.map((d) => d.code)).toContain('MESH_CONSTRAINT');
  });
});
