/**
 * The textual diff of the spec files themselves, file by file. The semantic summary replaces it when both
 * versions compile; when the base does not, it is what a reviewer can still read of the change. Pure.
 */
import type { SourceFile } from '../parse/source.ts';
import { unifiedDiff } from './line-diff.ts';

export interface SpecFileChange {
  /** Relative to the spec directory, `/`-separated. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Unified diff hunks (the whole file for added and removed ones). */
  readonly diff: string;
  readonly added: number;
  readonly removed: number;
}

/** Every spec file added, removed or changed between two versions, by path. */
export function diffSpecFiles(
  base: readonly SourceFile[],
  head: readonly SourceFile[],
  options: { readonly context?: number } = {},
): SpecFileChange[] {
  const b = new Map(base.map((f) => [f.path, f.text] as const));
  const h = new Map(head.map((f) => [f.path, f.text] as const));
  const paths = [...new Set([...b.keys(), ...h.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: SpecFileChange[] = [];
  for (const path of paths) {
    const old = b.get(path);
    const now = h.get(path);
    if (old === now) continue;
    const diff = unifiedDiff(old ?? '', now ?? '', options);
    if (diff === '') continue;
    const lines = diff.split('\n');
    out.push({
      path,
      change: old === undefined ? 'added' : now === undefined ? 'removed' : 'changed',
      diff,
      added: lines.filter((l) => l.startsWith('+')).length,
      removed: lines.filter((l) => l.startsWith('-')).length,
    });
  }
  return out;
}
