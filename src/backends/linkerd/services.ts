import type { Diagnostic } from '../../core/diagnostic.ts';
import { manyPlaces } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Resilience, ResolvedService } from '../../model/types.ts';
import type { AppProtocolOf } from '../shared/kubernetes-service.ts';
import { buildRootService, buildVersionService } from '../shared/kubernetes-service.ts';
import { ANNOTATIONS, DEFAULT_MAX_PENALTY_MS, formatMs } from './constants.ts';

/**
 * Failure accrual (Linkerd's circuit breaker) from `resilience.outlierDetection`, as annotations of the Service
 * clients address (linkerd2 `outbound/index.rs`, `parse_accrual_config`): `consecutive` mode;
 * `consecutiveErrors` → `…-consecutive-max-failures`; `baseEjectionTime` → `…-consecutive-min-penalty` (the
 * first penalty; later ones back off exponentially up to the max penalty, Linkerd's default 1m, which is raised
 * to the min penalty when that is longer, since Linkerd rejects min > max). Omitted fields keep Linkerd's
 * defaults (7 failures, 1s). Empty without outlier detection.
 */
export function failureAccrualAnnotations(resilience: Resilience): Record<string, string> {
  const od = resilience.outlierDetection;
  if (!od) return {};
  const out: Record<string, string> = { [ANNOTATIONS.accrual]: 'consecutive' };
  if (od.consecutiveErrors !== undefined) out[ANNOTATIONS.accrualMaxFailures] = String(od.consecutiveErrors);
  if (od.baseEjectionTime !== undefined) {
    const ms = Math.round(od.baseEjectionTime.ms);
    out[ANNOTATIONS.accrualMinPenalty] = formatMs(ms);
    if (ms > DEFAULT_MAX_PENALTY_MS) out[ANNOTATIONS.accrualMaxPenalty] = formatMs(ms);
  }
  return out;
}

/**
 * The Kubernetes Services of a service: the root Service when meshc manages it (carrying the failure-accrual
 * annotations), and one Service per version, `<name>-<version>`, which the HTTPRoutes send to. `appProtocol`
 * gives each port's `appProtocol` (constants.ts `linkerdAppProtocol`: `kubernetes.io/h2c` for HTTP/2 and gRPC
 * from 2.18).
 */
export function buildServices(service: ResolvedService, appProtocol?: AppProtocolOf): K8sObject[] {
  const out: K8sObject[] = [];
  const root = buildRootService(service, appProtocol);
  if (root) {
    const annotations = failureAccrualAnnotations(service.resilience);
    if (Object.keys(annotations).length) root.metadata.annotations = annotations;
    out.push(root);
  }
  for (const v of service.versions) out.push(buildVersionService(service, v, appProtocol));
  return out;
}

/** The outlier-detection fields Linkerd has no counterpart for, and why. */
const DROPPED_OUTLIER_FIELDS: readonly (readonly ['interval' | 'maxEjectionPercent', string])[] = [
  ['interval', 'Linkerd counts consecutive failures as they happen; it has no evaluation interval'],
  ['maxEjectionPercent', 'Linkerd has no limit on the share of endpoints a circuit breaker may remove'],
];

/**
 * What outlier detection loses on Linkerd across an environment's services: `interval` and
 * `maxEjectionPercent` have no counterpart. One warning per field, at its first use (in the order of
 * `services`), like the capability warnings (src/plan/capabilities.ts): the message counts the other services
 * that set it and the first RELATED_LIMIT of them are related locations, so that a fleet that sets it
 * everywhere reads as one finding, not one per service.
 */
export function checkDroppedOutlierFields(services: readonly ResolvedService[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [field, why] of DROPPED_OUTLIER_FIELDS) {
    const users = services.filter((s) => s.resilience.outlierDetection?.[field] !== undefined);
    const first = users[0];
    if (!first) continue;
    const at = (s: ResolvedService) => s.origin(['resilience', 'outlierDetection', field]);
    const { listed, counted } = manyPlaces(users, 'service');
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `Linkerd ignores outlierDetection.${field} of ${first.id}${counted}: ${why}.`,
      hint: `Remove outlierDetection.${field} for this environment with an override to silence this warning.`,
      location: at(first),
      ...(listed.length
        ? { related: listed.map((s) => ({ message: `also set by ${s.id}`, location: at(s) })) }
        : {}),
    });
  }
  return out;
}

/**
 * Outlier detection Linkerd would not apply, an error at `resilience.outlierDetection`: on a service with TCP
 * ports only (Linkerd's failure accrual belongs to the HTTP and gRPC outbound policy, linkerd2
 * `policy-controller/grpc/src/outbound.rs`: an opaque or `tcp` port gets none, whatever the annotations say),
 * and with `kubernetesService: external` (the annotations have no Service to go on: meshc does not own that
 * Service). The fields Linkerd drops are checkDroppedOutlierFields'.
 */
export function checkOutlierDetection(service: ResolvedService): Diagnostic[] {
  const od = service.resilience.outlierDetection;
  if (!od) return [];
  const out: Diagnostic[] = [];
  if (service.ports.every((p) => p.protocol === 'tcp')) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd applies failure accrual (its circuit breaker) to HTTP and gRPC traffic only, and ${service.id} has TCP ports only, so outlierDetection would have no effect.`,
      hint: 'Declare the port protocol (http, http2, grpc) if the traffic is HTTP, or remove outlierDetection for this environment with an override.',
      location: service.origin(['resilience', 'outlierDetection']),
    });
    return out;
  }
  if (service.kubernetesService === 'external') {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd reads failure accrual from annotations on the Service ${service.name} that clients call, but ${service.id} sets kubernetesService: external, so meshc does not emit that Service.`,
      hint: `Add the annotations ${Object.entries(failureAccrualAnnotations(service.resilience))
        .map(([k, v]) => `${k}: "${v}"`)
        .join(
          ', ',
        )} where that Service is defined, and remove outlierDetection for this environment with an override; or let meshc manage the Service.`,
      location: service.origin(['resilience', 'outlierDetection']),
    });
  }
  return out;
}
