/**
 * meshc as a library: the same pipeline as the CLI, as four functions.
 *
 * ```ts
 * import { load, compile, render, diff } from 'meshc';
 * const spec = await load('mesh');            // read meshc.yaml and the files its globs match
 * const result = compile(spec);               // parse, validate, normalize, plan, emit (pure)
 * const tree = render(result);                // the files of the output tree (pure)
 * const changes = diff(compile(base), result); // what changes between two versions (pure)
 * ```
 *
 * Only `load` (the disk, and git for where the output lies in the repository) and `write` do I/O; the
 * rest are pure and deterministic, and give exactly what `meshc render` writes. Every user error is a
 * {@link Diagnostic} with a stable code (see docs/errors.md), never an exception.
 */
import path from 'node:path';
import type { Diagnostic } from './core/diagnostic.ts';
import { hasErrors } from './core/diagnostic.ts';
import type { OutputFile } from './core/output.ts';
import { diffSpecs, emptySide, type SpecDiff } from './diff/index.ts';
import { loadSpec } from './load/load-project.ts';
import type { Model } from './model/types.ts';
import type { SourceFile } from './parse/source.ts';
import { compile as compileStages, type Compiled as PipelineResult } from './compile.ts';
import { locateOutput } from './pipeline.ts';
import { writeTree, type WriteResult } from './write/write-tree.ts';

export type { Diagnostic, Severity } from './core/diagnostic.ts';
export type { DiagnosticCode } from './core/codes.ts';
export { CODES } from './core/codes.ts';
export type { OutputFile } from './core/output.ts';
export type { SourceFile } from './parse/source.ts';
export type { Model } from './model/types.ts';
export type { SpecDiff } from './diff/index.ts';
export type { WriteResult, Removals, StaleFile } from './write/write-tree.ts';
export { VERSION } from './cli/version.ts';

/** A spec repository read from disk. */
export interface LoadedProject {
  /** The spec directory (holding meshc.yaml), absolute. */
  readonly root: string;
  /** meshc.yaml first, then every matched file, with paths relative to `root`. */
  readonly files: readonly SourceFile[];
  /** Problems finding or reading files (a missing meshc.yaml, an unreadable file, ...). */
  readonly diagnostics: readonly Diagnostic[];
  /** Where the output directory lies in the spec's git repository: the default of `gitops.path`. */
  readonly outputRepoPath?: string;
}

export interface LoadOptions {
  /** The output directory (as `render -o`), for `gitops.path`; default: the Project's `output`. */
  readonly outputDir?: string;
}

/** Reads the spec repository at `dir`: meshc.yaml and the files its `include` and `policies` globs match. */
export async function load(dir: string, options: LoadOptions = {}): Promise<LoadedProject> {
  const root = path.resolve(dir);
  const loaded = await loadSpec(root);
  const place = await locateOutput(root, loaded, options.outputDir);
  return {
    root,
    files: loaded.files,
    diagnostics: loaded.diagnostics,
    ...(place.outputRepoPath !== undefined ? { outputRepoPath: place.outputRepoPath } : {}),
  };
}

export interface CompileOptions {
  /** Only these environments get a model and a plan. */
  readonly environments?: readonly string[];
}

/** The result of {@link compile}: every diagnostic, and the model when the spec has no error. */
export interface Compiled {
  readonly diagnostics: readonly Diagnostic[];
  /** Present when the spec (and its loading) has no error. */
  readonly model?: Model;
  /** True when nothing is an error (warnings allowed). */
  readonly ok: boolean;
  /** @internal the pipeline's full result (emit and the GitOps tree included), for {@link render} and {@link diff}. */
  readonly result: PipelineResult;
}

/** Parses, validates, normalizes, plans, emits and lays out a loaded spec (or in-memory files). Pure. */
export function compile(spec: LoadedProject | readonly SourceFile[], options: CompileOptions = {}): Compiled {
  const files = Array.isArray(spec) ? (spec as readonly SourceFile[]) : (spec as LoadedProject).files;
  const loadDiagnostics = Array.isArray(spec) ? [] : (spec as LoadedProject).diagnostics;
  const repoPath = Array.isArray(spec) ? undefined : (spec as LoadedProject).outputRepoPath;
  const result = compileStages(files, {
    ...(options.environments ? { environments: options.environments } : {}),
    ...(repoPath !== undefined ? { outputRepoPath: repoPath } : {}),
    loadDiagnostics,
  });
  const diagnostics = result.diagnostics;
  const ok = !hasErrors(diagnostics);
  return { diagnostics, ok, result, ...(ok && result.model ? { model: result.model } : {}) };
}

/** The rendered output tree of a compiled spec. */
export interface Rendered {
  /** The files of the output directory (paths relative to it), sorted; empty when there are errors. */
  readonly files: readonly OutputFile[];
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
}

/** Renders base/, overlays/ and clusters/ of a compiled spec, in memory. Pure. */
export function render(compiled: Compiled): Rendered {
  if (!compiled.ok) return { files: [], diagnostics: compiled.diagnostics, ok: false };
  const diagnostics = compiled.result.allDiagnostics;
  const ok = !hasErrors(diagnostics);
  return { files: ok ? (compiled.result.tree?.files ?? []) : [], diagnostics: [...diagnostics], ok };
}

export interface WriteOptions {
  /** Compare with the tree on disk and write nothing (`render --check`). */
  readonly check?: boolean;
  /** Write even when a whole environment, namespace or cluster leaves the tree (default false: refused). */
  readonly allowRemovals?: boolean;
}

/**
 * Writes a rendered tree into `outDir` as `meshc render` does: only meshc's own files are replaced or
 * removed, the swap is atomic, and a removal of a whole environment or namespace is refused unless
 * `allowRemovals`. Disk I/O.
 */
export async function write(
  outDir: string,
  rendered: Rendered,
  options: WriteOptions = {},
): Promise<WriteResult> {
  return writeTree(outDir, rendered.files, {
    check: options.check ?? false,
    guardRemovals: !options.allowRemovals,
  });
}

/**
 * What changes from `base` to `head`: environments added, removed or renamed, a summary in words, and
 * a per-resource diff of the renders. A `base` that is undefined (the spec does not exist there yet)
 * or does not compile counts as a spec without environments; returns undefined when `head` does not
 * compile. Pure.
 */
export function diff(
  base: Compiled | undefined,
  head: Compiled,
  options: { context?: number } = {},
): SpecDiff | undefined {
  if (!head.ok || !head.model) return undefined;
  const headSide = { model: head.model, renders: head.result.emitted?.renders ?? [] };
  const baseSide =
    base?.ok && base.model
      ? { model: base.model, renders: base.result.emitted?.renders ?? [] }
      : emptySide(head.model.project);
  return diffSpecs(baseSide, headSide, options);
}
