import type { Kind } from './kinds.ts';
import { kindSchema } from './kinds.ts';
import { isRecord as isObject } from '../core/json.ts';

type Schema = Readonly<Record<string, unknown>>;

/** `#/$defs/Name` of the kind's own schema (the spec schemas have no remote references). */
function deref(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const target = (root.$defs as Record<string, Schema> | undefined)?.[ref.slice('#/$defs/'.length)];
  return target ? deref(target, root) : schema;
}

/** The `default` of a property: on the property itself, else on the definition it references. */
function defaultOf(property: Schema, root: Schema): { value: unknown } | undefined {
  if ('default' in property) return { value: property.default };
  const target = deref(property, root);
  return 'default' in target ? { value: target.default } : undefined;
}

/** What fill needs of one schema node, worked out once per node (specs are filled per service and environment). */
interface Plan {
  readonly properties: readonly { key: string; schema: Schema; default?: { value: unknown } }[];
  readonly known: ReadonlySet<string>;
  readonly items?: Schema;
  readonly additional?: Schema;
}

const plans = new WeakMap<Schema, Plan>();

function planOf(schema: Schema, root: Schema): Plan {
  let plan = plans.get(schema);
  if (plan) return plan;
  const s = deref(schema, root);
  const properties = Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([key, property]) => {
    const d = defaultOf(property, root);
    return d ? { key, schema: property, default: d } : { key, schema: property };
  });
  plan = {
    properties,
    known: new Set(properties.map((p) => p.key)),
    ...(isObject(s.items) ? { items: s.items } : {}),
    ...(isObject(s.additionalProperties) ? { additional: s.additionalProperties } : {}),
  };
  plans.set(schema, plan);
  return plan;
}

/** Whether a default can apply anywhere under `schema` (cached; a recursive schema counts as yes). */
const defaultsBelow = new WeakMap<Schema, boolean>();

function hasDefaultsBelow(schema: Schema, root: Schema): boolean {
  const known = defaultsBelow.get(schema);
  if (known !== undefined) return known;
  defaultsBelow.set(schema, true); // while it is worked out: a cycle assumes defaults
  const plan = planOf(schema, root);
  const result =
    plan.properties.some((p) => p.default !== undefined || hasDefaultsBelow(p.schema, root)) ||
    (plan.items !== undefined && hasDefaultsBelow(plan.items, root)) ||
    (plan.additional !== undefined && hasDefaultsBelow(plan.additional, root));
  defaultsBelow.set(schema, result);
  return result;
}

function cloneDefault(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

function fill(schema: Schema, value: unknown, root: Schema): unknown {
  // Most of a spec (matches, labels, access rules) has no default below it: kept as it is, not copied.
  if (!hasDefaultsBelow(schema, root)) return value;
  const plan = planOf(schema, root);
  if (Array.isArray(value)) return plan.items ? value.map((v) => fill(plan.items!, v, root)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const p of plan.properties) {
    if (out[p.key] === undefined) {
      // A default object gets the defaults of its own properties too (`observability: {}` → metrics none…).
      // A primitive default is used as it is (nothing to share); an object one is cloned for each use.
      if (p.default) out[p.key] = fill(p.schema, cloneDefault(p.default.value), root);
    } else out[p.key] = fill(p.schema, out[p.key], root);
  }
  if (plan.additional)
    for (const key of Object.keys(out))
      if (!plan.known.has(key)) out[key] = fill(plan.additional, out[key], root);
  return out;
}

/**
 * A document's `spec` with every `default` of its kind's JSON Schema applied where the field is absent (in
 * objects that are present: a default never creates its parent, unless the parent has a default itself).
 * The schemas are the one source of the static defaults; what depends on context (a Service's selector and
 * service account from its name, its mTLS mode from the environment, the ingress namespace from the mesh)
 * is the model's.
 */
export function withSchemaDefaults<T>(kind: Kind, spec: T): T {
  const root = kindSchema(kind);
  const specSchema = (root.properties as Record<string, Schema> | undefined)?.spec;
  return (specSchema ? fill(specSchema, spec, root) : spec) as T;
}

/** Every `default` of a kind's schema, by JSON Pointer into the schema (for the test that ties them to the model). */
export function schemaDefaults(kind: Kind): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (node: unknown, pointer: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${pointer}/${i}`));
    if (!isObject(node)) return;
    if ('default' in node) out.set(pointer, node.default);
    for (const [k, v] of Object.entries(node))
      if (k !== 'default' && k !== 'examples') walk(v, `${pointer}/${k}`);
  };
  walk(kindSchema(kind), '');
  return out;
}
