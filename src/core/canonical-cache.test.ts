/**
 * The fast paths of the gitops stage's canonical forms and equality: CanonicalCache gives what canonicalize
 * gives (one shared object for equal inputs), and jsonEqual (allocation-free) agrees with the plain
 * definition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalCache, canonicalize } from './canonical.ts';
import { jsonEqual } from './json.ts';
import type { K8sObject } from './k8s.ts';

/** jsonEqual as it was written before the counting version: the reference. */
function referenceEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => referenceEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && referenceEqual(ra[k], rb[k]));
}

/** A copy with every mapping's keys reversed and, where `noise`, undefined members added. */
function reordered(v: unknown, noise: boolean): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => reordered(x, noise));
  const out: Record<string, unknown> = {};
  if (noise) out.zzUndefined = undefined;
  for (const k of Object.keys(v).reverse()) {
    const x = (v as Record<string, unknown>)[k];
    if (k === '__proto__') Object.defineProperty(out, k, { value: reordered(x, noise), enumerable: true });
    else out[k] = reordered(x, noise);
  }
  if (noise) out.aaUndefined = undefined;
  return out;
}

const keys = fc.constantFrom('a', 'b', 'name', 'spec', '__proto__', '0', 'Z');
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom('x', 'y', '', null, true, false)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const k8s = fc
  .record({
    name: fc.constantFrom('n', 'm'),
    kind: fc.constantFrom('A', 'B'),
    labels: fc.option(fc.dictionary(fc.constantFrom('x', 'y', 'a'), fc.constantFrom('1', '2')), {
      nil: undefined,
    }),
    spec: json,
    extra: fc.option(json, { nil: undefined }),
  })
  .map(({ name, kind, labels, spec, extra }): K8sObject => ({
    spec,
    ...(extra !== undefined ? { extra } : {}),
    metadata: { ...(labels !== undefined ? { labels } : {}), namespace: 'ns', name },
    kind,
    apiVersion: 'v1',
  }));

describe('jsonEqual', () => {
  it('agrees with the plain definition, on random pairs and on reordered copies (property)', () => {
    fc.assert(
      fc.property(json, json, fc.boolean(), (a, b, noise) => {
        expect(jsonEqual(a, b)).toBe(referenceEqual(a, b));
        const c = reordered(a, noise);
        expect(jsonEqual(a, c)).toBe(true);
        expect(jsonEqual(c, a)).toBe(true);
        expect(jsonEqual(b, c)).toBe(referenceEqual(b, c));
      }),
      { numRuns: 500 },
    );
  });
});

describe('CanonicalCache', () => {
  it('gives what canonicalize gives, one object for equal inputs (property)', () => {
    fc.assert(
      fc.property(
        fc.array(k8s, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (objs, picks) => {
          const cache = new CanonicalCache();
          // The inputs: the objects, the same references again, and reordered copies with undefined members.
          const inputs: K8sObject[] = [...objs];
          for (const p of picks) {
            const o = objs[p % objs.length] as K8sObject;
            inputs.push(p % 2 === 0 ? o : (reordered(o, p % 3 === 0) as K8sObject));
          }
          const out = inputs.map((o) => cache.canonicalize(o));
          for (let i = 0; i < inputs.length; i++) {
            const plain = canonicalize(inputs[i] as K8sObject);
            expect(JSON.stringify(out[i])).toBe(JSON.stringify(plain));
            expect(Object.keys(out[i] as object)).toEqual(Object.keys(plain));
            // Canonical already: canonicalize returns it as it is.
            expect(canonicalize(out[i] as K8sObject)).toBe(out[i]);
            for (let j = 0; j < i; j++) if (jsonEqual(inputs[i], inputs[j])) expect(out[i]).toBe(out[j]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not share the canonical object of inputs that are not equal', () => {
    const cache = new CanonicalCache();
    const a: K8sObject = { apiVersion: 'v1', kind: 'A', metadata: { name: 'n' }, spec: { list: [null] } };
    const b: K8sObject = { apiVersion: 'v1', kind: 'A', metadata: { name: 'n' }, spec: { list: [1] } };
    expect(cache.canonicalize(b)).not.toBe(cache.canonicalize(a));
    expect(cache.canonicalize(b).spec).toEqual({ list: [1] });
    // A later input equal to the second variant gets the second variant's object.
    expect(cache.canonicalize(structuredClone(b))).toBe(cache.canonicalize(b));
  });
});
