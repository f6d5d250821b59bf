import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  cloneJson,
  formatPointer,
  jsonEqual,
  parsePointer,
  type PatchResult,
  type RawPatchOp,
} from './json-patch.ts';

function ok(doc: unknown, ops: RawPatchOp[]): unknown {
  const r = applyPatch(doc, ops);
  if (!r.ok) throw new Error(`patch failed at ${r.index}: ${r.message}`);
  return r.value;
}

function fails(doc: unknown, ops: RawPatchOp[]): Extract<PatchResult, { ok: false }> {
  const r = applyPatch(doc, ops);
  if (r.ok) throw new Error(`patch unexpectedly succeeded: ${JSON.stringify(r.value)}`);
  return r;
}

describe('RFC 6902 appendix A', () => {
  it('A.1 adds an object member', () => {
    expect(ok({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({
      baz: 'qux',
      foo: 'bar',
    });
  });
  it('A.2 adds an array element', () => {
    expect(ok({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({
      foo: ['bar', 'qux', 'baz'],
    });
  });
  it('A.3 removes an object member', () => {
    expect(ok({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
  });
  it('A.4 removes an array element', () => {
    expect(ok({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({
      foo: ['bar', 'baz'],
    });
  });
  it('A.5 replaces a value', () => {
    expect(ok({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({
      baz: 'boo',
      foo: 'bar',
    });
  });
  it('A.6 moves a value', () => {
    const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
    expect(ok(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }])).toEqual({
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    });
  });
  it('A.7 moves an array element', () => {
    expect(
      ok({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]),
    ).toEqual({
      foo: ['all', 'cows', 'eat', 'grass'],
    });
  });
  it('A.8 tests a value (success)', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(
      ok(doc, [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ]),
    ).toEqual(doc);
  });
  it('A.9 tests a value (error)', () => {
    const r = fails({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]);
    expect(r.index).toBe(0);
    expect(r.message).toMatch(/test failed/);
  });
  it('A.10 adds a nested member object', () => {
    expect(ok({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({
      foo: 'bar',
      child: { grandchild: {} },
    });
  });
  it('A.11 ignores unrecognized members of an operation', () => {
    const op = { op: 'add', path: '/baz', value: 'qux', xyz: 123 } as RawPatchOp;
    expect(ok({ foo: 'bar' }, [op])).toEqual({ foo: 'bar', baz: 'qux' });
  });
  it('A.12 fails to add to a nonexistent target', () => {
    expect(fails({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]).message).toMatch(
      /does not exist/,
    );
  });
  it('A.14 applies ~ escapes in the right order', () => {
    const doc = { '/': 9, '~1': 10 };
    expect(ok(doc, [{ op: 'test', path: '/~01', value: 10 }])).toEqual(doc);
  });
  it('A.15 compares strings and numbers strictly', () => {
    fails({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]);
  });
  it('A.16 appends an array value with -', () => {
    expect(ok({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({
      foo: ['bar', ['abc', 'def']],
    });
  });
});

describe('RFC 6902 section 4 details', () => {
  it('copies a value deeply', () => {
    const out = ok({ a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }]) as {
      a: { b: number[] };
      c: { b: number[] };
    };
    expect(out).toEqual({ a: { b: [1] }, c: { b: [1] } });
    expect(out.c).not.toBe(out.a);
  });
  it('add on an existing member replaces it', () => {
    expect(ok({ a: 1 }, [{ op: 'add', path: '/a', value: 2 }])).toEqual({ a: 2 });
  });
  it('add and replace at the root replace the document', () => {
    expect(ok({ a: 1 }, [{ op: 'add', path: '', value: [1] }])).toEqual([1]);
    expect(ok({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });
  it('add at the array end index appends; beyond fails', () => {
    expect(ok([1, 2], [{ op: 'add', path: '/2', value: 3 }])).toEqual([1, 2, 3]);
    expect(fails([1, 2], [{ op: 'add', path: '/3', value: 3 }]).message).toMatch(/out of bounds/);
  });
  it('rejects indexes with leading zeros and non-numbers', () => {
    fails({ a: [1, 2] }, [{ op: 'remove', path: '/a/01' }]);
    fails({ a: [1, 2] }, [{ op: 'replace', path: '/a/x', value: 0 }]);
  });
  it('treats numeric segments as member names on objects', () => {
    expect(ok({ a: { '0': 'x' } }, [{ op: 'replace', path: '/a/0', value: 'y' }])).toEqual({
      a: { '0': 'y' },
    });
  });
  it('- is only valid for add', () => {
    fails({ a: [1] }, [{ op: 'remove', path: '/a/-' }]);
    fails({ a: [1] }, [{ op: 'replace', path: '/a/-', value: 2 }]);
  });
  it('replace and remove need an existing target', () => {
    fails({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }]);
    fails({ a: 1 }, [{ op: 'remove', path: '/b' }]);
    fails({ a: [1] }, [{ op: 'remove', path: '/a/1' }]);
  });
  it('move needs an existing from and cannot move into its own child', () => {
    fails({ a: 1 }, [{ op: 'move', from: '/b', path: '/c' }]);
    expect(fails({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]).message).toMatch(/own child/);
    expect(ok({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a' }])).toEqual({ a: { b: 1 } });
  });
  it('test compares objects regardless of member order, arrays by position', () => {
    ok({ a: { x: 1, y: [1, 2] } }, [{ op: 'test', path: '/a', value: { y: [1, 2], x: 1 } }]);
    fails({ a: [1, 2] }, [{ op: 'test', path: '/a', value: [2, 1] }]);
    ok({ a: null }, [{ op: 'test', path: '/a', value: null }]);
  });
  it('validates the operation object', () => {
    expect(fails({}, [{ op: 'frobnicate', path: '/a' }]).message).toMatch(/unknown operation/);
    expect(fails({}, [{ op: 'add', path: '/a' }]).message).toMatch(/needs a "value"/);
    expect(fails({ a: 1 }, [{ op: 'copy', path: '/b' }]).message).toMatch(/needs a string "from"/);
    expect(fails({}, [{ op: 'add', path: 'a', value: 1 }]).message).toMatch(/not a JSON Pointer/);
    expect(fails({ 'a~2': 1 }, [{ op: 'remove', path: '/a~2' }]).message).toMatch(/invalid escape/);
  });
  it('is atomic: a failing op reports its index and leaves the input alone', () => {
    const doc = { a: 1, list: [1, 2] };
    const before = cloneJson(doc);
    const r = fails(doc, [
      { op: 'add', path: '/b', value: 2 },
      { op: 'remove', path: '/list/0' },
      { op: 'remove', path: '/missing' },
    ]);
    expect(r.index).toBe(2);
    expect(doc).toEqual(before);
  });
  it('never mutates the input on success', () => {
    const doc = { a: { b: [1, 2] } };
    const before = cloneJson(doc);
    ok(doc, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'add', path: '/a/c', value: 1 },
      { op: 'move', from: '/a/b/0', path: '/z' },
    ]);
    expect(doc).toEqual(before);
  });
  it('keeps __proto__ as a plain member', () => {
    const out = ok({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<
      string,
      unknown
    >;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('JSON Pointer', () => {
  it('round-trips escapes', () => {
    const segs = ['a/b', 'm~n', '', '0', 'argocd.argoproj.io/sync-wave'];
    expect(formatPointer(segs)).toBe('/a~1b/m~0n//0/argocd.argoproj.io~1sync-wave');
    expect(parsePointer(formatPointer(segs))).toEqual(segs);
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/')).toEqual(['']);
  });
  it('jsonEqual ignores undefined members', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([1, { a: 'x' }], [1, { a: 'x' }])).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });
});
