import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { locate } from '../parse/locate.ts';
import { kindValidator } from '../schema/ajv.ts';
import { mapAjvErrors } from '../schema/map-errors.ts';
import { mergePatch, patchCovers } from '../model/merge-patch.ts';
import type { EnvironmentSpecData } from '../model/environment.ts';
import type { SpecDoc } from './documents.ts';
import type { ServiceSpecData, ServiceView } from './view.ts';

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
      for (const d of mapAjvErrors(validate.errors ?? [], (p, mode) => at(p.slice(1), mode)))
        report({
          ...d,
          code:
            d.code === 'SCHEMA_UNKNOWN_FIELD' || d.code.startsWith('SCHEMA_') ? 'OVERRIDE_INVALID' : d.code,
          message: `With the override of environment ${env.name}: ${lowerFirst(d.message)}`,
        });
      continue;
    }
    views.set(key, { ...view, spec: merged, at });
  }
  return views;
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
