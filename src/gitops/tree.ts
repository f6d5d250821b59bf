/**
 * From per-environment backend output to the rendered tree (SPEC "Output"):
 *
 *   base/<mesh>/<namespace>/                  the namespace as the alphabetically first environment of the
 *                                             mesh that deploys it renders it (env patches applied)
 *   overlays/<env>/<namespace>/               base + env-only objects + generated JSON 6902 / delete patches
 *                                             + the user's `user/` component (a seed file)
 *   overlays/<env>/mesh-system/install/       Flux HelmRepository / HelmRelease objects (Flux, charts only)
 *   overlays/<env>/mesh-system/config/        the backend's mesh-wide objects
 *   clusters/<cluster>/                       Flux GitRepository + Kustomizations, or Argo CD Applications
 *
 * Every Namespace carries its engine's no-prune annotation; the environment's patches apply to its
 * namespaces, mesh-system objects and its own Flux / Argo CD objects.
 *
 * Pure: no disk, no clock. Invariant (tested with real kustomize): `kustomize build overlays/<env>/<dir>`
 * equals `builds.get('overlays/<env>/<dir>')`, object for object and field for field.
 */
import type { ChartRelease, BackendOutput } from '../backends/types.ts';
import { CODES, type DiagnosticCode } from '../core/codes.ts';
import { sortDiagnostics, type Diagnostic, type RelatedLocation } from '../core/diagnostic.ts';
import { objectFileName, resourceId, type K8sObject } from '../core/k8s.ts';
import type { Location } from '../core/location.ts';
import { OWNED_HEADER, type OutputFile } from '../core/output.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import { canonicalize, compareObjects, renderObjectFile } from '../render/canonical.ts';
import { emitYaml } from '../render/yaml.ts';
import { ARGOCD_NO_PRUNE, ARGOCD_SYNC_OPTIONS, argoClusterObjects } from './argocd.ts';
import { diffOps } from './diff-ops.ts';
import { applyEnvironmentPatches, describeObject, splitApiVersion } from './env-patches.ts';
import {
  FLUX_PRUNE_ANNOTATION,
  FLUX_PRUNE_DISABLED,
  fluxClusterObjects,
  fluxInstallObjects,
} from './flux.ts';
import { jsonEqual } from './json-patch.ts';

export interface EnvRender {
  env: ResolvedEnvironment;
  mesh: string;
  systemNamespace: string;
  output: BackendOutput;
}

/** The gitops stage's input for one planned environment (a validate plan: environment, backend, output). */
export function envRender(plan: {
  readonly env: ResolvedEnvironment;
  readonly backend: { readonly mesh: string; readonly systemNamespace: string };
  readonly output: BackendOutput;
}): EnvRender {
  return {
    env: plan.env,
    mesh: plan.backend.mesh,
    systemNamespace: plan.backend.systemNamespace,
    output: plan.output,
  };
}

export interface GitOpsResult {
  /** Sorted by path. */
  files: OutputFile[];
  diagnostics: Diagnostic[];
  /** `overlays/<env>/<dir>` → the objects `kustomize build` of that directory produces (canonical, sorted). */
  builds: Map<string, K8sObject[]>;
}

/** The overlay directory of the mesh-wide objects; an application namespace may not have this name. */
export const MESH_SYSTEM_DIR = 'mesh-system';
export const PREREQUISITES_DIR = `${MESH_SYSTEM_DIR}/prerequisites`;
export const INSTALL_DIR = `${MESH_SYSTEM_DIR}/install`;
export const CONFIG_DIR = `${MESH_SYSTEM_DIR}/config`;
/** The seed component every namespace overlay includes. */
export const USER_COMPONENT = 'user';
/** The owned component holding meshc's generated patches; listed before `user`, so the user's patches win. */
export const GENERATED_COMPONENT = 'meshc';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

const KUSTOMIZE_API = 'kustomize.config.k8s.io/v1beta1';
const COMPONENT_API = 'kustomize.config.k8s.io/v1alpha1';

export function basePath(mesh: string, namespace: string): string {
  return `base/${mesh}/${namespace}`;
}

export function overlayPath(env: string, dir: string): string {
  return `overlays/${env}/${dir}`;
}

export function clusterPath(cluster: string): string {
  return `clusters/${cluster}`;
}

export function sourceHeader(env: string): string {
  return `# source: meshc environment ${env}`;
}

/** An environment after patches: canonical, sorted objects per overlay directory, plus its cluster objects. */
interface PreparedEnv {
  readonly render: EnvRender;
  readonly name: string;
  /** Application namespaces with at least one object, sorted. */
  readonly namespaces: readonly string[];
  /** Keys: application namespaces, INSTALL_DIR, CONFIG_DIR (only non-empty directories). */
  readonly dirs: ReadonlyMap<string, readonly K8sObject[]>;
  readonly cluster: readonly K8sObject[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The environment's complete object list (`meshc build --env`): application namespaces, mesh-system
 * install and config, and the environment's Flux / Argo CD objects. Environment patches applied;
 * canonical objects in `compareObjects` order.
 */
export function buildEnvironment(render: EnvRender): K8sObject[] {
  const p = prepare(render);
  const all: K8sObject[] = [...p.cluster];
  for (const objs of p.dirs.values()) all.push(...objs);
  return all.sort(compareObjects);
}

interface ClusterEntries {
  readonly cluster: string;
  /** The cluster directory's objects (with the environment that produced each), sorted. */
  readonly entries: readonly { readonly obj: K8sObject; readonly env: PreparedEnv }[];
}

/**
 * Everything the tree is made of, before any file: each environment prepared (mesh-wide objects with their
 * cluster's owner, engine annotations, patches applied, GitOps objects built) and the cluster directories,
 * with every diagnostic `render` would refuse the tree for, except file-level ones.
 */
function analyse(renders: readonly EnvRender[]): {
  prepared: PreparedEnv[];
  clusters: ClusterEntries[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...renders].sort((a, b) => cmp(a.env.name, b.env.name));
  const owned = assignMeshOwners(sorted, diagnostics);
  const prepared = owned.map(({ render, meshOwner }) => prepare(render, meshOwner));
  for (const p of prepared) diagnostics.push(...p.diagnostics);
  for (let i = 1; i < prepared.length; i++) {
    const a = prepared[i - 1] as PreparedEnv;
    const b = prepared[i] as PreparedEnv;
    if (a.name === b.name) {
      diagnostics.push(
        conflict(
          `Two renders are given for environment ${a.name}.`,
          b.render.env.origin([]),
          a.render.env.origin([]),
        ),
      );
    }
  }
  const byCluster = new Map<string, PreparedEnv[]>();
  for (const p of prepared) {
    const list = byCluster.get(p.render.env.cluster) ?? [];
    list.push(p);
    byCluster.set(p.render.env.cluster, list);
  }
  const clusters: ClusterEntries[] = [];
  for (const [cluster, envs] of [...byCluster].sort(([a], [b]) => cmp(a, b))) {
    checkSharedCluster(cluster, envs, diagnostics);
    const dir = clusterPath(cluster);
    const seen = new Map<string, PreparedEnv>();
    const fileOwner = new Map<string, { obj: K8sObject; env: PreparedEnv }>();
    const entries: { obj: K8sObject; env: PreparedEnv }[] = [];
    for (const env of envs) {
      for (const obj of env.cluster) {
        const id = resourceId(obj);
        const first = seen.get(id);
        if (first !== undefined) {
          diagnostics.push(
            conflict(
              `Environments ${first.name} and ${env.name} both produce ${describeObject(obj)} in ${dir}.`,
              env.render.env.origin([]),
              first.render.env.origin([]),
            ),
          );
          continue;
        }
        const file = objectFileName(obj);
        const sameFile = fileOwner.get(file);
        if (sameFile !== undefined) {
          diagnostics.push(
            conflict(
              `Two outputs write ${dir}/${file}: ${describeObject(sameFile.obj)} of environment ${sameFile.env.name} and ${describeObject(obj)} of environment ${env.name}.`,
              env.render.env.origin([]),
              sameFile.env.render.env.origin([]),
            ),
          );
          continue;
        }
        fileOwner.set(file, { obj, env });
        seen.set(id, env);
        entries.push({ obj, env });
      }
    }
    entries.sort((a, b) => compareObjects(a.obj, b.obj));
    clusters.push({ cluster, entries });
  }
  return { prepared, clusters, diagnostics };
}

/**
 * The diagnostics `buildGitOpsTree` reports for these renders (environment patches that match nothing or
 * fail, conflicts between environments, two objects for one output file), without building the files:
 * what `validate` runs so that it refuses everything `render` refuses before writing.
 */
export function gitopsDiagnostics(renders: readonly EnvRender[]): Diagnostic[] {
  return sortDiagnostics(analyse(renders).diagnostics);
}

export function buildGitOpsTree(renders: readonly EnvRender[]): GitOpsResult {
  const { prepared, clusters, diagnostics } = analyse(renders);
  const files = new FileSet(diagnostics);
  const builds = new Map<string, K8sObject[]>();

  // ---- bases: the first environment (by name) of each mesh that deploys the namespace
  const bases = new Map<string, { env: PreparedEnv; objects: readonly K8sObject[] }>();
  for (const p of prepared) {
    for (const ns of p.namespaces) {
      const key = basePath(p.render.mesh, ns);
      if (!bases.has(key)) bases.set(key, { env: p, objects: p.dirs.get(ns) ?? [] });
    }
  }
  for (const [dir, { env, objects }] of [...bases].sort(([a], [b]) => cmp(a, b))) {
    writeObjectDir(files, dir, env, objects);
  }

  // ---- overlays
  for (const p of prepared) {
    for (const ns of p.namespaces) {
      const base = bases.get(basePath(p.render.mesh, ns));
      const objects = p.dirs.get(ns) ?? [];
      writeNamespaceOverlay(files, p, ns, base?.objects ?? [], objects);
      builds.set(overlayPath(p.name, ns), [...objects]);
    }
    for (const dir of [PREREQUISITES_DIR, INSTALL_DIR, CONFIG_DIR]) {
      const objects = p.dirs.get(dir);
      if (objects === undefined) continue;
      writeObjectDir(files, overlayPath(p.name, dir), p, objects);
      builds.set(overlayPath(p.name, dir), [...objects]);
    }
  }

  // ---- clusters
  for (const { cluster, entries } of clusters) {
    if (entries.length === 0) continue;
    const dir = clusterPath(cluster);
    const resources: string[] = [];
    for (const { obj, env } of entries) {
      const name = objectFileName(obj);
      if (
        files.add(`${dir}/${name}`, renderObjectFile(obj, sourceHeader(env.name)), 'owned', source(env, obj))
      )
        resources.push(name);
    }
    files.add(
      `${dir}/${KUSTOMIZATION_FILE}`,
      kustomizationFile({ resources: resources.sort() }),
      'owned',
      `cluster ${cluster}`,
    );
  }

  return {
    files: files.list(),
    diagnostics: sortDiagnostics(diagnostics),
    builds: new Map([...builds].sort(([a], [b]) => cmp(a, b))),
  };
}

// ---------------------------------------------------------------------------------------------------
// Environments

interface MeshOwner {
  readonly env: string;
  readonly install: boolean;
  readonly config: boolean;
}

/**
 * One cluster runs one mesh, installed and configured once: the first environment (by name) on a cluster
 * owns its mesh-wide directories (install and config), holding the mesh-wide objects of every
 * environment on that cluster; the others' namespaces depend on the owner's. Two environments that
 * render one mesh-wide object differently are a conflict.
 */
function assignMeshOwners(
  sorted: readonly EnvRender[],
  diagnostics: Diagnostic[],
): { render: EnvRender; meshOwner?: MeshOwner }[] {
  type Merged = Map<string, { obj: K8sObject; env: EnvRender }>;
  const owners = new Map<string, EnvRender>();
  const merged = new Map<string, { system: Merged; prerequisites: Merged }>();
  const add = (into: Merged, r: EnvRender, objs: readonly K8sObject[]) => {
    for (const obj of objs) {
      const id = resourceId(obj);
      const first = into.get(id);
      if (!first) into.set(id, { obj, env: r });
      else if (!jsonEqual(canonicalize(first.obj), canonicalize(obj)))
        diagnostics.push(
          conflict(
            `Environments ${first.env.env.name} and ${r.env.name} share cluster ${r.env.cluster} but render ${describeObject(obj)} differently.`,
            r.env.origin(['cluster']),
            first.env.env.origin(['cluster']),
          ),
        );
    }
  };
  for (const r of sorted) {
    if (!owners.has(r.env.cluster)) owners.set(r.env.cluster, r);
    const m = merged.get(r.env.cluster) ?? { system: new Map(), prerequisites: new Map() };
    add(m.system, r, r.output.system);
    add(m.prerequisites, r, r.output.prerequisites ?? []);
    merged.set(r.env.cluster, m);
  }
  return sorted.map((render) => {
    const owner = owners.get(render.env.cluster)!;
    const m = merged.get(render.env.cluster)!;
    const system = [...m.system.values()].map((x) => x.obj);
    const prerequisites = [...m.prerequisites.values()].map((x) => x.obj);
    if (owner === render)
      return { render: { ...render, output: { ...render.output, system, prerequisites } } };
    return {
      render: { ...render, output: { ...render.output, system: [], prerequisites: [], charts: [] } },
      meshOwner: {
        env: owner.env.name,
        install: owner.env.gitops.engine === 'flux' && owner.output.charts.length > 0,
        config: system.length > 0,
      },
    };
  });
}

function prepare(render: EnvRender, meshOwner?: MeshOwner): PreparedEnv {
  const { env, output } = render;
  const diagnostics: Diagnostic[] = [];
  const engine = env.gitops.engine;
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
  const install = installObjects(engine, output.charts);
  if (install.length > 0) groups.set(INSTALL_DIR, install);
  if (output.system.length > 0) groups.set(CONFIG_DIR, keep(output.system));

  // The environment's own GitOps objects (in clusters/<cluster>/) are built before the patches, so that
  // patches reach them too: they are named after the environment, so a patch never touches another
  // environment's objects in a shared cluster directory. Patches change objects but never remove one, so
  // the overlay directories these objects point at are known here.
  const namespaces = [...groups.keys()]
    .filter((d) => d !== PREREQUISITES_DIR && d !== INSTALL_DIR && d !== CONFIG_DIR)
    .sort(cmp);
  const overlayDirs = {
    prerequisites: groups.has(PREREQUISITES_DIR),
    install: groups.has(INSTALL_DIR),
    config: groups.has(CONFIG_DIR),
    namespaces,
    ...(meshOwner ? { meshOwner } : {}),
  };
  const clusterObjects =
    engine === 'flux'
      ? fluxClusterObjects(env.name, env.gitops, overlayDirs)
      : argoClusterObjects(env.name, env.gitops, render.systemNamespace, output.charts, {
          ...overlayDirs,
          bases: new Map(namespaces.map((ns) => [ns, basePath(render.mesh, ns)] as const)),
        });
  const clusterKey = clusterPath(env.cluster);
  groups.set(clusterKey, clusterObjects);

  const patched = applyEnvironmentPatches(env, groups);
  diagnostics.push(...patched.diagnostics);
  const cluster = (patched.groups.get(clusterKey) ?? []).map((o) => canonicalize(o)).sort(compareObjects);
  patched.groups.delete(clusterKey);

  const dirs = new Map<string, K8sObject[]>();
  const owner = new Map<string, string>();
  for (const [dir, objs] of patched.groups) {
    const list: K8sObject[] = [];
    // File names leave the namespace out: two objects of one kind and name in one directory share a file.
    const fileOwner = new Map<string, K8sObject>();
    for (const raw of objs) {
      const obj = canonicalize(raw);
      const id = resourceId(obj);
      const first = owner.get(id);
      const file = objectFileName(obj);
      const sameFile = fileOwner.get(file);
      if (first === undefined && sameFile !== undefined) {
        diagnostics.push(
          conflict(
            `Two outputs write overlays/${env.name}/${dir}/${file}: ${describeObject(sameFile)} and ${describeObject(obj)} of environment ${env.name}.`,
            env.origin([]),
          ),
        );
        continue;
      }
      if (first !== undefined) {
        const where =
          first === dir
            ? `twice in overlays/${env.name}/${dir}`
            : `in both overlays/${env.name}/${first} and overlays/${env.name}/${dir}`;
        diagnostics.push(
          conflict(`Environment ${env.name} produces ${describeObject(obj)} ${where}.`, env.origin([])),
        );
        continue;
      }
      owner.set(id, dir);
      fileOwner.set(file, obj);
      list.push(obj);
    }
    dirs.set(dir, list.sort(compareObjects));
  }
  return { render, name: env.name, namespaces, dirs, cluster, diagnostics };
}

/**
 * A Namespace is never pruned by the GitOps engine: removing the last service of a namespace, or the
 * Kustomization / Application that applied it, must not delete the namespace (and every workload in it).
 * Flux: `kustomize.toolkit.fluxcd.io/prune: disabled`; Argo CD: `argocd.argoproj.io/sync-options:
 * Prune=false` (appended to sync options the object already carries). Other objects are returned as they are.
 */
export function keepNamespace(engine: 'flux' | 'argocd', obj: K8sObject): K8sObject {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Namespace') return obj;
  const annotations: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
  if (engine === 'flux') annotations[FLUX_PRUNE_ANNOTATION] = FLUX_PRUNE_DISABLED;
  else {
    const existing = (annotations[ARGOCD_SYNC_OPTIONS] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '' && !x.startsWith('Prune='));
    annotations[ARGOCD_SYNC_OPTIONS] = [...existing, ARGOCD_NO_PRUNE].join(',');
  }
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

function installObjects(engine: 'flux' | 'argocd', charts: readonly ChartRelease[]): K8sObject[] {
  return engine === 'flux' && charts.length > 0 ? fluxInstallObjects(charts) : [];
}

/**
 * Environments that share a cluster apply into one API server: an object both render must be the same
 * object, or the two GitOps objects would fight over it.
 */
function checkSharedCluster(cluster: string, envs: readonly PreparedEnv[], diagnostics: Diagnostic[]): void {
  if (envs.length < 2) return;
  const seen = new Map<string, { env: PreparedEnv; obj: K8sObject }>();
  for (const env of envs) {
    for (const objs of env.dirs.values()) {
      for (const obj of objs) {
        const id = resourceId(obj);
        const first = seen.get(id);
        if (first === undefined) seen.set(id, { env, obj });
        else if (!jsonEqual(first.obj, obj)) {
          diagnostics.push(
            conflict(
              `Environments ${first.env.name} and ${env.name} share cluster ${cluster} but render ${describeObject(obj)} differently.`,
              env.render.env.origin(['cluster']),
              first.env.render.env.origin(['cluster']),
            ),
          );
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Directories

/** One file per object plus a kustomization listing them (base dirs and mesh-system dirs). */
function writeObjectDir(files: FileSet, dir: string, env: PreparedEnv, objects: readonly K8sObject[]): void {
  const resources: string[] = [];
  for (const obj of objects) {
    const name = objectFileName(obj);
    if (files.add(`${dir}/${name}`, renderObjectFile(obj, sourceHeader(env.name)), 'owned', source(env, obj)))
      resources.push(name);
  }
  files.add(
    `${dir}/${KUSTOMIZATION_FILE}`,
    kustomizationFile({ resources: resources.sort(cmp) }),
    'owned',
    `environment ${env.name}`,
  );
}

function writeNamespaceOverlay(
  files: FileSet,
  env: PreparedEnv,
  ns: string,
  baseObjects: readonly K8sObject[],
  objects: readonly K8sObject[],
): void {
  const dir = overlayPath(env.name, ns);
  const base = new Map(baseObjects.map((o) => [resourceId(o), o] as const));
  const mine = new Map(objects.map((o) => [resourceId(o), o] as const));
  const added: string[] = [];
  const patchEntries: { key: string; entry: Record<string, unknown> }[] = [];

  for (const obj of objects) {
    const name = objectFileName(obj);
    const b = base.get(resourceId(obj));
    if (b === undefined) {
      if (
        files.add(`${dir}/${name}`, renderObjectFile(obj, sourceHeader(env.name)), 'owned', source(env, obj))
      )
        added.push(name);
      continue;
    }
    const ops = diffOps(b, obj);
    if (ops.length === 0) continue;
    const path = `patches/${name}`;
    const content = `${OWNED_HEADER}\n${sourceHeader(env.name)}: ${describeObject(obj)}, differences from the base\n${emitYaml(ops)}`;
    if (files.add(`${dir}/${GENERATED_COMPONENT}/${path}`, content, 'owned', source(env, obj))) {
      patchEntries.push({ key: `0 ${path}`, entry: { path, target: patchTarget(obj) } });
    }
  }
  for (const obj of baseObjects) {
    if (mine.has(resourceId(obj))) continue;
    const metadata: Record<string, string> = { name: obj.metadata.name };
    if (obj.metadata.namespace !== undefined) metadata.namespace = obj.metadata.namespace;
    const patch = emitYaml({ $patch: 'delete', apiVersion: obj.apiVersion, kind: obj.kind, metadata });
    patchEntries.push({ key: `1 ${objectFileName(obj)} ${resourceId(obj)}`, entry: { patch } });
  }
  patchEntries.sort((a, b) => cmp(a.key, b.key));

  const k: Record<string, unknown> = {
    resources: [`../../../${basePath(env.render.mesh, ns)}`, ...added.sort(cmp)],
  };
  // Environment differences live in an owned component applied before the user's own component:
  // kustomize applies components in order, after the overlay's resources, so the user's patches win.
  if (patchEntries.length > 0) {
    files.add(
      `${dir}/${GENERATED_COMPONENT}/${KUSTOMIZATION_FILE}`,
      `${OWNED_HEADER}\n# The differences of environment ${env.name} from the base, generated by meshc.\n${emitYaml({ apiVersion: COMPONENT_API, kind: 'Component', patches: patchEntries.map((p) => p.entry) })}`,
      'owned',
      `environment ${env.name}`,
    );
    k.components = [GENERATED_COMPONENT, USER_COMPONENT];
  } else k.components = [USER_COMPONENT];
  files.add(`${dir}/${KUSTOMIZATION_FILE}`, kustomizationFile(k), 'owned', `environment ${env.name}`);
  files.add(
    `${dir}/${USER_COMPONENT}/${KUSTOMIZATION_FILE}`,
    userComponent(env.name, ns),
    'seed',
    `environment ${env.name}`,
  );
}

/**
 * A kustomize patch target that selects exactly this object. kustomize reads `name` and `namespace` as
 * anchored regular expressions, so `.` is escaped; an empty group would match every group, so the core
 * group is left out only because no other group reuses a core kind name in meshc's output.
 */
function patchTarget(obj: K8sObject): Record<string, string> {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const t: Record<string, string> = {};
  if (group !== '') t.group = group;
  t.version = version;
  t.kind = obj.kind;
  t.name = escapeRegex(obj.metadata.name);
  if (obj.metadata.namespace !== undefined) t.namespace = escapeRegex(obj.metadata.namespace);
  return t;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function kustomizationFile(body: Record<string, unknown>): string {
  return `${OWNED_HEADER}\n${emitYaml({ apiVersion: KUSTOMIZE_API, kind: 'Kustomization', ...body })}`;
}

function userComponent(env: string, ns: string): string {
  return [
    `# Your own kustomize patches for namespace ${ns} in environment ${env}.`,
    '# meshc created this file once and never overwrites or removes it. Add patches below, for example:',
    '#',
    '# patches:',
    '# - patch: |-',
    '#     apiVersion: v1',
    '#     kind: Namespace',
    '#     metadata:',
    `#       name: ${ns}`,
    '#       labels:',
    '#         team: payments',
    '#',
    '# kustomize applies this component after the differences meshc generates (../meshc/), so your patches',
    '# win. It rejects a Component without content: keep `patches: []` while there is nothing to add.',
    `apiVersion: ${COMPONENT_API}`,
    'kind: Component',
    'patches: []',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Files and diagnostics

class FileSet {
  private readonly files = new Map<string, { file: OutputFile; source: string }>();
  private readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    this.diagnostics = diagnostics;
  }

  /** False (and a RENDER_CONFLICT) when the path is taken; the first file is kept. */
  add(path: string, content: string, ownership: OutputFile['ownership'], from: string): boolean {
    const existing = this.files.get(path);
    if (existing !== undefined) {
      this.diagnostics.push({
        code: 'RENDER_CONFLICT',
        severity: CODES.RENDER_CONFLICT.severity,
        message: `Two outputs write ${path}: ${existing.source} and ${from}.`,
        hint: CODES.RENDER_CONFLICT.fix,
      });
      return false;
    }
    this.files.set(path, { file: { path, content, ownership }, source: from });
    return true;
  }

  list(): OutputFile[] {
    return [...this.files.values()].map((f) => f.file).sort((a, b) => cmp(a.path, b.path));
  }
}

function source(env: PreparedEnv, obj: K8sObject): string {
  return `${describeObject(obj)} of environment ${env.name}`;
}

function conflict(message: string, location: Location, related?: Location): Diagnostic {
  const code: DiagnosticCode = 'RENDER_CONFLICT';
  const rel: RelatedLocation[] =
    related === undefined ? [] : [{ message: 'the other source', location: related }];
  return {
    code,
    severity: CODES[code].severity,
    message,
    hint: CODES[code].fix,
    location,
    ...(rel.length > 0 ? { related: rel } : {}),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
