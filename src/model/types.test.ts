import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Retries, RetryCondition } from './types.ts';
import { DEFAULT_RETRY_ON } from './normalize.ts';

const serviceSchema = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../schemas/service.schema.json', import.meta.url)), 'utf8'),
) as { $defs: { RetryCondition: { enum: string[] } } };

describe('closed sets of the model', () => {
  it('types retry conditions as the schema union, not as strings (checked by `npm run typecheck`)', () => {
    const typo = 'gateway_error';
    // @ts-expect-error a string outside the schema's RetryCondition enum is not a retry condition
    const bad: Retries = { attempts: 1, on: [typo] };
    const good: Retries = { attempts: 1, on: ['5xx', 'unavailable'] };
    expect(bad.on).toEqual([typo]);
    expect(good.on).toEqual(['5xx', 'unavailable']);
  });

  it('the default retry condition is one of the schema enum', () => {
    const all: readonly string[] = serviceSchema.$defs.RetryCondition.enum;
    const defaults: readonly RetryCondition[] = DEFAULT_RETRY_ON;
    for (const c of defaults) expect(all).toContain(c);
  });
});
