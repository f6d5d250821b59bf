/**
 * V8's code cache for the CLI's bundle: how bin/meshc.js loads dist/cli/meshc.cjs.
 *
 * Every meshc process compiles the bundle (~3 MB of JavaScript) before it does anything, and then compiles each
 * function again, lazily, as it first runs: ~35 ms of an unchanged re-render's ~170 ms of CPU, and more of a
 * render that compiles a spec. V8 can serialize what it compiled (`vm.Script#createCachedData`) and take it
 * back in the next process instead of compiling. Node 22's `module.enableCompileCache` does this for every
 * module; Node 20, which meshc supports, has no such switch, so the bundle is compiled here, as Node's
 * CommonJS loader would compile it (the same wrapper, `require` resolved from the bundle's directory), with
 * the cached data of an earlier run.
 *
 * The cache file lives in meshc's cache directory (load/render-cache.ts: `MESHC_CACHE_DIR` ...), one per
 * installed bundle and Node version, and is never an authority:
 *   - it is compiled code, so only a file the user alone could have written is read: owned by the user and
 *     writable by no one else, in a directory the user owns that others cannot write to (on systems with
 *     user ids; a cache directory in a shared place such as /tmp cannot be planted with code);
 *   - its header names the bundle it was made from (path, size, modification and change times, inode, as the
 *     render cache's fingerprint of meshc's own files does) and the Node version: a cache of any other
 *     bundle is not used (V8 itself checks only the source's length, its own version and its flags);
 *   - the payload's SHA-256 is checked before V8 sees it, since release builds of V8 do not verify a code
 *     cache's checksum: a truncated or damaged file is not used;
 *   - V8 may still reject it (a cache made under other V8 flags: the bundle is compiled under the flags the
 *     process started with, and heap.ts puts back any flag it sets for a command before the command ends).
 * The build ships a seed beside the bundle (`meshc.cjs.v8`, see {@link writeSeed}): the cache of a render of the
 * bundled example, named by the SHA-256 of the bundle's text and V8's version instead of the file's stat, so
 * that it holds wherever the package is installed. A process with no cache of its own of this bundle starts
 * from the seed (its checksum checked, V8 still free to reject it), and writes its own cache after.
 * A cache that was not used is written afresh after the command, through a temporary file and a rename, so
 * two meshc processes at once each see a whole file or none. A cache made by `--version` or `--help` holds
 * little of the code a render runs: the first command that compiles more writes it again. Reading or
 * writing it never fails a command: without it, the bundle is compiled as Node would compile it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { writeFileAtomically } from '../write/atomic-file.ts';
import { HELP_WORDS, VERSION_WORDS } from './first-words.ts';

/** Bumped whenever the file's layout changes: a file of another format is not used. */
export const CODE_CACHE_FORMAT = 1;

/** How much of the CLI's code a command runs: `light` for `--version` and `--help`, `full` for the others. */
export type Coverage = 'light' | 'full';

/**
 * What became of the cache: `off` (no cache directory), `absent`, `other` (made from another bundle, another
 * Node, another format, or by a lighter command than this one will want), `damaged` (unreadable, truncated
 * or a checksum mismatch), `rejected` (by V8), `used`; `seed`: no cache of its own, the build's seed used.
 */
export type CodeCacheState = 'off' | 'absent' | 'other' | 'damaged' | 'rejected' | 'used' | 'seed';

export interface LoadBundleOptions {
  /** meshc's cache directory; none: the bundle is compiled without a cache and none is written. */
  readonly cacheDir?: string | undefined;
  /** How much of the code the command about to run will need (decides whether a `light` cache is renewed). */
  readonly coverage: Coverage;
  /** The build's seed (see {@link writeSeed}), used when there is no good cache of the process's own. */
  readonly seed?: string;
}

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  readonly exports: unknown;
  readonly state: CodeCacheState;
  /**
   * After the command: writes what V8 compiled for the next process, unless the cache was used as it is.
   * Returns whether it wrote.
   */
  save(): boolean;
}

interface Header {
  readonly format: number;
  /** The bundle's path and stat (a process's own cache), or `sha256:` and its text's hash (the seed). */
  readonly bundle: string;
  /** Node's version (a process's own cache), or `v8 ` and V8's (the seed). */
  readonly node: string;
  readonly coverage: Coverage;
  readonly sha256: string;
}

/** The seed's names for the bundle and the engine: its text's hash and V8's version, wherever it is installed. */
function seedIds(source: string): { bundle: string; node: string } {
  return {
    bundle: `sha256:${createHash('sha256').update(source).digest('hex')}`,
    node: `v8 ${process.versions.v8}`,
  };
}

/**
 * The cache file of `bundle` (an absolute path) in `cacheDir`: one per installed bundle and Node version, so
 * that two Node versions using one install (a version manager) do not overwrite each other's cache each run.
 */
export function codeCacheFile(cacheDir: string, bundle: string): string {
  const id = createHash('sha256')
    .update(`${bundle}\0${process.version}\0${process.arch}`)
    .digest('hex')
    .slice(0, 32);
  return path.join(cacheDir, `code-${id}.bin`);
}

/** The bundle as its header names it: where it is and which build of it (any rebuild or reinstall changes it). */
function bundleId(bundle: string): string {
  const st = fs.statSync(bundle);
  return `${bundle}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}`;
}

/**
 * The payload of `file` if it is a whole cache of this bundle, this Node and this format; else why not.
 * `seed`: the build's seed, part of the installed package (trusted as its code is), named by `id` and `node`;
 * otherwise a process's own cache, read only when the user alone could have written it.
 */
function readCache(
  file: string,
  id: string,
  coverage: Coverage | 'any',
  seed?: { readonly node: string },
): { payload: Buffer; header: Header } | Exclude<CodeCacheState, 'off' | 'rejected' | 'used' | 'seed'> {
  let buf: Buffer;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    if (!seed && !ownedAlone(fs.fstatSync(fd), path.dirname(file))) return 'other';
    buf = fs.readFileSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'damaged';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const node = seed?.node ?? process.version;
  const nl = buf.indexOf(10);
  if (nl < 0 || nl > 4096) return 'damaged';
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Header;
  } catch {
    return 'damaged';
  }
  if (header.format !== CODE_CACHE_FORMAT || header.bundle !== id || header.node !== node) return 'other';
  // A cache made by --version holds too little of a render to keep: compiled again (then written) instead.
  if (header.coverage !== 'full' && coverage === 'full') return 'other';
  const payload = buf.subarray(nl + 1);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return 'damaged';
  return { payload, header };
}

/**
 * Compiles and runs the CommonJS file `bundle` as Node's loader would (same wrapper, `require` from its
 * directory, `__filename`, `__dirname`), with V8's cached data of an earlier process when there is a good one.
 */
export function loadBundle(bundle: string, options: LoadBundleOptions): LoadedBundle {
  const file = path.resolve(bundle);
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = options.cacheDir !== undefined ? codeCacheFile(options.cacheDir, file) : undefined;
  let id: string | undefined;
  let found: ReturnType<typeof readCache> | 'off' = 'off';
  if (cacheFile !== undefined) {
    try {
      id = bundleId(file);
      found = readCache(cacheFile, id, options.coverage);
    } catch {
      found = 'damaged';
    }
  }
  let cached = typeof found === 'object' ? found : undefined;
  let seeded = false;
  if (cached === undefined && options.seed !== undefined) {
    // The seed is named by the bundle's text: hashed only here, when the process has no cache of its own.
    const ids = seedIds(source);
    // Of any coverage: the seed is what the build made.
    const seed = readCache(options.seed, ids.bundle, 'any', { node: ids.node });
    if (typeof seed === 'object') [cached, seeded] = [seed, true];
  }
  const script = new vm.Script(wrap(source), {
    filename: file,
    ...(cached ? { cachedData: cached.payload } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const state: CodeCacheState = cached
    ? script.cachedDataRejected
      ? 'rejected'
      : seeded
        ? 'seed'
        : 'used'
    : (found as CodeCacheState);
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return {
    exports: module.exports,
    state,
    save(): boolean {
      if (state === 'used' || state === 'off' || cacheFile === undefined || id === undefined) return false;
      let payload: Buffer;
      try {
        payload = script.createCachedData();
      } catch {
        return false;
      }
      const header: Header = {
        format: CODE_CACHE_FORMAT,
        bundle: id,
        node: process.version,
        coverage: options.coverage,
        sha256: createHash('sha256').update(payload).digest('hex'),
      };
      // Writable by the user alone: any other file is not read back (ownedAlone).
      return writeCache(cacheFile, header, payload, 0o600);
    },
  };
}

/**
 * The seed of `bundle` (scripts/bundle-cli.mjs, after a render of the bundled example with `cacheDir`): that
 * process's own cache, checked, renamed by the bundle's text and V8's version, written to `seedFile`.
 * Returns false when there was no good cache to make it from.
 */
export function writeSeed(bundle: string, cacheDir: string, seedFile: string): boolean {
  const file = path.resolve(bundle);
  const own = readCache(codeCacheFile(cacheDir, file), bundleId(file), 'full');
  if (typeof own !== 'object') return false;
  return writeCache(seedFile, { ...own.header, ...seedIds(fs.readFileSync(file, 'utf8')) }, own.payload);
}

/** A cache file: its header as one line of JSON, then V8's payload; whole or not at all. */
function writeCache(file: string, header: Header, payload: Buffer, mode?: number): boolean {
  return writeFileAtomically(
    file,
    Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), payload]),
    mode,
  );
}

/**
 * Whether only this process's user could have written the file `st` (of the directory `dir`): both are the
 * user's, the file writable by no one else, the directory not by others. Without user ids (Windows), true.
 */
function ownedAlone(st: fs.Stats, dir: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  const d = fs.statSync(dir);
  return st.uid === uid && (st.mode & 0o022) === 0 && d.uid === uid && (d.mode & 0o002) === 0;
}

/** Node's CommonJS wrapper (what `require` compiles a file as), on one line so that line numbers stay. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

/** The coverage of a command line: `light` when it only prints meshc's version or its help. */
export function coverageOf(argv: readonly string[]): Coverage {
  const first = argv[0];
  return first === undefined || HELP_WORDS.includes(first) || VERSION_WORDS.includes(first)
    ? 'light'
    : 'full';
}
