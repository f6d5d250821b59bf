/**
 * Invariants over GENERATED valid specs (test/helpers/spec-arbitrary.ts: random services, versions,
 * routes, access rules and environments on Istio and Linkerd), not over the few fixed inputs of the golden
 * tests:
 * - `render(x)` is deterministic: two renders are byte for byte the same tree, and so is a render of the
 *   same files given in another order;
 * - `diff(x, x)` reports nothing: the spec compiled twice (once from its files in another order) and
 *   compared has no summary line, no resource change, no environment added, removed or renamed;
 * - and, so that the empty diff is not the diff's only answer, a real change (the first environment's
 *   mTLS mode flipped) is reported, in that environment only (a summary line always; changed objects when
 *   the environment renders any that depend on it).
 *
 * 100 runs in CI, 25 locally; `MESHC_GENERATED_RUNS` overrides both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { diffSpecs, hasDifferences, type DiffSide } from '../src/diff/index.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { compile } from '../src/pipeline.ts';
import { renderSources } from './helpers/render.ts';
import { specArb, type GeneratedSpec } from './helpers/spec-arbitrary.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 100 : 25);
const TIMEOUT = Math.max(60_000, RUNS * 2_000);

/** A generated spec and a permutation of its files. */
const specAndOrderArb = specArb.chain((spec) =>
  fc
    .shuffledSubarray([...spec.files], { minLength: spec.files.length, maxLength: spec.files.length })
    .map((shuffled) => ({ spec, shuffled })),
);

/** The rendered tree as one string: every file's path, ownership and bytes. */
function treeText(sources: readonly SourceFile[]): string {
  const { tree } = renderSources(sources);
  return tree.files.map((f) => `${f.path}\0${f.ownership}\0${f.content}`).join('\0\0');
}

/** The diff side of a spec: its model and renders (as `meshc diff` compiles each version). */
function side(sources: readonly SourceFile[]): DiffSide {
  const { compiled, emitted } = renderSources(sources);
  expect(compiled.model).toBeDefined();
  return { model: compiled.model!, renders: emitted.renders };
}

/** The spec with the first environment's mesh-wide mTLS mode flipped (strict ⇄ permissive). */
function flipFirstMtls(spec: GeneratedSpec): SourceFile[] {
  const name = spec.environments[0]!.name;
  return spec.files.map((f) => {
    if (f.path !== `environments/${name}.yaml`) return f;
    const doc = parse(f.text) as { spec: { mesh: { mtls: string } } };
    doc.spec.mesh.mtls = doc.spec.mesh.mtls === 'strict' ? 'permissive' : 'strict';
    return { path: f.path, text: stringify(doc) };
  });
}

/** Spec text that shows a feature was generated (`---`: several documents in one file). */
const FEATURE_MARKERS = ['routes:', 'backends:', 'access:', 'match:', 'retries:', 'fault:', 'mirror:', '---'];

describe('properties over generated specs', () => {
  it('the generator builds valid specs of many shapes', () => {
    const samples = fc.sample(specArb, { numRuns: 100, seed: 11 });
    const shapes = new Set<string>();
    for (const s of samples) {
      const errors = compile(s.files, { until: 'emit' }).diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => `${d.location?.file}:${d.location?.line} ${d.code} ${d.message}`)).toEqual([]);
      for (const e of s.environments) shapes.add(`${e.mesh} ${e.engine}`);
      if (new Set(s.environments.map((e) => e.mesh)).size > 1) shapes.add('both meshes');
      const text = s.files.map((f) => f.text).join('\n');
      for (const feature of FEATURE_MARKERS) if (text.includes(feature)) shapes.add(feature);
    }
    expect([...shapes].sort()).toEqual(
      [
        'istio flux',
        'istio argocd',
        'linkerd flux',
        'linkerd argocd',
        'both meshes',
        ...FEATURE_MARKERS,
      ].sort(),
    );
  });

  it(
    `render(x) is deterministic: twice, and with the files in another order, byte for byte (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(specAndOrderArb, ({ spec, shuffled }) => {
          const first = treeText(spec.files);
          expect(treeText(spec.files)).toBe(first);
          expect(treeText(shuffled)).toBe(first);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    `diff(x, x) reports nothing, with the files in another order too (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(specAndOrderArb, ({ spec, shuffled }) => {
          const d = diffSpecs(side(spec.files), side(shuffled));
          expect(d.environments).toEqual({ added: [], removed: [], renamed: [] });
          expect(d.summary).toEqual([]);
          expect(d.resources).toEqual([]);
          expect(hasDifferences(d)).toBe(false);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    `diff(x, y) reports a real change: the first environment's mTLS mode flipped (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(specArb, (spec) => {
          const env = spec.environments[0]!.name;
          const d = diffSpecs(side(spec.files), side(flipFirstMtls(spec)));
          expect(hasDifferences(d)).toBe(true);
          expect(d.summary.some((s) => s.environment === env)).toBe(true);
          expect(d.resources.every((r) => r.environment === env)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
