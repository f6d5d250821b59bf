import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService, StringMatch } from '../../model/types.ts';
import { objectMeta } from './labels.ts';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/*
 * Every object written here carries the CRD defaults of the fields inside its lists explicitly (backendRefs'
 * `group`/`kind`/`weight`, a rule's `matches`, a match's `path`, a listener's `allowedRoutes`, `tls.mode`, a
 * certificateRef's `group`/`kind`): the API server fills them in, and a GitOps engine that diffs on the client
 * (Argo CD without server-side diff: its three-way merge replaces a list whole) would otherwise see every such
 * list changed after each sync, forever (the merge keeps defaults of fields outside lists; meshc's objects have
 * none left to fill in either).
 */

/** The path match the Gateway API fills in for a match without `path`, and the match of a rule without any. */
export function defaultPathMatch(): { type: string; value: string } {
  return { type: 'PathPrefix', value: '/' };
}

/** `rules[].matches` as the Gateway API fills it in for a rule without matches: every request. */
export function defaultRouteMatches(): Record<string, unknown>[] {
  return [{ path: defaultPathMatch() }];
}

/**
 * A backendRef to a Kubernetes Service, with the defaults the API server fills in (`group: ""`,
 * `kind: Service`, `weight: 1`) written out; `namespace` only when given.
 */
export function serviceBackendRef(
  name: string,
  port: number,
  weight = 1,
  namespace?: string,
): Record<string, unknown> {
  return {
    group: '',
    kind: 'Service',
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    port,
    weight,
  };
}

/** Listener (and `sectionName`) names of the ingress Gateway. */
export const HTTP_LISTENER = 'http';
export const HTTPS_LISTENER = 'https';

/** Where the ingress Gateway lives, and the Secret of its certificate when the ingress serves HTTPS. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
  /** `mesh.ingress.tls`: the Secret (in the Gateway's namespace) holding the certificate for every host. */
  readonly tlsSecret?: string;
}

/**
 * The ingress Gateway. Without TLS: one plain-HTTP listener on port 80 that accepts routes from every
 * namespace (each service's HTTPRoute lives next to the service). With TLS: an HTTPS listener on 443 that
 * terminates TLS with the certificate Secret and accepts routes from every namespace, and the HTTP listener
 * on 80 accepts routes from the Gateway's own namespace only, where meshc's redirect route to HTTPS lives
 * (`buildHttpsRedirectRoute`), so no service route can serve plain HTTP.
 */
export function buildIngressGateway(ref: GatewayRef, className: string): K8sObject {
  const all = { namespaces: { from: 'All' } };
  const listeners: Record<string, unknown>[] =
    ref.tlsSecret === undefined
      ? [{ name: HTTP_LISTENER, port: 80, protocol: 'HTTP', allowedRoutes: all }]
      : [
          {
            name: HTTP_LISTENER,
            port: 80,
            protocol: 'HTTP',
            allowedRoutes: { namespaces: { from: 'Same' } },
          },
          {
            name: HTTPS_LISTENER,
            port: 443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: ref.tlsSecret }] },
            allowedRoutes: all,
          },
        ];
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: objectMeta(ref.name, ref.namespace),
    spec: { gatewayClassName: className, listeners },
  };
}

/** The parentRef of a route attached to the ingress Gateway: to its HTTPS listener when it serves TLS. */
export function gatewayParentRef(gateway: GatewayRef, sectionName?: string): Record<string, unknown> {
  const section = sectionName ?? (gateway.tlsSecret === undefined ? undefined : HTTPS_LISTENER);
  return {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: gateway.name,
    namespace: gateway.namespace,
    ...(section === undefined ? {} : { sectionName: section }),
  };
}

/** Name of the HTTPRoute that redirects plain HTTP to HTTPS, next to the ingress Gateway. */
export function httpsRedirectRouteName(gateway: GatewayRef): string {
  return `${gateway.name}-https-redirect`;
}

/**
 * With TLS: the HTTPRoute on the Gateway's HTTP listener that answers every request for the ingress hosts with
 * a 301 to the same URL over HTTPS (RequestRedirect, scheme https; the port becomes 443, the scheme's own).
 */
export function buildHttpsRedirectRoute(gateway: GatewayRef, hosts: readonly string[]): K8sObject {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMeta(httpsRedirectRouteName(gateway), gateway.namespace),
    spec: {
      parentRefs: [gatewayParentRef(gateway, HTTP_LISTENER)],
      hostnames: [...hosts],
      rules: [
        {
          matches: defaultRouteMatches(),
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
        },
      ],
    },
  };
}

/** Name of the HTTPRoute (or mesh-native route) exposing a service through the ingress. */
export function ingressRouteName(service: ResolvedService): string {
  return `${service.name}-ingress`;
}

/**
 * The port ingress traffic goes to: the service's first HTTP (http, http2, grpc) port; its first port when it
 * has none.
 */
export function ingressPort(service: ResolvedService): Port | undefined {
  return service.ports.find((p) => p.protocol !== 'tcp') ?? service.ports[0];
}

const PATH_TYPES: Readonly<Record<StringMatch['type'], string>> = {
  exact: 'Exact',
  prefix: 'PathPrefix',
  regex: 'RegularExpression',
};

/** Gateway API path match: `exact` → `Exact`, `prefix` → `PathPrefix` (segment-wise in both). */
export function ingressPathMatch(path: StringMatch): { type: string; value: string } {
  return { type: PATH_TYPES[path.type], value: path.value };
}

/**
 * The HTTPRoute exposing a service: in the service's namespace, attached to the ingress Gateway (its HTTPS
 * listener when the ingress serves TLS), its hosts, one match per ingress path, sending to the root Service on
 * the service's first HTTP port. Undefined without `ingress`.
 */
export function buildIngressHttpRoute(service: ResolvedService, gateway: GatewayRef): K8sObject | undefined {
  const ingress = service.ingress;
  const port = ingressPort(service);
  if (!ingress || !port) return undefined;
  const paths: readonly StringMatch[] = ingress.paths.length
    ? ingress.paths
    : [{ type: 'prefix', value: '/' }];
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMeta(ingressRouteName(service), service.namespace),
    spec: {
      parentRefs: [gatewayParentRef(gateway)],
      hostnames: [...ingress.hosts],
      rules: [
        {
          matches: paths.map((p) => ({ path: ingressPathMatch(p) })),
          backendRefs: [serviceBackendRef(service.name, port.port)],
        },
      ],
    },
  };
}
