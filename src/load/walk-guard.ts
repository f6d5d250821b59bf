import fs from 'node:fs';
import path from 'node:path';
import type fg from 'fast-glob';

/** Why the walk did not follow a symlink. */
export type Refusal = 'outside' | 'loop';

/** fast-glob's synchronous `stat` (the adapter's `statSync`): what the walk calls to follow a symlink. */
export type StatSyncFn = fg.FileSystemAdapter['statSync'];

/**
 * fast-glob's `statSync`, which its synchronous walk calls on symlinks to follow them (and on the path of a
 * pattern without magic): a link that resolves outside the repository, or to a directory that contains the
 * link (a loop: `a -> ..`), is reported as unreadable to the walk, which then neither descends into it nor
 * matches it as a file, and recorded in `refused` for a diagnostic. This is what keeps a link to `/` from
 * walking into /proc.
 *
 * The walk is synchronous because it is faster: a spec repository is a few hundred small directories and
 * files, and each step of the asynchronous walk (readdir, then realpath, realpath and stat per symlink) was a
 * round trip through the thread pool with nothing else to run meanwhile. The decisions are those of the
 * asynchronous guard it replaces: a path whose realpath fails (broken link, link loop) goes to the inner
 * stat, which throws as it did; a target outside `realRoot` is refused as 'outside'; a directory target that
 * is the link's parent or one of its ancestors is refused as 'loop'; anything else is the inner stat's
 * answer. `realpathSync.native` is the realpath the root was resolved with (and the one fs/promises calls),
 * so target and root are compared in the same spelling.
 */
export function guardedStatSync(
  realRoot: string,
  refused: Map<string, Refusal>,
  inner: StatSyncFn = fs.statSync,
): StatSyncFn {
  const stat = inner as (p: string, ...rest: unknown[]) => fs.Stats | undefined;
  const refuse = (p: string, why: Refusal): never => {
    refused.set(p, why);
    // An errno-style error, as a failing stat throws: the walk then keeps the link as an unfollowed entry.
    const err: NodeJS.ErrnoException = new Error(`meshc: not following ${p}`);
    err.code = 'ELOOP';
    err.path = p;
    throw err;
  };
  const guarded = (p: fs.PathLike, ...rest: unknown[]) => {
    const abs = path.resolve(realRoot, String(p));
    let real: string;
    try {
      real = fs.realpathSync.native(abs);
    } catch {
      return stat(abs, ...rest); // broken or looping: let stat fail
    }
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return refuse(abs, 'outside');
    let parent: string | undefined;
    try {
      parent = fs.realpathSync.native(path.dirname(abs));
    } catch {
      parent = undefined;
    }
    const within = parent !== undefined && (parent === real || parent.startsWith(real + path.sep));
    const st = stat(abs, ...rest);
    if (st?.isDirectory() && within) return refuse(abs, 'loop');
    return st;
  };
  return guarded as unknown as StatSyncFn;
}
