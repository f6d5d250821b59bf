import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { LineIndex } from './line-index.ts';
import { locate } from './locate.ts';
import { PARSE_LIMITS, newParseWork, parseFile } from './parse.ts';

function parse(text: string) {
  const diagnostics: Diagnostic[] = [];
  const work = newParseWork();
  const file = parseFile({ path: 'f.yaml', text }, diagnostics, work);
  return {
    file,
    work,
    diagnostics,
    codes: diagnostics.map((d) => `${d.code} ${d.location!.line}:${d.location!.col}`),
  };
}

/** Where the locator puts a path of document `doc` (both parsers: `&x` in a comment forces the full one). */
function at(text: string, doc: number, path: (string | number)[]) {
  const l = locate(parse(text).file.docs[doc]!, path);
  return `${l.line}:${l.col}`;
}

describe('parseFile', () => {
  it('parses multi-document files and skips empty documents', () => {
    const { file, codes } = parse('a: 1\n---\n---\nb: [1, 2]\n---\n');
    expect(codes).toEqual([]);
    expect(file.docs.map((d) => [d.index, d.value])).toEqual([
      [0, { a: 1 }],
      [1, { b: [1, 2] }],
    ]);
  });

  it('reports duplicate keys at the second key', () => {
    expect(parse('a: 1\nb: 2\na: 3\n').codes).toEqual(['YAML_DUPLICATE_KEY 3:1']);
  });

  it('names the duplicate key and where it first appears', () => {
    const { diagnostics } = parse('spec:\n  ports:\n    - name: http\n      port: 80\n      port: 81\n');
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.message).toBe('The key "port" appears twice in this mapping (first at 4:7).');
    expect(`${d.location!.line}:${d.location!.col}`).toBe('5:7');
    expect(d.related?.map((r) => `${r.location.line}:${r.location.col}`)).toEqual(['4:7']);
  });

  it('reports tab indentation', () => {
    expect(parse('a:\n\tb: 1\n').codes[0]).toMatch(/^YAML_TAB_INDENT 2:/);
  });

  it('reports syntax errors with a position, keeping the other documents', () => {
    const { file, codes } = parse('ok: 1\n---\nbad: { a: 1\n');
    expect(codes[0]).toMatch(/^YAML_SYNTAX /);
    expect(file.docs.map((d) => d.value)).toEqual([{ ok: 1 }]);
  });

  it('stops an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    expect(parse(bomb.join('\n') + '\n').codes).toEqual(['YAML_ALIAS_LIMIT 4:8']);
  });

  it('parses CR-only line breaks, and positions by them (with and without comments)', () => {
    for (const text of ['a: 1\rb:\r  c: 2\r', '# head\ra: 1\r# mid\rb:\r  c: 2\r']) {
      const { file, codes } = parse(text);
      expect(codes).toEqual([]);
      expect(file.docs.map((d) => d.value)).toEqual([{ a: 1, b: { c: 2 } }]);
      const offset = text.startsWith('#') ? 2 : 0;
      expect(at(text, 0, ['b', 'c'])).toBe(`${3 + offset}:6`);
      expect(at(text + '# &x\r', 0, ['b', 'c'])).toBe(`${3 + offset}:6`);
    }
    // Errors too: the duplicate key sits on line 3 of a CR-only file, not at 1:1.
    expect(parse('# c\ra: 1\ra: 2\r').codes).toEqual(['YAML_DUPLICATE_KEY 3:1']);
    // A lone CR among LF and CRLF breaks (the property test's failure: "\rnull" inserted at the top of a
    // file): the plain scalar `null# x` on line 2 and the mapping on line 3 cannot share a document.
    expect(parse('\rnull# x\r\na: 1\n').codes).toEqual(['YAML_SYNTAX 3:1']);
  });

  it('counts lone CRs as line breaks in the line index (code frames)', () => {
    const lines = new LineIndex('a\rb\r\nc\nd');
    expect([1, 2, 3, 4].map((n) => lines.lineText(n))).toEqual(['a', 'b', 'c', 'd']);
    expect(lines.linePos(7)).toEqual({ line: 4, col: 1 });
    // A span ending between the CR and the LF of a CRLF ends on its line, not one column past it.
    const l = lines.location('f', 2, 4);
    expect([l.line, l.col, l.endLine, l.endCol]).toEqual([2, 1, 2, 2]);
  });

  it('keeps the position of an over-indented blank CRLF line inside that line (found by the property test)', () => {
    const { diagnostics } = parse('spec:\n  access:\n   \r\n - from: [x]\n      methods: [GET]\n');
    const d = diagnostics[0]!.location!;
    expect([d.line, d.col, d.endLine, d.endCol]).toEqual([3, 4, 3, 4]);
  });

  it('keeps documents after a bare null or scalar document in place', () => {
    const text = 'null\n---\nhello\n---\n~\n---\nkind: Service\nspec:\n  port: 80\n';
    for (const t of [text, `${text}# &x\n`]) {
      const { file } = parse(t);
      expect(file.docs.map((d) => d.value)).toEqual(['hello', { kind: 'Service', spec: { port: 80 } }]);
      expect(at(t, 0, [])).toBe('3:1');
      expect(at(t, 1, ['spec', 'port'])).toBe('9:9');
    }
    // A document that one parser reads as null and the other as "" (a bare tag) must not shift either.
    const tagged = '!!str\n---\nkind: Service\nspec: {port: 80}\n';
    const docs = parse(tagged).file.docs;
    expect(at(tagged, docs.length - 1, ['spec', 'port'])).toBe('4:14');
  });

  it('stops a JSON-style alias bomb (anchors right after the colon) before expanding it', () => {
    const bomb = ['{"a":&a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const [a, b] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      bomb.push(`,"${b}":&${b} [${Array(10).fill(`*${a}`).join(',')}]`);
    }
    const { codes, work } = parse(bomb.join('') + '}\n');
    expect(codes).toEqual(['YAML_ALIAS_LIMIT 1:122']);
    expect(work.aliasNodes).toBeLessThanOrEqual(PARSE_LIMITS.maxAliasNodes);
  });

  it('bounds alias-heavy values by the nodes they expand to', () => {
    const big = `a: &a [${Array(2000).fill('1').join(', ')}]\nb: [*a, *a, *a, *a, *a, *a]\n`;
    expect(parse(big).codes).toEqual(['YAML_ALIAS_LIMIT 2:21']); // the 5th *a passes 10,000 nodes
    // A few small aliases are fine.
    expect(parse('a: &a {x: 1}\nb: *a\nc: *a\n').file.docs[0]!.value).toEqual({
      a: { x: 1 },
      b: { x: 1 },
      c: { x: 1 },
    });
  });

  it('refuses an alias to its own anchor (an infinite value)', () => {
    expect(parse('a: &a\n  b: *a\n').codes).toEqual(['YAML_ALIAS_CYCLE 2:6']);
    expect(parse('a: &a [1, *a]\n').codes).toEqual(['YAML_ALIAS_CYCLE 1:11']);
  });

  it('refuses deep block nesting from a text scan, before any parser runs', () => {
    let block = '';
    for (let i = 0; i < 3000; i++) block += `${' '.repeat(i)}a:\n`;
    const r = parse(block);
    expect(r.codes).toEqual(['YAML_DEPTH_LIMIT 129:129']);
    // Only the scan ran: it stopped at the limit, and no node was built or visited.
    expect(r.work.nodes).toBe(0);
    expect(r.work.bytes).toBeLessThan(block.length / 10);
    expect(parse(`${'- '.repeat(50_000)}x\n`).codes).toEqual(['YAML_DEPTH_LIMIT 1:255']);
    expect(parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}\n`).codes).toEqual(['YAML_DEPTH_LIMIT 1:255']);
  });

  it('refuses nested explicit keys (`? ? ? ...`) from the text scan (they hung the parser; found by the property test)', () => {
    const r = parse(`a:\n  b: ${'? '.repeat(1149)}x\n`);
    expect(r.codes).toEqual(['YAML_DEPTH_LIMIT 2:258']);
    expect(r.work.nodes).toBe(0);
    // Within the limit they reach the parser, which refuses collection keys without converting them.
    expect(parse(`a:\n  b: ${'? '.repeat(60)}x\n`).codes).toEqual(['YAML_SYNTAX 3:1']);
    expect(parse(`${'? '.repeat(40)}x\n: y\nbad: [\n`).codes).toHaveLength(1);
    // Dashes in plain text are text: a long line of ` - ` separators is not nesting.
    expect(parse(`kind: Service\ndescription: ${'a - '.repeat(500)}z\n`).codes).toEqual([]);
  });

  it('reports indentation with a non-breaking space at that character', () => {
    const { diagnostics } = parse('kind: Service\nmetadata:\n\u00a0\u00a0name: x\n');
    expect(diagnostics.map((d) => `${d.code} ${d.location!.line}:${d.location!.col}`)).toEqual([
      'YAML_NONASCII_INDENT 3:1',
    ]);
    expect(diagnostics[0]!.message).toContain('U+00A0');
    // In a quoted or block scalar, or after the indentation, it is text.
    expect(parse('a: "x\n\u00a0y"\nb: |\n  \u00a0z\nc: d\u00a0e\n').codes).toEqual([]);
  });

  it('scans long runs of one character with linear work', () => {
    for (const ch of ['\n', '\r', ' ', '#', '-', ':', '[', '"', "'", '\\', '?', '&', '*']) {
      for (const n of [10_000, 100_000]) {
        const text = `a: 1\n${ch.repeat(n)}b\n`;
        const { work } = parse(text);
        // The scan, at most one fast and one full parse, and the checks: a small multiple of the length.
        expect(work.bytes, `${JSON.stringify(ch)} x ${n}`).toBeLessThanOrEqual(4 * text.length);
        expect(work.nodes).toBeLessThanOrEqual(2 * text.length + 16);
      }
    }
  });

  it('limits nesting depth', () => {
    const deep = `${'['.repeat(70)}1${']'.repeat(70)}\n`;
    expect(parse(deep).codes[0]).toMatch(/^YAML_DEPTH_LIMIT 1:65/);
  });

  it('refuses custom tags and complex keys', () => {
    expect(parse('a: !vault secret\n').codes[0]).toMatch(/^YAML_UNSUPPORTED 1:/);
    expect(parse('? [a, b]\n: 1\n').codes[0]).toMatch(/^YAML_UNSUPPORTED 1:/);
  });
});

describe('locate', () => {
  const { file } = parse('spec:\n  routes:\n    - to: v1\n      timeout: 10s\n  ports: []\n  empty:\n');
  const doc = file.docs[0]!;
  const at = (path: (string | number)[], mode?: 'key' | 'value') => {
    const l = locate(doc, path, mode);
    return `${l.line}:${l.col}-${l.endLine}:${l.endCol}`;
  };
  it('finds values, keys, sequence items and the deepest existing ancestor', () => {
    expect(at(['spec', 'routes', 0, 'timeout'])).toBe('4:16-4:19');
    expect(at(['spec', 'routes', 0, 'timeout'], 'key')).toBe('4:7-4:14');
    expect(at(['spec', 'routes', '0', 'to'])).toBe('3:11-3:13');
    expect(at(['spec', 'routes', 0, 'missing'])).toBe('3:7-4:19');
    expect(at(['spec', 'empty'])).toBe('6:3-6:8');
  });
});

describe('YAML mistakes reported at their cause', () => {
  const SERVICE = 'apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: a, namespace: n }\n';
  const NAMES = {
    apiVersion: 'meshc.dev/v1alpha1',
    kind: 'Service',
    metadata: { name: 'a', namespace: 'n' },
  };

  it('an alias with no anchor before it (a value starting with `*`) is YAML_SYNTAX at the alias', () => {
    const r = parse(`${SERVICE}spec:\n  ingress:\n    hosts: [*.example.com]\n`);
    expect(r.codes).toEqual(['YAML_SYNTAX 6:13']);
    expect(r.diagnostics[0]!.message).toBe(
      '`*.example.com` is read as an alias, but no anchor `&.example.com` comes before it in this document.',
    );
    expect(r.diagnostics[0]!.hint).toContain('("*.example.com")');
    // The document is not used, but it declares its names (no "unknown service" for it).
    expect(r.file.docs).toEqual([]);
    expect(r.file.partial).toEqual([NAMES]);
    expect(parse('a:\n  - *nosuch\n').codes).toEqual(['YAML_SYNTAX 2:5']);
    // An anchor ends with its document; the document before is kept.
    const across = parse('a: &x 1\n---\nb: *x\n');
    expect(across.codes).toEqual(['YAML_SYNTAX 3:4']);
    expect(across.file.docs.map((d) => d.value)).toEqual([{ a: 1 }]);
    // An anchor after its alias is not one either.
    expect(parse('a: *x\nb: &x 1\n').codes).toEqual(['YAML_SYNTAX 1:4']);
  });

  it('refuses a key YAML 1.2 reads as a null, a boolean or a number, at the key, whichever parser reads it', () => {
    const keys = [
      '~',
      'null',
      'NULL',
      'true',
      'False',
      '1',
      '-2',
      '+3',
      '1.5',
      '1e3',
      '1e400',
      '0x1f',
      '0o7',
    ];
    for (const key of [...keys, '.inf', '-.Inf', '.nan', '!!int "4"']) {
      expect(parse(`a:\n  b: { x: 1, ${key}: y }\n`).codes, key).toEqual(['YAML_UNSUPPORTED 2:14']);
      expect(parse(`a:\n  x: 1\n  ${key}: y\n`).codes, key).toEqual(['YAML_UNSUPPORTED 3:3']);
    }
    const r = parse('labels: { version: v2, ~: x, true: y }\n');
    expect(r.codes).toEqual(['YAML_UNSUPPORTED 1:24']);
    expect(r.diagnostics[0]!.message).toBe(
      'The mapping key ~ is null in YAML, not a string; specs take string keys only.',
    );
    expect(r.diagnostics[0]!.hint).toBe('Quote the key ("~") if it is meant as text.');
    // No key at all is a null key.
    expect(parse('a: { : x }\n').codes).toEqual(['YAML_UNSUPPORTED 1:6']);
    expect(parse(`${SERVICE}spec: { true: 1 }\n`).file.partial).toEqual([NAMES]);
  });

  it('takes quoted keys, and words YAML 1.2 reads as strings, as string keys on either parser', () => {
    const keys = [
      '"true"',
      "'1'",
      '"~"',
      '""',
      'on',
      'yes',
      'Off',
      'y',
      'nulls',
      'true1',
      '1_000',
      '0b1',
      'x1',
    ];
    for (const key of keys) {
      const name = /^["']/.test(key) ? key.slice(1, -1) : key;
      // A plain 1, true and null elsewhere in the file (js-yaml's keys do not say whether they were quoted).
      for (const text of [`a: { ${key}: y }\n`, `a: { ${key}: y }\nb: [1, true, null, 1000, ~]\n`]) {
        const r = parse(text);
        expect(r.codes, text).toEqual([]);
        expect(r.file.docs[0]!.value, text).toMatchObject({ a: { [name]: 'y' } });
      }
    }
    // Without a non-string scalar of the same form, a quoted key keeps the fast path.
    expect(parse('a: { "1": y, "true": z }\nb: 2\n').file.fastValues).toBeDefined();
  });

  it('a tab in the indentation, after fewer spaces than the block needs, is YAML_TAB_INDENT at the tab', () => {
    const text = 'routes:\n  - name: d\n    to: v1\n  \t  timeout: 2s\n    retries: 2\n';
    const r = parse(text);
    expect(r.codes).toEqual(['YAML_TAB_INDENT 4:3']);
    // A tab before a comment is white space.
    expect(parse('a:\n  b: 1\n\t# note\n  c: 2\n').codes).toEqual([]);
  });

  it('a `key: value` line without its `: ` is reported on that line, as such', () => {
    const noSpace = parse('spec:\n  a: 1\n  timeout:2s\n  b: 2\n');
    expect(noSpace.codes).toEqual(['YAML_SYNTAX 3:3']);
    expect(noSpace.diagnostics[0]!.message).toBe(
      '"timeout:2s" has no space after its colon: YAML reads it as one plain value, not as a `key: value` item.',
    );
    expect(noSpace.diagnostics[0]!.hint).toBe('Write "timeout: 2s".');
    expect(noSpace.diagnostics[0]!.location!.endCol).toBe(13);
    const noColon = parse('spec:\n  ports: []\n  mtls strict\n  versions:\n    v1: {}\n');
    expect(noColon.codes).toEqual(['YAML_SYNTAX 3:3']);
    expect(noColon.diagnostics[0]!.message).toBe(
      '"mtls strict" is a plain value where a `key: value` item is expected: the colon is missing.',
    );
    expect(noColon.diagnostics[0]!.hint).toBe('Write "mtls: strict" (a colon and a space after the key).');
    // In a sequence item, with a comment, at the end of the block.
    expect(parse('- a: 1\n  b:2\n  c: 3\n').codes).toEqual(['YAML_SYNTAX 2:3']);
    expect(parse('a:\n  b: 1\n  c:2 # note\n  d: 3\n').codes).toEqual(['YAML_SYNTAX 3:3']);
    expect(parse('a:\n  b: 1\n  c strict\n').diagnostics[0]!.message).toMatch(/^"c strict" is a plain value/);
    // A line indented more than its siblings is still that.
    const deeper = parse('a:\n  b: 1\n    c: 2\n');
    expect(deeper.codes).toEqual(['YAML_SYNTAX 3:5']);
    expect(deeper.diagnostics[0]!.message).toMatch(/indented more than it should be/);
  });

  it('a document refused for a merge key, a collection key or its depth still declares its names', () => {
    for (const spec of [
      'spec: { <<: { a: 1 } }',
      'spec: { [a]: 1 }',
      `spec: ${'['.repeat(70)}${']'.repeat(70)}`,
    ]) {
      const r = parse(`${SERVICE}${spec}\n`);
      expect(r.codes, spec).toHaveLength(1);
      expect(r.file.partial, spec).toEqual([NAMES]);
    }
    // One diagnostic per document: the first refused key.
    expect(parse('a: { <<: { x: 1 } }\nb: { <<: { y: 2 } }\n').codes).toEqual(['YAML_UNSUPPORTED 1:6']);
  });
});
