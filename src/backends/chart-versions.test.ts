import { describe, expect, it } from 'vitest';
import { REVIEWS, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { compareMajorMinor, majorMinor, parseChart } from '../validate/rules/chart-version-rules.ts';
import { BACKENDS } from './registry.ts';

/** The backends that install their control plane (`mesh.install`): each must say what its chart versions install. */
const INSTALLING = BACKENDS.filter((b) => b.capabilities['mesh.install']?.support !== 'unsupported');

const CHART_POINTER = '/spec/mesh/install/chartVersion';

describe('chart versions, from the backends', () => {
  it('every registered backend that supports mesh.install declares its chart versions', () => {
    expect(INSTALLING.length).toBeGreaterThan(0);
    for (const b of INSTALLING) {
      expect(b.chartVersions, b.mesh).toBeDefined();
      expect(b.chartVersions!.matching(majorMinor(b.minVersion)!), b.mesh).not.toBe('');
    }
  });

  it("validate checks each backend's environments against that backend's scheme", () => {
    const verdicts = INSTALLING.map((b) => {
      const chart = '0.0.1';
      const placed = b.chartVersions!.place(parseChart(chart)!);
      const version = majorMinor(b.minVersion)!;
      const expected =
        placed.kind === 'unknown'
          ? 'MESH_CHART_VERSION_UNKNOWN'
          : (placed.from && compareMajorMinor(version, placed.from) < 0) ||
              (placed.to && compareMajorMinor(version, placed.to) > 0)
            ? 'MESH_CONSTRAINT'
            : 'ok';
      const env = dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Environment
        metadata: { name: prod }
        spec:
          cluster: prod-1
          mesh:
            type: ${b.mesh}
            version: "${b.minVersion}"
            install: { chartVersion: "${chart}" }
            trust: { existingSecret: { name: mesh-ca } }
          gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      `;
      const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env }, { until: 'plan' });
      const found = r.diagnostics.filter((d) => d.pointer === CHART_POINTER).map((d) => d.code);
      expect(found, b.mesh).toEqual(expected === 'ok' ? [] : [expected]);
      return expected;
    });
    // A chart 0.0.1 is no mesh's at its oldest version: the check ran for some.
    expect(verdicts.some((v) => v !== 'ok')).toBe(true);
  });
});
