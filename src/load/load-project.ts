import fs from 'node:fs';
import { fileStart } from '../core/location.ts';
import path from 'node:path';
import fg from 'fast-glob';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourceFile } from '../parse/source.ts';
import { parseFile } from '../parse/parse.ts';
import type { ParsedDoc } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';
import { guardedStatSync, type Refusal } from './walk-guard.ts';

import { DEFAULT_OUTPUT, PROJECT_FILE } from './constants.ts';

export { PROJECT_FILE };
/** Spec files larger than this are refused (FILE_TOO_LARGE). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** All spec files together (a fleet of 40,000 services fits): larger is refused before any is read (SPEC_TOO_LARGE). */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
export const DEFAULT_INCLUDE = ['**/*.yaml'];
/** The unmatched-file check (SPEC_FILE_NOT_INCLUDED) reads at most this many files, this much of each. */
export const UNMATCHED_SCAN = { maxFiles: 200, headBytes: 2048 } as const;

/**
 * Directories the loader never reads, whatever the globs say: dependencies, git's own, and the
 * leftovers of an interrupted render (staging and previous trees, next to the output directory or
 * dot-prefixed). The output directory is added per project.
 */
export const ALWAYS_IGNORED = [
  'node_modules/**',
  '**/node_modules/**',
  '.git/**',
  '**/.git/**',
  '**/*.meshc-staging-*/**',
  '**/*.meshc-old-*/**',
  '**/.meshc-*/**',
] as const;

export interface LoadedSpec {
  /** Every spec file, meshc.yaml first, the rest sorted by path. Paths are relative to the root, `/`-separated. */
  readonly files: SourceFile[];
  readonly diagnostics: Diagnostic[];
  /**
   * What meshc.yaml declares, as the loader read it (before validation): the output directory (default
   * applied) and the `include` and `policies` patterns (default include applied). Absent when meshc.yaml
   * could not be read or parsed.
   */
  readonly project?: { readonly output: string; readonly globs: readonly string[] };
}

/** The functions of fast-glob's file-system adapter that its synchronous walk calls. */
export type WalkFs = Pick<fg.FileSystemAdapter, 'lstatSync' | 'statSync' | 'readdirSync'>;

export interface LoadOptions {
  /**
   * File-system functions for the directory walk (fast-glob's synchronous adapter), over the real ones. A
   * test seam: it lets tests simulate a directory the process cannot read, which running as root does not
   * allow. Only the synchronous names: the walk calls no other.
   */
  readonly walkFs?: Partial<WalkFs>;
}

/**
 * Reads a spec repository from disk: meshc.yaml, then the files its `include` and `policies` globs match.
 * The only input I/O of the pipeline (with the git reader built on it).
 *
 * Nothing is read before it is known to be safe to read: symlinks are resolved and must stay inside the
 * repository (a directory symlink is followed only then, and never into one of its own ancestors),
 * only regular files are opened (a FIFO would block forever), and sizes are checked, per file and in
 * total, from `stat` before the first byte is read.
 *
 * Asynchronous in signature only: the walk, the checks and the reads are synchronous. A spec repository is
 * many small files and directories, and asynchronously each step was a round trip through the thread pool
 * with nothing else to run meanwhile. The realpath is `realpathSync.native`, the one fs/promises calls.
 */
export async function loadSpec(root: string, options: LoadOptions = {}): Promise<LoadedSpec> {
  return loadSpecSync(root, options);
}

function loadSpecSync(root: string, options: LoadOptions): LoadedSpec {
  const diagnostics: Diagnostic[] = [];
  const absRoot = path.resolve(root);
  let realRoot: string;
  try {
    realRoot = fs.realpathSync.native(absRoot);
    if (!fs.statSync(realRoot).isDirectory()) throw new Error('not a directory');
  } catch {
    return { files: [], diagnostics: [projectNotFound(root, 'does not exist or is not a directory')] };
  }
  const projectInfo = inspectSpecFile(realRoot, PROJECT_FILE, diagnostics);
  const project = projectInfo && readSpecFile(projectInfo, diagnostics);
  if (!project) {
    if (diagnostics.length === 0) diagnostics.push(projectNotFound(root, `has no ${PROJECT_FILE}`));
    return { files: [], diagnostics };
  }
  const projectDoc = parseFile(project, []).docs[0];
  const globs = projectDoc ? projectGlobs(projectDoc) : [];
  const output = projectDoc ? outputDir(projectDoc.value) : DEFAULT_OUTPUT;
  const declared = projectDoc ? { project: { output, globs: globs.map((g) => g.pattern) } } : {};
  const ignore = [...ALWAYS_IGNORED, PROJECT_FILE];
  const outRel = path.posix.normalize(output.split(path.sep).join('/')).replace(/\/+$/, '');
  if (outRel !== '.' && outRel !== '' && !outRel.startsWith('../') && !path.posix.isAbsolute(outRel))
    ignore.push(`${fg.escapePath(outRel)}/**`);

  const found = new Set<string>();
  const reported = new Set<string>();
  // What the globs reach but is not read (see SourceFile.unread): refused patterns and entries, files refused
  // or failing to read.
  const unread: string[] = [];
  const refused = new Map<string, Refusal>();
  const walkFs: Partial<WalkFs> = {
    ...options.walkFs,
    statSync: guardedStatSync(realRoot, refused, options.walkFs?.statSync ?? fs.statSync),
  };
  for (const g of globs) {
    const at = () => locate(projectDoc!, g.path);
    if (path.isAbsolute(g.pattern) || g.pattern.split('/').includes('..')) {
      diagnostics.push({
        code: 'PATH_OUTSIDE_ROOT',
        severity: 'error',
        message: `The pattern "${g.pattern}" reaches outside the spec repository.`,
        hint: 'Use patterns relative to the directory of meshc.yaml, without `..` segments.',
        location: at(),
      });
      unread.push(g.pattern);
      continue;
    }
    refused.clear();
    let entries: fg.Entry[];
    try {
      entries = fg.sync(g.pattern, {
        cwd: realRoot,
        onlyFiles: false,
        objectMode: true,
        dot: false,
        followSymbolicLinks: true,
        throwErrorOnBrokenSymbolicLink: false,
        suppressErrors: false,
        ignore,
        fs: walkFs,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const where = err.path ? relTo(realRoot, err.path) : undefined;
      diagnostics.push({
        code: 'FILE_UNREADABLE',
        severity: 'error',
        message: `The pattern "${g.pattern}" cannot be searched: ${where ? `"${where}"` : 'a directory'} could not be read (${err.code ?? err.message}).`,
        hint: 'Check the permissions of that directory (meshc must be able to list every directory the pattern reaches), or narrow the pattern.',
        location: at(),
      });
      unread.push(g.pattern);
      continue;
    }
    let matched = 0;
    for (const entry of entries) {
      const rel = entry.path.split(path.sep).join('/');
      const d = entry.dirent;
      if (d.isDirectory()) continue; // a directory named like a file: fast-glob's onlyFiles skips it too
      matched++;
      if (d.isFile()) {
        found.add(rel);
        continue;
      }
      if (reported.has(rel)) continue;
      reported.add(rel);
      diagnostics.push(specialEntry(realRoot, rel, d, refused.get(path.join(realRoot, rel)), g.pattern, at));
      unread.push(rel);
    }
    // Directory symlinks the walk refused to follow, for patterns that would have descended into them.
    if (g.pattern.includes('**'))
      for (const [abs, why] of [...refused].sort()) {
        const rel = relTo(realRoot, abs);
        if (reported.has(rel)) continue;
        reported.add(rel);
        matched++;
        diagnostics.push(refusedLink(rel, why, g.pattern, at()));
        unread.push(rel);
      }
    if (matched === 0) {
      diagnostics.push({
        code: 'INCLUDE_NO_MATCH',
        severity: 'error',
        message: `The pattern "${g.pattern}" matches no file.`,
        hint: 'Check the pattern against the repository layout (patterns are fast-glob globs relative to meshc.yaml); a pattern that matches nothing would leave its files out of the render, and the GitOps engine would delete what they rendered.',
        location: at(),
      });
    }
  }

  // Everything that will be read is known: check it is safe to read, then the total size, then read.
  const infos: FileInfo[] = [];
  for (const rel of [...found].sort()) {
    const before = diagnostics.length;
    const info = inspectSpecFile(realRoot, rel, diagnostics);
    if (info) infos.push(info);
    else if (diagnostics.length > before) unread.push(rel);
  }
  const total = infos.reduce((n, f) => n + f.size, projectInfo.size);
  const files: SourceFile[] = [project];
  // meshc.yaml carries the list (the only file every later stage sees): set once it is complete.
  const withUnread = () => {
    if (unread.length > 0) files[0] = { ...project, unread: [...new Set(unread)].sort() };
  };
  if (total > MAX_TOTAL_BYTES) {
    unread.push(...infos.map((f) => f.rel));
    withUnread();
    diagnostics.push({
      code: 'SPEC_TOO_LARGE',
      severity: 'error',
      message: `The ${infos.length + 1} spec files add up to ${total} bytes, over the ${MAX_TOTAL_BYTES}-byte limit; none was read.`,
      hint: 'Narrow the `include` globs to the spec files; keep generated or vendored YAML out of them.',
      location: projectDoc ? locate(projectDoc, globs[0]?.path ?? ['spec']) : fileStart(PROJECT_FILE),
    });
    return { files, diagnostics, ...declared };
  }
  for (const info of infos) {
    const f = readSpecFile(info, diagnostics);
    if (f) files.push(f);
    else unread.push(info.rel);
  }
  withUnread();
  // Only against globs that were read: a broken meshc.yaml says nothing about which files it includes.
  if (projectDoc) diagnostics.push(...unmatchedSpecFiles(realRoot, ignore, found));
  return { files, diagnostics, ...declared };
}

function relTo(realRoot: string, abs: string): string {
  return path.relative(realRoot, abs).split(path.sep).join('/');
}

/** The parts of a directory entry the loader looks at. */
interface EntryKind {
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

function refusedLink(
  rel: string,
  why: Refusal,
  pattern: string,
  location: Diagnostic['location'],
): Diagnostic {
  return why === 'outside'
    ? {
        code: 'PATH_OUTSIDE_ROOT',
        severity: 'error',
        message: `"${rel}" (under the pattern "${pattern}") is a symlink to a place outside the spec repository; meshc does not follow it.`,
        hint: 'Copy the files into the repository instead of linking to them; meshc reads only what is committed with the spec.',
        location,
      }
    : {
        code: 'FILE_UNREADABLE',
        severity: 'error',
        message: `"${rel}" (under the pattern "${pattern}") is a symlink to a directory that contains it: a loop meshc does not follow.`,
        hint: 'Remove the symlink, or point it at a directory outside its own ancestors.',
        location,
      };
}

/** A matched entry that is not a regular file: a symlink the walk could not or would not follow, a FIFO, a socket, a device. */
function specialEntry(
  realRoot: string,
  rel: string,
  d: EntryKind,
  refusal: Refusal | undefined,
  pattern: string,
  at: () => Diagnostic['location'],
): Diagnostic {
  const abs = path.join(realRoot, rel);
  if (refusal === 'outside') {
    // A link to a file outside: positioned at the link (the text it shows is what would have been read).
    let target: fs.Stats | undefined;
    try {
      target = fs.statSync(abs);
    } catch {
      target = undefined;
    }
    if (target?.isFile())
      return fileDiag(
        'PATH_OUTSIDE_ROOT',
        rel,
        `${rel} resolves to a file outside the spec repository.`,
        'Copy the file into the repository instead of linking to it; meshc reads only what is committed with the spec.',
      );
    return refusedLink(rel, refusal, pattern, at());
  }
  if (refusal === 'loop') return refusedLink(rel, refusal, pattern, at());
  if (d.isSymbolicLink()) {
    let why: string | undefined;
    try {
      fs.realpathSync.native(abs);
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code;
    }
    return {
      code: 'FILE_UNREADABLE',
      severity: 'error',
      message:
        why === 'ELOOP'
          ? `"${rel}" (matched by "${pattern}") is a symlink loop.`
          : `"${rel}" (matched by "${pattern}") is a broken symlink${why ? ` (${why})` : ''}.`,
      hint: 'Point the link at an existing file inside the repository, or remove it.',
      location: at(),
    };
  }
  const kind = d.isFIFO() ? 'a FIFO' : d.isSocket() ? 'a socket' : 'a device or other special file';
  return {
    code: 'FILE_UNREADABLE',
    severity: 'error',
    message: `"${rel}" (matched by "${pattern}") is ${kind}, not a regular file; meshc does not read it.`,
    hint: 'Spec files must be regular files; remove it or narrow the pattern.',
    location: at(),
  };
}

interface FileInfo {
  readonly rel: string;
  readonly real: string;
  readonly size: number;
}

/**
 * Checks a file before reading it: a symlink must stay inside the root, the target must be a regular file
 * within the size limit. Synchronous, like {@link readSpecFile}: each file's checks and read were four to seven
 * sequential round trips through the thread pool, with nothing else to run meanwhile (a confirmed render of
 * 107 spec files sat idle for most of its load). `realpathSync.native` is the realpath fs/promises calls.
 */
function inspectSpecFile(realRoot: string, rel: string, diagnostics: Diagnostic[]): FileInfo | undefined {
  const abs = path.join(realRoot, rel);
  const file = rel.split(path.sep).join('/');
  try {
    fs.lstatSync(abs);
  } catch {
    return undefined;
  }
  let real: string;
  try {
    real = fs.realpathSync.native(abs);
  } catch (e) {
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        file,
        (e as NodeJS.ErrnoException).code === 'ELOOP'
          ? `${file} is a symlink loop.`
          : `${file} is a broken symlink.`,
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
  let info: fs.Stats;
  try {
    info = fs.statSync(real);
  } catch (e) {
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        file,
        `${file} could not be read.`,
        `Check its permissions (${(e as Error).message}).`,
      ),
    );
    return undefined;
  }
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a FIFO' : info.isDirectory() ? 'a directory' : 'not a regular file';
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        file,
        `${file} is ${kind}${kind.startsWith('a ') ? ', not a regular file' : ''}; meshc does not read it.`,
        'Spec files must be regular files.',
      ),
    );
    return undefined;
  }
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
  return { rel: file, real, size: info.size };
}

function readSpecFile(info: FileInfo, diagnostics: Diagnostic[]): SourceFile | undefined {
  try {
    const bytes = fs.readFileSync(info.real);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { path: info.rel, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    diagnostics.push(
      fileDiag(
        'FILE_UNREADABLE',
        info.rel,
        `${info.rel} could not be read as UTF-8 text.`,
        `Check its permissions and encoding (${(e as Error).message}).`,
      ),
    );
    return undefined;
  }
}

const MESHC_API_VERSION = /^apiVersion:[ \t]*["']?meshc\.dev\//m;

/**
 * YAML files that look like meshc documents but no glob matches (a file renamed to `.yml`, moved out
 * of the globs): their objects would silently disappear from the render. Cheap: regular files only
 * (symlinks are not followed), the ignored directories skipped, at most `UNMATCHED_SCAN.maxFiles`
 * files, and only their first `headBytes` bytes read. Synchronous, like the walk of the globs.
 */
function unmatchedSpecFiles(
  realRoot: string,
  ignore: readonly string[],
  found: ReadonlySet<string>,
): Diagnostic[] {
  let candidates: string[];
  try {
    candidates = fg.sync(['**/*.yaml', '**/*.yml'], {
      cwd: realRoot,
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: false,
      suppressErrors: true,
      ignore: [...ignore],
    });
  } catch {
    return [];
  }
  const out: Diagnostic[] = [];
  const unmatched = candidates.filter((c) => !found.has(c) && c !== PROJECT_FILE).sort();
  for (const rel of unmatched.slice(0, UNMATCHED_SCAN.maxFiles)) {
    let head: string;
    try {
      // O_NONBLOCK: a FIFO that appeared after the walk must not block the open; fstat then skips it.
      const fd = fs.openSync(path.join(realRoot, rel), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        if (!fs.fstatSync(fd).isFile()) continue;
        const buf = Buffer.alloc(UNMATCHED_SCAN.headBytes);
        const bytesRead = fs.readSync(fd, buf, 0, buf.length, 0);
        head = buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      continue;
    }
    const m = MESHC_API_VERSION.exec(head.replace(/\r(?!\n)/g, '\n'));
    if (!m) continue;
    const line = head.slice(0, m.index).split(/\r\n|\r|\n/).length;
    const lineText = m[0].length;
    out.push({
      code: 'SPEC_FILE_NOT_INCLUDED',
      severity: 'warning',
      message: `${rel} looks like a meshc spec file (apiVersion meshc.dev), but no include or policies glob of ${PROJECT_FILE} matches it: it is ignored.`,
      hint: `Add a pattern that matches it to \`spec.include\` in ${PROJECT_FILE}${rel.endsWith('.yml') ? ' (the default patterns match `.yaml` only)' : ''}, or move it out of the spec directory.`,
      location: {
        file: rel,
        line,
        col: 1,
        endLine: line,
        endCol: lineText + 1,
        offset: m.index,
        endOffset: m.index + lineText,
      },
    });
  }
  return out;
}

function fileDiag(code: Diagnostic['code'], file: string, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, hint, location: fileStart(file) };
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
