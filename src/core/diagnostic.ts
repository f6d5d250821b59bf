import type { DiagnosticCode } from './codes.ts';
import type { Location } from './location.ts';
import { compareLocations } from './location.ts';

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

/**
 * At most this many related locations per diagnostic: a finding about many places (every use of a feature
 * in a fleet) counts them all in its message and lists the first few; a list that grows with the fleet
 * would bury the output.
 */
export const RELATED_LIMIT = 5;

/**
 * A finding about many places, reported at the first: the next RELATED_LIMIT to list as related locations,
 * and what the message says of the others after naming the first (` and N more <noun>s`, plus `, K of them
 * listed` when not all are; empty for one place). `cut` tells whether some were left out of the list.
 */
export function manyPlaces<T>(
  places: readonly T[],
  noun: string,
): { readonly listed: readonly T[]; readonly counted: string; readonly cut: boolean } {
  const more = places.length - 1;
  const listed = places.slice(1, 1 + RELATED_LIMIT);
  const cut = more > listed.length;
  const counted =
    more > 0
      ? ` and ${more} more ${noun}${more === 1 ? '' : 's'}${cut ? `, ${listed.length} of them listed` : ''}`
      : '';
  return { listed, counted, cut };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Stable order for output: file, position, code, message. Positions are compared without computing a lazy
 * location's position where its place in the file is known anyway (see compareLocations).
 */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const la = a.location;
  const lb = b.location;
  const fa = la?.file ?? '';
  const fb = lb?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  // Without a location a diagnostic comes first (offset -1, as if before the file's first character).
  const pos = la && lb ? compareLocations(la, lb) : la ? 1 : lb ? -1 : 0;
  if (pos !== 0) return pos;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/**
 * Sorted, without duplicates (the same code, file, position and message: what environments that share a
 * service report each). Duplicates compare equal, so they are neighbours once sorted: comparing each with
 * the one kept before it finds them all, and needs no position the sort did not need.
 */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of [...diagnostics].sort(compareDiagnostics)) {
    if (out.length > 0 && compareDiagnostics(out[out.length - 1]!, d) === 0) continue;
    out.push(d);
  }
  return out;
}

/** A bug in meshc, never a user error. The CLI prints it with a "please report" note and exits 3. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}
