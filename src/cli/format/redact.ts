import type { Diagnostic } from '../../core/diagnostic.ts';
import type { LineIndex } from '../../parse/line-index.ts';
import { lineSecrets, maskSecretText } from '../../validate/secrets.ts';
import type { Columns } from '../../validate/secrets.ts';
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
 * `*` (the same length, so carets line up): the spans of the diagnostics marked `redact`, and whatever
 * looks like a secret in the file's text by the rules of SECRET_IN_SPEC (`textSecrets`), since a file that
 * did not parse has no SECRET_IN_SPEC finding to mark its secrets.
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
  const own = [
    ...(spans.get(file) ?? []),
    ...textSecrets(lines, line).map(([a, b]): readonly [number, number] => [start + a, start + b]),
  ];
  if (!own.length) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const offset = from + i;
    out += own.some(([a, b]) => offset >= a && offset < b) && !/\s/.test(text[i]!) ? '*' : text[i];
  }
  return out;
}

/** Per file text (a LineIndex lives as long as the report that shows its lines): its lines' secrets, by line. */
const found = new WeakMap<
  LineIndex,
  { readonly of: (line: number) => Columns[]; readonly lines: Map<number, Columns[]> }
>();

/**
 * The columns of line `line` (1-based) of a file that look like a secret in its text, whether or not the
 * file parsed (lineSecrets), the text scanned once per file and only for a file whose lines are shown.
 */
export function textSecrets(lines: LineIndex, line: number): readonly Columns[] {
  let f = found.get(lines);
  if (!f) {
    const text = Array.from({ length: lines.starts.length }, (_, i) => lines.lineText(i + 1));
    found.set(lines, (f = { of: lineSecrets(text), lines: new Map() }));
  }
  let own = f.lines.get(line);
  if (!own) f.lines.set(line, (own = f.of(line - 1)));
  return own;
}

/**
 * The diagnostics as output shows them: whatever looks like a secret in a message, a hint or a related
 * location's message (a YAML parser's message quotes the source it could not read) replaced by
 * `[secret masked]`, by the rules of SECRET_IN_SPEC. Every format shows diagnostics through this.
 */
export function maskedMessages(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const memo = new Map<string, string>();
  const mask = (s: string) => {
    let m = memo.get(s);
    if (m === undefined) memo.set(s, (m = maskSecretText(s)));
    return m;
  };
  return diagnostics.map((d) => {
    const message = mask(d.message);
    const hint = d.hint === undefined ? undefined : mask(d.hint);
    const related = d.related?.map((r) => {
      const m = mask(r.message);
      return m === r.message ? r : { ...r, message: m };
    });
    if (message === d.message && hint === d.hint && related?.every((r, i) => r === d.related![i]) !== false)
      return d;
    return {
      ...d,
      message,
      ...(hint !== undefined ? { hint } : {}),
      ...(related ? { related } : {}),
    };
  });
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
