import { describe, expect, it } from 'vitest';
import { accessPaths, parseAccessPath } from './access-path.ts';

describe('access paths', () => {
  it('parses each spec form once: exact, prefix, suffix, every path', () => {
    expect(['/x', '/x/*', '*.png', '*', '/*'].map(parseAccessPath)).toEqual([
      { text: '/x', match: { type: 'exact', value: '/x' } },
      { text: '/x/*', match: { type: 'prefix', value: '/x/' } },
      { text: '*.png', match: { type: 'suffix', value: '.png' } },
      { text: '*' },
      { text: '/*' },
    ]);
  });

  it('a rule keeps each path once, sorted by its text', () => {
    expect(accessPaths(['/b', '/a*', '/b']).map((p) => p.text)).toEqual(['/a*', '/b']);
  });
});
