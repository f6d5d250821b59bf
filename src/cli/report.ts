import path from 'node:path';
import { sortDiagnostics } from '../core/diagnostic.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import { LineIndex } from '../parse/line-index.ts';
import type { CompileResult } from '../pipeline.ts';
import { formatDiagnostics } from './format/index.ts';
import type { DiagnosticFormat } from './format/index.ts';
import type { CliIo } from './io.ts';
import { VERSION } from './version.ts';

/**
 * Prints findings in the chosen format, with code frames from the compiled sources and file names shown
 * relative to the current directory, or for `github` and `sarif` to the top of the git work tree holding the
 * spec (`gitRoot`, as the load stage found it: where GitHub places annotations and code-scanning results,
 * whatever directory the step runs in),
 * as `meshc diff` does (colour only on a terminal, and never with NO_COLOR).
 */
export function report(
  diagnostics: readonly Diagnostic[],
  compiled: (Pick<CompileResult, 'sources'> & { readonly gitRoot?: string }) | undefined,
  root: string,
  format: DiagnosticFormat,
  io: CliIo,
  stream: NodeJS.WritableStream,
): void {
  // Line indexes (a scan of each text) for the files the findings point at only, not the whole fleet.
  const shown = new Set<string>();
  for (const d of diagnostics) {
    if (d.location) shown.add(d.location.file);
    for (const r of d.related ?? []) shown.add(r.location.file);
  }
  const lines = new Map(
    (compiled?.sources ?? []).filter((s) => shown.has(s.path)).map((s) => [s.path, new LineIndex(s.text)]),
  );
  const from = format === 'github' || format === 'sarif' ? (compiled?.gitRoot ?? io.cwd) : io.cwd;
  const rel = path.relative(from, root);
  const out = formatDiagnostics(
    format,
    sortDiagnostics(diagnostics),
    {
      lines,
      displayPath: (file) => (rel ? `${rel.split(path.sep).join('/')}/${file}` : file),
      color: format === 'text' && !!(stream as { isTTY?: boolean }).isTTY && !io.env.NO_COLOR,
    },
    VERSION,
  );
  if (out) stream.write(out);
}
