import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';

/** An application namespace, with sidecar injection by the default revision (`istio-injection: enabled`). */
export function buildNamespace(name: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: objectMeta(name, undefined, { 'istio-injection': 'enabled' }),
  };
}
