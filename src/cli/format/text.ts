import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';
import { printable } from '../../core/printable.ts';
import { cutLine, frameWindow, lineLength, maskedMessages, redactions } from './redact.ts';
import type { Redactions } from './redact.ts';

const C = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

/** `file:line:col: severity CODE: message`, a code frame with carets, and a `hint:` line. */
export function formatText(all: readonly Diagnostic[], ctx: FormatContext): string {
  const diagnostics = maskedMessages(all);
  const paint = (code: number, s: string) => (ctx.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out: string[] = [];
  // Secret spans are masked in every code frame, whichever diagnostic shows their line.
  const spans = redactions(diagnostics);
  for (const d of diagnostics) {
    const sev = d.severity === 'error' ? paint(C.red, 'error') : paint(C.yellow, 'warning');
    const where = d.location
      ? `${printable(ctx.displayPath(d.location.file))}:${d.location.line}:${d.location.col}: `
      : '';
    out.push(`${paint(C.bold, where)}${sev} ${paint(C.bold, d.code)}: ${printable(d.message)}`);
    if (d.location) out.push(...codeFrame(d, ctx, spans, paint));
    for (const r of d.related ?? [])
      out.push(
        `  ${paint(C.dim, `${printable(ctx.displayPath(r.location.file))}:${r.location.line}:${r.location.col}: ${printable(r.message)}`)}`,
      );
    if (d.hint) out.push(`  ${paint(C.cyan, 'hint:')} ${printable(d.hint)}`);
    out.push('');
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length)
    out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return out.length ? out.join('\n') + '\n' : '';
}

function codeFrame(
  d: Diagnostic,
  ctx: FormatContext,
  spans: Redactions,
  paint: (c: number, s: string) => string,
): string[] {
  const loc = d.location!;
  const length = lineLength(ctx, loc.file, loc.line);
  if (length === undefined) return [];
  // A long line is shown cut around the column (the line before it, for context, cut alike), with `…` where
  // it was cut.
  const win = frameWindow(length, loc.col);
  const shown = (n: number) => printable(cutLine(ctx, spans, loc.file, n, win));
  const width = String(loc.line).length;
  const out: string[] = [];
  if (loc.line > 1)
    out.push(`  ${paint(C.dim, `${String(loc.line - 1).padStart(width)} |`)} ${shown(loc.line - 1)}`);
  out.push(`  ${paint(C.dim, `${String(loc.line).padStart(width)} |`)} ${shown(loc.line)}`);
  const endCol = loc.endLine === loc.line ? loc.endCol : length + 1;
  const carets = '^'.repeat(Math.max(1, Math.min(endCol - 1, win.to) - (loc.col - 1)));
  const indent = Math.max(0, loc.col - 1 - win.from) + (win.from > 0 ? 1 : 0);
  const mark = d.severity === 'error' ? C.red : C.yellow;
  out.push(`  ${paint(C.dim, `${' '.repeat(width)} |`)} ${' '.repeat(indent)}${paint(mark, carets)}`);
  return out;
}
