import { describe, expect, it } from 'vitest';
import { compileInline, dedent, ISTIO_ENV } from '../../../test/helpers/spec-tree.ts';
import { diffSpecs, type DiffSide } from '../index.ts';

const ENV = `${ISTIO_ENV}  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus:9090" } }\n`;

const service = (rollout: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: shop }
  spec:
    ports: [{ name: http, port: 9080 }]
${rollout}`;

const CANARY = `    rollout:
      stepWeight: 10
      maxWeight: 50
      metrics: { successRate: 99, latency: 500ms }
      webhooks: [{ name: load-test, url: "http://loadtester.test/" }]
`;

function side(rollout: string): DiffSide {
  const compiled = compileInline({ 'env.yaml': ENV, 'svc.yaml': service(rollout) }, { until: 'emit' });
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return { model: compiled.model!, renders: compiled.emitted!.renders };
}

const lines = (base: string, head: string) =>
  diffSpecs(side(base), side(head)).summary.map((s) => `${s.severity} ${s.message}`);

describe('rollout changes in words', () => {
  it('a canary step change names the step and the maximum', () => {
    expect(lines(CANARY, CANARY.replace('stepWeight: 10', 'stepWeight: 20'))).toEqual([
      'notice prod: reviews: canary step 10% → 20%, max 50%',
    ]);
    expect(lines(CANARY, CANARY.replace('maxWeight: 50', 'maxWeight: 80'))).toEqual([
      'notice prod: reviews: canary step 10%, max 50% → 80%',
    ]);
  });

  it('starting and stopping a rollout are warnings (Flagger takes or gives back the routing)', () => {
    expect(lines('', CANARY)).toEqual([
      'warning prod: reviews: now rolled out by Flagger (canary: step 10%, max 50%, every 1m); Flagger owns its routing',
    ]);
    expect(lines(CANARY, '')).toEqual([
      'warning prod: reviews: no longer rolled out by Flagger (was canary: step 10%, max 50%, every 1m); meshc routes it again',
    ]);
  });

  it('looser checks are warnings; strategy, interval, webhooks have their own lines', () => {
    expect(
      lines(
        CANARY,
        CANARY.replace('successRate: 99', 'successRate: 95')
          .replace('latency: 500ms', 'latency: 1s')
          .replace('load-test', 'gate')
          .replace('maxWeight: 50', 'maxWeight: 50\n      interval: 30s'),
      ),
    ).toEqual([
      'notice prod: reviews: analysis interval 1m → 30s',
      'warning prod: reviews: minimum success rate 99% → 95%',
      'warning prod: reviews: maximum p99 latency 500ms → 1s',
      'notice prod: reviews: webhook gate added',
      'warning prod: reviews: webhook load-test removed',
    ]);
    expect(lines(CANARY, '    rollout: { strategy: bluegreen, iterations: 5 }\n')).toEqual([
      'notice prod: reviews: rollout canary: step 10%, max 50%, every 1m → blue/green: 5 iterations, every 1m',
    ]);
  });
});
