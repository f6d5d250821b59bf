import { describe, expect, it } from 'vitest';
import { PROJECT, REVIEWS, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import { CHART_FOR_CONSUL } from '../../backends/consul/charts.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';

type Mesh = 'istio' | 'linkerd' | 'consul' | 'appmesh';

const TRUST: Record<Mesh, string> = {
  istio: '{ certManager: { issuer: root, kind: ClusterIssuer } }',
  linkerd: '{ existingSecret: { name: linkerd-identity-issuer } }',
  consul: '{ builtIn: {} }',
  appmesh: '{ sds: {} }',
};

/** An environment of `mesh` at `version` installing its charts at `chart`. */
const environment = (mesh: Mesh, version: string, chart: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh:
      type: ${mesh}
      version: "${version}"
      mtls: permissive
      install:
        chartVersion: "${chart}"
      trust: ${TRUST[mesh]}
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

const CHART_POINTER = '/spec/mesh/install/chartVersion';

/** What is reported at the chart version: `error` (MESH_CONSTRAINT), `warning` (MESH_CHART_VERSION_UNKNOWN) or `ok`. */
function verdict(mesh: Mesh, version: string, chart: string): string {
  const r = compileInline(
    { 'reviews.yaml': REVIEWS, 'prod.yaml': environment(mesh, version, chart) },
    { until: 'plan' },
  );
  const found = r.diagnostics.filter((d) => d.pointer === CHART_POINTER);
  expect(found.length, found.map((d) => d.message).join('\n')).toBeLessThanOrEqual(1);
  const d = found[0];
  if (!d) return 'ok';
  expect([d.severity, d.code]).toEqual(
    d.severity === 'error' ? ['error', 'MESH_CONSTRAINT'] : ['warning', 'MESH_CHART_VERSION_UNKNOWN'],
  );
  return d.severity;
}

describe('install.chartVersion against mesh.version', () => {
  it('reports a chart of another mesh version at the chart version, naming the charts that match', () => {
    const r = compileInline(
      { 'reviews.yaml': REVIEWS, 'prod.yaml': environment('istio', '1.24', '1.13.3') },
      { until: 'plan' },
    );
    const d = r.diagnostics.find((x) => x.pointer === CHART_POINTER) as Diagnostic;
    expect(d).toMatchObject({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: 'The Istio charts 1.13.3 of environment prod install Istio 1.13, not its mesh.version 1.24.',
      hint: "Set install.chartVersion to a 1.24.x chart (Istio's charts carry Istio's version); or, if the cluster is to run Istio 1.13, set mesh.version to match.",
      location: { file: 'prod.yaml', line: 11, col: 21 },
    });
    expect(
      d.related?.map((x) => `${x.message} ${x.location.file}:${x.location.line}:${x.location.col}`),
    ).toEqual(['mesh.version prod.yaml:8:14']);
    // The error keeps the model from being built: nothing renders charts of the wrong version.
    expect(r.model).toBeUndefined();
  });

  it('Istio: chart X.Y.z is Istio X.Y', () => {
    expect(verdict('istio', '1.24', '1.24.3')).toBe('ok');
    expect(verdict('istio', '1.24', '1.24.0-beta.1')).toBe('ok');
    expect(verdict('istio', '1.24', 'v1.24.3')).toBe('ok');
    expect(verdict('istio', '1.30', '1.29.9')).toBe('error');
    expect(verdict('istio', '1.24', '1.13.3')).toBe('error');
  });

  it('Linkerd: an edge chart YYYY.M.P belongs to the major of the last version-2.X edge release at or before it', () => {
    expect(verdict('linkerd', '2.18', '2025.4.4')).toBe('ok');
    expect(verdict('linkerd', '2.18', '2025.10.6')).toBe('ok');
    expect(verdict('linkerd', '2.18', '2025.10.7')).toBe('error'); // version-2.19
    expect(verdict('linkerd', '2.18', '2024.11.8')).toBe('error'); // version-2.17
    expect(verdict('linkerd', '2.16', '2024.8.2')).toBe('ok');
    expect(verdict('linkerd', '2.16', '2024.8.1')).toBe('error'); // before version-2.16
    expect(verdict('linkerd', '2.19', '2025.10.7')).toBe('ok');
    // The newest known major takes every later edge chart, and a newer major any chart from its edge on.
    expect(verdict('linkerd', '2.20', '2026.6.3')).toBe('ok');
    expect(verdict('linkerd', '2.20', '2026.8.3')).toBe('ok');
    expect(verdict('linkerd', '2.21', '2026.8.3')).toBe('ok');
    expect(verdict('linkerd', '2.21', '2025.4.4')).toBe('error');
    expect(verdict('linkerd', '2.20', '2026.6.2')).toBe('error');
  });

  it('Linkerd 2.20: the website names edge-26.6.3, the version-2.20 tag is first released in edge-26.7.1', () => {
    expect(verdict('linkerd', '2.19', '2026.6.3')).toBe('ok');
    expect(verdict('linkerd', '2.19', '2026.6.4')).toBe('ok');
    expect(verdict('linkerd', '2.19', '2026.7.1')).toBe('error');
  });

  it('Linkerd: the older 1.x.y numbering is 2.15 or before; a form meshc cannot place is a warning', () => {
    expect(verdict('linkerd', '2.18', '1.16.11')).toBe('error'); // stable chart of 2.14
    expect(verdict('linkerd', '2.18', '1.18.10-edge')).toBe('error'); // edge-24.2.4, version-2.15
    expect(verdict('linkerd', '2.15', '1.18.10-edge')).toBe('ok');
    expect(verdict('linkerd', '2.18', '2.18.0')).toBe('warning');
    expect(verdict('linkerd', '2.18', '2024.1.1')).toBe('warning'); // no edge chart was numbered so
    expect(verdict('linkerd', '2.18', '2025.4.4-rc.1')).toBe('warning');
    expect(verdict('linkerd', '2.18', '2025.13.1')).toBe('warning');
  });

  it('Linkerd: the messages name the edge release, and the hint the range of the mesh version', () => {
    const r = compileInline(
      { 'reviews.yaml': REVIEWS, 'prod.yaml': environment('linkerd', '2.18', '2024.11.8') },
      { until: 'plan' },
    );
    const d = r.diagnostics.find((x) => x.pointer === CHART_POINTER)!;
    expect(d.message).toBe(
      'The Linkerd edge charts 2024.11.8 of environment prod install edge-24.11.8, Linkerd 2.17, not its mesh.version 2.18.',
    );
    expect(d.hint).toMatch(
      /^Set install\.chartVersion to an edge chart of Linkerd 2\.18: from 2025\.4\.4 \(edge-25\.4\.4, version-2\.18\) up to, not including, 2025\.10\.7 \(version-2\.19\);/,
    );
    const w = compileInline(
      { 'reviews.yaml': REVIEWS, 'prod.yaml': environment('linkerd', '2.20', '2.20.0') },
      { until: 'plan' },
    ).diagnostics.find((x) => x.pointer === CHART_POINTER)!;
    expect(w.message).toMatch(
      /^meshc cannot tell which Linkerd version the Linkerd edge charts 2\.20\.0 of environment prod install: /,
    );
    expect(w.hint).toMatch(
      /^Use an edge chart of Linkerd 2\.20: from 2026\.6\.3 \(edge-26\.6\.3, version-2\.20\) on,/,
    );
  });

  it('Consul: each consul chart minor ships one Consul minor', () => {
    expect(verdict('consul', '1.21', '1.7.2')).toBe('ok');
    expect(verdict('consul', '1.21', '1.8.0')).toBe('ok');
    expect(verdict('consul', '1.21', '1.9.0')).toBe('error');
    expect(verdict('consul', '1.18', '1.4.6')).toBe('ok');
    expect(verdict('consul', '1.18', '1.7.2')).toBe('error');
    expect(verdict('consul', '1.22', '1.9.1')).toBe('ok');
    expect(verdict('consul', '1.22', '1.7.7')).toBe('ok'); // the one 1.7 patch that shipped Consul 1.22.0
    expect(verdict('consul', '1.22', '1.7.6')).toBe('error');
    expect(verdict('consul', '2.0', '2.0.3')).toBe('ok');
    expect(verdict('consul', '2.0', '1.9.0')).toBe('error');
    expect(verdict('consul', '1.16', '0.49.0')).toBe('error');
    // A chart newer than meshc knows ships the newest Consul it knows or a later one.
    expect(verdict('consul', '2.1', '2.1.0')).toBe('ok');
    expect(verdict('consul', '1.21', '2.1.0')).toBe('error');
    expect(verdict('consul', '1.21', '1.12.0')).toBe('warning');
  });

  it("Consul: every chart the backend's CHART_FOR_CONSUL pairs with a Consul version is accepted for it", () => {
    for (const [consul, chart] of CHART_FOR_CONSUL)
      expect(verdict('consul', consul, `${chart}.0`)).toBe('ok');
  });

  it('App Mesh: the appmesh-controller chart carries the controller version from 1.5.0 on', () => {
    expect(verdict('appmesh', '1.13', '1.13.3')).toBe('ok');
    expect(verdict('appmesh', '1.13', '1.12.7')).toBe('error');
    expect(verdict('appmesh', '1.13', '1.4.9')).toBe('error'); // controller 1.4.3
  });

  it('checks only environments that install the mesh, and only the ones asked for', () => {
    const noInstall = environment('istio', '1.24', '1.13.3').replace(/ {4}install:\n.*\n/, '');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': noInstall }, { until: 'plan' });
    expect(r.diagnostics.filter((d) => d.pointer === CHART_POINTER)).toEqual([]);
    const other = environment('istio', '1.24', '1.13.3')
      .replace('name: prod', 'name: other')
      .replace('prod-1', 'other-1');
    const only = compileInline(
      {
        'meshc.yaml': PROJECT,
        'reviews.yaml': REVIEWS,
        'other.yaml': other,
        'prod.yaml': environment('istio', '1.24', '1.24.3'),
      },
      { until: 'plan', environments: ['prod'] },
    );
    expect(only.diagnostics.filter((d) => d.pointer === CHART_POINTER)).toEqual([]);
  });
});

describe('the migration preview changes the mesh, not the chart', () => {
  const linkerd218 = environment('linkerd', '2.18', '2025.4.4');

  it("checks the environment's own chart against its own mesh.version, whatever the preview", () => {
    for (const meshOverride of [
      { type: 'linkerd', version: '2.20' },
      { type: 'linkerd', version: '2.16' },
      { type: 'istio', version: '1.24' },
    ] as const) {
      const r = compileInline(
        { 'reviews.yaml': REVIEWS, 'prod.yaml': linkerd218 },
        { until: 'plan', meshOverride },
      );
      expect(r.diagnostics.filter((d) => d.pointer === CHART_POINTER)).toEqual([]);
      expect(r.model!.environments[0]!.mesh).toMatchObject({
        type: meshOverride.type,
        version: meshOverride.version,
        install: { chartVersion: '2025.4.4' },
      });
    }
  });

  it('still reports a chart that does not match the environment it is written in', () => {
    const r = compileInline(
      { 'reviews.yaml': REVIEWS, 'prod.yaml': environment('linkerd', '2.18', '2024.11.8') },
      { until: 'plan', meshOverride: { type: 'linkerd', version: '2.17' } },
    );
    expect(r.diagnostics.filter((d) => d.pointer === CHART_POINTER).map((d) => d.code)).toEqual([
      'MESH_CONSTRAINT',
    ]);
  });
});
