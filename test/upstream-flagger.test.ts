/**
 * meshc's Canaries against Flagger's documented tutorials.
 *
 * Each tutorial (fluxcd/flagger docs/gitbook/tutorials: Istio canary with a load test, Istio A/B testing by
 * header and cookie, Linkerd canary through Gateway API, App Mesh canary) is written once as a meshc spec and
 * once as the upstream manifests, transcribed into fixtures/upstream/flagger/<task>.yaml. The spec is compiled
 * for an environment of the tutorial's mesh; both Canaries then go through test/helpers/flagger-semantics.ts,
 * which says what Flagger does with them (strategy, weight steps, interval and threshold with Flagger's
 * defaults and minimum, the requests sent to the canary, what each check measures and its bounds, webhooks,
 * route settings). The meanings must be equal except for the fields listed per task, each under a rule of
 * RULES with its reason; a listed deviation that does not happen fails too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import { canaryMeaning, differingFields } from './helpers/flagger-semantics.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

interface Rule {
  readonly kind: 'normalization' | 'deviation';
  readonly what: string;
  readonly reason: string;
}

/** Every difference the comparison allows. Normalizations are applied by the evaluator; deviations are listed per task. */
const RULES = {
  'effective-provider': {
    kind: 'normalization',
    what: "A Canary without `provider` uses the chart's `meshProvider`.",
    reason:
      "Flagger's router and observer factories read `spec.provider`, else the controller's `-mesh-provider` flag (the chart's meshProvider); meshc names the provider on every Canary.",
  },
  'template-by-query': {
    kind: 'normalization',
    what: 'A template check is its query (whitespace aside), provider address and variables, not its MetricTemplate name.',
    reason:
      "meshc names Linkerd's templates linkerd-success-rate / linkerd-latency so that they do not collide with a user's; Flagger only reads the query.",
  },
  'mesh-tls': {
    kind: 'normalization',
    what: 'An upstream trafficPolicy `tls.mode: DISABLE` equals no TLS setting in an environment with `mtls: off`.',
    reason:
      'The guides disable mTLS to the pods ("use ISTIO_MUTUAL when mTLS is enabled"); meshc leaves TLS to Istio\'s auto mTLS, which sends plaintext where the PeerAuthentication meshc emits for `mtls: off` disables it.',
  },
  'catch-all-service-match': {
    kind: 'normalization',
    what: "The App Mesh guide's `service.match: [{ uri: { prefix: / } }]` with `rewrite: { uri: / }` is every request, unchanged.",
    reason: 'A prefix of `/` matches every path, and rewriting that prefix to `/` changes nothing.',
  },
  'no-deadline': {
    kind: 'deviation',
    what: "meshc leaves `progressDeadlineSeconds` to Flagger's default (600s); the guides set 60s.",
    reason:
      'The spec has no progress deadline field: how long a workload takes to roll out belongs to the workload.',
  },
  'no-autoscaler': {
    kind: 'deviation',
    what: 'meshc sets no `autoscalerRef`; the guides scale podinfo with an HPA.',
    reason:
      "The HorizontalPodAutoscaler belongs to the application's manifests; meshc does not know it exists.",
  },
  'one-metric-window': {
    kind: 'deviation',
    what: 'Every check of meshc queries a 1m window; the guides query the latency over 30s.',
    reason:
      "The spec's checks are thresholds only; meshc uses Flagger's default window (MetricInterval, 1m) for both.",
  },
  'revert-on-deletion': {
    kind: 'deviation',
    what: 'meshc sets `revertOnDeletion: true`.',
    reason:
      'The GitOps engine deletes the Canary when `rollout` is removed; Flagger then gives the target back its replicas and traffic instead of leaving it scaled to zero.',
  },
  'ingress-outside-canary': {
    kind: 'deviation',
    what: "The Istio guides expose podinfo through the Canary's `gateways`/`hosts`; meshc exposes it with its own ingress route to the Service.",
    reason:
      "Ingress is the environment's (Gateway API here): its route reaches the Service Flagger points at the primary, so only mesh traffic is shifted (rollout.ingress: approximate); the canary's checks see the guides' load tests, and would find nothing for a service reached only through the ingress without one.",
  },
  'istio-no-retries': {
    kind: 'deviation',
    what: 'meshc sets `retries: { attempts: 0 }` when the spec has no retries; the A/B guide leaves Istio its default (2 attempts).',
    reason: "meshc's routes retry only when the spec says so, on every mesh (as its VirtualServices do).",
  },
  'appmesh-access-log': {
    kind: 'deviation',
    what: 'The App Mesh guide enables Envoy access logs (annotation appmesh.flagger.app/accesslog); meshc does not.',
    reason: 'The spec has no access-log setting.',
  },
  'appmesh-backends': {
    kind: 'deviation',
    what: "meshc lists the VirtualServices the service may call as the Canary's backends (podinfo itself here); the guide lists none.",
    reason:
      'App Mesh admits and routes only traffic to declared backends; meshc declares what access allows, as for its own VirtualNodes.',
  },
} as const satisfies Record<string, Rule>;

type RuleId = keyof typeof RULES;

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'upstream', 'flagger');

function upstream(task: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path.join(FIXTURES, `${task}.yaml`), 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
}

const env = (mesh: string, version: string, mtls: string, metricsServer: string, extra = '') => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: tutorial }
  spec:
    cluster: c1
    mesh: { type: ${mesh}, version: "${version}", mtls: ${mtls}${extra} }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
    rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "${metricsServer}" } }
`;

const service = (body: string) =>
  dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: podinfo, namespace: test }
  spec:
    ports: [{ name: http, port: 9898 }]
` + body;

interface Task {
  readonly env: string;
  readonly spec: string;
  /** The chart's meshProvider in the guide's install command. */
  readonly chartProvider: string;
  readonly meshTls?: string;
  readonly deviations: readonly RuleId[];
  readonly normalizations: readonly RuleId[];
}

const TASKS: Record<string, Task> = {
  // docs/gitbook/tutorials/istio-progressive-delivery.md ("Bootstrap"): Helm `--set meshProvider=istio
  // --set metricsServer=http://prometheus:9090` in istio-system.
  'istio-canary': {
    env: env('istio', '1.24', 'off', 'http://prometheus:9090', ', ingress: { className: istio }'),
    meshTls: 'DISABLE',
    spec: service(`  ingress: { hosts: [app.example.com] }
  routes:
    - retries: { attempts: 3, perTryTimeout: 1s, on: [gateway-error, connect-failure, refused-stream] }
  rollout:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics: { successRate: 99, latency: 500ms }
    webhooks:
      - name: acceptance-test
        type: pre-rollout
        url: http://flagger-loadtester.test/
        timeout: 30s
        metadata: { type: bash, cmd: "curl -sd 'test' http://podinfo-canary:9898/token | grep token" }
      - name: load-test
        url: http://flagger-loadtester.test/
        timeout: 5s
        metadata: { cmd: "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/" }
`),
    chartProvider: 'istio',
    normalizations: ['mesh-tls'],
    deviations: [
      'no-deadline',
      'no-autoscaler',
      'one-metric-window',
      'revert-on-deletion',
      'ingress-outside-canary',
    ],
  },
  'istio-ab-testing': {
    env: env('istio', '1.24', 'off', 'http://prometheus:9090', ', ingress: { className: istio }'),
    meshTls: 'DISABLE',
    spec: service(`  ingress: { hosts: [app.example.com] }
  rollout:
    strategy: ab
    interval: 1m
    iterations: 10
    threshold: 2
    match:
      - headers: { user-agent: { regex: ".*Firefox.*" } }
      - headers: { cookie: { regex: "^(.*?;)?(type=insider)(;.*)?$" } }
    metrics: { successRate: 99, latency: 500ms }
    webhooks:
      - name: load-test
        url: http://flagger-loadtester.test/
        timeout: 15s
        metadata: { cmd: "hey -z 1m -q 10 -c 2 -H 'Cookie: type=insider' http://podinfo.test:9898/" }
`),
    chartProvider: 'istio',
    normalizations: ['mesh-tls'],
    deviations: [
      'no-deadline',
      'no-autoscaler',
      'one-metric-window',
      'revert-on-deletion',
      'ingress-outside-canary',
      'istio-no-retries',
    ],
  },
  // docs/gitbook/tutorials/linkerd-progressive-delivery.md: Helm `--set meshProvider=gatewayapi:v1beta1
  // --set metricsServer=http://prometheus.linkerd-viz:9090 --set linkerdAuthPolicy.create=true`.
  'linkerd-canary': {
    env: env('linkerd', '2.16', 'permissive', 'http://prometheus.linkerd-viz:9090'),
    spec: service(`  rollout:
    interval: 30s
    threshold: 5
    maxWeight: 50
    stepWeight: 5
    metrics: { successRate: 99, latency: 500ms }
    webhooks:
      - name: acceptance-test
        type: pre-rollout
        url: http://flagger-loadtester.test/
        timeout: 30s
        metadata: { type: bash, cmd: "curl -sd 'test' http://podinfo-canary.test:9898/token | grep token" }
      - name: load-test
        type: rollout
        url: http://flagger-loadtester.test/
        metadata: { cmd: "hey -z 2m -q 10 -c 2 http://podinfo-canary.test:9898/" }
`),
    chartProvider: 'gatewayapi:v1beta1',
    normalizations: ['effective-provider', 'template-by-query'],
    deviations: ['no-deadline', 'no-autoscaler', 'one-metric-window', 'revert-on-deletion'],
  },
  // The App Mesh guide (last version before its removal): `kustomize/appmesh` sets meshProvider appmesh:v1beta2
  // and metricsServer http://appmesh-prometheus:9090.
  'appmesh-canary': {
    env: env('appmesh', '1.13', 'off', 'http://appmesh-prometheus:9090'),
    spec: service(`  routes:
    - timeout: 15s
      retries: { attempts: 3, perTryTimeout: 5s, on: [gateway-error, retriable-4xx, refused-stream] }
  rollout:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 5
    metrics: { successRate: 99, latency: 500ms }
    webhooks:
      - name: acceptance-test
        type: pre-rollout
        url: http://flagger-loadtester.test/
        timeout: 30s
        metadata: { type: bash, cmd: "curl -sd 'test' http://podinfo-canary.test:9898/token | grep token" }
      - name: load-test
        url: http://flagger-loadtester.test/
        timeout: 5s
        metadata: { cmd: "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/" }
`),
    chartProvider: 'appmesh:v1beta2',
    normalizations: ['catch-all-service-match'],
    deviations: [
      'no-deadline',
      'no-autoscaler',
      'one-metric-window',
      'revert-on-deletion',
      'appmesh-access-log',
      'appmesh-backends',
    ],
  },
};

/** The meaning field each deviation shows in. */
const FIELD_OF: Partial<Record<RuleId, string>> = {
  'no-deadline': 'progressDeadlineS',
  'no-autoscaler': 'autoscaler',
  'one-metric-window': 'checkWindowsMs',
  'revert-on-deletion': 'revertOnDeletion',
  'ingress-outside-canary': 'ingress',
  'istio-no-retries': 'retries',
  'appmesh-access-log': 'accessLog',
  'appmesh-backends': 'backends',
};

function meshc(task: Task): K8sObject[] {
  const r = compileInline({ 'env.yaml': task.env, 'podinfo.yaml': task.spec }, { until: 'emit' });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [...r.emitted!.renders[0]!.output.namespaces.values()].flat();
}

describe("Flagger's tutorials, expressed in the spec, mean the same", () => {
  it.each(Object.entries(TASKS))('%s', (name, task) => {
    const up = upstream(name);
    const ours = meshc(task);
    const canary = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Canary')!;
    const a = canaryMeaning(canary(up), up, task.chartProvider);
    const b = canaryMeaning(canary(ours), ours, 'unset', task.meshTls);
    expect(differingFields(a, b)).toEqual(task.deviations.map((d) => FIELD_OF[d]!).sort());
    // The meaning the comparison rests on, spelled out for the fields every task has.
    expect(b.strategy).toBe(a.strategy);
    expect(b.checks).toEqual(a.checks);
    expect(b.webhooks).toEqual(a.webhooks);
  });

  it('every rule is used by a task, and every deviation is one the table explains', () => {
    const used = new Set(Object.values(TASKS).flatMap((t) => [...t.deviations, ...t.normalizations]));
    expect([...used].sort()).toEqual(Object.keys(RULES).sort());
    for (const t of Object.values(TASKS))
      for (const d of t.deviations) expect(RULES[d].kind).toBe('deviation');
  });

  it('the normalizations matter: without them the tasks differ', () => {
    const canary = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Canary')!;
    // Without the environment's mTLS mode, the guide's `tls.mode: DISABLE` is a difference.
    const ab = TASKS['istio-ab-testing']!;
    const up = upstream('istio-ab-testing');
    const ours = meshc(ab);
    expect(
      differingFields(canaryMeaning(canary(up), up, 'istio'), canaryMeaning(canary(ours), ours, 'unset')),
    ).toContain('upstreamTls');
    // Without the chart's provider, the Linkerd guide's Canary would run on another router and observer.
    const lup = upstream('linkerd-canary');
    const lours = meshc(TASKS['linkerd-canary']!);
    expect(
      differingFields(canaryMeaning(canary(lup), lup, 'istio'), canaryMeaning(canary(lours), lours, 'unset')),
    ).toContain('provider');
    // A template check is its query: another query is another check.
    const other = lours.map((o) =>
      o.kind === 'MetricTemplate' && o.metadata.name === 'linkerd-latency'
        ? { ...o, spec: { ...(o.spec as object), query: 'histogram_quantile(0.5, x)' } }
        : o,
    );
    expect(
      differingFields(
        canaryMeaning(canary(lup), lup, 'gatewayapi:v1beta1'),
        canaryMeaning(canary(other), other, 'unset'),
      ),
    ).toContain('checks');
  });
});
