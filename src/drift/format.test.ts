import { describe, expect, it } from 'vitest';
import type { DriftReport } from './drift.ts';
import { DRIFT_FORMATS, formatDrift } from './format.ts';

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
        leftovers: [],
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

describe('leftovers in every format', () => {
  const report: DriftReport = {
    missing: [],
    changed: [],
    overlaps: [],
    leftovers: [
      {
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'shop',
          name: 'old',
        },
        origin: 'live.yaml:7',
        reason: 'applied by Flux Kustomization flux-system/prod-shop, which the environment renders',
      },
    ],
    inSync: 2,
    notCompared: {},
    kinds: [],
  };
  const ctx = { environment: 'prod', mesh: 'istio', source: 'dump live.yaml', toolVersion: '0.0.0' };

  it("names the object and why it is this environment's, and counts it in the summary", () => {
    for (const format of DRIFT_FORMATS.filter((f) => f !== 'json')) {
      const out = formatDrift(format, report, ctx);
      expect(out, format).toContain('VirtualService shop/old');
      expect(out, format).toContain('flux-system/prod-shop');
      expect(out, format).toContain('1 finding: 0 missing, 0 changed, 0 unmanaged overlaps, 1 leftover;');
    }
    expect(formatDrift('text', report, ctx)).toContain(
      'leftover networking.istio.io/v1 VirtualService shop/old (live.yaml:7)',
    );
    const json = JSON.parse(formatDrift('json', report, ctx)) as Record<string, unknown>;
    expect(json.drift).toBe(true);
    expect(json.leftovers).toEqual([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        namespace: 'shop',
        name: 'old',
        origin: 'live.yaml:7',
        reason: 'applied by Flux Kustomization flux-system/prod-shop, which the environment renders',
      },
    ]);
    expect(formatDrift('github', report, ctx)).toMatch(/^::warning title=meshc drift \(prod\)%3A leftover::/);
    expect(formatDrift('markdown', report, ctx)).toContain(
      '| leftover | `networking.istio.io/v1 VirtualService shop/old` |',
    );
  });
});
