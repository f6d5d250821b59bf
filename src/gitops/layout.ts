/**
 * Where everything goes in the output tree (SPEC "Output"), and nothing else: directory names and the
 * paths of bases, overlays and cluster directories, relative to the output root.
 *
 *   base/<mesh>/<namespace>/                  the namespace as the alphabetically first environment of the
 *                                             mesh that deploys it renders it (env patches applied)
 *   overlays/<env>/<namespace>/               base + env-only objects + generated JSON 6902 / delete patches
 *                                             + the user's `user/` component (a seed file)
 *   overlays/<env>/mesh-system/prerequisites/ what the mesh needs before its install (the backend's list)
 *   overlays/<env>/mesh-system/install/       the engine's install objects for the control-plane charts,
 *                                             when the engine installs charts from an overlay
 *   overlays/<env>/mesh-system/config/        the backend's mesh-wide objects
 *   clusters/<cluster>/                       the GitOps engine's objects (GitRepository + Kustomizations,
 *                                             or Applications)
 */
import type { GitOpsSettings } from '../model/types.ts';

/** The overlay directory of the mesh-wide objects; an application namespace may not have this name. */
export const MESH_SYSTEM_DIR = 'mesh-system';
export const PREREQUISITES_DIR = `${MESH_SYSTEM_DIR}/prerequisites`;
export const INSTALL_DIR = `${MESH_SYSTEM_DIR}/install`;
export const CONFIG_DIR = `${MESH_SYSTEM_DIR}/config`;
/** The mesh-wide overlay directories, in the order they are applied. */
export const MESH_DIRS: readonly string[] = [PREREQUISITES_DIR, INSTALL_DIR, CONFIG_DIR];
/** The seed component every namespace overlay includes. */
export const USER_COMPONENT = 'user';
/** The owned component holding meshc's generated patches; listed before `user`, so the user's patches win. */
export const GENERATED_COMPONENT = 'meshc';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';
/** Where a namespace overlay keeps one generated patch file per changed object (inside GENERATED_COMPONENT). */
export const PATCHES_DIR = 'patches';

export function basePath(mesh: string, namespace: string): string {
  return `base/${mesh}/${namespace}`;
}

export function overlayPath(env: string, dir: string): string {
  return `overlays/${env}/${dir}`;
}

export function clusterPath(cluster: string): string {
  return `clusters/${cluster}`;
}

/**
 * A path of the output tree as the GitOps engine sees it in the repository: below `gitops.path`
 * (nothing when the output root is the repository root), with a leading `./` when asked.
 */
export function repoPath(gitops: GitOpsSettings, dir: string, dotSlash: boolean): string {
  const rel = gitops.path === '' ? dir : `${gitops.path}/${dir}`;
  return dotSlash ? `./${rel}` : rel;
}

/** `to` (relative to the output root) as seen from directory `from` (relative to the output root). */
export function relativeTo(from: string, to: string): string {
  const depth = from.split('/').filter((s) => s !== '').length;
  return '../'.repeat(depth) + to;
}

/**
 * The namespace a path of the output tree belongs to, when it is a namespace shard's (plan/shards.ts):
 * `base/<mesh>/<namespace>/…` or `overlays/<env>/<namespace>/…`; else undefined (the environments' own
 * files, the mesh-wide directories, the clusters' directories).
 */
export function shardOfPath(p: string): string | undefined {
  const parts = p.split('/');
  if (parts.length < 4) return undefined;
  if (parts[0] === 'base') return parts[2];
  if (parts[0] === 'overlays' && parts[2] !== MESH_SYSTEM_DIR) return parts[2];
  return undefined;
}

export function isMeshDir(dir: string): boolean {
  return MESH_DIRS.includes(dir);
}

/** Names and paths in UTF-16 code-unit order (never `localeCompare`, which depends on the machine). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
