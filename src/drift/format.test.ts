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

describe('notes on how the live objects were read', () => {
  const report: DriftReport = {
    missing: [],
    changed: [],
    overlaps: [],
    leftovers: [],
    inSync: 3,
    notCompared: {},
    kinds: [],
  };
  const info = 'Argo CD tracking from argocd/argocd-cm: application.instanceLabelKey x; …';
  const warning = 'warning: argocd/argocd-cm could not be read (there is no such ConfigMap (404)), so …';
  const ctx = {
    environment: 'prod',
    mesh: 'istio',
    source: 'cluster kind-prod',
    notes: [info, warning],
    toolVersion: '0.0.0',
  };

  it('with the summary in text and markdown, as `notes` in JSON, the warnings only as GitHub annotations', () => {
    const text = formatDrift('text', report, ctx).split('\n');
    expect(text.slice(-4, -1)).toEqual([info, warning, 'no drift: 3 objects in sync']);
    expect(formatDrift('markdown', report, ctx)).toContain(`\n\n${info}\n\n${warning}\n`);
    expect((JSON.parse(formatDrift('json', report, ctx)) as { notes: unknown }).notes).toEqual([
      info,
      warning,
    ]);
    const json = JSON.parse(formatDrift('json', report, { ...ctx, notes: [] })) as Record<string, unknown>;
    expect('notes' in json).toBe(false);
    const gh = formatDrift('github', report, ctx).split('\n');
    expect(gh.filter((l) => l.startsWith('::'))).toEqual([
      '::warning title=meshc drift (prod)%3A live objects partly read::argocd/argocd-cm could not be read (there is no such ConfigMap (404)), so …',
    ]);
  });
});
