import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourceFile } from '../parse/source.ts';
import { parseFile } from '../parse/parse.ts';
import type { ParsedDoc } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';

import { DEFAULT_OUTPUT, PROJECT_FILE } from './constants.ts';

export { PROJECT_FILE };
/** Spec files larger than this are refused (FILE_TOO_LARGE). */
export const MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_INCLUDE = ['**/*.yaml'];

export interface LoadedSpec {
  /** Every spec file, meshc.yaml first, the rest sorted by path. Paths are relative to the root, `/`-separated. */
  readonly files: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads a spec repository from disk: meshc.yaml, then the files its `include` and `policies` globs match.
 * The only input I/O of the pipeline (with the git reader built on it).
 */
export async function loadSpec(root: string): Promise<LoadedSpec> {
  const diagnostics: Diagnostic[] = [];
  const absRoot = path.resolve(root);
  let realRoot: string;
  try {
    realRoot = await realpath(absRoot);
    if (!(await stat(realRoot)).isDirectory()) throw new Error('not a directory');
  } catch {
    return { files: [], diagnostics: [projectNotFound(root, 'does not exist or is not a directory')] };
  }
  const project = await readSpecFile(realRoot, PROJECT_FILE, diagnostics);
  if (!project) {
    if (diagnostics.length === 0) diagnostics.push(projectNotFound(root, `has no ${PROJECT_FILE}`));
    return { files: [], diagnostics };
  }
  const projectDoc = parseFile(project, []).docs[0];
  const globs = projectDoc ? projectGlobs(projectDoc) : [];
  const output = projectDoc ? outputDir(projectDoc.value) : DEFAULT_OUTPUT;
  const found = new Set<string>();
  for (const g of globs) {
    if (path.isAbsolute(g.pattern) || g.pattern.split('/').includes('..')) {
      diagnostics.push({
        code: 'PATH_OUTSIDE_ROOT',
        severity: 'error',
        message: `The pattern "${g.pattern}" reaches outside the spec repository.`,
        hint: 'Use patterns relative to the directory of meshc.yaml, without `..` segments.',
        location: locate(projectDoc!, g.path),
      });
      continue;
    }
    const matches = await fg(g.pattern, {
      cwd: realRoot,
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: true,
      // `<output>.meshc-*`: staging trees an interrupted render of an older meshc left beside the output
      // (the writer now hides them as `.<output>.meshc-*`, and removes both kinds on its next run).
      ignore: [
        'node_modules/**',
        '.git/**',
        `${output}/**`,
        `${output}.meshc-staging-*/**`,
        `${output}.meshc-old-*/**`,
        PROJECT_FILE,
      ],
    });
    if (matches.length === 0) {
      diagnostics.push({
        code: 'INCLUDE_NO_MATCH',
        severity: 'warning',
        message: `The pattern "${g.pattern}" matches no file.`,
        hint: 'Check the pattern against the repository layout (patterns are fast-glob globs relative to meshc.yaml).',
        location: locate(projectDoc!, g.path),
      });
    }
    for (const m of matches) found.add(m);
  }
  const files: SourceFile[] = [project];
  for (const rel of [...found].sort()) {
    const f = await readSpecFile(realRoot, rel, diagnostics);
    if (f) files.push(f);
  }
  return { files, diagnostics };
}

async function readSpecFile(
  realRoot: string,
  rel: string,
  diagnostics: Diagnostic[],
): Promise<SourceFile | undefined> {
  const abs = path.join(realRoot, rel);
  const file = rel.split(path.sep).join('/');
  try {
    await lstat(abs);
  } catch {
    return undefined;
  }
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        file,
        `${file} is a broken symlink.`,
        'Point the link at an existing file, or remove it.',
      ),
    );
    return undefined;
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    diagnostics.push(
      fileDiag(
        'PATH_OUTSIDE_ROOT',
        file,
        `${file} resolves to a file outside the spec repository.`,
        'Copy the file into the repository instead of linking to it; meshc reads only what is committed with the spec.',
      ),
    );
    return undefined;
  }
  const info = await stat(real);
  if (info.size > MAX_FILE_BYTES) {
    diagnostics.push(
      fileDiag(
        'FILE_TOO_LARGE',
        file,
        `${file} is ${info.size} bytes, over the ${MAX_FILE_BYTES}-byte limit for a spec file.`,
        'Split it into several files matched by `include`.',
      ),
    );
    return undefined;
  }
  try {
    const bytes = await readFile(real);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { path: file, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        file,
        `${file} could not be read as UTF-8 text.`,
        `Check its permissions and encoding (${(e as Error).message}).`,
      ),
    );
    return undefined;
  }
}

function fileDiag(code: Diagnostic['code'], file: string, message: string, hint: string): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    hint,
    location: { file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 },
  };
}

function projectNotFound(root: string, why: string): Diagnostic {
  return {
    code: 'PROJECT_NOT_FOUND',
    severity: 'error',
    message: `The directory "${root}" ${why}.`,
    hint: 'Run meshc in the root of a spec repository (the directory holding meshc.yaml), or create one with `meshc init`.',
  };
}

interface GlobRef {
  readonly pattern: string;
  readonly path: (string | number)[];
}

function projectGlobs(pd: ParsedDoc): GlobRef[] {
  const spec = (pd.value as { spec?: { include?: unknown; policies?: unknown } } | null)?.spec;
  const out: GlobRef[] = [];
  const take = (field: 'include' | 'policies', fallback: string[]) => {
    const list = spec?.[field];
    if (list === undefined) {
      for (const p of fallback) out.push({ pattern: p, path: ['spec'] });
      return;
    }
    if (!Array.isArray(list)) return; // the schema reports it
    list.forEach((p, i) => {
      if (typeof p === 'string') out.push({ pattern: p, path: ['spec', field, i] });
    });
  };
  take('include', DEFAULT_INCLUDE);
  take('policies', []);
  return out;
}

export function outputDir(projectValue: unknown): string {
  const out = (projectValue as { spec?: { output?: unknown } } | null)?.spec?.output;
  return typeof out === 'string' && out.length > 0 ? out.replace(/\/+$/, '') : DEFAULT_OUTPUT;
}
