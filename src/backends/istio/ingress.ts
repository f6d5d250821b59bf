import type { ResolvedEnvironment } from '../../model/types.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { planIngress } from '../shared/ingress.ts';
import type { IngressOutput } from '../shared/ingress.ts';
import { ISTIO_SYSTEM } from './constants.ts';
import { buildIngressVirtualService, buildNativeGateway } from './gateway.ts';

export type { IngressOutput };

/**
 * Ingress for every service with `ingress`: Gateway API (Gateway + HTTPRoutes) or Istio-native (Gateway +
 * VirtualServices), per `mesh.ingress.api`. Without `mesh.ingress`, each exposed service is an error.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const { out, plan } = planIngress(env, ISTIO_SYSTEM);
  if (!plan) return out;
  const native = plan.settings.api === 'native';
  out.system.push(
    native
      ? buildNativeGateway(plan.ref, plan.exposed)
      : buildIngressGateway(plan.ref, plan.settings.className),
  );
  for (const s of plan.exposed) {
    const route = native ? buildIngressVirtualService(s, plan.ref) : buildIngressHttpRoute(s, plan.ref);
    if (route) out.routes.set(s.id, route);
  }
  return out;
}
