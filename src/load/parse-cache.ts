/**
 * The parse cache, read side: each spec file's documents as the fast YAML path read them, kept by the last
 * render of the spec (write/parse-cache.ts) under the file's path and the sha1 of its text. A file whose
 * text is unchanged is rebuilt from them (parsedFromValues) instead of parsed, which is most of what a
 * render after a one-file change would otherwise parse again. Only meshc's own parse of the same text, by
 * the same meshc (its fingerprint), is reused; anything unreadable is no cache. With the values, it keeps
 * whether the file's documents passed validate's checks of a document alone (schema, forbidden keys,
 * secrets) with nothing found: those checks are a function of the text, so they are not run again on it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseCacheKey, parsedFromValues } from '../parse/parse.ts';
import type { ParseCache } from '../parse/parse.ts';
import type { SourceFile } from '../parse/source.ts';

export const PARSE_CACHE_FORMAT = 2;

/**
 * Path → [sha1 of the text, the documents' values (empty documents as null), 1 when every spec document of
 * it passed validate's own checks of a document with nothing found, else 0].
 */
export type ParseCacheEntry = readonly [string, readonly unknown[], 0 | 1];

export interface ParseCacheData {
  readonly format: number;
  readonly tool: string;
  readonly files: Readonly<Record<string, ParseCacheEntry>>;
}

/** The cache file of a spec repository: one per spec root. */
export function parseCacheFile(cacheDir: string, specRoot: string): string {
  const id = createHash('sha256').update(path.resolve(specRoot)).digest('hex').slice(0, 32);
  return path.join(cacheDir, `parse-${id}.json`);
}

export const textHash = (text: string): string => createHash('sha1').update(text).digest('hex');

/** A ParseCache holding the files of `sources` whose text the cache file has values for. */
export function readParseCache(file: string, tool: string, sources: readonly SourceFile[]): ParseCache {
  const cache: ParseCache = new Map();
  let data: ParseCacheData;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as ParseCacheData;
  } catch {
    return cache;
  }
  if (data?.format !== PARSE_CACHE_FORMAT || data.tool !== tool || typeof data.files !== 'object')
    return cache;
  for (const source of sources) {
    const hit = Object.hasOwn(data.files, source.path) ? data.files[source.path] : undefined;
    if (!Array.isArray(hit) || !Array.isArray(hit[1]) || hit[0] !== textHash(source.text)) continue;
    cache.set(parseCacheKey(source), {
      file: parsedFromValues(source, hit[1], hit[2] === 1),
      diagnostics: [],
    });
  }
  return cache;
}
