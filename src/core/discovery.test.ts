import { describe, expect, it } from 'vitest';
import { metadataMatches, nameMatches, semverMinor } from './discovery.ts';

describe('discovery helpers', () => {
  it('semverMinor: major.minor of [v]X.Y[.Z][-suffix], nothing of other tags', () => {
    expect(semverMinor('1.24.2')).toBe('1.24');
    expect(semverMinor('v1.13.1')).toBe('1.13');
    expect(semverMinor('1.23.1-distroless')).toBe('1.23');
    expect(semverMinor('01.020')).toBe('1.20');
    expect(semverMinor('latest')).toBeUndefined();
    expect(semverMinor('edge-25.4.4')).toBeUndefined();
    expect(semverMinor(undefined)).toBeUndefined();
  });

  it('nameMatches: exact names, patterns, any name when absent', () => {
    expect(nameMatches('a', 'a')).toBe(true);
    expect(nameMatches('a', 'a-1')).toBe(false);
    expect(nameMatches(/-x$/, 'r-x')).toBe(true);
    expect(nameMatches(/-x$/, 'r-y')).toBe(false);
    expect(nameMatches(undefined, 'anything')).toBe(true);
  });

  it('metadataMatches: a value, any value, and an opt-out that takes precedence', () => {
    const on = { on: 'labels', key: 'k', value: 'on' } as const;
    expect(metadataMatches(on, { labels: { k: 'on' } })).toBe(true);
    expect(metadataMatches(on, { labels: { k: 'off' } })).toBe(false);
    expect(metadataMatches(on, { annotations: { k: 'on' } })).toBe(false);
    const any = {
      on: 'annotations',
      key: 'rev',
      unless: { on: 'labels', key: 'k', value: 'off' },
    } as const;
    expect(metadataMatches(any, { annotations: { rev: 'x' } })).toBe(true);
    expect(metadataMatches(any, { annotations: { rev: 'x' }, labels: { k: 'off' } })).toBe(false);
    expect(metadataMatches(any, { annotations: {} })).toBe(false);
  });
});
