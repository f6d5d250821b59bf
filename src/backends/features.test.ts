import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  exact as exactMatch,
  makeMatch,
  makeRoute,
  makeService,
  regex,
} from '../../test/helpers/model-factory.ts';
import { FEATURES, isFeatureId, type FeatureId } from './features.ts';
import { matrixData } from './matrix.ts';
import { BACKENDS } from './registry.ts';
import type { Backend, Capability } from './types.ts';

const exact: Capability = { support: 'exact' };

describe('FeatureId', () => {
  it('is the union of the ids of FEATURES, not string', () => {
    expectTypeOf<FeatureId>().toEqualTypeOf<(typeof FEATURES)[number]['id']>();
    expectTypeOf<'route.weights'>().toExtend<FeatureId>();
    expectTypeOf<string>().not.toExtend<FeatureId>();
    expect(FEATURES.every((f) => isFeatureId(f.id))).toBe(true);
    expect(isFeatureId('route.weight')).toBe(false);
  });

  it('makes a capability table that forgets or misspells a feature a compile error', () => {
    const all = Object.fromEntries(FEATURES.map((f) => [f.id, exact])) as Record<FeatureId, Capability>;
    const { versions, ...missing } = all;
    expect(versions).toEqual(exact);
    // `npm run typecheck` fails if either directive stops being needed: the checks are the compiler's.
    // @ts-expect-error a backend without `versions`
    const forgot: Backend['capabilities'] = missing;
    // @ts-expect-error a misspelled feature id
    const misspelled: Backend['capabilities'] = { ...all, 'route.weight': exact };
    expect(Object.keys(forgot)).not.toContain('versions');
    expect(Object.keys(misspelled)).toContain('route.weight');
  });

  it('every registered backend declares every feature', () => {
    for (const b of BACKENDS)
      expect(Object.keys(b.capabilities).sort(), b.mesh).toEqual(FEATURES.map((f) => f.id).sort());
  });
});

describe('query parameter matches', () => {
  const service = makeService({
    routes: [
      makeRoute({
        matches: [
          makeMatch({ query: [{ name: 'x-debug', match: exactMatch('1') }] }),
          makeMatch({
            query: [
              { name: 'variant', match: regex('^(v3|red)$') },
              { name: 'x-debug', match: exactMatch('1') },
            ],
          }),
        ],
      }),
      makeRoute({ index: 1, matches: [makeMatch({ query: [{ name: 'v', match: regex('[0-9]+') }] })] }),
    ],
  });
  const used = (id: string) => FEATURES.find((f) => f.id === id)!;

  it('by regex are a feature of their own, at each parameter, as path regexes are', () => {
    const regexFeature = used('match.query.regex');
    expect(regexFeature.scope === 'service' && regexFeature.usedBy(service)).toEqual([
      ['routes', 0, 'match', 1, 'query', 'variant'],
      ['routes', 1, 'match', 0, 'query', 'v'],
    ]);
    // `match.query` is the exact ones' (a match entry with regex parameters only is not a use of it).
    const exactFeature = used('match.query');
    expect(exactFeature.scope === 'service' && exactFeature.usedBy(service)).toEqual([
      ['routes', 0, 'match', 0, 'query'],
      ['routes', 0, 'match', 1, 'query'],
    ]);
  });

  it('have a row of the matrix per kind, and every mesh says which it expresses', () => {
    const rows = matrixData().features.map((f) => f.id);
    expect(rows.indexOf('match.query.regex')).toBe(rows.indexOf('match.query') + 1);
    for (const b of BACKENDS) expect(b.capabilities['match.query.regex'], b.mesh).toBeDefined();
  });
});
