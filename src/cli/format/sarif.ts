import { CODES } from '../../core/codes.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';
import { cutLine, frameWindow, lineLength, maskedMessages, redactions } from './redact.ts';

/** SARIF 2.1.0 for code scanning: one rule per diagnostic code, one result per diagnostic. */
export function formatSarif(all: readonly Diagnostic[], ctx: FormatContext, toolVersion: string): string {
  const diagnostics = maskedMessages(all);
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const spans = redactions(diagnostics);
  // The first line of the region, secrets masked: what code scanning shows next to the result.
  // A long line is cut around the column, as in the text format's code frame.
  const snippet = (d: Diagnostic) => {
    const loc = d.location;
    const length = loc ? lineLength(ctx, loc.file, loc.line) : undefined;
    if (!loc || length === undefined) return {};
    return { snippet: { text: cutLine(ctx, spans, loc.file, loc.line, frameWindow(length, loc.col)) } };
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'meshc',
            version: toolVersion,
            informationUri: 'https://meshc.dev',
            rules: codes.map((c) => ({
              id: c,
              shortDescription: { text: CODES[c].cause },
              help: { text: CODES[c].fix },
              defaultConfiguration: { level: CODES[c].severity === 'error' ? 'error' : 'warning' },
            })),
          },
        },
        results: diagnostics.map((d) => ({
          ruleId: d.code,
          level: d.severity === 'error' ? 'error' : 'warning',
          message: { text: d.hint ? `${d.message} ${d.hint}` : d.message },
          ...(d.location
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: uriReference(ctx.displayPath(d.location.file)) },
                      region: {
                        startLine: d.location.line,
                        startColumn: d.location.col,
                        endLine: d.location.endLine,
                        endColumn: d.location.endCol,
                        ...snippet(d),
                      },
                    },
                  },
                ],
              }
            : {}),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * A path shown to the user (`/`-separated, relative or absolute) as the URI reference SARIF requires
 * (RFC 3986): each segment percent-encoded, so that a file named `a%20b.yaml` or `a b.yaml` is found again,
 * and a colon in the first segment is not read as a scheme.
 */
export function uriReference(displayed: string): string {
  return displayed.split('/').map(encodeURIComponent).join('/');
}
