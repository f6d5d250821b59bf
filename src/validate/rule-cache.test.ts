/**
 * Environment views that no override touches replay the spec's findings instead of running the service
 * rules again (rule-cache.ts). The diagnostics must be the ones running the rules on every view gives, in
 * the same order: random specs with errors (unknown versions and services, weights, duplicate ports,
 * overlapping versions, rollouts) and environments with namespace filters and overrides (removing or adding
 * a backend's versions, rewriting routes, breaking the schema, naming unknown services).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseFiles } from '../parse/parse.ts';
import type { SourceFile } from '../parse/source.ts';
import { ValidateMemo, replayable, runRecorded, sameEntries } from './rule-cache.ts';
import { SERVICE_RULES } from './rules/service-rules.ts';
import { validateDocuments } from './validate.ts';
import type { ServiceView } from './view.ts';

const API = 'meshc.dev/v1alpha1';
const NAMESPACES = ['a', 'b'] as const;
const NAMES = ['web', 'api', 'db'] as const;
const IDS = NAMESPACES.flatMap((ns) => NAMES.map((n) => `${ns}/${n}`));
const VERSIONS = ['v1', 'v2', 'v3'] as const;

const versionsArb = fc.option(
  fc
    .subarray([...VERSIONS], { minLength: 1 })
    .chain((vs) =>
      fc
        .tuple(...vs.map(() => fc.constantFrom('x', 'y', undefined)))
        .map((labels) =>
          Object.fromEntries(vs.map((v, i) => [v, { labels: labels[i] ? { version: labels[i] } : {} }])),
        ),
    ),
  { nil: undefined },
);
const ref = fc.oneof(fc.constantFrom(...IDS, ...NAMES, 'a/missing', 'webb'));
const routeArb = fc.oneof(
  fc.record({ to: fc.constantFrom(...VERSIONS, 'v9') }),
  fc.record({ to: fc.constantFrom({ v1: 50, v2: 50 }, { v1: 90, v3: 20 }, { v2: 100 }) }),
  fc.record(
    {
      backends: fc.array(
        fc.record(
          {
            service: ref,
            version: fc.constantFrom(...VERSIONS, 'v9'),
            weight: fc.constantFrom(0, 50, 100),
          },
          { requiredKeys: ['service'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: ['backends'] },
  ),
  fc.record({
    match: fc.constant([{ headers: { 'x-test': { exact: '1' } } }]),
    to: fc.constantFrom(...VERSIONS),
  }),
);
const rolloutArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom({ strategy: 'canary', stepWeight: 10 }, { strategy: 'ab' }) },
);
const serviceSpecArb = fc
  .tuple(
    fc.record(
      {
        ports: fc.constantFrom(
          [{ name: 'http', port: 8080 }],
          [
            { name: 'http', port: 8080 },
            { name: 'http', port: 8081 },
          ],
        ),
        versions: versionsArb,
        routes: fc.array(routeArb, { maxLength: 3 }),
        access: fc.array(
          fc.record({ from: fc.array(fc.oneof(ref, fc.constant('*')), { minLength: 1, maxLength: 2 }) }),
          {
            maxLength: 1,
          },
        ),
      },
      { requiredKeys: ['ports'] },
    ),
    rolloutArb,
  )
  .map(([spec, rollout]) => (rollout ? { ...spec, rollout } : spec));
const patchArb = fc.oneof(
  fc.constant({ versions: null }),
  fc.constant({ versions: { v1: null } }),
  fc.constant({ versions: { v2: null, v3: null } }),
  fc.constant({ versions: { v3: { labels: { version: 'z' } } } }),
  fc.constant({ routes: [{ to: 'v2' }] }),
  fc.constant({ routes: null }),
  fc.constant({ rollout: null }),
  fc.constant({ ports: 'not a list' }),
  routeArb.map((r) => ({ routes: [r] })),
);
const envArb = (name: string) =>
  fc.record({
    name: fc.constant(name),
    namespaces: fc.option(fc.subarray([...NAMESPACES, 'c'], { minLength: 1 }), { nil: undefined }),
    overrides: fc.dictionary(fc.constantFrom(...IDS, 'a/missing', 'c/web'), patchArb, { maxKeys: 3 }),
    flagger: fc.boolean(),
  });
const specArb = fc.record({
  services: fc.uniqueArray(fc.tuple(fc.constantFrom(...IDS), serviceSpecArb), {
    minLength: 1,
    maxLength: 6,
    selector: ([id]) => id,
  }),
  envs: fc
    .tuple(envArb('e0'), envArb('e1'), envArb('e2'), envArb('e3'))
    .chain((es) => fc.integer({ min: 1, max: 4 }).map((n) => es.slice(0, n))),
});

function sources(spec: typeof specArb extends fc.Arbitrary<infer T> ? T : never): SourceFile[] {
  const files: SourceFile[] = [
    {
      path: 'meshc.yaml',
      text: stringify({
        apiVersion: API,
        kind: 'Project',
        metadata: { name: 't' },
        spec: { include: ['**/*.yaml'] },
      }),
    },
  ];
  files.push({
    path: 'services.yaml',
    text: spec.services
      .map(([id, s]) => {
        const [namespace, name] = id.split('/');
        return stringify({ apiVersion: API, kind: 'Service', metadata: { name, namespace }, spec: s });
      })
      .join('---\n'),
  });
  for (const e of spec.envs)
    files.push({
      path: `env/${e.name}.yaml`,
      text: stringify({
        apiVersion: API,
        kind: 'Environment',
        metadata: { name: e.name },
        spec: {
          cluster: `c-${e.name}`,
          mesh: { type: 'istio', version: '1.24' },
          gitops: { engine: 'flux', repo: 'https://github.com/acme/mesh.git' },
          ...(e.namespaces ? { namespaces: e.namespaces } : {}),
          ...(Object.keys(e.overrides).length ? { overrides: e.overrides } : {}),
          ...(e.flagger
            ? { rollouts: { flagger: { chartVersion: '1.38.0', metricsServer: 'http://prometheus:9090' } } }
            : {}),
        },
      }),
    });
  return files;
}

describe('replaying the spec findings on environment views', () => {
  it('gives the diagnostics of running the rules on every view, in the same order', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const files = parseFiles(sources(spec)).files;
        const slow = validateDocuments(files, { replayRules: false });
        const fast = validateDocuments(files);
        expect(fast.diagnostics).toEqual(slow.diagnostics);
        expect(fast.selected.map((e) => e.doc.name)).toEqual(slow.selected.map((e) => e.doc.name));
      }),
      { numRuns: 400 },
    );
  });
});

/** A service's state on one side of a pair: valid, failing its schema (declared, not checked), absent. */
const stateArb = fc.constantFrom('ok', 'broken', 'absent');
const pairArb = fc.record({
  services: fc.uniqueArray(
    fc.record({
      id: fc.constantFrom(...IDS),
      spec: serviceSpecArb,
      other: fc.option(serviceSpecArb, { nil: undefined }),
      a: stateArb,
      b: stateArb,
    }),
    { minLength: 1, maxLength: 6, selector: (s) => s.id },
  ),
  envs: fc
    .tuple(envArb('e0'), envArb('e1'))
    .chain((es) => fc.integer({ min: 1, max: 2 }).map((n) => es.slice(0, n))),
});

/** One side of a pair: a file per service, so that the services the sides have alike are one parsed document. */
function sideSources(
  pair: typeof pairArb extends fc.Arbitrary<infer T> ? T : never,
  side: 'a' | 'b',
): SourceFile[] {
  const [project, , ...envs] = sources({ services: [], envs: pair.envs });
  const files = [project!, ...envs];
  for (const s of pair.services) {
    const state = s[side];
    if (state === 'absent') continue;
    const [namespace, name] = s.id.split('/');
    const spec = side === 'b' && s.other ? s.other : s.spec;
    files.push({
      path: `services/${namespace}-${name}.yaml`,
      text: stringify({
        apiVersion: API,
        kind: 'Service',
        metadata: { name, namespace },
        spec: state === 'broken' ? { ...spec, bogus: 1 } : spec,
      }),
    });
  }
  return files;
}

describe('ValidateMemo: validations sharing their work (the sides of meshc diff)', () => {
  it('a validation after another with the same memo gives the diagnostics of validating alone', () => {
    fc.assert(
      fc.property(pairArb, (pair) => {
        const cache = new Map();
        const a = parseFiles(sideSources(pair, 'a'), cache).files;
        const b = parseFiles(sideSources(pair, 'b'), cache).files;
        const memo = new ValidateMemo();
        const first = validateDocuments(a, { memo });
        const second = validateDocuments(b, { memo });
        expect(first.diagnostics).toEqual(validateDocuments(a).diagnostics);
        expect(second.diagnostics).toEqual(validateDocuments(b).diagnostics);
        expect(second.secrets).toEqual(validateDocuments(b).secrets);
        // And the first again, from a memo that has seen both.
        expect(validateDocuments(a, { memo }).diagnostics).toEqual(first.diagnostics);
      }),
      { numRuns: 300 },
    );
  });

  it('does not replay a record where the declared services differ (a reference to a broken service, then to none)', () => {
    const svc = (namespace: string, name: string, spec: object): SourceFile => ({
      path: `services/${namespace}-${name}.yaml`,
      text: stringify({ apiVersion: API, kind: 'Service', metadata: { name, namespace }, spec }),
    });
    const [project] = sources({ services: [], envs: [] });
    const web = svc('a', 'web', {
      ports: [{ name: 'http', port: 8080 }],
      routes: [{ backends: [{ service: 'a/api' }] }],
    });
    // a/api fails its schema: declared (no "unknown service" cascade), but not in the index the rules read.
    const brokenApi = svc('a', 'api', { ports: [{ name: 'http', port: 8080 }], bogus: 1 });
    const cache = new Map();
    const a = parseFiles([project!, brokenApi, web], cache).files;
    const b = parseFiles([project!, web], cache).files;
    const memo = new ValidateMemo();
    validateDocuments(a, { memo });
    const second = validateDocuments(b, { memo });
    expect(second.diagnostics.map((d) => d.code)).toEqual(['SERVICE_UNKNOWN']);
    expect(second.diagnostics).toEqual(validateDocuments(b).diagnostics);
  });
});

describe('rule records', () => {
  const view = (id: string, versions: Record<string, unknown> | undefined): ServiceView => {
    const [namespace, name] = id.split('/') as [string, string];
    return {
      id,
      namespace,
      name,
      spec: {
        ports: [{ name: 'http', port: 80 }],
        ...(versions ? { versions: versions as never } : {}),
        routes: [{ backends: [{ service: 'b/api', version: 'v2' }] }],
      },
      at: () => ({ file: 'f.yaml', line: 1, col: 1, offset: 0, endOffset: 0 }) as never,
      nameAt: () => ({ file: 'f.yaml', line: 1, col: 1, offset: 0, endOffset: 0 }) as never,
    };
  };
  const web = view('a/web', undefined);
  const api = view('b/api', { v1: { labels: { version: 'v1' } } });
  const base = new Map([
    ['a/web', web],
    ['b/api', api],
  ]);
  const record = runRecorded(SERVICE_RULES, web, base, () => {}, new Set(base.keys()));

  it('records what the rules found and read', () => {
    expect(record.diagnostics.map((d) => d.code)).toEqual(['VERSION_UNKNOWN']);
    expect(record.gets).toEqual([['b/api', api]]);
    expect(record.whole).toBe(false);
  });

  it('is replayed where the view and what the rules read of the index are the same', () => {
    expect(replayable(record, web, new Map(base), true)).toBe(true);
    // Another service overridden: nothing web's rules read.
    const other = new Map([...base, ['a/db', view('a/db', undefined)]]);
    expect(replayable(record, web, other, sameEntries(other, base))).toBe(true);
  });

  it('is not replayed where the view or a read of the index differs', () => {
    expect(replayable(record, view('a/web', undefined), base, true)).toBe(false);
    const apiOverridden = new Map([...base, ['b/api', view('b/api', { v2: { labels: {} } })]]);
    expect(replayable(record, web, apiOverridden, false)).toBe(false);
    const apiFiltered = new Map([['a/web', web]]);
    expect(replayable(record, web, apiFiltered, false)).toBe(false);
    expect(replayable(undefined, web, base, true)).toBe(false);
  });
});
