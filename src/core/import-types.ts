import type { K8sObject } from './k8s.ts';
import type { DataPath, Location } from './location.ts';

/**
 * The seam between where native objects come from (files, `kubectl get -o yaml` dumps, a live cluster: the
 * load stage) and what reads them (`meshc import`, `meshc drift`): one object and where it was found.
 */
export interface SourcedObject {
  readonly object: K8sObject;
  /**
   * Where the object's text is: `file:line:col` of the document (files and dumps). Absent for objects read
   * from a cluster, which have no text; `origin` names them.
   */
  readonly location?: Location;
  /**
   * The position of one field of the object (a data path inside the document), or of its nearest existing
   * ancestor; absent when the object has no text (read from a cluster): `location` (or `origin`) then stands
   * for every field. Added for `meshc import`, whose report points at each field it could not carry.
   */
  readonly locate?: (path: DataPath) => Location;
  /**
   * Where the object came from, for messages: a file path (relative to the current directory), or
   * `cluster <context>: <namespace>/<Kind>/<name>` for an object read from a cluster.
   */
  readonly origin: string;
}

/** A mesh found installed in a cluster (or named by the objects of a dump), with the evidence for it. */
export interface DiscoveredMesh {
  /** The spec's `mesh.type` (a registered backend's `mesh`). */
  readonly type: string;
  /** `major.minor`, from the control plane's image tags; absent when it could not be told. */
  readonly version?: string;
  /** What showed it: CRD groups, control-plane Deployments and their images, for the report. */
  readonly evidence: readonly string[];
}
