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
import { readFileSync, writeFileSync } from 'node:fs';
import { ISTIO_ENV, PROJECT, REVIEWS } from './helpers/spec-tree.ts';

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
        const fresh = compile(spec.files);
        saveParseCache(file, 'tool', fresh.parsed, fresh.checkedFiles);
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

  describe("validate's checks of a document alone, vouched for by the parse cache", () => {
    // One file per kind of finding those checks make, and clean files beside them.
    const variant = (name: string, from: string, to: string) =>
      REVIEWS.replace('name: reviews', `name: ${name}`).replace(from, to);
    const secret = variant(
      'secret',
      'version: v2 }',
      'version: v2, token: ghp_abcdefghijklmnopqrstuvwxyz0123456789 }',
    );
    const schema = variant('schema', 'timeout: 10s', 'timeout: 10s\n      speed: 3');
    const forbidden = variant('forbidden', 'timeout: 10s', 'timeout: 10s\n      __proto__: { x: 1 }');
    const sources: SourceFile[] = [
      { path: 'meshc.yaml', text: PROJECT },
      { path: 'environments/prod.yaml', text: ISTIO_ENV },
      { path: 'services/forbidden.yaml', text: forbidden },
      { path: 'services/reviews.yaml', text: REVIEWS },
      { path: 'services/schema.yaml', text: schema },
      { path: 'services/secret.yaml', text: secret },
    ];
    const checkedPaths = (c: Compiled) => [...c.checkedFiles].map((f) => f.source.path).sort();

    it('are vouched for only where they found nothing, and a compile from the cache finds what a fresh one finds', async () => {
      const file = path.join(await tempDir('meshc-parse-cache-'), 'parse.json');
      const fresh = compile(sources);
      const codes = fresh.diagnostics.map((d) => `${d.code} ${d.location?.file}`);
      // The three findings are there (so the cases below mean something)...
      expect(codes).toContain('FORBIDDEN_KEY services/forbidden.yaml');
      expect(codes).toContain('SCHEMA_UNKNOWN_FIELD services/schema.yaml');
      expect(codes).toContain('SECRET_IN_SPEC services/secret.yaml');
      // ...and only the files with none are vouched for.
      expect(checkedPaths(fresh)).toEqual(['environments/prod.yaml', 'meshc.yaml', 'services/reviews.yaml']);
      saveParseCache(file, 'tool', fresh.parsed, fresh.checkedFiles);
      const parsed = readParseCache(file, 'tool', sources);
      const vouched = [...parsed.values()].filter((e) => e.file.checked).map((e) => e.file.source.path);
      expect(vouched.sort()).toEqual(checkedPaths(fresh));
      const cached = compile(sources, { cache: { parsed } });
      expect(observed(cached)).toBe(observed(fresh));
      expect(checkedPaths(cached)).toEqual(checkedPaths(fresh));
    });

    it('are not run again on a vouched-for file (what the cache saves), and are where it does not vouch', async () => {
      const file = path.join(await tempDir('meshc-parse-cache-'), 'parse.json');
      const clean = sources.filter((s) => !/forbidden|schema|secret/.test(s.path));
      const fresh = compile(clean);
      saveParseCache(file, 'tool', fresh.parsed, fresh.checkedFiles);
      // Values planted under the hash of reviews.yaml with a field the schema refuses: the schema stage would
      // report it if it ran on them.
      const data = JSON.parse(readFileSync(file, 'utf8'));
      const entry = data.files['services/reviews.yaml'];
      expect(entry[2]).toBe(1);
      entry[1][0].spec.speed = 3;
      writeFileSync(file, JSON.stringify(data));
      const vouched = compile(clean, { cache: { parsed: readParseCache(file, 'tool', clean) } });
      expect(vouched.diagnostics.map((d) => d.code)).not.toContain('SCHEMA_UNKNOWN_FIELD');
      entry[2] = 0;
      writeFileSync(file, JSON.stringify(data));
      const unvouched = compile(clean, { cache: { parsed: readParseCache(file, 'tool', clean) } });
      expect(unvouched.diagnostics.map((d) => d.code)).toContain('SCHEMA_UNKNOWN_FIELD');
    });
  });
});
