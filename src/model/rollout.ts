import type { Rollout as SpecRollout } from '../spec/types.gen.ts';
import { flaggerSelectorLabel } from '../spec/rollout.ts';
import type { Duration, Rollout, RolloutMatch, StringMatch } from './types.ts';

type MatchSpec = { readonly exact?: string; readonly prefix?: string; readonly regex?: string };

function named(map: Readonly<Record<string, MatchSpec>> | undefined) {
  return Object.entries(map ?? {})
    .map(([name, m]) => {
      const [type, value] = Object.entries(m)[0]!;
      return { name, match: { type: type as StringMatch['type'], value: value! } };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `Service.rollout` (schema defaults applied) as the model carries it. `selector` is the service's resolved
 * selector, `name` its name (the default target). The validator has checked the rules (ROLLOUT_* codes).
 */
export function resolveRollout(
  spec: SpecRollout,
  name: string,
  selector: Readonly<Record<string, string>>,
  duration: (text: string) => Duration,
): Rollout {
  const label = flaggerSelectorLabel(selector);
  const primarySelector =
    label === undefined ? { ...selector } : { ...selector, [label]: `${selector[label]}-primary` };
  const match: RolloutMatch[] = (spec.match ?? []).map((m) => ({
    headers: named(m.headers),
    query: named(m.query as Readonly<Record<string, MatchSpec>> | undefined),
  }));
  if (spec.strategy === undefined || spec.interval === undefined || spec.threshold === undefined)
    throw new Error('internal: rollout.strategy / interval / threshold have no default applied');
  return {
    target: { kind: spec.target?.kind ?? 'Deployment', name: spec.target?.name ?? name },
    strategy: spec.strategy,
    interval: duration(spec.interval),
    threshold: spec.threshold,
    ...(spec.stepWeight !== undefined ? { stepWeight: spec.stepWeight } : {}),
    ...(spec.maxWeight !== undefined ? { maxWeight: spec.maxWeight } : {}),
    ...(spec.iterations !== undefined ? { iterations: spec.iterations } : {}),
    match,
    metrics: {
      ...(spec.metrics?.successRate !== undefined ? { successRate: spec.metrics.successRate } : {}),
      ...(spec.metrics?.latency !== undefined ? { latency: duration(spec.metrics.latency) } : {}),
    },
    webhooks: (spec.webhooks ?? []).map((w) => ({
      name: w.name,
      ...(w.type !== undefined ? { type: w.type } : {}),
      url: w.url,
      ...(w.timeout !== undefined ? { timeout: duration(w.timeout) } : {}),
      metadata: Object.entries(w.metadata ?? {})
        .map(([k, v]) => ({ name: k, value: v }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    })),
    primarySelector,
  };
}
