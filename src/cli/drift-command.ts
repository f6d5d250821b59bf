/**
 * `meshc drift [dir] --env NAME (--context NAME | --live FILE|DIR)`: the environment's render (what `meshc
 * build --env` prints) against the live objects, read from a cluster (read-only, load/cluster/) or from an
 * exported dump (load/live-dump.ts, for CI without cluster credentials); the comparison is drift/ (pure).
 * For an environment Argo CD deploys, a cluster read takes Argo CD's `argocd-cm` too, for the label and the
 * tracking method by which it marks what it applied (leftovers); read or not, the report's notes say so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors } from '../core/diagnostic.ts';
import type { DiscoveredMesh, SourcedObject } from '../core/import-types.ts';
import { LineIndex } from '../parse/line-index.ts';
import type { SourceFile } from '../parse/source.ts';
import { liveKinds } from '../load/cluster/kinds.ts';
import { meshDiscoveries } from '../backends/registry.ts';
import { readLiveDump } from '../load/live-dump.ts';
import { compileSpecDir } from './compile-spec.ts';
import { buildEnvironment } from '../gitops/tree.ts';
import { computeDrift, hasDrift } from '../drift/drift.ts';
import type { ArgoTracking } from '../load/cluster/argocd.ts';
import { ARGOCD_NAMESPACE } from '../gitops/argocd.ts';
import { formatDrift, type DriftFormat } from '../drift/format.ts';
import type { ParsedArgs } from './args.ts';
import { formatDiagnostics } from './format/index.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { checkEnvironmentNames, resolveSpecTarget } from './project.ts';
import { report } from './report.ts';
import { VERSION } from './version.ts';
import { DRIFT_COMMAND } from './specs.ts';
import { timeoutOption } from './cluster-options.ts';

export async function runDrift(args: ParsedArgs, io: CliIo): Promise<number> {
  const env = args.values.env as string | undefined;
  const context = args.values.context as string | undefined;
  const live = args.values.live as string | undefined;
  const kubeconfig = args.values.kubeconfig as string | undefined;
  const format = (args.values.format as DriftFormat | undefined) ?? 'text';
  if (!env) throw new UsageError(`drift needs --env NAME.\nUsage: ${DRIFT_COMMAND.usage}`);
  if ((context === undefined) === (live === undefined))
    throw new UsageError(
      `drift reads the live objects from a cluster (--context NAME) or from a dump (--live FILE|DIR): give one of them.\nUsage: ${DRIFT_COMMAND.usage}`,
    );
  if (live !== undefined && (kubeconfig !== undefined || args.values.timeout !== undefined))
    throw new UsageError('--kubeconfig and --timeout go with --context, not with --live.');
  const timeoutMs = timeoutOption(args);
  if (live !== undefined && !existsSync(path.resolve(io.cwd, live)))
    throw new UsageError(`--live ${live}: no such file or directory.`);

  const { root } = await resolveSpecTarget(args.positionals[0], io.cwd);
  const compiled = await compileSpecDir(root, { environments: [env] });
  checkEnvironmentNames([env], compiled.parsed);
  const render = compiled.emitted?.renders.find((r) => r.env.name === env);
  if (hasErrors(compiled.allDiagnostics) || !render) {
    report(compiled.allDiagnostics, compiled, root, 'text', io, io.stderr);
    return EXIT.invalid;
  }
  const backend = compiled.plans.find((p) => p.env.name === env)?.backend;
  const rendered = buildEnvironment(render);

  let objects: SourcedObject[];
  let scope: ReadonlySet<string>;
  let source: string;
  let meshes: readonly DiscoveredMesh[] | undefined;
  let problems: Diagnostic[];
  let files: SourceFile[] = [];
  // How the environment's Argo CD marks what it applies (cluster reads only; else Argo CD's defaults).
  let argocd: ArgoTracking | undefined;
  const notes: string[] = [];
  // What meshc reads of a cluster (and compares of a dump): the neutral kinds and every backend's mesh kinds.
  const discovery = meshDiscoveries();
  const kinds = liveKinds(discovery);
  if (context !== undefined) {
    const namespaces = [
      ...new Set(
        rendered.flatMap((o) =>
          o.metadata.namespace !== undefined
            ? [o.metadata.namespace]
            : o.kind === 'Namespace'
              ? [o.metadata.name]
              : [],
        ),
      ),
    ].sort();
    // The Kubernetes client takes about half a second to load: only when a cluster is read.
    const { readCluster } = await import('../load/cluster/read-cluster.ts');
    const read = await readCluster({
      discovery,
      context,
      ...(kubeconfig !== undefined ? { kubeconfig: path.resolve(io.cwd, kubeconfig) } : {}),
      env: io.env,
      namespaces,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      // Its settings live in the namespace of its Applications, meshc's among them.
      ...(render.env.gitops.engine === 'argocd' ? { argoCd: { namespace: ARGOCD_NAMESPACE } } : {}),
    });
    objects = read.objects;
    // Every kind meshc reads, served or not: a kind the cluster does not serve has no live object, so what
    // meshc renders of it is missing.
    scope = kinds;
    meshes = read.meshes;
    problems = read.diagnostics;
    source = `cluster ${context} (namespaces ${namespaces.join(', ')})`;
    if (read.argoCd) {
      argocd = read.argoCd.tracking;
      notes.push(read.argoCd.note);
    }
  } else {
    const dump = await readLiveDump(live!, { cwd: io.cwd, kinds });
    objects = dump.objects;
    scope = kinds;
    problems = dump.diagnostics;
    files = dump.files;
    source = `the live objects in ${live}`;
  }
  // The live objects' problems go to stderr; an error leaves no trustworthy live state to compare with.
  if (problems.length > 0) {
    const lines = new Map(files.map((f) => [f.path, new LineIndex(f.text)] as const));
    io.stderr.write(
      formatDiagnostics(
        format === 'github' ? 'github' : 'text',
        problems,
        { lines, displayPath: (f) => f, color: !!io.stderr.isTTY && !io.env.NO_COLOR },
        VERSION,
      ),
    );
  }
  if (hasErrors(problems)) {
    io.stderr.write('meshc: drift not computed: the live objects could not all be read.\n');
    return EXIT.invalid;
  }

  // The environment's application namespaces, which no other environment of the project deploys to on its
  // cluster; not the mesh's or the ingress's namespace, which the environments of a cluster share.
  const shared = new Set([render.systemNamespace, render.env.mesh.ingress?.namespace]);
  const ownNamespaces = new Set(render.env.namespaces.filter((ns) => !shared.has(ns)));
  const result = computeDrift({
    rendered,
    live: objects,
    scope,
    overlaps: backend?.overlaps ?? [],
    ownNamespaces,
    ...(argocd ? { argocd } : {}),
  });
  io.stdout.write(
    formatDrift(format, result, {
      environment: env,
      mesh: render.env.mesh.type,
      meshVersion: render.env.mesh.version,
      source,
      ...(meshes ? { meshes } : {}),
      ...(notes.length > 0 ? { notes } : {}),
      toolVersion: VERSION,
    }),
  );
  return hasDrift(result) && args.values['exit-code'] ? EXIT.invalid : EXIT.ok;
}
