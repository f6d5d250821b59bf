/**
 * "meshc never crashes": random mutations of the bookinfo example (keys deleted, values replaced or of
 * another type, keys duplicated, files truncated, random bytes inserted, files deleted) go through the
 * pure pipeline (`compileSources`, no disk). Whatever the input, meshc must answer with diagnostics:
 * never an exception, only known codes, a message, and locations inside the input files.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { CODES } from '../src/core/codes.ts';
import type { Location } from '../src/core/location.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { loadSpec } from '../src/load/load-project.ts';
import { compileSources } from '../src/pipeline.ts';

const EXAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'bookinfo');
/** 1,000 runs in CI, 200 locally; `MESHC_PROPERTY_RUNS` overrides both (for a longer hunt). */
const NUM_RUNS = Number(process.env.MESHC_PROPERTY_RUNS) || (process.env.CI ? 1000 : 200);

/** The example's spec files, read once the way meshc reads them (its globs; not its rendered output). */
const loaded = await loadSpec(EXAMPLE);
const BASE: readonly SourceFile[] = loaded.files;

// ---------------------------------------------------------------------------------------------------
// Mutations

type Mutation =
  | { kind: 'deleteKey'; file: number; doc: number; at: number }
  | { kind: 'replaceValue'; file: number; doc: number; at: number; value: unknown }
  | { kind: 'swapType'; file: number; doc: number; at: number }
  | { kind: 'duplicateKey'; file: number; at: number }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'insert'; file: number; at: number; text: string }
  | { kind: 'deleteFile'; file: number };

/** Values meshc cares about, plus any JSON. */
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    100,
    150,
    1.3,
    '',
    '10s',
    '0s',
    '10',
    'v1',
    'v9',
    '*',
    'Reviews_V2',
    'bookinfo/reviews',
    'nobody/nothing',
    'istio',
    'kuma',
    '1.30',
    'prod-*',
    '../out',
    '-----BEGIN RSA PRIVATE KEY-----',
    'Bearer abcdefghijklmnopqrstuvwxyz012345',
    [],
    {},
    { v1: 50 },
    [{ to: { v1: 50 } }],
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Fragments that upset YAML parsers, and raw code points. */
const bytesArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        '\t',
        ': ',
        '&a ',
        '*a',
        '&a',
        '*a\n',
        '{',
        '}',
        '[',
        ']',
        '- ',
        '\n',
        '  ',
        '#',
        '"',
        "'",
        '|',
        '>',
        '!!str ',
        '!custom ',
        '%YAML 1.1\n',
        '? ',
        ',',
        '---\n',
        '...\n',
        '<<: *a\n',
        '\r',
        '\r\n',
        '\u0000',
        '\uFEFF',
        '\u2028',
        '😀',
        'x',
        '9080',
        'null',
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((a) => a.join('')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('deleteKey' as const), file: fc.nat(), doc: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replaceValue' as const),
    file: fc.nat(),
    doc: fc.nat(),
    at: fc.nat(),
    value: valueArb,
  }),
  fc.record({ kind: fc.constant('swapType' as const), file: fc.nat(), doc: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateKey' as const), file: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), file: fc.nat(), at: fc.nat(), text: bytesArb }),
  fc.record({ kind: fc.constant('deleteFile' as const), file: fc.nat() }),
);

type DataPath = (string | number)[];

/** Every path to a node below the root of a plain JS value. */
function nodePaths(v: unknown, prefix: DataPath = [], out: DataPath[] = []): DataPath[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...prefix, i]), nodePaths(x, [...prefix, i], out)));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k]);
      nodePaths(x, [...prefix, k], out);
    }
  return out;
}

function otherType(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v.length;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 0;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [`k${i}`, x]));
  return Object.values(v as object);
}

/** Applies `change` to one document of a YAML file through the yaml Document API; unparsable files are kept. */
function editDocument(
  text: string,
  docIndex: number,
  change: (doc: Document.Parsed, paths: DataPath[]) => void,
): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length === 0) return text;
  // Only files that parse cleanly are edited structurally (yaml cannot stringify a document with errors);
  // the text mutations take care of broken files.
  if (docs.some((d) => d.errors.length > 0)) return text;
  const doc = docs[docIndex % docs.length]!;
  if (!(isMap(doc.contents) || isSeq(doc.contents))) return text;
  let js: unknown;
  try {
    js = doc.toJS();
  } catch {
    return text;
  }
  const paths = nodePaths(js);
  if (paths.length === 0) return text;
  change(doc, paths);
  return docs
    .map((d, i) => (i > 0 && !String(d).startsWith('---') ? `---\n${String(d)}` : String(d)))
    .join('');
}

function applyMutation(files: SourceFile[], m: Mutation): SourceFile[] {
  if (files.length === 0) return files;
  const i = m.file % files.length;
  const f = files[i]!;
  const replace = (text: string) => files.map((x, j) => (j === i ? { path: x.path, text } : x));
  switch (m.kind) {
    case 'deleteFile':
      return files.filter((_, j) => j !== i);
    case 'truncate':
      return replace(f.text.slice(0, m.at % (f.text.length + 1)));
    case 'insert': {
      const at = m.at % (f.text.length + 1);
      return replace(f.text.slice(0, at) + m.text + f.text.slice(at));
    }
    case 'duplicateKey': {
      const lines = f.text.split('\n');
      const keyLines = lines.map((l, n) => (/^\s*(- )?[\w.-]+:/.test(l) ? n : -1)).filter((n) => n >= 0);
      if (keyLines.length === 0) return files;
      const n = keyLines[m.at % keyLines.length]!;
      const dup = lines[n]!.replace(/^(\s*)- /, '$1  ');
      return replace([...lines.slice(0, n + 1), dup, ...lines.slice(n + 1)].join('\n'));
    }
    case 'deleteKey':
      return replace(editDocument(f.text, m.doc, (doc, paths) => doc.deleteIn(paths[m.at % paths.length]!)));
    case 'replaceValue':
      return replace(
        editDocument(f.text, m.doc, (doc, paths) =>
          doc.setIn(paths[m.at % paths.length]!, doc.createNode(m.value)),
        ),
      );
    case 'swapType':
      return replace(
        editDocument(f.text, m.doc, (doc, paths) => {
          const p = paths[m.at % paths.length]!;
          const current = (doc.toJS() as unknown) ?? null;
          const value = p.reduce<unknown>(
            (v, k) => (v as Record<string | number, unknown> | undefined)?.[k],
            current,
          );
          doc.setIn(p, doc.createNode(otherType(value ?? null)));
        }),
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// The invariant

function inside(text: string, line: number, col: number): boolean {
  const lines = text.split('\n');
  if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || line > lines.length || col < 1)
    return false;
  return col <= lines[line - 1]!.length + 1;
}

function checkLocation(loc: Location, files: readonly SourceFile[], what: string): void {
  const f = files.find((x) => x.path === loc.file);
  if (!f)
    throw new Error(
      `${what}: location file ${loc.file} is not an input (${files.map((x) => x.path).join(', ')})`,
    );
  if (!inside(f.text, loc.line, loc.col))
    throw new Error(`${what}: ${loc.file}:${loc.line}:${loc.col} lies outside the file`);
  if (!inside(f.text, loc.endLine, loc.endCol))
    throw new Error(`${what}: end ${loc.file}:${loc.endLine}:${loc.endCol} lies outside the file`);
}

/** Codes seen across the runs: the mutations must reach many stages, not only the YAML parser. */
const seenCodes = new Set<string>();

function checkCompile(files: readonly SourceFile[]): void {
  const result = compileSources(files); // must not throw
  for (const d of result.diagnostics) {
    seenCodes.add(d.code);
    const what = `${d.code} "${d.message}"`;
    if (!Object.prototype.hasOwnProperty.call(CODES, d.code)) throw new Error(`unknown code ${d.code}`);
    if (d.severity !== 'error' && d.severity !== 'warning')
      throw new Error(`${what}: severity ${String(d.severity)}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') throw new Error(`${d.code}: empty message`);
    if (d.location) checkLocation(d.location, files, what);
    for (const r of d.related ?? []) checkLocation(r.location, files, `${what} (related "${r.message}")`);
  }
}

/**
 * Whether a run keeps the policy files. Compiling the policies' JSON Schemas is most of the cost of a
 * compile (a new ajv instance per call), so a third of the runs keep them: every run stays cheap enough
 * for 1,000 runs in CI, and policy documents are still mutated and compiled hundreds of times.
 */
const withPoliciesArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(true) },
  { weight: 2, arbitrary: fc.constant(false) },
);

describe('properties: meshc never crashes', () => {
  it('reads the bookinfo example', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(BASE.map((f) => f.path)).toContain('meshc.yaml');
    expect(BASE.length).toBeGreaterThan(3);
  });

  it('the mutations change the input (the generator is not a no-op)', () => {
    const changed = fc
      .sample(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), { numRuns: 200, seed: 42 })
      .filter((ms) => {
        const out = ms.reduce<SourceFile[]>(applyMutation, [...BASE]);
        return out.length !== BASE.length || out.some((f, i) => f.text !== BASE[i]!.text);
      });
    expect(changed.length).toBeGreaterThan(150);
  });

  it(
    `compileSources answers any mutation of bookinfo with well-formed diagnostics (${NUM_RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(
          withPoliciesArb,
          fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
          (withPolicies, mutations) => {
            const start = withPolicies ? [...BASE] : BASE.filter((f) => !f.path.startsWith('policies/'));
            const files = mutations.reduce<SourceFile[]>(applyMutation, start);
            checkCompile(files);
          },
        ),
        { numRuns: NUM_RUNS },
      );
      expect(seenCodes.size, `codes reached: ${[...seenCodes].sort().join(', ')}`).toBeGreaterThanOrEqual(12);
    },
    Math.max(180_000, NUM_RUNS * 200),
  );
});
