/**
 * Mesh discovery: which meshes a cluster runs (the CRD groups its API server serves, the control-plane
 * workloads) and their `major.minor` version (the control plane's image tag). Pure: it reads what
 * read-cluster.ts listed. Several meshes in one cluster are all reported. What each mesh looks like is its
 * backend's `discovery` (src/core/discovery.ts), passed in: nothing here knows a mesh.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { MeshDiscovery } from '../../core/discovery.ts';
import { metadataMatches, nameMatches } from '../../core/discovery.ts';
import type { DiscoveredMesh } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';

/** A control-plane workload found, with the version its image tells. */
interface ControlPlane {
  readonly mesh: string;
  readonly evidence: string;
  readonly version?: string;
}

/** `repo`, `tag` of an image reference (digest dropped; a registry port is not a tag). */
export function splitImage(image: string): { repo: string; tag?: string } {
  const at = image.indexOf('@');
  const ref = at < 0 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || colon < ref.lastIndexOf('/')) return { repo: ref };
  return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

function images(workload: K8sObject): string[] {
  const spec = workload.spec as { template?: { spec?: { containers?: { image?: unknown }[] } } } | undefined;
  return (spec?.template?.spec?.containers ?? [])
    .map((c) => c.image)
    .filter((i): i is string => typeof i === 'string');
}

/** The control plane a Deployment or StatefulSet is, if any: the first pattern of `meshes` it matches. */
function controlPlaneOf(meshes: readonly MeshDiscovery[], w: K8sObject): ControlPlane | undefined {
  const name = w.metadata.name;
  const where = `${w.kind} ${w.metadata.namespace ?? ''}/${name}`;
  for (const image of images(w)) {
    const { repo, tag } = splitImage(image);
    const base = repo.slice(repo.lastIndexOf('/') + 1);
    for (const m of meshes)
      for (const p of m.controlPlanes)
        if (w.kind === p.kind && nameMatches(p.name, name) && p.image.includes(base)) {
          const version = p.version(tag);
          return {
            mesh: m.mesh,
            evidence: `${where} (image ${image})`,
            ...(version !== undefined ? { version } : {}),
          };
        }
  }
  return undefined;
}

function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/**
 * The meshes the served CRD groups (`group/version` of each) and the workloads show. A mesh with several
 * control planes (revisions side by side during an upgrade) gets the oldest version: what every proxy can take.
 * `workloadsListed` false: the workloads could not be read, which the version warning says.
 */
export function discoverMeshes(
  discovery: readonly MeshDiscovery[],
  servedGroups: ReadonlyMap<string, string>,
  workloads: readonly K8sObject[],
  workloadsListed = true,
): { meshes: DiscoveredMesh[]; diagnostics: Diagnostic[] } {
  const meshes: DiscoveredMesh[] = [];
  const diagnostics: Diagnostic[] = [];
  const planes = workloads
    .map((w) => controlPlaneOf(discovery, w))
    .filter((p): p is ControlPlane => p !== undefined)
    .sort((a, b) => (a.evidence < b.evidence ? -1 : a.evidence > b.evidence ? 1 : 0));
  for (const { mesh, title, groups: meshGroups } of discovery) {
    const groups = meshGroups
      .filter((g) => servedGroups.has(g.group))
      .map((g) => `CRD group ${g.group} (${servedGroups.get(g.group)})`);
    const own = planes.filter((p) => p.mesh === mesh);
    if (groups.length === 0 && own.length === 0) continue;
    const versions = own.map((p) => p.version).filter((v): v is string => v !== undefined);
    const version = versions.sort(compareVersions)[0];
    meshes.push({
      type: mesh,
      ...(version !== undefined ? { version } : {}),
      evidence: [...groups, ...own.map((p) => `control plane ${p.evidence}`)],
    });
    if (version === undefined)
      diagnostics.push({
        code: 'CLUSTER_MESH_VERSION_UNKNOWN',
        severity: 'warning',
        message:
          own.length > 0
            ? `${title} runs here (${own.map((p) => p.evidence).join('; ')}), but no release version can be read from its image tag.`
            : workloadsListed
              ? `${title}'s CRDs are served, but no ${title} control plane was found, so its version is unknown.`
              : `${title}'s CRDs are served, but the Deployments and StatefulSets of the cluster could not be listed, so its version is unknown.`,
        hint: "Set mesh.version of the environment to the control plane's major.minor.",
      });
  }
  if (meshes.length === 0)
    diagnostics.push({
      code: 'CLUSTER_NO_MESH',
      severity: 'warning',
      message: `No service mesh found: the API server serves none of the CRD groups of ${either(discovery.map((d) => d.title))}, and no control plane runs.`,
      hint: 'Check that --context points at the cluster that runs the mesh.',
    });
  return { meshes, diagnostics };
}

/** `A, B or C`. */
function either(titles: readonly string[]): string {
  if (titles.length === 0) return 'any mesh';
  return titles.length === 1
    ? titles[0]!
    : `${titles.slice(0, -1).join(', ')} or ${titles[titles.length - 1]}`;
}

/**
 * Namespaces whose pods get a mesh proxy, from the Namespace objects and the pod templates of the workloads:
 * a namespace that carries one of a mesh's namespace injection marks, or holds a workload whose pod template
 * carries one of its pod marks.
 */
export function injectedNamespaces(
  discovery: readonly MeshDiscovery[],
  namespaces: readonly K8sObject[],
  workloads: readonly K8sObject[],
): string[] {
  const out = new Set<string>();
  const nsMarks = discovery.flatMap((d) => d.injection.namespace);
  const podMarks = discovery.flatMap((d) => d.injection.pod);
  for (const ns of namespaces)
    if (nsMarks.some((m) => metadataMatches(m, ns.metadata))) out.add(ns.metadata.name);
  for (const w of workloads) {
    const template = (
      w.spec as { template?: { metadata?: { labels?: unknown; annotations?: unknown } } } | undefined
    )?.template?.metadata;
    const meta = {
      labels: (template?.labels ?? {}) as Record<string, unknown>,
      annotations: (template?.annotations ?? {}) as Record<string, unknown>,
    };
    if (w.metadata.namespace !== undefined && podMarks.some((m) => metadataMatches(m, meta)))
      out.add(w.metadata.namespace);
  }
  return [...out].sort();
}

/**
 * The meshes a set of objects names (manifest files, a `kubectl get` dump): the mesh API groups of its
 * objects, and the control-plane workloads among them for the version. No diagnostics: objects from files
 * are no evidence that something is missing.
 */
export function discoverFromObjects(
  discovery: readonly MeshDiscovery[],
  objects: readonly K8sObject[],
): DiscoveredMesh[] {
  const groups = new Map<string, string>();
  for (const o of objects) {
    const slash = o.apiVersion.indexOf('/');
    if (slash < 0) continue;
    const group = o.apiVersion.slice(0, slash);
    if (!groups.has(group) && discovery.some((d) => d.groups.some((g) => g.group === group)))
      groups.set(group, o.apiVersion.slice(slash + 1));
  }
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  return discoverMeshes(discovery, groups, workloads).meshes;
}
