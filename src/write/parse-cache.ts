/**
 * The parse cache, write side (what it is: load/parse-cache.ts). Best effort, like the render cache.
 */
import type { ParsedFile } from '../parse/parse.ts';
import { PARSE_CACHE_FORMAT, textHash } from '../load/parse-cache.ts';
import type { ParseCacheData, ParseCacheEntry } from '../load/parse-cache.ts';
import { saveJsonAtomically } from './render-cache.ts';

/**
 * Saves the values of every file that took the fast path without a finding, when JSON keeps them exactly
 * (YAML's `.inf`, `.nan` and `-0` have no JSON form: such a file is parsed again next time), and whether
 * validate's checks of its documents alone found nothing (`checked`: the compile's `checkedFiles`).
 */
export function saveParseCache(
  file: string,
  tool: string,
  parsed: readonly ParsedFile[],
  checked: ReadonlySet<ParsedFile>,
): void {
  const files: Record<string, ParseCacheEntry> = {};
  for (const f of parsed)
    if (f.fastValues && f.fastValues.every(jsonExact))
      files[f.source.path] = [textHash(f.source.text), f.fastValues, checked.has(f) ? 1 : 0];
  const data: ParseCacheData = { format: PARSE_CACHE_FORMAT, tool, files };
  saveJsonAtomically(file, data);
}

/** Whether JSON.parse(JSON.stringify(v)) gives back v exactly. */
function jsonExact(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonExact);
  if (typeof v === 'object') return Object.values(v as object).every(jsonExact);
  return false;
}
