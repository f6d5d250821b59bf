/**
 * The state of an output tree against what a render wrote (the render cache's entry, load/render-cache.ts):
 * read-only, so that a render the cache confirms writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RenderCacheEntry } from '../load/render-cache.ts';
import { blobHash, readManifest } from './manifest.ts';
import { judgeFile } from './write-tree.ts';

/**
 * Whether the tree at `outputDir` is exactly what the entry's render wrote: every owned file present with
 * the same bytes (read and hashed, unless the writer's manifest recorded exactly this file's lstat with
 * its hash, see manifest.ts), every seed file present, no other owned file,
 * no symbolic link or other special file anywhere, and no leftover of an interrupted write beside it (the
 * writer recovers those). Synchronous: thousands of small reads are several times faster so than through
 * fs/promises. Any surprise answers false, and the caller renders in full.
 */
export function treeMatches(outputDir: string, entry: RenderCacheEntry, manifestFile?: string): boolean {
  const root = path.resolve(outputDir);
  try {
    const manifest = manifestFile !== undefined ? readManifest(manifestFile, root) : undefined;
    if (!fs.lstatSync(root).isDirectory()) return false;
    const prefix = `.${path.basename(root)}.meshc-`;
    const legacy = `${path.basename(root)}.meshc-`;
    if (fs.readdirSync(path.dirname(root)).some((n) => n.startsWith(prefix) || n.startsWith(legacy)))
      return false;
    const expected = new Map(entry.files.map((f) => [f[0], f]));
    let seen = 0;
    const walk = (dir: string, rel: string): boolean => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const relPath = rel ? `${rel}/${e.name}` : e.name;
        // Names from readdir under a resolved root: plain concatenation (path.join would normalise each path).
        const abs = path.sep === '/' ? `${dir}/${e.name}` : path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!walk(abs, relPath)) return false;
          continue;
        }
        if (!e.isFile()) return false;
        // The writer's own judgement of a file: owned or not, and its bytes or (where the manifest vouches
        // for its lstat) their recorded hash.
        const file = judgeFile(abs, manifest, manifest?.files.get(relPath));
        const want = expected.get(relPath);
        if (!want) {
          // A file meshc did not write is left alone by the writer, unless it carries meshc's header.
          if (file.owned) return false;
          continue;
        }
        seen++;
        if (want[1] === 'seed') continue;
        const hash = file.hash ?? (file.content ? blobHash(file.content) : undefined);
        if (!file.owned || hash !== want[2]) return false;
      }
      return true;
    };
    return walk(root, '') && seen === expected.size;
  } catch {
    return false;
  }
}
