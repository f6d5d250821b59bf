/**
 * The gitops stage: from per-environment backend output to the tree's layout (layout.ts), as objects.
 * It composes the parts, each in its own module:
 *
 *   ownership.ts    which environment owns the mesh-wide directories of a shared cluster
 *   environment.ts  an environment's objects per directory, engine objects built, patches applied
 *                   (env-patches.ts), Namespaces kept from pruning
 *   engines.ts      the registry of GitOps engines, one file each, behind one interface (engine.ts)
 *   conflicts.ts    what the tree refuses (RENDER_CONFLICT)
 *   kustomize.ts    the files of each directory and what their kustomizations list
 *
 * and `render/tree.ts` writes the text. Every Namespace carries its engine's no-prune marker; the
 * environment's patches apply to its namespaces, mesh-system objects and its own engine objects.
 *
 * Pure: no disk, no clock. Invariant (tested with real kustomize): `kustomize build overlays/<env>/<dir>`
 * equals `builds.get('overlays/<env>/<dir>')`, object for object and field for field.
 */
import { sortDiagnostics, type Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import { CanonicalCache } from '../core/canonical.ts';
import { compareObjects } from '../backends/kind-order.ts';
import {
  EntrySet,
  checkDuplicateRenders,
  checkSharedCluster,
  clusterEntries,
  type ClusterEntry,
} from './conflicts.ts';
import type { EngineLookup } from './engine.ts';
import { engineOf } from './engines.ts';
import { environmentObjects, prepareEnvironment, type PreparedEnv } from './environment.ts';
import { BaseObjects, addNamespaceOverlay, addObjectDir } from './kustomize.ts';
import { MESH_DIRS, basePath, clusterPath, cmp, overlayPath } from './layout.ts';
import { assignMeshOwners } from './ownership.ts';
import type { EnvRender, GitOpsTree } from './types.ts';

export type { EnvRender, GitOpsResult, GitOpsTree } from './types.ts';
export type { PreparedEnv } from './environment.ts';

/** Environments prepared by the GitOps checks, by render (see {@link gitopsDiagnostics}). */
export type PreparedCache = WeakMap<EnvRender, PreparedEnv>;
// The paths other stages read (verify, the CLI); the rest of the layout is in layout.ts.
export { KUSTOMIZATION_FILE, USER_COMPONENT, overlayPath } from './layout.ts';

/** The gitops stage's input for one planned environment (a validate plan). */

/**
 * The environment's complete object list (`meshc build --env`): application namespaces, mesh-system
 * prerequisites, install and config, and the environment's GitOps engine objects. Environment patches applied;
 * canonical objects in `compareObjects` order.
 */
export function buildEnvironment(render: EnvRender): K8sObject[] {
  return environmentObjects(render);
}

/**
 * Everything the tree is made of, before any file: each environment prepared (mesh-wide objects with their
 * cluster's owner, engine annotations, patches applied, GitOps objects built) and the cluster directories,
 * with every diagnostic `render` would refuse the tree for, except file-level ones.
 */
function analyse(
  renders: readonly EnvRender[],
  engineFor: EngineLookup,
  canonical: CanonicalCache = new CanonicalCache(),
  keep?: PreparedCache,
): {
  prepared: PreparedEnv[];
  clusters: { cluster: string; entries: ClusterEntry[] }[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...renders].sort((a, b) => cmp(a.env.name, b.env.name));
  // One cache for all environments: an object several of them render alike becomes one canonical object,
  // copied once, which the overlays then compare with the base by reference.
  const owned = assignMeshOwners(sorted, diagnostics, engineFor, canonical);
  const prepared = owned.map(({ render, meshOwner }, i) => {
    const p = prepareEnvironment(render, meshOwner, engineFor, canonical);
    // What buildEnvironment's prepareEnvironment(own) computes when no environment owns the mesh-wide
    // directories for this one and its cluster's merged mesh-wide objects are exactly its own.
    const own = sorted[i]!;
    if (
      keep &&
      meshOwner === undefined &&
      engineFor === engineOf &&
      sameObjects(render.output.system, own.output.system) &&
      sameObjects(render.output.prerequisites ?? [], own.output.prerequisites ?? [])
    )
      keep.set(own, p);
    return p;
  });
  for (const p of prepared) diagnostics.push(...p.diagnostics);
  checkDuplicateRenders(prepared, diagnostics);
  const byCluster = new Map<string, PreparedEnv[]>();
  for (const p of prepared) {
    const list = byCluster.get(p.render.env.cluster) ?? [];
    list.push(p);
    byCluster.set(p.render.env.cluster, list);
  }
  const clusters: { cluster: string; entries: ClusterEntry[] }[] = [];
  for (const [cluster, envs] of [...byCluster].sort(([a], [b]) => cmp(a, b))) {
    checkSharedCluster(cluster, envs, diagnostics);
    const entries = clusterEntries(cluster, envs, diagnostics);
    entries.sort((a, b) => compareObjects(a.obj, b.obj));
    clusters.push({ cluster, entries });
  }
  return { prepared, clusters, diagnostics };
}

/** The same objects (by reference) in the same order. */
function sameObjects(a: readonly K8sObject[], b: readonly K8sObject[]): boolean {
  return a.length === b.length && a.every((o, i) => o === b[i]);
}

/**
 * The diagnostics `layoutGitOpsTree` reports for these renders (environment patches that match nothing or
 * fail, conflicts between environments, two objects for one output file), without building the files:
 * what `validate` runs so that it refuses everything `render` refuses before writing. `canonical`: a cache
 * shared with other analyses of mostly the same objects (the two sides of `meshc diff`, CompileCache).
 * `keep`: receives each environment prepared as `prepareEnvironment(render)` prepares it (those that no
 * other environment owns the mesh-wide directories for), for a caller that compares their objects next.
 */
export function gitopsDiagnostics(
  renders: readonly EnvRender[],
  canonical?: CanonicalCache,
  keep?: PreparedCache,
): Diagnostic[] {
  return sortDiagnostics(analyse(renders, engineOf, canonical, keep).diagnostics);
}

/**
 * The tree as objects: every file's path and content as data, the builds and the diagnostics. Each
 * environment's engine comes from the registry (`engineFor` exists so that a test can bring its own).
 */
export function layoutGitOpsTree(
  renders: readonly EnvRender[],
  engineFor: EngineLookup = engineOf,
): GitOpsTree {
  const { prepared, clusters, diagnostics } = analyse(renders, engineFor);
  const checks = sortDiagnostics([...diagnostics]);
  const entries = new EntrySet(diagnostics);
  // The lists of `prepared` are the layout's own (prepareEnvironment builds them, nothing changes them
  // later): the builds hold them as they are, without copies.
  const builds = new Map<string, readonly K8sObject[]>();

  // ---- bases: the first environment (by name) of each mesh that deploys the namespace
  const bases = new Map<string, { env: PreparedEnv; objects: BaseObjects }>();
  for (const p of prepared) {
    for (const ns of p.namespaces) {
      if (p.render.reused?.has(ns)) continue;
      const key = basePath(p.render.mesh, ns);
      if (!bases.has(key)) bases.set(key, { env: p, objects: new BaseObjects(p.dirs.get(ns) ?? []) });
    }
  }
  for (const [dir, { env, objects }] of [...bases].sort(([a], [b]) => cmp(a, b))) {
    addObjectDir(entries, dir, objects.objects, env.name, `environment ${env.name}`);
  }

  // ---- overlays
  const noBase = new BaseObjects([]);
  for (const p of prepared) {
    for (const ns of p.namespaces) {
      // Taken from the previous render, base and overlays (plan/shards.ts).
      if (p.render.reused?.has(ns)) continue;
      const base = bases.get(basePath(p.render.mesh, ns));
      const objects = p.dirs.get(ns) ?? [];
      addNamespaceOverlay(entries, p.name, p.render.mesh, ns, base?.objects ?? noBase, objects);
      builds.set(overlayPath(p.name, ns), objects);
    }
    for (const dir of MESH_DIRS) {
      const objects = p.dirs.get(dir);
      if (objects === undefined) continue;
      addObjectDir(entries, overlayPath(p.name, dir), objects, p.name, `environment ${p.name}`);
      builds.set(overlayPath(p.name, dir), objects);
    }
  }

  // ---- clusters
  for (const { cluster, entries: list } of clusters) {
    if (list.length === 0) continue;
    const objects = list.map((e) => e.obj);
    const envs = list.map((e) => e.env.name);
    addObjectDir(entries, clusterPath(cluster), objects, envs, `cluster ${cluster}`);
  }

  return {
    entries: entries.list(),
    diagnostics: sortDiagnostics(diagnostics),
    checks,
    builds: new Map([...builds].sort(([a], [b]) => cmp(a, b))),
  };
}
