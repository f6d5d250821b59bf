import type { ResolvedEnvironment } from '../../model/types.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { planIngress } from '../shared/ingress.ts';
import type { IngressOutput } from '../shared/ingress.ts';
import { LINKERD_NS } from './constants.ts';

export { INGRESS_GATEWAY_NAME } from '../shared/ingress.ts';
export type { IngressOutput };

/**
 * Linkerd has no ingress of its own: services are exposed through the environment's Gateway API gateway class
 * (a Gateway `meshc-ingress` and one HTTPRoute per service, the shared builders). The ingress controller is
 * meshed like any workload, by its own manifests (`linkerd.io/inject: enabled` on its pods, or `ingress` for
 * the controllers Linkerd's "Handling ingress traffic" names); meshc leaves its namespace unannotated, as Linkerd
 * recommends annotating the controller's workload rather than the namespace.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const { out, plan } = planIngress(env, LINKERD_NS);
  if (!plan) return out;
  out.system.push(buildIngressGateway(plan.ref, plan.settings.className));
  for (const s of plan.exposed) {
    const route = buildIngressHttpRoute(s, plan.ref);
    if (route) out.routes.set(s.id, route);
  }
  return out;
}
