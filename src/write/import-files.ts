import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { pathProblem } from './write-tree.ts';

/**
 * Writes the files of `meshc import` without ever losing a user's file. The directory must be empty (or new),
 * or hold an earlier import: `.meshc-import.json` lists the files an import wrote with their content hashes.
 * - A file on disk that an earlier import wrote and nobody edited since is replaced (or removed when the new
 *   import no longer has it).
 * - Any other file is the user's: a non-empty directory that is not an earlier import is refused unless
 *   `force`; and even with `force`, a file of the user's (or an imported file the user edited) is never
 *   overwritten: the import then writes nothing and names the files in the way.
 */

export const IMPORT_MANIFEST = '.meshc-import.json';

interface Manifest {
  readonly files: Record<string, string>;
}

export interface ImportWriteResult {
  readonly written: string[];
  readonly removed: string[];
  readonly diagnostics: Diagnostic[];
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export async function writeImport(
  dir: string,
  files: readonly { path: string; content: string }[],
  options: { force?: boolean; display?: string } = {},
): Promise<ImportWriteResult> {
  const display = options.display ?? dir;
  // Refusals that come before anything is written: the paths come from names in the input.
  const refusal = (code: 'PATH_OUTSIDE_ROOT' | 'OUTPUT_WRITE_FAILED', message: string, hint: string) => ({
    written: [],
    removed: [],
    diagnostics: [{ code, severity: 'error' as const, message: `${message}; nothing was written.`, hint }],
  });
  const listed = (paths: readonly string[], cut = Infinity) =>
    paths
      .slice(0, 3)
      .map((p) => JSON.stringify(p.length > cut ? `${p.slice(0, cut)}…` : p))
      .join(', ');
  // One that would leave the directory is refused, whatever let it through upstream.
  const outside = files.map((f) => f.path).filter((p) => pathProblem(p) !== undefined);
  if (outside.length)
    return refusal(
      'PATH_OUTSIDE_ROOT',
      `The import would write outside ${display}: ${listed(outside)}`,
      'A name in the input is not a Kubernetes name (it holds `/`, `\\` or `..`): fix or remove that object.',
    );
  // A file name the disk refuses (longer than 255 bytes).
  const tooLong = files
    .map((f) => f.path)
    .filter((p) => p.split('/').some((s) => Buffer.byteLength(s) > 255));
  if (tooLong.length)
    return refusal(
      'OUTPUT_WRITE_FAILED',
      `The import would write a file name longer than 255 bytes, which the disk refuses: ${listed(tooLong, 120)}`,
      'A name in the input is longer than a file name can be: shorten it in the input.',
    );
  const { files: existing, links } = await listFiles(dir);
  // Nothing is written through a symbolic link in the directory (it could point anywhere).
  const linked = files.map((f) => f.path).filter((p) => links.some((l) => p === l || p.startsWith(`${l}/`)));
  if (linked.length)
    return refusal(
      'PATH_OUTSIDE_ROOT',
      `The import would write through a symbolic link in ${display}: ${linked.slice(0, 3).join(', ')}`,
      'Import into an empty or new directory with -o.',
    );
  let manifest: Manifest = { files: {} };
  if (existing.includes(IMPORT_MANIFEST)) {
    try {
      const parsed = JSON.parse(await readFile(path.join(dir, IMPORT_MANIFEST), 'utf8')) as Manifest;
      if (parsed && typeof parsed.files === 'object') manifest = parsed;
    } catch {
      // An unreadable manifest vouches for nothing: every file counts as the user's.
    }
  }
  const current = new Map<string, string>();
  for (const f of existing)
    if (f !== IMPORT_MANIFEST) current.set(f, hash(await readFile(path.join(dir, f), 'utf8')));
  const ours = (f: string) => manifest.files[f] !== undefined && manifest.files[f] === current.get(f);
  // A symbolic link is the user's: never read, replaced or removed.
  const foreign = [...[...current.keys()].filter((f) => !ours(f)), ...links].sort();
  const refuse = (message: string, list: readonly string[]): ImportWriteResult => ({
    written: [],
    removed: [],
    diagnostics: [
      {
        code: 'IMPORT_OUTPUT_NOT_EMPTY',
        severity: 'error',
        message: `${message}: ${list.slice(0, 10).join(', ')}${list.length > 10 ? `, and ${list.length - 10} more` : ''}.`,
        hint: options.force
          ? 'Move those files away, or import into another directory with -o.'
          : 'Import into an empty or new directory with -o, or pass --force to write beside those files (they are never overwritten).',
      },
    ],
  });
  if (foreign.length && !options.force)
    return refuse(
      `${display} holds files that no earlier \`meshc import\` wrote (or that were edited since); nothing was written`,
      foreign,
    );
  const inTheWay = files.map((f) => f.path).filter((p) => current.has(p) && !ours(p));
  if (inTheWay.length)
    return refuse(
      `The import would overwrite files in ${display} that are not an earlier import's (or were edited since); nothing was written`,
      inTheWay,
    );

  const written: string[] = [];
  const removed: string[] = [];
  const next: Record<string, string> = {};
  try {
    for (const f of files) {
      const target = path.join(dir, ...f.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, f.content);
      next[f.path] = hash(f.content);
      written.push(f.path);
    }
    for (const f of Object.keys(manifest.files)) {
      if (next[f] !== undefined || !ours(f)) continue;
      await rm(path.join(dir, ...f.split('/')));
      removed.push(f);
    }
  } catch (e) {
    // Only what the disk refuses (an errno: permissions, a full disk) is the user's to fix; anything else is
    // a bug in meshc and stays an exception.
    if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
    // The disk refused: what was written is still listed as the import's, so that the next import may
    // replace it; the files of earlier imports not yet replaced stay listed too.
    const kept = Object.fromEntries(
      Object.entries(manifest.files).filter(([f]) => ours(f) && !removed.includes(f)),
    );
    await writeFile(
      path.join(dir, IMPORT_MANIFEST),
      `${JSON.stringify({ files: { ...kept, ...next } }, null, 2)}\n`,
    ).catch(() => undefined);
    return {
      written,
      removed,
      diagnostics: [
        {
          code: 'OUTPUT_WRITE_FAILED',
          severity: 'error',
          message: `The import could not write into ${display}: ${(e as Error).message}; ${written.length} of ${files.length} files were written.`,
          hint: 'Fix the permissions or free space of the directory, or import into another directory with -o.',
        },
      ],
    };
  }
  await writeFile(path.join(dir, IMPORT_MANIFEST), `${JSON.stringify({ files: next }, null, 2)}\n`);
  return { written, removed, diagnostics: [] };
}

/** The files under `dir` (relative, `/`-separated, sorted), and its symbolic links (never followed). */
async function listFiles(dir: string): Promise<{ files: string[]; links: string[] }> {
  const out: string[] = [];
  const links: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) links.push(r);
      else if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return { files: out.sort(), links };
}
