import type { Diagnostic } from '../../core/diagnostic.ts';
import type { Location } from '../../core/location.ts';
import type { FormatContext } from './context.ts';
import { maskedMessages } from './redact.ts';

/**
 * `--format json`: a stable document. Fields (version 1): diagnostics[] of {code, severity, message, hint,
 * file, line, column, endLine, endColumn, pointer, related[] of {message, file, line, column}}, and
 * summary {errors, warnings}. Lines and columns are 1-based.
 */
export function formatJson(all: readonly Diagnostic[], ctx: FormatContext): string {
  const diagnostics = maskedMessages(all);
  const pos = (l: Location | undefined) =>
    l
      ? {
          file: ctx.displayPath(l.file),
          line: l.line,
          column: l.col,
          endLine: l.endLine,
          endColumn: l.endCol,
        }
      : { file: null, line: null, column: null, endLine: null, endColumn: null };
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return (
    JSON.stringify(
      {
        version: 1,
        diagnostics: diagnostics.map((d) => ({
          code: d.code,
          severity: d.severity,
          message: d.message,
          hint: d.hint ?? null,
          ...pos(d.location),
          pointer: d.pointer ?? null,
          related: (d.related ?? []).map((r) => ({
            message: r.message,
            file: ctx.displayPath(r.location.file),
            line: r.location.line,
            column: r.location.col,
          })),
        })),
        summary: { errors, warnings: diagnostics.length - errors },
      },
      null,
      2,
    ) + '\n'
  );
}
