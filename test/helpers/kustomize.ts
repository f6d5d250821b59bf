/**
 * Running the real kustomize over emitted trees. `kustomize build` when a `kustomize` binary is on PATH,
 * else `kubectl kustomize` (kubectl embeds kustomize). No shell is involved.
 */
import { execa } from 'execa';
import { loadAll } from 'js-yaml';
import { findKustomize as findKustomizeOnPath, type KustomizeCommand } from '../../src/verify/verify.ts';

export type { KustomizeCommand };

let cachedCommand: KustomizeCommand | null | undefined;

/**
 * The kustomize command to run (meshc's own lookup, as `meshc verify` uses it), or undefined when neither
 * `kustomize` nor `kubectl` is on PATH. Cached.
 */
export function findKustomize(): KustomizeCommand | undefined {
  if (cachedCommand === undefined) cachedCommand = findKustomizeOnPath(process.env) ?? null;
  return cachedCommand ?? undefined;
}

export interface KustomizeBuildOptions {
  /** `'none'` adds `--load-restrictor=LoadRestrictionsNone`, as Flux's kustomize-controller builds. */
  loadRestrictor?: 'none';
}

/**
 * Build `dir` with the real kustomize and return the emitted objects (YAML stream parsed with js-yaml,
 * empty documents dropped). Throws with kustomize's stderr when the build fails or no kustomize exists.
 */
export async function kustomizeBuild(dir: string, opts: KustomizeBuildOptions = {}): Promise<object[]> {
  const k = findKustomize();
  if (k === undefined) throw new Error('kustomizeBuild: neither kustomize nor kubectl is on PATH');
  const args = [...k.args, dir];
  if (opts.loadRestrictor === 'none') args.push('--load-restrictor=LoadRestrictionsNone');
  const result = await execa(k.cmd, args, { reject: false, stripFinalNewline: false });
  if (result.failed || result.exitCode !== 0) {
    const stderr = String(result.stderr ?? '').trim();
    throw new Error(
      `${k.cmd} ${args.join(' ')} failed (exit ${String(result.exitCode)}):\n${stderr || result.message}`,
    );
  }
  const docs = loadAll(String(result.stdout));
  const objects: object[] = [];
  for (const doc of docs) {
    if (doc == null) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new Error(`${k.cmd} ${args.join(' ')} emitted a non-object document: ${JSON.stringify(doc)}`);
    }
    objects.push(doc);
  }
  return objects;
}

/** `apiVersion/kind/namespace/name` (namespace empty when unset), as `resourceId` in src/core/k8s.ts. */
export function objectKey(obj: object): string {
  const o = obj as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { namespace?: unknown; name?: unknown };
  };
  return `${String(o.apiVersion ?? '')}/${String(o.kind ?? '')}/${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name ?? '')}`;
}

/**
 * Objects keyed by `apiVersion/kind/namespace/name`, inserted in sorted key order. kustomize reorders both
 * objects and keys, so compare the values by deep equality (`toEqual`), never as text. Throws on a
 * duplicate key.
 */
export function canonicalObjects(objs: readonly object[]): Map<string, object> {
  const keyed = objs.map((o) => [objectKey(o), o] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Map<string, object>();
  for (const [key, obj] of keyed) {
    if (out.has(key)) throw new Error(`canonicalObjects: duplicate object ${key}`);
    out.set(key, obj);
  }
  return out;
}
