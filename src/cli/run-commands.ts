/**
 * The runners of the commands on a spec repository (init, validate, build) and of matrix and schema,
 * loaded by cli/main.ts only when one of them runs.
 */
import path from 'node:path';
import { hasErrors } from '../core/diagnostic.ts';
import { compileSpecDir } from './compile-spec.ts';
import type { CompileDirOptions, CompileResult } from '../pipeline.ts';
import { matrixData, matrixMarkdown, matrixText } from '../backends/matrix.ts';
import { backendFor, knownMeshes } from '../backends/registry.ts';
import type { MeshType } from '../model/types.ts';
import { KINDS, kindSchema } from '../schema/kinds.ts';
import { buildEnvironment } from '../gitops/tree.ts';
import { clusterPrerequisites, prerequisitesComment } from '../gitops/prerequisites.ts';
import { renderMultiDoc } from '../render/canonical.ts';
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
  const compiled = await compileSpecDir(root, {
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
 * `--mesh` (and `--mesh-version`): check as if every environment ran that mesh at that version, an environment
 * already on it too (an upgrade preview). Without a version, the oldest version meshc supports for that mesh:
 * the conservative answer, said on stderr, for every environment.
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
  const compiled = await compileSpecDir(root, options);
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
