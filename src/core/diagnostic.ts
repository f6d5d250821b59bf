import type { DiagnosticCode } from './codes.ts';
import type { Location } from './location.ts';

export type Severity = 'error' | 'warning';

export interface RelatedLocation {
  readonly message: string;
  readonly location: Location;
}

/**
 * A problem found in the user's input. Diagnostics are values: stages collect and return them,
 * only the CLI turns them into output and an exit code.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** One sentence, no trailing position. */
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  /** Where; absent only for problems that have no file (for example a missing meshc.yaml). */
  readonly location?: Location;
  /** JSON Pointer of the offending value inside its document, when there is one. */
  readonly pointer?: string;
  readonly related?: readonly RelatedLocation[];
  /**
   * The source text at `location` is secret (SECRET_IN_SPEC): formatters mask it wherever they show
   * source text (code frames, snippets), and no message quotes it.
   */
  readonly redact?: boolean;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order for output: file, position, code, message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const oa = a.location?.offset ?? -1;
  const ob = b.location?.offset ?? -1;
  if (oa !== ob) return oa - ob;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of [...diagnostics].sort(compareDiagnostics)) {
    const key = `${d.code}|${d.location?.file}|${d.location?.offset}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/** A bug in meshc, never a user error. The CLI prints it with a "please report" note and exits 3. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}
