/**
 * The semantic summary of a change: one line per meaningful difference between the normalized models of
 * two spec versions, in the words of the spec (`prod: reviews: v2 weight 10 → 25`), each with the spec
 * position that caused it. Computed from the models only, never from YAML text, so formatting, file
 * layout, document order and key order never show up. Pure.
 *
 * This entry composes the parts in summary/: matching.ts pairs the environments (fingerprint.ts tells a
 * rename), environment.ts, service.ts, routes.ts and access.ts write the lines, lines.ts defines them and
 * finds their spec positions lazily, describe.ts holds the words they share.
 */
import type { Model } from '../model/types.ts';
import { count } from './summary/describe.ts';
import { summarizeEnvironment } from './summary/environment.ts';
import { summaryLine, type SummaryLine } from './summary/lines.ts';
import { matchEnvironments } from './summary/matching.ts';

export type { SummaryLine, SummarySeverity, SummaryTopic } from './summary/lines.ts';
export { matchEnvironments, type EnvironmentMatch } from './summary/matching.ts';
export { environmentFingerprint, serviceShape } from './summary/fingerprint.ts';
export { describeStringMatch } from './summary/describe.ts';
export { describeMatch } from './summary/routes.ts';

/** The summary of the change from `base` to `head`. */
export function summarize(
  base: Model,
  head: Model,
  match = matchEnvironments(base.environments, head.environments),
): SummaryLine[] {
  const out: SummaryLine[] = [];
  const envNames = new Set<string>();
  for (const p of match.pairs) envNames.add(p.head.name);
  for (const e of match.added) envNames.add(e.name);
  for (const e of match.removed) envNames.add(e.name);
  for (const name of [...envNames].sort()) {
    const added = match.added.find((e) => e.name === name);
    if (added) {
      out.push(
        summaryLine(
          {
            environment: name,
            topic: 'environment-added',
            message: `${name}: environment added (${added.mesh.type} ${added.mesh.version} on cluster ${added.cluster}, ${count(added.services.length, 'service')})`,
            severity: 'notice',
          },
          { origin: added.origin, path: [], side: 'head' },
        ),
      );
      continue;
    }
    const removed = match.removed.find((e) => e.name === name);
    if (removed) {
      out.push(
        summaryLine(
          {
            environment: name,
            topic: 'environment-removed',
            message: `${name}: environment removed (${count(removed.services.length, 'service')} no longer deployed to cluster ${removed.cluster})`,
            severity: 'warning',
          },
          { origin: removed.origin, path: [], side: 'base' },
        ),
      );
      continue;
    }
    const pair = match.pairs.find((p) => p.head.name === name)!;
    out.push(...summarizeEnvironment(pair.base, pair.head));
  }
  return out;
}
