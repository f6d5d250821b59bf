import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { GatewayRef } from '../shared/gateway-api.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { objectMeta } from '../shared/labels.ts';
import { INGRESS_GATEWAY_NAME, ISTIO_SYSTEM } from './constants.ts';
import { buildIngressVirtualService, buildNativeGateway } from './gateway.ts';

export interface IngressOutput {
  /** Mesh-wide objects: the ingress namespace (when meshc does not own it otherwise) and the Gateway. */
  readonly system: K8sObject[];
  /** The route exposing each service, by service id (it lives in the service's namespace). */
  readonly routes: Map<string, K8sObject>;
  readonly diagnostics: Diagnostic[];
}

/**
 * Ingress for every service with `ingress`: Gateway API (Gateway + HTTPRoutes) or Istio-native (Gateway +
 * VirtualServices), per `mesh.ingress.api`. Without `mesh.ingress`, each exposed service is an error.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const exposed = env.services.filter((s) => s.ingress);
  const out: IngressOutput = { system: [], routes: new Map(), diagnostics: [] };
  const settings = env.mesh.ingress;
  if (!exposed.length) return out;
  if (!settings) {
    for (const s of exposed) out.diagnostics.push(missingIngressDiagnostic(s, env.name));
    return out;
  }
  const ref: GatewayRef = { name: INGRESS_GATEWAY_NAME, namespace: settings.namespace };
  const appNamespaces = new Set([...env.namespaces, ...env.services.map((s) => s.namespace)]);
  if (settings.namespace !== ISTIO_SYSTEM && !appNamespaces.has(settings.namespace)) {
    out.system.push({ apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(settings.namespace) });
  }
  const native = settings.api === 'native';
  out.system.push(native ? buildNativeGateway(ref, exposed) : buildIngressGateway(ref, settings.className));
  for (const s of exposed) {
    const route = native ? buildIngressVirtualService(s, ref) : buildIngressHttpRoute(s, ref);
    if (route) out.routes.set(s.id, route);
  }
  return out;
}

function missingIngressDiagnostic(service: ResolvedService, envName: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Service ${service.id} sets ingress, but environment ${envName} has no mesh.ingress to expose it through.`,
    hint: 'Add `mesh.ingress` (for example `{ className: istio }`) to the Environment, or remove `ingress` for this environment with an override.',
    location: service.origin(['ingress']),
  };
}
