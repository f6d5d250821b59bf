import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { CODES, type DiagnosticCode } from '../core/codes.ts';
import { InternalError, type Diagnostic } from '../core/diagnostic.ts';
import { OWNED_HEADER, hasText, type OutputFile, type TreeFile } from '../core/output.ts';
import { acquireLock } from './lock.ts';
import {
  BlobHashes,
  blobHash,
  carriedEntry,
  coarseTimestamps,
  entryOf,
  fileStat,
  isRacy,
  RACY_WINDOW_MS,
  readManifest,
  statMatches,
  writeManifest,
  type FileStat,
  type Manifest,
  type ManifestEntry,
} from './manifest.ts';
import {
  findMeshMoves,
  findRemovals,
  isNamespaceOverlay,
  NO_REMOVALS,
  removalDiagnostics,
  type Removals,
} from './removals.ts';

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
  /**
   * Absolute path of the writer's manifest for this output directory, in a cache directory outside the
   * output tree and outside the repository (see manifest.ts). When given, an owned file whose lstat
   * matches its (non-racy) entry is not read back: its recorded hash stands in for its bytes; and the
   * manifest is rewritten after a write, and after a check or an unchanged write. Results are the same
   * with or without it. Absent: no manifest is read or written.
   */
  readonly manifestFile?: string;
  /** Where the files' blob hashes are kept, to share them with the caller (the render cache entry). */
  readonly hashes?: BlobHashes;
  /**
   * Work of the caller's for the time the writer would otherwise sit idle: after a swap that wrote many
   * files it waits out the racy window (about 50 ms) before it records them in the manifest. Called at most
   * once, just before that wait, and only when there is one: a caller does the work itself when it was not
   * called. It must not touch the output tree.
   */
  readonly idle?: () => void;
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
  /**
   * Files given by their hash only (KnownFile) that the tree on disk does not hold as they were: nothing was
   * written or judged, and the caller writes again with their text.
   */
  readonly needsText?: readonly string[];
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
 *
 * With `manifestFile`, the existing tree is judged without reading back the owned files that meshc
 * recorded there (manifest.ts): the listing, the ownership of every other file and the comparison are
 * the same, so is the result. After a swap the manifest is taken anew (a pause of
 * {@link RACY_WINDOW_MS} first, so that the ctimes the swap itself moved are no longer racy).
 *
 * Why the whole tree is staged when several files change: rename(2) is the only atomic operation on a
 * tree, and it replaces a directory only by an empty one, so several files change together only by
 * swapping a directory that holds them all. Replacing files in place, or swapping a subdirectory, would
 * leave a mix (or a directory missing from an otherwise complete tree) when killed half-way. The staging
 * costs one link per unchanged file. A change that is a single step needs none of it: one file written
 * or removed, in directories that stay (a one-line spec change often renders to that), is one rename(2)
 * of a file written aside, or one unlink(2), in place; the tree goes from the old state to the new one
 * with nothing in between ({@link singleStep}).
 */
export async function writeTree(
  outDir: string,
  files: readonly TreeFile[],
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
    mkdirSync(path.dirname(root), { recursive: true });
    const lock = await acquireLock(root);
    if (typeof lock !== 'function') return { ...none, diagnostics: [lock] };
    try {
      recoverInterruptedRun(root);
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
  files: readonly TreeFile[],
  opts: WriteOptions,
  none: WriteResult,
): Promise<WriteResult> {
  const rootStat = lstatOrUndefined(root);
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

  // A manifest inside the output tree would be written into the GitOps repository: refuse to use one.
  const manifestFile =
    opts.manifestFile !== undefined && !isWithin(path.resolve(opts.manifestFile), root)
      ? opts.manifestFile
      : undefined;
  const manifest = manifestFile !== undefined && rootStat ? readManifest(manifestFile, root) : undefined;
  // Read before the first lstat of the scan: the time a manifest of this scan is taken (see manifest.ts).
  const scanTaken = Date.now();
  const scan = rootStat ? scanTree(root, manifest) : emptyScan();
  const hashes = opts.hashes ?? new BlobHashes();
  const plan = planTree(scan, files, hashes);
  // Nothing is judged, written or recorded without the text of every file the new tree writes.
  if (plan.needsText.length > 0) return { ...none, needsText: plan.needsText };
  if (plan.diagnostics.length > 0) return { ...none, diagnostics: plan.diagnostics };
  const removals = withMeshMoves(findRemovals(plan.removed, files), root, scan, plan);
  const guard = opts.guardRemovals ? removalDiagnostics(removals) : [];
  const changed = plan.written.length > 0 || plan.removed.length > 0;
  const swap = !opts.check && guard.length === 0 && (changed || (!rootStat && plan.entries.size > 0));
  // Nothing written: what the scan saw (true stat/hash pairs) is the manifest.
  if (manifestFile !== undefined && rootStat && !swap)
    recordScan(manifestFile, root, scanTaken, scan, manifest);
  if (opts.check)
    return { ...none, unchanged: plan.unchanged, stale: plan.stale, removals, diagnostics: guard };
  if (guard.length > 0) return { ...none, removals, diagnostics: guard };

  const step = swap && rootStat ? singleStep(scan, plan) : undefined;
  if (step) {
    applyStep(root, step);
    // Every other file is as the scan saw it: its stat (or the entry that stood in) is still true.
    if (manifestFile !== undefined) recordScan(manifestFile, root, scanTaken, scan, manifest, step.path);
  } else if (swap) {
    const times = swapIn(root, rootStat, scan, plan);
    if (manifestFile !== undefined)
      await recordWritten(manifestFile, root, {
        scan,
        scanTaken,
        times,
        plan,
        files,
        hashes,
        idle: opts.idle,
      });
  }
  return { ...none, written: plan.written, removed: plan.removed, unchanged: plan.unchanged, removals };
}

/**
 * The removals, with the environments whose namespace overlays move to another mesh's base. Reads the old
 * text of the namespace overlays' kustomizations the render rewrites (a few small files; none when no
 * environment's namespaces change).
 */
function withMeshMoves(removals: Removals, root: string, scan: Scan, plan: Plan): Removals {
  const rewrites = [];
  for (const p of plan.written) {
    const existing = scan.files.get(p);
    const after = plan.entries.get(p)?.content;
    if (!isNamespaceOverlay(p) || existing?.kind !== 'file' || !existing.owned || after === undefined)
      continue;
    const before = (existing.content ?? readFileSync(toAbs(root, p))).toString('utf8');
    rewrites.push({ path: p, before, after });
  }
  const meshMoves = findMeshMoves(rewrites);
  return meshMoves.length === 0 ? removals : { ...removals, meshMoves };
}

// ---- checks on the requested files (no disk) ----

/** A bug in meshc, not a user error: an owned file without the header would be orphaned on the next run. */
function assertHeaders(files: readonly TreeFile[]): void {
  for (const f of files) {
    // A file of the previous render was checked when it was rendered.
    if (!hasText(f)) continue;
    if ((f.ownership === 'owned') !== f.content.startsWith(OWNED_HEADER)) {
      throw new InternalError(
        f.ownership === 'owned'
          ? `owned output ${f.path} does not start with the meshc header`
          : `seed output ${f.path} starts with the meshc header, so a later run would delete it`,
      );
    }
  }
}

/**
 * Why an output path (relative, `/`-separated) could leave the directory it is written into, or undefined when
 * it cannot. Shared by the render writer and `meshc import`'s (import-files.ts).
 */
export function pathProblem(p: string): string | undefined {
  // Segments of anything but `/`, `\` and NUL, none empty, `.` or `..`, no drive letter: what the checks below
  // accept, in one test (a render checks tens of thousands of paths; the checks split each one).
  if (SAFE_PATH.test(p)) return undefined;
  if (p === '') return 'is empty';
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  if (p.includes('\\') || p.includes('\0')) return 'contains a backslash or a NUL character';
  const segments = p.split('/');
  if (segments.includes('..')) return 'has a `..` segment';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or `.` segment';
  return undefined;
}

const SAFE_PATH = /^(?![A-Za-z]:)(?:(?!\.\.?(?:\/|$))[^/\\\0]+\/)*(?!\.\.?$)[^/\\\0]+$/;

function checkPaths(files: readonly TreeFile[]): Diagnostic[] {
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
  // A file whose path is also a directory of another output. Each directory is looked up once (thousands of
  // files share a few hundred directories); only when one is found are the paths sorted, for the report.
  const dirs = new Set<string>();
  let conflict = false;
  for (const p of seen)
    for (let a = parentOf(p); a !== undefined && !dirs.has(a); a = parentOf(a)) {
      dirs.add(a);
      if (seen.has(a)) conflict = true;
    }
  if (!conflict) return out;
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

export interface ExistingFile {
  /** `file`: a regular file; `symlink` and `other` (fifo, socket, device) are never owned and never followed. */
  readonly kind: 'file' | 'symlink' | 'other';
  readonly owned: boolean;
  /** The bytes of an owned file, when they were read (absent when over {@link MAX_OWNED_BYTES}: then it is stale). */
  readonly content?: Buffer;
  /** An owned file not read because its lstat matched its manifest entry: the recorded hash of its bytes. */
  readonly hash?: string;
  /** An owned file: its stat, taken before its bytes were read (or the lstat that matched the manifest). */
  readonly stat?: FileStat;
}

interface Scan {
  readonly files: Map<string, ExistingFile>;
  /** Relative directory path → permission bits; `''` is the root. */
  readonly dirs: Map<string, number>;
  /** Owned files whose manifest entry stood in for reading them. */
  readonly hits: number;
  /** Owned files whose bytes were read. */
  readonly reads: number;
}

const emptyScan = (): Scan => ({ files: new Map(), dirs: new Map(), hits: 0, reads: 0 });

/**
 * Lists the tree and judges every entry. Synchronous on purpose: for thousands of small files the
 * promise machinery of fs/promises (a FileHandle, a stat, a read and a close per file, each a round trip
 * through the thread pool) cost ten times the system calls themselves.
 *
 * The listing (readdir) always runs, so extra files, files of others, symlinks and directories are
 * judged exactly as without a manifest; only the bytes of an owned file with a matching, non-racy
 * manifest entry are not read.
 */
function scanTree(root: string, manifest: Manifest | undefined): Scan {
  const files = new Map<string, ExistingFile>();
  const dirs = new Map<string, number>();
  let hits = 0;
  let reads = 0;
  const walk = (rel: string): void => {
    const abs = toAbs(root, rel);
    dirs.set(rel, lstatSync(abs).mode & 0o7777);
    const entries = readdirSync(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        const existing = judgeFile(toAbs(root, r), manifest, manifest?.files.get(r));
        if (existing.hash !== undefined) hits++;
        else if (existing.content !== undefined) reads++;
        files.set(r, existing);
      } else files.set(r, { kind: e.isSymbolicLink() ? 'symlink' : 'other', owned: false });
    }
  };
  walk('');
  return { files, dirs, hits, reads };
}

/**
 * A regular file of the tree. With a manifest entry whose stat still matches and is not racy, the entry
 * stands in for the file (it is owned, and its bytes have the recorded hash). Otherwise, as ever: only
 * the head says whether meshc owns it, so files of others (which can be huge) are never read further,
 * and an owned file is read whole only when its size is one meshc could have written.
 */
export function judgeFile(
  abs: string,
  manifest: Manifest | undefined,
  entry: ManifestEntry | undefined,
): ExistingFile {
  if (manifest && entry) {
    const st = lstatSync(abs);
    if (st.isFile() && statMatches(entry, st) && !isRacy(entry, manifest.taken))
      return { kind: 'file', owned: true, hash: entry.hash, stat: fileStat(st) };
  }
  const fd = openSync(abs, 'r');
  try {
    // The stat comes before the read, so that a change made while reading moves the stat away from the
    // bytes recorded with it (a manifest entry is always a stat and the bytes read after it).
    const st = fileStat(fstatSync(fd));
    if (st.size < OWNED.length) return { kind: 'file', owned: false };
    const buf = Buffer.allocUnsafe(st.size > MAX_OWNED_BYTES ? OWNED.length : st.size);
    const head = readFully(fd, buf, 0, OWNED.length);
    if (head < OWNED.length || !buf.subarray(0, OWNED.length).equals(OWNED))
      return { kind: 'file', owned: false };
    if (st.size > MAX_OWNED_BYTES) return { kind: 'file', owned: true, stat: st };
    const n = OWNED.length + readFully(fd, buf, OWNED.length, st.size - OWNED.length);
    if (n < st.size) return { kind: 'file', owned: true, content: buf.subarray(0, n), stat: st };
    // It grew since the stat: read it again whole (as readFile would), unless it is now too large.
    if (readSync(fd, Buffer.allocUnsafe(1), 0, 1, st.size) > 0) {
      const again = readFileSync(fd);
      return again.length > MAX_OWNED_BYTES
        ? { kind: 'file', owned: true, stat: st }
        : { kind: 'file', owned: true, content: again, stat: st };
    }
    return { kind: 'file', owned: true, content: buf, stat: st };
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at file position `offset` into `buf` at `offset`; fewer only at the end of the file. */
function readFully(fd: number, buf: Buffer, offset: number, length: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, offset + done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** True when the existing file holds exactly `content`: compared byte for byte, or by its recorded hash. */
function holds(existing: ExistingFile, f: TreeFile, hashes: BlobHashes): boolean {
  if (!hasText(f)) return existing.content ? blobHash(existing.content) === f.hash : existing.hash === f.hash;
  if (existing.content) return existing.content.equals(Buffer.from(f.content, 'utf8'));
  if (existing.hash !== undefined)
    return existing.stat?.size === Buffer.byteLength(f.content, 'utf8') && existing.hash === hashes.of(f);
  return false;
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
  /** Files known only by their hash (KnownFile) that the new tree must write: their text is needed. */
  readonly needsText: string[];
}

function planTree(scan: Scan, files: readonly TreeFile[], hashes: BlobHashes): Plan {
  const entries = new Map<string, Entry>();
  const written: string[] = [];
  const removed: string[] = [];
  const unchanged: string[] = [];
  const stale: StaleFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const needsText: string[] = [];
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
    } else if (holds(existing, f, hashes)) {
      entries.set(f.path, { op: 'keep', origin: 'files' });
      unchanged.push(f.path);
    } else {
      entries.set(f.path, { op: 'write', content: f.content, origin: 'files' });
      written.push(f.path);
      stale.push({ path: f.path, reason: 'changed' });
    }
    if (!hasText(f) && entries.get(f.path)?.op === 'write') needsText.push(f.path);
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

  return {
    entries,
    dirs: [...dirs].sort(),
    written: sorted(written),
    removed: sorted(removed),
    unchanged: sorted(unchanged),
    stale: stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    diagnostics: dedupe(diagnostics),
    needsText: needsText.sort(),
  };
}

/**
 * `xs` sorted, each once. The lists come in the order of the files asked for, which is usually sorted already:
 * checked in one pass, so that sorting 20,000 paths again (about 15 ms) is left to the lists that need it.
 */
function sorted(xs: string[]): string[] {
  for (let i = 1; i < xs.length; i++) if (!(xs[i - 1]! < xs[i]!)) return [...new Set(xs)].sort();
  return xs;
}

function notOwned(p: string, what = 'a file'): Diagnostic {
  return diag(
    'OUTPUT_NOT_OWNED',
    `${p} in the output directory is ${what} that meshc did not write, and meshc needs that path.`,
  );
}

// ---- writing ----

/** When a swap did what, by Date.now(): what the manifest's entries are judged against. */
interface SwapTimes {
  /** Read before the first file was linked into (or written to) the staging tree. */
  readonly stagingFrom: number;
  /** Read after the last file of the staging tree was written. */
  readonly stagedAt: number;
  /** Read after the old tree was removed: the last moment meshc moved the ctime of a carried file. */
  readonly doneAt: number;
}

/** A change of the tree that one system call makes: a file put in place by rename(2), or unlinked. */
type Step =
  | { readonly op: 'write'; readonly path: string; readonly content: string }
  | { readonly op: 'remove'; readonly path: string };

/**
 * The plan as a single step, when it is one: exactly one file written (new or replaced) or removed, and
 * the new tree has exactly the old tree's directories (none to create, none pruned). Then one rename(2)
 * (of a file written aside) or one unlink(2) takes the tree from the old state to the new one, with no
 * state in between, so the whole tree changes atomically without being staged. Else undefined.
 */
function singleStep(scan: Scan, plan: Plan): Step | undefined {
  if (plan.written.length + plan.removed.length !== 1) return undefined;
  if (plan.dirs.length !== scan.dirs.size - 1 || !plan.dirs.every((d) => scan.dirs.has(d))) return undefined;
  const [removed] = plan.removed;
  if (removed !== undefined) return { op: 'remove', path: removed };
  const [written] = plan.written;
  const content = written === undefined ? undefined : plan.entries.get(written)?.content;
  return written === undefined || content === undefined ? undefined : { op: 'write', path: written, content };
}

/**
 * Makes a single step in place. A file is written whole in a hidden staging directory beside the tree (the
 * swap's, so an interrupted run's leftover is cleaned up the same way), then renamed over its path: a
 * reader, or a run killed at any moment, sees the old tree or the new one.
 */
function applyStep(root: string, step: Step): void {
  if (step.op === 'remove') {
    unlinkSync(toAbs(root, step.path));
    return;
  }
  const staging = path.join(
    path.dirname(root),
    `.${path.basename(root)}.meshc-staging-${randomBytes(6).toString('hex')}`,
  );
  mkdirSync(staging);
  try {
    const file = path.join(staging, 'file');
    writeFileSync(file, step.content, { mode: FILE_MODE, flag: 'wx' });
    renameSync(file, toAbs(root, step.path));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Builds the new tree aside and swaps it in (see {@link writeTree}). Synchronous: thousands of link and
 * small write calls cost several times more through fs/promises than the system calls themselves, and
 * nothing else runs meanwhile.
 */
function swapIn(root: string, rootStat: Stats | undefined, scan: Scan, plan: Plan): SwapTimes {
  const suffix = randomBytes(6).toString('hex');
  const hidden = path.join(path.dirname(root), `.${path.basename(root)}`);
  const staging = `${hidden}.meshc-staging-${suffix}`;
  mkdirSync(path.dirname(root), { recursive: true });
  let stagedAt: number;
  const stagingFrom = Date.now();
  try {
    mkdirSync(staging);
    if (rootStat) chmodSync(staging, rootStat.mode & 0o7777);
    for (const d of plan.dirs) {
      mkdirSync(toAbs(staging, d));
      const mode = scan.dirs.get(d);
      if (mode !== undefined) chmodSync(toAbs(staging, d), mode);
    }
    for (const [p, e] of plan.entries) {
      const dest = toAbs(staging, p);
      if (e.op === 'write') writeFileSync(dest, e.content ?? '', { mode: FILE_MODE, flag: 'wx' });
      else carryOver(toAbs(root, p), dest, scan.files.get(p)?.kind ?? 'other');
    }
    stagedAt = Date.now();
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }

  if (!rootStat) {
    try {
      renameSync(staging, root);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    return { stagingFrom, stagedAt, doneAt: Date.now() };
  }
  const old = `${hidden}.meshc-old-${suffix}`;
  try {
    renameSync(root, old);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  try {
    renameSync(staging, root);
  } catch (err) {
    renameSync(old, root);
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  removeOldTree(old, scan);
  return { stagingFrom, stagedAt, doneAt: Date.now() };
}

/**
 * Removes the old tree once the new one is in place. Its entries are known from the scan: unlink each,
 * then remove the directories deepest first (a path is longer than its parent's), a third of the
 * system calls of a recursive rm (which reads every directory and lstats every entry). Anything that
 * does not go as the scan says (an entry added or removed since) falls back to the recursive rm.
 */
function removeOldTree(old: string, scan: Scan): void {
  try {
    for (const p of scan.files.keys()) unlinkSync(toAbs(old, p));
    const dirs = [...scan.dirs.keys()].filter((d) => d !== '').sort((a, b) => b.length - a.length);
    for (const d of dirs) rmdirSync(toAbs(old, d));
    rmdirSync(old);
  } catch {
    rmSync(old, { recursive: true, force: true });
  }
}

/** Puts an existing entry into the staging tree: a hard link (same inode, mode and mtime), else a copy. */
function carryOver(src: string, dest: string, kind: ExistingFile['kind']): void {
  if (kind === 'symlink') {
    symlinkSync(readlinkSync(src), dest);
    return;
  }
  try {
    linkSync(src, dest);
  } catch (err) {
    if (kind !== 'file') throw err;
    // Hard links can be refused (EXDEV, EPERM on some filesystems): copy, keeping mode and times.
    copyFileSync(src, dest);
    const st = lstatSync(src);
    utimesSync(dest, st.atime, st.mtime);
  }
}

/**
 * Cleans up after a run that stopped half-way: staging trees are removed; if outDir is missing
 * (stopped between the two renames), the old tree is put back; other old trees are removed.
 */
function recoverInterruptedRun(root: string): void {
  const parent = path.dirname(root);
  const base = path.basename(root);
  let names: string[];
  try {
    names = readdirSync(parent);
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
    else if (m?.[1] === 'old') olds.push({ name: n, ctime: lstatSync(path.join(parent, n)).ctimeMs });
  }
  for (const n of staging) rmSync(path.join(parent, n), { recursive: true, force: true });
  if (olds.length === 0) return;
  if (lstatOrUndefined(root) === undefined) {
    // The most recently renamed old tree is the state before the interrupted run.
    olds.sort((a, b) => b.ctime - a.ctime);
    const [latest] = olds.splice(0, 1);
    if (latest) renameSync(path.join(parent, latest.name), root);
  }
  for (const o of olds) rmSync(path.join(parent, o.name), { recursive: true, force: true });
}

// ---- the manifest (see manifest.ts) ----

/**
 * Records what a scan saw, when nothing is written (a check, an up-to-date tree, a refused removal) or
 * when a single step changed only the file `changed`, which is then left out (the next run reads it):
 * every owned file whose bytes were read, with the stat taken before reading, and every entry that stood
 * in, as it was (a carried entry keeps its ctime range: its stat, taken now, would be racy after a recent
 * swap). Skipped, when nothing was written, if every entry of the previous manifest stood in and nothing
 * else was found: it would trust exactly the same files. Skipped after a single step, too, when the scan
 * read fewer than {@link FEW_REREAD} files: the previous manifest stays true of every file it trusts (the
 * step put a new inode at `changed`, whose entry no longer matches), and the next run reads those few
 * files and `changed` again, which costs less than writing every entry anew (about 16 ms at 22,000 files).
 */
function recordScan(
  file: string,
  root: string,
  taken: number,
  scan: Scan,
  previous: Manifest | undefined,
  changed?: string,
): void {
  if (changed === undefined && previous && scan.hits === previous.files.size && scan.reads === 0) return;
  if (changed !== undefined && previous && scan.reads < FEW_REREAD) return;
  const entries = new Map<string, ManifestEntry>();
  for (const [p, e] of scan.files) {
    if (!e.owned || e.stat === undefined || p === changed) continue;
    const stoodIn = e.hash !== undefined ? previous?.files.get(p) : undefined;
    const hash = e.hash ?? (e.content ? blobHash(e.content) : undefined);
    if (stoodIn) entries.set(p, stoodIn);
    else if (hash !== undefined) entries.set(p, entryOf(e.stat, hash));
  }
  writeManifest(file, { root, taken, files: entries });
}

/**
 * Records the tree just swapped in.
 * - A file carried over (linked from the old tree): a carried entry (manifest.ts), from the stat the scan
 *   judged, when that judgement was not racy itself and the stat is of a filesystem with fine timestamps;
 *   its ctime is known to lie within the swap, so it is not stat-ed again.
 * - A file written by this run: its mtime and ctime are of a moment ago, so a stat of it now would be racy
 *   (re-read by the next run). When few files were written ({@link FEW_WRITTEN}), they are left out of the
 *   manifest and the next run reads them (a few reads cost less than a wait). Otherwise wait out the racy
 *   window, then stat each:
 *   recorded where the stat shows it is still what meshc wrote (its size, and a ctime not later than the
 *   end of the staging: a change by someone else after the swap moves it, except within the same clock
 *   tick).
 * Anything else is left out, so the next run reads it.
 */
async function recordWritten(
  file: string,
  root: string,
  run: {
    readonly scan: Scan;
    readonly scanTaken: number;
    readonly times: SwapTimes;
    readonly plan: Plan;
    readonly files: readonly TreeFile[];
    readonly hashes: BlobHashes;
    readonly idle: (() => void) | undefined;
  },
): Promise<void> {
  const entries = new Map<string, ManifestEntry>();
  const written: OutputFile[] = [];
  let owned = 0;
  // The kernel stamps files from a clock that can lag Date.now() by a tick: the range opens a window early.
  const from = run.times.stagingFrom - RACY_WINDOW_MS;
  const until = run.times.doneAt + 1;
  for (const f of run.files) {
    if (f.ownership !== 'owned') continue;
    owned++;
    const op = run.plan.entries.get(f.path)?.op;
    if (op === 'write') {
      // A file known by its hash is never written (planTree asks for its text instead: `needsText`).
      if (hasText(f)) written.push(f);
      continue;
    }
    const before = run.scan.files.get(f.path)?.stat;
    if (
      op === 'keep' &&
      before !== undefined &&
      before.isFile &&
      !isRacy(before, run.scanTaken) &&
      !coarseTimestamps(before)
    )
      entries.set(f.path, carriedEntry(before, run.hashes.of(f), from, until));
  }
  let taken = Date.now();
  if (written.length > FEW_WRITTEN || written.length * 8 > owned) {
    // The old tree's removal changed ctimes too: wait a full window from its end, by the wall clock. A timer
    // counts on the monotonic clock, while file times and `taken` are wall-clock times (which an adjusting
    // clock moves at another pace): after too short a wait, the written files' entries would be racy and
    // read back by the next run after all.
    const waitUntil = run.times.doneAt + RACY_WINDOW_MS + 1;
    run.idle?.();
    for (let left = waitUntil - Date.now(); left > 0; left = waitUntil - Date.now())
      await new Promise((resolve) => setTimeout(resolve, left));
    taken = Date.now();
    for (const f of written) {
      let st: Stats;
      try {
        st = lstatSync(toAbs(root, f.path));
      } catch {
        continue;
      }
      if (
        st.isFile() &&
        st.size === Buffer.byteLength(f.content, 'utf8') &&
        st.ctimeMs < run.times.stagedAt + 1
      )
        entries.set(f.path, entryOf(st, run.hashes.of(f)));
    }
  }
  writeManifest(file, { root, taken, files: entries });
}

/**
 * At most this many written files (and at most an eighth of the owned files) are left out of the manifest
 * rather than waited for (see recordWritten): reading them back costs the next run about as much as the
 * wait would cost this one at ~2,500.
 */
const FEW_WRITTEN = 100;

/**
 * After a single step, the files read whole (no manifest entry stood in for them) below which the manifest
 * is left as it was (see recordScan): reading this many small files costs the next run well under a
 * millisecond.
 */
const FEW_REREAD = 32;

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

/**
 * `rel` (a checked relative path or names from readdir: no empty, `.` or `..` segment) under `root`.
 * Plain concatenation where `/` is the separator: path.join would normalise every one of thousands of paths.
 */
function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function toAbs(root: string, rel: string): string {
  if (rel === '') return root;
  if (path.sep !== '/') return path.join(root, ...rel.split('/'));
  return root.endsWith('/') ? `${root}${rel}` : `${root}/${rel}`;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
