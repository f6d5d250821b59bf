import { describe, expect, it } from 'vitest';
import { linkerdVersion } from './discovery.ts';

describe('Linkerd discovery', () => {
  it('Linkerd: edge releases map to the 2.X of the version tags, vendor builds by their number', () => {
    expect(linkerdVersion('edge-24.8.1')).toBe('2.15');
    expect(linkerdVersion('edge-24.8.2')).toBe('2.16');
    expect(linkerdVersion('edge-24.11.8')).toBe('2.17');
    expect(linkerdVersion('edge-25.4.4')).toBe('2.18');
    expect(linkerdVersion('edge-25.10.7')).toBe('2.19');
    expect(linkerdVersion('edge-26.8.3')).toBe('2.20');
    expect(linkerdVersion('edge-23.12.1')).toBeUndefined();
    expect(linkerdVersion('stable-2.14.10')).toBe('2.14');
    expect(linkerdVersion('enterprise-2.17.1')).toBe('2.17');
    expect(linkerdVersion('latest')).toBeUndefined();
  });
});
