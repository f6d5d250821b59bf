import type { Location } from '../core/location.ts';

/**
 * Offsets of line starts; converts offsets to 1-based line/column by binary search.
 * Line breaks are LF, CRLF and a lone CR (YAML 1.2 counts all three, and so do editors).
 */
export class LineIndex {
  readonly starts: number[] = [0];
  readonly text: string;
  constructor(text: string) {
    this.text = text;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  linePos(offset: number): { line: number; col: number } {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  location(file: string, start: number, end: number): Location {
    // An offset between the CR and the LF of a CRLF is on no column of its line: move it onto the CR.
    const inCrlf = (o: number) =>
      o > 0 && this.text.charCodeAt(o) === 10 && this.text.charCodeAt(o - 1) === 13;
    let s = Math.max(0, Math.min(start, this.text.length));
    if (inCrlf(s)) s--;
    let e = Math.max(s, Math.min(end, this.text.length));
    if (e > s && inCrlf(e)) e--;
    const a = this.linePos(s);
    const b = this.linePos(e);
    return { file, line: a.line, col: a.col, endLine: b.line, endCol: b.col, offset: s, endOffset: e };
  }

  /** Offsets `[start, end)` of 1-based line `line`, without its line break (an empty span past the end). */
  lineSpan(line: number): readonly [number, number] {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return [start, end];
  }

  /** The text of 1-based line `line`, without its line break. */
  lineText(line: number): string {
    const [start, end] = this.lineSpan(line);
    return this.text.slice(start, end);
  }
}

/**
 * The text with every lone CR turned into LF: the same length (offsets and positions do not move), and
 * one line-break convention for the parsers, which do not all treat a lone CR as a line break.
 */
export function normalizeLineBreaks(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}
