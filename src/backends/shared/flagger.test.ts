import { describe, expect, it } from 'vitest';
import { exact, makeRoute, makeService } from '../../../test/helpers/model-factory.ts';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { duration } from '../../model/normalize.ts';
import type { Rollout } from '../../model/types.ts';
import type { RolloutSupport } from '../types.ts';
import { buildCanary, flaggerChart, flaggerPrerequisites, primaryView } from './flagger.ts';

const ROLLOUT: Rollout = {
  target: { kind: 'Deployment', name: 'reviews-v2' },
  strategy: 'canary',
  interval: duration('30s'),
  threshold: 3,
  stepWeight: 20,
  maxWeight: 60,
  match: [],
  metrics: { successRate: 99.5, latency: duration('1s') },
  webhooks: [
    {
      name: 'gate',
      type: 'confirm-rollout',
      url: 'http://gate/',
      timeout: duration('5s'),
      metadata: [{ name: 'a', value: '1' }],
    },
  ],
  primarySelector: { app: 'reviews-primary', tier: 'web' },
};

const SUPPORT: RolloutSupport = {
  provider: 'test',
  carries: { timeout: true, retries: false, headers: true },
};

const reviews = makeService({
  selector: { app: 'reviews', tier: 'web' },
  ports: [
    { name: 'http', port: 9080, protocol: 'http' },
    { name: 'admin', port: 9090, protocol: 'http' },
  ],
  routes: [
    makeRoute({
      timeout: duration('2s'),
      retries: { attempts: 2, on: ['5xx'] },
      headers: { request: { set: [{ name: 'x-env', value: 'prod' }], add: [], remove: ['x-debug'] } },
    }),
  ],
  access: [],
  ingress: { hosts: ['reviews.example.com'], paths: [exact('/')] },
  rollout: ROLLOUT,
});

describe('buildCanary', () => {
  it('carries what the provider carries, the analysis of the strategy, the checks and webhooks', () => {
    expect(buildCanary(reviews, SUPPORT).spec).toEqual({
      provider: 'test',
      revertOnDeletion: true,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews-v2' },
      service: {
        name: 'reviews',
        port: 9080,
        portName: 'http',
        portDiscovery: true,
        appProtocol: 'http',
        timeout: '2s',
        headers: { request: { set: { 'x-env': 'prod' }, remove: ['x-debug'] } },
      },
      analysis: {
        interval: '30s',
        threshold: 3,
        maxWeight: 60,
        stepWeight: 20,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99.5 }, interval: '1m' },
          { name: 'request-duration', thresholdRange: { max: 1000 }, interval: '1m' },
        ],
        webhooks: [
          { name: 'gate', type: 'confirm-rollout', url: 'http://gate/', timeout: '5s', metadata: { a: '1' } },
        ],
      },
    });
  });

  it('A/B and blue/green carry iterations, A/B its match; no weights', () => {
    const ab = buildCanary(
      {
        ...reviews,
        rollout: {
          ...ROLLOUT,
          strategy: 'ab',
          iterations: 4,
          match: [{ headers: [{ name: 'x-user', match: exact('qa') }], query: [] }],
        },
      },
      SUPPORT,
    ).spec as { analysis: Record<string, unknown> };
    expect(ab.analysis).toMatchObject({ iterations: 4, match: [{ headers: { 'x-user': { exact: 'qa' } } }] });
    expect(ab.analysis.stepWeight).toBeUndefined();
  });

  it('checks through MetricTemplates when the backend defines them', () => {
    const spec = buildCanary(reviews, {
      ...SUPPORT,
      metricTemplates: {
        successRate: { name: 'sr', templateVariables: { d: 'in' } },
        latency: { name: 'lat' },
        objects: () => [],
      },
    }).spec as { analysis: { metrics: unknown[] } };
    expect(spec.analysis.metrics).toEqual([
      {
        name: 'sr',
        templateRef: { name: 'sr', namespace: 'bookinfo' },
        thresholdRange: { min: 99.5 },
        interval: '1m',
        templateVariables: { d: 'in' },
      },
      {
        name: 'lat',
        templateRef: { name: 'lat', namespace: 'bookinfo' },
        thresholdRange: { max: 1000 },
        interval: '1m',
      },
    ]);
  });
});

describe('primaryView', () => {
  it("selects Flagger's primary pods, under its own name, without routing", () => {
    const p = primaryView(reviews);
    expect(p).toMatchObject({ name: 'reviews-primary', selector: { app: 'reviews-primary', tier: 'web' } });
    expect(p.routes).toEqual([]);
    expect(p.ingress).toBeUndefined();
    expect(p.rollout).toBeUndefined();
    expect(p.access).toEqual([]);
  });
});

describe("Flagger's chart", () => {
  it('after the mesh charts, with the provider, metrics server and backend values; only with rollouts.flagger', () => {
    const env = meshEnvironment('istio');
    const withFlagger = {
      ...env,
      flagger: { chartVersion: '1.44.0', metricsServer: 'http://prom:9090', namespace: 'flagger-system' },
    };
    const mesh = [{ name: 'a' }, { name: 'b' }] as never;
    expect(flaggerChart(env, SUPPORT, mesh)).toEqual([]);
    expect(flaggerChart(withFlagger, undefined, mesh)).toEqual([]);
    const prerequisite = { what: 'the metrics server of prom', why: 'test' };
    const access: RolloutSupport = {
      ...SUPPORT,
      metricsServerAccess: (server) =>
        server === 'http://prom:9090' ? { values: { x: 1 }, prerequisite } : undefined,
    };
    expect(flaggerChart(withFlagger, access, mesh)).toEqual([
      {
        name: 'flagger',
        repoName: 'flagger',
        repoUrl: 'https://flagger.app',
        chart: 'flagger',
        version: '1.44.0',
        namespace: 'flagger-system',
        values: { x: 1, meshProvider: 'test', metricsServer: 'http://prom:9090' },
        dependsOn: ['a', 'b'],
      },
    ]);
    expect(flaggerPrerequisites(withFlagger, SUPPORT).map((p) => p.what)).toEqual([
      "Prometheus at http://prom:9090, scraping the mesh's proxy metrics",
    ]);
    expect(flaggerPrerequisites(withFlagger, access)[1]).toBe(prerequisite);
    // What the backend's access gives for another metrics server: nothing more than its address.
    const elsewhere = {
      ...withFlagger,
      flagger: { ...withFlagger.flagger, metricsServer: 'http://other:9090' },
    };
    expect(flaggerChart(elsewhere, access, mesh)[0]!.values).toEqual({
      meshProvider: 'test',
      metricsServer: 'http://other:9090',
    });
    expect(flaggerPrerequisites(elsewhere, access)).toHaveLength(1);
  });
});
