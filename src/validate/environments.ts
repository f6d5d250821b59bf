import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath } from '../core/location.ts';
import { fromPointer, toPointer } from '../core/location.ts';
import { locate } from '../parse/locate.ts';
import { kindValidator } from '../schema/ajv.ts';
import type { ErrorObject } from 'ajv';
import { displayPath, mapAjvErrors, pruneBranches } from '../schema/map-errors.ts';
import { mergePatch, patchCovers } from '../core/merge-patch.ts';
import type { EnvironmentSpec as EnvironmentSpecData } from '../spec/types.gen.ts';
import type { SpecDoc } from './documents.ts';
import type { ServiceSpecData, ServiceView } from './view.ts';
import { serviceRefId } from '../core/service-ref.ts';
import { re2Error } from './re2.ts';

export interface EnvDoc {
  readonly doc: SpecDoc;
  readonly name: string;
  readonly spec: EnvironmentSpecData;
  readonly at: (path: DataPath, mode?: 'value' | 'key') => ReturnType<typeof locate>;
}

export function envDoc(doc: SpecDoc): EnvDoc {
  return {
    doc,
    name: String((doc.value.metadata as { name: string }).name),
    spec: doc.value.spec as EnvironmentSpecData,
    at: (path, mode) => locate(doc.pd, ['spec', ...path], mode),
  };
}

/**
 * The services an environment deploys, as views: namespace filter applied, overrides merged (an override
 * whose result breaks the Service schema is reported as OVERRIDE_INVALID and the base spec is kept).
 */
export function environmentViews(
  env: EnvDoc,
  base: ReadonlyMap<string, ServiceView>,
  declared: ReadonlySet<string>,
  report: (d: Diagnostic) => void,
): Map<string, ServiceView> {
  const filter = env.spec.namespaces;
  const views = new Map<string, ServiceView>();
  for (const [id, view] of base) if (!filter || filter.includes(view.namespace)) views.set(id, view);

  for (const [key, patch] of Object.entries(env.spec.overrides ?? {})) {
    const path: DataPath = ['overrides', key];
    if (!base.has(key)) {
      if (!declared.has(key))
        report({
          code: 'OVERRIDE_SERVICE_UNKNOWN',
          severity: 'error',
          message: `The override "${key}" names a Service that is not defined.`,
          hint: suggest(key, base),
          location: env.at(path, 'key'),
          pointer: toPointer(['spec', ...path]),
        });
      continue;
    }
    const view = views.get(key);
    if (!view) continue; // filtered out of this environment
    const merged = mergePatch(view.spec, patch) as ServiceSpecData;
    const at = (p: DataPath, mode?: 'value' | 'key') =>
      patchCovers(patch, p) ? env.at([...path, ...p], mode) : view.at(p, mode);
    const validate = kindValidator('Service');
    const doc = {
      apiVersion: 'meshc.dev/v1alpha1',
      kind: 'Service',
      metadata: { name: view.name, namespace: view.namespace },
      spec: merged,
    };
    if (!validate(doc)) {
      // A required field the override deletes (`ports: null`) is reported at that null, as a deletion; the
      // other errors by the schema's mapping, branches pruned first (so a deletion in a branch counts as
      // one). anyOf and oneOf errors map to nothing: left out, mapping the rest prunes nothing again.
      const rest: ErrorObject[] = [];
      for (const e of pruneBranches(validate.errors ?? [])) {
        const field = deletedField(patch, e);
        if (field) report(deletionDiagnostic(env, key, view, field));
        else if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') rest.push(e);
      }
      for (const d of mapAjvErrors(rest, (p, mode) => at(p.slice(1), mode)))
        report({
          ...d,
          code:
            d.code === 'SCHEMA_UNKNOWN_FIELD' || d.code.startsWith('SCHEMA_') ? 'OVERRIDE_INVALID' : d.code,
          message: `With the override of environment ${env.name}: ${lowerFirst(d.message)}`,
          // The pointer of the node the location is at: in the environment where the override covers it.
          ...(d.pointer !== undefined ? { pointer: overridePointer(key, patch, d.pointer) } : {}),
        });
      continue;
    }
    views.set(key, { ...view, spec: merged, at });
  }
  return views;
}

/**
 * The field a schema error says is missing, when the override deleted it (`null` removes a key in a merge
 * patch): its path inside the Service spec. Lists are replaced whole, so a deletion is reached through
 * mappings only.
 */
function deletedField(patch: unknown, e: ErrorObject): DataPath | undefined {
  if (e.keyword !== 'required') return undefined;
  const parent = fromPointer(e.instancePath).slice(1);
  const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
  let cur = patch;
  for (const seg of parent) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
  const value = Object.prototype.hasOwnProperty.call(cur, missing)
    ? (cur as Record<string, unknown>)[missing]
    : undefined;
  return value === null ? [...parent, missing] : undefined;
}

/**
 * A required field an override deletes: at the `null` that deletes it (not at the override's service key),
 * saying so, with the field it deletes in the service spec as a related location.
 */
function deletionDiagnostic(env: EnvDoc, key: string, view: ServiceView, field: DataPath): Diagnostic {
  const name = String(field[field.length - 1]);
  const owner = field.length > 1 ? displayPath(field.slice(0, -1)) : 'every Service';
  const inBase = hasPath(view.spec, field);
  return {
    code: 'OVERRIDE_INVALID',
    severity: 'error',
    message: `The override of ${key} in environment ${env.name} sets ${displayPath(field)} to null, which deletes it, and ${owner} requires it.`,
    hint: `Remove \`${name}: null\` from the override to keep the service's own ${name}, or set the value this environment needs instead.`,
    location: env.at(['overrides', key, ...field], 'key'),
    pointer: toPointer(['spec', 'overrides', key, ...field]),
    ...(inBase
      ? { related: [{ message: `the ${displayPath(field)} it deletes`, location: view.at(field, 'key') }] }
      : {}),
  };
}

function hasPath(value: unknown, path: DataPath): boolean {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg))
      return false;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return true;
}

/** A Service document's pointer (`/spec/...`), as the environment's where the override covers the node. */
function overridePointer(key: string, patch: unknown, pointer: string): string {
  const path = fromPointer(pointer).slice(1);
  return patchCovers(patch, path) ? toPointer(['spec', 'overrides', key, ...path]) : pointer;
}

function lowerFirst(s: string): string {
  return s ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function suggest(key: string, base: ReadonlyMap<string, ServiceView>): string {
  const name = key.split('/')[1];
  const same = [...base.values()].filter((v) => v.name === name).map((v) => v.id);
  return same.length
    ? `Did you mean ${same.join(' or ')}? Overrides are keyed namespace/name.`
    : `Overrides are keyed namespace/name of a defined Service; defined: ${[...base.keys()].slice(0, 8).join(', ')}${base.size > 8 ? ', …' : ''}.`;
}

/** Identity of a diagnostic for "was this also reported on the spec as written". */
export function diagnosticKey(d: Diagnostic): string {
  return `${d.code}|${d.location?.file}|${d.location?.offset}`;
}

/**
 * A report function for the rules run on an environment's view of a service. A finding that the spec as
 * written does not have (its key is not in `baseKeys`) and that points outside the environment file comes
 * from a conflict between an override and the spec it patches (an override deleting a version that a route
 * still uses): it is reported in the environment file, at the override node, with the service node as a
 * related location.
 */
export function overrideConflictReporter(
  env: EnvDoc,
  view: ServiceView,
  baseKeys: ReadonlySet<string>,
  report: (d: Diagnostic) => void,
): (d: Diagnostic) => void {
  const overrides = env.spec.overrides ?? {};
  return (d) => {
    // Overrides patch the spec only: a finding elsewhere (a service's name) is not theirs.
    if (
      !d.location ||
      d.location.file === env.doc.pd.file ||
      baseKeys.has(diagnosticKey(d)) ||
      outsideSpec(d)
    )
      return report(d);
    const referenced = (view.spec.routes ?? []).flatMap((r) =>
      (r.backends ?? []).map((b) => serviceRefId(b.service, view.namespace)),
    );
    const id = [view.id, ...referenced].find((x) => Object.prototype.hasOwnProperty.call(overrides, x));
    if (id === undefined) return report(d);
    const dataPath = (d.pointer ? fromPointer(d.pointer) : []).slice(1);
    const leaf = bestLeaf(overrides[id], dataPath);
    report({
      ...d,
      message: `The override of ${id} in environment ${env.name} conflicts with ${view.id === id ? 'the service spec' : `service ${view.id}`}: ${lowerFirst(d.message)}`,
      location: env.at(['overrides', id, ...leaf], 'key'),
      pointer: toPointer(['spec', 'overrides', id, ...leaf]),
      related: [
        {
          message: `the ${view.id === id ? 'service' : `${view.id}`} spec it conflicts with`,
          location: d.location,
        },
        ...(d.related ?? []),
      ],
    });
  };
}

/** A finding located outside the service's `spec` (its pointer says where). */
const outsideSpec = (d: Diagnostic) =>
  d.pointer !== undefined && d.pointer !== '/spec' && !d.pointer.startsWith('/spec/');

/** The leaf of a merge patch (a value that is not a mapping) sharing the longest prefix with `path`. */
function bestLeaf(patch: unknown, path: readonly string[]): string[] {
  const leaves: string[][] = [];
  const walk = (v: unknown, p: string[]) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length)
      for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else leaves.push(p);
  };
  walk(patch, []);
  let best = leaves[0] ?? [];
  let bestLen = -1;
  for (const leaf of leaves) {
    let n = 0;
    while (n < leaf.length && n < path.length && leaf[n] === path[n]) n++;
    if (n > bestLen) [best, bestLen] = [leaf, n];
  }
  return best;
}

/**
 * kustomize compiles a patch target's `kind`, `name`, `group` and `version` as anchored Go regular
 * expressions (RE2): one that does not compile fails `kustomize build` of the overlay.
 */
export function checkPatchTargets(env: EnvDoc, report: (d: Diagnostic) => void): void {
  (env.spec.patches ?? []).forEach((p, i) => {
    const target = p.target as unknown as Record<string, unknown>;
    for (const field of ['kind', 'name', 'group', 'version']) {
      const value = target[field];
      if (typeof value !== 'string') continue;
      const error = re2Error(value);
      if (error === undefined) continue;
      report({
        code: 'REGEX_INVALID',
        severity: 'error',
        message: `The patch target ${field} ${JSON.stringify(value)} of environment ${env.name} is not valid RE2: ${error}.`,
        hint: 'kustomize reads patch target fields as regular expressions (Go RE2 syntax); write the exact name, escaping characters such as `(`, `[` or `*` with a backslash.',
        location: env.at(['patches', i, 'target', field]),
        pointer: toPointer(['spec', 'patches', i, 'target', field]),
      });
    }
  });
}
