import type { K8sObject } from '../../core/k8s.ts';
import type { MtlsMode } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { DEFAULT_INBOUND_POLICY_ANNOTATION, INJECT_ANNOTATION, inboundPolicy } from './constants.ts';

/**
 * An application namespace: proxies injected into its pods (`linkerd.io/inject: enabled`, an annotation in
 * Linkerd) and the environment's mTLS mode as the default inbound policy of every pod (`all-authenticated` for
 * strict, `all-unauthenticated` for permissive). Proxies read both when they start: restart pods after a change.
 */
export function buildNamespace(name: string, mtls: MtlsMode): K8sObject {
  const metadata = objectMeta(name);
  metadata.annotations = {
    [DEFAULT_INBOUND_POLICY_ANNOTATION]: inboundPolicy(mtls),
    [INJECT_ANNOTATION]: 'enabled',
  };
  return { apiVersion: 'v1', kind: 'Namespace', metadata };
}
