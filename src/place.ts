/**
 * The load stage of a compile from disk, apart from the compile itself: the spec files and where the output
 * goes (git asked for the work tree's top). Kept out of pipeline.ts so that a command that may not need to
 * compile (a render confirmed by the render cache) loads none of the compiler's modules.
 */
import path from 'node:path';
import { loadSpec, type LoadedSpec } from './load/load-project.ts';
import { DEFAULT_OUTPUT } from './load/constants.ts';
import { gitTopLevel } from './load/git-root.ts';
import { realPathOfParents } from './write/output-dir.ts';

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

/** A spec read from disk and the place of its output: what {@link compileLoaded} compiles. */
export interface LoadedForCompile {
  readonly root: string;
  readonly loaded: LoadedSpec;
  readonly place: OutputPlace;
}

/** The load stage of {@link compileDir}: the spec files, and where the output goes (git asked). */
export async function loadForCompile(
  dir: string,
  options: { readonly outputDir?: string; readonly gitPaths?: boolean } = {},
): Promise<LoadedForCompile> {
  const root = path.resolve(dir);
  const loaded = await loadSpec(root);
  const place = await locateOutput(root, loaded, options.outputDir, options.gitPaths ?? true);
  return { root, loaded, place };
}
