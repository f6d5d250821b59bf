/** A Kubernetes object as meshc emits it: plain JSON data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** The API group of an object (`''` for the core group). */
export function apiGroupOf(o: { readonly apiVersion: string }): string {
  const slash = o.apiVersion.indexOf('/');
  return slash < 0 ? '' : o.apiVersion.slice(0, slash);
}

/** apiVersion/kind/namespace/name: the identity of an object, as kustomize, dyff and Argo CD key it. */
export function resourceId(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** `group_version_kind_name.yaml`, lower-case, group omitted for the core group (kustomize's `build -o` convention). */
export function objectFileName(o: K8sObject): string {
  const slash = o.apiVersion.indexOf('/');
  const gv = slash < 0 ? o.apiVersion : `${o.apiVersion.slice(0, slash)}_${o.apiVersion.slice(slash + 1)}`;
  return `${gv}_${o.kind}_${o.metadata.name}.yaml`.toLowerCase();
}
