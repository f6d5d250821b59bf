import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { makeGitOps } from '../../../test/helpers/model-factory.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { consulValues } from './charts.ts';
import { consulPrerequisites, tcpRouteSource } from './prerequisites.ts';

/** Where the TCPRoute CRD comes from for a chart version, with meshc's values and the user's `values`. */
const source = (chartVersion: string, values: Record<string, unknown> = {}) =>
  tcpRouteSource(chartVersion, consulValues(meshEnvironment('consul'), values));

/** The Gateway API prerequisite of an environment on `chartVersion` (engine Flux unless given). */
function gatewayApi(chartVersion: string, engine: 'flux' | 'argocd' = 'flux') {
  const base = meshEnvironment('consul');
  const env: ResolvedEnvironment = {
    ...base,
    mesh: { ...base.mesh, install: { chartVersion, values: {} } },
    gitops: makeGitOps({ engine }),
  };
  return consulPrerequisites(env).find((p) => p.what.startsWith('Gateway API CRDs'))!;
}

describe('the TCPRoute CRD consul-k8s watches', () => {
  it('comes from the chart only in the patch releases whose template honours manageNonStandardCRDs', () => {
    // consul-k8s charts/consul/templates/crd-tcproutes(-external).yaml at each tag.
    const byVersion = Object.fromEntries(
      [
        '1.2.1',
        '1.2.2',
        '1.3.7',
        '1.3.8',
        '1.4.2',
        '1.4.4',
        '1.4.5',
        '1.5.1',
        '1.5.3',
        '1.6.0',
        '1.7.2',
        '1.9.0',
        '2.0.3',
      ].map((v) => [v, source(v)]),
    );
    expect(byVersion).toEqual({
      '1.2.1': 'prerequisite',
      '1.2.2': 'chart',
      '1.3.7': 'prerequisite',
      '1.3.8': 'chart',
      '1.4.2': 'prerequisite',
      '1.4.4': 'prerequisite',
      '1.4.5': 'chart',
      '1.5.1': 'prerequisite',
      '1.5.3': 'chart',
      '1.6.0': 'chart',
      '1.7.2': 'chart',
      '1.9.0': 'chart',
      '2.0.3': 'chart',
    });
  });

  it("follows the user's values: manageNonStandardCRDs off, 2.0's enableTcpRoute and installK8sNetworkingCRDs", () => {
    const off = { connectInject: { apiGateway: { manageNonStandardCRDs: false } } };
    expect(source('1.7.2', off)).toBe('prerequisite');
    expect(source('2.0.3', { global: { crds: { enableTcpRoute: false } } })).toBe('none');
    expect(source('2.0.3', { global: { installK8sNetworkingCRDs: false } })).toBe('prerequisite');
    expect(source('2.0.3', { global: { openshift: { enabled: true } } })).toBe('none');
  });
});

describe('the Gateway API prerequisite', () => {
  it("keeps the standard channel's TCPRoute (v1.6.0+, v1 only) away from a chart that installs its own", () => {
    for (const engine of ['flux', 'argocd'] as const) {
      const p = gatewayApi('1.7.2', engine);
      expect(p.what).toBe(
        'Gateway API CRDs v1.0.0 to v1.5.x, standard channel (GatewayClass, Gateway, HTTPRoute and ReferenceGrant; Gateway and HTTPRoute served as v1 and v1beta1), or of a later release those four CRDs only, without the TCPRoute CRD its standard channel has from v1.6.0 (v1 only): the consul chart installs the TCPRoute CRD its controller watches (v1alpha2)',
      );
      expect(p.why).toContain(
        engine === 'flux' ? "Flux's consul HelmRelease fails" : 'the consul Application fails to sync',
      );
    }
  });

  it('asks for the experimental TCPRoute CRD where the chart patch does not install it, whatever the Consul version', () => {
    // Consul 1.18 on chart 1.4.2: before the chart templated TCPRoute with manageNonStandardCRDs.
    const p = gatewayApi('1.4.2');
    expect(p.what).toContain(
      "plus the experimental channel's TCPRoute CRD, serving the v1alpha2 consul-k8s watches",
    );
    expect(p.what).toContain("(from v1.6.0 the standard channel's TCPRoute serves v1 only)");
    expect(p.why).not.toContain('HelmRelease');
  });
});
