/**
 * The runners of the commands on a spec repository (init, validate, build, render) and of matrix and schema,
 * loaded by cli/main.ts only when one of them runs.
 */
import path from 'node:path';
import { fileStart } from '../core/location.ts';
import { hasErrors } from '../core/diagnostic.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import { readFile, stat } from 'node:fs/promises';
import { compileDir } from '../pipeline.ts';
import type { CompileDirOptions, CompileDirResult, CompileResult } from '../pipeline.ts';
import type { OutputFile } from '../core/output.ts';
import { PROJECT_FILE } from '../load/constants.ts';
import { locate } from '../parse/locate.ts';
import { unifiedDiff } from '../diff/line-diff.ts';
import { checkOutputDir } from '../write/output-dir.ts';
import { removedServicesLine } from '../write/removals.ts';
import type { StaleFile } from '../write/write-tree.ts';
import { matrixData, matrixMarkdown, matrixText } from '../backends/matrix.ts';
import { backendFor, knownMeshes } from '../backends/registry.ts';
import type { MeshType } from '../model/types.ts';
import { KINDS, kindSchema } from '../schema/kinds.ts';
import { buildEnvironment } from '../gitops/tree.ts';
import { clusterPrerequisites, prerequisitesComment } from '../gitops/prerequisites.ts';
import { renderMultiDoc } from '../render/canonical.ts';
import { writeTree } from '../write/write-tree.ts';
import { isNonEmptyDir, scaffold, writeSchemas } from '../write/scaffold.ts';
import type { ParsedArgs } from './args.ts';
import { report } from './report.ts';
import type { DiagnosticFormat } from './format/index.ts';
import { EXIT, UsageError } from './io.ts';
import {
  applyReportFlags,
  checkEnvironmentNames,
  environmentNames,
  findingsOf,
  reportFlags,
  resolveSpecTarget,
  type SpecTarget,
} from './project.ts';
import type { CliIo } from './io.ts';

function specDir(args: ParsedArgs, io: CliIo): string {
  return path.resolve(io.cwd, args.positionals[0] ?? '.');
}

/** A file argument must be one of the spec's files (matched by `include` or `policies`, or meshc.yaml). */
function checkFileTarget(target: SpecTarget, compiled: CompileResult, io: CliIo): void {
  if (target.file === undefined || compiled.sources.length === 0) return;
  if (compiled.sources.some((s) => s.path === target.file)) return;
  throw new UsageError(
    `${path.relative(io.cwd, path.join(target.root, target.file)) || target.file} is not a spec file of ${path.relative(io.cwd, target.root) || '.'}: no \`include\` or \`policies\` glob of its meshc.yaml matches it.`,
  );
}

/** `--env` names that no Environment document declares: a usage error listing the environments. */
function checkEnvs(envs: readonly string[] | undefined, compiled: CompileResult): void {
  if (!envs?.length || compiled.sources.length === 0) return;
  // With errors, an Environment may be unreadable: check only what can be known.
  if (hasErrors(compiled.diagnostics) && environmentNames(compiled.parsed).length === 0) return;
  checkEnvironmentNames(envs, compiled.parsed);
}

export async function runValidate(args: ParsedArgs, io: CliIo): Promise<number> {
  const target = await resolveSpecTarget(args.positionals[0], io.cwd);
  const root = target.root;
  const meshOverride = migrationTarget(args, io);
  const envs = args.values.env as string[] | undefined;
  const flags = reportFlags(args.values);
  const compiled = await compileDir(root, {
    ...(envs ? { environments: envs } : {}),
    ...(meshOverride ? { meshOverride } : {}),
    until: 'emit',
  });
  checkEnvs(envs, compiled);
  checkFileTarget(target, compiled, io);
  const diagnostics = applyReportFlags(findingsOf(compiled.diagnostics, target.file), flags);
  const format = (args.values.format as DiagnosticFormat | undefined) ?? 'text';
  report(diagnostics, compiled, root, format, io, io.stdout);
  if (format === 'text' && diagnostics.length === 0 && !flags.quiet) {
    const shown = target.file !== undefined ? path.join(root, target.file) : root;
    io.stdout.write(`${path.relative(io.cwd, shown) || '.'}: valid\n`);
  }
  return hasErrors(diagnostics) ? EXIT.invalid : EXIT.ok;
}

/**
 * `--mesh` (and `--mesh-version`): check as if the environments ran another mesh. Without a version, the
 * oldest version meshc supports for that mesh: the conservative answer, said on stderr.
 */
function migrationTarget(args: ParsedArgs, io: CliIo): { type: MeshType; version: string } | undefined {
  const mesh = args.values.mesh as MeshType | undefined;
  const version = args.values['mesh-version'] as string | undefined;
  if (!mesh) {
    if (version) throw new UsageError('--mesh-version goes with --mesh.');
    return undefined;
  }
  const backend = backendFor(mesh);
  if (!backend)
    throw new UsageError(`meshc cannot render ${mesh} yet; it renders ${knownMeshes().join(', ')}.`);
  if (version && !/^[0-9]+\.[0-9]+$/.test(version))
    throw new UsageError(`--mesh-version takes major.minor, like ${backend.minVersion}.`);
  if (!version)
    io.stderr.write(
      `meshc: checking as ${backend.title} ${backend.minVersion}, the oldest version meshc supports; pass --mesh-version to choose.\n`,
    );
  return { type: mesh, version: version ?? backend.minVersion };
}

async function renderDir(root: string, options: CompileDirOptions = {}) {
  const compiled = await compileDir(root, options);
  return { compiled, emitted: compiled.emitted, tree: compiled.tree, diagnostics: compiled.allDiagnostics };
}

export async function runBuild(args: ParsedArgs, io: CliIo): Promise<number> {
  const env = args.values.env as string | undefined;
  if (!env) throw new UsageError('build needs --env NAME.\nUsage: meshc build [dir] --env NAME');
  const target = await resolveSpecTarget(args.positionals[0], io.cwd);
  const root = target.root;
  const format = (args.values.format as DiagnosticFormat | undefined) ?? 'text';
  const flags = reportFlags(args.values);
  const r = await renderDir(root, { environments: [env] });
  checkEnvs([env], r.compiled);
  const diagnostics = applyReportFlags(r.diagnostics, flags);
  report(diagnostics, r.compiled, root, format, io, io.stderr);
  if (hasErrors(diagnostics) || !r.emitted) return EXIT.invalid;
  const render = r.emitted.renders.find((x) => x.env.name === env);
  if (!render) return EXIT.invalid;
  // What the cluster needs before the first sync, as comments above the objects.
  const backend = r.compiled.plans.find((p) => p.env.name === env)?.backend;
  const prerequisites = backend ? clusterPrerequisites(render.env, backend) : [];
  io.stdout.write(prerequisitesComment(render.env, prerequisites) + renderMultiDoc(buildEnvironment(render)));
  return EXIT.ok;
}

/** Refuses an output directory that would lose data (see write/output-dir.ts). */
async function outputDirProblem(
  r: { compiled: CompileDirResult },
  root: string,
  explicit: boolean,
): Promise<Diagnostic | undefined> {
  const problem = await checkOutputDir(r.compiled.outputDir, {
    specRoot: root,
    specFiles: r.compiled.sources.map((s) => s.path),
    globs: r.compiled.projectGlobs,
    ...(r.compiled.gitRoot !== undefined ? { gitRoot: r.compiled.gitRoot } : {}),
    explicit,
  });
  if (!problem) return undefined;
  if (explicit) throw new UsageError(`-o: ${problem.message}`);
  const projectDoc = r.compiled.parsed.find((f) => f.source.path === PROJECT_FILE)?.docs[0];
  return {
    code: problem.code,
    severity: 'error',
    message: problem.message,
    hint: 'Set `output` to a directory of its own inside the repository, such as `rendered`.',
    ...(projectDoc ? { location: locate(projectDoc, ['spec', 'output']) } : {}),
  };
}

/** Lines of each stale file's diff shown by `render --check --format text`, and how many files. */
const CHECK_DIFF_FILES = 3;
const CHECK_DIFF_LINES = 20;

async function staleDiffs(
  outDir: string,
  stale: readonly StaleFile[],
  files: readonly OutputFile[],
): Promise<string> {
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  const out: string[] = [];
  for (const s of stale.filter((x) => x.reason === 'changed').slice(0, CHECK_DIFF_FILES)) {
    let current: string;
    try {
      const abs = path.join(outDir, ...s.path.split('/'));
      if ((await stat(abs)).size > 1024 * 1024) continue;
      current = await readFile(abs, 'utf8');
    } catch {
      continue;
    }
    const diff = unifiedDiff(current, wanted.get(s.path) ?? '')
      .split('\n')
      .filter((l) => l !== '');
    const shown = diff.slice(0, CHECK_DIFF_LINES);
    out.push(`--- ${s.path} (on disk)`, `+++ ${s.path} (fresh render)`, ...shown);
    if (diff.length > shown.length) out.push(`... ${diff.length - shown.length} more lines`);
  }
  const more = stale.filter((x) => x.reason === 'changed').length - CHECK_DIFF_FILES;
  if (more > 0) out.push(`... and ${more} more changed files`);
  return out.length ? `${out.join('\n')}\n` : '';
}

export async function runRender(args: ParsedArgs, io: CliIo): Promise<number> {
  const target = await resolveSpecTarget(args.positionals[0], io.cwd);
  const root = target.root;
  const format = (args.values.format as DiagnosticFormat | undefined) ?? 'text';
  const flags = reportFlags(args.values);
  const explicitOut = args.values.output as string | undefined;
  const r = await renderDir(
    root,
    explicitOut !== undefined ? { outputDir: path.resolve(io.cwd, explicitOut) } : {},
  );
  // The output directory is checked even when the spec has errors: an output that swallows the spec files
  // also hides them from the globs, and the user must see that cause, not only "no file matches".
  const refused = await outputDirProblem(r, root, explicitOut !== undefined);
  if (refused || hasErrors(applyReportFlags(r.diagnostics, flags)) || !r.tree || !r.compiled.model) {
    report(
      applyReportFlags([...r.diagnostics, ...(refused ? [refused] : [])], flags),
      r.compiled,
      root,
      format,
      io,
      io.stdout,
    );
    return EXIT.invalid;
  }
  const outDir = r.compiled.outputDir;
  const check = !!args.values.check;
  const result = await writeTree(outDir, r.tree.files, {
    check,
    guardRemovals: !args.values['allow-removals'],
  });
  const diagnostics = [...r.diagnostics, ...result.diagnostics];
  const shownOut = path.relative(io.cwd, outDir) || '.';
  if (check && result.stale.length > 0) {
    const fix = `meshc render ${path.relative(io.cwd, root) || '.'}${explicitOut !== undefined ? ` -o ${shownOut}` : ''}`;
    for (const s of result.stale)
      diagnostics.push({
        code: 'OUTPUT_STALE',
        severity: 'error',
        message: `${shownOut}/${s.path} is ${s.reason === 'missing' ? 'missing' : s.reason === 'extra' ? 'no longer produced' : 'out of date'}.`,
        hint: `Run \`${fix}\` and commit the result.`,
        // The stale file itself, relative to the spec root (as every location is), for annotations.
        location: fileStart(path.relative(root, path.join(outDir, s.path)).split(path.sep).join('/')),
      });
  }
  const shown = applyReportFlags(diagnostics, flags);
  report(shown, r.compiled, root, format, io, io.stdout);
  if (check && format === 'text' && result.stale.length > 0)
    io.stdout.write(await staleDiffs(outDir, result.stale, r.tree.files));
  const done = !check && !hasErrors(shown);
  const services = removedServicesLine(result.removals, done);
  if (!done) {
    if (format === 'text' && !flags.quiet) {
      if (services) io.stdout.write(`${shownOut}: ${services}\n`);
      if (!hasErrors(shown)) io.stdout.write(`${shownOut}: up to date (${result.unchanged.length} files)\n`);
    }
    return hasErrors(shown) ? EXIT.invalid : EXIT.ok;
  }
  if (format === 'text' && !flags.quiet) {
    io.stdout.write(
      `${shownOut}: ${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed (${r.tree.files.length} files for ${r.compiled.plans.map((p) => p.env.name).join(', ') || 'no environment'})\n` +
        (services ? `${shownOut}: ${services}\n` : ''),
    );
  }
  return EXIT.ok;
}

export async function runInit(args: ParsedArgs, io: CliIo): Promise<number> {
  const dir = specDir(args, io);
  if (!args.values.force && (await isNonEmptyDir(dir)))
    throw new UsageError(
      `${path.relative(io.cwd, dir) || '.'} is not empty. Use an empty directory, or --force to add the missing files (existing files are never overwritten).`,
    );
  const result = await scaffold(dir);
  const shown = path.relative(io.cwd, dir) || '.';
  io.stdout.write(
    `Created a meshc spec repository in ${shown} (${result.created.length} files${result.skipped.length ? `, ${result.skipped.length} existing files kept` : ''}).\nNext: meshc validate ${shown}\n`,
  );
  return EXIT.ok;
}

export async function runMatrix(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = (args.values.format as string | undefined) ?? 'text';
  io.stdout.write(
    format === 'markdown'
      ? matrixMarkdown()
      : format === 'json'
        ? JSON.stringify(matrixData(), null, 2) + '\n'
        : matrixText(),
  );
  return EXIT.ok;
}

export async function runSchema(args: ParsedArgs, io: CliIo): Promise<number> {
  const out = args.values.out as string | undefined;
  if (out) {
    const files = await writeSchemas(path.resolve(io.cwd, out));
    io.stdout.write(files.map((f) => `${path.relative(io.cwd, f)}\n`).join(''));
  } else {
    io.stdout.write(JSON.stringify(Object.fromEntries(KINDS.map((k) => [k, kindSchema(k)])), null, 2) + '\n');
  }
  return EXIT.ok;
}
