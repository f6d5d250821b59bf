/**
 * The invalid corpus: every directory under `fixtures/invalid/` is a small spec repository with one
 * kind of mistake, and its `expected.yaml` lists exactly the diagnostics meshc must report for it.
 *
 * `expected.yaml` is a list of `{ code, severity, file, line, col }` (no `file`/`line`/`col` for a
 * diagnostic without a location), optionally with `message_contains`, `hint_contains` and `related`
 * (a list of `{ file, line, col, message_contains? }`).
 *
 * A case stores only what makes it: the files it changes or adds, and a `case.yaml` naming the base
 * repository (`fixtures/invalid/_bases/`) it starts from, the base files it removes, and the files
 * prepared at run time (byte copies, generated large files, files inflated past the size limit, symlinks).
 * test/helpers/invalid-cases.ts lays each case out in a temporary directory (its top comment has the
 * format); the "stored corpus" tests below keep the corpus that way.
 *
 * Diagnostics that depend on the build rather than on the fixture are ignored unless `expected.yaml`
 * lists them: MESH_NOT_IMPLEMENTED says which meshes this build renders. (The "outcome" test still
 * checks that the stage producing it does not run at all when the spec has errors.)
 */
import fs from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CODES } from '../src/core/codes.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { compileDir } from '../src/pipeline.ts';
import type { CompileResult } from '../src/pipeline.ts';
import type { runCli } from './helpers/cli.ts';
import {
  BASES_DIR,
  CASE_FILES,
  filesUnder,
  INVALID_DIR,
  invalidCases,
  materialiseCase,
  readManifest,
  type Materialised,
} from './helpers/invalid-cases.ts';

/** Codes whose presence depends on the backends this build registers, not on the fixture. */
const BUILD_DEPENDENT = new Set<string>(['MESH_NOT_IMPLEMENTED']);

type Check = 'diagnostics' | 'outcome';

/** `MESHC_RUN_KNOWN_GAPS=1` runs the known-gap tests too: the ones that pass can leave KNOWN_GAPS. */
const RUN_GAPS = process.env.MESHC_RUN_KNOWN_GAPS === '1';

/**
 * Cases where meshc is known to be wrong. The expectation in the fixture is the correct behaviour; the
 * test is skipped (visibly) until the validator is fixed. Remove the entry when it passes.
 */
const KNOWN_GAPS: readonly { case: string; test: Check; reason: string }[] = [];

interface ExpectedRelated {
  file: string;
  line: number;
  col: number;
  message_contains?: string;
}

interface Expected {
  code: string;
  severity: 'error' | 'warning';
  file?: string;
  line?: number;
  col?: number;
  message_contains?: string;
  hint_contains?: string;
  related?: ExpectedRelated[];
}

const cases = invalidCases();

function gap(name: string, test: Check): string | undefined {
  return KNOWN_GAPS.find((g) => g.case === name && g.test === test)?.reason;
}

function key(d: {
  code: string;
  severity: string;
  file?: string | undefined;
  line?: number | undefined;
  col?: number | undefined;
}): string {
  return `${d.file ?? '-'}:${d.line ?? '-'}:${d.col ?? '-'} ${d.severity} ${d.code}`;
}

function actualKey(d: Diagnostic): string {
  return key({
    code: d.code,
    severity: d.severity,
    file: d.location?.file,
    line: d.location?.line,
    col: d.location?.col,
  });
}

async function readExpected(name: string): Promise<Expected[]> {
  const text = await fs.readFile(path.join(INVALID_DIR, name, 'expected.yaml'), 'utf8');
  const list = parseYaml(text) as unknown;
  if (!Array.isArray(list)) throw new Error(`${name}/expected.yaml is not a list`);
  return list as Expected[];
}

/** The text of a diagnostic's file: from the compiled sources, else from disk (files refused by the loader). */
async function fileText(result: CompileResult, repo: string, file: string): Promise<string | undefined> {
  const src = result.sources.find((s) => s.path === file);
  if (src) return src.text;
  try {
    return await fs.readFile(path.join(repo, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** Lines as YAML and editors count them: LF, CRLF and a lone CR all end a line. */
function positionInside(text: string, line: number, col: number): boolean {
  const lines = text.split(/\r\n|\r|\n/);
  if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || line > lines.length || col < 1)
    return false;
  return col <= lines[line - 1]!.length + 1;
}

/**
 * The CLI entry point (src/cli/main.ts, run in-process by test/helpers/cli.ts), when it imports (colleagues
 * may still be writing modules it needs): the exit status then comes from `meshc validate`; otherwise it is
 * computed from the severities.
 */
const cli: { run?: typeof runCli; error?: string } = await import('./helpers/cli.ts').then(
  (m) => ({ run: m.runCli }),
  (e: unknown) => ({ error: String((e as Error).message ?? e).split('\n')[0] }),
);
const run = cli.run;
const STATUS_FROM = run ? 'meshc validate' : 'computed from severities';
const prepared = new Map<string, Materialised>();
const results = new Map<string, CompileResult>();

afterAll(async () => {
  for (const p of prepared.values()) await fs.rm(p.tmp, { recursive: true, force: true });
});

async function compiled(name: string): Promise<{ result: CompileResult; repo: string }> {
  let p = prepared.get(name);
  if (!p) {
    p = await materialiseCase(name);
    prepared.set(name, p);
  }
  let result = results.get(name);
  if (!result) {
    result = await compileDir(p.repo);
    results.set(name, result);
  }
  return { result, repo: p.repo };
}

describe('invalid corpus', () => {
  it('has at least 55 cases, each with an expected.yaml', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(55);
    for (const name of cases) {
      const expected = await readExpected(name);
      expect(expected.length, `${name}/expected.yaml lists no diagnostic`).toBeGreaterThan(0);
      for (const e of expected) {
        expect(Object.keys(CODES), `${name}: unknown code ${e.code}`).toContain(e.code);
        expect(['error', 'warning'], `${name}: severity of ${e.code}`).toContain(e.severity);
      }
    }
  });

  it('KNOWN_GAPS name existing cases', () => {
    for (const g of KNOWN_GAPS) expect(cases, `KNOWN_GAPS: no fixture ${g.case}`).toContain(g.case);
  });

  describe('stored corpus', () => {
    const bases = readdirSync(BASES_DIR).sort();

    it('every case.yaml names existing bases, and removes and copies files its repository has', async () => {
      for (const name of cases) {
        const m = await readManifest(name);
        expect(m.base.length, `${name}: no base`).toBeGreaterThan(0);
        for (const b of m.base) expect(bases, `${name}: unknown base ${b}`).toContain(b);
      }
      // materialiseCase (run by the tests of each case) fails on a file that is not there.
    });

    it('the base repository alone is a valid spec: the diagnostics of a case come from its change', async () => {
      const result = await compileDir(path.join(BASES_DIR, 'shop'));
      expect(result.diagnostics.map(actualKey)).toEqual([]);
      expect(result.model).toBeDefined();
    });

    it('stores no byte copy: no stored file equals a base file, another stored file, or is large', async () => {
      const seen = new Map<string, string>();
      const remember = (where: string, data: Buffer) => {
        const text = data.toString('latin1');
        const before = seen.get(text);
        expect(before, `${where} is a byte copy of ${before} (use a base, \`copy\` or \`generate\`)`).toBe(
          undefined,
        );
        seen.set(text, where);
      };
      for (const b of bases)
        for (const rel of await filesUnder(path.join(BASES_DIR, b)))
          remember(`_bases/${b}/${rel}`, await fs.readFile(path.join(BASES_DIR, b, rel)));
      for (const name of cases)
        for (const rel of await filesUnder(path.join(INVALID_DIR, name), CASE_FILES)) {
          const data = await fs.readFile(path.join(INVALID_DIR, name, rel));
          expect(data.length, `${name}/${rel}: large files are generated`).toBeLessThanOrEqual(4096);
          remember(`${name}/${rel}`, data);
        }
    });
  });

  describe.each(cases)('%s', (name) => {
    const diagGap = gap(name, 'diagnostics');
    const outcomeGap = gap(name, 'outcome');

    (diagGap && !RUN_GAPS ? it.skip : it)(
      `reports exactly the expected diagnostics${diagGap ? ` (meshc bug: ${diagGap})` : ''}`,
      async () => {
        const expected = await readExpected(name);
        const { result } = await compiled(name);
        const listed = new Set(expected.map((e) => e.code));
        const relevant = result.diagnostics.filter((d) => listed.has(d.code) || !BUILD_DEPENDENT.has(d.code));

        const shown = relevant.map((d) => `${actualKey(d)}: ${d.message}`).join('\n');
        expect(relevant.map(actualKey).sort(), `actual diagnostics:\n${shown}`).toEqual(
          expected.map(key).sort(),
        );

        for (const e of expected) {
          const d = relevant.find((a) => actualKey(a) === key(e))!;
          if (e.message_contains !== undefined)
            expect(d.message, `${key(e)}: message`).toContain(e.message_contains);
          if (e.hint_contains !== undefined)
            expect(d.hint ?? '', `${key(e)}: hint`).toContain(e.hint_contains);
          for (const r of e.related ?? []) {
            const rel = (d.related ?? []).find(
              (x) => x.location.file === r.file && x.location.line === r.line && x.location.col === r.col,
            );
            expect(
              rel,
              `${key(e)}: related ${r.file}:${r.line}:${r.col} in ${JSON.stringify(d.related)}`,
            ).toBeDefined();
            if (r.message_contains !== undefined) expect(rel!.message).toContain(r.message_contains);
          }
        }
      },
    );

    it('reports well-formed diagnostics that point inside their files', async () => {
      const { result, repo } = await compiled(name);
      for (const d of result.diagnostics) {
        expect(d.message.trim(), `${actualKey(d)}: empty message`).not.toBe('');
        expect((d.hint ?? '').trim(), `${actualKey(d)}: empty hint`).not.toBe('');
        for (const loc of [d.location, ...(d.related ?? []).map((r) => r.location)]) {
          if (!loc) continue;
          const text = await fileText(result, repo, loc.file);
          expect(text, `${actualKey(d)}: ${loc.file} does not exist`).toBeDefined();
          expect(
            positionInside(text!, loc.line, loc.col),
            `${actualKey(d)}: ${loc.file}:${loc.line}:${loc.col} is outside the file`,
          ).toBe(true);
          expect(
            positionInside(text!, loc.endLine, loc.endCol),
            `${actualKey(d)}: end ${loc.file}:${loc.endLine}:${loc.endCol} is outside the file`,
          ).toBe(true);
        }
      }
    });

    (outcomeGap && !RUN_GAPS ? it.skip : it)(
      `has the right outcome: exit status (${STATUS_FROM}), and no model when invalid${outcomeGap ? ` (meshc bug: ${outcomeGap})` : ''}`,
      async () => {
        const expected = await readExpected(name);
        const expectErrors = expected.some((e) => e.severity === 'error');
        const { result, repo } = await compiled(name);
        if (expectErrors) {
          expect(result.model, 'a spec with errors yields no model').toBeUndefined();
          expect(result.plans, 'a spec with errors yields no plans').toEqual([]);
          // The plan stage (capabilities, MESH_NOT_IMPLEMENTED) runs only on a valid model: after policy
          // violations (checked on that model too), never after errors of the earlier stages.
          const listed = new Set(expected.map((e) => e.code));
          if (expected.some((e) => e.severity === 'error' && e.code !== 'POLICY_VIOLATION'))
            expect(
              result.diagnostics
                .filter((d) => CODES[d.code].area === 'mesh' && !listed.has(d.code))
                .map(actualKey),
            ).toEqual([]);
        } else {
          expect(result.model, 'a spec with warnings only yields a model').toBeDefined();
        }
        if (run) {
          const r = await run(['validate', repo, '--format', 'json'], { cwd: os.tmpdir() });
          expect(r.code, `meshc validate exit status; stderr: ${r.stderr}`).toBe(expectErrors ? 1 : 0);
        } else {
          // src/cli/main.ts does not import yet; the exit status follows from the severities.
          const status = result.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
          expect(status, `exit status (computed; src/cli/main.ts did not import: ${cli.error})`).toBe(
            expectErrors ? 1 : 0,
          );
        }
      },
    );
  });
});
