import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EDIT_DISTANCE, diffLines, splitLines, unifiedDiff } from './line-diff.ts';

/** Applying an edit script to `a` must give `b`; its kept lines are a common subsequence. */
function apply(edits: ReturnType<typeof diffLines>): { a: string[]; b: string[] } {
  const a: string[] = [];
  const b: string[] = [];
  for (const e of edits) {
    if (e.op !== '+') a.push(e.line);
    if (e.op !== '-') b.push(e.line);
  }
  return { a, b };
}

/** Length of a longest common subsequence (quadratic DP: the reference for minimality). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('diffLines', () => {
  it('keeps equal inputs as context only', () => {
    expect(diffLines(['a', 'b'], ['a', 'b']).map((e) => e.op)).toEqual([' ', ' ']);
    expect(diffLines([], [])).toEqual([]);
  });

  it('finds a minimal script (Myers), deletions before insertions', () => {
    const edits = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(edits.filter((e) => e.op !== ' ').length).toBe(5);
    expect(diffLines(['x'], ['y'])).toEqual([
      { op: '-', line: 'x' },
      { op: '+', line: 'y' },
    ]);
  });

  it('is a correct and minimal edit script on random inputs', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (a, b) => {
        const edits = diffLines(a, b);
        expect(apply(edits)).toEqual({ a, b });
        expect(edits.filter((e) => e.op === ' ').length).toBe(lcs(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('past MAX_EDIT_DISTANCE differences gives up on minimality, not on correctness', () => {
    // Two middles with nothing in common and more differences than the bound, between a shared
    // prefix and suffix: the script stays correct and keeps exactly the prefix and suffix (a minimal
    // diff, as a library without this bound computes at length, would also keep the 'same' lines).
    const n = MAX_EDIT_DISTANCE / 2 + 100;
    const middleA = Array.from({ length: n }, (_, i) => (i % 50 === 25 ? 'same' : `a${i}`));
    const middleB = Array.from({ length: n }, (_, i) => (i % 50 === 25 ? 'same' : `b${i}`));
    const a = ['head', ...middleA, 'tail'];
    const b = ['head', ...middleB, 'tail'];
    const edits = diffLines(a, b);
    expect(apply(edits)).toEqual({ a, b });
    expect(edits.filter((e) => e.op === ' ').map((e) => e.line)).toEqual(['head', 'tail']);
    expect(edits.slice(1, n + 1).every((e) => e.op === '-')).toBe(true);
  });
});

describe('unifiedDiff', () => {
  const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);

  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('writes hunks with 3 lines of context and diff -u headers', () => {
    const b = [...a];
    b[9] = 'line ten';
    expect(unifiedDiff(a.join('\n') + '\n', b.join('\n') + '\n')).toBe(
      [
        '@@ -7,7 +7,7 @@',
        ' line 7',
        ' line 8',
        ' line 9',
        '-line 10',
        '+line ten',
        ' line 11',
        ' line 12',
        ' line 13',
        '',
      ].join('\n'),
    );
  });

  it('merges changes closer than twice the context and splits the others', () => {
    const b = [...a];
    b[2] = 'x';
    b[7] = 'y';
    b[18] = 'z';
    const out = unifiedDiff(a.join('\n'), b.join('\n'), { context: 2 });
    expect(out.split('\n').filter((l) => l.startsWith('@@'))).toEqual([
      '@@ -1,10 +1,10 @@',
      '@@ -17,4 +17,4 @@',
    ]);
  });

  it('numbers pure insertions and deletions like diff -u', () => {
    expect(unifiedDiff('', 'a\nb\n')).toBe('@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', '')).toBe('@@ -1 +0,0 @@\n-a\n');
    expect(unifiedDiff('a\nb\n', 'a\nx\nb\n', { context: 0 })).toBe('@@ -1,0 +2 @@\n+x\n');
  });

  it('splits lines without a phantom last line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\nb')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
  });
});
