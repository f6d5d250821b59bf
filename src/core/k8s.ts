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
  const known = IDS.get(o);
  if (known !== undefined) return known;
  // Joined, not a template literal: V8 builds a template's result as a chain of pieces, which it keeps
  // (flattened, behind the chain's head) as long as the id lives; a join is one flat string. The ids of a
  // large fleet's frozen objects live as long as the objects (IDS), about half as much memory this way.
  const id = [o.apiVersion, o.kind, o.metadata.namespace ?? '', o.metadata.name].join('/');
  if (unchanging(o)) IDS.set(o, id);
  return id;
}

/** `group_version_kind_name.yaml`, lower-case, group omitted for the core group (kustomize's `build -o` convention). */
export function objectFileName(o: K8sObject): string {
  const known = FILE_NAMES.get(o);
  if (known !== undefined) return known;
  const slash = o.apiVersion.indexOf('/');
  const gv = slash < 0 ? o.apiVersion : `${o.apiVersion.slice(0, slash)}_${o.apiVersion.slice(slash + 1)}`;
  const name = `${gv}_${o.kind}_${o.metadata.name}.yaml`.toLowerCase();
  if (unchanging(o)) FILE_NAMES.set(o, name);
  return name;
}

/**
 * The ids and file names of frozen objects, computed once each: the emit stage's object pool freezes the
 * objects every environment and every later stage share (plan/emit.ts), and the gitops stage asks for both
 * names of each object in each environment, several times (about 10% of what a 2,000-service Linkerd
 * render allocated was these strings and the maps keyed by them).
 */
const IDS = new WeakMap<K8sObject, string>();
const FILE_NAMES = new WeakMap<K8sObject, string>();

/** Whether the fields the names read can no longer change: the object and its metadata are frozen. */
function unchanging(o: K8sObject): boolean {
  return Object.isFrozen(o) && Object.isFrozen(o.metadata);
}
