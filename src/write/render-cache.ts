/**
 * The render cache, write side (the read side and what an entry means: load/render-cache.ts). Saving is
 * best effort: a cache that cannot be written costs the next run its shortcut, never this run its result.
 */
import type { Diagnostic } from '../core/diagnostic.ts';
import type { Location } from '../core/location.ts';
import type { TreeFile } from '../core/output.ts';
import { RENDER_CACHE_FORMAT } from '../load/render-cache.ts';
import { writeFileAtomically } from './atomic-file.ts';
import { BlobHashes } from './manifest.ts';
import type { RenderCacheEntry } from '../load/render-cache.ts';

/**
 * The entry of a successful render: its files' hashes (from `hashes`, where the writer keeps those it
 * computed), its warnings as plain data, its environments.
 */
export function renderCacheEntry(
  key: string,
  files: readonly TreeFile[],
  diagnostics: readonly Diagnostic[],
  environments: readonly string[],
  hashes: BlobHashes = new BlobHashes(),
  shards?: RenderCacheEntry['shards'],
): RenderCacheEntry {
  return {
    format: RENDER_CACHE_FORMAT,
    key,
    files: files.map((f) => [f.path, f.ownership, f.ownership === 'owned' ? hashes.of(f) : ''] as const),
    diagnostics: diagnostics.map(resolvedDiagnostic),
    environments: [...environments],
    ...(shards ? { shards } : {}),
  };
}

/**
 * A diagnostic as JSON keeps it: every field, locations read out (whether computed eagerly or lazily), so
 * it holds no reference to the parsed spec.
 */
export function resolvedDiagnostic(d: Diagnostic): Diagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.location ? { location: plainLocation(d.location) } : {}),
    ...(d.pointer !== undefined ? { pointer: d.pointer } : {}),
    ...(d.related
      ? { related: d.related.map((r) => ({ message: r.message, location: plainLocation(r.location) })) }
      : {}),
    ...(d.redact ? { redact: true } : {}),
  };
}

function plainLocation(l: Location): Location {
  const { file, line, col, endLine, endCol, offset, endOffset } = l;
  return { file, line, col, endLine, endCol, offset, endOffset };
}

/** Writes the entry (temp file + rename: a reader sees the old entry or the new one); failures are ignored. */
export function saveRenderCache(file: string, entry: RenderCacheEntry): void {
  saveJsonAtomically(file, entry);
}

/** JSON to `file` through a temporary file and a rename; failures are ignored (a cache is an optimisation). */
export function saveJsonAtomically(file: string, data: unknown): void {
  writeFileAtomically(file, JSON.stringify(data));
}
