import { INGRESS_GATEWAY_NAME } from '../shared/ingress.ts';
import type { MtlsMode, ResolvedEnvironment } from '../../model/types.ts';

export const ISTIO_SYSTEM = 'istio-system';
export const MIN_VERSION = '1.22';

export const NETWORKING = 'networking.istio.io/v1';
export const SECURITY = 'security.istio.io/v1';
export const TELEMETRY = 'telemetry.istio.io/v1';

/** Name of the ingress Gateway (Gateway API or Istio native), in the environment's ingress namespace. */
export { INGRESS_GATEWAY_NAME };
/** Helm release of the `gateway` chart for `api: native`; its pods are labelled `istio: ingressgateway`. */
export const INGRESS_GATEWAY_RELEASE = 'istio-ingressgateway';
export const INGRESS_GATEWAY_SELECTOR: Readonly<Record<string, string>> = { istio: 'ingressgateway' };

const MTLS_MODES: Readonly<Record<MtlsMode, string>> = {
  strict: 'STRICT',
  permissive: 'PERMISSIVE',
  off: 'DISABLE',
};

/** PeerAuthentication `mtls.mode` of a neutral mTLS mode. */
export function peerAuthenticationMode(mode: MtlsMode): string {
  return MTLS_MODES[mode];
}

/**
 * Istio's principal of a service account: the SPIFFE id `spiffe://<trustDomain>/ns/<ns>/sa/<sa>` without its
 * scheme, as AuthorizationPolicy `source.principals` compares it. The trust domain is istiod's
 * `meshConfig.trustDomain` (the environment's `mesh.trustDomain`).
 */
export function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * The service account the ingress gateway pods run as: with Gateway API, istiod's auto-deployment names it
 * `<gateway>-<gatewayClassName>`; with the native API it is the `gateway` chart's release name.
 */
export function ingressGatewayPrincipal(
  ingress: NonNullable<ResolvedEnvironment['mesh']['ingress']>,
  trustDomain: string,
): string {
  const sa =
    ingress.api === 'gateway-api' ? `${INGRESS_GATEWAY_NAME}-${ingress.className}` : INGRESS_GATEWAY_RELEASE;
  return principal(trustDomain, ingress.namespace, sa);
}

/** Name of the meshc-registered tracing extension provider (meshConfig.extensionProviders[].name). */
export function tracingProviderName(provider: string): string {
  return `meshc-${provider}`;
}
