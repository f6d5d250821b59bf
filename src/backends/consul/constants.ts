import type { Protocol, ResolvedService } from '../../model/types.ts';

/** The control plane's namespace (the consul chart's install instructions use `consul`). */
export const CONSUL_NS = 'consul';
/**
 * Consul 1.16 (consul-k8s 1.2): the built-in API gateway (Gateway API `Gateway` of class `consul`),
 * `mutualTLSMode` with `Mesh.allowEnablingPermissiveMutualTLS`, and `maxEjectionPercent`/`baseEjectionTime` in
 * passive health checks.
 */
export const MIN_VERSION = '1.16';
/** `ServiceRouter` destinations take `retryOn` (Envoy retry conditions) from Consul 1.18 (consul-k8s 1.4). */
export const RETRY_ON_SINCE = '1.18';

export const CONSUL_API = 'consul.hashicorp.com/v1alpha1';
export const CONSUL_GROUP = 'consul.hashicorp.com';

/** Pod annotations of consul-k8s (`control-plane/connect-inject/constants/annotations_and_labels.go`). */
export const ANNOTATIONS = {
  inject: 'consul.hashicorp.com/connect-inject',
  service: 'consul.hashicorp.com/connect-service',
  metaPrefix: 'consul.hashicorp.com/service-meta-',
} as const;

/** The label consul-k8s puts on every pod it injected. */
export const INJECTED_LABEL = { 'consul.hashicorp.com/connect-inject-status': 'injected' } as const;

/**
 * The Consul service name of a meshc service: its service account. With ACLs on (meshc's install turns them
 * on), a pod may only register a service named after its ServiceAccount (consul-k8s connect-init: "service
 * account name … doesn't match Consul service name"), so config entries, intentions and callers all use this
 * name; pods whose Kubernetes Service is named otherwise carry `consul.hashicorp.com/connect-service`.
 */
export function consulName(service: Pick<ResolvedService, 'serviceAccount'>): string {
  return service.serviceAccount;
}

/** The ServiceDefaults protocol of a port protocol (`tcp` is Consul's default). */
export function consulProtocol(protocol: Protocol): 'http' | 'http2' | 'grpc' | 'tcp' {
  return protocol;
}

/** The protocol of the service's one meshed port (the first; Consul CE proxies one port per service). */
export function serviceProtocol(service: ResolvedService): 'http' | 'http2' | 'grpc' | 'tcp' {
  return consulProtocol(service.ports[0]?.protocol ?? 'tcp');
}

/** True when Consul treats the service at L7 (routers, splitters, L7 intentions need it). */
export function isL7(service: ResolvedService): boolean {
  return serviceProtocol(service) !== 'tcp';
}

/** Name of the splitter-only Consul service that carries one weighted, matched route of `owner`. */
export function splitName(owner: string, route: string): string {
  return `${owner}--${route}`;
}
