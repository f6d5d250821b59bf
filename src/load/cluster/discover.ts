/**
 * Mesh discovery: which meshes a cluster runs (the CRD groups its API server serves, the control-plane
 * workloads) and their `major.minor` version (the control plane's image tag). Pure: it reads what
 * read-cluster.ts listed. Several meshes in one cluster are all reported.
 *
 * Control planes, as the upstream charts install them:
 * - Istio: Deployment `istiod` (revisions: `istiod-<rev>`), image `…/pilot:<x.y.z>[-distroless]`
 *   (istio/istio `manifests/charts/istio-control/istio-discovery/templates/deployment.yaml`).
 * - Linkerd: Deployment `linkerd-destination`, image `cr.l5d.io/linkerd/controller:<tag>`; tags are
 *   `edge-YY.M.N` (open source since 2024), `stable-2.X.Y` or `enterprise-2.X.Y` (vendor builds)
 *   (linkerd/linkerd2 `charts/linkerd-control-plane/templates/destination.yaml`).
 * - Consul: StatefulSet `<release>-server`, image `hashicorp/consul[-enterprise]:<x.y.z>[-ent]`; Deployment
 *   `<release>-connect-injector`, image `hashicorp/consul-k8s-control-plane:<x.y.z>` (hashicorp/consul-k8s
 *   `charts/consul/templates/server-statefulset.yaml`, `connect-inject-deployment.yaml`, `values.yaml`).
 * - App Mesh: Deployment `appmesh-controller`, image `…/amazon/appmesh-controller:v<x.y.z>` (aws/eks-charts
 *   `stable/appmesh-controller/templates/deployment.yaml`); its version is the controller's.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { DiscoveredMesh } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { LIVE_GROUPS } from './kinds.ts';

type MeshName = 'istio' | 'linkerd' | 'consul' | 'appmesh';
const MESHES: readonly MeshName[] = ['istio', 'linkerd', 'consul', 'appmesh'];
const TITLES: Record<MeshName, string> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  consul: 'Consul',
  appmesh: 'App Mesh',
};

/**
 * Linkerd's `version-2.X` git tags: the edge release each "major" corresponds to (linkerd/linkerd2 tags;
 * linkerd/website `content/releases/_index.md`). An edge release at or after one of these, and before the
 * next, is that 2.X.
 */
const LINKERD_EDGE_MAJORS: readonly [edge: readonly [number, number, number], version: string][] = [
  [[24, 2, 4], '2.15'],
  [[24, 8, 2], '2.16'],
  [[24, 11, 8], '2.17'],
  [[25, 4, 4], '2.18'],
  [[25, 10, 7], '2.19'],
  [[26, 7, 1], '2.20'],
];

/** consul-k8s `major.minor` → the Consul `major.minor` of its chart's default image (hashicorp/consul-k8s `charts/consul/values.yaml` per tag). */
const CONSUL_K8S_TO_CONSUL: Readonly<Record<string, string>> = {
  '1.2': '1.16',
  '1.3': '1.17',
  '1.4': '1.18',
  '1.5': '1.19',
  '1.6': '1.20',
  '1.7': '1.21',
  '1.8': '1.21',
  '1.9': '1.22',
  '2.0': '2.0',
};

/** A control-plane workload found, with the version its image tells. */
interface ControlPlane {
  readonly mesh: MeshName;
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

/** `major.minor` of a `[v]X.Y.Z[-suffix]` tag. */
function semverMinor(tag: string | undefined): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(tag ?? '');
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** The Linkerd `2.X` of a controller image tag. */
export function linkerdVersion(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const vendor = /^(?:stable|enterprise)-(\d+\.\d+)\.\d+/.exec(tag);
  if (vendor) return semverMinor(vendor[1]);
  const edge = /^edge-(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (!edge) return undefined;
  const e = [Number(edge[1]), Number(edge[2]), Number(edge[3])];
  let found: string | undefined;
  for (const [[y, m, n], version] of LINKERD_EDGE_MAJORS) {
    const [ey, em, en] = e as [number, number, number];
    if (ey > y || (ey === y && (em > m || (em === m && en >= n)))) found = version;
  }
  return found;
}

function images(workload: K8sObject): string[] {
  const spec = workload.spec as { template?: { spec?: { containers?: { image?: unknown }[] } } } | undefined;
  return (spec?.template?.spec?.containers ?? [])
    .map((c) => c.image)
    .filter((i): i is string => typeof i === 'string');
}

/** The control plane a Deployment or StatefulSet is, if any. */
function controlPlaneOf(w: K8sObject): ControlPlane | undefined {
  const name = w.metadata.name;
  const where = `${w.kind} ${w.metadata.namespace ?? ''}/${name}`;
  for (const image of images(w)) {
    const { repo, tag } = splitImage(image);
    const base = repo.slice(repo.lastIndexOf('/') + 1);
    const evidence = `${where} (image ${image})`;
    const found = (mesh: MeshName, version: string | undefined): ControlPlane => ({
      mesh,
      evidence,
      ...(version !== undefined ? { version } : {}),
    });
    if (w.kind === 'Deployment' && (name === 'istiod' || name.startsWith('istiod-')) && base === 'pilot')
      return found('istio', semverMinor(tag));
    if (w.kind === 'Deployment' && name === 'linkerd-destination' && base === 'controller')
      return found('linkerd', linkerdVersion(tag));
    if (w.kind === 'StatefulSet' && (base === 'consul' || base === 'consul-enterprise'))
      return found('consul', semverMinor(tag));
    if (w.kind === 'Deployment' && base === 'consul-k8s-control-plane' && name.endsWith('connect-injector')) {
      const k8s = semverMinor(tag);
      return found('consul', k8s !== undefined ? CONSUL_K8S_TO_CONSUL[k8s] : undefined);
    }
    if (w.kind === 'Deployment' && name === 'appmesh-controller' && base === 'appmesh-controller')
      return found('appmesh', semverMinor(tag));
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
 * control planes (Istio revisions during an upgrade) gets the oldest version: what every proxy can take.
 * `workloadsListed` false: the workloads could not be read, which the version warning says.
 */
export function discoverMeshes(
  servedGroups: ReadonlyMap<string, string>,
  workloads: readonly K8sObject[],
  workloadsListed = true,
): { meshes: DiscoveredMesh[]; diagnostics: Diagnostic[] } {
  const meshes: DiscoveredMesh[] = [];
  const diagnostics: Diagnostic[] = [];
  const planes = workloads
    .map(controlPlaneOf)
    .filter((p): p is ControlPlane => p !== undefined)
    .sort((a, b) => (a.evidence < b.evidence ? -1 : a.evidence > b.evidence ? 1 : 0));
  for (const mesh of MESHES) {
    const groups = LIVE_GROUPS.filter((g) => g.mesh === mesh && servedGroups.has(g.group)).map(
      (g) => `CRD group ${g.group} (${servedGroups.get(g.group)})`,
    );
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
            ? `${TITLES[mesh]} runs here (${own.map((p) => p.evidence).join('; ')}), but no release version can be read from its image tag.`
            : workloadsListed
              ? `${TITLES[mesh]}'s CRDs are served, but no ${TITLES[mesh]} control plane was found, so its version is unknown.`
              : `${TITLES[mesh]}'s CRDs are served, but the Deployments and StatefulSets of the cluster could not be listed, so its version is unknown.`,
        hint: "Set mesh.version of the environment to the control plane's major.minor.",
      });
  }
  if (meshes.length === 0)
    diagnostics.push({
      code: 'CLUSTER_NO_MESH',
      severity: 'warning',
      message:
        'No service mesh found: the API server serves none of the CRD groups of Istio, Linkerd, Consul or App Mesh, and no control plane runs.',
      hint: 'Check that --context points at the cluster that runs the mesh.',
    });
  return { meshes, diagnostics };
}

/**
 * Namespaces whose pods get a mesh proxy, from the Namespace objects and the pod templates of the workloads:
 * - Istio: namespace label `istio-injection=enabled`, or `istio.io/rev=<rev>`; pod label
 *   `sidecar.istio.io/inject: "true"` (istio/istio `mutatingwebhook.yaml`; istio/api `label/labels.yaml`).
 * - Linkerd: annotation `linkerd.io/inject: enabled` on the namespace or the pod template
 *   (linkerd/website `2-edge/features/proxy-injection.md`).
 * - Consul: injection is per pod, annotation `consul.hashicorp.com/connect-inject: "true"` on the pod
 *   template; there is no namespace label (the chart's `connectInject.namespaceSelector` filters namespaces)
 *   (hashicorp/consul-k8s `control-plane/connect-inject/constants/annotations_and_labels.go`).
 * - App Mesh: namespace label `appmesh.k8s.aws/sidecarInjectorWebhook: enabled` (aws/aws-app-mesh-controller-for-k8s
 *   `docs/reference/injector.md`).
 */
export function injectedNamespaces(
  namespaces: readonly K8sObject[],
  workloads: readonly K8sObject[],
): string[] {
  const out = new Set<string>();
  for (const ns of namespaces) {
    const labels = ns.metadata.labels ?? {};
    const annotations = ns.metadata.annotations ?? {};
    if (
      labels['istio-injection'] === 'enabled' ||
      (labels['istio.io/rev'] !== undefined && labels['istio-injection'] !== 'disabled') ||
      annotations['linkerd.io/inject'] === 'enabled' ||
      labels['appmesh.k8s.aws/sidecarInjectorWebhook'] === 'enabled'
    )
      out.add(ns.metadata.name);
  }
  for (const w of workloads) {
    const template = (
      w.spec as { template?: { metadata?: { labels?: unknown; annotations?: unknown } } } | undefined
    )?.template?.metadata;
    const labels = (template?.labels ?? {}) as Record<string, unknown>;
    const annotations = (template?.annotations ?? {}) as Record<string, unknown>;
    if (
      w.metadata.namespace !== undefined &&
      (labels['sidecar.istio.io/inject'] === 'true' ||
        annotations['linkerd.io/inject'] === 'enabled' ||
        annotations['consul.hashicorp.com/connect-inject'] === 'true')
    )
      out.add(w.metadata.namespace);
  }
  return [...out].sort();
}

/**
 * The meshes a set of objects names (manifest files, a `kubectl get` dump): the mesh API groups of its
 * objects, and the control-plane workloads among them for the version. No diagnostics: objects from files
 * are no evidence that something is missing.
 */
export function discoverFromObjects(objects: readonly K8sObject[]): DiscoveredMesh[] {
  const groups = new Map<string, string>();
  for (const o of objects) {
    const slash = o.apiVersion.indexOf('/');
    if (slash < 0) continue;
    const group = o.apiVersion.slice(0, slash);
    if (!groups.has(group) && LIVE_GROUPS.some((g) => g.mesh !== undefined && g.group === group))
      groups.set(group, o.apiVersion.slice(slash + 1));
  }
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  return discoverMeshes(groups, workloads).meshes;
}
