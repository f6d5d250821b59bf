/**
 * `meshc import PATH... [-o DIR]`: native mesh manifests in (load/import-sources.ts), the pure importer
 * (import/index.ts), the spec repository out (write/import-files.ts), the report on stdout.
 */
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from '../core/diagnostic.ts';
import { meshDiscoveries } from '../backends/registry.ts';
import type { SourceFile } from '../parse/source.ts';
import type { DiscoveredMesh, SourcedObject } from '../core/import-types.ts';
import { importObjects } from '../import/index.ts';
import { separateKustomizeFiles } from '../import/kustomize.ts';
import { importReportMarkdown } from '../import/report.ts';
import { objectsOfFiles, readSourceFiles } from '../load/import-sources.ts';
import { LineIndex } from '../parse/line-index.ts';
import { writeImport } from '../write/import-files.ts';
import type { ParsedArgs } from './args.ts';
import { formatDiagnostics } from './format/index.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { VERSION } from './version.ts';
import { printable } from '../core/printable.ts';
import { IMPORT_COMMAND, type ImportFormat } from './specs.ts';
import { timeoutOption } from './cluster-options.ts';

/** Kinds without a namespace (`-n` does not apply to them). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'GatewayClass',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

export async function runImport(args: ParsedArgs, io: CliIo): Promise<number> {
  const cluster = !!args.values.cluster;
  if (cluster && args.positionals.length)
    throw new UsageError(
      `import reads either PATH... or --cluster, not both.\nUsage: ${IMPORT_COMMAND.usage}`,
    );
  if (!cluster && !args.positionals.length)
    throw new UsageError(`import needs at least one PATH, or --cluster.\nUsage: ${IMPORT_COMMAND.usage}`);
  if (!cluster)
    for (const o of ['context', 'kubeconfig', 'timeout'])
      if (args.values[o] !== undefined) throw new UsageError(`--${o} goes with --cluster.`);
  const format = (args.values.format as ImportFormat | undefined) ?? 'text';
  const mesh = args.values.mesh as string | undefined;
  const meshVersion = args.values['mesh-version'] as string | undefined;
  if (meshVersion !== undefined && mesh === undefined) throw new UsageError('--mesh-version needs --mesh.');
  if (meshVersion !== undefined && !/^\d+\.\d+$/.test(meshVersion))
    throw new UsageError(`--mesh-version must be major.minor (like 1.24), not "${meshVersion}".`);
  const namespaces = (args.values.namespace as string[] | undefined) ?? [];
  for (const ns of namespaces)
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns))
      throw new UsageError(`--namespace must be a Kubernetes namespace name, not "${ns}".`);
  if (!cluster && namespaces.length > 1)
    throw new UsageError('--namespace is given once for files (the namespace of objects that name none).');
  const outDir = path.resolve(io.cwd, (args.values.output as string | undefined) ?? '.');
  const shownOut = path.relative(io.cwd, outDir) || '.';

  const loaded = cluster
    ? await readClusterSources(args, io, namespaces)
    : await readFileSources(args, io, namespaces[0] ?? 'default');
  if (!loaded) return EXIT.invalid;
  const { objects, files, skipped } = loaded;
  const given: DiscoveredMesh[] =
    mesh !== undefined
      ? [{ type: mesh, ...(meshVersion !== undefined ? { version: meshVersion } : {}), evidence: ['--mesh'] }]
      : loaded.meshes;
  const result = importObjects(objects, { meshes: given });
  const diagnostics: Diagnostic[] = sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]);
  let written: string[] = [];
  let writeDiagnostics: Diagnostic[] = [];
  if (!args.values['dry-run']) {
    const w = await writeImport(outDir, result.files, { force: !!args.values.force, display: shownOut });
    written = w.written;
    writeDiagnostics = w.diagnostics;
  }
  const all = [...diagnostics, ...writeDiagnostics];

  const lines = new Map(files.map((f) => [f.path, new LineIndex(f.text)] as const));
  const displayPath = (file: string) => file;
  if (format === 'markdown') {
    io.stdout.write(
      importReportMarkdown(all, {
        meshes: result.meshes,
        written,
        outputDir: shownOut,
        displayPath,
        skipped,
      }),
    );
  } else if (format === 'json') {
    const base = JSON.parse(
      formatDiagnostics('json', all, { lines, displayPath, color: false }, VERSION),
    ) as Record<string, unknown>;
    io.stdout.write(
      `${JSON.stringify({ ...base, output: shownOut, written, meshes: result.meshes, objects: result.summary.objects, skipped }, null, 2)}\n`,
    );
  } else {
    const color = !!io.stdout.isTTY && !io.env.NO_COLOR;
    io.stdout.write(formatDiagnostics('text', all, { lines, displayPath, color }, VERSION));
    for (const m of result.meshes)
      // The evidence quotes the input's kinds: its control characters are shown, not sent to the terminal.
      io.stderr.write(
        `meshc: ${printable(`${m.type} ${m.version ?? '(version unknown)'} (${m.evidence.join('; ')})`)}\n`,
      );
    // kustomize's own files are no cluster objects: one note, not a finding per file.
    if (skipped.length)
      io.stderr.write(
        `meshc: skipped ${skipped.length} kustomize file${skipped.length === 1 ? '' : 's'} (kustomizations and the patches they name: kustomize's build instructions, not cluster objects).\n`,
      );
    if (written.length)
      io.stderr.write(
        `meshc: wrote ${written.length} files into ${shownOut} (${result.summary.services} services); set gitops.repo and cluster in environments/ before \`meshc render\`.\n`,
      );
    if (!all.length)
      io.stderr.write(`meshc: every object carried over (${result.summary.objects} objects).\n`);
  }
  return all.length || writeDiagnostics.length ? EXIT.invalid : EXIT.ok;
}

interface ImportSources {
  readonly objects: SourcedObject[];
  /** The source files (for code frames); none for a cluster. */
  readonly files: readonly SourceFile[];
  /** kustomize's files among them, left out of the import (import/kustomize.ts); none for a cluster. */
  readonly skipped: readonly string[];
  /** The meshes the source shows (a cluster's discovery); none for files (the importers detect them). */
  readonly meshes: DiscoveredMesh[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The objects of the files and directories given, objects without a namespace put in `namespace`. kustomize's
 * own files (a rendered tree's kustomizations and the patches they name) are left out: they are not cluster
 * objects; what they would have changed is reported at them (import/kustomize.ts).
 */
async function readFileSources(args: ParsedArgs, io: CliIo, namespace: string): Promise<ImportSources> {
  const diagnostics: Diagnostic[] = [];
  let files: SourceFile[];
  try {
    files = await readSourceFiles(args.positionals, io.cwd, diagnostics);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new UsageError(`no such file or directory: ${err.path ?? args.positionals.join(' ')}`);
    throw e;
  }
  if (!files.length && !diagnostics.length)
    throw new UsageError(`no YAML or JSON files under ${args.positionals.join(', ')}.`);
  const kustomize = separateKustomizeFiles(files);
  diagnostics.push(...kustomize.diagnostics);
  const objects = objectsOfFiles(kustomize.files, diagnostics).map((o) =>
    o.object.metadata.namespace === undefined && !CLUSTER_SCOPED.has(o.object.kind)
      ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, namespace } } }
      : o,
  );
  return { objects, files, skipped: kustomize.skipped, meshes: [], diagnostics };
}

/**
 * The objects of a live cluster (read-only), with the meshes it runs. A read that failed (no kubeconfig, a
 * refused list, a timeout) is reported and imports nothing: an incomplete read would write an incomplete spec.
 */
async function readClusterSources(
  args: ParsedArgs,
  io: CliIo,
  namespaces: readonly string[],
): Promise<ImportSources | undefined> {
  const kubeconfig = args.values.kubeconfig as string | undefined;
  const context = args.values.context as string | undefined;
  const timeoutMs = timeoutOption(args);
  // The Kubernetes client takes about half a second to load: only when a cluster is read.
  const { readCluster } = await import('../load/cluster/read-cluster.ts');
  const read = await readCluster({
    discovery: meshDiscoveries(),
    ...(context !== undefined ? { context } : {}),
    ...(kubeconfig !== undefined ? { kubeconfig: path.resolve(io.cwd, kubeconfig) } : {}),
    env: io.env,
    ...(namespaces.length ? { namespaces } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  if (hasErrors(read.diagnostics)) {
    io.stderr.write(
      formatDiagnostics(
        'text',
        read.diagnostics,
        { lines: new Map(), displayPath: (f) => f, color: false },
        VERSION,
      ),
    );
    return undefined;
  }
  io.stderr.write(
    `meshc: read ${read.objects.length} objects from cluster ${read.context ?? '(current context)'} (namespaces ${read.namespaces.join(', ') || 'none'}).\n`,
  );
  return {
    objects: read.objects,
    files: [],
    skipped: [],
    meshes: read.meshes,
    diagnostics: read.diagnostics,
  };
}
