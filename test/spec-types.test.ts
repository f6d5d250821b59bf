// The JSON Schemas of the spec kinds (schemas/*.schema.json) and the types generated from them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSpecAjv } from '../src/schema/ajv.ts';

type Schema = Record<string, unknown>;

const ROOT = new URL('../', import.meta.url);
const KINDS = ['Project', 'Service', 'Environment', 'Policy'] as const;
const API_VERSION = 'meshc.dev/v1alpha1';

function readSchema(kind: string): Schema {
  return JSON.parse(
    readFileSync(new URL(`schemas/${kind.toLowerCase()}.schema.json`, ROOT), 'utf8'),
  ) as Schema;
}

const SCHEMAS = Object.fromEntries(KINDS.map((kind) => [kind, readSchema(kind)])) as Record<
  (typeof KINDS)[number],
  Schema
>;

/** The validator's own ajv set-up (formats and vocabulary), uncompiled: these tests compile the schemas themselves. */
const createAjv = createSpecAjv;

/** Keywords whose value is a subschema, a list of subschemas or a map of subschemas. */
const ONE = ['items', 'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else'];
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAP = ['properties', '$defs', 'patternProperties', 'dependentSchemas'];

interface Visit {
  schema: Schema;
  pointer: string;
  /** Inside `if`/`then`/`else`: a condition on the data, not a declaration of fields. */
  conditional: boolean;
}

/** Every subschema of a schema, with its JSON pointer. */
function walk(schema: Schema, pointer = '#', conditional = false, out: Visit[] = []): Visit[] {
  out.push({ schema, pointer, conditional });
  const sub = (value: unknown, at: string, cond: boolean) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      walk(value as Schema, at, cond, out);
  };
  for (const key of ONE)
    sub(schema[key], `${pointer}/${key}`, conditional || ['if', 'then', 'else'].includes(key));
  for (const key of LIST) {
    (schema[key] as Schema[] | undefined)?.forEach((s, i) => sub(s, `${pointer}/${key}/${i}`, conditional));
  }
  for (const key of MAP) {
    for (const [name, s] of Object.entries((schema[key] as Record<string, Schema> | undefined) ?? {})) {
      sub(s, `${pointer}/${key}/${name}`, conditional);
    }
  }
  return out;
}

const isObjectSchema = (s: Schema) => s.type === 'object' || 'properties' in s;

describe.each(KINDS)('schemas/%s', (kind) => {
  const schema = SCHEMAS[kind];
  const nodes = walk(schema);

  it('is a draft 2020-12 schema with its id, title and description', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://meshc.dev/schemas/v1alpha1/${kind.toLowerCase()}.schema.json`);
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.description).toEqual(expect.any(String));
    const props = schema.properties as Record<string, Schema>;
    expect(props.apiVersion!.const).toBe(API_VERSION);
    expect(props.kind!.const).toBe(kind);
  });

  it('compiles with ajv in strict mode', () => {
    const validate = createAjv().compile(schema);
    expect(typeof validate).toBe('function');
  });

  it('describes every property', () => {
    const missing = nodes
      .filter((n) => !n.conditional)
      .flatMap((n) =>
        Object.entries((n.schema.properties as Record<string, Schema> | undefined) ?? {})
          .filter(([, p]) => typeof p.description !== 'string' || p.description.length < 10)
          .map(([name]) => `${n.pointer}/properties/${name}`),
      );
    expect(missing).toEqual([]);
  });

  it('sets additionalProperties on every object schema', () => {
    const open = nodes
      .filter((n) => !n.conditional && isObjectSchema(n.schema) && !('additionalProperties' in n.schema))
      .map((n) => n.pointer);
    expect(open).toEqual([]);
  });

  it('titles every $defs entry and keeps every $ref local', () => {
    const defs = (schema.$defs as Record<string, Schema> | undefined) ?? {};
    expect(Object.entries(defs).filter(([, d]) => typeof d.title !== 'string')).toEqual([]);
    const refs = nodes.map((n) => n.schema.$ref).filter((r): r is string => typeof r === 'string');
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/\$defs\//);
      expect(defs[ref.slice('#/$defs/'.length)], ref).toBeDefined();
    }
  });

  it('uses anyOf only to discriminate by JSON type, and no oneOf or tsType', () => {
    for (const { schema: s, pointer } of nodes) {
      expect(s.oneOf, pointer).toBeUndefined();
      expect(s.tsType, pointer).toBeUndefined();
      if (!s.anyOf) continue;
      const types = (s.anyOf as Schema[]).map((b) => b.type);
      expect(
        types.every((t) => typeof t === 'string'),
        pointer,
      ).toBe(true);
      expect(new Set(types).size, pointer).toBe(types.length);
    }
  });

  it('marks percent fields and lower-case header names with their diagnostic code', () => {
    for (const { schema: s, pointer } of nodes) {
      if (s.type === 'number' && s.minimum === 0 && s.maximum === 100) {
        expect(s['x-meshc-code'], pointer).toBe('PERCENT_RANGE');
      }
      // A whole percent where every mesh's field is an integer (maxEjectionPercent), else a number.
      if (s['x-meshc-code'] === 'PERCENT_RANGE')
        expect(s.type, pointer).toBe(pointer.endsWith('/maxEjectionPercent') ? 'integer' : 'number');
      if (s['x-meshc-code'] === 'HEADER_NAME_CASE') {
        expect(pointer, pointer).toMatch(/\/propertyNames$/);
        expect(new RegExp(s.pattern as string).test('End-User'), pointer).toBe(false);
        expect(new RegExp(s.pattern as string).test('end-user'), pointer).toBe(true);
      }
    }
  });

  it('has defaults that satisfy their own schema', () => {
    const ajv = createAjv();
    for (const { schema: s, pointer } of nodes) {
      if (!('default' in s)) continue;
      const { default: value, ...rest } = s;
      const validate = ajv.compile({ ...rest, $defs: schema.$defs });
      expect(validate(value), `${pointer}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});

describe('schema examples', () => {
  const ajv = createAjv();
  const validators = Object.fromEntries(KINDS.map((k) => [k, ajv.compile(SCHEMAS[k])]));
  const service = (spec: unknown) => ({
    apiVersion: API_VERSION,
    kind: 'Service',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec,
  });
  const port = [{ name: 'http', port: 9080 }];
  const codes = (doc: unknown) => {
    const validate = validators.Service!;
    validate(doc);
    return (validate.errors ?? []).map((e) => `${e.keyword}@${e.instancePath}`);
  };

  it('accepts the Service of SPEC.md', () => {
    const doc = service({
      ports: [{ name: 'http', port: 9080, protocol: 'http' }],
      selector: { app: 'reviews' },
      serviceAccount: 'bookinfo-reviews',
      versions: { v1: { labels: { version: 'v1' } }, v2: { labels: { version: 'v2' } } },
      routes: [
        {
          name: 'jason',
          match: [
            {
              headers: { 'end-user': { exact: 'jason' } },
              query: { 'x-debug': { exact: '1' } },
              path: { prefix: '/api' },
              method: 'GET',
            },
          ],
          to: 'v2',
        },
        { match: [{ path: { exact: '/coffees' } }], backends: [{ service: 'shop/products', weight: 100 }] },
        {
          to: { v1: 90, v2: 10 },
          timeout: '10s',
          retries: {
            attempts: 3,
            perTryTimeout: '2s',
            on: ['5xx', 'gateway-error', 'connect-failure', 'reset'],
          },
          fault: { delay: { duration: '7s', percent: 100 }, abort: { status: 500, percent: 10 } },
          mirror: { to: 'v2', percent: 100 },
          headers: { request: { set: { 'x-env': 'prod' }, add: { 'x-trace': '1' }, remove: ['x-debug'] } },
        },
      ],
      resilience: {
        outlierDetection: {
          consecutiveErrors: 5,
          interval: '10s',
          baseEjectionTime: '30s',
          maxEjectionPercent: 50,
        },
        connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequestsPerConnection: 1 },
        loadBalancer: { consistentHash: { header: 'x-user' } },
      },
      access: [{ from: ['productpage', '*'], methods: ['GET'], paths: ['/reviews/*'] }],
      mtls: 'strict',
      ingress: { hosts: ['bookinfo.example.com'], paths: [{ prefix: '/productpage' }] },
      kubernetesService: 'managed',
    });
    expect(codes(doc)).toEqual([]);
  });

  it('rejects what the schema owns', () => {
    expect(codes(service({ ports: [] }))).toContain('minItems@/spec/ports');
    expect(codes(service({ ports: port, prots: 1 }))).toContain('additionalProperties@/spec');
    expect(codes(service({ ports: port, routes: [{ to: 'v1', timeout: '0s' }] }))).toContain(
      'format@/spec/routes/0/timeout',
    );
    expect(
      codes(service({ ports: port, routes: [{ to: 'v1', mirror: { to: 'v2', percent: 101 } }] })),
    ).toContain('maximum@/spec/routes/0/mirror/percent');
    expect(
      codes(
        service({
          ports: port,
          routes: [{ match: [{ headers: { 'End-User': { exact: 'x' } } }], to: 'v1' }],
        }),
      ),
    ).toContain('pattern@/spec/routes/0/match/0/headers');
    expect(
      codes(
        service({ ports: port, routes: [{ match: [{ path: { exact: '/a', prefix: '/b' } }], to: 'v1' }] }),
      ),
    ).toContain('maxProperties@/spec/routes/0/match/0/path');
    expect(codes(service({ ports: port, routes: [{ match: [{}], to: 'v1' }] }))).toContain(
      'minProperties@/spec/routes/0/match/0',
    );
    expect(codes(service({ ports: port, resilience: { loadBalancer: 'fastest' } }))).toContain(
      'enum@/spec/resilience/loadBalancer',
    );
    expect(codes(service({ ports: port, versions: { V1: { labels: { version: 'v1' } } } }))).toContain(
      'format@/spec/versions',
    );
  });

  it('requires trust when the mesh install is set, and checks patch operations', () => {
    const validate = validators.Environment!;
    const env = (mesh: unknown, patches: unknown = []) => ({
      apiVersion: API_VERSION,
      kind: 'Environment',
      metadata: { name: 'prod' },
      spec: {
        cluster: 'prod-1',
        mesh,
        gitops: { engine: 'flux', repo: 'https://example.com/x.git' },
        patches,
      },
    });
    expect(validate(env({ type: 'istio', version: '1.24', install: { chartVersion: '1.24.3' } }))).toBe(
      false,
    );
    expect(validate.errors?.map((e) => e.keyword)).toContain('dependentRequired');
    expect(
      validate(
        env({
          type: 'istio',
          version: '1.24',
          install: { chartVersion: '1.24.3' },
          trust: { existingSecret: { name: 'cacerts' } },
        }),
      ),
    ).toBe(true);
    expect(validate(env({ type: 'istio', version: 1.24 }))).toBe(false);
    const target = { kind: 'DestinationRule', name: 'reviews' };
    expect(
      validate(env({ type: 'istio', version: '1.24' }, [{ target, ops: [{ op: 'add', path: '/spec/x' }] }])),
    ).toBe(false);
    expect(
      validate(
        env({ type: 'istio', version: '1.24' }, [{ target, ops: [{ op: 'move', path: '/a', from: '/b' }] }]),
      ),
    ).toBe(true);
  });
});

describe('src/spec/types.gen.ts', () => {
  it('is up to date with the schemas (run `npm run gen:types`)', async () => {
    const modulePath = new URL('../scripts/gen-types.mjs', import.meta.url).href;
    const { generateTypes } = (await import(modulePath)) as { generateTypes: () => Promise<string> };
    const committed = readFileSync(new URL('src/spec/types.gen.ts', ROOT), 'utf8');
    expect(await generateTypes()).toBe(committed);
  });
});
