/**
 * Finding the spec repository of a path, as git and kustomize find theirs: the nearest directory, from
 * the given one upward, that holds a `meshc.yaml` regular file. A file argument (`services/cart.yaml`)
 * belongs to the nearest such directory above it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_FILE } from './constants.ts';

export type ProjectTarget =
  /** `root` holds meshc.yaml; `file` is set when the argument was a file (absolute). */
  | { readonly kind: 'found'; readonly root: string; readonly file?: string }
  /** The path exists but neither it nor any parent has meshc.yaml (`dir` is where the search began). */
  | { readonly kind: 'none'; readonly dir: string; readonly file?: string }
  /** The path does not exist. */
  | { readonly kind: 'missing'; readonly path: string };

async function kindOf(p: string): Promise<'file' | 'dir' | 'other' | undefined> {
  try {
    const s = await stat(p);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return undefined;
  }
}

export async function findProjectRoot(start: string): Promise<ProjectTarget> {
  const abs = path.resolve(start);
  const kind = await kindOf(abs);
  if (kind === undefined) return { kind: 'missing', path: abs };
  const file = kind === 'dir' ? undefined : abs;
  const from = kind === 'dir' ? abs : path.dirname(abs);
  // A FIFO or device named meshc.yaml is not a project file (reading it could block forever).
  for (let dir = from; ; dir = path.dirname(dir)) {
    if ((await kindOf(path.join(dir, PROJECT_FILE))) === 'file')
      return file === undefined ? { kind: 'found', root: dir } : { kind: 'found', root: dir, file };
    if (path.dirname(dir) === dir) break;
  }
  return file === undefined ? { kind: 'none', dir: from } : { kind: 'none', dir: from, file };
}
