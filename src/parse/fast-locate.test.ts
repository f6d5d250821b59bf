/**
 * The fast locator (fast-locate.ts, js-yaml's positions) against the `yaml`-package path of locate.ts
 * (`locateWithYaml`, the path every location took before): wherever the fast locator answers, its
 * location is the same, for every path to every node of every document the fast parser reads (keys and
 * values, both modes) and for paths that go past the document. Where it declines, the old path answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataPath, Location } from '../core/location.ts';
import { crdsDir, describeWithShared, repoRoot } from '../../test/helpers/shared.ts';
import { locateFast, locateWithYaml } from './locate.ts';
import { parseFile } from './parse.ts';
import type { ParsedDoc } from './parse.ts';

interface Tally {
  answered: number;
  declined: number;
  docs: number;
}

const MODES = ['value', 'key'] as const;

/** Every path to a node of `v`, and paths past the document from each node. */
function* pathsOf(v: unknown, at: (string | number)[] = []): Generator<DataPath> {
  yield [...at];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield* pathsOf(v[i], [...at, i]);
    yield [...at, v.length];
    yield [...at, String(v.length + 5)];
    yield [...at, 'x'];
    yield [...at, -1];
    if (v.length > 0) yield [...at, String(0)];
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) yield* pathsOf(x, [...at, k]);
    yield [...at, '\u0000missing'];
    yield [...at, '\u0000missing', 'deeper', 0];
  } else {
    yield [...at, 'x'];
    yield [...at, 0];
  }
}

/** Compares the two locators on every path of every fast-path document of `text`; returns the tally. */
function compareFile(file: string, text: string, tally: Tally): void {
  const parsed = parseFile({ path: file, text }, []);
  if (!parsed.fastValues) return;
  for (const pd of parsed.docs) compareDoc(pd, tally);
}

function compareDoc(pd: ParsedDoc, tally: Tally): void {
  tally.docs++;
  for (const p of pathsOf(pd.value))
    for (const mode of MODES) {
      const fast = locateFast(pd, p, mode);
      if (fast === undefined) {
        tally.declined++;
        continue;
      }
      tally.answered++;
      const old: Location = locateWithYaml(pd, p, mode);
      if (!sameLocation(fast, old))
        expect({ file: pd.file, doc: pd.index, path: p, mode, fast }).toEqual({
          file: pd.file,
          doc: pd.index,
          path: p,
          mode,
          fast: { ...old },
        });
    }
}

function sameLocation(a: Location, b: Location): boolean {
  return (
    a.file === b.file &&
    a.offset === b.offset &&
    a.endOffset === b.endOffset &&
    a.line === b.line &&
    a.col === b.col &&
    a.endLine === b.endLine &&
    a.endCol === b.endCol
  );
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== '.git') out.push(...yamlFiles(p));
    } else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function compareTree(root: string, dirs: readonly string[]): Tally {
  const tally: Tally = { answered: 0, declined: 0, docs: 0 };
  for (const d of dirs)
    for (const f of yamlFiles(path.join(root, d)))
      compareFile(path.relative(root, f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8'), tally);
  return tally;
}

const rate = (t: Tally) => `${t.declined} of ${t.answered + t.declined} declined in ${t.docs} documents`;

describe('fast locator equals the yaml-package locator on the repository corpus', () => {
  it('examples/ and fixtures/: same location wherever it answers, and it answers nearly always', () => {
    const t = compareTree(repoRoot, ['examples', 'fixtures']);
    console.log(`[fast-locate] examples/ + fixtures/: ${rate(t)}`);
    expect(t.docs).toBeGreaterThan(100);
    expect(t.declined / (t.answered + t.declined)).toBeLessThan(0.02);
  });

  // test/ holds no .yaml file today (its YAML is inline); any added later is compared here.
  it('test/: same location wherever it answers', () => {
    const t = compareTree(repoRoot, ['test']);
    console.log(`[fast-locate] test/: ${rate(t)}`);
    expect(t.declined).toBeLessThanOrEqual(t.answered + t.declined);
  });
});

describeWithShared('fast locator equals the yaml-package locator on ../shared/crds', () => {
  it('every CRD document: same location wherever it answers', () => {
    const dir = crdsDir()!;
    const t = compareTree(dir, ['.']);
    console.log(`[fast-locate] shared/crds: ${rate(t)}`);
    expect(t.answered).toBeGreaterThan(0);
  });
});
