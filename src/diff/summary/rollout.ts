/**
 * The lines of a service's progressive delivery (`rollout`): started or stopped, strategy, steps, checks,
 * gates. `reviews: canary step 10% → 20%, max 50%`. Pure.
 */
import type { DataPath } from '../../core/location.ts';
import type { Rollout, RolloutMatch } from '../../model/types.ts';
import { stableJson } from '../noise.ts';
import { describeStringMatch } from './describe.ts';
import type { SummarySeverity, SummaryTopic } from './lines.ts';

type Add = (topic: SummaryTopic, msg: string, path: DataPath, severity?: SummarySeverity) => void;

/** How a rollout proceeds, in words: `canary: step 10%, max 50%, every 1m`. */
export function describeRollout(r: Rollout): string {
  const every = `every ${r.interval.text}`;
  if (r.strategy === 'canary') return `canary: step ${r.stepWeight}%, max ${r.maxWeight ?? 100}%, ${every}`;
  return `${r.strategy === 'ab' ? 'A/B' : 'blue/green'}: ${r.iterations} iterations, ${every}`;
}

function describeMatch(m: RolloutMatch): string {
  const parts = [
    ...m.headers.map((h) => `header ${h.name}=${describeStringMatch(h.match)}`),
    ...m.query.map((q) => `query ${q.name}=${describeStringMatch(q.match)}`),
  ];
  return parts.join(' and ');
}

const arrow = <T>(b: T | undefined, h: T | undefined, unit = '') =>
  `${b === undefined ? 'unset' : `${String(b)}${unit}`} → ${h === undefined ? 'unset' : `${String(h)}${unit}`}`;

/** Lines for a service whose `rollout` differs between base `b` and head `h`. */
export function summarizeRollout(b: Rollout | undefined, h: Rollout | undefined, add: Add): void {
  if (!b && !h) return;
  if (!b && h) {
    add(
      'rollout',
      `now rolled out by Flagger (${describeRollout(h)}); Flagger owns its routing`,
      ['rollout'],
      'warning',
    );
    return;
  }
  if (b && !h) {
    add(
      'rollout',
      `no longer rolled out by Flagger (was ${describeRollout(b)}); meshc routes it again`,
      [],
      'warning',
    );
    return;
  }
  const o = b!;
  const n = h!;
  if (o.strategy !== n.strategy) {
    add('rollout', `rollout ${describeRollout(o)} → ${describeRollout(n)}`, ['rollout', 'strategy']);
    return;
  }
  if (n.strategy === 'canary' && (o.stepWeight !== n.stepWeight || o.maxWeight !== n.maxWeight)) {
    const step = o.stepWeight === n.stepWeight ? `${n.stepWeight}%` : arrow(o.stepWeight, n.stepWeight, '%');
    const bmax = o.maxWeight ?? 100;
    const hmax = n.maxWeight ?? 100;
    const max = bmax === hmax ? `${hmax}%` : `${bmax}% → ${hmax}%`;
    add('rollout', `canary step ${step}, max ${max}`, [
      'rollout',
      o.stepWeight !== n.stepWeight ? 'stepWeight' : 'maxWeight',
    ]);
  }
  if (o.iterations !== n.iterations)
    add(
      'rollout',
      `${n.strategy === 'ab' ? 'A/B' : 'blue/green'} iterations ${arrow(o.iterations, n.iterations)}`,
      ['rollout', 'iterations'],
    );
  if (o.interval.ms !== n.interval.ms)
    add('rollout', `analysis interval ${o.interval.text} → ${n.interval.text}`, ['rollout', 'interval']);
  if (o.threshold !== n.threshold)
    add('rollout', `rollback after ${o.threshold} → ${n.threshold} failed checks`, ['rollout', 'threshold']);
  if (stableJson(o.match) !== stableJson(n.match))
    add(
      'rollout',
      `A/B match ${o.match.map(describeMatch).join(' or ')} → ${n.match.map(describeMatch).join(' or ')}`,
      ['rollout', 'match'],
    );
  if (o.metrics.successRate !== n.metrics.successRate)
    add(
      'rollout',
      `minimum success rate ${arrow(o.metrics.successRate, n.metrics.successRate, '%')}`,
      ['rollout', 'metrics'],
      (n.metrics.successRate ?? 0) < (o.metrics.successRate ?? 0) ? 'warning' : 'notice',
    );
  if (o.metrics.latency?.ms !== n.metrics.latency?.ms)
    add(
      'rollout',
      `maximum p99 latency ${arrow(o.metrics.latency?.text, n.metrics.latency?.text)}`,
      ['rollout', 'metrics'],
      (n.metrics.latency?.ms ?? Infinity) > (o.metrics.latency?.ms ?? Infinity) ? 'warning' : 'notice',
    );
  if (o.target.kind !== n.target.kind || o.target.name !== n.target.name)
    add('rollout', `rollout target ${o.target.kind}/${o.target.name} → ${n.target.kind}/${n.target.name}`, [
      'rollout',
      'target',
    ]);
  const bw = new Map(o.webhooks.map((w) => [w.name, stableJson(w)] as const));
  const hw = new Map(n.webhooks.map((w) => [w.name, stableJson(w)] as const));
  n.webhooks.forEach((w, i) => {
    const was = bw.get(w.name);
    if (was === undefined) add('rollout', `webhook ${w.name} added`, ['rollout', 'webhooks', i]);
    else if (was !== hw.get(w.name)) add('rollout', `webhook ${w.name} changed`, ['rollout', 'webhooks', i]);
  });
  for (const w of o.webhooks)
    if (!hw.has(w.name)) add('rollout', `webhook ${w.name} removed`, ['rollout', 'webhooks'], 'warning');
}
