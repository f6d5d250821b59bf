import type { K8sObject } from '../../core/k8s.ts';
import type { Observability } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { ISTIO_SYSTEM, TELEMETRY, tracingProviderName } from './constants.ts';

/**
 * The mesh-wide Telemetry (root namespace, no selector) that turns tracing on with meshc's extension
 * provider. The sampling percentage is always explicit: unset, istiod falls back to 1 %, not the API's 0 %.
 * Undefined without tracing.
 */
export function buildTelemetry(observability: Observability): K8sObject | undefined {
  const tracing = observability.tracing;
  if (!tracing) return undefined;
  return {
    apiVersion: TELEMETRY,
    kind: 'Telemetry',
    metadata: objectMeta('mesh-default', ISTIO_SYSTEM),
    spec: {
      tracing: [
        {
          providers: [{ name: tracingProviderName(tracing.provider) }],
          randomSamplingPercentage: tracing.sampling,
        },
      ],
    },
  };
}
