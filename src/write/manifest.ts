/**
 * The writer's manifest: what meshc last wrote (or found up to date) in an output directory, so that the
 * next run can trust an owned file whose `lstat` has not changed instead of reading it back.
 *
 * It lives OUTSIDE the output tree and outside the repository, in a cache directory the caller chooses
 * (the output is a GitOps repository that Flux / Argo CD read: none of meshc's bookkeeping may land
 * there). It is only ever an optimisation: a missing, unreadable, corrupt or foreign manifest is ignored,
 * and failing to write one is not an error. Nothing in it is trusted without the file's current `lstat`
 * matching the recorded one exactly.
 *
 * Each entry is a true pair taken by the writer: the `lstat` (size, mtime, ctime, inode, device) of an
 * owned file and the git blob hash of the bytes that file held when that `lstat` was taken (the stat is
 * always taken before the bytes are read, or after meshc itself wrote them).
 *
 * Racy entries. File timestamps come from the kernel's coarse clock (one tick: 1-10 ms; whole seconds on
 * some filesystems), so a same-size edit made in the same tick as the `lstat` that recorded a file keeps
 * mtime, ctime, size and inode: the stat cannot see it. An entry is therefore trusted only when the file's
 * mtime and ctime are older than {@link RACY_WINDOW_MS} before `taken` (a time read BEFORE any of the
 * entries' `lstat`s were taken): then any later change falls in a later tick and moves ctime at least
 * (ctime cannot be set back by `utimes`; restoring mtime after an edit still moves ctime). 50 ms is
 * several ticks of any Linux/macOS kernel clock plus Date.now()'s millisecond rounding. A file whose mtime
 * and ctime are both whole seconds is presumed to sit on a filesystem with one- or two-second timestamps
 * (FAT, HFS+, ext3, some network filesystems) and gets a window of {@link COARSE_RACY_WINDOW_MS}. A
 * racy entry is simply read again, as without a manifest, and recorded anew.
 *
 * Carried entries. A file the writer carries into a new tree (a hard link into the staging tree, the old
 * link removed after the swap) keeps its inode, size and mtime, but both links move its ctime to some moment
 * of the swap. Rather than wait out the racy window and stat every such file again, the writer records the
 * file's earlier stat (the one the scan judged, itself not racy) with the ctime as a range: from just before
 * the first link to just after the old tree was removed ({@link ManifestEntry.ctimeMaxMs}). The entry stands
 * in only while ctime is still inside that range and the rest of the stat is exactly the earlier one. A
 * later change moves ctime past the range; a change during the swap moves mtime (the earlier mtime is older
 * than the racy window, so a change cannot keep it, short of forging it). So such an entry sees what an
 * exact one sees, but for an edit that forges mtime made while meshc itself is writing the tree.
 *
 * What a stat cannot see, and is accepted: an edit that forges mtime AND ctime (ctime can only be set by
 * changing the system clock or writing the raw filesystem), and an edit made to the output tree while
 * meshc itself is writing it (see write-tree.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { OutputFile } from '../core/output.ts';
import { writeFileAtomically } from './atomic-file.ts';

/** Changes whenever the format or the meaning of an entry changes: any other version is ignored. */
export const MANIFEST_VERSION = 2;
const KIND = 'meshc-write-manifest';

/** See the module comment: a file changed less than this before the manifest was taken is re-read. */
export const RACY_WINDOW_MS = 50;
/** The window for files on a filesystem with whole-second timestamps (FAT keeps mtime in 2 s steps). */
export const COARSE_RACY_WINDOW_MS = 2_500;

export interface ManifestEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
  /**
   * A carried entry (see the module comment): ctime may be anywhere from `ctimeMs` to this, both included;
   * absent, ctime must be `ctimeMs` exactly.
   */
  readonly ctimeMaxMs?: number;
  /** Git blob hash (sha1 of `blob <size>\0<bytes>`, as `git hash-object` prints) of the file's bytes. */
  readonly hash: string;
}

export interface Manifest {
  /** The absolute output directory it describes (a manifest of another directory is ignored). */
  readonly root: string;
  /** Date.now() read before any entry's lstat was taken. */
  readonly taken: number;
  /** Relative path (`/`-separated) → entry; owned files only. */
  readonly files: Map<string, ManifestEntry>;
}

/** The git blob hash of `content` (a string is hashed as its UTF-8 bytes). */
export function blobHash(content: string | Buffer): string {
  const size = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.length;
  const h = createHash('sha1').update(`blob ${size}\0`);
  return (typeof content === 'string' ? h.update(content, 'utf8') : h.update(content)).digest('hex');
}

/**
 * Blob hashes of output files, each computed once per file object: the writer (comparing with its manifest,
 * recording the next one) and the render cache entry hash the same files of one render.
 */
export class BlobHashes {
  readonly #hashes = new WeakMap<OutputFile, string>();
  of(f: OutputFile): string {
    let h = this.#hashes.get(f);
    if (h === undefined) {
      h = blobHash(f.content);
      this.#hashes.set(f, h);
    }
    return h;
  }
}

/** The stat fields an entry keeps, with `hash` added. */
export function entryOf(st: Stats, hash: string): ManifestEntry {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev, hash };
}

/**
 * A carried entry (see the module comment): the stat `st` the scan judged (not racy), its hash, and the
 * moments just before meshc's first link of the swap and just after its last removal.
 */
export function carriedEntry(st: Stats, hash: string, from: number, until: number): ManifestEntry {
  return {
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: from,
    ctimeMaxMs: until,
    ino: st.ino,
    dev: st.dev,
    hash,
  };
}

/** True when `st` is exactly the stat recorded in `e` (its ctime within the range of a carried entry). */
export function statMatches(e: ManifestEntry, st: Stats): boolean {
  return (
    st.size === e.size &&
    st.mtimeMs === e.mtimeMs &&
    (e.ctimeMaxMs === undefined
      ? st.ctimeMs === e.ctimeMs
      : st.ctimeMs >= e.ctimeMs && st.ctimeMs <= e.ctimeMaxMs) &&
    st.ino === e.ino &&
    st.dev === e.dev
  );
}

/**
 * True when a file with these timestamps, stat-ed after `taken`, may still change without its stat
 * changing (see the module comment). A timestamp in the future is racy too. Of a carried entry, only mtime
 * counts: its ctime range stands for meshc's own links, and a change after them moves ctime past it.
 */
export function isRacy(
  t: { readonly mtimeMs: number; readonly ctimeMs: number; readonly ctimeMaxMs?: number },
  taken: number,
): boolean {
  if (t.ctimeMaxMs !== undefined)
    return t.mtimeMs >= taken - (t.mtimeMs % 1000 === 0 ? COARSE_RACY_WINDOW_MS : RACY_WINDOW_MS);
  const window = coarseTimestamps(t) ? COARSE_RACY_WINDOW_MS : RACY_WINDOW_MS;
  return t.mtimeMs >= taken - window || t.ctimeMs >= taken - window;
}

/**
 * Whether mtime and ctime are both whole seconds: presumed a filesystem with one- or two-second timestamps
 * (see the module comment), where the racy window is {@link COARSE_RACY_WINDOW_MS}.
 */
export function coarseTimestamps(t: { readonly mtimeMs: number; readonly ctimeMs: number }): boolean {
  return t.mtimeMs % 1000 === 0 && t.ctimeMs % 1000 === 0;
}

/** Where `meshc render` keeps the manifest of `outDir` in meshc's cache directory (`<cache>/write-<hash>.json`). */
export function manifestFileFor(cacheDir: string, outDir: string): string {
  const key = createHash('sha1').update(path.resolve(outDir)).digest('hex').slice(0, 20);
  return path.join(cacheDir, `write-${key}.json`);
}

const HASH = /^[0-9a-f]{40}$/;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
/** A timestamp may lie before 1970 (negative). */
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * The manifest of `root` stored in `file`, or undefined when there is none usable (missing, unreadable,
 * not JSON, another version, another directory, any malformed entry). Never throws.
 */
export function readManifest(file: string, root: string): Manifest | undefined {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof doc !== 'object' || doc === null) return undefined;
    const d = doc as Record<string, unknown>;
    if (d.kind !== KIND || d.version !== MANIFEST_VERSION || d.root !== root || !isNum(d.taken))
      return undefined;
    if (!Array.isArray(d.files)) return undefined;
    const files = new Map<string, ManifestEntry>();
    for (const v of d.files as unknown[]) {
      if (!Array.isArray(v) || (v.length !== 7 && v.length !== 8)) return undefined;
      const [p, size, mtimeMs, ctimeMs, ino, dev, hash, ctimeMaxMs] = v as unknown[];
      if (typeof p !== 'string' || files.has(p)) return undefined;
      if (!isNum(size) || !isTime(mtimeMs) || !isTime(ctimeMs) || !isNum(ino) || !isNum(dev))
        return undefined;
      if (typeof hash !== 'string' || !HASH.test(hash)) return undefined;
      if (ctimeMaxMs === undefined) files.set(p, { size, mtimeMs, ctimeMs, ino, dev, hash });
      else if (isTime(ctimeMaxMs) && ctimeMaxMs >= ctimeMs)
        files.set(p, { size, mtimeMs, ctimeMs, ino, dev, hash, ctimeMaxMs });
      else return undefined;
    }
    return { root, taken: d.taken, files };
  } catch {
    return undefined;
  }
}

/**
 * Stores `m` in `file` atomically (a temporary file beside it, then a rename): a reader sees the previous
 * manifest or this one, never a torn one. Best effort: returns false instead of throwing on any failure.
 */
export function writeManifest(file: string, m: Manifest): boolean {
  // An array of tuples, not an object keyed by path: no path (`__proto__` included) is special.
  // In the order given (the writer's: the tree's); the order carries no meaning.
  const files = [...m.files].map(([p, e]) => {
    const row = [p, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.dev, e.hash];
    return e.ctimeMaxMs === undefined ? row : [...row, e.ctimeMaxMs];
  });
  const text = JSON.stringify({ kind: KIND, version: MANIFEST_VERSION, root: m.root, taken: m.taken, files });
  return writeFileAtomically(file, text, 0o600);
}
