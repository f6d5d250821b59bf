/**
 * `meshc diff [dir] --base REF [--head REF]`: renders both versions of the spec in memory and compares
 * them (semantic summary from the models, per-resource diff of the renders). The base (and `--head`)
 * come from git revisions read by load/git.ts; without `--head` the head is the working tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from '../core/diagnostic.ts';
import {
  diffAgainstBrokenBase,
  diffAgainstPartialBase,
  diffSpecs,
  emptySide,
  hasDifferences,
  redactSecrets,
  restrictToEnvironments,
  withholdSecretMessages,
  type DiffSide,
  type SpecDiff,
} from '../diff/index.ts';
import { formatDiff, type DiffFormat, type RefInfo } from '../diff/format/index.ts';
import {
  GitError,
  loadSpecAtRevision,
  openRepo,
  outputRepoPath,
  projectOutput,
  type GitRepo,
} from '../load/git.ts';
import { loadSpec, type LoadedSpec } from '../load/load-project.ts';
import { DEFAULT_OUTPUT } from '../load/constants.ts';
import { LineIndex } from '../parse/line-index.ts';
import type { SourceFile } from '../parse/source.ts';
import type { ParsedFile } from '../parse/parse.ts';
import { compile as compilePure, newCompileCache } from '../compile.ts';
import type { CompileCache } from '../compile.ts';
import type { ParsedArgs } from './args.ts';
import { formatDiagnostics } from './format/index.ts';
import { resolveSpecTarget } from './project.ts';
import { fitHeapGrowth } from './heap.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { closest } from '../schema/map-errors.ts';
import { VERSION } from './version.ts';
import { DIFF_COMMAND } from './specs.ts';

interface Side {
  readonly info: RefInfo;
  readonly loaded: LoadedSpec;
  /** No spec directory on this side (not created yet, or deleted). */
  readonly missing: boolean;
}

export async function runDiff(args: ParsedArgs, io: CliIo): Promise<number> {
  const given = path.resolve(io.cwd, args.positionals[0] ?? '.');
  // Upward search for meshc.yaml like the other commands, when the directory exists in the working tree
  // (a spec deleted in the working tree is still diffed from its own directory against the base).
  const root = existsSync(given) ? (await resolveSpecTarget(args.positionals[0], io.cwd)).root : given;
  const shownRoot = path.relative(io.cwd, root) || '.';
  const baseRef = args.values.base as string | undefined;
  if (!baseRef) throw new UsageError(`diff needs --base REF.\nUsage: ${DIFF_COMMAND.usage}`);
  const headRef = args.values.head as string | undefined;
  const format = (args.values.format as DiffFormat | undefined) ?? 'text';
  const context = intOption(args, 'unified', 0, 1000) ?? 3;
  const maxChars = intOption(args, 'max-chars', 2000, 100_000_000);
  const envs = args.values.env as string[] | undefined;
  const quiet = !!args.values.quiet;
  const warningsAsErrors = !!args.values['warnings-as-errors'];
  const note = (text: string) => {
    if (!quiet) io.stderr.write(`meshc: note: ${text}\n`);
  };

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
      note(
        `${shownRoot} has no spec at ${s.info.ref ?? 'the working tree'}; it is compared as an empty spec.`,
      );

  const displayFor = (repoRelative: boolean) => (file: string) =>
    repoRelative
      ? `${repo.prefix}${file}`
      : path
          .relative(io.cwd, path.join(root, ...file.split('/')))
          .split(path.sep)
          .join('/');
  // Both sides get the same GitOps path rule (their output directory's place in the repository), as
  // render does, so that the Flux and Argo CD objects never differ by path alone.
  // The sides share their unchanged work: files with the same path and text parse once, to the same
  // objects, and their services resolve once (see CompileCache).
  const cache = newCompileCache();
  // The heap fitted to the spec (heap.ts): bounded when either side is large (the sides' compiles share
  // most of their memory).
  if (!fitHeapGrowth(base.loaded.files)) fitHeapGrowth(head.loaded.files);
  const baseCompiled = compile(base, repo.prefix, cache);
  const headCompiled = compile(head, repo.prefix, cache);
  const label = (s: Side) => s.info.ref ?? 'the working tree';
  if (headCompiled.errors.length > 0) {
    // The head is what the change proposes: it must compile (errors are always printed, even with --quiet).
    io.stderr.write(
      `meshc: the spec at ${label(head)} does not compile; fix it (meshc validate) to diff it:\n`,
    );
    reportErrors(headCompiled.errors, head.loaded.files, displayFor(false), io);
    if (baseCompiled.errors.length > 0)
      note(
        `the spec at ${label(base)} does not compile either (${count(baseCompiled.errors.length, 'error')}).`,
      );
    return EXIT.invalid;
  }

  // --env: only these environments; an unknown name lists the ones there are (on either side).
  if (envs) {
    const known = [
      ...new Set([
        ...baseCompiled.side.model.environments.map((e) => e.name),
        ...headCompiled.side.model.environments.map((e) => e.name),
      ]),
    ].sort();
    const unknown = envs.find((e) => !known.includes(e));
    if (unknown !== undefined) {
      const guess = closest(unknown, known);
      throw new UsageError(
        `no environment named "${unknown}" in ${shownRoot} (at ${label(base)} or ${label(head)}); environments: ${known.join(', ') || 'none'}.${guess ? ` Did you mean "${guess}"?` : ''}`,
      );
    }
  }

  let diff: SpecDiff;
  const shared = {
    context,
    ...(cache.canonical ? { canonical: cache.canonical } : {}),
    ...(cache.prepared ? { prepared: cache.prepared } : {}),
  };
  if (baseCompiled.errors.length === 0) diff = diffSpecs(baseCompiled.side, headCompiled.side, shared);
  else {
    // A change that fixes a broken base must not fail for it: the base's errors and the spec files' diff go
    // in the output itself (every format). That diff never shows a value a secret finding points at (a
    // change that removes a leaked key from main must not post it in a comment).
    const broken = {
      files: redactSecrets(base.loaded.files, baseCompiled.diagnostics),
      errors: sortDiagnostics(
        withholdSecretMessages(baseCompiled.diagnostics).filter((d) => d.severity === 'error'),
      ),
    };
    const headSide = {
      ...headCompiled.side,
      files: redactSecrets(head.loaded.files, headCompiled.diagnostics),
    };
    const partial = partialBase(base, baseCompiled, repo.prefix, cache);
    const errors = count(baseCompiled.errors.length, 'error');
    if (partial) {
      // Broken in some environment files only: the rest of the base is compared as usual.
      const one = partial.leftOut.length === 1;
      note(
        `the spec at ${label(base)} does not compile (${errors}), only because of ${partial.leftOut.map(displayFor(false)).join(', ')}; it is compared without ${one ? 'that file' : 'those files'}, so ${one ? 'its' : 'their'} environments show as added.`,
      );
      diff = diffAgainstPartialBase(
        { ...partial.side, ...broken, leftOut: partial.leftOut },
        headSide,
        shared,
      );
    } else {
      note(
        `the spec at ${label(base)} does not compile (${errors}); the head's render is shown whole, with the diff of the spec files.`,
      );
      diff = diffAgainstBrokenBase(broken, headSide, { context });
    }
  }
  if (envs) {
    const headEnvs = headCompiled.side.model.environments.filter((e) => envs.includes(e.name)).length;
    diff = restrictToEnvironments(diff, envs, headEnvs);
  }

  const warnings = diff.summary.filter((l) => l.severity === 'warning');
  if (!quiet) {
    const out = formatDiff(format, diff, {
      base: base.info,
      head: head.info,
      displayPath: displayFor(format === 'github' || format === 'markdown'),
      toolVersion: VERSION,
      color: format === 'text' && !!io.stdout.isTTY && !io.env.NO_COLOR,
      ...(maxChars !== undefined ? { maxChars } : {}),
    });
    io.stdout.write(out);
  } else if (warningsAsErrors)
    for (const w of warnings) io.stderr.write(`meshc: error (warning, --warnings-as-errors): ${w.message}\n`);
  if (warningsAsErrors && warnings.length > 0) return EXIT.invalid;
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

/**
 * The base without the files its errors lie in, when every error has a location, those files hold
 * Environment documents only (a YAML error's document counts by what could be read of it), and the rest
 * compiles without an error: a main broken in one environment file is still compared, environment by
 * environment, for the others. Undefined when that does not hold (the base is then shown as not compiling).
 */
function partialBase(
  s: Side,
  compiled: CompiledSide,
  prefix: string,
  cache: CompileCache,
): { side: DiffSide; leftOut: string[] } | undefined {
  if (s.missing) return undefined;
  const files = new Set<string>();
  for (const e of compiled.errors) {
    if (!e.location) return undefined;
    files.add(e.location.file);
  }
  for (const file of files) {
    const parsed = compiled.parsed.find((p) => p.source.path === file);
    const values = parsed ? [...parsed.docs.map((d) => d.value), ...(parsed.partial ?? [])] : [];
    if (values.length === 0 || !values.every(isEnvironmentDocument)) return undefined;
  }
  const rest = compile(
    { ...s, loaded: { ...s.loaded, files: s.loaded.files.filter((f) => !files.has(f.path)) } },
    prefix,
    cache,
  );
  if (rest.errors.length > 0) return undefined;
  return { side: rest.side, leftOut: [...files].sort() };
}

function isEnvironmentDocument(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    (v as { kind?: unknown }).kind === 'Environment' &&
    typeof (v as { apiVersion?: unknown }).apiVersion === 'string' &&
    (v as { apiVersion: string }).apiVersion.startsWith('meshc.dev/')
  );
}

interface CompiledSide {
  readonly side: DiffSide;
  readonly errors: Diagnostic[];
  readonly diagnostics: readonly Diagnostic[];
  /** The side's parsed files (none for a missing side). */
  readonly parsed: readonly ParsedFile[];
}

/**
 * load diagnostics + parse → validate → normalize → plan → emit, as `meshc render` does, with the GitOps
 * path derived from where the side's output directory lies in the repository (`prefix` is the spec
 * directory's place in it).
 */
function compile(s: Side, prefix: string, cache: CompileCache): CompiledSide {
  if (s.missing)
    return {
      side: emptySide({ name: 'meshc', output: DEFAULT_OUTPUT }),
      errors: [],
      diagnostics: [],
      parsed: [],
    };
  const repoPath = outputRepoPath(prefix, projectOutput(s.loaded.files));
  const compiled = compilePure(s.loaded.files, {
    ...(repoPath !== undefined ? { outputRepoPath: repoPath } : {}),
    loadDiagnostics: s.loaded.diagnostics,
    until: 'emit',
    cache,
  });
  const diagnostics = compiled.diagnostics;
  if (hasErrors(diagnostics) || !compiled.model || !compiled.emitted)
    return {
      side: emptySide({ name: 'meshc', output: DEFAULT_OUTPUT }),
      errors: sortDiagnostics(diagnostics.filter((d) => d.severity === 'error')),
      diagnostics,
      parsed: compiled.parsed,
    };
  const emitted = compiled.emitted;
  const errors = emitted.diagnostics.filter((d) => d.severity === 'error');
  return {
    side: { model: compiled.model, renders: emitted.renders },
    errors,
    diagnostics: [...diagnostics, ...emitted.diagnostics],
    parsed: compiled.parsed,
  };
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

function count(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${String(raw)}".`);
  return n;
}
