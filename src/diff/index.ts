/**
 * `meshc diff`, the pure part: two compiled spec versions in, the semantic summary and the per-resource
 * diff out. Git and disk access live in load/git.ts and the CLI; formatting in ./format/.
 */
import type { CanonicalCache } from '../core/canonical.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { EnvRender, PreparedCache } from '../gitops/tree.ts';
import type { SourceFile } from '../parse/source.ts';
import type { Model } from '../model/types.ts';
import { diffRenders, type ResourceChange } from './resources.ts';
import { diffSpecFiles, type SpecFileChange } from './spec-files.ts';
import { matchEnvironments, summarize, type SummaryLine } from './summary.ts';

export type { ResourceChange, ResourceChangeKind } from './resources.ts';
export type { SummaryLine, SummarySeverity, SummaryTopic } from './summary.ts';
export type { FieldChange } from './fields.ts';
export type { BaseUnread, SpecFileChange } from './spec-files.ts';
export { diffSpecFiles, redactSecrets, REDACTED, withholdSecretMessages } from './spec-files.ts';
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
  /**
   * Set when the base version does not compile (see {@link diffAgainstBrokenBase}): its errors and the
   * diff of the spec files. The summary and `environments` are then empty (there is no base model to
   * compare with) and every resource of the head is `added`.
   */
  readonly baseInvalid?: BaseInvalid;
}

export interface BaseInvalid {
  /** The base's errors, sorted; locations are in the base version's files. */
  readonly errors: readonly Diagnostic[];
  /**
   * The spec files that differ between the base and the head (with {@link leftOut}: those of them that
   * were left out of the base).
   */
  readonly specFiles: readonly SpecFileChange[];
  /**
   * Set when every error of the base lies in files that hold Environment documents only, and the base
   * compiled without those files (see {@link diffAgainstPartialBase}): their paths, in the base version.
   * The other environments are then compared model to model; those of the files left out are new.
   */
  readonly leftOut?: readonly string[];
}

export interface DiffOptions {
  /** Context lines of the unified diffs (default 3). */
  readonly context?: number;
  /** The cache of canonical objects the two compiles shared (see diffRenders). */
  readonly canonical?: CanonicalCache;
  /** The environments the two compiles' GitOps checks prepared (see diffRenders). */
  readonly prepared?: PreparedCache;
}

/** The counts of a diff: environments of the head, summary lines by severity, resources and lines by change. */
function diffStats(
  environments: number,
  summary: SpecDiff['summary'],
  resources: readonly ResourceChange[],
): SpecDiff['stats'] {
  const by = (k: ResourceChange['change']) => resources.filter((r) => r.change === k).length;
  return {
    environments,
    summary: {
      notices: summary.filter((s) => s.severity === 'notice').length,
      warnings: summary.filter((s) => s.severity === 'warning').length,
    },
    resources: { added: by('added'), removed: by('removed'), changed: by('changed') },
    lines: {
      added: resources.reduce((n, r) => n + r.added, 0),
      removed: resources.reduce((n, r) => n + r.removed, 0),
    },
  };
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
    ...(options.canonical !== undefined ? { canonical: options.canonical } : {}),
    ...(options.prepared !== undefined ? { prepared: options.prepared } : {}),
  });
  return {
    environments: {
      added: match.added.map((e) => e.name),
      removed: match.removed.map((e) => e.name),
      renamed: match.renamed,
    },
    summary,
    resources,
    stats: diffStats(head.model.environments.length, summary, resources),
  };
}

/**
 * The diff when the base version does not compile (a pull request that fixes a broken main): there is no
 * base model or render, so the head's render is shown whole (every object added), with the base's errors
 * and the diff of the spec files, which is what a reviewer can still compare.
 */
export function diffAgainstBrokenBase(
  base: { readonly files: readonly SourceFile[]; readonly errors: readonly Diagnostic[] },
  head: DiffSide & { readonly files: readonly SourceFile[] },
  options: DiffOptions = {},
): SpecDiff {
  const context = options.context !== undefined ? { context: options.context } : {};
  const d = diffSpecs({ model: { ...head.model, environments: [] }, renders: [] }, head, options);
  return {
    ...d,
    environments: { added: [], removed: [], renamed: [] },
    summary: [],
    stats: { ...d.stats, summary: { notices: 0, warnings: 0 } },
    baseInvalid: {
      errors: base.errors,
      specFiles: diffSpecFiles(base.files, head.files, { ...context, baseErrors: base.errors }),
    },
  };
}

/**
 * The diff when the base does not compile only because of some environment files (a pull request that
 * fixes a broken environment on main): the base compiled without those files is compared with the head as
 * usual, so the other environments show what really changes, and the environments of the files left out
 * show as added. The base's errors and the diff of the files left out come with it.
 */
export function diffAgainstPartialBase(
  base: DiffSide & {
    readonly files: readonly SourceFile[];
    readonly errors: readonly Diagnostic[];
    readonly leftOut: readonly string[];
  },
  head: DiffSide & { readonly files: readonly SourceFile[] },
  options: DiffOptions = {},
): SpecDiff {
  const context = options.context !== undefined ? { context: options.context } : {};
  const leftOut = new Set(base.leftOut);
  return {
    ...diffSpecs(base, head, options),
    baseInvalid: {
      errors: base.errors,
      specFiles: diffSpecFiles(base.files, head.files, { ...context, baseErrors: base.errors }).filter((f) =>
        leftOut.has(f.path),
      ),
      leftOut: [...leftOut].sort(),
    },
  };
}

/** Only the named environments (by head name, or base name for removed and renamed ones). */
export function restrictToEnvironments(
  d: SpecDiff,
  names: readonly string[],
  headEnvironments: number,
): SpecDiff {
  const keep = new Set(names);
  const renamed = d.environments.renamed.filter((r) => keep.has(r.to) || keep.has(r.from));
  const renamedTo = new Set(renamed.map((r) => r.to));
  const summary = d.summary.filter((s) => keep.has(s.environment) || renamedTo.has(s.environment));
  const resources = d.resources.filter(
    (r) => keep.has(r.environment) || (r.baseEnvironment !== undefined && keep.has(r.baseEnvironment)),
  );
  return {
    ...d,
    environments: {
      added: d.environments.added.filter((e) => keep.has(e)),
      removed: d.environments.removed.filter((e) => keep.has(e)),
      renamed,
    },
    summary,
    resources,
    stats: diffStats(headEnvironments, summary, resources),
  };
}

/** True when the two sides differ: a summary line, a resource change, or a base that does not compile. */
export function hasDifferences(d: SpecDiff): boolean {
  return d.summary.length > 0 || d.resources.length > 0 || d.baseInvalid !== undefined;
}
