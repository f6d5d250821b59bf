import type { K8sObject } from '../../core/k8s.ts';
import type { Trust } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { ISTIO_SYSTEM } from './constants.ts';

/** Istio's plug-in CA secret: istiod reads exactly this name in its namespace. */
export const CACERTS = 'cacerts';

/**
 * The cert-manager Certificate that keeps Istio's intermediate CA in the `cacerts` secret (istiod accepts the
 * `kubernetes.io/tls` layout: tls.crt, tls.key, ca.crt), so no key is ever in git. Undefined unless trust
 * comes from cert-manager.
 */
export function buildCaCertificate(trust: Trust | undefined): K8sObject | undefined {
  if (trust?.type !== 'cert-manager') return undefined;
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: objectMeta(CACERTS, ISTIO_SYSTEM),
    spec: {
      isCA: true,
      secretName: CACERTS,
      commonName: 'istio-ca',
      duration: '8760h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: trust.issuer, kind: trust.kind, group: 'cert-manager.io' },
    },
  };
}
