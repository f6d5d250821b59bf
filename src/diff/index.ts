/**
 * `meshc diff`, the pure part: two compiled spec versions in, the semantic summary and the per-resource
 * diff out. Git and disk access live in load/git.ts and the CLI; formatting in ./format/.
 */
import type { EnvRender } from '../gitops/tree.ts';
import type { Model } from '../model/types.ts';
import { diffRenders, type ResourceChange } from './resources.ts';
import { matchEnvironments, summarize, type SummaryLine } from './summary.ts';

export type { ResourceChange, ResourceChangeKind } from './resources.ts';
export type { SummaryLine, SummarySeverity, SummaryTopic } from './summary.ts';
export type { FieldChange } from './fields.ts';
export { diffRenders } from './resources.ts';
export { matchEnvironments, summarize } from './summary.ts';
export { unifiedDiff, diffLines } from './line-diff.ts';

/** One side of a diff: the normalized model and the renders of its renderable environments. */
export interface DiffSide {
  readonly model: Model;
  readonly renders: readonly EnvRender[];
}

export interface DiffStats {
  /** Environments on the head side. */
  readonly environments: number;
  readonly summary: { readonly notices: number; readonly warnings: number };
  readonly resources: { readonly added: number; readonly removed: number; readonly changed: number };
  /** Lines added and removed over all resource diffs. */
  readonly lines: { readonly added: number; readonly removed: number };
}

export interface SpecDiff {
  readonly environments: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly renamed: readonly { readonly from: string; readonly to: string }[];
  };
  readonly summary: readonly SummaryLine[];
  readonly resources: readonly ResourceChange[];
  readonly stats: DiffStats;
}

export interface DiffOptions {
  /** Context lines of the unified diffs (default 3). */
  readonly context?: number;
}

/** The model with no environment: the base side of a spec that does not exist there yet. */
export function emptySide(project: Model['project']): DiffSide {
  return { model: { project, environments: [] }, renders: [] };
}

export function diffSpecs(base: DiffSide, head: DiffSide, options: DiffOptions = {}): SpecDiff {
  const match = matchEnvironments(base.model.environments, head.model.environments);
  const summary = summarize(base.model, head.model, match);
  const resources = diffRenders(base.renders, head.renders, {
    renamed: new Map(match.renamed.map((r) => [r.to, r.from] as const)),
    ...(options.context !== undefined ? { context: options.context } : {}),
  });
  const by = (k: ResourceChange['change']) => resources.filter((r) => r.change === k).length;
  return {
    environments: {
      added: match.added.map((e) => e.name),
      removed: match.removed.map((e) => e.name),
      renamed: match.renamed,
    },
    summary,
    resources,
    stats: {
      environments: head.model.environments.length,
      summary: {
        notices: summary.filter((s) => s.severity === 'notice').length,
        warnings: summary.filter((s) => s.severity === 'warning').length,
      },
      resources: { added: by('added'), removed: by('removed'), changed: by('changed') },
      lines: {
        added: resources.reduce((n, r) => n + r.added, 0),
        removed: resources.reduce((n, r) => n + r.removed, 0),
      },
    },
  };
}

/** True when the two sides differ: a summary line or a resource change. */
export function hasDifferences(d: SpecDiff): boolean {
  return d.summary.length > 0 || d.resources.length > 0;
}
