import { compile } from './compile.ts';
import type { CompileOptions, Compiled } from './compile.ts';
import { loadForCompile } from './place.ts';
import type { LoadedForCompile } from './place.ts';

export { loadForCompile, locateOutput } from './place.ts';
export type { LoadedForCompile, OutputPlace } from './place.ts';

export { compile, newCompileCache } from './compile.ts';
export { renderEntriesReleasing } from './render/tree.ts';
export type {
  CompileCache,
  CompileOptions,
  CompileResult,
  CompileStage,
  Compiled,
  EmitResult,
} from './compile.ts';

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

/** The pure stages of {@link compileDir} on what {@link loadForCompile} read. */
export function compileLoaded(input: LoadedForCompile, options: CompileDirOptions = {}): CompileDirResult {
  const { loaded, place } = input;
  // outputDir and gitPaths were the load stage's; the rest goes to compile.
  const { outputDir, gitPaths, ...compileOptions } = options;
  void outputDir;
  void gitPaths;
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

/** load (disk, and git for the output's place in the repository) → {@link compile}, the pure stages. */
export async function compileDir(dir: string, options: CompileDirOptions = {}): Promise<CompileDirResult> {
  return compileLoaded(await loadForCompile(dir, options), options);
}
