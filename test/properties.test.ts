/**
 * "meshc never crashes": random mutations of the bookinfo example (keys deleted, values replaced or of
 * another type, keys duplicated, files truncated, random bytes inserted, files deleted, hostile YAML
 * spliced in) go through the pure pipeline (`compile`, parse → render, no disk). Whatever the input, meshc must
 * answer with diagnostics: never an exception, never a stack trace, only known codes, a message, and
 * locations inside the input files.
 *
 * The hostile-YAML property adds the input classes that once crashed or hung meshc: CR-only line
 * ends, deep nesting, alias graphs, scalar documents, long runs of one character. It runs the parse
 * stage on every input (cheap) and the whole pipeline on one in ten, and bounds the work of each input
 * by counting it (characters scanned, nodes visited, nodes added by aliases, as the parser reports them,
 * and the size of the data handed to the later stages), never by timing it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../src/parse/source.ts';
import { PARSE_LIMITS, parseFiles } from '../src/parse/parse.ts';
import { loadSpec } from '../src/load/load-project.ts';
import { compile } from '../src/pipeline.ts';
import {
  checkDiagnostics,
  editDocument,
  otherType,
  yamlFragmentsArb,
} from './helpers/property-invariants.ts';

const EXAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'bookinfo');
/** 1,000 runs in CI, 200 locally; `MESHC_PROPERTY_RUNS` overrides both (for a longer hunt). */
const NUM_RUNS = Number(process.env.MESHC_PROPERTY_RUNS) || (process.env.CI ? 1000 : 200);
/** The hostile-YAML property: 10,000 runs in CI, 1,000 locally; `MESHC_HOSTILE_RUNS` overrides both. */
const HOSTILE_RUNS = Number(process.env.MESHC_HOSTILE_RUNS) || (process.env.CI ? 10_000 : 1000);
/**
 * Opt-in trace for long local rounds: the input of the mutation property is written to this file before
 * each compile, so that a run that dies (one 20,000-run round once ran out of heap) leaves its input behind.
 */
const TRACE_FILE = process.env.MESHC_PROPERTY_TRACE;

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
  | { kind: 'hostile'; file: number; at: number; text: string }
  | { kind: 'crLineEnds'; file: number }
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
const bytesArb: fc.Arbitrary<string> = yamlFragmentsArb([
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
]);

// ---------------------------------------------------------------------------------------------------
// Hostile YAML: the input classes that crashed or hung meshc before

const letter = (i: number) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(i) : '');

/** Nesting of every kind, from harmless to far past the limits (the scan stops at the limit: cheap). */
const deepNestingArb: fc.Arbitrary<string> = fc
  .record({
    style: fc.constantFrom('block-map', 'block-seq', 'compact-seq', 'flow-seq', 'flow-map', 'mixed'),
    // Block styles grow quadratically with depth (each level indents further): capped at 200 levels
    // (40 KB), past the scan's limit; flow and compact styles go to 3,000.
    depth: fc.oneof(
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: 80, max: 400 }),
      fc.integer({ min: 400, max: 3000 }),
    ),
    closed: fc.boolean(),
  })
  .map(({ style, depth: wanted, closed }) => {
    const depth = style.startsWith('block') || style === 'mixed' ? Math.min(wanted, 200) : wanted;
    switch (style) {
      case 'block-map':
        return Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';
      case 'block-seq':
        return Array.from({ length: depth }, (_, i) => `${' '.repeat(2 * i)}-`).join('\n') + ' x\n';
      case 'compact-seq':
        return `${'- '.repeat(depth)}x\n`;
      case 'flow-seq':
        return `k: ${'['.repeat(depth)}x${closed ? ']'.repeat(depth) : ''}\n`;
      case 'flow-map':
        return `k: ${'{a: '.repeat(depth)}x${closed ? '}'.repeat(depth) : ''}\n`;
      default:
        return (
          Array.from({ length: depth }, (_, i) => `${' '.repeat(2 * i)}${i % 2 ? '- ' : ''}k${i}:`).join(
            '\n',
          ) + ` [{a: [x]}]\n`
        );
    }
  });

/** Anchors whose nodes alias earlier anchors (a DAG: the billion laughs and its milder relatives), in block, flow and JSON style, sometimes with an alias to its own anchor. */
const aliasGraphArb: fc.Arbitrary<string> = fc
  .record({
    style: fc.constantFrom('block', 'flow', 'json'),
    leaf: fc.integer({ min: 1, max: 200 }),
    edges: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
    selfRef: fc.boolean(),
  })
  .map(({ style, leaf, edges, selfRef }) => {
    const items = (i: number) => {
      const refs = i === 0 ? Array(leaf).fill('"x"') : edges[i - 1]!.map((e) => `*${letter(e % i)}`);
      if (selfRef && i === edges.length) refs.push(`*${letter(i)}`);
      return refs;
    };
    const n = edges.length + 1;
    if (style === 'json')
      return `{${Array.from({ length: n }, (_, i) => `"${letter(i)}":&${letter(i)} [${items(i).join(',')}]`).join(',')}}\n`;
    if (style === 'flow')
      return (
        Array.from({ length: n }, (_, i) => `${letter(i)}: &${letter(i)} [${items(i).join(', ')}]`).join(
          '\n',
        ) + '\n'
      );
    return (
      Array.from(
        { length: n },
        (_, i) =>
          `${letter(i)}: &${letter(i)}\n${items(i)
            .map((r) => `  - ${r}`)
            .join('\n')}`,
      ).join('\n') + '\n'
    );
  });

/** Documents that are bare scalars, nulls or tags before (and between) real documents. */
const scalarDocsArb: fc.Arbitrary<string[]> = fc.array(
  fc.constantFrom(
    'null',
    '~',
    'hello',
    '""',
    "''",
    '!!str',
    '!!null',
    '42',
    '--- x',
    '...',
    '|\n  text',
    '# only a comment',
  ),
  { minLength: 1, maxLength: 4 },
);

/** One character, many times: the shape that makes a backtracking pattern quadratic. */
const longRunArb: fc.Arbitrary<string> = fc
  .record({
    ch: fc.constantFrom(
      '\n',
      '\r',
      '\r\n',
      ' ',
      '\t',
      '#',
      '-',
      ':',
      '[',
      '{',
      ']',
      '"',
      "'",
      '\\',
      '&',
      '*',
      '?',
      '<',
      '!',
      '|',
      '>',
      ',',
      '\u00a0',
      '\uFEFF',
      '- ',
      ': ',
      '? ',
      '&a ',
      'x',
    ),
    n: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 2000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 2000, max: 30_000 }) },
    ),
  })
  .map(({ ch, n }) => ch.repeat(n));

/** Turns every line break into a lone CR, or only some of them. */
function crLineEnds(text: string, all = true): string {
  return all ? text.replace(/\r?\n/g, '\r') : text.replace(/\n(?=[^\n]*\n[^\n]*$)|\n(?=\s*#)/g, '\r');
}

type Hostile =
  | { kind: 'file'; text: string }
  | { kind: 'splice'; at: number; text: string }
  | { kind: 'scalarDocs'; docs: string[]; after: boolean }
  | { kind: 'cr'; all: boolean };

const hostileArb: fc.Arbitrary<{ file: number; change: Hostile }> = fc.record({
  file: fc.nat(),
  change: fc.oneof(
    deepNestingArb.map((text): Hostile => ({ kind: 'file', text })),
    aliasGraphArb.map((text): Hostile => ({ kind: 'file', text })),
    fc
      .record({ at: fc.nat(), text: fc.oneof(deepNestingArb, aliasGraphArb, longRunArb) })
      .map(({ at, text }): Hostile => ({ kind: 'splice', at, text })),
    fc
      .record({ docs: scalarDocsArb, after: fc.boolean() })
      .map(({ docs, after }): Hostile => ({ kind: 'scalarDocs', docs, after })),
    fc.boolean().map((all): Hostile => ({ kind: 'cr', all })),
  ),
});

function applyHostile(files: readonly SourceFile[], h: { file: number; change: Hostile }): SourceFile[] {
  const i = h.file % files.length;
  const f = files[i]!;
  const c = h.change;
  let text: string;
  switch (c.kind) {
    case 'file':
      text = c.text;
      break;
    case 'splice': {
      // At a line start (where YAML structure begins) or anywhere.
      const at = c.at % (f.text.length + 1);
      text = f.text.slice(0, at) + c.text + f.text.slice(at);
      break;
    }
    case 'scalarDocs': {
      const docs = c.docs.join('\n---\n');
      text = c.after ? `${f.text}\n---\n${docs}\n` : `${docs}\n---\n${f.text}`;
      break;
    }
    case 'cr':
      text = crLineEnds(f.text, c.all);
      break;
  }
  return files.map((x, j) => (j === i ? { path: x.path, text } : x));
}

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
  fc.record({
    kind: fc.constant('hostile' as const),
    file: fc.nat(),
    at: fc.nat(),
    text: fc.oneof(deepNestingArb, aliasGraphArb, longRunArb),
  }),
  fc.record({ kind: fc.constant('crLineEnds' as const), file: fc.nat() }),
  fc.record({ kind: fc.constant('deleteFile' as const), file: fc.nat() }),
);

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
    case 'insert':
    case 'hostile': {
      const at = m.at % (f.text.length + 1);
      return replace(f.text.slice(0, at) + m.text + f.text.slice(at));
    }
    case 'crLineEnds':
      return replace(crLineEnds(f.text));
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
        editDocument(f.text, m.doc, (doc, paths, js) => {
          const p = paths[m.at % paths.length]!;
          const value = p.reduce<unknown>(
            (v, k) => (v as Record<string | number, unknown> | undefined)?.[k],
            js ?? null,
          );
          doc.setIn(p, doc.createNode(otherType(value ?? null)));
        }),
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// The invariant

/** Codes seen across the runs: the mutations must reach many stages, not only the YAML parser. */
const seenCodes = new Set<string>();

/** A stack frame ("    at f (file.ts:1:2)") in a message: an exception leaked into a diagnostic. */

function checkCompile(files: readonly SourceFile[]): void {
  const result = compile(files); // must not throw, in any stage up to the rendered files
  checkDiagnostics(result.allDiagnostics, files, seenCodes);
}

/** Nodes of the parsed data (what the later stages walk), stopping at `cap`. */
function dataNodes(v: unknown, cap: number, count = { n: 0 }): number {
  if (count.n > cap) return count.n;
  count.n++;
  if (v !== null && typeof v === 'object')
    for (const x of Array.isArray(v) ? v : Object.values(v)) dataNodes(x, cap, count);
  return count.n;
}

/**
 * The parse stage on its own, with its work counted: characters scanned and nodes visited stay within a
 * small multiple of the input's size, alias expansion within its limit per document, and so does the
 * data handed to the later stages.
 */
function checkParse(files: readonly SourceFile[]): void {
  const size = files.reduce((n, f) => n + f.text.length, 0);
  const result = parseFiles(files); // must not throw
  checkDiagnostics(result.diagnostics, files, seenCodes);
  const { work } = result;
  const docs = files.reduce((n, f) => n + f.text.split(/^(?:---|\.\.\.)/m).length, 0);
  const aliasBound = 2 * PARSE_LIMITS.maxAliasNodes * docs;
  if (work.bytes > 4 * size + 64) throw new Error(`scanned ${work.bytes} characters for ${size}`);
  if (work.nodes > 6 * size + 64) throw new Error(`visited ${work.nodes} nodes for ${size} characters`);
  if (work.aliasNodes > aliasBound)
    throw new Error(`aliases added ${work.aliasNodes} nodes (bound ${aliasBound})`);
  const dataBound = 2 * size + 64 + aliasBound;
  let data = 0;
  for (const f of result.files) for (const d of f.docs) data += dataNodes(d.value, dataBound);
  for (const f of result.files) for (const v of f.partial ?? []) data += dataNodes(v, dataBound);
  if (data > dataBound)
    throw new Error(`the parsed data has more than ${dataBound} nodes for ${size} characters`);
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
    `compile answers any mutation of bookinfo with well-formed diagnostics (${NUM_RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(
          withPoliciesArb,
          fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
          (withPolicies, mutations) => {
            const start = withPolicies ? [...BASE] : BASE.filter((f) => !f.path.startsWith('policies/'));
            if (TRACE_FILE) writeFileSync(TRACE_FILE, JSON.stringify({ withPolicies, mutations }));
            const files = mutations.reduce<SourceFile[]>(applyMutation, start);
            checkCompile(files);
          },
        ),
        {
          numRuns: NUM_RUNS,
          examples: [
            // Found by this property in CI (seed 233306584): a hostile line of 1,941 `: ` inserted into a file,
            // then a structural edit of that file; the harness's own yaml parse of it overflowed the stack.
            [
              true,
              [
                { kind: 'hostile', file: 545591389, at: 0, text: ': '.repeat(1941) },
                { kind: 'deleteKey', file: 1434559637, doc: 393225858, at: 820038433 },
              ],
            ],
            // Found by this property (about one run in three of 200): a lone CR before `null` at the top
            // of meshc.yaml; the parsers disagreed on what a lone CR is, positions fell outside the file.
            [
              false,
              [
                { kind: 'insert', file: 0, at: 0, text: '\rnull' },
                { kind: 'deleteFile', file: 259514102 },
              ],
            ],
          ],
        },
      );
      expect(seenCodes.size, `codes reached: ${[...seenCodes].sort().join(', ')}`).toBeGreaterThanOrEqual(12);
    },
    Math.max(180_000, NUM_RUNS * 200),
  );

  it(
    `parses hostile YAML (CR-only lines, deep nesting, alias graphs, scalar documents, long runs) with bounded work, and compiles one in ten (${HOSTILE_RUNS} runs)`,
    () => {
      const specFiles = BASE.filter((f) => !f.path.startsWith('policies/'));
      let compiled = 0;
      fc.assert(
        fc.property(
          fc.array(hostileArb, { minLength: 1, maxLength: 3 }),
          fc.nat({ max: 9 }),
          (changes, pick) => {
            const files = changes.reduce<SourceFile[]>(applyHostile, [...specFiles]);
            // The parse stage on the changed files (the others are bookinfo's, parsed in every compile).
            checkParse(files.filter((f) => !specFiles.includes(f)));
            if (pick === 0) {
              compiled++;
              checkCompile(files);
            }
          },
        ),
        { numRuns: HOSTILE_RUNS },
      );
      expect(compiled).toBeGreaterThan(HOSTILE_RUNS / 20);
    },
    Math.max(180_000, HOSTILE_RUNS * 60),
  );
});
