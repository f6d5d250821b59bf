import type { K8sObject } from '../../core/k8s.ts';
import { objectMeta } from '../shared/labels.ts';

/**
 * An application namespace. consul-k8s injects per pod (`consul.hashicorp.com/connect-inject: "true"` on the
 * pod template, see the backend README), not per namespace, so the namespace carries meshc's labels only.
 */
export function buildNamespace(name: string): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(name) };
}
