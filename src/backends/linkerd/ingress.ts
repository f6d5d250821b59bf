import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { GatewayRef } from '../shared/gateway-api.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { objectMeta } from '../shared/labels.ts';
import { LINKERD_NS } from './constants.ts';

/** Name of the ingress Gateway, in the environment's ingress namespace. */
export const INGRESS_GATEWAY_NAME = 'meshc-ingress';

export interface IngressOutput {
  /** Mesh-wide objects: the ingress namespace (when meshc does not own it otherwise) and the Gateway. */
  readonly system: K8sObject[];
  /** The route exposing each service, by service id (it lives in the service's namespace). */
  readonly routes: Map<string, K8sObject>;
  readonly diagnostics: Diagnostic[];
}

/**
 * Linkerd has no ingress of its own: services are exposed through the environment's Gateway API gateway class
 * (a Gateway `meshc-ingress` and one HTTPRoute per service, the shared builders). The ingress controller is
 * meshed like any workload, by its own manifests (`linkerd.io/inject: enabled` on its pods, or `ingress` for
 * the controllers Linkerd's "Handling ingress traffic" names); meshc leaves its namespace unannotated, as Linkerd
 * recommends annotating the controller's workload rather than the namespace.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const exposed = env.services.filter((s) => s.ingress);
  const out: IngressOutput = { system: [], routes: new Map(), diagnostics: [] };
  const settings = env.mesh.ingress;
  if (!exposed.length) return out;
  if (!settings) {
    for (const s of exposed) out.diagnostics.push(missingIngress(s, env.name));
    return out;
  }
  const ref: GatewayRef = { name: INGRESS_GATEWAY_NAME, namespace: settings.namespace };
  const appNamespaces = new Set([...env.namespaces, ...env.services.map((s) => s.namespace)]);
  if (settings.namespace !== LINKERD_NS && !appNamespaces.has(settings.namespace)) {
    out.system.push({ apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(settings.namespace) });
  }
  out.system.push(buildIngressGateway(ref, settings.className));
  for (const s of exposed) {
    const route = buildIngressHttpRoute(s, ref);
    if (route) out.routes.set(s.id, route);
  }
  return out;
}

function missingIngress(service: ResolvedService, envName: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Service ${service.id} sets ingress, but environment ${envName} has no mesh.ingress to expose it through.`,
    hint: 'Add `mesh.ingress` with the Gateway API class of your ingress controller (for example `{ className: nginx }`), or remove `ingress` for this environment with an override.',
    location: service.origin(['ingress']),
  };
}
