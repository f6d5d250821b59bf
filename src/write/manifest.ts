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
import { createHash, hash } from 'node:crypto';
import { readFileSync, rmSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasText, type TreeFile } from '../core/output.ts';
import { writeFileAtomically } from './atomic-file.ts';

/** Changes whenever the format or the meaning of an entry changes: any other version is ignored. */
export const MANIFEST_VERSION = 3;
const MAGIC = Buffer.from('meshc-write-manifest\n', 'latin1');

/** See the module comment: a file changed less than this before the manifest was taken is re-read. */
export const RACY_WINDOW_MS = 50;
/** The window for files on a filesystem with whole-second timestamps (FAT keeps mtime in 2 s steps). */
export const COARSE_RACY_WINDOW_MS = 2_500;

/** The fields of a file's lstat that say it is unchanged (statMatches): an entry keeps them, and so does a scan. */
export interface StatFields {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

export interface ManifestEntry extends StatFields {
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

/**
 * The git blob hash of `content` (a string is hashed as its UTF-8 bytes). One-shot `crypto.hash` (Node 20.12+):
 * a render hashes every file it writes, and a Hash object per file cost about three times as much.
 */
export function blobHash(content: string | Buffer): string {
  if (typeof content === 'string')
    return hash('sha1', `blob ${Buffer.byteLength(content, 'utf8')}\0${content}`, 'hex');
  return hash('sha1', Buffer.concat([Buffer.from(`blob ${content.length}\0`, 'latin1'), content]), 'hex');
}

/**
 * Blob hashes of output files, each computed once per file object: the writer (comparing with its manifest,
 * recording the next one) and the render cache entry hash the same files of one render.
 */
export class BlobHashes {
  readonly #hashes = new WeakMap<TreeFile, string>();
  of(f: TreeFile): string {
    if (!hasText(f)) return f.hash;
    let h = this.#hashes.get(f);
    if (h === undefined) {
      h = blobHash(f.content);
      this.#hashes.set(f, h);
    }
    return h;
  }
}

/**
 * What the manifest keeps of a file's lstat, and all a tree's scan keeps of it (fileStat): Node 20's Stats
 * object makes its four dates at once, about 840 bytes a file, which 22,000 files of a scan held to the end
 * of the write.
 */
export interface FileStat extends StatFields {
  readonly isFile: boolean;
}

export function fileStat(st: Stats): FileStat {
  return {
    isFile: st.isFile(),
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
    dev: st.dev,
  };
}

/** The stat fields an entry keeps, with `hash` added. */
export function entryOf(st: StatFields, hash: string): ManifestEntry {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev, hash };
}

/**
 * A carried entry (see the module comment): the stat `st` the scan judged (not racy), its hash, and the
 * moments just before meshc's first link of the swap and just after its last removal.
 */
export function carriedEntry(st: StatFields, hash: string, from: number, until: number): ManifestEntry {
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
export function statMatches(e: ManifestEntry, st: StatFields): boolean {
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

/** Where `meshc render` keeps the manifest of `outDir` in meshc's cache directory (`<cache>/write-<hash>.bin`). */
export function manifestFileFor(cacheDir: string, outDir: string): string {
  const key = createHash('sha1').update(path.resolve(outDir)).digest('hex').slice(0, 20);
  return path.join(cacheDir, `write-${key}.bin`);
}

/*
 * The file. A manifest holds an entry per owned file of the tree (tens of thousands for a large fleet), and
 * every render reads it and most write it: as JSON, the numbers' text alone (three doubles with fractions per
 * entry) cost a Linkerd render of 2,000 services x 4 environments about 0.1 s to write and as much to read
 * and check. So it is binary, each part read or written in one piece:
 *   MAGIC
 *   a header line: JSON {version, endian, root, taken, count, paths} (`paths`: the byte length of the paths)
 *   zero bytes up to a multiple of 8 from the start of the file
 *   count x 6 float64 in the writer's byte order (`endian`): size, mtimeMs, ctimeMs, ino, dev, and
 *     ctimeMaxMs (NaN: an exact entry)
 *   count x 40 bytes: the blob hashes, in lowercase hex
 *   `paths` bytes: the relative paths, UTF-8, separated by NUL (which no file name holds)
 * Anything else (another byte order, lengths that do not add up, a value out of range) is not a manifest.
 */
const NUMBERS = 6;
const HASH_HEX = 40;
const HEX = /^[0-9a-f]*$/;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * The manifest of `root` stored in `file`, or undefined when there is none usable (missing, unreadable,
 * another format or version, another directory, another byte order, any malformed entry). Never throws.
 */
export function readManifest(file: string, root: string): Manifest | undefined {
  try {
    const buf = readFileSync(file);
    if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const eol = buf.indexOf(0x0a, MAGIC.length);
    if (eol < 0) return undefined;
    const h = JSON.parse(buf.toString('utf8', MAGIC.length, eol)) as unknown;
    if (typeof h !== 'object' || h === null) return undefined;
    const { version, endian, root: r, taken, count: n, paths: pathBytes } = h as Record<string, unknown>;
    if (version !== MANIFEST_VERSION || endian !== os.endianness() || r !== root) return undefined;
    if (
      !isNum(taken) ||
      !Number.isInteger(n) ||
      !isNum(n) ||
      !Number.isInteger(pathBytes) ||
      !isNum(pathBytes)
    )
      return undefined;
    const numbersAt = align8(eol + 1);
    const hashesAt = numbersAt + n * NUMBERS * 8;
    const pathsAt = hashesAt + n * HASH_HEX;
    if (pathsAt + pathBytes !== buf.length) return undefined;
    // A copy, so that the doubles are aligned whatever the buffer's offset in its memory.
    const nums = new Float64Array(n * NUMBERS);
    Buffer.from(nums.buffer).set(buf.subarray(numbersAt, hashesAt));
    const hashes = buf.toString('latin1', hashesAt, pathsAt);
    if (!HEX.test(hashes)) return undefined;
    const paths = n === 0 ? [] : buf.toString('utf8', pathsAt).split('\0');
    if (paths.length !== n) return undefined;
    const files = new Map<string, ManifestEntry>();
    for (let i = 0, o = 0; i < n; i++, o += NUMBERS) {
      const p = paths[i]!;
      const size = nums[o]!;
      const mtimeMs = nums[o + 1]!;
      const ctimeMs = nums[o + 2]!;
      const ino = nums[o + 3]!;
      const dev = nums[o + 4]!;
      const ctimeMaxMs = nums[o + 5]!;
      if (p === '' || !isNum(size) || !isNum(ino) || !isNum(dev)) return undefined;
      if (!Number.isFinite(mtimeMs) || !Number.isFinite(ctimeMs)) return undefined;
      const hash = hashes.slice(i * HASH_HEX, (i + 1) * HASH_HEX);
      if (Number.isNaN(ctimeMaxMs)) files.set(p, { size, mtimeMs, ctimeMs, ino, dev, hash });
      else if (Number.isFinite(ctimeMaxMs) && ctimeMaxMs >= ctimeMs)
        files.set(p, { size, mtimeMs, ctimeMs, ino, dev, hash, ctimeMaxMs });
      else return undefined;
    }
    if (files.size !== n) return undefined; // a path twice
    return { root, taken, files };
  } catch {
    return undefined;
  }
}

/**
 * Stores `m` in `file` atomically (a temporary file beside it, then a rename): a reader sees the previous
 * manifest or this one, never a torn one. Best effort: returns false instead of throwing on any failure.
 */
export function writeManifest(file: string, m: Manifest): boolean {
  const n = m.files.size;
  const nums = new Float64Array(n * NUMBERS);
  const hashes: string[] = [];
  const paths: string[] = [];
  let o = 0;
  for (const [p, e] of m.files) {
    nums[o] = e.size;
    nums[o + 1] = e.mtimeMs;
    nums[o + 2] = e.ctimeMs;
    nums[o + 3] = e.ino;
    nums[o + 4] = e.dev;
    nums[o + 5] = e.ctimeMaxMs ?? NaN;
    o += NUMBERS;
    hashes.push(e.hash);
    paths.push(p);
  }
  const pathBytes = Buffer.from(paths.join('\0'), 'utf8');
  const header = Buffer.from(
    `${JSON.stringify({
      version: MANIFEST_VERSION,
      endian: os.endianness(),
      root: m.root,
      taken: m.taken,
      count: n,
      paths: pathBytes.length,
    })}\n`,
    'utf8',
  );
  const head = MAGIC.length + header.length;
  // The JSON manifest meshc kept before this format, under the same key: superseded, so not left to grow stale.
  try {
    if (file.endsWith('.bin')) rmSync(`${file.slice(0, -'.bin'.length)}.json`, { force: true });
  } catch {
    // best effort, as the whole manifest is
  }
  return writeFileAtomically(
    file,
    Buffer.concat([
      MAGIC,
      header,
      Buffer.alloc(align8(head) - head),
      Buffer.from(nums.buffer),
      Buffer.from(hashes.join(''), 'latin1'),
      pathBytes,
    ]),
    0o600,
  );
}
