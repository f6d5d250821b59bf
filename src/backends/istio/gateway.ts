import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';
import type { GatewayRef } from '../shared/gateway-api.ts';
import { ingressPort, ingressRouteName } from '../shared/gateway-api.ts';
import { objectMeta } from '../shared/labels.ts';
import { serviceFqdn, unique } from '../shared/names.ts';
import { INGRESS_GATEWAY_SELECTOR, NETWORKING } from './constants.ts';
import { uriMatches } from './http-match.ts';
import { NO_RETRIES } from './virtual-service.ts';

/**
 * The Istio-native ingress Gateway (`api: native`): selects the `gateway` chart's pods and serves plain HTTP
 * on port 80 for every host of every exposed service. With TLS (`ref.tlsSecret`): HTTPS on 443 terminating
 * TLS with that Secret (`credentialName`, read from the gateway's namespace), and port 80 answering every
 * request with a 301 to HTTPS (`tls.httpsRedirect`).
 */
export function buildNativeGateway(ref: GatewayRef, services: readonly ResolvedService[]): K8sObject {
  const hosts = unique(services.flatMap((s) => s.ingress?.hosts ?? [])).sort();
  const http = { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts };
  const servers =
    ref.tlsSecret === undefined
      ? [http]
      : [
          { ...http, hosts: [...hosts], tls: { httpsRedirect: true } },
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: [...hosts],
            tls: { mode: 'SIMPLE', credentialName: ref.tlsSecret },
          },
        ];
  return {
    apiVersion: NETWORKING,
    kind: 'Gateway',
    metadata: objectMeta(ref.name, ref.namespace),
    spec: { selector: { ...INGRESS_GATEWAY_SELECTOR }, servers },
  };
}

/**
 * The VirtualService `<service>-ingress` bound to the native ingress Gateway: the service's ingress hosts and
 * paths (segment-wise prefixes expanded as for mesh routes), sent to the service's first HTTP port. Istio merges
 * gateway-bound VirtualServices of the same host, so one per service is fine. Undefined without `ingress`.
 */
export function buildIngressVirtualService(
  service: ResolvedService,
  gateway: GatewayRef,
): K8sObject | undefined {
  const ingress = service.ingress;
  const port = ingressPort(service);
  if (!ingress || !port) return undefined;
  const match = ingress.paths.flatMap((p) => uriMatches(p).map((uri) => ({ uri })));
  const http: Record<string, unknown> = { name: 'ingress' };
  if (match.length) http.match = match;
  http.route = [
    { destination: { host: serviceFqdn(service.namespace, service.name), port: { number: port.port } } },
  ];
  http.retries = { ...NO_RETRIES };
  return {
    apiVersion: NETWORKING,
    kind: 'VirtualService',
    metadata: objectMeta(ingressRouteName(service), service.namespace),
    spec: {
      hosts: [...ingress.hosts],
      gateways: [`${gateway.namespace}/${gateway.name}`],
      http: [http],
    },
  };
}
