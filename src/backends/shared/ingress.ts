import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { MeshSettings, ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { GatewayRef } from './gateway-api.ts';
import { objectMeta } from './labels.ts';

/** Name of meshc's ingress Gateway, in the environment's ingress namespace (every backend). */
export const INGRESS_GATEWAY_NAME = 'meshc-ingress';

export interface IngressOutput {
  /** Mesh-wide objects: the ingress namespace (when meshc does not own it otherwise) and the Gateway. */
  readonly system: K8sObject[];
  /** The route exposing each service, by service id (it lives in the service's namespace). */
  readonly routes: Map<string, K8sObject>;
  readonly diagnostics: Diagnostic[];
}

export interface IngressPlan {
  readonly exposed: readonly ResolvedService[];
  readonly settings: NonNullable<MeshSettings['ingress']>;
  readonly ref: GatewayRef;
}

/**
 * What every backend's ingress starts with: the services to expose, an error at each of them when the
 * environment has no `mesh.ingress`, the Gateway reference, and the ingress namespace object (unless the
 * control plane's or an application's namespace already is it). The backend adds its Gateway and routes.
 */
export function planIngress(
  env: ResolvedEnvironment,
  systemNamespace: string,
): { out: IngressOutput; plan?: IngressPlan } {
  const exposed = env.services.filter((s) => s.ingress);
  const out: IngressOutput = { system: [], routes: new Map(), diagnostics: [] };
  const settings = env.mesh.ingress;
  if (!exposed.length) return { out };
  if (!settings) {
    for (const s of exposed) out.diagnostics.push(missingIngress(s, env.name));
    return { out };
  }
  const ref: GatewayRef = { name: INGRESS_GATEWAY_NAME, namespace: settings.namespace };
  const appNamespaces = new Set([...env.namespaces, ...env.services.map((s) => s.namespace)]);
  if (settings.namespace !== systemNamespace && !appNamespaces.has(settings.namespace))
    out.system.push({ apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(settings.namespace) });
  return { out, plan: { exposed, settings, ref } };
}

function missingIngress(service: ResolvedService, envName: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Service ${service.id} sets ingress, but environment ${envName} has no mesh.ingress to expose it through.`,
    hint: 'Add `mesh.ingress` with the gateway class of your ingress (for example `{ className: istio }`) to the Environment, or remove `ingress` for this environment with an override.',
    location: service.origin(['ingress']),
  };
}
