/**
 * `meshc verify [dir] [--env NAME]...`: builds every overlay directory `render` wrote with the real
 * kustomize (the user's own `user/` patches included) and reports where the build differs from meshc's
 * in-memory render of the spec, per object and field, or fails to build.
 */
import path from 'node:path';
import { hasErrors, sortDiagnostics } from '../core/diagnostic.ts';
import { overlayPath } from '../gitops/tree.ts';
import { compileSpecDir } from './compile-spec.ts';
import { findKustomize, verifyTree } from '../verify/verify.ts';
import type { ParsedArgs } from './args.ts';
import type { DiagnosticFormat } from './format/index.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { applyReportFlags, checkEnvironmentNames, reportFlags, resolveSpecTarget } from './project.ts';
import { report } from './report.ts';

export async function runVerify(args: ParsedArgs, io: CliIo): Promise<number> {
  const { root } = await resolveSpecTarget(args.positionals[0], io.cwd);
  const flags = reportFlags(args.values);
  const format = (args.values.format as DiagnosticFormat | undefined) ?? 'text';
  const envs = args.values.env as string[] | undefined;
  const requestedOut = args.values.output ? path.resolve(io.cwd, args.values.output as string) : undefined;
  const compiled = await compileSpecDir(root, {
    ...(envs ? { environments: envs } : {}),
    ...(requestedOut !== undefined ? { outputDir: requestedOut } : {}),
  });
  checkEnvironmentNames(envs, compiled.parsed);
  const kustomize = findKustomize(io.env);
  if (kustomize === undefined)
    throw new UsageError(
      'verify runs kustomize, but neither `kustomize` nor `kubectl` is on PATH.\nInstall kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl, then run meshc verify again.',
    );
  if (!compiled.model || hasErrors(applyReportFlags(compiled.diagnostics, flags))) {
    report(applyReportFlags(compiled.diagnostics, flags), compiled, root, format, io, io.stdout);
    return EXIT.invalid;
  }
  const known = compiled.model.environments.map((e) => e.name);
  const tree = compiled.tree;
  const renderDiagnostics = applyReportFlags(compiled.allDiagnostics, flags);
  if (!tree || hasErrors(renderDiagnostics)) {
    report(renderDiagnostics, compiled, root, format, io, io.stdout);
    return EXIT.invalid;
  }
  const outDir = compiled.outputDir;
  const selected = new Map(
    [...tree.builds].filter(([dir]) => known.some((e) => dir.startsWith(`${overlayPath(e, '')}`))),
  );
  const result = await verifyTree({ outDir, root, builds: selected, files: tree.files, kustomize });
  const diagnostics = applyReportFlags(sortDiagnostics([...renderDiagnostics, ...result.diagnostics]), flags);
  report(diagnostics, compiled, root, format, io, io.stdout);
  if (format === 'text' && !flags.quiet) {
    const shownOut = path.relative(io.cwd, outDir) || '.';
    const tool = kustomize.args[0] === 'build' ? 'kustomize build' : 'kubectl kustomize';
    io.stdout.write(
      hasErrors(diagnostics)
        ? `${shownOut}: ${result.checked - result.matched.length} of ${result.checked} overlay directories differ from meshc's render (${tool})\n`
        : `${shownOut}: ${result.checked} overlay directories build to meshc's render (${tool})\n`,
    );
  }
  return hasErrors(diagnostics) ? EXIT.invalid : EXIT.ok;
}
