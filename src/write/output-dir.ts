/**
 * Where `meshc render` may write. The writer replaces the output directory as a whole, so a wrong one
 * loses data: the repository itself (`-o .`, `output: ./`), git's own store (`.git`), the spec files, or,
 * through a symlinked parent, a directory outside the repository.
 *
 * Decision on symlinks: `output` in meshc.yaml must resolve (every existing parent's real path) inside
 * the spec repository (its git work tree, else the spec directory): a committed spec cannot send meshc's
 * writes elsewhere. `-o` on the command line is the user's explicit choice and may point outside the
 * repository (a preview in a temporary directory, for example), but never at the refused places above.
 */
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import picomatch from 'picomatch';
import { OWNED_HEADER } from '../core/output.ts';

export interface OutputDirContext {
  /** The spec directory (holding meshc.yaml). */
  readonly specRoot: string;
  /** The spec files, relative to `specRoot`, `/`-separated (meshc.yaml included). */
  readonly specFiles: readonly string[];
  /**
   * The Project's `include` and `policies` globs. The loader skips the output directory, so spec files
   * that an output directory would swallow are found by matching these globs inside it.
   */
  readonly globs?: readonly string[];
  /** The top of the git work tree holding the spec, if any. */
  readonly gitRoot?: string;
  /** True when the directory comes from `-o` (the command line), false when from meshc.yaml. */
  readonly explicit: boolean;
}

export interface OutputDirProblem {
  readonly code: 'OUTPUT_DIR_INVALID' | 'PATH_OUTSIDE_ROOT';
  readonly message: string;
}

/** The real path of `p`: its nearest existing ancestor resolved through symlinks, the rest appended. */
export async function realPathOfParents(p: string): Promise<string> {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.join(existing, ...rest);
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function within(child: string, parent: string): boolean {
  return child === parent || inside(child, parent);
}

/** Why `outDir` must not be written, or undefined when it may. */
export async function checkOutputDir(
  outDir: string,
  ctx: OutputDirContext,
): Promise<OutputDirProblem | undefined> {
  const lexical = path.resolve(outDir);
  const real = await realPathOfParents(lexical);
  const specRoot = await realPathOfParents(ctx.specRoot);
  const gitRoot = ctx.gitRoot ? await realPathOfParents(ctx.gitRoot) : undefined;
  const shown = ctx.explicit ? outDir : path.relative(ctx.specRoot, lexical) || '.';

  if ([lexical, real].some((p) => p.split(path.sep).includes('.git')))
    return {
      code: 'OUTPUT_DIR_INVALID',
      message: `The output directory ${shown} lies inside .git, git's own store.`,
    };
  if (real === specRoot || (gitRoot !== undefined && real === gitRoot))
    return {
      code: 'OUTPUT_DIR_INVALID',
      message: `The output directory ${shown} is the ${real === specRoot ? 'spec' : 'repository'} root itself; meshc replaces its output directory as a whole.`,
    };
  if (inside(specRoot, real) || (gitRoot !== undefined && inside(gitRoot, real)))
    return {
      code: 'OUTPUT_DIR_INVALID',
      message: `The output directory ${shown} contains the spec repository (meshc.yaml and the spec files).`,
    };
  const spec = ctx.specFiles.find((f) => within(path.join(specRoot, ...f.split('/')), real));
  if (spec !== undefined)
    return {
      code: 'OUTPUT_DIR_INVALID',
      message: `The output directory ${shown} holds the spec file ${spec}; meshc would overwrite its own input.`,
    };
  const swallowed = await specFileInside(specRoot, real, ctx.globs ?? []);
  if (swallowed !== undefined)
    return {
      code: 'OUTPUT_DIR_INVALID',
      message: `The output directory ${shown} holds the spec file ${swallowed}; meshc would overwrite its own input.`,
    };
  if (!ctx.explicit) {
    const repo = gitRoot ?? specRoot;
    const lexicalRepo = ctx.gitRoot ? path.resolve(ctx.gitRoot) : path.resolve(ctx.specRoot);
    if (!within(real, repo) && !(within(lexical, lexicalRepo) && lexical === real))
      return {
        code: 'PATH_OUTSIDE_ROOT',
        message: `The output directory ${shown} resolves to ${real}, outside the repository (through a symbolic link).`,
      };
  }
  return undefined;
}

/** How much of a file is read to tell a meshc spec document from anything else. */
const SNIFF_BYTES = 4096;
const SPEC_DOCUMENT = /^\s*["']?apiVersion["']?\s*:\s*["']?meshc\.dev\//m;

/**
 * A spec document (`apiVersion: meshc.dev/...`, not written by meshc) inside `outDir` that the spec
 * globs match, first by path, if any: the loader skips the output directory, so such a file would
 * silently drop out of the spec and then be replaced or buried by the render.
 */
async function specFileInside(
  specRoot: string,
  outDir: string,
  globs: readonly string[],
): Promise<string | undefined> {
  const rel = path.relative(specRoot, outDir);
  if (globs.length === 0 || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const prefix = `${rel.split(path.sep).join('/')}/`;
  const usable = usableGlobs(globs);
  const matches = await fg(usable, {
    cwd: specRoot,
    onlyFiles: true,
    dot: false,
    followSymbolicLinks: false,
    ignore: ['node_modules/**', '.git/**'],
  });
  const header = Buffer.from(OWNED_HEADER, 'utf8');
  for (const m of matches.filter((x) => x.startsWith(prefix)).sort()) {
    const fh = await open(path.join(specRoot, ...m.split('/')), 'r').catch(() => undefined);
    if (!fh) continue;
    try {
      const head = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
      const bytes = head.subarray(0, bytesRead);
      const owned = bytes.length >= header.length && bytes.subarray(0, header.length).equals(header);
      if (!owned && SPEC_DOCUMENT.test(bytes.toString('utf8'))) return m;
    } finally {
      await fh.close();
    }
  }
  return undefined;
}

/**
 * The first of `paths` (files a render writes, relative to `outDir`) that the spec's globs match, relative to
 * the spec root, when `outDir` lies inside the spec directory but outside the Project's own `output` (which
 * the loader skips): a render there (`-o`) would be read back as spec by every later command. Matched as
 * fast-glob matches (picomatch, the matcher under it), on paths, without the disk.
 */
export function outputReadAsSpec(
  ctx: { readonly specRoot: string; readonly projectOutput: string; readonly globs: readonly string[] },
  outDir: string,
  paths: readonly string[],
): string | undefined {
  const rel = path.relative(path.resolve(ctx.specRoot), path.resolve(outDir));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  if (within(path.resolve(outDir), path.resolve(ctx.specRoot, ctx.projectOutput))) return undefined;
  const usable = usableGlobs(ctx.globs);
  if (usable.length === 0) return undefined;
  const isMatch = picomatch(usable, { dot: false });
  const prefix = rel.split(path.sep).join('/');
  for (const p of paths) if (isMatch(`${prefix}/${p}`)) return `${prefix}/${p}`;
  return undefined;
}

/** The globs that can match inside the spec directory: relative, without `..` (the loader refuses the others). */
function usableGlobs(globs: readonly string[]): string[] {
  return globs.filter((g) => !path.isAbsolute(g) && !g.split('/').includes('..'));
}
