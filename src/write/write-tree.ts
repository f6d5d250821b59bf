import { randomBytes } from 'node:crypto';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { CODES, type DiagnosticCode } from '../core/codes.ts';
import { InternalError, type Diagnostic } from '../core/diagnostic.ts';
import { OWNED_HEADER, type OutputFile } from '../core/output.ts';
import { acquireLock } from './lock.ts';
import { findRemovals, NO_REMOVALS, removalDiagnostics, type Removals } from './removals.ts';

export type { Removals } from './removals.ts';

export interface StaleFile {
  readonly path: string;
  /** `missing`: should exist; `changed`: content differs; `extra`: an owned file that would be removed. */
  readonly reason: 'missing' | 'changed' | 'extra';
}

export interface WriteOptions {
  /** Compare only (`meshc render --check`): write nothing, fill `stale`. */
  readonly check: boolean;
  /**
   * Refuse (OUTPUT_REMOVALS, nothing written) when a whole environment, namespace or cluster directory
   * of the tree on disk would disappear. `meshc render` sets it unless `--allow-removals` is given: the
   * GitOps engines prune what leaves the tree, so such a removal deletes live configuration.
   */
  readonly guardRemovals?: boolean;
}

/** Paths are relative to the output directory, with `/` separators, sorted. */
export interface WriteResult {
  /** Files created or replaced (owned files whose content changed, seed files created). Empty with `check`. */
  readonly written: string[];
  /** Owned files no longer produced, deleted. Empty with `check`. */
  readonly removed: string[];
  /** Files of `files` left as they are: owned files with equal bytes, and seed files that already exist. */
  readonly unchanged: string[];
  /** With `check` only: what a write would change. Seed files are never stale. */
  readonly stale: StaleFile[];
  /** OUTPUT_NOT_OWNED, PATH_OUTSIDE_ROOT, RENDER_CONFLICT, OUTPUT_REMOVALS, OUTPUT_LOCKED or OUTPUT_WRITE_FAILED; when there is one, nothing was written. */
  readonly diagnostics: Diagnostic[];
  /** What leaves the tree (written or, with `check`, that would be): whole units and services. */
  readonly removals: Removals;
}

const OWNED = Buffer.from(OWNED_HEADER, 'utf8');
const FILE_MODE = 0o644;
/**
 * An owned file larger than this is never read whole: meshc writes nothing that large, so such a file
 * is stale by its size alone. Files meshc does not own are never read past their first bytes.
 */
export const MAX_OWNED_BYTES = 16 * 1024 * 1024;

/**
 * The single writer of meshc's output tree.
 *
 * A file is owned by meshc iff it starts with {@link OWNED_HEADER}; meshc never changes or deletes
 * any other file. Seed files are created when missing and then left to the user for good.
 *
 * The new tree is built aside in a hidden sibling `.<name>.meshc-staging-<random>` (new and changed
 * files written, every other file hard-linked, or copied where links are not possible), then swapped in
 * with two renames (outDir → `.<name>.meshc-old-<random>`, staging → outDir) and the old tree
 * removed. The names start with a dot so that spec globs (`**\/*.yaml`, which skip dot-directories)
 * never read a half-written tree as input. A failure before the swap leaves outDir untouched;
 * leftovers of an interrupted run (killed at any point, under this naming or the older
 * `<name>.meshc-*` one) are cleaned up by the next one. When nothing changes, nothing is rebuilt.
 *
 * Two runs on the same output do not interleave: a run takes `.<name>.meshc-lock` beside the output
 * (exclusive create, holding its pid; a lock whose pid is no longer alive is stale and taken over), and
 * a second run fails with OUTPUT_LOCKED instead of racing the first.
 */
export async function writeTree(
  outDir: string,
  files: readonly OutputFile[],
  opts: WriteOptions,
): Promise<WriteResult> {
  const none: WriteResult = {
    written: [],
    removed: [],
    unchanged: [],
    stale: [],
    diagnostics: [],
    removals: NO_REMOVALS,
  };
  assertHeaders(files);
  const pathDiagnostics = checkPaths(files);
  if (pathDiagnostics.length > 0) return { ...none, diagnostics: pathDiagnostics };

  const root = path.resolve(outDir);
  try {
    if (opts.check) return await writeLocked(root, files, opts, none);
    await mkdir(path.dirname(root), { recursive: true });
    const lock = await acquireLock(root);
    if (typeof lock !== 'function') return { ...none, diagnostics: [lock] };
    try {
      await recoverInterruptedRun(root);
      return await writeLocked(root, files, opts, none);
    } finally {
      await lock();
    }
  } catch (err) {
    // What the disk refuses (permissions, a read-only or full filesystem, a file where a directory must
    // be) is the user's to fix, not a bug: a diagnostic. The tree on disk is intact (see swapIn).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !DISK_REFUSALS.has(code)) throw err;
    return {
      ...none,
      diagnostics: [
        diag(
          'OUTPUT_WRITE_FAILED',
          `The output directory ${path.basename(root)} could not be ${opts.check ? 'read' : 'written'}: ${(err as Error).message}.`,
          'Check the permissions and free space of the output directory and its parent, or choose another with `-o`.',
        ),
      ],
    };
  }
}

/** errno codes of a disk that refuses an operation (as opposed to a bug in meshc). */
const DISK_REFUSALS = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ENAMETOOLONG',
  'ELOOP',
  'EMFILE',
  'ENFILE',
  'EIO',
]);

async function writeLocked(
  root: string,
  files: readonly OutputFile[],
  opts: WriteOptions,
  none: WriteResult,
): Promise<WriteResult> {
  const rootStat = await lstatOrUndefined(root);
  if (rootStat?.isSymbolicLink())
    return {
      ...none,
      diagnostics: [
        diag(
          'PATH_OUTSIDE_ROOT',
          'The output directory is a symbolic link; meshc does not write through links.',
          'Point `output` at the real directory.',
        ),
      ],
    };
  if (rootStat && !rootStat.isDirectory())
    return {
      ...none,
      diagnostics: [diag('OUTPUT_NOT_OWNED', 'The output directory exists and is not a directory.')],
    };

  const scan = rootStat
    ? await scanTree(root)
    : { files: new Map<string, ExistingFile>(), dirs: new Map<string, number>() };
  const plan = planTree(scan, files);
  if (plan.diagnostics.length > 0) return { ...none, diagnostics: plan.diagnostics };
  const removals = findRemovals(plan.removed, files);
  const guard = opts.guardRemovals ? removalDiagnostics(removals) : [];
  if (opts.check)
    return { ...none, unchanged: plan.unchanged, stale: plan.stale, removals, diagnostics: guard };
  if (guard.length > 0) return { ...none, removals, diagnostics: guard };

  const changed = plan.written.length > 0 || plan.removed.length > 0;
  if (changed || (!rootStat && plan.entries.size > 0)) {
    await swapIn(root, rootStat, scan, plan);
  }
  return { ...none, written: plan.written, removed: plan.removed, unchanged: plan.unchanged, removals };
}

// ---- checks on the requested files (no disk) ----

/** A bug in meshc, not a user error: an owned file without the header would be orphaned on the next run. */
function assertHeaders(files: readonly OutputFile[]): void {
  for (const f of files) {
    if ((f.ownership === 'owned') !== f.content.startsWith(OWNED_HEADER)) {
      throw new InternalError(
        f.ownership === 'owned'
          ? `owned output ${f.path} does not start with the meshc header`
          : `seed output ${f.path} starts with the meshc header, so a later run would delete it`,
      );
    }
  }
}

function pathProblem(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  if (p.includes('\\') || p.includes('\0')) return 'contains a backslash or a NUL character';
  const segments = p.split('/');
  if (segments.includes('..')) return 'has a `..` segment';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or `.` segment';
  return undefined;
}

function checkPaths(files: readonly OutputFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const problem = pathProblem(f.path);
    if (problem !== undefined) {
      out.push(
        diag(
          'PATH_OUTSIDE_ROOT',
          `Output path ${JSON.stringify(f.path)} ${problem}; outputs must stay inside the output directory.`,
        ),
      );
    } else if (seen.has(f.path)) {
      out.push(diag('RENDER_CONFLICT', `Two outputs have the same path ${f.path}.`));
    }
    seen.add(f.path);
  }
  if (out.length > 0) return out;
  for (const p of [...seen].sort()) {
    for (const a of ancestors(p)) {
      if (seen.has(a))
        out.push(
          diag('RENDER_CONFLICT', `Output ${a} is a file, but output ${p} needs it to be a directory.`),
        );
    }
  }
  return out;
}

// ---- reading the current tree ----

interface ExistingFile {
  /** `file`: a regular file; `symlink` and `other` (fifo, socket, device) are never owned and never followed. */
  readonly kind: 'file' | 'symlink' | 'other';
  readonly owned: boolean;
  /** The bytes of an owned file (absent when it is over {@link MAX_OWNED_BYTES}: then it is stale). */
  readonly content?: Buffer;
}

interface Scan {
  readonly files: Map<string, ExistingFile>;
  /** Relative directory path → permission bits; `''` is the root. */
  readonly dirs: Map<string, number>;
}

/** File operations kept in flight at once (file creation here is latency-bound, not bandwidth-bound). */
const IO_CONCURRENCY = 16;

/** Runs `fn` over `items` with at most `limit` calls pending; rejects with the first error. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function scanTree(root: string): Promise<Scan> {
  const files = new Map<string, ExistingFile>();
  const dirs = new Map<string, number>();
  const walk = async (rel: string): Promise<void> => {
    const abs = toAbs(root, rel);
    dirs.set(rel, (await lstat(abs)).mode & 0o7777);
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) {
        files.set(r, { kind: 'file', owned: false });
        regular.push(r);
      } else files.set(r, { kind: e.isSymbolicLink() ? 'symlink' : 'other', owned: false });
    }
  };
  const regular: string[] = [];
  await walk('');
  // Reading thousands of small files is latency-bound: keep several reads in flight.
  // Only the head of a file says whether meshc owns it: files of others (which can be huge) are never
  // read further, and an owned file is read whole only when its size is one meshc could have written.
  await forEachLimit(regular, IO_CONCURRENCY, async (r) => {
    const abs = toAbs(root, r);
    const fh = await open(abs, 'r');
    let owned: boolean;
    let size: number;
    try {
      size = (await fh.stat()).size;
      const head = Buffer.alloc(OWNED.length);
      const { bytesRead } = size >= OWNED.length ? await fh.read(head, 0, OWNED.length, 0) : { bytesRead: 0 };
      owned = bytesRead === OWNED.length && head.equals(OWNED);
    } finally {
      await fh.close();
    }
    if (!owned) files.set(r, { kind: 'file', owned });
    else if (size > MAX_OWNED_BYTES) files.set(r, { kind: 'file', owned });
    else files.set(r, { kind: 'file', owned, content: await readFile(abs) });
  });
  return { files, dirs };
}

// ---- planning the new tree (no disk) ----

interface Entry {
  /** `write`: new content; `keep`: the existing file, linked into the new tree. */
  readonly op: 'write' | 'keep';
  readonly content?: string;
  /** `files`: requested by the caller; `user`: a file meshc does not own. */
  readonly origin: 'files' | 'user';
}

interface Plan {
  readonly entries: Map<string, Entry>;
  /** Directories of the new tree, parents first, root excluded. */
  readonly dirs: string[];
  readonly written: string[];
  readonly removed: string[];
  readonly unchanged: string[];
  readonly stale: StaleFile[];
  readonly diagnostics: Diagnostic[];
}

function planTree(scan: Scan, files: readonly OutputFile[]): Plan {
  const entries = new Map<string, Entry>();
  const written: string[] = [];
  const removed: string[] = [];
  const unchanged: string[] = [];
  const stale: StaleFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const wanted = new Set<string>();

  for (const f of files) {
    wanted.add(f.path);
    const existing = scan.files.get(f.path);
    if (f.ownership === 'seed') {
      if (existing) {
        entries.set(f.path, { op: 'keep', origin: 'files' });
        unchanged.push(f.path);
      } else {
        entries.set(f.path, { op: 'write', content: f.content, origin: 'files' });
        written.push(f.path);
      }
    } else if (existing && !existing.owned) {
      diagnostics.push(notOwned(f.path));
    } else if (!existing) {
      entries.set(f.path, { op: 'write', content: f.content, origin: 'files' });
      written.push(f.path);
      stale.push({ path: f.path, reason: 'missing' });
    } else if (existing.content?.equals(Buffer.from(f.content, 'utf8'))) {
      entries.set(f.path, { op: 'keep', origin: 'files' });
      unchanged.push(f.path);
    } else {
      entries.set(f.path, { op: 'write', content: f.content, origin: 'files' });
      written.push(f.path);
      stale.push({ path: f.path, reason: 'changed' });
    }
  }

  const removedUnder = new Set<string>();
  for (const [p, existing] of scan.files) {
    if (wanted.has(p)) continue;
    if (existing.owned) {
      removed.push(p);
      stale.push({ path: p, reason: 'extra' });
      for (const a of ancestors(p)) removedUnder.add(a);
    } else {
      entries.set(p, { op: 'keep', origin: 'user' });
    }
  }

  // Directories: those holding a file of the new tree, plus existing ones nothing was removed from
  // (a user's empty directory stays). A directory emptied by removals is pruned.
  const dirs = new Set<string>();
  const addWithAncestors = (d: string): void => {
    for (let x: string | undefined = d; x !== undefined && x !== '' && !dirs.has(x); x = parentOf(x))
      dirs.add(x);
  };
  for (const p of entries.keys()) {
    const parent = parentOf(p);
    if (parent !== undefined) addWithAncestors(parent);
  }
  for (const d of scan.dirs.keys()) if (d !== '' && !removedUnder.has(d)) addWithAncestors(d);

  // Conflicts with what stays: a new file where a kept file is needed as a directory, or where a
  // kept directory is. (Conflicts among `files` alone were reported by checkPaths.)
  for (const [p, e] of entries) {
    if (e.origin !== 'files' || e.op !== 'write') continue;
    for (const a of ancestors(p)) if (entries.get(a)?.origin === 'user') diagnostics.push(notOwned(a));
    if (dirs.has(p)) diagnostics.push(notOwned(p, 'a directory'));
  }

  const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();
  return {
    entries,
    dirs: [...dirs].sort(),
    written: sorted(written),
    removed: sorted(removed),
    unchanged: sorted(unchanged),
    stale: stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    diagnostics: dedupe(diagnostics),
  };
}

function notOwned(p: string, what = 'a file'): Diagnostic {
  return diag(
    'OUTPUT_NOT_OWNED',
    `${p} in the output directory is ${what} that meshc did not write, and meshc needs that path.`,
  );
}

// ---- writing ----

async function swapIn(root: string, rootStat: Stats | undefined, scan: Scan, plan: Plan): Promise<void> {
  const suffix = randomBytes(6).toString('hex');
  const hidden = path.join(path.dirname(root), `.${path.basename(root)}`);
  const staging = `${hidden}.meshc-staging-${suffix}`;
  await mkdir(path.dirname(root), { recursive: true });
  try {
    await mkdir(staging);
    if (rootStat) await chmod(staging, rootStat.mode & 0o7777);
    for (const d of plan.dirs) {
      await mkdir(toAbs(staging, d));
      const mode = scan.dirs.get(d);
      if (mode !== undefined) await chmod(toAbs(staging, d), mode);
    }
    await forEachLimit([...plan.entries], IO_CONCURRENCY, async ([p, e]) => {
      const dest = toAbs(staging, p);
      if (e.op === 'write') await writeFile(dest, e.content ?? '', { mode: FILE_MODE, flag: 'wx' });
      else await carryOver(toAbs(root, p), dest, scan.files.get(p)?.kind ?? 'other');
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }

  if (!rootStat) {
    try {
      await rename(staging, root);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return;
  }
  const old = `${hidden}.meshc-old-${suffix}`;
  try {
    await rename(root, old);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  try {
    await rename(staging, root);
  } catch (err) {
    await rename(old, root);
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}

/** Puts an existing entry into the staging tree: a hard link (same inode, mode and mtime), else a copy. */
async function carryOver(src: string, dest: string, kind: ExistingFile['kind']): Promise<void> {
  if (kind === 'symlink') {
    await symlink(await readlink(src), dest);
    return;
  }
  try {
    await link(src, dest);
  } catch (err) {
    if (kind !== 'file') throw err;
    // Hard links can be refused (EXDEV, EPERM on some filesystems): copy, keeping mode and times.
    await copyFile(src, dest);
    const st = await lstat(src);
    await utimes(dest, st.atime, st.mtime);
  }
}

/**
 * Cleans up after a run that stopped half-way: staging trees are removed; if outDir is missing
 * (stopped between the two renames), the old tree is put back; other old trees are removed.
 */
async function recoverInterruptedRun(root: string): Promise<void> {
  const parent = path.dirname(root);
  const base = path.basename(root);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  // `.<name>.meshc-*` (current) and `<name>.meshc-*` (meshc before the staging directories were hidden).
  const leftover = new RegExp(`^\\.?${escapeRegExp(base)}\\.meshc-(staging|old)-[0-9a-f]+$`);
  const staging: string[] = [];
  const olds: { name: string; ctime: number }[] = [];
  for (const n of names.sort()) {
    const m = leftover.exec(n);
    if (m?.[1] === 'staging') staging.push(n);
    else if (m?.[1] === 'old') olds.push({ name: n, ctime: (await lstat(path.join(parent, n))).ctimeMs });
  }
  for (const n of staging) await rm(path.join(parent, n), { recursive: true, force: true });
  if (olds.length === 0) return;
  if ((await lstatOrUndefined(root)) === undefined) {
    // The most recently renamed old tree is the state before the interrupted run.
    olds.sort((a, b) => b.ctime - a.ctime);
    const [latest] = olds.splice(0, 1);
    if (latest) await rename(path.join(parent, latest.name), root);
  }
  for (const o of olds) await rm(path.join(parent, o.name), { recursive: true, force: true });
}

// ---- helpers ----

function diag(code: DiagnosticCode, message: string, hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity: CODES[code].severity, message };
  return hint === undefined ? d : { ...d, hint };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    if (seen.has(d.message)) continue;
    seen.add(d.message);
    out.push(d);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parentOf(p: string): string | undefined {
  const i = p.lastIndexOf('/');
  return i < 0 ? undefined : p.slice(0, i);
}

/** Proper ancestors of a relative path, nearest first: `a/b/c` → `a/b`, `a`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let x = parentOf(p); x !== undefined; x = parentOf(x)) out.push(x);
  return out;
}

function toAbs(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, ...rel.split('/'));
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
