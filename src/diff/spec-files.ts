/**
 * The textual diff of the spec files themselves, file by file. The semantic summary replaces it when both
 * versions compile; when the base does not, it is what a reviewer can still read of the change. Pure.
 */
import type { Diagnostic } from '../core/diagnostic.ts';
import { PROJECT_FILE } from '../load/constants.ts';
import type { SourceFile } from '../parse/source.ts';
import { unifiedDiff } from './line-diff.ts';
import { lineSecrets } from '../validate/secrets.ts';

export interface SpecFileChange {
  /** Relative to the spec directory, `/`-separated. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Unified diff hunks (the whole file for added and removed ones; empty with {@link baseUnread}). */
  readonly diff: string;
  readonly added: number;
  readonly removed: number;
  /**
   * Set when the base holds the file but the loader could not read it (not UTF-8, too large, a link it does
   * not follow: SourceFile.unread), or could not read the base's meshc.yaml: the file is then `changed` or
   * `removed` (never `added`: the base has it), and `diff` is empty, as there is no base text to compare.
   */
  readonly baseUnread?: BaseUnread;
}

export interface BaseUnread {
  /** The loader's diagnostic about the file (FILE_UNREADABLE, FILE_TOO_LARGE, ...), when one names it. */
  readonly diagnostic?: Diagnostic;
  /**
   * True for the base's meshc.yaml: without it the base's globs are unknown, so which spec files the base
   * holds is unknown too, and no other file is listed (none can be said to be added or changed).
   */
  readonly project?: true;
}

/** The loader's codes for a file it reaches but does not read (load-project.ts). */
const UNREAD_CODES: ReadonlySet<string> = new Set([
  'FILE_UNREADABLE',
  'FILE_TOO_LARGE',
  'PATH_OUTSIDE_ROOT',
  'SPEC_TOO_LARGE',
]);

/**
 * Every spec file added, removed or changed between two versions, by path. `baseErrors`: the base's
 * diagnostics, for the files the base's loader reached but could not read (see {@link BaseUnread}).
 */
export function diffSpecFiles(
  base: readonly SourceFile[],
  head: readonly SourceFile[],
  options: { readonly context?: number; readonly baseErrors?: readonly Diagnostic[] } = {},
): SpecFileChange[] {
  const errors = options.baseErrors ?? [];
  const unreadChange = (path: string, project?: true): SpecFileChange => {
    const diagnostic = unreadDiagnostic(path, errors);
    return {
      path,
      change: head.some((f) => f.path === path) ? 'changed' : 'removed',
      diff: '',
      added: 0,
      removed: 0,
      baseUnread: { ...(diagnostic ? { diagnostic } : {}), ...(project ? { project } : {}) },
    };
  };
  // The base's meshc.yaml not read: its globs, and so its spec files, are unknown.
  if (!base.some((f) => f.path === PROJECT_FILE) && unreadDiagnostic(PROJECT_FILE, errors, true))
    return [unreadChange(PROJECT_FILE, true)];
  const context = options.context !== undefined ? { context: options.context } : {};
  const b = new Map(base.map((f) => [f.path, f.text] as const));
  const h = new Map(head.map((f) => [f.path, f.text] as const));
  // What the base's globs reach but its loader could not read (files; not the patterns it could not search).
  const unread = new Set(base.flatMap((f) => f.unread ?? []).filter((u) => !b.has(u) && !isPattern(u)));
  const paths = [...new Set([...b.keys(), ...h.keys(), ...unread])].sort((x, y) =>
    x < y ? -1 : x > y ? 1 : 0,
  );
  const out: SpecFileChange[] = [];
  for (const path of paths) {
    if (unread.has(path)) {
      out.push(unreadChange(path));
      continue;
    }
    const old = b.get(path);
    const now = h.get(path);
    if (old === now) continue;
    const diff = unifiedDiff(old ?? '', now ?? '', context);
    if (diff === '') continue;
    const lines = diff.split('\n');
    out.push({
      path,
      change: old === undefined ? 'added' : now === undefined ? 'removed' : 'changed',
      diff,
      added: lines.filter((l) => l.startsWith('+')).length,
      removed: lines.filter((l) => l.startsWith('-')).length,
    });
  }
  return out;
}

/**
 * The loader's diagnostic about a file it did not read: at the file, or naming it (a link the walk refused
 * is reported at the pattern that reached it), or the one that refused every file (SPEC_TOO_LARGE).
 * `exact`: only one at the file.
 */
function unreadDiagnostic(
  path: string,
  errors: readonly Diagnostic[],
  exact = false,
): Diagnostic | undefined {
  const unread = errors.filter((d) => UNREAD_CODES.has(d.code));
  return (
    unread.find((d) => d.location?.file === path) ??
    (exact
      ? undefined
      : (unread.find((d) => d.message.startsWith(`"${path}" `)) ??
        unread.find((d) => d.code === 'SPEC_TOO_LARGE')))
  );
}

/** An entry of SourceFile.unread that is a pattern the loader could not search, not a path it reached. */
function isPattern(entry: string): boolean {
  return entry.startsWith('/') || entry.split('/').includes('..') || /[*?[\]{}]/.test(entry);
}

function secretSpans(diagnostics: readonly Diagnostic[]): Map<string, { start: number; end: number }[]> {
  const spans = new Map<string, { start: number; end: number }[]>();
  for (const d of diagnostics) {
    if (!d.code.startsWith('SECRET') || !d.location) continue;
    const list = spans.get(d.location.file) ?? [];
    list.push({ start: d.location.offset, end: d.location.endOffset });
    spans.set(d.location.file, list);
  }
  return spans;
}

/**
 * The diagnostics, with the message and hint of every other finding at a value a secret finding points
 * at withheld (a schema message may quote the value it refuses).
 */
export function withholdSecretMessages(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const spans = secretSpans(diagnostics);
  return diagnostics.map((d) => {
    if (d.code.startsWith('SECRET') || !d.location) return d;
    const l = d.location;
    const hit = (spans.get(l.file) ?? []).some((s) => l.offset < s.end && s.start < l.endOffset);
    if (!hit) return d;
    return {
      code: d.code,
      severity: d.severity,
      message: 'A finding at a value that looks like a secret (its message is withheld).',
      location: l,
    };
  });
}

/** What a redacted value shows in a spec-file diff, line by line. */
export const REDACTED = '<redacted>';

/**
 * The files with every value a secret finding (`SECRET_…` codes, any severity) points at replaced by
 * {@link REDACTED} (each line of it, so line numbers stay), and whatever else looks like a secret in the
 * text by the same rules (a file that did not parse has no finding to point at it: lineSecrets),
 * so that a diff of the spec files never prints a secret: not in a pull-request comment, a job
 * summary or a log.
 */
export function redactSecrets(
  files: readonly SourceFile[],
  diagnostics: readonly Diagnostic[],
): SourceFile[] {
  const spans = secretSpans(diagnostics);
  return files.map((f) => {
    const list = spans.get(f.path);
    let text = f.text;
    // From the end, so earlier offsets stay valid; overlapping spans are merged by the outer one.
    for (const { start, end } of [...(list ?? [])].sort((a, b) => b.start - a.start)) {
      if (!(start >= 0 && end > start && end <= text.length)) continue;
      text = text.slice(0, start) + text.slice(start, end).replace(/[^\r\n]+/g, REDACTED) + text.slice(end);
    }
    text = redactSecretText(text);
    return text === f.text ? f : { ...f, text };
  });
}

/** `text` with each run of columns that looks like a secret replaced by {@link REDACTED}, line by line. */
function redactSecretText(text: string): string {
  const lines = text.split('\n');
  const secrets = lineSecrets(lines);
  let changed = false;
  const out = lines.map((line, i) => {
    const columns = secrets(i).sort((a, b) => a[0] - b[0]);
    if (columns.length === 0) return line;
    changed = true;
    let result = '';
    let at = 0;
    for (const [from, to] of columns) {
      if (to <= at) continue;
      result += line.slice(at, Math.max(at, from)) + REDACTED;
      at = to;
    }
    return result + line.slice(at);
  });
  return changed ? out.join('\n') : text;
}
