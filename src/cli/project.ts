/**
 * What every command that reads a spec shares (validate, build, render; diff and verify may use it too):
 * finding the spec repository from a directory or file argument, checking `--env` names, and the
 * `--quiet` / `--warnings-as-errors` report flags.
 */
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { findProjectRoot } from '../load/find-root.ts';
import { PROJECT_FILE } from '../load/constants.ts';
import type { ParsedFile } from '../parse/parse.ts';
import { closest } from '../schema/map-errors.ts';
import type { OptionSpec } from './args.ts';
import { UsageError } from './io.ts';
import { DIAGNOSTIC_FORMATS } from './format/index.ts';

export interface SpecTarget {
  /** The spec directory (holding meshc.yaml), absolute. */
  readonly root: string;
  /**
   * When the argument was a file: its path relative to `root`, `/`-separated. The command reports that
   * file's findings only.
   */
  readonly file?: string;
}

/**
 * The spec repository of the `[dir]` argument (default: the current directory): the nearest directory
 * from there upward holding meshc.yaml, like git and kustomize. A path that does not exist is a usage
 * error. When no meshc.yaml is found, the given directory itself (the loader then reports
 * PROJECT_NOT_FOUND with its hint).
 */
export async function resolveSpecTarget(arg: string | undefined, cwd: string): Promise<SpecTarget> {
  const given = path.resolve(cwd, arg ?? '.');
  const t = await findProjectRoot(given);
  if (t.kind === 'missing') throw new UsageError(`${arg ?? '.'}: no such file or directory.`);
  if (t.kind === 'none') {
    if (t.file !== undefined)
      throw new UsageError(
        `${arg}: no ${PROJECT_FILE} in its directory or any parent, so it belongs to no spec repository.`,
      );
    return { root: t.dir };
  }
  if (t.file === undefined) return { root: t.root };
  return { root: t.root, file: path.relative(t.root, t.file).split(path.sep).join('/') };
}

/** Names of the Environment documents of the parsed spec (whatever their validity), sorted, unique. */
export function environmentNames(parsed: readonly ParsedFile[]): string[] {
  const names = new Set<string>();
  for (const f of parsed)
    for (const d of f.docs) {
      const v = d.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (v?.kind === 'Environment' && typeof v.metadata?.name === 'string') names.add(v.metadata.name);
    }
  return [...names].sort();
}

/** A usage error naming the environments (and the closest name) when `--env` names an unknown one. */
export function checkEnvironmentNames(
  requested: readonly string[] | undefined,
  parsed: readonly ParsedFile[],
): void {
  if (!requested?.length) return;
  const known = environmentNames(parsed);
  const unknown = requested.find((e) => !known.includes(e));
  if (unknown === undefined) return;
  const guess = closest(unknown, known);
  throw new UsageError(
    `no environment named "${unknown}".${guess ? ` Did you mean "${guess}"?` : ''} Environments: ${known.join(', ') || 'none'}.`,
  );
}

/** `--format` of the commands that print findings (diff has formats of its own). */
export const FORMAT_OPTION: OptionSpec = {
  type: 'string',
  values: DIAGNOSTIC_FORMATS,
  value: 'FORMAT',
  description: 'How findings are printed (default text)',
};

/** `--quiet` and `--warnings-as-errors`, for every command that reports diagnostics. */
export const REPORT_OPTIONS: Readonly<Record<'quiet' | 'warnings-as-errors', OptionSpec>> = {
  quiet: { type: 'boolean', short: 'q', description: 'Print errors only (no warnings, no summary line)' },
  'warnings-as-errors': {
    type: 'boolean',
    description: 'Treat every warning as an error (reported as one, and exit 1)',
  },
};

export interface ReportFlags {
  readonly quiet: boolean;
  readonly warningsAsErrors: boolean;
}

export function reportFlags(values: Readonly<Record<string, unknown>>): ReportFlags {
  return { quiet: values.quiet === true, warningsAsErrors: values['warnings-as-errors'] === true };
}

/** Applies the report flags: warnings promoted to errors, then (quiet) only errors kept. */
export function applyReportFlags(diagnostics: readonly Diagnostic[], flags: ReportFlags): Diagnostic[] {
  const promoted = flags.warningsAsErrors
    ? diagnostics.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d))
    : [...diagnostics];
  return flags.quiet ? promoted.filter((d) => d.severity === 'error') : promoted;
}

/** With a file argument: the findings located in that file (others are left out). */
export function findingsOf(diagnostics: readonly Diagnostic[], file: string | undefined): Diagnostic[] {
  return file === undefined ? [...diagnostics] : diagnostics.filter((d) => d.location?.file === file);
}
