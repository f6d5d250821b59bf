import type { AccessPath } from './types.ts';

/**
 * An access rule's path as the spec writes it, parsed once: `/exact`, `/prefix*`, `*suffix`, `*`. `*` and `/*`
 * mean every path (every request path starts with `/`), so they carry no `match`.
 */
export function parseAccessPath(text: string): AccessPath {
  if (text === '*' || text === '/*') return { text };
  if (text.startsWith('*')) return { text, match: { type: 'suffix', value: text.slice(1) } };
  if (text.endsWith('*')) return { text, match: { type: 'prefix', value: text.slice(0, -1) } };
  return { text, match: { type: 'exact', value: text } };
}

/** The paths of one access rule: unique by text, sorted by text (the order every backend and the diff use). */
export function accessPaths(texts: readonly string[]): AccessPath[] {
  return [...new Set(texts)].sort().map(parseAccessPath);
}
