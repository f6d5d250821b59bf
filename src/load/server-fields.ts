/**
 * What the API server adds to an object that nobody wrote: bookkeeping metadata, `status`, and kubectl's
 * copy of the last applied configuration. Objects read from a cluster or from a `kubectl get -o yaml` dump
 * lose them before import or drift sees them (Kubernetes API conventions, "Metadata" and "Spec and Status";
 * kubectl `kubectl.kubernetes.io/last-applied-configuration`).
 */
import type { K8sObject } from '../core/k8s.ts';

/** `metadata` fields the server sets. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object without what the server adds; a new object (the input is not changed). */
export function stripServerFields(obj: K8sObject): K8sObject {
  const rest: Record<string, unknown> = { ...obj };
  delete rest.status;
  const metadata = obj.metadata;
  const meta: Record<string, unknown> = { ...metadata };
  for (const f of SERVER_METADATA) delete meta[f];
  if (meta.annotations && typeof meta.annotations === 'object') {
    const annotations: Record<string, string> = { ...(meta.annotations as Record<string, string>) };
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete meta.annotations;
    else meta.annotations = annotations;
  }
  return { ...rest, metadata: meta as K8sObject['metadata'] } as K8sObject;
}
