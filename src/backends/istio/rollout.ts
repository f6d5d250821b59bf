import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildCanary, primaryView } from '../shared/flagger.ts';
import type { RolloutSupport } from '../types.ts';
import { buildAuthorizationPolicy } from './authorization-policy.ts';
import { buildTrafficPolicy } from './destination-rule.ts';
import { buildServicePeerAuthentication } from './peer-authentication.ts';
import { envoyLiteral } from '../shared/envoy-values.ts';
import { NO_RETRIES, effectiveTimeout } from './virtual-service.ts';

/**
 * Flagger's `istio` provider (fluxcd/flagger `pkg/router/istio.go`): it generates the VirtualService `<name>`
 * and the DestinationRules `<name>-primary` / `<name>-canary` from the Canary's `service` (timeout, retries,
 * headers, trafficPolicy, hosts and gateways).
 */
export const ISTIO_ROLLOUT: RolloutSupport = {
  provider: 'istio',
  carries: { timeout: true, retries: true, headers: true },
  // Flagger copies the Canary's header changes into its VirtualService, where Envoy reads `%` as a variable.
  headerValue: envoyLiteral,
  // Istio's retryOn takes the same Envoy tokens as the spec, comma-joined (as the VirtualService builder does).
  // Flagger copies the Canary's retries into its VirtualService, and Istio's webhook refuses a retryOn next to
  // `attempts: 0`: none then (the VirtualService builder does the same).
  retryOn: (r) => (r.attempts > 0 && r.on.length ? r.on.join(',') : undefined),
};

/**
 * A rolled-out service's objects on Istio: its Canary (resilience as the Canary's trafficPolicy, which Flagger
 * puts on its primary and canary DestinationRules; no retries unless the spec asks, as meshc's VirtualServices
 * do) and its per-workload policies twice, for the canary pods and for Flagger's primary pods. No Service,
 * DestinationRule or VirtualService: Flagger generates them.
 */
export function istioRolloutObjects(
  s: ResolvedService,
  trustDomain: string,
  ingressPrincipal: string | undefined,
): K8sObject[] {
  const route = s.routes.find((r) => !r.implicit);
  const zeroRetryTimeout = route ? effectiveTimeout(route) : undefined;
  const trafficPolicy = buildTrafficPolicy(s.resilience);
  const primary = primaryView(s);
  return [
    buildCanary(s, ISTIO_ROLLOUT, {
      ...(route?.retries ? {} : { retries: { ...NO_RETRIES } }),
      // attempts: 0 goes alone, its perTryTimeout bounding the single attempt, as in meshc's VirtualServices.
      ...(route?.retries?.attempts === 0 ? { retries: { ...NO_RETRIES } } : {}),
      ...(route?.retries?.attempts === 0 && zeroRetryTimeout ? { timeout: zeroRetryTimeout.text } : {}),
      ...(trafficPolicy ? { trafficPolicy } : {}),
    }),
    buildServicePeerAuthentication(s),
    buildServicePeerAuthentication(primary),
    buildAuthorizationPolicy(s, trustDomain, ingressPrincipal),
    buildAuthorizationPolicy(primary, trustDomain, ingressPrincipal),
  ].filter((o): o is K8sObject => o !== undefined);
}
