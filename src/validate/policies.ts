import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from '../core/diagnostic.ts';
import { locate } from '../parse/locate.ts';
import { mapAjvErrors } from '../schema/map-errors.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import type { SpecDoc } from './documents.ts';

interface PolicySpec {
  severity?: 'error' | 'warning';
  match: { kinds: ('Service' | 'Environment')[]; environments?: string[]; namespaces?: string[] };
  message: string;
  schema: Record<string, unknown>;
}

export interface CompiledPolicy {
  readonly name: string;
  readonly doc: SpecDoc;
  readonly spec: PolicySpec;
  readonly validate: ValidateFunction;
}

const policyAjv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
/** Compiled policy schemas by their JSON text: compiling is the expensive part, and the same policies recur. */
const compiledCache = new Map<string, ValidateFunction>();

/** Compiles every valid Policy document's schema (POLICY_SCHEMA_INVALID at the offending node when it is not a JSON Schema). */
export function compilePolicies(docs: readonly SpecDoc[], report: (d: Diagnostic) => void): CompiledPolicy[] {
  const out: CompiledPolicy[] = [];
  for (const doc of docs) {
    if (doc.kind !== 'Policy' || !doc.schemaOk) continue;
    const spec = doc.value.spec as PolicySpec;
    const name = String((doc.value.metadata as { name: string }).name);
    const key = JSON.stringify(spec.schema);
    let validate = compiledCache.get(key);
    if (!validate) {
      if (!policyAjv.validateSchema(spec.schema)) {
        const first = mapAjvErrors(
          (policyAjv.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf'),
          (path, mode) => locate(doc.pd, ['spec', 'schema', ...path], mode),
        )[0];
        report({
          code: 'POLICY_SCHEMA_INVALID',
          severity: 'error',
          message: `The schema of policy ${name} is not a valid JSON Schema.`,
          hint: first
            ? `In the schema: ${first.message.replace(/^\w/, (c) => c.toLowerCase())}`
            : 'Check the schema against JSON Schema draft 2020-12.',
          location: first?.location ?? locate(doc.pd, ['spec', 'schema']),
        });
        continue;
      }
      try {
        validate = policyAjv.compile(spec.schema);
      } catch (e) {
        report({
          code: 'POLICY_SCHEMA_INVALID',
          severity: 'error',
          message: `The schema of policy ${name} cannot be compiled.`,
          hint: `JSON Schema compiler: ${(e as Error).message}`,
          location: locate(doc.pd, ['spec', 'schema']),
        });
        continue;
      }
      compiledCache.set(key, validate);
    }
    out.push({ name, doc, spec, validate });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** `prod-*` style globs on names: `*` any run of characters, `?` one character. */
export function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(name);
}

/** Layer (c): each policy on every matching resolved object, reported at the spec node behind the value. */
export function checkPolicies(
  policies: readonly CompiledPolicy[],
  envs: readonly ResolvedEnvironment[],
  report: (d: Diagnostic) => void,
): void {
  for (const p of policies) {
    const { match } = p.spec;
    const severity = p.spec.severity ?? 'error';
    const policyLoc = locate(p.doc.pd, ['metadata', 'name']);
    for (const env of envs) {
      if (match.environments && !match.environments.some((g) => globMatch(g, env.name))) continue;
      const subjects: { label: string; spec: unknown; origin: ResolvedEnvironment['origin'] }[] = [];
      if (match.kinds.includes('Environment'))
        subjects.push({ label: `environment ${env.name}`, spec: env.spec, origin: env.origin });
      if (match.kinds.includes('Service'))
        for (const s of env.services) {
          if (match.namespaces && !match.namespaces.some((g) => globMatch(g, s.namespace))) continue;
          subjects.push({ label: `${s.id} in environment ${env.name}`, spec: s.spec, origin: s.origin });
        }
      for (const subject of subjects) {
        if (p.validate(subject.spec)) continue;
        for (const d of mapAjvErrors(p.validate.errors ?? [], (path, mode) => subject.origin(path, mode)))
          report({
            code: 'POLICY_VIOLATION',
            severity,
            message: `Policy ${p.name}: ${p.spec.message.trim().replace(/\.$/, '')} (${subject.label}).`,
            hint:
              d.message.replace(/^./, (c) => c.toLowerCase()) === d.message
                ? d.message
                : `Detail: ${d.message.charAt(0).toLowerCase()}${d.message.slice(1)}`,
            ...(d.location ? { location: d.location } : {}),
            ...(d.pointer ? { pointer: d.pointer } : {}),
            related: [{ message: `policy ${p.name} is defined here`, location: policyLoc }],
          });
      }
    }
  }
}
