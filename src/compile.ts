/**
 * The pure pipeline in one function: parse → validate → model → plan → emit → gitops → render. Every
 * caller (the CLI's validate, build, render and verify, `meshc diff`, the library API and the tests) runs
 * the stages through {@link compile}, so the sequence is wired once. No disk, no git, no clock: `load` (before) and
 * `write` (after) are the callers' business.
 */
import type { Diagnostic } from './core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from './core/diagnostic.ts';
import type { GitOpsResult, EnvRender } from './gitops/tree.ts';
import { layoutGitOpsTree } from './gitops/tree.ts';
import type { ParsedFile } from './parse/parse.ts';
import { parseFiles } from './parse/parse.ts';
import type { SourceFile } from './parse/source.ts';
import { emitEnvironments } from './plan/emit.ts';
import { renderGitOpsTree } from './render/tree.ts';
import type { ValidateOptions, ValidateResult } from './validate/validate.ts';
import { validateSpec } from './validate/validate.ts';

/** The last stage {@link compile} runs; later stages are left out of the result. */
export type CompileStage = 'plan' | 'emit' | 'gitops';

export interface CompileOptions extends ValidateOptions {
  /**
   * Problems of the load stage (a missing meshc.yaml, an unreadable file): reported first, and an error
   * among them leaves the result without a model, plans or renders (the checks still run).
   */
  readonly loadDiagnostics?: readonly Diagnostic[];
  /** The last stage to run (default `gitops`): `validate` stops at `plan`, `diff` at `emit`. */
  readonly until?: CompileStage;
}

/** parse → validate → model → plan: every check of SPEC.md, the resolved model and the backends chosen. */
export interface CompileResult extends ValidateResult {
  readonly sources: readonly SourceFile[];
  readonly parsed: readonly ParsedFile[];
}

export interface EmitResult {
  /** The backend output of each planned environment, as the gitops stage takes it. */
  readonly renders: EnvRender[];
  readonly diagnostics: Diagnostic[];
}

/** Everything the stages produced, up to `options.until`. */
export interface Compiled extends CompileResult {
  /** The backends' output (from `emit` on, when there is a model). */
  readonly emitted?: EmitResult;
  /** The GitOps tree: files, per-overlay builds (from `gitops` on, when there is a model). */
  readonly tree?: GitOpsResult;
  /**
   * The diagnostics of every stage that ran (load, parse, validate, emit, gitops), sorted; `diagnostics`
   * holds those up to `plan`, which is what `meshc validate` reports.
   */
  readonly allDiagnostics: readonly Diagnostic[];
}

/** Pure part up to the plan: sources → parse → validate → normalize → plan. */
export function compileSources(sources: readonly SourceFile[], options: ValidateOptions = {}): CompileResult {
  const parsed = parseFiles(sources);
  // A YAML error blocks the later stages (policies, capabilities, the model) like any other error.
  const result = validateSpec(parsed.files, {
    ...options,
    blocked: options.blocked || hasErrors(parsed.diagnostics),
  });
  return {
    ...result,
    diagnostics: sortDiagnostics([...parsed.diagnostics, ...result.diagnostics]),
    sources,
    parsed: parsed.files,
  };
}

/** The whole pure pipeline: sources → parse → validate → model → plan → emit → gitops → render (text). */
export function compile(sources: readonly SourceFile[], options: CompileOptions = {}): Compiled {
  const { loadDiagnostics = [], until = 'gitops', ...validateOptions } = options;
  const planned = compileSources(sources, validateOptions);
  const diagnostics = loadDiagnostics.length
    ? sortDiagnostics([...loadDiagnostics, ...planned.diagnostics])
    : planned.diagnostics;
  // A load error (an unreadable file) leaves the spec incomplete: no model is built from what was read.
  const compiled: CompileResult = hasErrors(loadDiagnostics)
    ? { ...planned, model: undefined, plans: [], diagnostics }
    : { ...planned, diagnostics };
  if (until === 'plan' || !compiled.model) return { ...compiled, allDiagnostics: diagnostics };
  const emitted = emitEnvironments(compiled.plans);
  if (until === 'emit')
    return {
      ...compiled,
      emitted,
      allDiagnostics: sortDiagnostics([...diagnostics, ...emitted.diagnostics]),
    };
  // gitops lays the tree out as objects; render gives each file its text.
  const tree = renderGitOpsTree(layoutGitOpsTree(emitted.renders));
  return {
    ...compiled,
    emitted,
    tree,
    allDiagnostics: sortDiagnostics([...diagnostics, ...emitted.diagnostics, ...tree.diagnostics]),
  };
}
