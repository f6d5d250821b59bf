import { describe, expect, expectTypeOf, it } from 'vitest';
import { FEATURES, isFeatureId, type FeatureId } from './features.ts';
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
