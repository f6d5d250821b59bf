import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { buildIngressGateway, buildIngressHttpRoute, httpsRedirectRouteName } from '../shared/gateway-api.ts';
import { INGRESS_GATEWAY_NAME, planIngress } from '../shared/ingress.ts';
import type { IngressOutput } from '../shared/ingress.ts';
import { CONSUL_NS } from './constants.ts';

/**
 * The Consul service name of the API gateway: consul-k8s registers a Gateway as a Consul service named after
 * the Gateway object, so intentions admit the ingress under this name.
 */
export const INGRESS_SOURCE = INGRESS_GATEWAY_NAME;

/**
 * Ingress through Consul's API gateway: a Gateway API `Gateway` of the environment's class (`consul`, the
 * GatewayClass the chart creates) and one HTTPRoute per exposed service to its root Kubernetes Service, TLS per
 * `mesh.ingress.tls` (the shared builders). The intentions that admit the gateway are built per service
 * (intentions.ts). Without `mesh.ingress`, each exposed service is an error.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const { out, plan } = planIngress(env, CONSUL_NS);
  if (!plan) return out;
  if (plan.settings.tls) {
    // The API gateway translates header modifiers, URL rewrites and its own extension filters only
    // (consul-k8s `control-plane/api-gateway/common/translation.go`, `translateHTTPFilters`): a RequestRedirect
    // rule would become a route to no service (503). No redirect route, so plain HTTP finds no route: the
    // capability check warns about it (feature `mesh.ingress.tls`, approximate).
    const redirect = httpsRedirectRouteName(plan.ref);
    out.system.splice(
      0,
      out.system.length,
      ...out.system.filter((o) => !(o.kind === 'HTTPRoute' && o.metadata.name === redirect)),
    );
  }
  out.system.push(buildIngressGateway(plan.ref, plan.settings.className));
  for (const s of plan.exposed) {
    const route = buildIngressHttpRoute(s, plan.ref);
    if (route) out.routes.set(s.id, segmentWisePrefixes(route));
  }
  return out;
}

/**
 * Consul's API gateway turns an HTTPRoute `PathPrefix` into a ServiceRouter `pathPrefix`, a plain string prefix
 * (hashicorp/consul `agent/consul/discoverychain/gateway_httproute.go`), where Gateway API and meshc mean a
 * segment-wise prefix (`/static` matches `/static/x`, not `/staticx`). Each such match becomes `Exact /static`
 * plus `PathPrefix /static/`, which both readings take the same way.
 */
export function segmentWisePrefixes(route: K8sObject): K8sObject {
  const spec = route.spec as { rules?: { matches?: { path?: { type: string; value: string } }[] }[] };
  for (const rule of spec.rules ?? []) {
    if (!rule.matches) continue;
    rule.matches = rule.matches.flatMap((m) => {
      const p = m.path;
      if (!p || p.type !== 'PathPrefix' || p.value.endsWith('/')) return [m];
      return [
        { ...m, path: { type: 'Exact', value: p.value } },
        { ...m, path: { type: 'PathPrefix', value: `${p.value}/` } },
      ];
    });
  }
  return route;
}
