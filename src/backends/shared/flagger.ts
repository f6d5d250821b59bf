import type { K8sObject } from '../../core/k8s.ts';
import type {
  ResolvedEnvironment,
  ResolvedService,
  Rollout,
  RolloutMatch,
  StringMatch,
} from '../../model/types.ts';
import type { ChartRelease, ClusterPrerequisite, RolloutSupport } from '../types.ts';
import { headerChanges } from './header-changes.ts';
import { objectMeta } from './labels.ts';

/** Flagger's Helm repository and chart (fluxcd/flagger `charts/flagger`; the chart installs the CRDs from `crds/`). */
export const FLAGGER_REPO = {
  repoName: 'flagger',
  repoUrl: 'https://flagger.app',
  chart: 'flagger',
} as const;
export const FLAGGER_RELEASE = 'flagger';
export const CANARY_API_VERSION = 'flagger.app/v1beta1';

/**
 * Flagger's built-in checks (fluxcd/flagger `pkg/metrics/observers`): the success rate in percent (minimum) and
 * the 99th-percentile request duration in milliseconds (maximum), each over the last minute.
 */
export const BUILTIN_SUCCESS_RATE = 'request-success-rate';
export const BUILTIN_DURATION = 'request-duration';
/** The window of each metric query: Flagger's default (`MetricInterval`, 1m), as its tutorials set it. */
export const METRIC_INTERVAL = '1m';

type Obj = Record<string, unknown>;

const headerMap = (m: StringMatch): Obj => ({ [m.type]: m.value });

/** One A/B condition as Flagger's `analysis.match` entry (Istio's HTTPMatchRequest: headers, queryParams). */
export function canaryMatch(m: RolloutMatch): Obj {
  return {
    ...(m.headers.length
      ? { headers: Object.fromEntries(m.headers.map((h) => [h.name, headerMap(h.match)])) }
      : {}),
    ...(m.query.length
      ? { queryParams: Object.fromEntries(m.query.map((q) => [q.name, headerMap(q.match)])) }
      : {}),
  };
}

/** The Canary's `service`: the first port (others through port discovery), and what the provider carries. */
function canaryService(s: ResolvedService, support: RolloutSupport, extra: Obj): Obj {
  const port = s.ports[0]!;
  const route = s.routes.find((r) => !r.implicit);
  // Flagger names the Services it generates after `service.name`, else after the target: the service's name
  // whatever the workload is called, so that callers keep dialling it.
  const out: Obj = {
    ...(s.rollout && s.rollout.target.name !== s.name ? { name: s.name } : {}),
    port: port.port,
    portName: port.name,
  };
  if (s.ports.length > 1) out.portDiscovery = true;
  // Flagger gives its generated Services' first port this appProtocol (fluxcd/flagger `reconcileService`), as
  // meshc's own Services carry theirs on every port, `http` included; Istio's router also shifts tcp routes
  // for `appProtocol: tcp` (refused by the meshes whose router cannot).
  out.appProtocol = port.protocol;
  if (route?.timeout && support.carries.timeout) out.timeout = route.timeout.text;
  if (route?.retries && support.carries.retries) {
    const retryOn = support.retryOn?.(route.retries);
    out.retries = {
      attempts: route.retries.attempts,
      ...(route.retries.perTryTimeout ? { perTryTimeout: route.retries.perTryTimeout.text } : {}),
      ...(retryOn ? { retryOn } : {}),
    };
  }
  if (route?.headers && support.carries.headers) {
    const request = headerChanges(route.headers.request, support.headerValue);
    const response = headerChanges(route.headers.response, support.headerValue);
    if (request || response)
      out.headers = { ...(request ? { request } : {}), ...(response ? { response } : {}) };
  }
  const refs = support.gatewayRefs?.(s);
  if (refs?.length) out.gatewayRefs = refs.map((r) => ({ ...r }));
  return { ...out, ...extra };
}

/** The Canary's `analysis`: the strategy's fields, the checks, the webhooks as written. */
function canaryAnalysis(s: ResolvedService, r: Rollout, support: RolloutSupport): Obj {
  const metrics: Obj[] = [];
  const t = support.metricTemplates;
  if (r.metrics.successRate !== undefined)
    metrics.push({
      name: t ? t.successRate.name : BUILTIN_SUCCESS_RATE,
      ...(t ? { templateRef: { name: t.successRate.name, namespace: s.namespace } } : {}),
      thresholdRange: { min: r.metrics.successRate },
      interval: METRIC_INTERVAL,
      ...(t?.successRate.templateVariables
        ? { templateVariables: { ...t.successRate.templateVariables } }
        : {}),
    });
  if (r.metrics.latency !== undefined)
    metrics.push({
      name: t ? t.latency.name : BUILTIN_DURATION,
      ...(t ? { templateRef: { name: t.latency.name, namespace: s.namespace } } : {}),
      thresholdRange: { max: r.metrics.latency.ms },
      interval: METRIC_INTERVAL,
      ...(t?.latency.templateVariables ? { templateVariables: { ...t.latency.templateVariables } } : {}),
    });
  const out: Obj = { interval: r.interval.text, threshold: r.threshold };
  if (r.strategy === 'canary') {
    if (r.maxWeight !== undefined) out.maxWeight = r.maxWeight;
    if (r.stepWeight !== undefined) out.stepWeight = r.stepWeight;
  } else if (r.iterations !== undefined) out.iterations = r.iterations;
  if (r.strategy === 'ab') out.match = r.match.map(canaryMatch);
  if (metrics.length) out.metrics = metrics;
  if (r.webhooks.length)
    out.webhooks = r.webhooks.map((w) => ({
      name: w.name,
      ...(w.type ? { type: w.type } : {}),
      url: w.url,
      ...(w.timeout ? { timeout: w.timeout.text } : {}),
      ...(w.metadata.length
        ? { metadata: Object.fromEntries(w.metadata.map((m) => [m.name, m.value])) }
        : {}),
    }));
  return out;
}

/**
 * The Flagger Canary of a service with `rollout` (flagger.app/v1beta1), named like the service so that
 * Flagger's generated Services are `<name>`, `<name>-primary` and `<name>-canary`. `service` is the backend's
 * own additions to the Canary's `service` (Istio's trafficPolicy, App Mesh's backends).
 */
export function buildCanary(s: ResolvedService, support: RolloutSupport, service: Obj = {}): K8sObject {
  const r = s.rollout;
  if (!r) throw new Error(`internal: buildCanary on ${s.id}, which has no rollout`);
  return {
    apiVersion: CANARY_API_VERSION,
    kind: 'Canary',
    metadata: objectMeta(s.name, s.namespace),
    spec: {
      provider: support.provider,
      // Removing `rollout` prunes the Canary: its finalizer then scales the target back up (and points a Service
      // `<name>` it did not create back at it) before the Canary and what Flagger generated go, instead of
      // leaving the target at zero replicas. The README ("Adding and removing `rollout`") has the window that
      // still leaves, with meshc's Service applied in the same sync.
      revertOnDeletion: true,
      targetRef: { apiVersion: 'apps/v1', kind: r.target.kind, name: r.target.name },
      service: canaryService(s, support, service),
      analysis: canaryAnalysis(s, r, support),
    },
  };
}

/**
 * The service as the workload-selecting objects of its primary pods see it: Flagger's primary workload
 * (`<target>-primary`) carries the service's labels with the `app` (or `name`, `app.kubernetes.io/name`) value
 * suffixed `-primary`, so access and mTLS objects that select pods by label are emitted once for the canary
 * pods (the service itself) and once for these. Named `<name>-primary`, without routes, ingress or rollout.
 */
export function primaryView(s: ResolvedService): ResolvedService {
  const r = s.rollout;
  if (!r) throw new Error(`internal: primaryView on ${s.id}, which has no rollout`);
  const rest: Record<string, unknown> = { ...s };
  delete rest.ingress;
  delete rest.rollout;
  return {
    ...(rest as unknown as ResolvedService),
    name: `${s.name}-primary`,
    selector: r.primarySelector,
    routes: [],
    versions: [],
    kubernetesService: 'external',
  };
}

/** The MetricTemplates of every namespace with a rolled-out service, when the backend defines its own checks. */
export function rolloutMetricTemplates(env: ResolvedEnvironment, support: RolloutSupport | undefined) {
  const out = new Map<string, K8sObject[]>();
  if (!support?.metricTemplates || !env.flagger) return out;
  for (const s of env.services)
    if (s.rollout && (s.rollout.metrics.successRate !== undefined || s.rollout.metrics.latency !== undefined))
      out.set(s.namespace, [...support.metricTemplates.objects(s.namespace, env.flagger.metricsServer)]);
  return out;
}

/**
 * Flagger's release for an environment with `rollouts.flagger`, after the mesh's own charts (its CRDs and the
 * control plane it configures): the chart's `meshProvider` and `metricsServer` set. Flagger changes nothing
 * the chart installs at run time (no runtime fields); what it generates at run time (primary workloads,
 * Services, routing objects) carries an owner reference to its Canary and none of meshc's or the GitOps
 * engine's labels, so neither Flux nor Argo CD counts it as theirs or prunes it.
 */
export function flaggerChart(
  env: ResolvedEnvironment,
  support: RolloutSupport | undefined,
  meshCharts: readonly ChartRelease[],
): ChartRelease[] {
  const f = env.flagger;
  if (!f || !support) return [];
  const access = support.metricsServerAccess?.(f.metricsServer);
  return [
    {
      name: FLAGGER_RELEASE,
      ...FLAGGER_REPO,
      version: f.chartVersion,
      namespace: f.namespace,
      values: { ...access?.values, meshProvider: support.provider, metricsServer: f.metricsServer },
      dependsOn: meshCharts.map((c) => c.name),
    },
  ];
}

/**
 * What Flagger needs that meshc does not deploy: the Prometheus its checks query, and what the mesh needs for
 * Flagger to reach it (RolloutSupport.metricsServerAccess).
 */
export function flaggerPrerequisites(
  env: ResolvedEnvironment,
  support: RolloutSupport | undefined,
): ClusterPrerequisite[] {
  if (!env.flagger || !support) return [];
  const access = support.metricsServerAccess?.(env.flagger.metricsServer);
  return [
    {
      what: `Prometheus at ${env.flagger.metricsServer}, scraping the mesh's proxy metrics`,
      why: '`rollouts.flagger.metricsServer` (the checks of every Canary)',
    },
    ...(access ? [access.prerequisite] : []),
  ];
}
