import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';
import { formatGithub } from './github.ts';
import { formatJson } from './json.ts';
import { formatSarif } from './sarif.ts';
import { formatText } from './text.ts';

export const DIAGNOSTIC_FORMATS = ['text', 'json', 'github', 'sarif'] as const;
export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

export function formatDiagnostics(
  format: DiagnosticFormat,
  diagnostics: readonly Diagnostic[],
  ctx: FormatContext,
  toolVersion: string,
): string {
  switch (format) {
    case 'json':
      return formatJson(diagnostics, ctx);
    case 'github':
      return formatGithub(diagnostics, ctx);
    case 'sarif':
      return formatSarif(diagnostics, ctx, toolVersion);
    case 'text':
      return formatText(diagnostics, ctx);
  }
}
