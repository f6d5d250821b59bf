/**
 * `meshc import` does not depend on the order of mapping keys. YAML mappings have no meaningful order, and the
 * files a user imports order their keys as whoever wrote them did: by hand, `kubectl get -o yaml` (the API
 * server's order), Helm, or meshc itself (which writes keys sorted). Importing the same objects with the keys of
 * every mapping permuted (arrays keep their order: it is meaningful) must write the same spec and report the same
 * findings, at the same places.
 *
 * The inputs are the ones the import tests use: the upstream tasks with their platforms, the App Mesh
 * walkthroughs, and the files meshc renders for bookinfo (each mesh's base with its mesh-wide objects).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DiscoveredMesh, SourcedObject } from '../src/core/import-types.ts';
import { importObjects } from '../src/import/index.ts';
import { fillWalkthrough, walkthroughVars } from './helpers/appmesh-semantics.ts';
import { importFiles, repoFile } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';
import type { SourceFile } from '../src/parse/source.ts';

interface Case {
  readonly name: string;
  readonly files: readonly SourceFile[];
  readonly namespace?: string;
  readonly meshes?: readonly DiscoveredMesh[];
}

const yamlUnder = (rel: string): string[] =>
  readdirSync(path.join(repoRoot, rel))
    .sort()
    .flatMap((f) => {
      const p = `${rel}/${f}`;
      if (statSync(path.join(repoRoot, p)).isDirectory()) return yamlUnder(p);
      return f.endsWith('.yaml') && f !== 'kustomization.yaml' ? [p] : [];
    });

const upstream = (dir: string, platforms: readonly string[]): Case[] =>
  yamlUnder(`fixtures/upstream/${dir}`).map((f) => ({
    name: f,
    files: [repoFile(f), ...platforms.map(repoFile)],
  }));

const appmeshWalkthroughs: Case[] = (
  [
    ['fixtures/upstream/appmesh/header-routing.yaml', 'howto-k8s-http-headers.yaml'],
    ['fixtures/upstream/appmesh/retry-policy.yaml', 'howto-k8s-retry-policy.yaml'],
    ['fixtures/upstream/appmesh/timeout-policy.yaml', 'howto-k8s-timeout-policy.yaml'],
    ...yamlUnder('fixtures/upstream/appmesh')
      .filter((f) => !/header-routing|retry-policy|timeout-policy/.test(f))
      .map((f) => [f, undefined] as const),
  ] as const
).map(([f, workloads]: readonly [string, string | undefined]) => {
  const ns = path.basename(f, '.yaml');
  const td = `${ns}.example.org`;
  const vars = {
    ...walkthroughVars(ns),
    SVID_CA_TRUST_DOMAIN: `spiffe://${td}`,
    FRONTEND_APP_SVID: `spiffe://${td}/front`,
    COLORAPP_BLUE_SVID: `spiffe://${td}/colorblue`,
    COLORAPP_GREEN_SVID: `spiffe://${td}/colorgreen`,
    COLORAPP_RED_SVID: `spiffe://${td}/colorred`,
  };
  const fill = (rel: string): SourceFile => ({
    path: rel,
    text: fillWalkthrough(readFileSync(path.join(repoRoot, rel), 'utf8'), vars),
  });
  return {
    name: f,
    files: [fill(f), ...(workloads ? [fill(`fixtures/import/appmesh/${workloads}`)] : [])],
  };
});

/** meshc's own files (keys sorted): each mesh's base, with the mesh-wide objects of an environment on it. */
const RENDERED = 'examples/bookinfo/rendered';
const rendered: Case[] = [
  ['istio', 'prod'],
  ['linkerd', 'staging'],
  ['consul', 'dr'],
  ['appmesh', 'legacy'],
].map(([mesh, env]) => {
  const system = `${RENDERED}/overlays/${env}/mesh-system`;
  let systemFiles: string[] = [];
  try {
    systemFiles = yamlUnder(system);
  } catch {
    systemFiles = [];
  }
  return {
    name: `${RENDERED}/base/${mesh!} (${env!})`,
    files: [...yamlUnder(`${RENDERED}/base/${mesh!}`), ...systemFiles].map(repoFile),
  };
});

const CASES: Case[] = [
  ...upstream('istio', ['fixtures/import/bookinfo-platform.yaml', 'fixtures/import/httpbin-platform.yaml']),
  ...upstream('linkerd', [
    'fixtures/import/booksapp-platform.yaml',
    'fixtures/import/emojivoto-platform.yaml',
  ]),
  ...upstream('consul', ['fixtures/import/consul/platform.yaml']),
  ...upstream('flagger', ['fixtures/import/bookinfo-platform.yaml']),
  ...appmeshWalkthroughs,
  ...rendered,
];

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `v` with the keys of every mapping permuted (`reverse`, or shuffled by `rnd`); arrays keep order. */
export function permuteKeys(v: unknown, order: 'reverse' | (() => number)): unknown {
  if (Array.isArray(v)) return v.map((x) => permuteKeys(x, order));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (order === 'reverse') keys.reverse();
  else
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = permuteKeys((v as Record<string, unknown>)[k], order);
  return out;
}

/** What the import writes and reports, comparable with toEqual. */
function outcome(objects: readonly SourcedObject[], meshes?: readonly DiscoveredMesh[]) {
  const r = importObjects(objects, meshes ? { meshes } : {});
  return {
    // As data: the written spec keeps mappings in the order the input had them (a selector's labels, say),
    // which means the same; toEqual compares mappings by members and arrays by position.
    files: r.files.map((f) => ({ path: f.path, data: parseAllDocuments(f.content).map((d) => d.toJS()) })),
    diagnostics: r.diagnostics.map(
      (d) =>
        `${d.severity} ${d.code} ${d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : '-'} ${d.message} | ${d.hint ?? ''}`,
    ),
    meshes: r.meshes,
    summary: r.summary,
  };
}

/** The case's objects as loaded, and a function importing them with their keys permuted. */
function prepare(c: Case) {
  // The same namespace defaulting as importFiles (objects without one get `default`).
  const { objects, loadDiagnostics } = importFiles(c.files, c.namespace ? { namespace: c.namespace } : {});
  expect(loadDiagnostics).toEqual([]);
  const permuted = (order: 'reverse' | (() => number)) =>
    objects.map((o) => ({ ...o, object: permuteKeys(o.object, order) as SourcedObject['object'] }));
  return { objects, permuted };
}

describe('meshc import does not depend on the order of mapping keys', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: keys reversed', (_name, c) => {
    const { objects, permuted } = prepare(c);
    const base = outcome(objects, c.meshes);
    expect(base.files.length).toBeGreaterThan(0);
    expect(outcome(permuted('reverse'), c.meshes)).toEqual(base);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: keys shuffled (property)', (_name, c) => {
    const { objects, permuted } = prepare(c);
    const base = outcome(objects, c.meshes);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(outcome(permuted(random(seed)), c.meshes)).toEqual(base);
      }),
      { numRuns: 8 },
    );
  });
});
