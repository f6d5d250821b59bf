/**
 * `meshc diff [dir] --base REF [--head REF]`: renders both versions of the spec in memory and compares
 * them (semantic summary from the models, per-resource diff of the renders). The base (and `--head`)
 * come from git revisions read by load/git.ts; without `--head` the head is the working tree.
 */
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from '../core/diagnostic.ts';
import { diffSpecs, emptySide, hasDifferences, type DiffSide } from '../diff/index.ts';
import { DIFF_FORMATS, formatDiff, type DiffFormat, type RefInfo } from '../diff/format/index.ts';
import { GitError, loadSpecAtRevision, openRepo, type GitRepo } from '../load/git.ts';
import { loadSpec, type LoadedSpec } from '../load/load-project.ts';
import { DEFAULT_OUTPUT } from '../load/constants.ts';
import { LineIndex } from '../parse/line-index.ts';
import type { SourceFile } from '../parse/source.ts';
import { compileSources } from '../pipeline.ts';
import { emitEnvironments } from '../plan/emit.ts';
import type { CommandSpec, ParsedArgs } from './args.ts';
import { formatDiagnostics } from './format/index.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { VERSION } from './version.ts';

export const DIFF_COMMAND: CommandSpec = {
  name: 'diff',
  summary:
    'Compare the mesh configuration of two git revisions (or a revision and the working tree): a summary of what changes, in words, and a per-resource diff of the rendered objects.',
  usage:
    'meshc diff [dir] --base REF [--head REF] [--format text|markdown|json|github] [--exit-code] [-U N] [--max-chars N]',
  positionals: ['dir'],
  options: {
    base: {
      type: 'string',
      value: 'REF',
      description: 'The git revision to compare against (required), e.g. origin/main or HEAD~1',
    },
    head: {
      type: 'string',
      value: 'REF',
      description: 'The git revision to compare (default: the working tree)',
    },
    format: {
      type: 'string',
      values: DIFF_FORMATS,
      value: 'FORMAT',
      description: 'Output format (default text)',
    },
    'exit-code': {
      type: 'boolean',
      description: 'Exit 1 when there is a difference (like kubectl diff); without it, 0',
    },
    unified: {
      type: 'string',
      short: 'U',
      value: 'N',
      description: 'Lines of context in the diffs (default 3, as git diff -U)',
    },
    'max-chars': {
      type: 'string',
      value: 'N',
      description: "Character budget of the markdown output (default 65536, GitHub's comment limit)",
    },
  },
  details: [
    'Resources are compared per environment and apiVersion/kind/namespace/name; key order, the order of',
    'set-like lists and values equal to their defaults never count as differences.',
    '',
    'Exit status: 0 no difference (or any difference without --exit-code); 1 a difference with --exit-code,',
    'or a spec that does not compile on either side; 2 usage error (unknown revision, not a git repository).',
  ].join('\n'),
};

interface Side {
  readonly info: RefInfo;
  readonly loaded: LoadedSpec;
  /** No spec directory on this side (not created yet, or deleted). */
  readonly missing: boolean;
}

export async function runDiff(args: ParsedArgs, io: CliIo): Promise<number> {
  const root = path.resolve(io.cwd, args.positionals[0] ?? '.');
  const shownRoot = path.relative(io.cwd, root) || '.';
  const baseRef = args.values.base as string | undefined;
  if (!baseRef) throw new UsageError(`diff needs --base REF.\nUsage: ${DIFF_COMMAND.usage}`);
  const headRef = args.values.head as string | undefined;
  const format = (args.values.format as DiffFormat | undefined) ?? 'text';
  const context = intOption(args, 'unified', 0, 1000) ?? 3;
  const maxChars = intOption(args, 'max-chars', 2000, 100_000_000);

  let repo: GitRepo;
  let base: Side;
  let head: Side;
  try {
    repo = await openRepo(root);
    [base, head] = await Promise.all([
      revisionSide(root, baseRef, repo),
      headRef !== undefined ? revisionSide(root, headRef, repo) : workingTreeSide(root),
    ]);
  } catch (e) {
    if (e instanceof GitError) throw new UsageError(e.message);
    throw e;
  }
  if (base.missing && head.missing)
    throw new UsageError(
      `${shownRoot} holds no meshc.yaml at ${baseRef} nor in ${headRef ?? 'the working tree'}: run meshc diff on the spec directory.`,
    );
  for (const s of [base, head])
    if (s.missing)
      io.stderr.write(
        `meshc: note: ${shownRoot} has no spec at ${s.info.ref ?? 'the working tree'}; it is compared as an empty spec.\n`,
      );

  const displayFor = (repoRelative: boolean) => (file: string) =>
    repoRelative
      ? `${repo.prefix}${file}`
      : path
          .relative(io.cwd, path.join(root, ...file.split('/')))
          .split(path.sep)
          .join('/');
  const sides: DiffSide[] = [];
  let invalid = false;
  for (const s of [base, head]) {
    const compiled = compile(s);
    if (compiled.errors.length > 0) {
      invalid = true;
      io.stderr.write(
        `meshc: the spec at ${s.info.ref ?? 'the working tree'} does not compile; fix it (meshc validate) to diff it:\n`,
      );
      reportErrors(compiled.errors, s.loaded.files, displayFor(false), io);
      continue;
    }
    sides.push(compiled.side);
  }
  if (invalid) return EXIT.invalid;

  const diff = diffSpecs(sides[0]!, sides[1]!, { context });
  const out = formatDiff(format, diff, {
    base: base.info,
    head: head.info,
    displayPath: displayFor(format === 'github' || format === 'markdown'),
    toolVersion: VERSION,
    color: format === 'text' && !!io.stdout.isTTY && !io.env.NO_COLOR,
    ...(maxChars !== undefined ? { maxChars } : {}),
  });
  io.stdout.write(out);
  return hasDifferences(diff) && args.values['exit-code'] ? EXIT.invalid : EXIT.ok;
}

async function revisionSide(root: string, ref: string, repo: GitRepo): Promise<Side> {
  const s = await loadSpecAtRevision(root, ref, repo);
  return { info: { ref, commit: s.commit }, loaded: s, missing: s.missing };
}

async function workingTreeSide(root: string): Promise<Side> {
  const loaded = await loadSpec(root);
  const missing = loaded.files.length === 0 && loaded.diagnostics.some((d) => d.code === 'PROJECT_NOT_FOUND');
  return {
    info: { ref: null, commit: null },
    loaded: missing ? { files: [], diagnostics: [] } : loaded,
    missing,
  };
}

/** load diagnostics + parse → validate → normalize → plan → emit, as `meshc render` does. */
function compile(s: Side): { side: DiffSide; errors: Diagnostic[] } {
  if (s.missing) return { side: emptySide({ name: 'meshc', output: DEFAULT_OUTPUT }), errors: [] };
  const compiled = compileSources(s.loaded.files);
  const diagnostics = [...s.loaded.diagnostics, ...compiled.diagnostics];
  if (hasErrors(diagnostics) || !compiled.model)
    return {
      side: emptySide({ name: 'meshc', output: DEFAULT_OUTPUT }),
      errors: sortDiagnostics(diagnostics.filter((d) => d.severity === 'error')),
    };
  const emitted = emitEnvironments(compiled.plans, { toolVersion: VERSION });
  const errors = emitted.diagnostics.filter((d) => d.severity === 'error');
  return { side: { model: compiled.model, renders: emitted.renders }, errors };
}

function reportErrors(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
  displayPath: (file: string) => string,
  io: CliIo,
): void {
  const lines = new Map(files.map((f) => [f.path, new LineIndex(f.text)] as const));
  io.stderr.write(
    formatDiagnostics(
      'text',
      diagnostics,
      { lines, displayPath, color: !!io.stderr.isTTY && !io.env.NO_COLOR },
      VERSION,
    ),
  );
}

function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${String(raw)}".`);
  return n;
}
