/**
 * Validating emitted objects against their upstream schemas, with unknown fields treated as errors.
 *
 * The schemas are read at test time from `../shared/crds` (see its MANIFEST.md); nothing is copied into
 * this repository:
 * - every CustomResourceDefinition YAML under it (Istio, Linkerd, Consul, App Mesh, Gateway API, Flux,
 *   Argo CD, Flagger, cert-manager, Prometheus Operator). Gateway API's standard channel is the default;
 *   its experimental channel is indexed separately and used only with `{ channel: 'experimental' }`;
 * - the Kubernetes core kinds from `kubernetes/release-1.36-standalone-strict/*.json` (already strict);
 * - grafana-operator's GrafanaDashboard, which is NOT in ../shared: see GRAFANA_DASHBOARD_SCHEMA in stand-in-schemas.ts.
 *
 * CRD schemas are OpenAPI structural schemas that almost never close their objects (the API server prunes
 * or, with strict field validation, rejects unknown fields instead). `closeSchema` closes them in memory so
 * a typo is an error here. CRDs describe `metadata` only as `type: object`, so every object's top-level
 * metadata is checked against the strict ObjectMeta subset meshc emits (OBJECT_META_SCHEMA).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { loadAll } from 'js-yaml';
import { admissionErrors } from './admission.ts';
import { evaluateRules } from './cel.ts';
import { crdsDir } from './shared.ts';
import { GRAFANA_DASHBOARD_SCHEMA, OBJECT_META_SCHEMA, TRUST_BUNDLE_SCHEMA } from './stand-in-schemas.ts';

export { OBJECT_META_SCHEMA };

export type Channel = 'standard' | 'experimental';

export interface SchemaEntry {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  /** `served: false` versions are indexed so that using them is reported as such, not as "unknown". */
  served: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  storage: boolean;
  scope: 'Namespaced' | 'Cluster';
  /** Where the schema came from: a path relative to ../shared/crds, or `hand-written` (GrafanaDashboard). */
  source: string;
  origin: 'crd' | 'core' | 'hand-written';
  /** Only Gateway API entries have a channel. */
  channel?: Channel;
  /** The upstream schema as read (shared; never mutate). `closeSchema` works on a clone. */
  schema: Record<string, unknown>;
}

export interface SchemaIndex {
  crdsDir: string;
  /** Everything except the Gateway API experimental channel, keyed `apiVersion/kind`. */
  standard: Map<string, SchemaEntry>;
  /** The Gateway API experimental channel only, keyed `apiVersion/kind`. */
  experimental: Map<string, SchemaEntry>;
}

export interface ValidateOptions {
  /** Gateway API channel; `standard` by default. `experimental` looks there first, then everywhere else. */
  channel?: Channel;
  /** Accept a `deprecated: true` CRD version (by default using one is an error). */
  allowDeprecated?: boolean;
}

const CORE_DIR = path.join('kubernetes', 'release-1.36-standalone-strict');
const GATEWAY_EXPERIMENTAL_DIR = path.join('gateway-api', 'experimental');
/** Core kinds that are cluster-scoped (the standalone JSON Schemas do not say). */
const CORE_CLUSTER_SCOPED = new Set(['Namespace']);

// ---------------------------------------------------------------------------------------------------
// Index

let cachedIndex: SchemaIndex | undefined;

/** Read and index every schema under ../shared/crds (cached per process). Throws if the folder is absent. */
export function loadSchemaIndex(): SchemaIndex {
  if (cachedIndex !== undefined) return cachedIndex;
  const dir = crdsDir();
  if (dir === undefined) {
    throw new Error(
      '../shared/crds not found (set MESHC_SHARED_DIR, or gate the suite with describeWithShared)',
    );
  }
  const index: SchemaIndex = { crdsDir: dir, standard: new Map(), experimental: new Map() };

  for (const rel of listFiles(dir, '.yaml')) {
    const channel: Channel | undefined = rel.startsWith(GATEWAY_EXPERIMENTAL_DIR + path.sep)
      ? 'experimental'
      : rel.startsWith('gateway-api' + path.sep)
        ? 'standard'
        : undefined;
    const target = channel === 'experimental' ? index.experimental : index.standard;
    const source = rel.split(path.sep).join('/');
    for (const doc of loadAll(fs.readFileSync(path.join(dir, rel), 'utf8'))) {
      if (doc == null) continue;
      const crd = doc as CrdDoc;
      if (crd.kind !== 'CustomResourceDefinition' || crd.spec?.names?.kind === undefined) {
        throw new Error(`${source}: expected a CustomResourceDefinition, got ${String(crd.kind)}`);
      }
      const { group, names, versions, scope } = crd.spec;
      for (const v of versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (schema === undefined)
          throw new Error(`${source}: ${names.kind} ${v.name} has no openAPIV3Schema`);
        const entry: SchemaEntry = {
          apiVersion: `${group}/${v.name}`,
          group,
          version: v.name,
          kind: names.kind,
          served: v.served !== false,
          deprecated: v.deprecated === true,
          storage: v.storage === true,
          scope: scope === 'Cluster' ? 'Cluster' : 'Namespaced',
          source,
          origin: 'crd',
          schema,
        };
        if (v.deprecationWarning !== undefined) entry.deprecationWarning = v.deprecationWarning;
        if (channel !== undefined) entry.channel = channel;
        addEntry(target, entry);
      }
    }
  }

  const coreDir = path.join(dir, CORE_DIR);
  for (const name of fs.readdirSync(coreDir).sort()) {
    if (!name.endsWith('.json')) continue;
    const schema = JSON.parse(fs.readFileSync(path.join(coreDir, name), 'utf8')) as Record<string, unknown>;
    const gvks = schema['x-kubernetes-group-version-kind'] as {
      group: string;
      version: string;
      kind: string;
    }[];
    for (const gvk of gvks) {
      addEntry(index.standard, {
        apiVersion: gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`,
        group: gvk.group,
        version: gvk.version,
        kind: gvk.kind,
        served: true,
        deprecated: false,
        storage: true,
        scope: CORE_CLUSTER_SCOPED.has(gvk.kind) ? 'Cluster' : 'Namespaced',
        source: `${CORE_DIR.split(path.sep).join('/')}/${name}`,
        origin: 'core',
        schema,
      });
    }
  }

  addEntry(index.standard, {
    apiVersion: 'grafana.integreatly.org/v1beta1',
    group: 'grafana.integreatly.org',
    version: 'v1beta1',
    kind: 'GrafanaDashboard',
    served: true,
    deprecated: false,
    storage: true,
    scope: 'Namespaced',
    source: 'hand-written (test/helpers/crds.ts)',
    origin: 'hand-written',
    schema: GRAFANA_DASHBOARD_SCHEMA,
  });
  addEntry(index.standard, {
    apiVersion: 'trust.cert-manager.io/v1alpha1',
    group: 'trust.cert-manager.io',
    version: 'v1alpha1',
    kind: 'Bundle',
    served: true,
    deprecated: false,
    storage: true,
    scope: 'Cluster',
    source: 'hand-written (test/helpers/crds.ts)',
    origin: 'hand-written',
    schema: TRUST_BUNDLE_SCHEMA,
  });

  cachedIndex = index;
  return index;
}

/** Every indexed `apiVersion kind`, with flags: `[experimental]`, `[deprecated]`, `[not served]`, `[hand-written]`. */
export function knownKinds(): string[] {
  const index = loadSchemaIndex();
  const out: string[] = [];
  for (const e of [...index.standard.values(), ...index.experimental.values()]) {
    const flags = [
      e.channel === 'experimental' ? 'experimental' : undefined,
      e.deprecated ? 'deprecated' : undefined,
      e.served ? undefined : 'not served',
      e.origin === 'hand-written' ? 'hand-written' : undefined,
    ].filter((f) => f !== undefined);
    out.push(`${e.apiVersion} ${e.kind}${flags.length > 0 ? ` [${flags.join(', ')}]` : ''}`);
  }
  return out.sort();
}

/** The index entry `validateObject` would use, or undefined. */
export function findSchema(
  apiVersion: string,
  kind: string,
  channel: Channel = 'standard',
): SchemaEntry | undefined {
  const index = loadSchemaIndex();
  const key = `${apiVersion}/${kind}`;
  if (channel === 'experimental') return index.experimental.get(key) ?? index.standard.get(key);
  return index.standard.get(key);
}

// ---------------------------------------------------------------------------------------------------
// Closing schemas

/**
 * Deep-clone a structural schema and close it: every object schema that has `properties` and has neither
 * `additionalProperties` nor `x-kubernetes-preserve-unknown-fields: true` gets `additionalProperties: false`.
 * A schema with `x-kubernetes-int-or-string: true` and no `type`/`anyOf`/`oneOf` gets
 * `anyOf: [{type: integer}, {type: string}]`. Patterns with a leading RE2 `(?i)` flag are rewritten (see
 * `rewriteRe2Pattern`).
 *
 * Only the structural tree is closed (`properties`, `items`, `additionalProperties`). Branches of
 * `allOf`/`anyOf`/`oneOf`/`not` are value validations that may list a subset of the parent's properties
 * (`{required: [x]}`, `{properties: {x: ...}}`); closing them would reject valid objects, so they are
 * left as they are (their patterns are still rewritten).
 */
export function closeSchema<T>(schema: T): T {
  const clone = structuredClone(schema);
  closeInPlace(clone, true);
  return clone;
}

function closeInPlace(node: unknown, structural: boolean): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const s = node as Record<string, unknown>;
  if (typeof s.pattern === 'string') s.pattern = rewriteRe2Pattern(s.pattern);
  if (structural) {
    if (
      isPlainObject(s.properties) &&
      s.additionalProperties === undefined &&
      s['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      s.additionalProperties = false;
    }
    if (
      s['x-kubernetes-int-or-string'] === true &&
      s.type === undefined &&
      s.anyOf === undefined &&
      s.oneOf === undefined
    ) {
      s.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
  }
  if (isPlainObject(s.properties)) {
    for (const child of Object.values(s.properties)) closeInPlace(child, structural);
  }
  if (Array.isArray(s.items)) for (const child of s.items) closeInPlace(child, structural);
  else closeInPlace(s.items, structural);
  closeInPlace(s.additionalProperties, structural);
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = s[junctor];
    if (Array.isArray(branches)) for (const b of branches) closeInPlace(b, false);
  }
  closeInPlace(s.not, false);
}

/**
 * JavaScript RegExp (Node 20) has no inline flags; Go RE2 does. The only one in ../shared/crds is
 * PrometheusRule's `^(?i)(abort|warn)?$`. A leading `(?i)` (after an optional `^`) is rewritten by turning
 * each ASCII letter into a two-case class (`a` → `[aA]`). Patterns where that would be wrong (escapes or
 * character classes after the flag) throw instead of silently validating something else.
 */
export function rewriteRe2Pattern(pattern: string): string {
  const m = /^(\^?)\(\?i\)(.*)$/s.exec(pattern);
  if (m === null) return pattern;
  const [, anchor = '', rest = ''] = m;
  if (/[\\[]|\(\?/.test(rest)) {
    throw new Error(
      `unsupported RE2 case-insensitive pattern ${JSON.stringify(pattern)}: extend rewriteRe2Pattern`,
    );
  }
  return anchor + rest.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

// ---------------------------------------------------------------------------------------------------
// Compiling and validating

/** Go / Kubernetes durations (`90s`, `1h30m`, `1.5h`), not ISO 8601 as ajv-formats' `duration` would be. */
const GO_DURATION = /^(0|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+|\d+\s?(d|w))$/;

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (ajvInstance !== undefined) return ajvInstance;
  const silent = (): void => {};
  const a = new Ajv({
    strict: false,
    allErrors: true,
    logger: {
      log: silent,
      warn: (...args: unknown[]) => {
        if (args.some((x) => typeof x === 'string' && x.includes('unknown format'))) return;
        console.warn(...args);
      },
      error: (...args: unknown[]) => console.error(...args),
    },
  });
  // The ajv-formats formats whose JSON-Schema meaning matches the Kubernetes one. Its `duration` (ISO 8601)
  // and `url` (public hosts with a TLD only) do not, so those are defined below.
  addFormats(a, [
    'date-time',
    'date',
    'time',
    'byte',
    'int32',
    'int64',
    'float',
    'double',
    'uri',
    'uuid',
    'ipv4',
    'ipv6',
    'email',
    'hostname',
  ]);
  a.addFormat('duration', GO_DURATION);
  // Not validated by the API server (unknown formats are ignored there): Flagger's `url` and `string`.
  a.addFormat('url', true);
  a.addFormat('string', true);
  ajvInstance = a;
  return a;
}

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, whose `.default` is the
// plugin (the same function, at run time).
const addFormats = addFormatsModule.default;

const compiled = new WeakMap<SchemaEntry, ValidateFunction>();

/** The compiled (closed, strict-metadata) validator for an entry. Lazy, cached per entry. */
export function compileEntry(entry: SchemaEntry): ValidateFunction {
  const hit = compiled.get(entry);
  if (hit !== undefined) return hit;
  const schema = closeSchema(entry.schema);
  const props = (schema.properties ??= {}) as Record<string, unknown>;
  // Istio and Linkerd CRDs do not declare apiVersion/kind at the top level; pin them for every kind.
  props.apiVersion = { type: 'string', enum: [entry.apiVersion] };
  props.kind = { type: 'string', enum: [entry.kind] };
  props.metadata = OBJECT_META_SCHEMA;
  schema.additionalProperties = false;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  for (const r of ['apiVersion', 'kind', 'metadata']) required.add(r);
  schema.required = [...required];
  delete schema.$schema; // the core files say `http://json-schema.org/schema#`, which ajv does not know
  let fn: ValidateFunction;
  try {
    fn = ajv().compile(schema);
  } catch (e) {
    throw new Error(
      `compiling ${entry.apiVersion} ${entry.kind} from ${entry.source}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  compiled.set(entry, fn);
  return fn;
}

/**
 * Validate one object against its upstream schema. Returns human-readable errors (empty = valid), each
 * prefixed `Kind namespace/name: /json/pointer: message`. An apiVersion/kind without a schema, a
 * `served: false` version, a deprecated version (unless `allowDeprecated`), and `metadata.namespace` on a
 * cluster-scoped kind are errors.
 */
export function validateObject(obj: unknown, opts: ValidateOptions = {}): string[] {
  const channel = opts.channel ?? 'standard';
  if (!isPlainObject(obj)) return [`not an object: ${JSON.stringify(obj)}`];
  const { apiVersion, kind } = obj;
  const label = describeObject(obj);
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [`${label}: apiVersion and kind must be strings`];
  }
  if (isKustomizeConfig(obj)) {
    return [
      `${label}: ${apiVersion} ${kind} is a kustomize file, not a cluster object; check it with kustomizeBuild()`,
    ];
  }
  const entry = findSchema(apiVersion, kind, channel);
  if (entry === undefined) {
    let hint = '';
    if (channel === 'standard' && findSchema(apiVersion, kind, 'experimental') !== undefined) {
      hint = " (it is in the Gateway API experimental channel; pass { channel: 'experimental' })";
    } else {
      const versions = [...loadSchemaIndex().standard.values(), ...loadSchemaIndex().experimental.values()]
        .filter((e) => e.kind === kind)
        .map((e) => e.apiVersion);
      if (versions.length > 0) hint = ` (${kind} is known at ${[...new Set(versions)].sort().join(', ')})`;
    }
    return [`${label}: no upstream schema for ${apiVersion} ${kind} in the ${channel} channel${hint}`];
  }
  const errors: string[] = [];
  if (!entry.served) {
    errors.push(`${label}: ${apiVersion} ${kind} is not served (served: false in ${entry.source})`);
  }
  if (entry.deprecated && opts.allowDeprecated !== true) {
    errors.push(
      `${label}: ${apiVersion} ${kind} is deprecated (${entry.source})${entry.deprecationWarning ? `: ${entry.deprecationWarning}` : ''}`,
    );
  }
  const meta = obj.metadata;
  if (entry.scope === 'Cluster' && isPlainObject(meta) && meta.namespace !== undefined) {
    errors.push(`${label}: /metadata/namespace: ${kind} is cluster-scoped and must not set a namespace`);
  }
  const validate = compileEntry(entry);
  let typeError = false;
  if (!validate(obj)) {
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      if (err.keyword === 'type') typeError = true;
      const line = `${label}: ${formatError(err)}`;
      if (!seen.has(line)) {
        seen.add(line);
        errors.push(line);
      }
    }
  }
  errors.push(...nameErrors(obj, entry, label));
  // The CRD's CEL rules (x-kubernetes-validations), as the API server evaluates them after the structural
  // check. Like the API server (hasBlockingErr), they are not evaluated on an object with a type error: the
  // server then says only that some rules were not checked, and the type error above already fails it.
  if (!typeError) {
    for (const e of evaluateRules(obj, entry.schema, `${entry.source} (${entry.apiVersion} ${entry.kind})`)) {
      errors.push(`${label}: ${e}`);
    }
    // Then the mesh's own validating webhook, where the tests model one (admission.ts). The API server calls
    // validating webhooks only on an object that passed its own validation (schema, names, CEL rules).
    if (errors.length === 0) for (const e of admissionErrors(obj)) errors.push(`${label}: ${e}`);
  }
  return errors;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * What the API server checks of names beyond OBJECT_META_SCHEMA (which holds every name to a DNS-1123
 * subdomain of at most 253 characters, the rule of custom resources and most core kinds,
 * apimachinery `NameIsDNSSubdomain`): a Service name is a DNS-1035 label (k8s.io/kubernetes
 * `pkg/apis/core/validation` `ValidateServiceName` = `NameIsDNS1035Label`), a Namespace name a DNS-1123 label
 * (`ValidateNamespaceName` = `NameIsDNSLabel`), each at most 63 characters; and a Service's `spec.selector`
 * values are label values (`ValidateService` runs `ValidateLabels` on them: 63 characters, the label-value
 * pattern), like the metadata labels OBJECT_META_SCHEMA checks.
 */
export function nameErrors(obj: Record<string, unknown>, entry: SchemaEntry, label: string): string[] {
  if (entry.origin !== 'core' || !isPlainObject(obj.metadata)) return [];
  const name = obj.metadata.name;
  if (typeof name !== 'string') return [];
  const errors: string[] = [];
  const rule =
    entry.kind === 'Service'
      ? { re: DNS1035_LABEL, what: 'a DNS-1035 label (a Service name)' }
      : entry.kind === 'Namespace'
        ? { re: DNS1123_LABEL, what: 'a DNS-1123 label (a Namespace name)' }
        : undefined;
  if (rule && (name.length > 63 || !rule.re.test(name)))
    errors.push(
      `${label}: /metadata/name: "${name}" (${name.length} characters) is not ${rule.what} of at most 63 characters`,
    );
  const selector = isPlainObject(obj.spec) ? obj.spec.selector : undefined;
  if (entry.kind === 'Service' && isPlainObject(selector))
    for (const [k, v] of Object.entries(selector))
      if (typeof v === 'string' && (v.length > 63 || !LABEL_VALUE.test(v)))
        errors.push(
          `${label}: /spec/selector/${escapePointer(k)}: "${v}" (${v.length} characters) is not a label value of at most 63 characters`,
        );
  return errors;
}

/** All errors for a list of objects (each already names its object). */
export function validateObjects(objs: readonly unknown[], opts: ValidateOptions = {}): string[] {
  return objs.flatMap((o) => validateObject(o, opts));
}

/** kustomize's own files (`Kustomization` / `Component`), which `kustomize build` checks, not this module. */
export function isKustomizeConfig(obj: unknown): boolean {
  if (!isPlainObject(obj)) return false;
  return (
    (obj.apiVersion === 'kustomize.config.k8s.io/v1beta1' && obj.kind === 'Kustomization') ||
    (obj.apiVersion === 'kustomize.config.k8s.io/v1alpha1' && obj.kind === 'Component')
  );
}

function formatError(err: ErrorObject): string {
  const at = err.instancePath === '' ? '/' : err.instancePath;
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      return `${err.instancePath}/${escapePointer(prop)}: ${err.message ?? 'unknown field'} (${prop})`;
    }
    case 'enum':
      return `${at}: ${err.message ?? 'enum'} ${JSON.stringify(params.allowedValues)}`;
    case 'propertyNames':
      return `${at}: invalid key ${JSON.stringify(params.propertyName)}`;
    default:
      return `${at}: ${err.message ?? err.keyword}`;
  }
}

function describeObject(obj: Record<string, unknown>): string {
  const kind = typeof obj.kind === 'string' ? obj.kind : '<no kind>';
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '<no name>';
  return typeof meta.namespace === 'string' ? `${kind} ${meta.namespace}/${name}` : `${kind} ${name}`;
}

// ---------------------------------------------------------------------------------------------------
// Small utilities

interface CrdDoc {
  kind?: string;
  spec: {
    group: string;
    scope?: string;
    names: { kind: string };
    versions?: {
      name: string;
      served?: boolean;
      storage?: boolean;
      deprecated?: boolean;
      deprecationWarning?: string;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
    }[];
  };
}

function addEntry(map: Map<string, SchemaEntry>, entry: SchemaEntry): void {
  const key = `${entry.apiVersion}/${entry.kind}`;
  const existing = map.get(key);
  if (existing !== undefined) {
    throw new Error(
      `duplicate schema for ${entry.apiVersion} ${entry.kind}: ${existing.source} and ${entry.source}`,
    );
  }
  map.set(key, entry);
}

function listFiles(root: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? d.name : path.join(rel, d.name);
      if (d.isDirectory()) walk(child);
      else if (d.isFile() && d.name.endsWith(ext)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
