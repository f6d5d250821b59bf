/**
 * One environment's objects, ready for the tree: grouped by overlay directory (application namespaces and
 * the mesh-wide directories), Namespaces kept from pruning by the engine, the engine's objects for the
 * cluster directory built, the environment's patches applied, every object canonical and once.
 */
import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import { CanonicalCache } from '../core/canonical.ts';
import { compareObjects } from '../backends/kind-order.ts';
import { conflict, uniqueObjects } from './conflicts.ts';
import type { EngineLookup, GitOpsEngine } from './engine.ts';
import { engineOf } from './engines.ts';
import { applyEnvironmentPatches } from './env-patches.ts';
import {
  CONFIG_DIR,
  INSTALL_DIR,
  MESH_SYSTEM_DIR,
  PREREQUISITES_DIR,
  basePath,
  clusterPath,
  cmp,
  isMeshDir,
} from './layout.ts';
import type { MeshOwner } from './ownership.ts';
import type { EnvRender } from './types.ts';

/** An environment after patches: canonical, sorted objects per overlay directory, plus its cluster objects. */
export interface PreparedEnv {
  readonly render: EnvRender;
  readonly name: string;
  /** Application namespaces with at least one object, and those taken from the previous render (EnvRender.reused), sorted. */
  readonly namespaces: readonly string[];
  /** Keys: application namespaces, PREREQUISITES_DIR, INSTALL_DIR, CONFIG_DIR (only non-empty directories). */
  readonly dirs: ReadonlyMap<string, readonly K8sObject[]>;
  /** The environment's engine objects for `clusters/<cluster>/`, sorted. */
  readonly cluster: readonly K8sObject[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * `meshOwner`: the environment that owns the mesh-wide directories of this one's cluster, when that is
 * another environment (see ownership.ts). `canonical`: shared by the environments of one layout, so that
 * an object they render alike is canonicalized once and is one object in all of them.
 */
export function prepareEnvironment(
  render: EnvRender,
  meshOwner?: MeshOwner,
  engineFor: EngineLookup = engineOf,
  canonical: CanonicalCache = new CanonicalCache(),
): PreparedEnv {
  const { env, output } = render;
  const diagnostics: Diagnostic[] = [];
  const engine = engineFor(env);
  const groups = new Map<string, readonly K8sObject[]>();
  const keep = (objs: readonly K8sObject[]) => objs.map((o) => keepNamespace(engine, o));
  for (const ns of [...output.namespaces.keys()].sort(cmp)) {
    const objs = output.namespaces.get(ns) ?? [];
    if (objs.length === 0) continue;
    if (ns === MESH_SYSTEM_DIR) {
      diagnostics.push(
        conflict(
          `Namespace ${MESH_SYSTEM_DIR} of environment ${env.name} collides with meshc's overlays/${env.name}/${MESH_SYSTEM_DIR} directory.`,
          env.origin([]),
        ),
      );
      continue;
    }
    groups.set(ns, keep(objs));
  }
  if ((output.prerequisites ?? []).length > 0)
    groups.set(PREREQUISITES_DIR, keep(output.prerequisites ?? []));
  const install = engine.installObjects(output.charts);
  if (install.length > 0) groups.set(INSTALL_DIR, install);
  if (output.system.length > 0) groups.set(CONFIG_DIR, keep(output.system));

  // The environment's own GitOps objects (in clusters/<cluster>/) are built before the patches, so that
  // patches reach them too: they are named after the environment, so a patch never touches another
  // environment's objects in a shared cluster directory. Patches change objects but never remove one, so
  // the overlay directories these objects point at are known here.
  const namespaces = [...groups.keys(), ...(render.reused?.keys() ?? [])]
    .filter((d) => !isMeshDir(d))
    .sort(cmp);
  const clusterObjects = engine.clusterObjects({
    env: env.name,
    gitops: env.gitops,
    systemNamespace: render.systemNamespace,
    charts: output.charts,
    dirs: {
      prerequisites: groups.has(PREREQUISITES_DIR),
      install: groups.has(INSTALL_DIR),
      config: groups.has(CONFIG_DIR),
      namespaces,
      ...(meshOwner ? { meshOwner } : {}),
    },
    bases: new Map(namespaces.map((ns) => [ns, basePath(render.mesh, ns)] as const)),
  });
  const clusterKey = clusterPath(env.cluster);
  groups.set(clusterKey, clusterObjects);

  const patched = applyEnvironmentPatches(env, groups);
  diagnostics.push(...patched.diagnostics);
  const cluster = (patched.groups.get(clusterKey) ?? [])
    .map((o) => canonical.canonicalize(o))
    .sort(compareObjects);
  patched.groups.delete(clusterKey);

  const dirs = new Map<string, K8sObject[]>();
  const owner = new Map<string, string>();
  // The objects of namespaces taken from the previous render that another directory could hold too.
  for (const [ns, ids] of render.reused ?? []) for (const id of ids) owner.set(id, ns);
  for (const [dir, objs] of patched.groups) {
    // Canonicalized in place: the list is applyEnvironmentPatches' own copy.
    for (let i = 0; i < objs.length; i++) objs[i] = canonical.canonicalize(objs[i] as K8sObject);
    const list = uniqueObjects(env, dir, objs, owner, diagnostics);
    dirs.set(dir, list.sort(compareObjects));
  }
  return { render, name: env.name, namespaces, dirs, cluster, diagnostics };
}

/**
 * A Namespace is never pruned by the GitOps engine (each engine says how: `GitOpsEngine.keepNamespace`).
 * Other objects are returned as they are.
 */
export function keepNamespace(engine: GitOpsEngine, obj: K8sObject): K8sObject {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Namespace') return obj;
  const annotations = engine.keepNamespace(obj.metadata.annotations ?? {});
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

/**
 * The environment's complete object list (`meshc build --env`): application namespaces, mesh-system
 * prerequisites, install and config, and the environment's GitOps engine objects. Environment patches
 * applied; canonical objects in `compareObjects` order.
 */
export function environmentObjects(render: EnvRender, engineFor: EngineLookup = engineOf): K8sObject[] {
  const p = prepareEnvironment(render, undefined, engineFor);
  const all: K8sObject[] = [...p.cluster];
  for (const objs of p.dirs.values()) all.push(...objs);
  return all.sort(compareObjects);
}
