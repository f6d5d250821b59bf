import { describe, expect, it } from 'vitest';
import { makeEnvironment } from '../../../test/helpers/model-factory.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { buildCharts, controlPlaneValues, heartbeatSchedule } from './charts.ts';

const env = (overrides: Partial<ResolvedEnvironment['mesh']> = {}) =>
  makeEnvironment({
    mesh: {
      type: 'linkerd',
      version: '2.18',
      install: {
        chartVersion: '2025.4.4',
        values: { controllerReplicas: 1, proxyInjector: { timeoutSeconds: 5 } },
      },
      ...overrides,
    },
  });

describe('install', () => {
  it('linkerd-crds then linkerd-control-plane from the edge repository, in linkerd', () => {
    const charts = buildCharts(env());
    expect(
      charts.map((c) => [c.name, c.chart, c.repoName, c.repoUrl, c.version, c.namespace, c.dependsOn]),
    ).toEqual([
      [
        'linkerd-crds',
        'linkerd-crds',
        'linkerd-edge',
        'https://helm.linkerd.io/edge',
        '2025.4.4',
        'linkerd',
        [],
      ],
      [
        'linkerd-control-plane',
        'linkerd-control-plane',
        'linkerd-edge',
        'https://helm.linkerd.io/edge',
        '2025.4.4',
        'linkerd',
        ['linkerd-crds'],
      ],
    ]);
    expect(buildCharts(makeEnvironment({ mesh: { type: 'linkerd', version: '2.18' } }))).toEqual([]);
    // Gateway API CRDs are a prerequisite: the CRD chart must not install its own copy, whatever the version.
    expect(charts[0]!.values).toEqual({
      installGatewayAPI: false,
      enableHttpRoutes: false,
      enableTlsRoutes: false,
      enableTcpRoutes: false,
    });
  });

  it('external issuer and trust roots, webhook certificates from cert-manager, user values merged over', () => {
    expect(buildCharts(env())[1]!.values).toEqual({
      identityTrustDomain: 'cluster.local',
      identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } },
      proxyInjector: {
        externalSecret: true,
        injectCaFrom: 'linkerd/linkerd-proxy-injector',
        timeoutSeconds: 5,
      },
      profileValidator: { externalSecret: true, injectCaFrom: 'linkerd/linkerd-sp-validator' },
      policyValidator: { externalSecret: true, injectCaFrom: 'linkerd/linkerd-policy-validator' },
      heartbeatSchedule: heartbeatSchedule('test'),
      controllerReplicas: 1,
    });
  });

  it("the chart's identity trust domain is the environment's, the one every policy identity uses", () => {
    const values = buildCharts(env({ trustDomain: 'prod.example' }))[1]!.values;
    expect(values.identityTrustDomain).toBe('prod.example');
  });

  it('proxy tracing from 2.19 only', () => {
    const tracing = {
      metrics: 'none' as const,
      dashboards: false,
      tracing: { provider: 'opentelemetry' as const, host: 'otel.observability', port: 4317, sampling: 10 },
    };
    expect(controlPlaneValues(env({ version: '2.19', observability: tracing }), {}).proxy).toEqual({
      tracing: {
        enabled: true,
        collector: { endpoint: 'otel.observability:4317', meshIdentity: { namespace: 'observability' } },
      },
    });
    expect(controlPlaneValues(env({ version: '2.18', observability: tracing }), {}).proxy).toBeUndefined();
  });
});
