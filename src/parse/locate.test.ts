/**
 * Lazy locations: a diagnostic in a document the fast parser read is located (by js-yaml's positions, or
 * where those decline by the position-keeping parse of its document) only when a position is read, and sorting diagnostics reads positions only where the
 * order does not follow from the documents and keys; where it does, that order is the offset order.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { sortDiagnostics } from '../core/diagnostic.ts';
import type { DataPath, Location } from '../core/location.ts';
import { compareLocations, isPending } from '../core/location.ts';
import { dedent, compileInline } from '../../test/helpers/spec-tree.ts';
import { locate, locateWithYaml } from './locate.ts';
import { parseFile } from './parse.ts';
import type * as YamlModule from 'yaml';

// Counts the position-keeping parses (yaml's parseAllDocuments, which parse.ts reaches through yaml-lib.ts:
// the fast path uses js-yaml).
const fullParses = vi.hoisted(() => ({ count: 0 }));
const calls = vi.hoisted((): string[] => []);
vi.mock('./yaml-lib.ts', async (original) => {
  const yaml = await original<typeof YamlModule>();
  return {
    ...yaml,
    parseAllDocuments: (...args: Parameters<typeof yaml.parseAllDocuments>) => {
      fullParses.count++;
      calls.push(args[0]);
      return yaml.parseAllDocuments(...args);
    },
  };
});
beforeEach(() => {
  fullParses.count = 0;
});

const service = (name: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ${name}, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
    routes:
      - to: { v1: 90, v2: 10 }
        timeout: 5s
        retries: { attempts: 2, perTryTimeout: 1s, on: [5xx] }
`;

const LINKERD_ENV = (name: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: ${name} }
  spec:
    cluster: ${name}-1
    mesh: { type: linkerd, version: "2.18", mtls: strict }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

describe('lazy locations', () => {
  it('a compile with approximate features runs no position-keeping parse until a location is read', () => {
    const r = compileInline({
      // Several documents in one file, and several files: the sort compares both kinds of neighbours.
      'shop/a.yaml': ['cart', 'cart-2', 'cart-3'].map(service).join('---\n'),
      'shop/b.yaml': service('pay'),
      'envs/prod.yaml': LINKERD_ENV('prod'),
      'envs/stage.yaml': LINKERD_ENV('stage'),
    });
    const warnings = r.diagnostics.filter((d) => d.code === 'MESH_APPROXIMATE_FEATURE');
    expect(warnings.length).toBeGreaterThan(1);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // Compiled and sorted: not one position computed.
    expect(fullParses.count).toBe(0);
    const locations = r.diagnostics.flatMap((d) => [
      d.location!,
      ...(d.related ?? []).map((x) => x.location),
    ]);
    expect(locations.every(isPending)).toBe(true);
    // Reading them runs none either: js-yaml's positions locate them (fast-locate.ts); the `yaml` package's
    // parse, of one document, is only the fallback where that declines (see 'parses only that document').
    const first = warnings[0]!.location!;
    expect(first.file).toBe('shop/a.yaml');
    expect(`${first.line}:${first.col}`).toBe('10:7');
    for (const l of locations) void l.offset;
    expect(fullParses.count).toBe(0);
    // The order the sort chose without positions is the order of the positions.
    const keys = (ds: readonly Diagnostic[]) =>
      ds.map((d) => `${d.location?.file}:${d.location?.offset}:${d.code}:${d.message}`);
    const eager = r.diagnostics.map((d) => (d.location ? { ...d, location: { ...d.location } } : d));
    expect(keys(r.diagnostics)).toEqual(keys(sortDiagnostics(eager)));
  });

  it('is a Location like any other: same fields, same order, for spread, JSON and deep equality', () => {
    const [pd] = parseFile({ path: 'a.yaml', text: 'a: 1\nb: { c: [x, y] }\n' }, []).docs;
    const lazy = locate(pd!, ['b', 'c', 1]);
    const eager = { file: 'a.yaml', line: 2, col: 13, endLine: 2, endCol: 14, offset: 17, endOffset: 18 };
    expect(isPending(lazy)).toBe(true);
    expect(Object.keys(lazy)).toEqual(Object.keys(eager));
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(eager));
    expect(isPending(lazy)).toBe(false);
    expect(lazy).toEqual(eager);
    expect({ ...lazy }).toStrictEqual(eager);
    expect(structuredClone(lazy)).toStrictEqual(eager);
  });

  it('keeps its own copy of the path (a caller may reuse its array)', () => {
    const [pd] = parseFile({ path: 'a.yaml', text: 'a: 1\nb: 2\n' }, []).docs;
    const path: (string | number)[] = ['b'];
    const lazy = locate(pd!, path);
    path[0] = 'a';
    expect(lazy.line).toBe(2);
  });

  it('is computed at once in a document the full parser read (its positions are there already)', () => {
    const [pd] = parseFile({ path: 'a.yaml', text: 'a: &x 1\nb: *x\n' }, []).docs;
    expect(fullParses.count).toBe(1);
    expect(isPending(locate(pd!, ['b']))).toBe(false);
  });
});

/**
 * Random documents, written out by hand so that the source order of keys is any order (a dump of a
 * JavaScript object would write integer-like keys first, the order JavaScript keeps them in): block and
 * flow collections, empty values, numbers and integer-like keys, quoted keys. Keys are strings: quoted
 * where YAML 1.2 would read them as numbers or booleans (the parse refuses those), and not the text of a
 * scalar value below (`1`, `true`, `null`), which would send the file to the full parser.
 */
type Node = { map: [string, Node][] } | { seq: Node[] } | { scalar: string };
const KEYS = [
  'a',
  'b',
  'name',
  'x-y',
  'k.v',
  '"10"',
  "'20'",
  '"3"',
  '-k',
  '"0x1"',
  "'yes'",
  '"True"',
  '"q"',
  '" s"',
  '__proto__',
];
const SCALARS = ['', '~', 'null', 'v', '1', '2.5', 'true', '""', "'x y'"];
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SCALARS).map((scalar) => ({ scalar })),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('node')), { selector: (e) => e[0], maxLength: 5 })
      .map((map) => ({ map })),
    fc.array(tie('node'), { maxLength: 4 }).map((seq) => ({ seq })),
  ),
})).node;

function flow(n: Node): string {
  if ('scalar' in n) return n.scalar === '' ? '""' : n.scalar;
  if ('seq' in n) return `[${n.seq.map(flow).join(', ')}]`;
  return `{ ${n.map.map(([k, v]) => `${k}: ${flow(v)}`).join(', ')} }`;
}

/** Block style down to `depth`, flow below; entries of a sequence in flow style. */
function block(n: Node, indent: number, depth: number): string {
  const pad = ' '.repeat(indent);
  if (!('map' in n) || n.map.length === 0 || depth <= 0) return `${pad}${flow(n)}\n`;
  return n.map
    .map(([k, v]) => {
      if ('scalar' in v) return `${pad}${k}:${v.scalar === '' ? '' : ` ${v.scalar}`}\n`;
      if ('seq' in v && v.seq.length > 0 && depth > 1)
        return `${pad}${k}:\n${v.seq.map((x) => `${pad}  - ${flow(x)}\n`).join('')}`;
      if ('map' in v && v.map.length > 0 && depth > 1)
        return `${pad}${k}:\n${block(v, indent + 2, depth - 1)}`;
      return `${pad}${k}: ${flow(v)}\n`;
    })
    .join('');
}
const doc = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), node), {
    selector: (e) => e[0],
    minLength: 1,
    maxLength: 5,
  })
  .map((map): Node => ({ map }));

/** A path into `v`: existing steps, then maybe one that does not exist. */
function pathIn(v: unknown, choices: readonly number[]): DataPath {
  const out: (string | number)[] = [];
  let cur = v;
  for (const c of choices) {
    if (Array.isArray(cur) && cur.length > 0 && c % 5 !== 0) {
      out.push(c % cur.length);
      cur = cur[c % cur.length];
    } else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && c % 5 !== 0) {
      const keys = Object.keys(cur);
      if (keys.length === 0) break;
      const k = keys[c % keys.length]!;
      out.push(k);
      cur = (cur as Record<string, unknown>)[k];
    } else {
      if (c % 2 === 0) out.push(c % 3 === 0 ? 'missing' : 7);
      break;
    }
  }
  return out;
}

describe('ordering lazy locations without their positions', () => {
  it('agrees with the order of the offsets wherever it decides (and decides often)', () => {
    let decided = 0;
    let total = 0;
    fc.assert(
      fc.property(
        fc.array(doc, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(0, 1, 2, 4),
        fc.array(
          fc.record({
            doc: fc.nat(),
            choices: fc.array(fc.nat({ max: 30 }), { maxLength: 5 }),
            mode: fc.constantFrom('value' as const, 'key' as const),
          }),
          { minLength: 2, maxLength: 8 },
        ),
        (docs, depth, picks) => {
          const text = docs.map((d) => block(d, 0, depth)).join('---\n');
          const diagnostics: Diagnostic[] = [];
          const parsed = parseFile({ path: 'f.yaml', text }, diagnostics);
          fc.pre(diagnostics.length === 0 && parsed.docs.length === docs.length);
          const at = picks.map((p) => {
            const pd = parsed.docs[p.doc % parsed.docs.length]!;
            return { pd, path: pathIn(pd.value, p.choices), mode: p.mode };
          });
          const fresh = (i: number): Location => locate(at[i]!.pd, at[i]!.path, at[i]!.mode);
          const offsets = at.map((_, i) => fresh(i).offset);
          for (let i = 0; i < at.length; i++)
            for (let j = 0; j < at.length; j++) {
              const a = fresh(i);
              const b = fresh(j);
              const order = Math.sign(compareLocations(a, b));
              total++;
              if (isPending(a) && isPending(b)) decided++;
              expect(order).toBe(Math.sign(offsets[i]! - offsets[j]!));
            }
        },
      ),
      { numRuns: 300 },
    );
    // Most comparisons were decided without computing a position.
    expect(decided / total).toBeGreaterThan(0.3);
  });
});

describe('positions of one document', () => {
  // A stream of documents as people write them: markers with and without comments, a first document with
  // or without `---`, comments between documents, `...` ends, empty documents.
  const separator = fc.constantFrom(
    '---\n',
    '--- # next\n',
    '\n---\n',
    '...\n---\n',
    '# between\n---\n',
    '---\n---\n',
  );
  const opening = fc.constantFrom('', '---\n', '# head\n', '# head\n---\n', '%YAML 1.2\n---\n');
  const stream = fc.tuple(opening, fc.array(fc.tuple(doc, separator), { minLength: 1, maxLength: 4 }));

  it('are the positions a parse of the whole file gives', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(20), { maxLength: 6 }), ([head, docs], choices) => {
        const text = head + docs.map(([d, sep], i) => (i > 0 ? sep : '') + block(d, 0, 3)).join('');
        const one = parseFile({ path: 'a.yaml', text }, []).docs;
        // An anchor sends the file to the full parser: every position from the parse of the whole file.
        const whole = parseFile({ path: 'a.yaml', text: `${text}--- &z x\n` }, []).docs;
        expect(whole.length).toBe(one.length + 1);
        fullParses.count = 0;
        one.forEach((pd, i) => {
          const path = pathIn(pd.value, choices);
          for (const mode of ['value', 'key'] as const)
            expect({ ...locate(pd, path, mode) }).toEqual({ ...locate(whole[i]!, path, mode) });
        });
        // Each document alone, plus at most one parse of the whole file (where yaml reads a value otherwise
        // than js-yaml, a `null` key for one, the document's parse is not trusted).
        expect(fullParses.count).toBeLessThanOrEqual(one.length + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('parses only that document (the fallback where the fast locator declines)', () => {
    const text = ['cart', 'cart-2', 'cart-3'].map(service).join('---\n');
    const docs = parseFile({ path: 'a.yaml', text }, []).docs;
    const at = locateWithYaml(docs[2]!, ['spec', 'routes', 0, 'timeout'], 'value');
    expect(`${at.line}:${at.col}`).toBe('31:16');
    expect(fullParses.count).toBe(1);
    // The parse saw the third document alone: nothing before it but blanks.
    const seen = (calls.at(-1) ?? '').split('\n');
    const marker = seen.indexOf('---');
    expect(marker).toBeGreaterThan(10);
    expect(seen.slice(0, marker).every((l) => l.trim() === '')).toBe(true);
    expect(seen.slice(marker + 1).join('\n')).toBe(
      `${service('cart-3')}`.trimEnd() + (seen.at(-1) === '' ? '\n' : ''),
    );
  });
});
