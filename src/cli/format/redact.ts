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

/** The source line, with every character inside a secret span replaced by `*` (the same length, so carets line up). */
export function sourceLine(
  ctx: FormatContext,
  spans: Redactions,
  file: string,
  line: number,
): string | undefined {
  const lines = ctx.lines.get(file);
  if (!lines) return undefined;
  const text = lines.lineText(line);
  const own = spans.get(file);
  if (!own?.length) return text;
  const start = lines.starts[line - 1] ?? 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const offset = start + i;
    out += own.some(([a, b]) => offset >= a && offset < b) && !/\s/.test(text[i]!) ? '*' : text[i];
  }
  return out;
}
