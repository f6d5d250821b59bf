import { describe, expect, it } from 'vitest';
import type { Retries } from './types.ts';

describe('closed sets of the model', () => {
  it('types retry conditions as the schema union, not as strings (checked by `npm run typecheck`)', () => {
    const typo = 'gateway_error';
    // @ts-expect-error a string outside the schema's RetryCondition enum is not a retry condition
    const bad: Retries = { attempts: 1, on: [typo] };
    const good: Retries = { attempts: 1, on: ['5xx', 'unavailable'] };
    expect(bad.on).toEqual([typo]);
    expect(good.on).toEqual(['5xx', 'unavailable']);
  });
});
