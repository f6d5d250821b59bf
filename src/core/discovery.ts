/**
 * How a mesh is recognised in a cluster (or in a dump of its objects): the shape each backend declares as its
 * `discovery` (src/backends/<mesh>/discovery.ts), and which the cluster reader (src/load/cluster/) loops
 * over without knowing any mesh. Plain data and small pure functions; it sits in core because load, an
 * earlier stage than backends, reads it.
 */

/** An API group a mesh's CRDs serve, and the kinds meshc reads from it. */
export interface DiscoveryGroup {
  /** API group, e.g. `example.mesh.io`. */
  readonly group: string;
  /** The kinds meshc reads (and `meshc drift` compares) from it. */
  readonly kinds: readonly string[];
}

/** A workload name, exactly (a string) or by a pattern. */
export type NameMatch = string | RegExp;

/** A control-plane workload, as the mesh's chart or installer creates it. */
export interface ControlPlanePattern {
  readonly kind: 'Deployment' | 'StatefulSet';
  /** The workload's name; absent: any name (the image alone tells, e.g. a release-prefixed name). */
  readonly name?: NameMatch;
  /** The last path segment of the container image's repository (`…/org/<image>:tag`), any of these. */
  readonly image: readonly string[];
  /** The mesh's `major.minor` told by the image tag (absent tag: `undefined`); undefined when it cannot tell. */
  version(tag: string | undefined): string | undefined;
}

/** A label or an annotation that shows proxy injection. */
export interface MetadataMatch {
  readonly on: 'labels' | 'annotations';
  readonly key: string;
  /** The value it must have; absent: any value. */
  readonly value?: string;
  /** It does not count when this label or annotation has this value (an opt-out that takes precedence). */
  readonly unless?: { readonly on: 'labels' | 'annotations'; readonly key: string; readonly value: string };
}

/** Where a mesh's proxy injection is switched on: any one of the matches. */
export interface InjectionMarks {
  /** On the Namespace object. */
  readonly namespace: readonly MetadataMatch[];
  /** On the pod template of a Deployment or StatefulSet (its namespace then counts). */
  readonly pod: readonly MetadataMatch[];
}

/** Everything the cluster reader needs to find one mesh. */
export interface MeshDiscovery {
  /** The spec's `mesh.type` (the backend's `mesh`). */
  readonly mesh: string;
  /** For messages (the backend's `title`). */
  readonly title: string;
  /** The API groups of the mesh's CRDs: a served one is evidence of the mesh, and its kinds are read. */
  readonly groups: readonly DiscoveryGroup[];
  /** The control-plane workloads, whose image tag gives the version. */
  readonly controlPlanes: readonly ControlPlanePattern[];
  readonly injection: InjectionMarks;
}

/** `major.minor` of a `[v]X.Y.Z[-suffix]` (or `[v]X.Y`) tag; undefined for any other tag. */
export function semverMinor(tag: string | undefined): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(tag ?? '');
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** Whether `name` is what `match` names. */
export function nameMatches(match: NameMatch | undefined, name: string): boolean {
  if (match === undefined) return true;
  return typeof match === 'string' ? match === name : match.test(name);
}

/** Whether the labels and annotations of an object carry `match`. */
export function metadataMatches(
  match: MetadataMatch,
  meta: {
    readonly labels?: Readonly<Record<string, unknown>>;
    readonly annotations?: Readonly<Record<string, unknown>>;
  },
): boolean {
  const value = (meta[match.on] ?? {})[match.key];
  if (value === undefined || (match.value !== undefined && value !== match.value)) return false;
  const unless = match.unless;
  return unless === undefined || (meta[unless.on] ?? {})[unless.key] !== unless.value;
}
