/**
 * The kustomize side of the tree, as data: which files a directory holds and what its
 * `kustomization.yaml` lists (object directories, cluster directories, namespace overlays with their
 * generated component and the user's seed component). `render/tree.ts` writes the text.
 */
import { objectFileName, resourceId, type K8sObject } from '../core/k8s.ts';
import type { EntrySet } from './conflicts.ts';
import { diffOps } from './diff-ops.ts';
import { splitApiVersion } from './env-patches.ts';
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
import { spread } from '../core/shapes.ts';

/**
 * One file per object plus a kustomization listing them (base, mesh-system and cluster directories).
 * `objects` come from environment `env`, or `env[i]` for `objects[i]` (a cluster directory);
 * `owner` names the directory's producer in conflicts.
 */
export function addObjectDir(
  entries: EntrySet,
  dir: string,
  objects: readonly K8sObject[],
  env: string | readonly string[],
  owner: string,
): void {
  const resources: string[] = [];
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i] as K8sObject;
    const name = objectFileName(obj);
    const from = typeof env === 'string' ? env : (env[i] as string);
    if (entries.add(`${dir}/${name}`, { type: 'object', env: from, object: obj }, 'owned'))
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
 * A base directory's objects, with their index by resource id built when an overlay first needs it and
 * shared by every overlay on the base. Each object's resource id appears once (`uniqueObjects`).
 */
export class BaseObjects {
  readonly objects: readonly K8sObject[];
  private index: Map<string, number> | undefined;
  constructor(objects: readonly K8sObject[]) {
    this.objects = objects;
  }

  /** The position of the object with this resource id, if the base has one. */
  indexOf(id: string): number | undefined {
    if (this.index === undefined) {
      this.index = new Map();
      for (let i = 0; i < this.objects.length; i++)
        this.index.set(resourceId(this.objects[i] as K8sObject), i);
    }
    return this.index.get(id);
  }
}

/**
 * A namespace overlay of environment `env`: the base plus the environment's own objects as files, its
 * differences from the base (changed and removed objects) in the owned GENERATED_COMPONENT, and the user's
 * seed component, applied last so that the user's patches win. Each resource id appears once in `objects`
 * and once in the base (`uniqueObjects`); both are sorted alike (`compareObjects`).
 */
export function addNamespaceOverlay(
  entries: EntrySet,
  env: string,
  mesh: string,
  ns: string,
  base: BaseObjects,
  objects: readonly K8sObject[],
): void {
  const dir = overlayPath(env, ns);
  const owner = `environment ${env}`;
  const baseObjects = base.objects;
  // matched[i]: the base object at i is one of the environment's (same id), so it is not deleted.
  const matched = new Uint8Array(baseObjects.length);
  const added: string[] = [];
  const patches: { key: string; patch: ComponentPatch }[] = [];

  // Fast path: an object of the environment that is the very object of the base at the position expected
  // (the gitops stage gives objects that environments render alike one canonical object, and both lists are
  // sorted alike) has the same id and no difference: nothing to write, no id to compute. Any other object
  // is looked up by id, and the expected position continues after its base object.
  let next = 0;
  for (const obj of objects) {
    if (next < baseObjects.length && baseObjects[next] === obj) {
      matched[next++] = 1;
      continue;
    }
    const at = base.indexOf(resourceId(obj));
    const name = objectFileName(obj);
    if (at === undefined) {
      if (entries.add(`${dir}/${name}`, { type: 'object', env, object: obj }, 'owned')) added.push(name);
      continue;
    }
    matched[at] = 1;
    next = at + 1;
    const ops = diffOps(baseObjects[at], obj);
    if (ops.length === 0) continue;
    const path = `${PATCHES_DIR}/${name}`;
    const content = { type: 'patch', env, object: obj, ops } as const;
    if (entries.add(`${dir}/${GENERATED_COMPONENT}/${path}`, content, 'owned'))
      patches.push({ key: `0 ${path}`, patch: { path, target: patchTarget(obj) } });
  }
  for (let i = 0; i < baseObjects.length; i++) {
    if (matched[i] === 1) continue;
    const obj = baseObjects[i] as K8sObject;
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
  return spread(group !== '' ? { group } : {}, {
    version,
    kind: obj.kind,
    name: escapeRegex(obj.metadata.name),
    ...(obj.metadata.namespace !== undefined ? { namespace: escapeRegex(obj.metadata.namespace) } : {}),
  });
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
