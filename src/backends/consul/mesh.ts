import type { K8sObject } from '../../core/k8s.ts';
import type { Observability, ResolvedEnvironment } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { qualifyServiceHost } from '../shared/names.ts';
import { CONSUL_API, CONSUL_NS } from './constants.ts';

/**
 * The `Mesh` config entry (a singleton: its name must be `mesh`), emitted only when some service sets
 * `mtls: permissive`: Consul accepts `mutualTLSMode: permissive` on a ServiceDefaults only after
 * `allowEnablingPermissiveMutualTLS` is set on the mesh (consul-k8s `mesh_types.go`; Consul 1.16).
 */
export function buildMesh(env: ResolvedEnvironment): K8sObject | undefined {
  if (!env.services.some((s) => s.mtlsOverride && s.mtls === 'permissive')) return undefined;
  return {
    apiVersion: CONSUL_API,
    kind: 'Mesh',
    metadata: objectMeta('mesh', CONSUL_NS),
    spec: { allowEnablingPermissiveMutualTLS: true },
  };
}

/** The static Envoy cluster the proxies send spans to. */
export const TRACING_CLUSTER = 'meshc_zipkin';

/** The type of `envoy_listener_tracing_json` (Consul decodes it as an `Any`: agent/xds `makeTracingFromUserConfig`). */
export const LISTENER_TRACING_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing';

/**
 * The global `ProxyDefaults` (its name must be `global`) with Envoy's Zipkin tracer, as HashiCorp's
 * "Distributed tracing" page configures it: `envoy_tracing_json` (the tracer) and
 * `envoy_extra_static_clusters_json` (the collector as a static cluster), both Envoy bootstrap configuration
 * (proxies read them when they start); and `envoy_listener_tracing_json`, the tracing settings of every HTTP
 * connection manager of a sidecar (its inbound listener and each upstream's: agent/xds `listeners.go`), sent over
 * xDS. Without it Consul writes `random_sampling: 0` there ("Don't trace any requests by default unless the
 * client application explicitly propagates trace headers", `makeHTTPFilter`): only requests some caller decided
 * to trace would be traced. With it, a request no caller decided is sampled at the spec's percentage
 * (`random_sampling`, an Envoy `Percent`); the tracer is named there too, so that the listeners do not lean on
 * the bootstrap's (deprecated) tracer. Consul reads this key since 1.13 (hashicorp/consul#13998). Undefined
 * unless the environment traces through Zipkin.
 */
export function buildProxyDefaults(obs: Observability): K8sObject | undefined {
  const t = obs.tracing;
  if (!t || t.provider !== 'zipkin') return undefined;
  const host = qualifyServiceHost(t.host);
  const cluster = {
    name: TRACING_CLUSTER,
    type: 'STRICT_DNS',
    connect_timeout: '5s',
    load_assignment: {
      cluster_name: TRACING_CLUSTER,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: host, port_value: t.port } } } },
          ],
        },
      ],
    },
  };
  const zipkin = {
    '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
    collector_cluster: TRACING_CLUSTER,
    collector_endpoint_version: 'HTTP_JSON',
    collector_endpoint: '/api/v2/spans',
    shared_span_context: false,
  };
  const tracer = { http: { name: 'envoy.tracers.zipkin', typedConfig: zipkin } };
  const listenerTracing = {
    '@type': LISTENER_TRACING_TYPE,
    provider: { name: 'envoy.tracers.zipkin', typed_config: zipkin },
    random_sampling: { value: t.sampling },
  };
  return {
    apiVersion: CONSUL_API,
    kind: 'ProxyDefaults',
    metadata: objectMeta('global', CONSUL_NS),
    spec: {
      config: {
        envoy_tracing_json: JSON.stringify(tracer),
        envoy_extra_static_clusters_json: JSON.stringify(cluster),
        envoy_listener_tracing_json: JSON.stringify(listenerTracing),
      },
    },
  };
}
