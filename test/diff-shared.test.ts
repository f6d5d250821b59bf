/**
 * Issue 16: `meshc diff` shares the work of its two sides (the compiles' CompileCache, one canonical copy
 * per distinct object in the resource comparison) without changing its result. Over generated specs and
 * the edits a pull request makes, the diff of two compiles that share everything equals the diff of two
 * separate compiles compared the slow way (each environment canonicalized on its own, as
 * `buildEnvironment` does), and each side's diagnostics equal those of a compile of its files alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { compile, newCompileCache, type Compiled, type CompileCache } from '../src/compile.ts';
import { diffRenders, diffSpecs, type DiffSide } from '../src/diff/index.ts';
import { compareObjects } from '../src/backends/kind-order.ts';
import { env, ns, output, peerAuth, scenario } from '../src/gitops/fixture.test.ts';
import {
  buildEnvironment,
  gitopsDiagnostics,
  type EnvRender,
  type PreparedCache,
} from '../src/gitops/tree.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { specArb } from './helpers/spec-arbitrary.ts';
import { ObjectPool } from '../src/plan/emit.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { canonicalize } from '../src/core/canonical.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);

/** A side as `meshc diff` compiles it (until `emit`, see cli/diff-command.ts). */
const compileSide = (files: readonly SourceFile[], cache?: CompileCache): Compiled =>
  compile(files, { until: 'emit', ...(cache ? { cache } : {}) });

const sideOf = (c: Compiled): DiffSide | undefined =>
  c.model && c.emitted && !c.diagnostics.some((d) => d.severity === 'error')
    ? { model: c.model, renders: c.emitted.renders }
    : undefined;

const diagnosticsOf = (c: Compiled) => JSON.stringify(c.diagnostics);

/** Replaces one file's text. */
const withFile = (files: readonly SourceFile[], file: SourceFile, text: string): SourceFile[] =>
  files.map((f) => (f === file ? { path: f.path, text } : f));

/** Moves one point of weight between the first two destinations of the first weighted route, if any. */
function shiftWeight(text: string): string | undefined {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
  for (const doc of docs) {
    const routes = ((doc.spec as Record<string, unknown>).routes ?? []) as Record<string, unknown>[];
    for (const r of routes) {
      const to = r.to;
      if (to === null || typeof to !== 'object') continue;
      const keys = Object.keys(to);
      const w = to as Record<string, number>;
      if (keys.length < 2) continue;
      const [a, b] = keys as [string, string];
      const d = w[a]! > 0 ? 1 : -1;
      w[a] = w[a]! - d;
      w[b] = w[b]! + d;
      return docs.map((d) => stringify(d)).join('---\n');
    }
  }
  return undefined;
}

/**
 * The edits of a pull request: a weight, a port, a service file gone, an environment's mTLS mode, an
 * environment gone.
 */
function edits(files: readonly SourceFile[]): SourceFile[][] {
  const out: SourceFile[][] = [];
  const services = files.filter((f) => f.path.startsWith('services/'));
  for (const f of services) {
    const shifted = shiftWeight(f.text);
    if (shifted !== undefined) {
      out.push(withFile(files, f, shifted));
      break;
    }
  }
  const first = services[0];
  if (first) {
    out.push(withFile(files, first, first.text.replace(/^(\s*)port: (\d+)/m, '$1port: 1$2')));
    if (services.length > 1) out.push(files.filter((f) => f !== first));
  }
  const envFile = files.find((f) => f.path.startsWith('environments/'));
  if (envFile) {
    const doc = parse(envFile.text) as { spec: { mesh: { mtls?: string } } };
    doc.spec.mesh.mtls = doc.spec.mesh.mtls === 'strict' ? 'permissive' : 'strict';
    out.push(withFile(files, envFile, stringify(doc)));
    if (files.filter((f) => f.path.startsWith('environments/')).length > 1)
      out.push(files.filter((f) => f !== envFile));
  }
  return out;
}

/** Every environment on one cluster (the first environment owns its mesh-wide directories). */
const oneCluster = (files: readonly SourceFile[]): SourceFile[] =>
  files.map((f) =>
    f.path.startsWith('environments/')
      ? { path: f.path, text: f.text.replace(/^(\s*)cluster: .*$/m, '$1cluster: shared-1') }
      : f,
  );

describe('meshc diff: the shared work of the two sides', () => {
  it('the diff of two compiles sharing their work equals the diff of separate compiles (slow path)', () => {
    let compared = 0;
    fc.assert(
      fc.property(specArb, (spec) => {
        for (const head of edits(spec.files)) {
          for (const [baseFiles, headFiles] of [
            [spec.files, head],
            [head, spec.files],
            [oneCluster(spec.files), oneCluster(head)],
          ] as const) {
            const cache = newCompileCache();
            const base = compileSide(baseFiles, cache);
            const headCompiled = compileSide(headFiles, cache);
            const baseAlone = compileSide(baseFiles);
            const headAlone = compileSide(headFiles);
            expect(diagnosticsOf(base)).toBe(diagnosticsOf(baseAlone));
            expect(diagnosticsOf(headCompiled)).toBe(diagnosticsOf(headAlone));
            const [b, h, b0, h0] = [base, headCompiled, baseAlone, headAlone].map(sideOf);
            if (!b || !h || !b0 || !h0) continue;
            const fast = diffSpecs(b, h, { canonical: cache.canonical!, prepared: cache.prepared! });
            const slow = diffSpecs(b0, h0);
            expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
            // The resource comparison itself, each environment canonicalized on its own.
            const renamed = new Map(fast.environments.renamed.map((r) => [r.to, r.from] as const));
            expect(JSON.stringify(fast.resources)).toBe(
              JSON.stringify(diffRenders(b0.renders, h0.renders, { renamed, separateEnvironments: true })),
            );
            compared++;
          }
        }
      }),
      { numRuns: RUNS },
    );
    // The property compared diffs, not only diagnostics.
    expect(compared).toBeGreaterThan(RUNS);
  }, 180_000);

  it('the environments the GitOps checks keep for the diff are what buildEnvironment prepares', () => {
    // a owns the mesh-wide directories of cluster "shared", whose merged mesh-wide objects include one
    // only b has: a's analysis is not a's own build, and must not be kept as one.
    const mk = (name: string, extra: boolean): EnvRender => ({
      env: env(name, 'shared', { engine: 'flux' }, ['app']),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ [`app-${name}`]: [ns(`app-${name}`)] }, [
        peerAuth('istio-system', 'default', 'STRICT'),
        ...(extra ? [peerAuth('istio-system', 'other', 'STRICT')] : []),
      ]),
    });
    const cases = [scenario(), [mk('a', false), mk('b', true)], [mk('a', false), mk('b', false)]];
    let kept = 0;
    for (const renders of cases) {
      const keep: PreparedCache = new WeakMap();
      gitopsDiagnostics(renders, undefined, keep);
      for (const r of renders) {
        const p = keep.get(r);
        if (!p) continue;
        kept++;
        const objects = [...p.cluster, ...[...p.dirs.values()].flat()].sort(compareObjects);
        expect(JSON.stringify(objects)).toBe(JSON.stringify(buildEnvironment(r)));
      }
    }
    expect(kept).toBeGreaterThan(2);
  });

  it('ObjectPool: an object is replaced by the first pooled object of its canonical form, whatever the way back in', () => {
    const objectArb = fc.record({
      apiVersion: fc.constant('v1'),
      kind: fc.constantFrom('ConfigMap', 'Service'),
      metadata: fc.record({ name: fc.constantFrom('a', 'b'), namespace: fc.constant('x') }),
      data: fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
    });
    /** The same members in reverse key order, at every level: the same canonical form. */
    const reversed = (v: unknown): unknown =>
      v === null || typeof v !== 'object'
        ? v
        : Array.isArray(v)
          ? v.map(reversed)
          : Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            );
    fc.assert(
      fc.property(
        fc.array(objectArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('raw', 'same', 'copy', 'frozen copy', 'reordered')), {
          maxLength: 20,
        }),
        (fresh, again) => {
          const pool = new ObjectPool();
          // The reference: a search of the pooled objects by the JSON text of the canonical form (generated
          // objects have no undefined members, where the pool's comparison is stricter than JSON text).
          const pooled: K8sObject[] = [];
          const expected = (o: K8sObject) =>
            pooled.find((p) => JSON.stringify(p) === JSON.stringify(canonicalize(o)));
          const results: K8sObject[] = [];
          for (const o of fresh as K8sObject[]) {
            const want = expected(o);
            const got = pool.intern(o);
            if (want) expect(got).toBe(want);
            else {
              // A new member: the canonical form, frozen, not the backend's own object.
              expect(JSON.stringify(got)).toBe(JSON.stringify(canonicalize(o)));
              expect(Object.isFrozen(got) && Object.isFrozen(got.metadata)).toBe(true);
              pooled.push(got);
            }
            results.push(got);
          }
          for (const [i, how] of again) {
            const k = i % results.length;
            const r = results[k]!;
            const copy = structuredClone(r);
            const o =
              how === 'raw'
                ? (fresh[k] as K8sObject)
                : how === 'same'
                  ? r
                  : how === 'copy'
                    ? copy
                    : how === 'frozen copy'
                      ? Object.freeze(copy)
                      : (reversed(fresh[k]) as K8sObject);
            expect(pool.intern(o)).toBe(r);
            expect(expected(o)).toBe(r);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
