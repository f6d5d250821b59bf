/**
 * What Flagger does with a Canary, as data to compare (fluxcd/flagger v1.44: `pkg/apis/flagger/v1beta1/canary.go`,
 * `pkg/controller/scheduler*.go`, `pkg/router`, `pkg/metrics/observers`): the strategy it picks, the weights it
 * steps through, when it checks and rolls back, which request goes to the canary, what each check measures, the
 * webhooks it calls and the route settings it puts on the routes it generates. Defaults are applied as Flagger
 * applies them, so two Canaries that Flagger runs alike have equal meanings.
 */
import { parseDuration } from '../../src/core/duration.ts';
import type { K8sObject } from '../../src/core/k8s.ts';

type Obj = Record<string, unknown>;

/** Flagger's defaults and bounds (canary.go): interval 60s, at least 10s; threshold 1; maxWeight 100. */
const DEFAULT_INTERVAL_MS = 60_000;
const MIN_INTERVAL_MS = 10_000;
const DEFAULT_METRIC_INTERVAL_MS = 60_000;

const ms = (d: unknown, fallback?: number): number | undefined => {
  if (d === undefined || d === '') return fallback;
  const v = parseDuration(String(d));
  if (v === undefined) throw new Error(`not a duration: ${String(d)}`);
  return v;
};

/** A PromQL query (or Go template of one) without whitespace: Prometheus and text/template ignore it there. */
const query = (q: string) => q.replace(/\s+/g, '');

/**
 * What a check measures. Built-in checks by name (request-success-rate: percent of non-5xx responses;
 * request-duration: p99 in ms, from the provider's own metrics); a template check by its query, provider
 * address and variables.
 */
function measure(m: Obj, templates: readonly K8sObject[], provider: string): string {
  const ref = m.templateRef as { name: string; namespace?: string } | undefined;
  if (!ref) {
    if (m.name === 'request-success-rate') return `builtin success rate (${provider} metrics)`;
    if (m.name === 'request-duration') return `builtin p99 duration ms (${provider} metrics)`;
    throw new Error(`unknown built-in metric ${String(m.name)}`);
  }
  const t = templates.find((o) => o.kind === 'MetricTemplate' && o.metadata.name === ref.name);
  if (!t) throw new Error(`MetricTemplate ${ref.name} not found`);
  const spec = t.spec as { provider: { type: string; address: string }; query: string };
  const vars = Object.entries((m.templateVariables as Obj | undefined) ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(',');
  return `${spec.provider.type} ${spec.provider.address} ${query(spec.query)} [${vars}]`;
}

/** The weights Flagger routes to the canary, step by step (stepWeight up to maxWeight), then promotion. */
function schedule(a: Obj): number[] | undefined {
  if (a.iterations !== undefined && Number(a.iterations) > 0) return undefined;
  if (Array.isArray(a.stepWeights)) return (a.stepWeights as number[]).slice();
  const step = Number(a.stepWeight);
  const max = a.maxWeight === undefined ? 100 : Number(a.maxWeight);
  const out: number[] = [];
  for (let w = step; w < max; w += step) out.push(w);
  out.push(max);
  return out;
}

/** One A/B condition, normalized: `header:name:type:value` entries, sorted. */
function condition(m: Obj): string {
  const parts: string[] = [];
  for (const [kind, field] of [
    ['header', 'headers'],
    ['query', 'queryParams'],
  ] as const)
    for (const [name, match] of Object.entries((m[field] as Obj | undefined) ?? {})) {
      const [type, value] = Object.entries(match as Obj)[0]!;
      parts.push(`${kind}:${name.toLowerCase()}:${type}:${String(value)}`);
    }
  return parts.sort().join(' & ');
}

export interface CanaryMeaning {
  readonly provider: string;
  readonly target: string;
  /** The Services Flagger generates: `<apex>`, `<apex>-primary`, `<apex>-canary` (GetServiceNames). */
  readonly apex: string;
  readonly port: number;
  readonly targetPort: number | string;
  readonly strategy: 'canary' | 'ab' | 'bluegreen';
  readonly weights?: readonly number[];
  readonly iterations?: number;
  readonly intervalMs: number;
  readonly threshold: number;
  readonly match: readonly string[];
  readonly checks: readonly { measure: string; min?: number; max?: number }[];
  /** The query window of each check, in order. */
  readonly checkWindowsMs: readonly number[];
  readonly webhooks: readonly {
    name: string;
    type: string;
    url: string;
    timeoutMs?: number;
    metadata: Obj;
  }[];
  readonly timeoutMs?: number;
  readonly retries?: { attempts: number; perTryTimeoutMs?: number; retryOn: readonly string[] };
  readonly headers?: unknown;
  readonly gatewayRefs?: unknown;
  readonly backends: readonly string[];
  readonly ingress?: { gateways: readonly string[]; hosts: readonly string[] };
  readonly upstreamTls?: string;
  readonly progressDeadlineS: number;
  readonly autoscaler?: string;
  readonly revertOnDeletion: boolean;
  readonly accessLog: boolean;
  /** `service.match` narrowed to requests other than every one (prefix `/` is every request). */
  readonly serviceMatch: readonly string[];
  /** `service.rewrite` other than the identity (`/` for the prefix `/`). */
  readonly rewrite?: string;
}

/**
 * The meaning of `canary`: `templates` are the MetricTemplates next to it, `chartProvider` the chart's
 * `meshProvider` (what Flagger uses when the Canary names no provider).
 */
export function canaryMeaning(
  canary: K8sObject,
  templates: readonly K8sObject[],
  chartProvider: string,
  /** The TLS mode the mesh gives the canary's upstream when the Canary sets none (Istio's auto mTLS). */
  meshTls?: string,
): CanaryMeaning {
  const spec = canary.spec as Obj;
  const svc = spec.service as Obj;
  const a = spec.analysis as Obj;
  const provider = (spec.provider as string | undefined) ?? chartProvider;
  const target = spec.targetRef as Obj;
  const iterations = a.iterations === undefined ? 0 : Number(a.iterations);
  const match = ((a.match as Obj[] | undefined) ?? []).map(condition).sort();
  const strategy = match.length && iterations ? 'ab' : iterations ? 'bluegreen' : 'canary';
  const retries = svc.retries as Obj | undefined;
  const sm = ((svc.match as Obj[] | undefined) ?? [])
    .map((m) => JSON.stringify(m))
    .filter((m) => m !== JSON.stringify({ uri: { prefix: '/' } }));
  const rewrite = svc.rewrite as { uri?: string } | undefined;
  const gateways = (svc.gateways as string[] | undefined) ?? [];
  const hosts = (svc.hosts as string[] | undefined) ?? [];
  const annotations = (canary.metadata.annotations ?? {}) as Record<string, string>;
  const interval = ms(a.interval, DEFAULT_INTERVAL_MS)!;
  const out: CanaryMeaning = {
    provider,
    target: `${String(target.kind)}/${String(target.name)}`,
    apex: (svc.name as string | undefined) || String(target.name),
    port: Number(svc.port),
    targetPort: (svc.targetPort as number | string | undefined) ?? Number(svc.port),
    strategy,
    ...(strategy === 'canary' ? { weights: schedule(a)! } : { iterations }),
    intervalMs: Math.max(interval, MIN_INTERVAL_MS),
    threshold: a.threshold === undefined || Number(a.threshold) <= 0 ? 1 : Number(a.threshold),
    match: strategy === 'ab' ? match : [],
    checks: ((a.metrics as Obj[] | undefined) ?? []).map((m) => {
      const range = (m.thresholdRange as { min?: number; max?: number } | undefined) ?? {};
      return {
        measure: measure(m, templates, provider),
        ...(range.min !== undefined ? { min: range.min } : {}),
        ...(range.max !== undefined ? { max: range.max } : {}),
      };
    }),
    checkWindowsMs: ((a.metrics as Obj[] | undefined) ?? []).map((m) =>
      ms(m.interval, DEFAULT_METRIC_INTERVAL_MS)!,
    ),
    webhooks: ((a.webhooks as Obj[] | undefined) ?? []).map((w) => ({
      name: String(w.name),
      type: (w.type as string | undefined) || 'rollout',
      url: String(w.url),
      ...(w.timeout !== undefined ? { timeoutMs: ms(w.timeout)! } : {}),
      // A map: its key order means nothing.
      metadata: Object.fromEntries(
        Object.entries((w.metadata as Obj | undefined) ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)),
      ),
    })),
    ...(svc.timeout !== undefined ? { timeoutMs: ms(svc.timeout)! } : {}),
    ...(retries
      ? {
          retries: {
            attempts: Number(retries.attempts ?? 0),
            ...(retries.perTryTimeout !== undefined ? { perTryTimeoutMs: ms(retries.perTryTimeout)! } : {}),
            retryOn: String(retries.retryOn ?? '')
              .split(',')
              .filter(Boolean)
              .sort(),
          },
        }
      : {}),
    ...(svc.headers !== undefined ? { headers: svc.headers } : {}),
    // References are maps: their key order means nothing.
    ...(svc.gatewayRefs !== undefined
      ? {
          gatewayRefs: (svc.gatewayRefs as Obj[]).map((r) =>
            Object.fromEntries(Object.entries(r).sort(([x], [y]) => (x < y ? -1 : 1))),
          ),
        }
      : {}),
    backends: ((svc.backends as string[] | undefined) ?? []).slice().sort(),
    ...(gateways.length || hosts.length ? { ingress: { gateways, hosts } } : {}),
    ...(((svc.trafficPolicy as { tls?: { mode?: string } } | undefined)?.tls?.mode ?? meshTls)
      ? { upstreamTls: (svc.trafficPolicy as { tls?: { mode?: string } } | undefined)?.tls?.mode ?? meshTls }
      : {}),
    progressDeadlineS:
      spec.progressDeadlineSeconds === undefined ? 600 : Number(spec.progressDeadlineSeconds),
    ...(spec.autoscalerRef
      ? {
          autoscaler: `${String((spec.autoscalerRef as Obj).kind)}/${String((spec.autoscalerRef as Obj).name)}`,
        }
      : {}),
    revertOnDeletion: spec.revertOnDeletion === true,
    accessLog: annotations['appmesh.flagger.app/accesslog'] === 'enabled',
    serviceMatch: sm,
    ...(rewrite?.uri !== undefined && !(rewrite.uri === '/' && sm.length === 0)
      ? { rewrite: rewrite.uri }
      : {}),
  };
  return out;
}

/** The fields whose meaning differs. */
export function differingFields(a: CanaryMeaning, b: CanaryMeaning): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter(
    (k) => JSON.stringify((a as unknown as Obj)[k]) !== JSON.stringify((b as unknown as Obj)[k]),
  );
}
