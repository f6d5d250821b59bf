import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffOps } from './diff-ops.ts';
import { applyPatch, formatPointer, jsonEqual } from './json-patch.ts';

function applyOk(doc: unknown, ops: ReturnType<typeof diffOps>): unknown {
  const r = applyPatch(doc, ops);
  if (!r.ok) throw new Error(`op ${r.index} failed: ${r.message}`);
  return r.value;
}

describe('diffOps', () => {
  it('gives no ops for equal objects, whatever the key order', () => {
    expect(diffOps({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('recurses into mappings, replaces arrays and scalars whole, adds and removes members', () => {
    const base = {
      metadata: { name: 'x', labels: { a: '1', gone: 'y' }, annotations: { 'example.com/k': 'v' } },
      spec: { list: [1, 2, 3], mode: 'STRICT', nested: { keep: true } },
    };
    const target = {
      metadata: { name: 'x', labels: { a: '2', added: 'z' }, annotations: { 'example.com/k': 'w' } },
      spec: { list: [1, 2], mode: 'STRICT', nested: { keep: true, extra: { deep: 1 } } },
    };
    const ops = diffOps(base, target);
    expect(ops).toEqual([
      { op: 'replace', path: '/metadata/annotations/example.com~1k', value: 'w' },
      { op: 'replace', path: '/metadata/labels/a', value: '2' },
      { op: 'add', path: '/metadata/labels/added', value: 'z' },
      { op: 'remove', path: '/metadata/labels/gone' },
      { op: 'replace', path: '/spec/list', value: [1, 2] },
      { op: 'add', path: '/spec/nested/extra', value: { deep: 1 } },
    ]);
    expect(applyOk(base, ops)).toEqual(target);
  });

  it('replaces a value whose type changes', () => {
    const ops = diffOps({ a: { b: 1 } }, { a: [1] });
    expect(ops).toEqual([{ op: 'replace', path: '/a', value: [1] }]);
    expect(diffOps({ a: null }, { a: {} })).toEqual([{ op: 'replace', path: '/a', value: {} }]);
  });

  it('escapes member names with / and ~', () => {
    const ops = diffOps({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2 });
    expect(ops).toEqual([
      { op: 'replace', path: '/a~1b', value: 2 },
      { op: 'remove', path: '/c~0d' },
    ]);
  });

  it('turns any JSON value into any other (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (a, b) => {
        const out = applyOk(a, diffOps(a, b));
        expect(jsonEqual(out, b)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('turns an object into a mutated copy of itself (property)', () => {
    const obj = fc.dictionary(fc.constantFrom('a', 'b', 'c/d', 'e~f'), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('spec', 'metadata', 'x'), obj),
        fc.dictionary(fc.constantFrom('spec', 'metadata', 'x'), obj),
        (a, b) => {
          const ops = diffOps(a, b);
          expect(jsonEqual(applyOk(a, ops), b)).toBe(true);
          for (const op of ops) expect(op.path).not.toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same ops for objects that share subtrees as for their deep copies (property)', () => {
    // applyPatch copies only the containers along each path, so `target` shares every untouched subtree
    // with `base` (as patched objects and objects cached across environments do): the identity fast path.
    const key = fc.constantFrom('a', 'b', 'c/d');
    const doc = fc.dictionary(key, fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), {
      maxKeys: 3,
    });
    const op = fc.record({
      op: fc.constantFrom('add', 'remove', 'replace'),
      path: fc.array(key, { minLength: 1, maxLength: 2 }).map((p) => formatPointer(p)),
      value: fc.jsonValue({ maxDepth: 1 }),
    });
    fc.assert(
      fc.property(doc, fc.array(op, { maxLength: 4 }), (base, ops) => {
        let target: unknown = base;
        for (const o of ops) {
          const r = applyPatch(target, [o]);
          if (r.ok) target = r.value;
        }
        const shared = diffOps(base, target);
        expect(shared).toEqual(diffOps(structuredClone(base), structuredClone(target)));
        expect(jsonEqual(applyOk(base, shared), target)).toBe(true);
        expect(diffOps(target, target)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
