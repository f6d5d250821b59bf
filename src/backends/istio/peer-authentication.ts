import type { K8sObject } from '../../core/k8s.ts';
import type { MtlsMode, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { ISTIO_SYSTEM, SECURITY, peerAuthenticationMode } from './constants.ts';

/**
 * The mesh-wide PeerAuthentication: `default` in the root namespace, without a selector (Istio ignores a
 * PeerAuthentication with a selector in the root namespace).
 */
export function buildMeshPeerAuthentication(mode: MtlsMode): K8sObject {
  return {
    apiVersion: SECURITY,
    kind: 'PeerAuthentication',
    metadata: objectMeta('default', ISTIO_SYSTEM),
    spec: { mtls: { mode: peerAuthenticationMode(mode) } },
  };
}

/**
 * A service's own mTLS mode, only when the service sets `mtls` itself: in its namespace, selecting its pods.
 * Undefined otherwise (the mesh-wide policy applies).
 */
export function buildServicePeerAuthentication(service: ResolvedService): K8sObject | undefined {
  if (!service.mtlsOverride) return undefined;
  return {
    apiVersion: SECURITY,
    kind: 'PeerAuthentication',
    metadata: objectMeta(service.name, service.namespace),
    spec: {
      selector: { matchLabels: { ...service.selector } },
      mtls: { mode: peerAuthenticationMode(service.mtls) },
    },
  };
}
