import { loadSpec } from './load/load-project.ts';
import { parseFiles } from './parse/parse.ts';
import type { ParsedFile } from './parse/parse.ts';
import type { SourceFile } from './parse/source.ts';
import { hasErrors, sortDiagnostics } from './core/diagnostic.ts';
import { validateSpec } from './validate/validate.ts';
import type { ValidateOptions, ValidateResult } from './validate/validate.ts';

export interface CompileResult extends ValidateResult {
  readonly sources: readonly SourceFile[];
  readonly parsed: readonly ParsedFile[];
}

/** Pure part: sources → parse → validate → normalize → plan. */
export function compileSources(
  sources: readonly SourceFile[],
  options: ValidateOptions = {},
): Omit<CompileResult, 'sources'> & { sources: readonly SourceFile[] } {
  const parsed = parseFiles(sources);
  // A YAML error blocks the later stages (policies, capabilities, the model) like any other error.
  const result = validateSpec(parsed.files, {
    ...options,
    blocked: options.blocked || hasErrors(parsed.diagnostics),
  });
  return {
    ...result,
    diagnostics: sortDiagnostics([...parsed.diagnostics, ...result.diagnostics]),
    sources,
    parsed: parsed.files,
  };
}

/** load (disk) → the pure stages. */
export async function compileDir(dir: string, options: ValidateOptions = {}): Promise<CompileResult> {
  const loaded = await loadSpec(dir);
  const compiled = compileSources(loaded.files, options);
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...compiled.diagnostics]);
  const hasLoadErrors = loaded.diagnostics.some((d) => d.severity === 'error');
  return hasLoadErrors
    ? ({ ...compiled, model: undefined, plans: [], diagnostics } as CompileResult)
    : { ...compiled, diagnostics };
}
