/**
 * checkForbiddenKeys walks one shared path stack: it finds the keys the first walk (a fresh path per node)
 * found, in the same order, at the same places, on random trees holding `__proto__`, `constructor` and
 * `prototype` keys at any depth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { FORBIDDEN_KEYS } from '../core/merge-patch.ts';
import { locate } from '../parse/locate.ts';
import { parseFiles } from '../parse/parse.ts';
import { classifyDocuments } from './documents.ts';
import { checkForbiddenKeys } from './hostile.ts';

function referencePaths(v: unknown, path: (string | number)[], out: DataPath[]): void {
  if (Array.isArray(v)) v.forEach((x, i) => referencePaths(x, [...path, i], out));
  else if (v !== null && typeof v === 'object')
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) out.push([...path, k]);
      else referencePaths((v as Record<string, unknown>)[k], [...path, k], out);
    }
}

describe('checkForbiddenKeys', () => {
  const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'b', 'spec', 'routes');
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }),
    ),
  })).node;
  // Entries as JSON text, so that `__proto__` is an own key (as the YAML parser makes it).
  const json = (v: unknown): string =>
    Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')
      ? `{${[...new Map(v as [string, unknown][])].map(([k, x]) => `${JSON.stringify(k)}:${json(x)}`).join(',')}}`
      : Array.isArray(v)
        ? `[${v.map(json).join(',')}]`
        : JSON.stringify(v);

  it('finds what the first walk found, in the same order', () => {
    fc.assert(
      fc.property(tree, (spec) => {
        const text = `{"apiVersion":"meshc.dev/v1alpha1","kind":"Service","spec":${json(spec)}}`;
        const { docs } = classifyDocuments(parseFiles([{ path: 's.yaml', text }]).files);
        const paths: DataPath[] = [];
        referencePaths(docs[0]!.value, [], paths);
        const found = checkForbiddenKeys(docs);
        expect(found.map((d) => [d.pointer, d.location])).toEqual(
          paths.map((p) => [toPointer(p), locate(docs[0]!.pd, p, 'key')]),
        );
      }),
      { numRuns: 300 },
    );
  });
});
