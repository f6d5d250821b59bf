/**
 * The pure pipeline in one function: parse → validate → model → plan → emit → gitops → render. Every
 * caller (the CLI's validate, build, render and verify, `meshc diff`, the library API and the tests) runs
 * the stages through {@link compile}, so the sequence is wired once, here; each stage is a function of the
 * previous stage's output. No disk, no git, no clock: `load` (before) and `write` (after) are the callers'
 * business.
 */
import { CanonicalCache } from './core/canonical.ts';
import type { Diagnostic } from './core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from './core/diagnostic.ts';
import { backendFor, meshDefaults } from './backends/registry.ts';
import { EmitMemo } from './backends/shared/emit-memo.ts';
import type { GitOpsResult, EnvRender, PreparedCache } from './gitops/tree.ts';
import type { GitOpsTree } from './gitops/types.ts';
import { gitopsDiagnostics, layoutGitOpsTree } from './gitops/tree.ts';
import { ResolveMemo, buildModel, checkClusters } from './model/build.ts';
import type { ModelOptions } from './model/build.ts';
import type { Model } from './model/types.ts';
import type { ParseCache, ParsedFile } from './parse/parse.ts';
import { parseFiles } from './parse/parse.ts';
import type { SourceFile } from './parse/source.ts';
import { ObjectPool, emitEnvironments } from './plan/emit.ts';
import {
  filesUnchanged,
  recordedResidue,
  reusableShards,
  shardKeys,
  shardNamespaces,
  sourceDigests,
  takenResidue,
  type NamespaceResidue,
  type ShardEntry,
  type ShardKeys,
  type ShardRecord,
} from './plan/shards.ts';
import { applicationNamespaces } from './model/environment.ts';
import { overlayPath } from './gitops/layout.ts';
import { resourceId } from './core/k8s.ts';
import type { EnvironmentPlan } from './plan/plan.ts';
import { planEnvironments } from './plan/plan.ts';
import { findingsPastRefusals } from './plan/capabilities.ts';
import { checkPolicies } from './plan/policies.ts';
import { renderGitOpsTree } from './render/tree.ts';
import { maskSecretsInMessages } from './validate/secrets.ts';
import type { ValidateOptions } from './validate/validate.ts';
import { ValidateMemo } from './validate/rule-cache.ts';
import { validateDocuments, validatedCleanly } from './validate/validate.ts';

/** The last stage {@link compile} runs; later stages are left out of the result. */
export type CompileStage = 'plan' | 'emit' | 'layout' | 'gitops';

/** A phase of the checks, for timing (`npm run bench`). */
export type CompilePhase = 'parse' | 'schema' | 'rules' | 'normalize' | 'policies' | 'plan';

export interface CompileOptions extends Omit<ValidateOptions, 'onPhase'>, Omit<ModelOptions, 'meshDefaults'> {
  /**
   * Problems of the load stage (a missing meshc.yaml, an unreadable file): reported first, and an error
   * among them leaves the result without a model, plans or renders (the checks still run).
   */
  readonly loadDiagnostics?: readonly Diagnostic[];
  /** An earlier stage failed outside the sources given: run the checks, but build no model. */
  readonly blocked?: boolean;
  /** meshc's version, passed to the backends (they keep it out of the objects they emit). */
  readonly toolVersion?: string;
  /**
   * The last stage to run (default `gitops`). `plan` stops before the backends; `emit` also runs the
   * backends and the GitOps stage's checks, so that it refuses whatever a render would refuse (what
   * `meshc validate` and `meshc diff` use); `layout` also lays the tree out as objects, without its text
   * (what `meshc render` uses: it makes each file's text once it has let go of the rest of the compile,
   * render/tree.ts `renderEntriesReleasing`); `gitops` lays out and renders the tree.
   */
  readonly until?: CompileStage;
  /**
   * Namespace shards (plan/shards.ts), with `until: 'layout'`: the compile records each namespace's key
   * (Compiled.shards), and a namespace whose key is the one `previous` recorded is neither emitted nor laid
   * out: its files are the previous render's, which the caller takes from its own record. The layout is
   * otherwise the same as without (what it cannot check without those objects makes it lay out everything).
   */
  readonly shards?: { readonly previous?: ShardRecord };
  /** Called as each phase of the checks ends: lets a caller time them. */
  readonly onPhase?: (phase: CompilePhase) => void;
  /**
   * Work shared between compiles of mostly the same spec (the two sides of `meshc diff`): see
   * {@link newCompileCache}. The result is the same with or without it.
   */
  readonly cache?: CompileCache;
}

/**
 * What compiles may share: parsed files by path and text, resolved services by spec object and context,
 * the backends' per-service results, emitted objects by value (equal objects become one).
 */
export interface CompileCache {
  readonly parsed: ParseCache;
  readonly resolved?: ResolveMemo;
  readonly objects?: ObjectPool;
  /** The backends' per-service results (EmitMemo). */
  readonly emitted?: EmitMemo;
  /** Canonical objects of the GitOps checks (`until: 'emit'`), one per distinct object (CanonicalCache). */
  readonly canonical?: CanonicalCache;
  /** The environments the GitOps checks prepared, by render (what `meshc diff` compares next). */
  readonly prepared?: PreparedCache;
  /** Validation results by document and by service view (ValidateMemo). */
  readonly validated?: ValidateMemo;
}

export function newCompileCache(): CompileCache {
  const objects = new ObjectPool();
  return {
    parsed: new Map(),
    resolved: new ResolveMemo(),
    objects,
    emitted: new EmitMemo(objects),
    canonical: new CanonicalCache(),
    prepared: new WeakMap(),
    validated: new ValidateMemo(),
  };
}

/** parse → validate → model → plan: every check of SPEC.md, the resolved model and the backends chosen. */
export interface CompileResult {
  /** Present when the spec has no errors. */
  readonly model?: Model;
  /** The environments that can be rendered (their mesh has a backend), with it; empty on any error. */
  readonly plans: EnvironmentPlan[];
  /** Every check up to the stage asked for (`emit` and `gitops`: the backends' and the GitOps checks too), sorted. */
  readonly diagnostics: Diagnostic[];
  readonly sources: readonly SourceFile[];
  readonly parsed: readonly ParsedFile[];
  /** The parsed files whose documents passed their own checks with nothing found (ValidatedSpec). */
  readonly checkedFiles: ReadonlySet<ParsedFile>;
}

export interface EmitResult {
  /** The backend output of each planned environment, as the gitops stage takes it. */
  readonly renders: EnvRender[];
  readonly diagnostics: Diagnostic[];
}

/** Everything the stages produced, up to `options.until`. */
export interface Compiled extends CompileResult {
  /** The backends' output (from `emit` on, when the spec has no errors). */
  readonly emitted?: EmitResult;
  /** The GitOps tree as objects, before any text (`until: 'layout'`, when the spec has no errors). */
  readonly layout?: GitOpsTree;
  /**
   * With `options.shards`, when the layout has no finding: this render's record of its namespace shards,
   * and the namespaces it took from the previous render (their files are not in `layout`). The record is
   * made on the first call: without a previous record the compile has not needed the keys, which digest
   * the whole model, and a caller may make them later (the render command, while its writer waits), holding
   * the function (and so the model) until then.
   */
  readonly shards?: { readonly record: () => ShardRecord; readonly reused: ReadonlySet<string> };
  /** The GitOps tree: files, per-overlay builds (`until: 'gitops'`, when the spec has no errors). */
  readonly tree?: GitOpsResult;
  /** The diagnostics of every stage that ran (load, parse, validate … gitops, render), sorted. */
  readonly allDiagnostics: readonly Diagnostic[];
}

/**
 * plan → emit with the cache's pool and memo, or with ones of its own, which are garbage once it returns
 * (a local of {@link compile} would keep them, and the pool's tables, to the end of the layout). Environments
 * share the backends' per-service results where they see a service alike; the objects those results keep
 * are the pool's.
 */
function emit(
  plans: readonly EnvironmentPlan[],
  options: CompileOptions,
  only?: ReadonlySet<string>,
  taken?: ReadonlyMap<string, ReadonlyMap<string, NamespaceResidue>>,
): EmitResult {
  const pool = options.cache?.objects ?? new ObjectPool();
  const memo = options.cache?.emitted ?? new EmitMemo(pool);
  return emitEnvironments(
    plans,
    { toolVersion: options.toolVersion ?? 'meshc', memo, ...(only ? { only } : {}) },
    pool,
    taken,
  );
}

/** The whole pure pipeline: sources → parse → validate → model → plan → emit → gitops → render (text). */
export function compile(sources: readonly SourceFile[], options: CompileOptions = {}): Compiled {
  const { loadDiagnostics = [], until = 'gitops', onPhase } = options;
  const parsed = parseFiles(sources, options.cache?.parsed);
  onPhase?.('parse');
  const validated = validateDocuments(parsed.files, {
    ...(options.environments ? { environments: options.environments } : {}),
    ...(options.cache?.validated ? { memo: options.cache.validated } : {}),
    ...(onPhase ? { onPhase } : {}),
    backendFor,
  });
  const diagnostics: Diagnostic[] = [
    ...loadDiagnostics,
    ...parsed.diagnostics,
    ...validated.diagnostics,
    // One cluster runs one mesh, configured once: compared on the resolved mesh settings.
    ...checkClusters(validated.environments, meshDefaults),
  ];
  const report = (d: Diagnostic) => diagnostics.push(d);
  // A secret is never printed, not even quoted by a later stage's message.
  const finish = (ds: readonly Diagnostic[]) =>
    maskSecretsInMessages(sortDiagnostics([...ds]), validated.secrets);
  const result = (extra: Partial<Compiled> = {}): Compiled => {
    const sorted = finish(diagnostics);
    // A load error (an unreadable file) leaves the spec incomplete: no model is built from what was read.
    const failed = hasErrors(sorted);
    const laidOut = extra.tree ?? extra.layout;
    return {
      sources,
      parsed: parsed.files,
      checkedFiles: validated.checkedFiles,
      plans: [],
      ...(failed ? {} : extra),
      diagnostics: sorted,
      allDiagnostics: laidOut && !failed ? finish([...diagnostics, ...laidOut.diagnostics]) : sorted,
    };
  };

  // A YAML or load-stage problem blocks the later stages like any error of validate.
  if (
    !validatedCleanly(validated) ||
    hasErrors(parsed.diagnostics) ||
    hasErrors(diagnostics.slice(loadDiagnostics.length)) ||
    options.blocked
  )
    return result();

  const model = buildModel(
    validated,
    {
      meshDefaults,
      ...(options.meshOverride ? { meshOverride: options.meshOverride } : {}),
      ...(options.outputRepoPath !== undefined ? { outputRepoPath: options.outputRepoPath } : {}),
    },
    options.cache?.resolved,
  );
  onPhase?.('normalize');
  checkPolicies(validated.policies, model.environments, report);
  onPhase?.('policies');
  const plans = planEnvironments(model.environments, report);
  if (until === 'plan') {
    onPhase?.('plan');
    return result({ model, plans });
  }
  // An environment set with an error (a refused feature, a failed policy) is not rendered, but the
  // backends' own checks of its values are reported with that error, not in a later run.
  if (hasErrors(diagnostics)) {
    diagnostics.push(
      ...findingsPastRefusals(plans, {
        toolVersion: options.toolVersion ?? 'meshc',
        ...(options.cache?.emitted ? { memo: options.cache.emitted } : {}),
      }),
    );
    return (onPhase?.('plan'), result());
  }
  if (options.shards && until === 'layout') return incremental(plans, options.shards.previous);
  const emitted = emit(plans, options);
  diagnostics.push(...emitted.diagnostics);
  if (until === 'emit' || hasErrors(diagnostics)) {
    // The GitOps stage's checks (environment patches, conflicts between environments), so that validate
    // refuses whatever render would refuse.
    if (!hasErrors(diagnostics))
      diagnostics.push(
        ...gitopsDiagnostics(emitted.renders, options.cache?.canonical, options.cache?.prepared),
      );
    onPhase?.('plan');
    return result({ model, plans, emitted });
  }
  // gitops lays the tree out as objects (its checks are the same as gitopsDiagnostics': analysed once);
  // render gives each file its text.
  const layout = layoutGitOpsTree(emitted.renders);
  diagnostics.push(...layout.checks);
  onPhase?.('plan');
  if (hasErrors(diagnostics)) return result({ model, plans, emitted });
  if (until === 'layout') return result({ model, plans, emitted, layout });
  return result({ model, plans, emitted, tree: renderGitOpsTree(layout) });

  /**
   * emit → layout recording namespace shards (plan/shards.ts): the namespaces `previous` recorded alike are
   * left out of both (takeShards) where that stands for a full emit and layout; else everything is emitted
   * and laid out, as without shards.
   */
  function incremental(plans: EnvironmentPlan[], previous: ShardRecord | undefined): Compiled {
    const toolVersion = options.toolVersion ?? 'meshc';
    // Without a previous record the keys are only recorded: computed after the layout, past the peak of a
    // large compile (emit), whose garbage they would add to.
    const keys = previous ? shardKeys(plans, toolVersion) : undefined;
    // Where the namespaces' recorded findings are (ShardEntry.files): the sources' digests, and the files of
    // the environments, whose overrides can move a finding.
    const where = {
      digestOf: sourceDigests(sources),
      environmentFiles: model.environments.map((e) => e.origin([]).file),
      secrets: validated.secrets,
    };
    const taken = keys && previous ? takeShards(plans, keys, previous, where.digestOf) : undefined;
    const emitted = taken?.emitted ?? emit(plans, options);
    diagnostics.push(...emitted.diagnostics);
    if (hasErrors(diagnostics)) return (onPhase?.('plan'), result({ model, plans, emitted }));
    const layout = taken?.layout ?? layoutGitOpsTree(emitted.renders);
    diagnostics.push(...layout.checks);
    onPhase?.('plan');
    if (hasErrors(diagnostics)) return result({ model, plans, emitted });
    if (layout.diagnostics.length > 0) return result({ model, plans, emitted, layout });
    const reused = taken?.reused ?? new Set<string>();
    // What the record keeps of each namespace besides its key, from the emit and the layout (let go after).
    const entries = new Map<string, Omit<ShardEntry, 'key'>>();
    for (const ns of shardNamespaces(plans))
      if (!reused.has(ns))
        entries.set(ns, {
          foreign: foreignIds(emitted.renders, layout, ns),
          ...recordedResidue(emitted.renders, ns, where),
        });
    let record: ShardRecord | undefined;
    const recordOnce = (): ShardRecord => {
      if (record) return record;
      const { global, namespaces: current } = keys ?? shardKeys(plans, toolVersion);
      const namespaces: Record<string, ShardEntry> = {};
      for (const [ns, key] of current)
        namespaces[ns] = reused.has(ns) ? previous!.namespaces[ns]! : { key, ...entries.get(ns)! };
      return (record = { global, namespaces });
    };
    return result({ model, plans, emitted, layout, shards: { record: recordOnce, reused } });
  }

  /**
   * emit → layout without the namespaces `previous` recorded under the same keys; undefined where that would
   * not be a full render's (none to take, an emitted object of a taken namespace, a finding of the layout). An
   * emit with errors is not laid out: it fails alike without shards (its findings are every service's).
   */
  function takeShards(
    plans: EnvironmentPlan[],
    keys: ShardKeys,
    previous: ShardRecord,
    digestOf: (file: string) => string | undefined,
  ): { emitted: EmitResult; layout?: GitOpsTree; reused: ReadonlySet<string> } | undefined {
    const reused = new Set(
      [...reusableShards(plans, keys, previous)].filter((ns) =>
        filesUnchanged(previous.namespaces[ns]!, digestOf),
      ),
    );
    if (!reused.size) return undefined;
    const emitted = emit(
      plans,
      options,
      new Set([...keys.namespaces.keys()].filter((ns) => !reused.has(ns))),
      takenResidue(plans, reused, previous),
    );
    if (hasErrors(emitted.diagnostics)) return { emitted, reused };
    if (!markReused(emitted.renders, reused, previous)) return undefined;
    const layout = layoutGitOpsTree(emitted.renders);
    return layout.diagnostics.length > 0 ? undefined : { emitted, layout, reused };
  }
}

/**
 * Marks each environment's namespaces taken from the previous render (EnvRender.reused), with the ids
 * `previous` recorded of their objects that other directories could hold. False when an emitted object
 * belongs to one of them (in another directory): the layout could not check it against the namespace's own
 * objects.
 */
function markReused(renders: EnvRender[], reused: ReadonlySet<string>, previous: ShardRecord): boolean {
  for (const r of renders) {
    const mine = applicationNamespaces(r.env).filter((ns) => reused.has(ns));
    if (!mine.length) continue;
    const taken = new Set(mine);
    for (const list of [r.output.system, r.output.prerequisites ?? [], ...r.output.namespaces.values()])
      for (const o of list)
        if (o.metadata.namespace !== undefined && taken.has(o.metadata.namespace)) return false;
    r.reused = new Map(mine.map((ns) => [ns, previous.namespaces[ns]?.foreign[r.env.name] ?? []] as const));
  }
  return true;
}

/** The ids of namespace `ns`'s objects in each environment that another directory could hold too (ShardEntry.foreign). */
function foreignIds(renders: readonly EnvRender[], layout: GitOpsTree, ns: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of renders) {
    const objects = layout.builds.get(overlayPath(r.env.name, ns));
    if (!objects) continue;
    out[r.env.name] = objects.filter((o) => o.metadata.namespace !== ns).map((o) => resourceId(o));
  }
  return out;
}
