import { describe, expect, it } from 'vitest';
import { formatDrift } from './format.ts';

describe('drift text report', () => {
  it("keeps a name read from a live dump from reaching the terminal raw in drift's text report", () => {
    const evil = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web\u001b]0;owned\u0007' };
    const out = formatDrift(
      'text',
      {
        missing: [],
        changed: [],
        overlaps: [
          { object: evil, origin: 'live.yaml:3', with: { ...evil, name: 'web' }, claim: 'the same host' },
        ],
        inSync: 0,
        notCompared: {},
        kinds: [],
      },
      { environment: 'prod', mesh: 'istio', source: 'dump live.yaml', toolVersion: '0.0.0' },
    );
    expect(out).toContain('shop/web\u241b]0;owned\u2407');
    expect(out).not.toContain('\u001b');
    expect(out.split('\n').length).toBeGreaterThan(3);
  });
});
