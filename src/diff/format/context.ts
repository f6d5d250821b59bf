import type { Diagnostic } from '../../core/diagnostic.ts';
import type { Location } from '../../core/location.ts';
import type { SpecDiff } from '../index.ts';
import type { SpecFileChange } from '../spec-files.ts';
import type { SummaryLine } from '../summary.ts';

/** A side of the comparison as the user named it. */
export interface RefInfo {
  /** What the user passed (`origin/main`, `HEAD~1`); null for the working tree. */
  readonly ref: string | null;
  /** The commit it resolved to; null for the working tree. */
  readonly commit: string | null;
}

/** What the diff formatters need besides the diff. */
export interface DiffFormatContext {
  readonly base: RefInfo;
  readonly head: RefInfo;
  /** Spec-relative path → the path shown (repository-relative for annotations and pull requests). */
  readonly displayPath: (file: string) => string;
  readonly toolVersion: string;
  /** ANSI colours (text format only). */
  readonly color?: boolean;
  /** Character budget of the markdown output (default 65,536: GitHub's comment limit). */
  readonly maxChars?: number;
}

/** `HEAD~1 (1a2b3c4)`, `working tree`. */
export function refLabel(r: RefInfo): string {
  if (r.ref === null) return 'working tree';
  if (r.commit === null) return r.ref;
  const short = r.commit.slice(0, 7);
  return r.commit.startsWith(r.ref) ? short : `${r.ref} (${short})`;
}

/** `services/reviews.yaml:52:13`, with a `base:` prefix for positions in the base version. */
export function where(line: SummaryLine, ctx: DiffFormatContext, withColumn = true): string | undefined {
  if (!line.location) return undefined;
  const l: Location = line.location;
  const pos = `${ctx.displayPath(l.file)}:${l.line}${withColumn ? `:${l.col}` : ''}`;
  return line.side === 'base' ? `base: ${pos}` : pos;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** How many of the base's errors the notice about a base that does not compile lists. */
export const BASE_ERRORS_SHOWN = 5;

/** `services/a.yaml:3:5` (base side) for a diagnostic of the base version, or undefined without a position. */
export function basePosition(d: Diagnostic, ctx: DiffFormatContext): string | undefined {
  return d.location ? `${ctx.displayPath(d.location.file)}:${d.location.line}:${d.location.col}` : undefined;
}

/** `CODE message (base: file:line:col)`: one of the base's errors in one line. */
export function baseErrorLine(d: Diagnostic, ctx: DiffFormatContext): string {
  const pos = basePosition(d, ctx);
  return `${d.code} ${d.message}${pos ? ` (base: ${pos})` : ''}`;
}

/** The notice's first sentence: the base does not compile, what is shown instead. */
export function baseInvalidNotice(d: SpecDiff, ctx: DiffFormatContext): string {
  const n = d.baseInvalid?.errors.length ?? 0;
  const codes = [...new Set(d.baseInvalid?.errors.map((e) => e.code) ?? [])];
  const leftOut = d.baseInvalid?.leftOut;
  if (leftOut) {
    const one = leftOut.length === 1;
    return (
      `The base ${refLabel(ctx.base)} does not compile (${plural(n, 'error')}: ${codes.join(', ')}), only ` +
      `because of the environment ${one ? 'file' : 'files'} ${leftOut.map(ctx.displayPath).join(', ')}: it is ` +
      `compared without ${one ? 'that file' : 'them'}, so ${one ? 'its' : 'their'} environments show as added ` +
      `and the others are compared model to model. This does not fail the check; the head compiles.`
    );
  }
  return (
    `The base ${refLabel(ctx.base)} does not compile (${plural(n, 'error')}: ${codes.join(', ')}), so it ` +
    `cannot be compared model to model: the head's render is shown whole (every object as added), with ` +
    `the diff of the spec files. This does not fail the check; the head compiles.`
  );
}

/** Whether the diff compares models (a base that compiled, or one compiled without some files): then it has a summary. */
export function modelToModel(d: SpecDiff): boolean {
  return !d.baseInvalid || d.baseInvalid.leftOut !== undefined;
}

/** `Spec files` or `Spec files left out of the base`: the heading of the base-invalid spec file diffs. */
export function specFilesHeading(d: SpecDiff): string {
  return `Spec files${d.baseInvalid?.leftOut ? ' left out of the base' : ''}`;
}

/** The stats line's first part: the number of summary lines, or what the base's errors left to show. */
export function changesLabel(d: SpecDiff): string {
  const b = d.baseInvalid;
  if (!b) return plural(d.summary.length, 'change');
  if (b.leftOut)
    return `${plural(d.summary.length, 'change')}; base compared without ${plural(b.leftOut.length, 'file')}`;
  return `base does not compile; ${plural(b.specFiles.length, 'spec file')} changed`;
}

/**
 * What a spec file whose base version could not be read shows in place of its diff (see
 * SpecFileChange.baseUnread), or undefined for any other file.
 */
export function baseUnreadNote(f: SpecFileChange): string | undefined {
  const u = f.baseUnread;
  if (!u) return undefined;
  const why = u.diagnostic ? `${u.diagnostic.code} ${u.diagnostic.message}` : "see the base's errors";
  if (u.project)
    return `The base's meshc.yaml could not be read (${why}), so which spec files the base holds is unknown: no other spec file is compared.`;
  return `The base has this file, but it could not be read (${why}): there is no base text to compare${f.change === 'removed' ? '; the head no longer has the file' : ' with the head'}.`;
}
