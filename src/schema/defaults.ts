import type { Kind } from './kinds.ts';
import { kindSchema } from './kinds.ts';

type Schema = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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

function fill(schema: Schema, value: unknown, root: Schema): unknown {
  const s = deref(schema, root);
  if (Array.isArray(value))
    return isObject(s.items) ? value.map((v) => fill(s.items as Schema, v, root)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  for (const [key, property] of Object.entries(properties)) {
    if (out[key] === undefined) {
      const d = defaultOf(property, root);
      // A default object gets the defaults of its own properties too (`observability: {}` → metrics none…).
      if (d) out[key] = fill(property, structuredClone(d.value), root);
    } else out[key] = fill(property, out[key], root);
  }
  if (isObject(s.additionalProperties))
    for (const key of Object.keys(out))
      if (!(key in properties)) out[key] = fill(s.additionalProperties, out[key], root);
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
