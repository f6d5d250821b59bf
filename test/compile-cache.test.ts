/**
 * Issue 16: the work compiles share (CompileCache: parsed files by path and text, resolved services by spec
 * object and context) never changes a result. A compile that reuses an earlier compile's cache, as the head
 * side of `meshc diff` reuses the base's, gives exactly what a fresh compile of the same files gives: the
 * same tree, byte for byte, and the same diagnostics, positions included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile, newCompileCache } from '../src/compile.ts';
import type { Compiled } from '../src/compile.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { specArb } from './helpers/spec-arbitrary.ts';
import { tempDir } from './helpers/spec-tree.ts';
import { readParseCache } from '../src/load/parse-cache.ts';
import { saveParseCache } from '../src/write/parse-cache.ts';
import { ResolveMemo } from '../src/model/build.ts';
import path from 'node:path';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);

/** Everything a caller can observe of a compile: the tree's files, every diagnostic, the model's services. */
function observed(c: Compiled): string {
  return JSON.stringify({
    files: c.tree?.files.map((f) => [f.path, f.ownership, f.content]),
    diagnostics: c.allDiagnostics.map((d) => ({ ...d, location: d.location && { ...d.location } })),
    services: c.model?.environments.map((e) => e.services.map(({ origin: _origin, ...s }) => s)),
  });
}

/** The spec edited the ways a pull request edits one: a service's mTLS, an environment's mode, a file gone. */
function edits(files: readonly SourceFile[]): SourceFile[][] {
  const out: SourceFile[][] = [];
  const envFile = files.find((f) => f.path.startsWith('environments/'));
  if (envFile) {
    const doc = parse(envFile.text) as { spec: { mesh: { mtls?: string } } };
    doc.spec.mesh.mtls = doc.spec.mesh.mtls === 'strict' ? 'permissive' : 'strict';
    out.push(files.map((f) => (f === envFile ? { path: f.path, text: stringify(doc) } : f)));
  }
  const serviceFile = files.find((f) => f.path.startsWith('services/'));
  if (serviceFile) {
    out.push(
      files.map((f) =>
        f === serviceFile ? { path: f.path, text: f.text.replace(/^(\s*)port: (\d+)/m, '$1port: 1$2') } : f,
      ),
    );
    out.push(
      files.filter(
        (f) => f !== serviceFile || files.filter((g) => g.path.startsWith('services/')).length < 2,
      ),
    );
  }
  return out;
}

describe('CompileCache', () => {
  it('a compile reusing another compile cache equals a fresh compile (generated specs and edits of them)', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        for (const edited of edits(spec.files)) {
          const cache = newCompileCache();
          const first = compile(spec.files, { cache });
          const second = compile(edited, { cache });
          expect(observed(second)).toBe(observed(compile(edited)));
          // And the first spec again, from a cache that has seen both.
          expect(observed(compile(spec.files, { cache }))).toBe(observed(first));
          expect(observed(first)).toBe(observed(compile(spec.files)));
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('shares the unchanged files and services between the compiles', () => {
    const spec = fc.sample(specArb, { numRuns: 1, seed: 7 })[0]!;
    const cache = newCompileCache();
    const a = compile(spec.files, { cache });
    const b = compile(spec.files, { cache });
    expect(b.parsed).toHaveLength(a.parsed.length);
    b.parsed.forEach((f, i) => expect(f).toBe(a.parsed[i]));
    const services = (c: Compiled) => c.model!.environments.flatMap((e) => e.services);
    expect(services(b).length).toBeGreaterThan(0);
    services(b).forEach((s, i) => expect(s).toBe(services(a)[i]));
  });

  it('a compile from the parse cache (values saved as JSON, read back) equals a fresh compile', async () => {
    const file = path.join(await tempDir('meshc-parse-cache-'), 'parse.json');
    fc.assert(
      fc.property(specArb, (spec) => {
        saveParseCache(file, 'tool', compile(spec.files).parsed);
        const parsed = readParseCache(file, 'tool', spec.files);
        // Every file of a generated spec takes the fast path: all of them come from the cache.
        expect(parsed.size).toBe(spec.files.length);
        const cached = compile(spec.files, { cache: { parsed, resolved: new ResolveMemo() } });
        expect(observed(cached)).toBe(observed(compile(spec.files)));
        // Another meshc's cache, or a file with another text, is not used.
        expect(readParseCache(file, 'other tool', spec.files).size).toBe(0);
        const edited = spec.files.map((f, i) => (i === 0 ? { ...f, text: `${f.text}\n` } : f));
        expect(readParseCache(file, 'tool', edited).has(`${edited[0]!.path}\0${edited[0]!.text}`)).toBe(
          false,
        );
      }),
      { numRuns: Math.max(5, Math.floor(RUNS / 2)) },
    );
  });
});
