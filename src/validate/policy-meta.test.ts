/**
 * Policy schemas are checked against the JSON Schema 2020-12 meta-schema by a validator precompiled at
 * development time (policy-meta.gen.ts) instead of one ajv compiles at every run. It must be up to date, and
 * answer what ajv's own `validateSchema` answers with the policy options, errors included, on random
 * schemas (valid and not).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POLICY_AJV_OPTIONS, metaValidate } from './policies.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('the precompiled policy meta-schema validator', () => {
  it('is generated from the current ajv (npm run gen:validators)', async () => {
    const modulePath = new URL('../../scripts/gen-validators.mjs', import.meta.url).href;
    const { generatePolicyMeta } = (await import(modulePath)) as { generatePolicyMeta: () => string };
    expect(readFileSync(path.join(root, 'src/validate/policy-meta.gen.ts'), 'utf8')).toBe(
      generatePolicyMeta(),
    );
  });

  const runtime = new Ajv2020({ ...POLICY_AJV_OPTIONS });
  addFormats.default(runtime, { mode: 'fast' });
  const expectSame = (schema: Record<string, unknown>) => {
    const valid = runtime.validateSchema(schema) as boolean;
    const errors = runtime.errors;
    const fast = metaValidate(schema);
    expect(fast.valid).toBe(valid);
    expect(fast.errors ?? null).toEqual(errors ?? null);
  };

  const KEYWORDS = [
    'type',
    'properties',
    'patternProperties',
    'additionalProperties',
    'items',
    'prefixItems',
    'required',
    'enum',
    'const',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'minLength',
    'maxItems',
    'pattern',
    'format',
    'allOf',
    'anyOf',
    'oneOf',
    'not',
    'if',
    'then',
    'else',
    '$defs',
    '$ref',
    '$id',
    '$anchor',
    '$comment',
    'dependentRequired',
    'uniqueItems',
    'contains',
    'minContains',
    'propertyNames',
    'unevaluatedProperties',
    'title',
    'default',
    'x-custom',
  ];
  const scalar = fc.oneof(
    fc.constantFrom('string', 'object', 'array', 'integer', 'number', 'boolean', 'null', 'nope'),
    fc.constantFrom('^a+$', '(?P<n>x)', '#frag', 'a#b', 'A_b', '1bad', '', 'email', 'uri'),
    fc.integer({ min: -3, max: 5 }),
    fc.double({ noNaN: true, min: -2, max: 2 }),
    fc.boolean(),
    fc.constant(null),
  );
  const schema = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...KEYWORDS, 'a', 'b'), tie('node'), {
        maxKeys: 4,
        noNullPrototype: true,
      }),
    ),
  })).node;

  it('answers what ajv compiling the meta-schema answers, errors included', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYWORDS), schema, { maxKeys: 5, noNullPrototype: true }),
        (s) => {
          expectSame(s as Record<string, unknown>);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('on schemas naming their meta-schema, and on hand-picked ones', () => {
    for (const s of [
      {},
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' },
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 5 },
      { $schema: '', minimum: 'x' },
      { $schema: 'https://json-schema.org/draft/2020-12/meta/validation', type: 'nope' },
      { properties: { a: { type: 'string', pattern: '^x' } }, required: ['a', 'a'] },
      { $defs: { x: { $anchor: '1bad' } }, $id: 'a#b' },
      { items: [{ type: 'string' }] },
      { $dynamicRef: '#meta', $dynamicAnchor: 'x' },
    ])
      expectSame(s);
  });
});
