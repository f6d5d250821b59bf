import path from 'node:path';
import { loadSpec, type LoadedSpec } from './load/load-project.ts';
import { DEFAULT_OUTPUT } from './load/constants.ts';
import { gitTopLevel } from './load/git-root.ts';
import { compile } from './compile.ts';
import type { CompileOptions, Compiled } from './compile.ts';
import { realPathOfParents } from './write/output-dir.ts';

export { compile } from './compile.ts';
export type { CompileOptions, CompileResult, CompileStage, Compiled, EmitResult } from './compile.ts';

export interface CompileDirOptions extends Omit<CompileOptions, 'loadDiagnostics'> {
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

export interface CompileDirResult extends Compiled {
  /** The absolute output directory (from `outputDir`, else the Project's `output`). */
  readonly outputDir: string;
  /** The top of the git work tree holding the spec, if it is in one. */
  readonly gitRoot?: string;
  /** The `include` and `policies` patterns meshc.yaml declares (empty when it could not be read). */
  readonly projectGlobs: readonly string[];
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
  loaded: LoadedSpec,
  requested?: string,
  gitPaths = true,
): Promise<OutputPlace> {
  const outputDir =
    requested !== undefined
      ? path.resolve(requested)
      : path.resolve(root, loaded.project?.output ?? DEFAULT_OUTPUT);
  const gitRoot = gitPaths && loaded.files.length > 0 ? await gitTopLevel(root) : undefined;
  if (gitRoot === undefined) return { outputDir };
  const rel = path.relative(await realPathOfParents(gitRoot), await realPathOfParents(outputDir));
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return { outputDir, gitRoot, ...(inside ? { outputRepoPath: rel.split(path.sep).join('/') } : {}) };
}

/** load (disk, and git for the output's place in the repository) → {@link compile}, the pure stages. */
export async function compileDir(dir: string, options: CompileDirOptions = {}): Promise<CompileDirResult> {
  const root = path.resolve(dir);
  const loaded = await loadSpec(root);
  const { outputDir: requested, gitPaths = true, ...compileOptions } = options;
  const place = await locateOutput(root, loaded, requested, gitPaths);
  const outputRepoPath = compileOptions.outputRepoPath ?? place.outputRepoPath;
  const compiled = compile(loaded.files, {
    ...compileOptions,
    ...(outputRepoPath !== undefined ? { outputRepoPath } : {}),
    loadDiagnostics: loaded.diagnostics,
  });
  return {
    ...compiled,
    outputDir: place.outputDir,
    projectGlobs: loaded.project?.globs ?? [],
    ...(place.gitRoot !== undefined ? { gitRoot: place.gitRoot } : {}),
  };
}
