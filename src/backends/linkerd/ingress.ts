import { applicationNamespaces } from '../../model/environment.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { planIngress } from '../shared/ingress.ts';
import type { IngressOutput } from '../shared/ingress.ts';
import { INJECT_ANNOTATION, LINKERD_NS } from './constants.ts';

export { INGRESS_GATEWAY_NAME } from '../shared/ingress.ts';
export type { IngressOutput };

/**
 * True when Linkerd admits the ingress controller's requests to `service` only if the controller is meshed:
 * its `access` admits the ingress by mTLS identity (see authorization.ts), or its mTLS mode is `strict`
 * (`all-authenticated` refuses plaintext callers).
 */
export function needsMeshedIngress(service: ResolvedService): boolean {
  return service.access !== undefined || service.mtls === 'strict';
}

/**
 * Linkerd has no ingress of its own: services are exposed through the environment's Gateway API gateway class
 * (a Gateway `meshc-ingress` and one HTTPRoute per service, the shared builders). The ingress controller must
 * be meshed for the services whose authorization relies on its identity (`needsMeshedIngress`):
 * - the ingress namespace meshc creates gets `linkerd.io/inject: enabled`, so the controller's pods there
 *   (for gateway classes that run their data plane in the Gateway's namespace) get a proxy and the identity
 *   `*.<ingress namespace>.serviceaccount.identity.linkerd.<trustDomain>` the access policies admit;
 * - an application namespace is meshed already (namespace.ts);
 * - any other namespace (the control plane's, which Linkerd never injects, or one meshc does not create) gets
 *   a warning, MESH_INGRESS_NOT_MESHED, at each such service's `ingress`.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const { out, plan } = planIngress(env, LINKERD_NS);
  if (!plan) return out;
  const ingressNs = plan.settings.namespace;
  const relying = plan.exposed.filter(needsMeshedIngress);
  const nsObject = out.system.find((o) => o.kind === 'Namespace' && o.metadata.name === ingressNs);
  const appNamespaces = new Set(applicationNamespaces(env));
  if (relying.length && nsObject) {
    nsObject.metadata.annotations = { ...nsObject.metadata.annotations, [INJECT_ANNOTATION]: 'enabled' };
  } else if (!nsObject && !appNamespaces.has(ingressNs)) {
    for (const s of relying) {
      out.diagnostics.push({
        code: 'MESH_INGRESS_NOT_MESHED',
        severity: 'warning',
        message: `${s.id} admits the ingress by its mesh identity, but meshc does not mesh the ingress namespace ${ingressNs}${ingressNs === LINKERD_NS ? " (Linkerd's control plane, never injected)" : ''}: an unmeshed ingress controller is refused.`,
        hint: `Mesh the ingress controller (\`${INJECT_ANNOTATION}: enabled\` on its pods), or set \`mesh.ingress.namespace\` to a namespace of its own, which meshc creates meshed.`,
        location: s.origin(['ingress']),
      });
    }
  }
  out.system.push(buildIngressGateway(plan.ref, plan.settings.className));
  for (const s of plan.exposed) {
    const route = buildIngressHttpRoute(s, plan.ref);
    if (route) out.routes.set(s.id, route);
  }
  return out;
}
