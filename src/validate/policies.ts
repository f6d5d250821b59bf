import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath, Location } from '../core/location.ts';
import { re2Error, re2RegExp } from './re2.ts';
import { locate } from '../parse/locate.ts';
import { dictionaryIndices } from '../schema/dictionary-indices.ts';
import { mapAjvErrors } from '../schema/map-errors.ts';
import { withSchemaDefaults } from '../schema/defaults.ts';
import type { SpecDoc } from './documents.ts';
import { validatePolicyMeta } from './policy-meta.gen.ts';

export interface PolicySpec {
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

/**
 * Policy schemas are user input: ajv in strict mode (an unknown keyword is an error, not silently ignored),
 * the standard formats, and `pattern`s compiled with RE2, which matches in time linear in the input (a
 * backtracking `^(a|a)*$` could run for minutes). `$async` is refused before compiling (checkPolicySchema).
 */
export const POLICY_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
  verbose: true,
  code: { regExp: re2RegExp },
} as const;
/**
 * The policy ajv. It does not check a schema against its meta-schema itself when compiling it
 * (`validateSchema: false`): compilePolicies has just done so (metaValidate), and compiling the 2020-12
 * meta-schema at run time cost ~100 ms per process.
 */
const policyAjv = new Ajv2020({
  ...POLICY_AJV_OPTIONS,
  // Policies run over every Service: their uniqueItems checks must not key object literals by spec values.
  code: { ...POLICY_AJV_OPTIONS.code, process: dictionaryIndices },
  validateSchema: false,
});
// The standard formats (email, uri, date-time, …) in ajv-formats' "fast" mode: simpler expressions than the full
// mode's, applied to spec strings of any length.
addFormats.default(policyAjv, { mode: 'fast' });
/** Compiled policy schemas by their JSON text: compiling is the expensive part, and the same policies recur. */
const compiledCache = new Map<string, ValidateFunction>();

/** Keywords that only annotate or structure a schema; ajv's own keywords are asked of it. */
const ANNOTATIONS = new Set([
  '$id',
  '$schema',
  '$defs',
  'definitions',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);
/** Keywords whose value is a schema, a list of schemas, or a map of schemas (the places a walk descends). */
const SCHEMA_VALUED = new Set([
  'not',
  'if',
  'then',
  'else',
  'contains',
  'additionalProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'additionalItems',
  'items',
  'contentSchema',
]);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/**
 * Problems ajv would report without a position (or not at all): unknown keywords, `$async`, unknown
 * formats, and regular expressions that are not RE2. Each at its node inside `spec.schema`.
 */
function checkPolicySchema(
  name: string,
  schema: unknown,
  at: (path: DataPath, mode?: 'value' | 'key') => Location,
  report: (d: Diagnostic) => void,
): boolean {
  let ok = true;
  const fail = (d: Diagnostic) => {
    ok = false;
    report(d);
  };
  const walk = (node: unknown, path: (string | number)[]) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      const here = [...path, k];
      if (k === '$async') {
        fail({
          code: 'POLICY_SCHEMA_INVALID',
          severity: 'error',
          message: `The schema of policy ${name} uses "$async"; policy schemas are checked synchronously.`,
          hint: 'Remove "$async": a policy checks the resolved spec only, it cannot wait for anything else.',
          location: at(here, 'key'),
        });
        continue;
      }
      if (!ANNOTATIONS.has(k) && !policyAjv.getKeyword(k)) {
        fail({
          code: 'POLICY_SCHEMA_INVALID',
          severity: 'error',
          message: `The schema of policy ${name} uses the unknown keyword "${k}".`,
          hint: 'An unknown keyword would be ignored and the policy would check less than it says; use JSON Schema draft 2020-12 keywords (a property name goes under `properties`).',
          location: at(here, 'key'),
        });
        continue;
      }
      if (k === 'format' && typeof v === 'string' && !policyAjv.formats[v]) {
        fail({
          code: 'POLICY_SCHEMA_INVALID',
          severity: 'error',
          message: `The schema of policy ${name} uses the unknown format "${v}".`,
          hint: `Known formats: ${Object.keys(policyAjv.formats).sort().join(', ')}.`,
          location: at(here),
        });
        continue;
      }
      if (k === 'pattern' && typeof v === 'string') {
        const error = re2Error(v);
        if (error !== undefined)
          fail({
            code: 'REGEX_INVALID',
            severity: 'error',
            message: `The pattern in the schema of policy ${name} is not valid RE2: ${error}.`,
            hint: 'Policy patterns are compiled with RE2, which matches in linear time: no lookarounds or backreferences.',
            location: at(here),
          });
        continue;
      }
      if (SCHEMA_MAPS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [name2, sub] of Object.entries(v as Record<string, unknown>)) {
          if (k === 'patternProperties') {
            const error = re2Error(name2);
            if (error !== undefined)
              fail({
                code: 'REGEX_INVALID',
                severity: 'error',
                message: `The patternProperties key in the schema of policy ${name} is not valid RE2: ${error}.`,
                hint: 'Policy patterns are compiled with RE2, which matches in linear time: no lookarounds or backreferences.',
                location: at([...here, name2], 'key'),
              });
          }
          walk(sub, [...here, name2]);
        }
      } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) v.forEach((sub, i) => walk(sub, [...here, i]));
      else if (SCHEMA_VALUED.has(k)) walk(v, here);
    }
  };
  walk(schema, []);
  return ok;
}

/** Compiles every valid Policy document's schema (POLICY_SCHEMA_INVALID at the offending node when it is not a JSON Schema). */
export function compilePolicies(docs: readonly SpecDoc[], report: (d: Diagnostic) => void): CompiledPolicy[] {
  const out: CompiledPolicy[] = [];
  for (const doc of docs) {
    if (doc.kind !== 'Policy' || !doc.schemaOk) continue;
    // The schema's defaults (`severity: error`) applied once, here.
    const spec = withSchemaDefaults('Policy', doc.value.spec as PolicySpec);
    const name = String((doc.value.metadata as { name: string }).name);
    const globsOk = checkGlobs(doc, spec, report);
    const key = JSON.stringify(spec.schema);
    let validate = compiledCache.get(key);
    if (!validate) {
      const at = (path: DataPath, mode?: 'value' | 'key') =>
        locate(doc.pd, ['spec', 'schema', ...path], mode);
      if (!checkPolicySchema(name, spec.schema, at, report)) continue;
      const meta = metaValidate(spec.schema);
      if (!meta.valid) {
        const first = mapAjvErrors(
          (meta.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf'),
          (path, mode) => at(path, mode),
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
    if (globsOk) out.push({ name, doc, spec, validate });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The draft 2020-12 meta-schema: the one of a policy schema without `$schema` (ajv's `defaultMeta`). */
const META_2020 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * What `policyAjv.validateSchema(schema)` answers, with its errors. A schema of the default meta-schema
 * (no `$schema`, an empty one, or 2020-12's; `validateSchema` reads `$schema || defaultMeta`) is checked by
 * the meta-schema validator precompiled with the same options (policy-meta.gen.ts, the same generated code
 * ajv would compile: a test compares them); any other `$schema` is left to ajv, as before.
 */
export function metaValidate(schema: Record<string, unknown>): {
  valid: boolean;
  errors: readonly ErrorObject[] | null | undefined;
} {
  const $schema = schema.$schema;
  if ($schema === undefined || $schema === '' || $schema === META_2020) {
    const valid = validatePolicyMeta(schema) as boolean;
    return { valid, errors: (validatePolicyMeta as unknown as ValidateFunction).errors };
  }
  // A `$schema` ajv has no meta-schema for (or not a string) makes validateSchema throw: a finding instead.
  if (typeof $schema !== 'string' || !policyAjv.getSchema($schema))
    return {
      valid: false,
      errors: [
        {
          keyword: '$schema',
          instancePath: '/$schema',
          schemaPath: '#/$schema',
          params: {},
          message: `must name a JSON Schema meta-schema meshc knows (${META_2020}), or be left out`,
        },
      ],
    };
  const valid = policyAjv.validateSchema(schema) as boolean;
  return { valid, errors: policyAjv.errors };
}

/** A glob on names: DNS-1123 label characters, plus `*` and `?`. */
const NAME_GLOB = /^[a-z0-9*?-]+$/;

function checkGlobs(doc: SpecDoc, spec: PolicySpec, report: (d: Diagnostic) => void): boolean {
  let ok = true;
  for (const field of ['environments', 'namespaces'] as const)
    (spec.match[field] ?? []).forEach((glob, i) => {
      if (NAME_GLOB.test(glob)) return;
      ok = false;
      const bad = [...new Set([...glob].filter((c) => !/[a-z0-9*?-]/.test(c)))].map((c) => JSON.stringify(c));
      const list = bad.length > 1 ? `${bad.slice(0, -1).join(', ')} or ${bad[bad.length - 1]}` : bad[0];
      report({
        code: 'POLICY_GLOB_INVALID',
        severity: 'error',
        message: `The glob ${JSON.stringify(glob)} in match.${field} can never match: ${field === 'environments' ? 'environment names' : 'namespaces'} cannot contain ${list}.`,
        hint: 'Names are DNS-1123 labels (lower-case letters, digits, `-`); globs add `*` (any characters) and `?` (one character), nothing else.',
        location: locate(doc.pd, ['spec', 'match', field, i]),
      });
    });
  return ok;
}
