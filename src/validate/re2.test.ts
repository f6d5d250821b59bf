import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { re2RegExp } from './re2.ts';

describe('re2RegExp', () => {
  const patterns = ['^([0-9]+ms|[1-2]?[0-9]s|30s)$', 'a+b', '^$', '(?i)^prod-', '\\d{3}'];

  it('answers every test as a fresh RE2 match does, whether the answer was kept or not', () => {
    for (const pattern of patterns) {
      const re = re2RegExp(pattern);
      const direct = RE2JS.compile(pattern);
      fc.assert(
        fc.property(
          // Few distinct short strings (answers kept and reused), and long ones (never kept).
          fc.array(
            fc.oneof(
              fc.constantFrom('10s', '31s', '5ms', '', 'aab', 'PROD-x', '123'),
              fc.string({ maxLength: 8 }),
              fc.string({ minLength: 257, maxLength: 300 }),
            ),
            { maxLength: 40 },
          ),
          (inputs) => {
            for (const s of [...inputs, ...inputs]) expect(re.test(s)).toBe(direct.matcher(s).find());
          },
        ),
        { numRuns: 50 },
      );
    }
  });

  it('keys ajv`s compiled patterns by the pattern text', () => {
    expect(String(re2RegExp('a+b'))).toBe('re2:a+b');
    expect(String(re2RegExp('a+b'))).not.toBe(String(re2RegExp('a+c')));
  });
});
