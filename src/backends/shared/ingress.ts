import { applicationNamespaces } from '../../model/environment.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { IngressTls, MeshSettings, ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { GatewayRef } from './gateway-api.ts';
import { buildHttpsRedirectRoute } from './gateway-api.ts';
import { objectMeta } from './labels.ts';
import { unique } from './names.ts';

/** Name of meshc's ingress Gateway, in the environment's ingress namespace (every backend). */
export const INGRESS_GATEWAY_NAME = 'meshc-ingress';

/** The cert-manager Certificate of the ingress (`tls.certManager`), and the Secret cert-manager writes. */
export const INGRESS_CERTIFICATE_NAME = 'meshc-ingress-tls';

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
  /** The Gateway, with the certificate Secret when the ingress serves HTTPS. */
  readonly ref: GatewayRef;
  /** Every ingress host of the exposed services, sorted. */
  readonly hosts: readonly string[];
}

/**
 * What every backend's ingress starts with: the services to expose, an error at each of them when the
 * environment has no `mesh.ingress`, the Gateway reference, and the ingress namespace object (unless the
 * control plane's or an application's namespace already is it). With `mesh.ingress.tls`, also what HTTPS
 * needs whatever the Gateway: the cert-manager Certificate for every host (`certManager`; `secretName` names
 * an existing Secret instead), and for Gateway API Gateways the route redirecting HTTP to HTTPS. The backend
 * adds its Gateway and routes (the shared Gateway API builders read the certificate Secret from `ref`).
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
  const tls = settings.tls;
  const ref: GatewayRef = {
    name: INGRESS_GATEWAY_NAME,
    namespace: settings.namespace,
    ...(tls ? { tlsSecret: ingressTlsSecret(tls) } : {}),
  };
  const hosts = unique(exposed.flatMap((s) => s.ingress?.hosts ?? [])).sort();
  const appNamespaces = new Set(applicationNamespaces(env));
  if (settings.namespace !== systemNamespace && !appNamespaces.has(settings.namespace))
    out.system.push({ apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(settings.namespace) });
  if (tls?.type === 'cert-manager') out.system.push(buildIngressCertificate(tls, settings.namespace, hosts));
  if (tls && settings.api === 'gateway-api') out.system.push(buildHttpsRedirectRoute(ref, hosts));
  return { out, plan: { exposed, settings, ref, hosts } };
}

/** The Secret with the ingress certificate: the one cert-manager writes, or the user's own. */
export function ingressTlsSecret(tls: IngressTls): string {
  return tls.type === 'secret' ? tls.secretName : INGRESS_CERTIFICATE_NAME;
}

/**
 * The cert-manager Certificate of the ingress: every ingress host as a DNS name, issued by the configured
 * issuer into the Secret the Gateway reads, in the Gateway's namespace (Gateway API gateways, and the
 * meshes' own gateways, read certificates from their own namespace).
 */
export function buildIngressCertificate(
  tls: Extract<IngressTls, { type: 'cert-manager' }>,
  namespace: string,
  hosts: readonly string[],
): K8sObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: objectMeta(INGRESS_CERTIFICATE_NAME, namespace),
    spec: {
      secretName: INGRESS_CERTIFICATE_NAME,
      dnsNames: [...hosts],
      issuerRef: { name: tls.issuer, kind: tls.kind, group: 'cert-manager.io' },
    },
  };
}

function missingIngress(service: ResolvedService, envName: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Service ${service.id} sets ingress, but environment ${envName} has no mesh.ingress to expose it through.`,
    hint: 'Add `mesh.ingress` with the gateway class of your ingress controller (`{ className: NAME }`) to the Environment, or remove `ingress` for this environment with an override.',
    location: service.origin(['ingress']),
  };
}
