/**
 * Argo CD's settings that `meshc drift` needs of a cluster: how the installation marks what it applies, from
 * its `argocd-cm` ConfigMap (argo-cd `util/settings/settings.go`: `application.instanceLabelKey`, default
 * `app.kubernetes.io/instance`; `application.resourceTrackingMethod`, `label`, `annotation` or
 * `annotation+label`, whose default is `annotation` from Argo CD 3.0 and `label` before), and the tracking
 * drift/ reads leftovers by. Pure: the request is read-cluster.ts's.
 */
import type { K8sObject } from '../../core/k8s.ts';

/** Argo CD's resource tracking methods (`application.resourceTrackingMethod` of `argocd-cm`). */
export const ARGO_TRACKING_METHODS = ['annotation', 'label', 'annotation+label'] as const;
export type ArgoTrackingMethod = (typeof ARGO_TRACKING_METHODS)[number];

/**
 * How an Argo CD installation marks the objects an Application applied (argo-cd `util/argo/resource_tracking.go`,
 * user guide `resource_tracking.md`): the label `instanceLabelKey` with the Application's name, the annotation
 * `argocd.argoproj.io/tracking-id` (`<app>:<group>/<kind>:<namespace>/<name>`), or both. With `method`
 * `label` Argo CD tracks by the label; with `annotation` or `annotation+label` by the annotation (the label of
 * `annotation+label` is informational only, and cut to 63 characters). Absent `method`: not known (not set,
 * whose default is `annotation` from Argo CD 3.0 and `label` before; or argocd-cm not read).
 */
export interface ArgoTracking {
  /** `application.instanceLabelKey` (Argo CD's default `app.kubernetes.io/instance`). */
  readonly instanceLabelKey: string;
  readonly method?: ArgoTrackingMethod;
}

/** Argo CD's default label (`common.LabelKeyAppInstance`), the method not known: both marks are read. */
export const DEFAULT_ARGO_TRACKING: ArgoTracking = { instanceLabelKey: 'app.kubernetes.io/instance' };

/** Argo CD's tracking annotation (`<app>:<group>/<kind>:<namespace>/<name>`); the label is argocd-cm's. */
export const ARGOCD_TRACKING_ID = 'argocd.argoproj.io/tracking-id';

/** The ConfigMap of Argo CD's settings, in the namespace Argo CD runs in. */
export const ARGOCD_CM = 'argocd-cm';
export const INSTANCE_LABEL_KEY = 'application.instanceLabelKey';
export const TRACKING_METHOD_KEY = 'application.resourceTrackingMethod';

/** What the cluster read found of Argo CD's settings. */
export interface ArgoCdSettingsRead {
  /** The namespace argocd-cm was read from. */
  readonly namespace: string;
  /** The tracking argocd-cm sets; absent when it could not be read (Argo CD's defaults then apply). */
  readonly tracking?: ArgoTracking;
  /** One line for the report: what was read, or why not and what that leaves out. */
  readonly note: string;
}

/** The tracking an `argocd-cm` ConfigMap sets, and the note that says so. */
export function argoTrackingOf(cm: K8sObject, namespace: string): ArgoCdSettingsRead {
  const data = (cm as { data?: unknown }).data;
  const values = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const key = values[INSTANCE_LABEL_KEY];
  const method = values[TRACKING_METHOD_KEY];
  const instanceLabelKey =
    typeof key === 'string' && key.trim() !== '' ? key.trim() : DEFAULT_ARGO_TRACKING.instanceLabelKey;
  const known =
    typeof method === 'string' && (ARGO_TRACKING_METHODS as readonly string[]).includes(method.trim())
      ? (method.trim() as ArgoTrackingMethod)
      : undefined;
  const keyText =
    typeof key === 'string' && key.trim() !== ''
      ? `${INSTANCE_LABEL_KEY} ${instanceLabelKey}`
      : `${INSTANCE_LABEL_KEY} not set (${instanceLabelKey})`;
  const methodText =
    known !== undefined
      ? `${TRACKING_METHOD_KEY} ${known}`
      : typeof method === 'string' && method.trim() !== ''
        ? `${TRACKING_METHOD_KEY} ${JSON.stringify(method)}, which is no method Argo CD knows, so both the label and the ${ARGOCD_TRACKING_ID} annotation are read`
        : `${TRACKING_METHOD_KEY} not set (annotation from Argo CD 3.0, label before), so both the label and the ${ARGOCD_TRACKING_ID} annotation are read`;
  return {
    namespace,
    tracking: { instanceLabelKey, ...(known !== undefined ? { method: known } : {}) },
    note: `Argo CD tracking from ${namespace}/${ARGOCD_CM}: ${keyText}; ${methodText}`,
  };
}

/**
 * argocd-cm could not be read (`why`: refused, not found, …): leftovers are recognised by Argo CD's default
 * marks, and the note says what that misses. `refused`: the note says which permission reads it.
 */
export function argoTrackingUnread(namespace: string, why: string, refused = false): ArgoCdSettingsRead {
  const grant = refused
    ? `; let the context's user get configmaps/${ARGOCD_CM} in ${namespace} (a Role with that resourceName) to read it`
    : '';
  return {
    namespace,
    note: `warning: ${namespace}/${ARGOCD_CM} could not be read (${why}), so leftovers are recognised by Argo CD's default marks (the ${ARGOCD_TRACKING_ID} annotation and the ${DEFAULT_ARGO_TRACKING.instanceLabelKey} label), and one labelled by another ${INSTANCE_LABEL_KEY} is not reported${grant}`,
  };
}
