import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from './printable.ts';

describe('printable', () => {
  it('replaces escape sequences, bell, DEL, C1 and bidirectional overrides one for one', () => {
    expect(printable('a\u001b[2Jb\u0007c\u007fd\u009be\u202ef\tg')).toBe(
      'a\u241b[2Jb\u2407c\u2421d\ufffde\ufffdf g',
    );
    expect(printable('line\nnext')).toBe('line\u240anext');
    expect(printable('line\nnext', true)).toBe('line\nnext');
  });

  it('keeps the length, and leaves printable text as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = printable(s);
        expect(out.length).toBe(s.length);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        if (!/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(s))
          expect(out).toBe(s);
      }),
    );
  });
});
