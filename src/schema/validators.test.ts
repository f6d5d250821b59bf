import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { kindValidator } from './ajv.ts';
import { dictionaryIndices } from './dictionary-indices.ts';

// V8's own answer to "do these two objects share a hidden class (map)?", through its natives syntax.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** Two objects built key by key, with a key never used before: they share a map unless V8 stopped sharing. */
function freshPair(key: string): [Record<string, number>, Record<string, number>] {
  const a: Record<string, number> = {};
  a[key] = 1;
  const b: Record<string, number> = {};
  b[key] = 2;
  return [a, b];
}

describe('generated validators', () => {
  it('checking uniqueItems over a large fleet leaves V8 sharing object maps', () => {
    // ajv's uniqueItems index was an object literal keyed by the items: each service id listed first in an
    // `access[].from` added a transition to V8's empty-object map, and past ~1,500 of them every object
    // built key by key got a map of its own (hundreds of MiB at 40,000 services).
    const validate = kindValidator('Service');
    for (let i = 0; i < 3000; i++)
      validate({
        apiVersion: 'meshc.dev/v1alpha1',
        kind: 'Service',
        metadata: { name: `svc-${i}`, namespace: 'team' },
        spec: { access: [{ from: [`team-${i}/svc-${i + 1}`, `team-${i}/svc-${i}`] }] },
      });
    const [a, b] = freshPair('a-key-no-code-has-used');
    expect(haveSameMap(a, b)).toBe(true);
  });

  it('still finds duplicate items, `__proto__` included', () => {
    const validate = kindValidator('Service');
    for (const from of [
      ['a', 'b', 'a'],
      ['__proto__', '__proto__'],
    ]) {
      validate({
        apiVersion: 'meshc.dev/v1alpha1',
        kind: 'Service',
        metadata: { name: 'svc', namespace: 'team' },
        spec: { access: [{ from }] },
      });
      expect(validate.errors?.some((e) => e.keyword === 'uniqueItems')).toBe(true);
    }
  });
});

describe('dictionaryIndices (the policy ajv compiles with it)', () => {
  it('keeps V8 sharing object maps and finds duplicate `__proto__` items in schemas compiled at run time', () => {
    const ajv = new Ajv2020({ allErrors: true, code: { process: dictionaryIndices } });
    const validate = ajv.compile({ type: 'array', items: { type: 'string' }, uniqueItems: true });
    for (let i = 0; i < 3000; i++) validate([`team/svc-${i + 1}`, `team/svc-${i}`]);
    const [a, b] = freshPair('another-key-no-code-has-used');
    expect(haveSameMap(a, b)).toBe(true);
    expect(validate(['__proto__', '__proto__'])).toBe(false);
    expect(validate(['a', 'b'])).toBe(true);
  });
});
