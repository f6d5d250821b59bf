import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService, StringMatch } from '../../model/types.ts';
import { objectMeta } from './labels.ts';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/** Where the ingress Gateway lives. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The ingress Gateway: one plain-HTTP listener on port 80 that accepts routes from every namespace (each
 * service's HTTPRoute lives next to the service).
 */
export function buildIngressGateway(ref: GatewayRef, className: string): K8sObject {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: objectMeta(ref.name, ref.namespace),
    spec: {
      gatewayClassName: className,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    },
  };
}

/** Name of the HTTPRoute (or mesh-native route) exposing a service through the ingress. */
export function ingressRouteName(service: ResolvedService): string {
  return `${service.name}-ingress`;
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
 * The HTTPRoute exposing a service: in the service's namespace, attached to the ingress Gateway, its hosts,
 * one match per ingress path, sending to the root Service on the service's first port. Undefined without
 * `ingress`.
 */
export function buildIngressHttpRoute(service: ResolvedService, gateway: GatewayRef): K8sObject | undefined {
  const ingress = service.ingress;
  const port = service.ports[0];
  if (!ingress || !port) return undefined;
  const paths: readonly StringMatch[] = ingress.paths.length
    ? ingress.paths
    : [{ type: 'prefix', value: '/' }];
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMeta(ingressRouteName(service), service.namespace),
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: gateway.name,
          namespace: gateway.namespace,
        },
      ],
      hostnames: [...ingress.hosts],
      rules: [
        {
          matches: paths.map((p) => ({ path: ingressPathMatch(p) })),
          backendRefs: [{ name: service.name, port: port.port }],
        },
      ],
    },
  };
}
