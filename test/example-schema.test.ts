// The YAML that ships with meshc: the bundled example (examples/bookinfo), the policy library
// (policies/) and the `meshc init` template (templates/init). A schema check with ajv, plus light
// consistency checks that keep the example and the template honest; the full validator is tested
// elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fg from 'fast-glob';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createSpecAjv } from '../src/schema/ajv.ts';

type Json = Record<string, unknown>;
type Kind = 'Project' | 'Service' | 'Environment' | 'Policy';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const KINDS: Kind[] = ['Project', 'Service', 'Environment', 'Policy'];
const EXAMPLE = 'examples/bookinfo';
const TEMPLATE = 'templates/init';
const MODELINE = /^# yaml-language-server: \$schema=(\S+)$/;

const SCHEMAS = Object.fromEntries(
  KINDS.map((k) => [
    k,
    JSON.parse(readFileSync(join(ROOT, `schemas/${k.toLowerCase()}.schema.json`), 'utf8')) as Json,
  ]),
) as Record<Kind, Json>;

/** The validator's own ajv set-up (formats and vocabulary), uncompiled: these tests compile the schemas themselves. */
const createAjv = createSpecAjv;

const ajv = createAjv();
const VALIDATORS = Object.fromEntries(KINDS.map((k) => [k, ajv.compile(SCHEMAS[k])])) as Record<
  Kind,
  ReturnType<Ajv2020['compile']>
>;

interface Doc {
  file: string; // repository-relative
  kind: Kind;
  data: Json;
}

function loadFile(file: string): Doc[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return parseAllDocuments(text).map((d, i) => {
    if ('errors' in d && (d.errors.length || d.warnings.length)) {
      throw new Error(
        `${file} document ${i}: ${[...d.errors, ...d.warnings].map((e) => e.message).join('; ')}`,
      );
    }
    const data = d.toJS() as Json;
    return { file, kind: data.kind as Kind, data };
  });
}

// The rendered output (examples/bookinfo/rendered) is meshc's product, not spec input.
const yamlFiles = (dir: string) =>
  fg.sync(`${dir}/**/*.yaml`, { cwd: ROOT, dot: true, ignore: ['**/rendered/**'] }).sort();

const SETS = {
  example: yamlFiles(EXAMPLE),
  library: yamlFiles('policies'),
  template: yamlFiles(TEMPLATE),
};
const docsOf = (files: string[]) => files.flatMap(loadFile);

describe.each(Object.entries(SETS))('%s YAML', (_name, files) => {
  it('exists', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s is valid against the schema of its kind', (file) => {
    const docs = loadFile(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const [i, doc] of docs.entries()) {
      expect(KINDS, `${file} document ${i}`).toContain(doc.kind);
      const validate = VALIDATORS[doc.kind];
      validate(doc.data);
      expect(ajv.errorsText(validate.errors, { dataVar: `${file}#${i}` })).toBe('No errors');
    }
  });

  it.each(files)('%s starts with a modeline for the schema of its kind', (file) => {
    const docs = loadFile(file);
    const first = readFileSync(join(ROOT, file), 'utf8').split('\n')[0]!;
    const target = MODELINE.exec(first)?.[1];
    expect(target, `${file}: first line`).toBeDefined();
    const kinds = new Set(docs.map((d) => d.kind));
    expect([...kinds], `${file} mixes kinds, but a modeline names one schema`).toHaveLength(1);
    const kind = docs[0]!.kind;
    const resolved = relative(ROOT, resolve(ROOT, dirname(file), target!))
      .split('\\')
      .join('/');
    if (file.startsWith(`${TEMPLATE}/`)) {
      // `meshc init` copies the schemas into .meshc/schemas/ at the root of the new repository.
      expect(target!.startsWith('./') || target!.startsWith('../')).toBe(true);
      expect(resolved).toBe(`${TEMPLATE}/.meshc/schemas/${kind.toLowerCase()}.schema.json`);
    } else {
      expect(resolved).toBe(`schemas/${kind.toLowerCase()}.schema.json`);
      expect(existsSync(join(ROOT, resolved))).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- the spec repositories

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

interface Repo {
  dir: string;
  project: Json;
  services: Doc[];
  environments: Doc[];
  policies: Doc[];
}

function loadRepo(dir: string): Repo {
  const project = loadFile(`${dir}/meshc.yaml`)[0]!;
  const spec = (project.data.spec ?? {}) as { include?: string[]; policies?: string[] };
  const specFiles = fg.sync(spec.include ?? ['**/*.yaml'], { cwd: join(ROOT, dir) }).sort();
  const policyFiles = fg.sync(spec.policies ?? [], { cwd: join(ROOT, dir) }).sort();
  const docs = docsOf(specFiles.filter((f) => f !== 'meshc.yaml').map((f) => `${dir}/${f}`));
  return {
    dir,
    project: project.data,
    services: docs.filter((d) => d.kind === 'Service'),
    environments: docs.filter((d) => d.kind === 'Environment'),
    policies: docsOf(policyFiles.map((f) => `${dir}/${f}`)),
  };
}

interface ServiceSpec {
  versions?: Record<string, unknown>;
  routes?: {
    name?: string;
    to?: string | Record<string, number>;
    backends?: { service: string; version?: string; weight?: number }[];
    mirror?: { to: string };
  }[];
  access?: { from: string[] }[];
  mtls?: string;
}

/** Reference and weight checks a reader of the example would trip over (a subset of the validator's). */
function referenceProblems(key: string, spec: ServiceSpec, services: Map<string, ServiceSpec>): string[] {
  const problems: string[] = [];
  const [namespace] = key.split('/');
  const qualify = (ref: string) => (ref.includes('/') ? ref : `${namespace}/${ref}`);
  const versions = Object.keys(spec.versions ?? {});
  const names = new Set<string>();
  for (const [i, route] of (spec.routes ?? []).entries()) {
    const at = `${key} routes[${i}]`;
    if (route.name !== undefined) {
      if (names.has(route.name)) problems.push(`${at}: duplicate name ${route.name}`);
      names.add(route.name);
    }
    // At most one of them (neither: every pod of the service, as details has where it is rolled out by Flagger).
    if (route.to !== undefined && route.backends !== undefined)
      problems.push(`${at}: sets both to and backends`);
    if (typeof route.to === 'string' && !versions.includes(route.to))
      problems.push(`${at}: unknown version ${route.to}`);
    if (route.to !== undefined && typeof route.to === 'object') {
      for (const v of Object.keys(route.to))
        if (!versions.includes(v)) problems.push(`${at}: unknown version ${v}`);
      const sum = Object.values(route.to).reduce((a, b) => a + b, 0);
      if (sum !== 100) problems.push(`${at}: weights sum to ${sum}`);
    }
    if (route.backends) {
      for (const b of route.backends) {
        const target = services.get(qualify(b.service));
        if (!target) problems.push(`${at}: unknown service ${b.service}`);
        else if (b.version !== undefined && !Object.keys(target.versions ?? {}).includes(b.version)) {
          problems.push(`${at}: unknown version ${b.service}/${b.version}`);
        }
      }
      const sum = route.backends.reduce(
        (a, b) => a + (b.weight ?? (route.backends!.length === 1 ? 100 : 0)),
        0,
      );
      if (sum !== 100) problems.push(`${at}: backend weights sum to ${sum}`);
    }
    if (route.mirror && !versions.includes(route.mirror.to))
      problems.push(`${at}: unknown mirror version ${route.mirror.to}`);
  }
  for (const rule of spec.access ?? []) {
    for (const from of rule.from) {
      if (from !== '*' && !services.has(qualify(from)))
        problems.push(`${key} access: unknown caller ${from}`);
    }
  }
  return problems;
}

describe.each([EXAMPLE, TEMPLATE])('spec repository %s', (dir) => {
  const repo = loadRepo(dir);

  it('includes every YAML file of the repository in exactly one role', () => {
    const all = fg
      .sync('**/*.yaml', { cwd: join(ROOT, dir), ignore: ['rendered/**'] })
      .map((f) => `${dir}/${f}`);
    const used = new Set(
      ['meshc.yaml', ...[...repo.services, ...repo.environments, ...repo.policies].map((d) => d.file)].map(
        (f) => (f === 'meshc.yaml' ? `${dir}/meshc.yaml` : f),
      ),
    );
    expect(all.filter((f) => !used.has(f))).toEqual([]);
    expect(repo.services.length).toBeGreaterThan(1);
    expect(repo.environments.length).toBeGreaterThan(0);
    expect(repo.policies.length).toBeGreaterThan(0);
  });

  it('resolves, in every environment, to consistent Services that satisfy the policies', () => {
    const policyAjv = new Ajv2020({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const env of repo.environments) {
      const envName = (env.data.metadata as Json).name as string;
      const envSpec = env.data.spec as {
        namespaces?: string[];
        overrides?: Record<string, unknown>;
        mesh: { mtls?: string };
      };
      const services = new Map<string, ServiceSpec>();
      for (const s of repo.services) {
        const meta = s.data.metadata as { name: string; namespace: string };
        if (envSpec.namespaces && !envSpec.namespaces.includes(meta.namespace)) continue;
        const key = `${meta.namespace}/${meta.name}`;
        const merged = mergePatch(s.data.spec, envSpec.overrides?.[key] ?? {}) as ServiceSpec;
        const validate = VALIDATORS.Service;
        if (!validate({ ...s.data, spec: merged }))
          problems.push(`${envName} ${key}: ${ajv.errorsText(validate.errors)}`);
        services.set(key, merged);
      }
      for (const key of Object.keys(envSpec.overrides ?? {})) {
        if (!services.has(key)) problems.push(`${envName}: override of unknown service ${key}`);
      }
      for (const [key, spec] of services) {
        problems.push(...referenceProblems(key, spec, services).map((p) => `${envName} ${p}`));
      }
      for (const policy of repo.policies) {
        const p = policy.data.spec as {
          match: { kinds: Kind[]; environments?: string[]; namespaces?: string[] };
          schema: Json;
        };
        if (p.match.environments && !p.match.environments.some((g) => glob(g).test(envName))) continue;
        const check = policyAjv.compile(p.schema);
        const name = (policy.data.metadata as Json).name as string;
        if (p.match.kinds.includes('Environment') && !check(env.data.spec))
          problems.push(`${envName}: policy ${name}`);
        if (!p.match.kinds.includes('Service')) continue;
        for (const [key, spec] of services) {
          if (p.match.namespaces && !p.match.namespaces.some((g) => glob(g).test(key.split('/')[0]!)))
            continue;
          const resolved = { ...spec, mtls: spec.mtls ?? envSpec.mesh.mtls ?? 'permissive' };
          if (!check(resolved))
            problems.push(`${envName} ${key}: policy ${name}: ${policyAjv.errorsText(check.errors)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------- the policy library

/** For each library policy: a resolved spec it accepts and one it rejects. */
const LIBRARY_CASES: Record<string, { pass: Json; fail: Json }> = {
  'prod-strict-mtls': { pass: { mtls: 'strict' }, fail: { mtls: 'permissive' } },
  'no-fault-injection-in-prod': {
    pass: { routes: [{ to: 'v1' }] },
    fail: { routes: [{ to: 'v1' }, { to: 'v1', fault: { abort: { status: 500 } } }] },
  },
  'retries-bounded': {
    pass: { routes: [{ to: 'v1', retries: { attempts: 3 } }, { to: 'v1' }] },
    fail: { routes: [{ to: 'v1', retries: { attempts: 5 } }] },
  },
  'routes-have-timeouts': {
    pass: { routes: [{ to: 'v1', timeout: '5s' }] },
    fail: { routes: [{ to: 'v1', timeout: '5s' }, { to: 'v2' }] },
  },
  'no-wildcard-callers-in-prod': {
    pass: { access: [{ from: ['web', 'shop/checkout'] }] },
    fail: { access: [{ from: ['web'] }, { from: ['*'] }] },
  },
  'prod-observability': {
    pass: {
      mesh: { type: 'istio', observability: { metrics: 'annotations', tracing: { provider: 'zipkin' } } },
    },
    fail: { mesh: { type: 'istio', observability: { metrics: 'none', tracing: { provider: 'zipkin' } } } },
  },
};

describe('policies/ library', () => {
  const policyAjv = new Ajv2020({ allErrors: true, strict: false });
  const docs = docsOf(SETS.library);

  it('has a test case for every policy, named after its file', () => {
    const names = docs.map((d) => (d.data.metadata as Json).name as string);
    expect(docs.map((d) => d.file)).toEqual(names.map((n) => `policies/${n}.yaml`).sort());
    expect([...names].sort()).toEqual(Object.keys(LIBRARY_CASES).sort());
  });

  it.each(Object.entries(LIBRARY_CASES))(
    '%s accepts a compliant spec and rejects a violation',
    (name, cases) => {
      const doc = docs.find((d) => (d.data.metadata as Json).name === name)!;
      const check = policyAjv.compile((doc.data.spec as Json).schema as Json);
      expect(check(cases.pass)).toBe(true);
      expect(check(cases.fail)).toBe(false);
    },
  );
});

// ---------------------------------------------------------------- coverage of the language

/** Every `properties` entry of a schema, with its JSON pointer (conditions of `if`/`then` excluded). */
function propertyNodes(schema: Json, pointer = '#', out: [string, Json][] = []): [string, Json][] {
  const visit = (s: unknown, at: string) => {
    if (s !== null && typeof s === 'object' && !Array.isArray(s)) propertyNodes(s as Json, at, out);
  };
  for (const [name, p] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
    out.push([`${pointer}/properties/${name}`, p]);
    visit(p, `${pointer}/properties/${name}`);
  }
  for (const key of ['items', 'additionalProperties']) visit(schema[key], `${pointer}/${key}`);
  ((schema.anyOf as Json[] | undefined) ?? []).forEach((b, i) => visit(b, `${pointer}/anyOf/${i}`));
  for (const [name, d] of Object.entries((schema.$defs as Record<string, Json> | undefined) ?? {})) {
    visit(d, `${pointer}/$defs/${name}`);
  }
  return out;
}

const JSON_TYPE = (v: unknown) =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v;

/** Marks the property schemas that `data` uses. */
function markUsed(root: Json, schema: Json, data: unknown, used: Set<Json>): void {
  if (typeof schema.$ref === 'string') {
    schema = (root.$defs as Record<string, Json>)[schema.$ref.slice('#/$defs/'.length)]!;
  }
  for (const branch of (schema.anyOf as Json[] | undefined) ?? []) {
    const type = JSON_TYPE(data);
    if (branch.type === type || (branch.type === 'number' && type === 'integer'))
      markUsed(root, branch, data, used);
  }
  if (Array.isArray(data)) {
    if (schema.items) for (const item of data) markUsed(root, schema.items as Json, item, used);
  } else if (data !== null && typeof data === 'object') {
    const props = (schema.properties as Record<string, Json> | undefined) ?? {};
    for (const [key, value] of Object.entries(data)) {
      if (props[key]) {
        used.add(props[key]);
        markUsed(root, props[key], value, used);
      } else if (typeof schema.additionalProperties === 'object') {
        markUsed(root, schema.additionalProperties as Json, value, used);
      }
    }
  }
}

/** A merge patch without its deletions. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

describe(`${EXAMPLE} coverage`, () => {
  it('uses every field of the spec language at least once', () => {
    const docs = docsOf(SETS.example);
    const unused: string[] = [];
    for (const kind of KINDS) {
      const used = new Set<Json>();
      for (const doc of docs.filter((d) => d.kind === kind))
        markUsed(SCHEMAS[kind], SCHEMAS[kind], doc.data, used);
      // An environment's overrides are Service fields too (merge patches: `null` removes, so it uses nothing).
      if (kind === 'Service')
        for (const env of docs.filter((d) => d.kind === 'Environment'))
          for (const patch of Object.values(
            ((env.data.spec as Json).overrides as Record<string, unknown> | undefined) ?? {},
          ))
            markUsed(
              SCHEMAS.Service,
              (SCHEMAS.Service.properties as Json).spec as Json,
              withoutNulls(patch),
              used,
            );
      unused.push(
        ...propertyNodes(SCHEMAS[kind])
          .filter(([, node]) => !used.has(node))
          .map(([at]) => `${kind} ${at}`),
      );
    }
    expect(unused).toEqual([]);
  });
});
