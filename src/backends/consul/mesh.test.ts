import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { makeService } from '../../../test/helpers/model-factory.ts';
import { buildMesh, buildProxyDefaults, LISTENER_TRACING_TYPE, TRACING_CLUSTER } from './mesh.ts';

describe('Mesh', () => {
  it('allows permissive mTLS only when a service asks for it', () => {
    expect(buildMesh(meshEnvironment('consul'))).toBeUndefined();
    const env = meshEnvironment('consul', {
      services: [makeService({ mtls: 'permissive', mtlsOverride: true })],
    });
    expect(buildMesh(env)).toMatchObject({
      kind: 'Mesh',
      metadata: { name: 'mesh', namespace: 'consul' },
      spec: { allowEnablingPermissiveMutualTLS: true },
    });
    // An inherited permissive mode is not Consul's permissive mode (see the capability note).
    const inherited = meshEnvironment('consul', {
      services: [makeService({ mtls: 'permissive', mtlsOverride: false })],
    });
    expect(buildMesh(inherited)).toBeUndefined();
  });
});

describe('ProxyDefaults tracing', () => {
  it('a Zipkin tracer and its collector as a static cluster, in the global ProxyDefaults', () => {
    const pd = buildProxyDefaults(meshEnvironment('consul').mesh.observability)!;
    expect(pd.metadata).toMatchObject({ name: 'global', namespace: 'consul' });
    const config = (pd.spec as { config: Record<string, string> }).config;
    const tracer = JSON.parse(config.envoy_tracing_json!);
    const cluster = JSON.parse(config.envoy_extra_static_clusters_json!);
    expect(tracer.http.name).toBe('envoy.tracers.zipkin');
    expect(tracer.http.typedConfig.collector_cluster).toBe(TRACING_CLUSTER);
    expect(cluster.name).toBe(TRACING_CLUSTER);
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({
      address: 'zipkin.observability.svc.cluster.local',
      port_value: 9411,
    });
  });

  it("the sidecars' HTTP listeners sample the spec's percentage (Consul's default is 0 %), with the same tracer", () => {
    const pd = buildProxyDefaults(meshEnvironment('consul').mesh.observability)!;
    const config = (pd.spec as { config: Record<string, string> }).config;
    const listener = JSON.parse(config.envoy_listener_tracing_json!);
    expect(listener['@type']).toBe(LISTENER_TRACING_TYPE);
    expect(listener.random_sampling).toEqual({ value: 10 });
    const tracer = JSON.parse(config.envoy_tracing_json!);
    expect(listener.provider).toEqual({ name: tracer.http.name, typed_config: tracer.http.typedConfig });
    const all = buildProxyDefaults({
      metrics: 'none',
      dashboards: false,
      tracing: { provider: 'zipkin', host: 'zipkin.o', port: 9411, sampling: 100 },
    })!;
    const allConfig = (all.spec as { config: Record<string, string> }).config;
    expect(JSON.parse(allConfig.envoy_listener_tracing_json!).random_sampling).toEqual({ value: 100 });
  });

  it('nothing without Zipkin tracing', () => {
    expect(buildProxyDefaults({ metrics: 'none', dashboards: false })).toBeUndefined();
    expect(
      buildProxyDefaults({
        metrics: 'none',
        dashboards: false,
        tracing: { provider: 'opentelemetry', host: 'otel.o', port: 4317, sampling: 1 },
      }),
    ).toBeUndefined();
  });
});
