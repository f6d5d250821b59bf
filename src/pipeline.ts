import path from 'node:path';
import { loadSpec, outputDir as projectOutputDir, PROJECT_FILE } from './load/load-project.ts';
import { gitTopLevel } from './load/git-root.ts';
import { parseFiles } from './parse/parse.ts';
import type { ParsedFile } from './parse/parse.ts';
import type { SourceFile } from './parse/source.ts';
import { hasErrors, sortDiagnostics } from './core/diagnostic.ts';
import { validateSpec } from './validate/validate.ts';
import type { ValidateOptions, ValidateResult } from './validate/validate.ts';
import { realPathOfParents } from './write/output-dir.ts';
import jsYaml from 'js-yaml';

export interface CompileResult extends ValidateResult {
  readonly sources: readonly SourceFile[];
  readonly parsed: readonly ParsedFile[];
}

/** Pure part: sources → parse → validate → normalize → plan. */
export function compileSources(
  sources: readonly SourceFile[],
  options: ValidateOptions = {},
): Omit<CompileResult, 'sources'> & { sources: readonly SourceFile[] } {
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

export interface CompileDirOptions extends ValidateOptions {
  /**
   * The output directory as `render -o` gives it (absolute, or relative to the current directory);
   * default: the Project's `output`, relative to the spec directory.
   */
  readonly outputDir?: string;
  /**
   * Derive `outputRepoPath` (the default of `gitops.path`) from the git work tree holding the spec
   * (default true). Outside a repository, the Project's `output` is used.
   */
  readonly gitPaths?: boolean;
}

export interface CompileDirResult extends CompileResult {
  /** The absolute output directory (from `outputDir`, else the Project's `output`). */
  readonly outputDir: string;
  /** The top of the git work tree holding the spec, if it is in one. */
  readonly gitRoot?: string;
}

/** The Project's `output` as meshc.yaml says it, read without validating (the default when unreadable). */
function declaredOutput(project: SourceFile | undefined): string {
  if (!project) return projectOutputDir(undefined);
  try {
    return projectOutputDir(jsYaml.load(project.text, { json: true }));
  } catch {
    return projectOutputDir(undefined);
  }
}

export interface OutputPlace {
  /** The absolute output directory. */
  readonly outputDir: string;
  /** The top of the git work tree holding the spec, if it is in one. */
  readonly gitRoot?: string;
  /** `outputDir` relative to `gitRoot` (`/`-separated), when the output lies inside the work tree. */
  readonly outputRepoPath?: string;
}

/**
 * Where the output goes, and where that is in the git repository (for `gitops.path`): the requested
 * directory (`render -o`) or the Project's `output` under `root`; git is asked for the work tree's top.
 */
export async function locateOutput(
  root: string,
  files: readonly SourceFile[],
  requested?: string,
  gitPaths = true,
): Promise<OutputPlace> {
  const outputDir =
    requested !== undefined
      ? path.resolve(requested)
      : path.resolve(root, declaredOutput(files.find((f) => f.path === PROJECT_FILE)));
  const gitRoot = gitPaths && files.length > 0 ? await gitTopLevel(root) : undefined;
  if (gitRoot === undefined) return { outputDir };
  const rel = path.relative(await realPathOfParents(gitRoot), await realPathOfParents(outputDir));
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return { outputDir, gitRoot, ...(inside ? { outputRepoPath: rel.split(path.sep).join('/') } : {}) };
}

/** load (disk, and git for the output's place in the repository) → the pure stages. */
export async function compileDir(dir: string, options: CompileDirOptions = {}): Promise<CompileDirResult> {
  const root = path.resolve(dir);
  const loaded = await loadSpec(root);
  const { outputDir: requested, gitPaths = true, ...validateOptions } = options;
  const place = await locateOutput(root, loaded.files, requested, gitPaths);
  const outputRepoPath = validateOptions.outputRepoPath ?? place.outputRepoPath;
  const compiled = compileSources(loaded.files, {
    ...validateOptions,
    ...(outputRepoPath !== undefined ? { outputRepoPath } : {}),
  });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...compiled.diagnostics]);
  const hasLoadErrors = loaded.diagnostics.some((d) => d.severity === 'error');
  const extra = {
    outputDir: place.outputDir,
    ...(place.gitRoot !== undefined ? { gitRoot: place.gitRoot } : {}),
  };
  return hasLoadErrors
    ? ({ ...compiled, ...extra, model: undefined, plans: [], diagnostics } as CompileDirResult)
    : { ...compiled, ...extra, diagnostics };
}
