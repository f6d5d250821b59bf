/**
 * Which environment of the base is which of the head: paired by name, and a removed environment whose
 * content reappears under another name is a rename. Pure.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import { environmentFingerprint } from './fingerprint.ts';

export interface EnvironmentMatch {
  readonly pairs: readonly { readonly base: ResolvedEnvironment; readonly head: ResolvedEnvironment }[];
  readonly added: readonly ResolvedEnvironment[];
  readonly removed: readonly ResolvedEnvironment[];
  /** Renamed environments (also listed in `pairs`). */
  readonly renamed: readonly { readonly from: string; readonly to: string }[];
}

/**
 * Pairs environments by name; an environment that disappears while one with identical content (everything
 * but the name) appears is a rename.
 */
export function matchEnvironments(
  base: readonly ResolvedEnvironment[],
  head: readonly ResolvedEnvironment[],
): EnvironmentMatch {
  const headNames = new Set(head.map((e) => e.name));
  const baseNames = new Set(base.map((e) => e.name));
  const pairs: { base: ResolvedEnvironment; head: ResolvedEnvironment }[] = [];
  const gone = base.filter((e) => !headNames.has(e.name));
  const fresh = head.filter((e) => !baseNames.has(e.name));
  for (const b of base) {
    const h = head.find((e) => e.name === b.name);
    if (h) pairs.push({ base: b, head: h });
  }
  const renamed: { from: string; to: string }[] = [];
  const used = new Set<string>();
  const prints = new Map(fresh.map((e) => [e.name, environmentFingerprint(e)] as const));
  const removed: ResolvedEnvironment[] = [];
  for (const b of gone) {
    const print = environmentFingerprint(b);
    const h = fresh.find((e) => !used.has(e.name) && prints.get(e.name) === print);
    if (h) {
      used.add(h.name);
      renamed.push({ from: b.name, to: h.name });
      pairs.push({ base: b, head: h });
    } else removed.push(b);
  }
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  pairs.sort((x, y) => byName(x.head, y.head));
  return { pairs, added: fresh.filter((e) => !used.has(e.name)), removed, renamed };
}
