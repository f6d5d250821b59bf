/**
 * The kustomize side of the tree, as data: which files a directory holds and what its
 * `kustomization.yaml` lists (object directories, cluster directories, namespace overlays with their
 * generated component and the user's seed component). `render/tree.ts` writes the text.
 */
import { objectFileName, resourceId, type K8sObject } from '../core/k8s.ts';
import type { EntrySet } from './conflicts.ts';
import { diffOps } from './diff-ops.ts';
import { describeObject, splitApiVersion } from './env-patches.ts';
import {
  GENERATED_COMPONENT,
  KUSTOMIZATION_FILE,
  PATCHES_DIR,
  USER_COMPONENT,
  basePath,
  cmp,
  overlayPath,
  relativeTo,
} from './layout.ts';
import type { ComponentPatch, PatchTarget } from './types.ts';

/** Who wrote an object's file, for conflict messages. */
function source(env: string, obj: K8sObject): string {
  return `${describeObject(obj)} of environment ${env}`;
}

/**
 * One file per object plus a kustomization listing them (base, mesh-system and cluster directories).
 * `objects` are `[object, environment]` pairs; `owner` names the directory's producer in conflicts.
 */
export function addObjectDir(
  entries: EntrySet,
  dir: string,
  objects: readonly (readonly [K8sObject, string])[],
  owner: string,
): void {
  const resources: string[] = [];
  for (const [obj, env] of objects) {
    const name = objectFileName(obj);
    if (entries.add(`${dir}/${name}`, { type: 'object', env, object: obj }, 'owned', source(env, obj)))
      resources.push(name);
  }
  entries.add(
    `${dir}/${KUSTOMIZATION_FILE}`,
    { type: 'kustomization', resources: resources.sort(cmp) },
    'owned',
    owner,
  );
}

/**
 * A namespace overlay of environment `env`: the base plus the environment's own objects as files, its
 * differences from the base (changed and removed objects) in the owned GENERATED_COMPONENT, and the user's
 * seed component, applied last so that the user's patches win.
 */
export function addNamespaceOverlay(
  entries: EntrySet,
  env: string,
  mesh: string,
  ns: string,
  baseObjects: readonly K8sObject[],
  objects: readonly K8sObject[],
): void {
  const dir = overlayPath(env, ns);
  const owner = `environment ${env}`;
  const base = new Map(baseObjects.map((o) => [resourceId(o), o] as const));
  const mine = new Map(objects.map((o) => [resourceId(o), o] as const));
  const added: string[] = [];
  const patches: { key: string; patch: ComponentPatch }[] = [];

  for (const obj of objects) {
    const name = objectFileName(obj);
    const b = base.get(resourceId(obj));
    if (b === undefined) {
      if (entries.add(`${dir}/${name}`, { type: 'object', env, object: obj }, 'owned', source(env, obj)))
        added.push(name);
      continue;
    }
    const ops = diffOps(b, obj);
    if (ops.length === 0) continue;
    const path = `${PATCHES_DIR}/${name}`;
    const content = { type: 'patch', env, object: obj, ops } as const;
    if (entries.add(`${dir}/${GENERATED_COMPONENT}/${path}`, content, 'owned', source(env, obj)))
      patches.push({ key: `0 ${path}`, patch: { path, target: patchTarget(obj) } });
  }
  for (const obj of baseObjects) {
    if (mine.has(resourceId(obj))) continue;
    const metadata: { name: string; namespace?: string } = { name: obj.metadata.name };
    if (obj.metadata.namespace !== undefined) metadata.namespace = obj.metadata.namespace;
    patches.push({
      key: `1 ${objectFileName(obj)} ${resourceId(obj)}`,
      patch: { delete: { apiVersion: obj.apiVersion, kind: obj.kind, metadata } },
    });
  }
  patches.sort((a, b) => cmp(a.key, b.key));

  const resources = [relativeTo(dir, basePath(mesh, ns)), ...added.sort(cmp)];
  // Environment differences live in an owned component applied before the user's own component:
  // kustomize applies components in order, after the overlay's resources, so the user's patches win.
  let components = [USER_COMPONENT];
  if (patches.length > 0) {
    entries.add(
      `${dir}/${GENERATED_COMPONENT}/${KUSTOMIZATION_FILE}`,
      { type: 'generated-component', env, patches: patches.map((p) => p.patch) },
      'owned',
      owner,
    );
    components = [GENERATED_COMPONENT, USER_COMPONENT];
  }
  entries.add(
    `${dir}/${KUSTOMIZATION_FILE}`,
    { type: 'kustomization', resources, components },
    'owned',
    owner,
  );
  entries.add(
    `${dir}/${USER_COMPONENT}/${KUSTOMIZATION_FILE}`,
    { type: 'user-component', env, namespace: ns },
    'seed',
    owner,
  );
}

/**
 * A kustomize patch target that selects exactly this object. kustomize reads `name` and `namespace` as
 * anchored regular expressions, so `.` is escaped; an empty group would match every group, so the core
 * group is left out only because no other group reuses a core kind name in meshc's output.
 */
export function patchTarget(obj: K8sObject): PatchTarget {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return {
    ...(group !== '' ? { group } : {}),
    version,
    kind: obj.kind,
    name: escapeRegex(obj.metadata.name),
    ...(obj.metadata.namespace !== undefined ? { namespace: escapeRegex(obj.metadata.namespace) } : {}),
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
