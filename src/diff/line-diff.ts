/**
 * A small line diff: Myers' O((N+M)·D) greedy algorithm (the one `git diff` and GNU diff use by
 * default) over arrays of strings, and unified-diff hunks with context. Pure, no dependency.
 * Kept over jsdiff (`diff`), which gives the same text on realistic input but is several times slower
 * and has no edit-distance bound: figures in the README's dependency table (scripts/bench-libs.mjs).
 */

export type EditOp = ' ' | '-' | '+';

export interface Edit {
  readonly op: EditOp;
  readonly line: string;
}

/**
 * Past this many differences the diff falls back to "remove all, add all" for the middle part that
 * still differs (after the common prefix and suffix are trimmed): the result is still a correct edit
 * script, only not a minimal one, and memory stays bounded (the trace is O(D²)).
 */
export const MAX_EDIT_DISTANCE = 4000;

/** A shortest edit script turning `a` into `b` (deletions before insertions within a change). */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: Edit[] = [];
  for (let i = 0; i < start; i++) out.push({ op: ' ', line: a[i]! });
  out.push(...myers(a.slice(start, endA), b.slice(start, endB)));
  for (let i = endA; i < a.length; i++) out.push({ op: ' ', line: a[i]! });
  return out;
}

function myers(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ op: '+', line }));
  if (m === 0) return a.map((line) => ({ op: '-', line }));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] is a copy of v[offset-d .. offset+d] before step d (what backtracking needs).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  // Too different: a correct but non-minimal script.
  return [...a.map((line): Edit => ({ op: '-', line })), ...b.map((line): Edit => ({ op: '+', line }))];
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], dEnd: number): Edit[] {
  const rev: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const vd = trace[d]!; // v before step d: index k + d - 1... stored as v[offset-d .. offset+d]
    const at = (k: number) => vd[k + d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push({ op: ' ', line: a[--x]! });
      y--;
    }
    if (prevK === k + 1) rev.push({ op: '+', line: b[--y]! });
    else rev.push({ op: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    rev.push({ op: ' ', line: a[--x]! });
    y--;
  }
  return normalizeRuns(rev.reverse());
}

/** Within each run of changes, deletions first, then insertions (the usual unified-diff reading order). */
function normalizeRuns(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let i = 0;
  while (i < edits.length) {
    if (edits[i]!.op === ' ') {
      out.push(edits[i++]!);
      continue;
    }
    const del: Edit[] = [];
    const ins: Edit[] = [];
    while (i < edits.length && edits[i]!.op !== ' ') (edits[i]!.op === '-' ? del : ins).push(edits[i++]!);
    out.push(...del, ...ins);
  }
  return out;
}

export interface UnifiedOptions {
  /** Lines of context around each change (default 3, as `diff -u`). */
  readonly context?: number;
}

/** Splits text into lines; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Unified-diff hunks (`@@ -l,s +l,s @@` headers, then ` `/`-`/`+` lines), without file headers.
 * Empty when the texts are equal.
 */
export function unifiedDiff(aText: string, bText: string, options: UnifiedOptions = {}): string {
  const context = Math.max(0, options.context ?? 3);
  const edits = diffLines(splitLines(aText), splitLines(bText));
  if (!edits.some((e) => e.op !== ' ')) return '';
  // Positions (1-based line numbers in a and b) before each edit.
  const posA: number[] = [];
  const posB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const e of edits) {
    posA.push(la);
    posB.push(lb);
    if (e.op !== '+') la++;
    if (e.op !== '-') lb++;
  }
  const out: string[] = [];
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === ' ') i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    // Extend the hunk while the next change is within 2×context lines.
    let end = i;
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let gap = end;
      while (gap < edits.length && edits[gap]!.op === ' ') gap++;
      if (gap < edits.length && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(edits.length, end + context);
        break;
      }
    }
    let countA = 0;
    let countB = 0;
    for (let j = start; j < end; j++) {
      if (edits[j]!.op !== '+') countA++;
      if (edits[j]!.op !== '-') countB++;
    }
    const startA = countA === 0 ? posA[start]! - 1 : posA[start]!;
    const startB = countB === 0 ? posB[start]! - 1 : posB[start]!;
    out.push(`@@ -${range(startA, countA)} +${range(startB, countB)} @@`);
    for (let j = start; j < end; j++) out.push(`${edits[j]!.op}${edits[j]!.line}`);
    i = end;
  }
  return out.join('\n') + '\n';
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
