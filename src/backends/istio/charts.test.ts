import { describe, expect, it } from 'vitest';
import { makeEnvironment } from '../../../test/helpers/model-factory.ts';
import { meshIngress } from '../../../test/helpers/backend-fixtures.ts';
import { buildCharts, istiodValues } from './charts.ts';

const REPO = { repoName: 'istio', repoUrl: 'https://istio-release.storage.googleapis.com/charts' };
const NO_TRACING = { metrics: 'none', dashboards: false } as const;
const OTEL = {
  metrics: 'none',
  dashboards: false,
  tracing: { provider: 'opentelemetry', host: 'otel-collector.observability', port: 4317, sampling: 10 },
} as const;

describe('buildCharts', () => {
  it('emits nothing without mesh.install', () => {
    expect(buildCharts(makeEnvironment())).toEqual([]);
  });

  it('installs base then istiod, with the gateway chart for native ingress', () => {
    const env = makeEnvironment({
      mesh: {
        install: { chartVersion: '1.30.3', values: { pilot: { resources: { requests: { cpu: '1' } } } } },
        ingress: meshIngress('istio', { api: 'native' }),
      },
    });
    expect(buildCharts(env)).toEqual([
      {
        name: 'istio-base',
        ...REPO,
        chart: 'base',
        version: '1.30.3',
        namespace: 'istio-system',
        values: { base: { validationFailurePolicy: 'Fail' } },
        dependsOn: [],
      },
      {
        name: 'istiod',
        ...REPO,
        chart: 'istiod',
        version: '1.30.3',
        namespace: 'istio-system',
        values: {
          meshConfig: { trustDomain: 'cluster.local', defaultHttpRetryPolicy: { attempts: 0 } },
          base: { validationFailurePolicy: 'Fail' },
          pilot: { resources: { requests: { cpu: '1' } } },
        },
        dependsOn: ['istio-base'],
      },
      {
        name: 'istio-ingressgateway',
        ...REPO,
        chart: 'gateway',
        version: '1.30.3',
        namespace: 'istio-ingress',
        values: { labels: { istio: 'ingressgateway' }, serviceAccount: { name: 'istio-ingressgateway' } },
        dependsOn: ['istiod'],
      },
    ]);
  });

  it('does not install a gateway for Gateway API ingress (istiod deploys it)', () => {
    const env = makeEnvironment({
      mesh: {
        install: { chartVersion: '1.30.3', values: {} },
        ingress: meshIngress('istio'),
      },
    });
    expect(buildCharts(env).map((c) => c.name)).toEqual(['istio-base', 'istiod']);
  });
});

describe('istiodValues', () => {
  it('registers the tracing provider with a fully qualified service host', () => {
    expect(istiodValues(OTEL, {}, 'cluster.local')).toEqual({
      meshConfig: {
        trustDomain: 'cluster.local',
        defaultHttpRetryPolicy: { attempts: 0 },
        extensionProviders: [
          {
            name: 'meshc-opentelemetry',
            opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 },
          },
        ],
      },
      base: { validationFailurePolicy: 'Fail' },
    });
    const zipkin = {
      ...NO_TRACING,
      tracing: { provider: 'zipkin', host: 'zipkin.example.com', port: 9411, sampling: 1 },
    } as const;
    expect(
      (istiodValues(zipkin, {}, 'cluster.local').meshConfig as Record<string, unknown>).extensionProviders,
    ).toEqual([{ name: 'meshc-zipkin', zipkin: { service: 'zipkin.example.com', port: 9411 } }]);
  });

  it('user values win on conflicts, deep-merged', () => {
    const user = {
      meshConfig: { defaultHttpRetryPolicy: { attempts: 2 }, accessLogFile: '/dev/stdout' },
      base: { validationFailurePolicy: 'Ignore' },
    };
    expect(istiodValues(NO_TRACING, user, 'cluster.local')).toEqual({
      meshConfig: {
        trustDomain: 'cluster.local',
        defaultHttpRetryPolicy: { attempts: 2 },
        accessLogFile: '/dev/stdout',
      },
      base: { validationFailurePolicy: 'Ignore' },
    });
  });

  it('merges extension providers by name, user entries winning', () => {
    const user = {
      meshConfig: {
        extensionProviders: [
          { name: 'ext-authz', envoyExtAuthzHttp: { service: 'authz.auth.svc.cluster.local', port: 8000 } },
        ],
      },
    };
    expect(
      (istiodValues(OTEL, user, 'cluster.local').meshConfig as Record<string, unknown>).extensionProviders,
    ).toEqual([
      {
        name: 'meshc-opentelemetry',
        opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 },
      },
      { name: 'ext-authz', envoyExtAuthzHttp: { service: 'authz.auth.svc.cluster.local', port: 8000 } },
    ]);
    const override = {
      meshConfig: {
        extensionProviders: [{ name: 'meshc-opentelemetry', opentelemetry: { service: 'x', port: 1 } }],
      },
    };
    expect(
      (istiodValues(OTEL, override, 'cluster.local').meshConfig as Record<string, unknown>)
        .extensionProviders,
    ).toEqual([{ name: 'meshc-opentelemetry', opentelemetry: { service: 'x', port: 1 } }]);
  });

  it('does not modify the user values', () => {
    const user = { meshConfig: { extensionProviders: [{ name: 'a' }] } };
    const copy = structuredClone(user);
    istiodValues(OTEL, user, 'cluster.local');
    expect(user).toEqual(copy);
  });
});

describe('istiod trust domain', () => {
  it("sets meshConfig.trustDomain to the environment's trust domain", () => {
    expect(istiodValues(NO_TRACING, {}, 'prod.acme.internal').meshConfig).toMatchObject({
      trustDomain: 'prod.acme.internal',
    });
    const env = makeEnvironment({
      mesh: { trustDomain: 'prod.acme.internal', install: { chartVersion: '1.24.3', values: {} } },
    });
    const istiod = buildCharts(env).find((c) => c.name === 'istiod');
    expect((istiod?.values.meshConfig as Record<string, unknown>).trustDomain).toBe('prod.acme.internal');
  });
});
