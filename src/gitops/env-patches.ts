import { CODES } from '../core/codes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { ObjectPatch, ResolvedEnvironment } from '../model/types.ts';
import { applyPatch, isPlainObject } from './json-patch.ts';

/** `group` and `version` of an apiVersion; the core group is `''`. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Kustomize's matching rules: kind and name always, namespace / group / version only when given. */
export function matchesTarget(target: ObjectPatch['target'], o: K8sObject): boolean {
  if (o.kind !== target.kind || o.metadata.name !== target.name) return false;
  if (target.namespace !== undefined && (o.metadata.namespace ?? '') !== target.namespace) return false;
  const { group, version } = splitApiVersion(o.apiVersion);
  if (target.group !== undefined && group !== target.group) return false;
  if (target.version !== undefined && version !== target.version) return false;
  return true;
}

export function describeObject(o: K8sObject): string {
  const ns = o.metadata.namespace;
  return `${o.apiVersion} ${o.kind} ${ns === undefined ? '' : ns + '/'}${o.metadata.name}`;
}

function describeTarget(t: ObjectPatch['target']): string {
  const gv = t.group !== undefined || t.version !== undefined ? `${t.group ?? '*'}/${t.version ?? '*'} ` : '';
  return `${gv}${t.kind} ${t.namespace === undefined ? '' : t.namespace + '/'}${t.name}`;
}

/**
 * Apply the environment's RFC 6902 patches, in order, to every object they target. `groups` are the
 * environment's object lists (per output directory); the result has the same keys with patched copies.
 * A patch is atomic per object: when one of its ops fails, that object keeps its previous content.
 */
export function applyEnvironmentPatches(
  env: ResolvedEnvironment,
  groups: ReadonlyMap<string, readonly K8sObject[]>,
): { groups: Map<string, K8sObject[]>; diagnostics: Diagnostic[] } {
  const out = new Map<string, K8sObject[]>();
  for (const [k, objs] of groups) out.set(k, [...objs]);
  const diagnostics: Diagnostic[] = [];
  for (const patch of env.patches) {
    let matched = 0;
    for (const objs of out.values()) {
      for (let i = 0; i < objs.length; i++) {
        const obj = objs[i] as K8sObject;
        if (!matchesTarget(patch.target, obj)) continue;
        matched++;
        const r = applyPatch(obj, patch.ops);
        if (!r.ok) {
          const op = patch.ops[r.index];
          diagnostics.push({
            code: 'MESH_CONSTRAINT',
            severity: CODES.MESH_CONSTRAINT.severity,
            message: `Patch operation ${op?.op ?? '?'} ${op?.path ?? ''} cannot be applied to ${describeObject(obj)}: ${r.message}.`,
            hint:
              'Check the path against the object printed by `meshc build --env ' +
              env.name +
              '`; JSON Patch paths are JSON Pointers (`~1` for `/`).',
            location: env.origin(['patches', patch.index, 'ops', r.index]),
          });
          continue;
        }
        const problem = invalidObject(r.value);
        if (problem !== undefined) {
          diagnostics.push({
            code: 'MESH_CONSTRAINT',
            severity: CODES.MESH_CONSTRAINT.severity,
            message: `The patch leaves ${describeObject(obj)} without a valid Kubernetes object shape: ${problem}.`,
            hint: 'A patch may change an object but must keep apiVersion, kind and metadata.name strings.',
            location: env.origin(['patches', patch.index, 'ops']),
          });
          continue;
        }
        objs[i] = r.value as K8sObject;
      }
    }
    if (matched === 0) {
      diagnostics.push({
        code: 'PATCH_TARGET_NO_MATCH',
        severity: CODES.PATCH_TARGET_NO_MATCH.severity,
        message: `Patch target ${describeTarget(patch.target)} matches no emitted object of environment ${env.name}.`,
        hint:
          'List what the environment emits with `meshc build --env ' +
          env.name +
          '` and correct kind, name, namespace, group or version.',
        location: env.origin(['patches', patch.index, 'target']),
      });
    }
  }
  return { groups: out, diagnostics };
}

function invalidObject(v: unknown): string | undefined {
  if (!isPlainObject(v)) return 'it is no longer a mapping';
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') return 'apiVersion must be a non-empty string';
  if (typeof v.kind !== 'string' || v.kind === '') return 'kind must be a non-empty string';
  const meta = v.metadata;
  if (!isPlainObject(meta)) return 'metadata must be a mapping';
  if (typeof meta.name !== 'string' || meta.name === '') return 'metadata.name must be a non-empty string';
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || meta.namespace === '')) {
    return 'metadata.namespace must be a non-empty string when set';
  }
  return undefined;
}
