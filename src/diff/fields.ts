/**
 * Field-level changes between two JSON values: the paths that differ and their old and new values.
 * Maps are compared member by member; lists are aligned with the line diff (items compared by value),
 * so an item inserted in the middle is one `added` change, not a change at every later index. Pure.
 */
import { diffLines } from './line-diff.ts';
import { stableJson } from './noise.ts';

export interface FieldChange {
  /** `spec.http[3].route[1].weight`; keys that are not identifiers are quoted: `metadata.labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  /** Absent when the field was added. */
  readonly old?: unknown;
  /** Absent when the field was removed. */
  readonly new?: unknown;
}

export function fieldChanges(a: unknown, b: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(a, b, '', out);
  return out;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;

export function joinKey(path: string, key: string): string {
  if (IDENT.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isMap(a) && isMap(b)) {
    const keys = new Set<string>();
    for (const k of Object.keys(a)) if (a[k] !== undefined) keys.add(k);
    for (const k of Object.keys(b)) if (b[k] !== undefined) keys.add(k);
    for (const k of [...keys].sort()) {
      const p = joinKey(path, k);
      const inA = a[k] !== undefined;
      const inB = b[k] !== undefined;
      if (!inB) out.push({ path: p, old: a[k] });
      else if (!inA) out.push({ path: p, new: b[k] });
      else walk(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkList(a, b, path, out);
    return;
  }
  if (stableJson(a) !== stableJson(b)) out.push({ path, old: a, new: b });
}

/** The identity of a list item, when it has one: its `name` (routes, ports, listeners, containers). */
function identity(v: unknown): string | undefined {
  return isMap(v) && typeof v.name === 'string' ? v.name : undefined;
}

function walkList(a: readonly unknown[], b: readonly unknown[], path: string, out: FieldChange[]): void {
  const edits = diffLines(a.map(stableJson), b.map(stableJson));
  let i = 0;
  let j = 0;
  let k = 0;
  while (k < edits.length) {
    if (edits[k]!.op === ' ') {
      i++;
      j++;
      k++;
      continue;
    }
    // A run of removals then additions: pair them up in order (an item changed in place), the rest
    // are whole items removed or added.
    const removed: number[] = [];
    const added: number[] = [];
    while (k < edits.length && edits[k]!.op === '-') {
      removed.push(i++);
      k++;
    }
    while (k < edits.length && edits[k]!.op === '+') {
      added.push(j++);
      k++;
    }
    // Items with the same identity (`name`) are the same item changed; the others pair up in order.
    const pairs: [number, number][] = [];
    const freeA = new Set(removed);
    const freeB = new Set(added);
    for (const r of removed) {
      const id = identity(a[r]);
      if (id === undefined) continue;
      const s = added.find((x) => freeB.has(x) && identity(b[x]) === id);
      if (s === undefined) continue;
      pairs.push([r, s]);
      freeA.delete(r);
      freeB.delete(s);
    }
    const restA = [...freeA];
    const restB = [...freeB];
    for (let p = 0; p < Math.min(restA.length, restB.length); p++) {
      const [r, s] = [restA[p]!, restB[p]!];
      // Two items with different identities are different items, not one item changed.
      if (identity(a[r]) !== undefined && identity(b[s]) !== undefined) break;
      pairs.push([r, s]);
      freeA.delete(r);
      freeB.delete(s);
    }
    for (const r of freeA) out.push({ path: `${path}[${r}]`, old: a[r] });
    const later: [number, () => void][] = [
      ...pairs.map(([r, s]): [number, () => void] => [s, () => walk(a[r], b[s], `${path}[${s}]`, out)]),
      ...[...freeB].map((s): [number, () => void] => [
        s,
        () => out.push({ path: `${path}[${s}]`, new: b[s] }),
      ]),
    ];
    for (const [, emit] of later.sort((x, y) => x[0] - y[0])) emit();
  }
}
