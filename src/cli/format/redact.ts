import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';

/** Secret spans (offsets) by file, from every diagnostic marked `redact`. */
export type Redactions = ReadonlyMap<string, readonly (readonly [number, number])[]>;

export function redactions(diagnostics: readonly Diagnostic[]): Redactions {
  const out = new Map<string, [number, number][]>();
  for (const d of diagnostics) {
    if (!d.redact || !d.location) continue;
    const list = out.get(d.location.file) ?? [];
    list.push([d.location.offset, Math.max(d.location.endOffset, d.location.offset + 1)]);
    out.set(d.location.file, list);
  }
  return out;
}

/**
 * The most of one source line a code frame or a snippet shows. A longer line (minified JSON, a one-line
 * `kubectl` export) is cut around the finding's column, so that a finding on it prints a bounded frame, not
 * the whole line once per finding.
 */
export const FRAME_WIDTH = 160;
/** Characters shown before the column on a cut line. */
const FRAME_BEFORE = 40;

/** 0-based columns `[from, to)` of a line. */
export interface LineWindow {
  readonly from: number;
  readonly to: number;
}

/** The columns of a line of `length` characters that a frame shows for a finding at 1-based `col`. */
export function frameWindow(length: number, col: number): LineWindow {
  if (length <= FRAME_WIDTH) return { from: 0, to: FRAME_WIDTH };
  const from = Math.max(0, Math.min(col - 1 - FRAME_BEFORE, length - FRAME_WIDTH));
  return { from, to: from + FRAME_WIDTH };
}

/** The length of a source line (without its line break), or undefined for a file without text. */
export function lineLength(ctx: FormatContext, file: string, line: number): number | undefined {
  const lines = ctx.lines.get(file);
  if (!lines) return undefined;
  const [start, end] = lines.lineSpan(line);
  return end - start;
}

/**
 * The source line (or the columns `window` of it), with every character inside a secret span replaced by
 * `*` (the same length, so carets line up).
 */
export function sourceLine(
  ctx: FormatContext,
  spans: Redactions,
  file: string,
  line: number,
  window?: LineWindow,
): string | undefined {
  const lines = ctx.lines.get(file);
  if (!lines) return undefined;
  const [start, end] = lines.lineSpan(line);
  const from = window ? Math.min(start + window.from, end) : start;
  const to = window ? Math.min(start + window.to, end) : end;
  const text = lines.text.slice(from, to);
  const own = spans.get(file);
  if (!own?.length) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const offset = from + i;
    out += own.some(([a, b]) => offset >= a && offset < b) && !/\s/.test(text[i]!) ? '*' : text[i];
  }
  return out;
}

/** The columns `win` of a line as a code frame or a snippet shows them: secrets masked, `…` where it was cut. */
export function cutLine(
  ctx: FormatContext,
  spans: Redactions,
  file: string,
  line: number,
  win: LineWindow,
): string {
  const text = sourceLine(ctx, spans, file, line, win) ?? '';
  const full = lineLength(ctx, file, line) ?? 0;
  return `${win.from > 0 && full > 0 ? '…' : ''}${text}${full > win.to ? '…' : ''}`;
}
