import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { locate } from './locate.ts';
import { parseFile } from './parse.ts';

function parse(text: string) {
  const diagnostics: Diagnostic[] = [];
  const file = parseFile({ path: 'f.yaml', text }, diagnostics);
  return { file, codes: diagnostics.map((d) => `${d.code} ${d.location!.line}:${d.location!.col}`) };
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
