import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors, sortDiagnostics } from '../core/diagnostic.ts';
import { locate } from '../parse/locate.ts';
import type { ParsedFile } from '../parse/parse.ts';
import { backendFor, knownMeshes, meshDefaults } from '../backends/registry.ts';
import type { Backend, BackendOutput } from '../backends/types.ts';
import { environmentSpecWithDefaults, resolveGitOps, resolveMesh } from '../model/environment.ts';
import { resolveService } from '../model/normalize.ts';
import type { MeshType, Model, ResolvedEnvironment } from '../model/types.ts';
import { DEFAULT_OUTPUT } from '../load/constants.ts';
import { checkCapabilities } from './capabilities.ts';
import { classifyDocuments } from './documents.ts';
import type { SpecDoc } from './documents.ts';
import {
  checkPatchTargets,
  diagnosticKey,
  envDoc,
  environmentViews,
  overrideConflictReporter,
} from './environments.ts';
import type { EnvDoc } from './environments.ts';
import { checkPolicies, compilePolicies } from './policies.ts';
import { SERVICE_RULES } from './rules/service-rules.ts';
import { checkDuplicates, checkProject } from './rules/spec-rules.ts';
import { checkSchemas } from './schema-stage.ts';
import { envRender, gitopsDiagnostics } from '../gitops/tree.ts';
import { checkForbiddenKeys, isAboutForbiddenKey } from './hostile.ts';
import { findSecrets, maskSecretsInMessages } from './secrets.ts';
import type { ServiceSpecData, ServiceView } from './view.ts';

export interface ValidateOptions {
  /** Only these environments get environment checks (policies, overrides, capabilities) and a model. */
  readonly environments?: readonly string[];
  /** Check environments as if they ran this mesh (the migration preview). */
  readonly meshOverride?: { readonly type: MeshType; readonly version: string };
  /** meshc's version, passed to the backends (they keep it out of the objects they emit). */
  readonly toolVersion?: string;
  /** An earlier stage (load, parse) failed: run the checks, but build no model and run no policies or plan. */
  readonly blocked?: boolean;
  /**
   * Where the output directory lies relative to the root of the spec's git work tree (`/`-separated, no
   * leading `./`), as the load stage found it (or following `render -o`). The default of `gitops.path`.
   */
  readonly outputRepoPath?: string;
  /** Called as each phase ends (`schema`, `rules`, `normalize`, `policies`, `plan`): lets a caller time them. */
  readonly onPhase?: (phase: 'schema' | 'rules' | 'normalize' | 'policies' | 'plan') => void;
}

export interface EnvironmentPlan {
  readonly env: ResolvedEnvironment;
  readonly backend: Backend;
  /** The backend's output for the environment (emit is pure, so validate runs it for its diagnostics). */
  readonly output: BackendOutput;
}

export interface ValidateResult {
  /** Present when the spec has no errors. */
  readonly model?: Model;
  /** The environments that can be rendered (their mesh has a backend), with it. */
  readonly plans: EnvironmentPlan[];
  readonly diagnostics: Diagnostic[];
}

/** load → parse → **validate → normalize → plan**: every check of SPEC.md, then the resolved model. Pure. */
export function validateSpec(files: readonly ParsedFile[], options: ValidateOptions = {}): ValidateResult {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);

  const { docs, diagnostics: docDiags } = classifyDocuments(files);
  const forbidden = checkForbiddenKeys(docs);
  const secrets = findSecrets(docs);
  // A secret is never printed, not even quoted by another check's message.
  const finish = (ds: Diagnostic[]) =>
    maskSecretsInMessages(
      ds,
      secrets.map((f) => f.secret),
    );
  diagnostics.push(
    ...docDiags,
    ...forbidden,
    ...checkSchemas(docs).filter((d) => !isAboutForbiddenKey(d)),
    ...secrets.map((f) => f.diagnostic),
  );
  options.onPhase?.('schema');
  checkDuplicates(docs, report);
  checkProject(docs, report);

  const project = docs.find((d) => d.kind === 'Project' && d.schemaOk);
  const projectName = project ? String((project.value.metadata as { name: string }).name) : 'meshc';
  const output =
    (project?.value.spec as { output?: string } | undefined)?.output?.replace(/\/+$/, '') ?? DEFAULT_OUTPUT;

  // Services: every declared id (even with errors) exists for references; rules run on valid ones.
  const declared = new Set<string>();
  const base = new Map<string, ServiceView>();
  for (const d of docs) {
    if (d.kind !== 'Service') continue;
    const m = d.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof m?.name !== 'string' || typeof m.namespace !== 'string') continue;
    const id = `${m.namespace}/${m.name}`;
    declared.add(id);
    if (d.schemaOk && !base.has(id)) base.set(id, serviceView(d, id, m.namespace, m.name));
  }
  for (const file of files)
    for (const v of file.partial ?? []) {
      const m = (v as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }).metadata;
      if (
        (v as { kind?: unknown }).kind === 'Service' &&
        typeof m?.name === 'string' &&
        typeof m.namespace === 'string'
      )
        declared.add(`${m.namespace}/${m.name}`);
    }
  const baseKeys = new Set<string>();
  const reportBase = (d: Diagnostic) => (baseKeys.add(diagnosticKey(d)), report(d));
  for (const view of base.values()) for (const rule of SERVICE_RULES) rule(view, base, reportBase, declared);

  // Environments.
  const envDocs = docs.filter((d) => d.kind === 'Environment' && d.schemaOk).map(envDoc);
  const seenEnv = new Set<string>();
  const unique = envDocs.filter((e) => (seenEnv.has(e.name) ? false : (seenEnv.add(e.name), true)));
  checkClusters(unique, report);
  for (const env of unique) checkPatchTargets(env, report);
  const selected = options.environments
    ? unique.filter((e) => options.environments!.includes(e.name))
    : unique;
  const envViews = new Map<string, Map<string, ServiceView>>();
  for (const env of selected) {
    for (const ns of env.spec.namespaces ?? [])
      if (
        ![...base.values()].some((v) => v.namespace === ns) &&
        ![...declared].some((id) => id.startsWith(`${ns}/`))
      )
        report({
          code: 'ENVIRONMENT_NAMESPACES_UNMATCHED',
          severity: 'warning',
          message: `Environment ${env.name} deploys namespace ${ns}, but no Service lives there.`,
          hint: 'Remove the namespace from `namespaces`, or check its spelling.',
          location: env.at(['namespaces', env.spec.namespaces!.indexOf(ns)]),
        });
    const views = environmentViews(env, base, declared, report);
    checkGitOpsNames(env, [...new Set([...views.values()].map((v) => v.namespace))], report);
    for (const view of views.values()) {
      const reportView = overrideConflictReporter(env, view, baseKeys, report);
      for (const rule of SERVICE_RULES) rule(view, views, reportView, declared);
    }
    envViews.set(env.name, views);
  }

  const policies = compilePolicies(docs, report);
  options.onPhase?.('rules');
  if (hasErrors(diagnostics) || !project || options.blocked)
    return { plans: [], diagnostics: finish(sortDiagnostics(diagnostics)) };

  // Normalize.
  const environments: ResolvedEnvironment[] = selected
    .map((env) =>
      resolveEnvironment(env, envViews.get(env.name)!, output, options.meshOverride, options.outputRepoPath),
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  options.onPhase?.('normalize');
  checkPolicies(policies, environments, report);
  options.onPhase?.('policies');

  // Plan: a backend per environment, and its capability check.
  const planned: { env: ResolvedEnvironment; backend: Backend }[] = [];
  const plans: EnvironmentPlan[] = [];
  for (const env of environments) {
    const backend = backendFor(env.mesh.type);
    if (!backend) {
      // An error, not a skip: GitOps prunes what disappears from the output, so skipping the environment
      // would delete its whole tree from the cluster. `validate --mesh` previews it on a rendered mesh.
      report({
        code: 'MESH_NOT_IMPLEMENTED',
        severity: 'error',
        message: `Environment ${env.name} runs ${env.mesh.type}, which this version of meshc cannot render yet.`,
        hint: `This version renders: ${knownMeshes().join(', ') || 'no mesh'}. Render the environment with one of them, or preview the migration with \`meshc validate --mesh ${knownMeshes()[0] ?? 'istio'}\`.`,
        location: env.origin(['mesh', 'type']),
      });
      continue;
    }
    checkCapabilities(env, backend, report);
    planned.push({ env, backend });
  }
  // emit is pure: running it here lets `validate` (and the --mesh preview) report what only the
  // backend can see, such as a value its mesh cannot take. Skipped while capability errors stand.
  if (!hasErrors(diagnostics))
    for (const { env, backend } of planned) {
      const output = backend.emit(env, { toolVersion: options.toolVersion ?? 'meshc' });
      diagnostics.push(...output.diagnostics);
      plans.push({ env, backend, output });
    }
  // The GitOps stage's checks (environment patches, conflicts between environments), so that validate
  // refuses whatever render would refuse.
  if (!hasErrors(diagnostics)) diagnostics.push(...gitopsDiagnostics(plans.map(envRender)));
  options.onPhase?.('plan');
  const sorted = finish(sortDiagnostics(diagnostics));
  return hasErrors(sorted)
    ? { plans: [], diagnostics: sorted }
    : { model: { project: { name: projectName, output }, environments }, plans, diagnostics: sorted };
}

function serviceView(d: SpecDoc, id: string, namespace: string, name: string): ServiceView {
  return {
    id,
    namespace,
    name,
    spec: d.value.spec as ServiceSpecData,
    at: (path, mode) => locate(d.pd, ['spec', ...path], mode),
  };
}

function resolveEnvironment(
  env: EnvDoc,
  views: Map<string, ServiceView>,
  output: string,
  meshOverride?: { readonly type: MeshType; readonly version: string },
  outputRepoPath?: string,
): ResolvedEnvironment {
  const spec =
    meshOverride && meshOverride.type !== env.spec.mesh.type
      ? { ...env.spec, mesh: { ...env.spec.mesh, type: meshOverride.type, version: meshOverride.version } }
      : env.spec;
  const mesh = resolveMesh(spec, meshDefaults(spec.mesh.type));
  const services = [...views.values()]
    .map((v) => resolveService(v, { services: views, envMtls: mesh.mtls }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    name: env.name,
    cluster: spec.cluster,
    mesh,
    gitops: resolveGitOps(spec, output, outputRepoPath),
    namespaces: [...new Set(services.map((s) => s.namespace))].sort(),
    services,
    patches: (spec.patches ?? []).map((p, index) => ({ index, target: p.target, ops: p.ops })),
    spec: environmentSpecWithDefaults(spec, meshDefaults(spec.mesh.type), output, outputRepoPath),
    origin: env.at,
  };
}

/** GitOps object names (`<env>-<namespace>`, `<env>-mesh-install`) end up in label values: 63 characters at most. */
function checkGitOpsNames(env: EnvDoc, namespaces: readonly string[], report: (d: Diagnostic) => void): void {
  const longest = [...namespaces, 'mesh-install', 'mesh-system']
    .map((x) => `${env.name}-${x}`)
    .sort((a, b) => b.length - a.length)[0]!;
  if (longest.length <= 63) return;
  report({
    code: 'GITOPS_NAME_TOO_LONG',
    severity: 'error',
    message: `Environment ${env.name} leads to the GitOps object name ${longest} (${longest.length} characters, at most 63).`,
    hint: 'Flux and Argo CD copy these names into label values; shorten the environment name or the namespace.',
    location: locate(env.doc.pd, ['metadata', 'name']),
  });
}

/** One cluster runs one mesh, configured once; environments sharing it deploy disjoint namespaces. */
function checkClusters(envs: readonly EnvDoc[], report: (d: Diagnostic) => void): void {
  const byCluster = new Map<string, EnvDoc[]>();
  for (const env of envs) byCluster.set(env.spec.cluster, [...(byCluster.get(env.spec.cluster) ?? []), env]);
  for (const list of byCluster.values()) {
    const first = list[0]!;
    for (const env of list.slice(1)) {
      if (
        first.spec.mesh.type !== env.spec.mesh.type ||
        JSON.stringify(resolveMesh(first.spec, meshDefaults(first.spec.mesh.type))) !==
          JSON.stringify(resolveMesh(env.spec, meshDefaults(env.spec.mesh.type)))
      ) {
        const what =
          first.spec.mesh.type !== env.spec.mesh.type
            ? `runs ${env.spec.mesh.type}`
            : 'has other mesh settings';
        report({
          code: 'CLUSTER_MESH_CONFLICT',
          severity: 'error',
          message: `Environment ${env.name} ${what} on cluster ${env.spec.cluster}, where environment ${first.name} runs ${first.spec.mesh.type}${what.startsWith('has') ? ' differently' : ''}.`,
          hint: 'One cluster runs one mesh, configured once: give both environments the same `mesh` settings, or use another cluster.',
          location: env.at(['mesh']),
          related: [
            { message: `environment ${first.name} is on the same cluster`, location: first.at(['mesh']) },
          ],
        });
      }
      for (const other of list.slice(0, list.indexOf(env))) {
        const overlap =
          (env.spec.namespaces ?? null) === null || (other.spec.namespaces ?? null) === null
            ? ['(all namespaces)']
            : env.spec.namespaces!.filter((ns) => other.spec.namespaces!.includes(ns));
        if (overlap.length === 0) continue;
        report({
          code: 'CLUSTER_NAMESPACE_CONFLICT',
          severity: 'error',
          message: `Environments ${other.name} and ${env.name} both deploy ${overlap.join(', ')} to cluster ${env.spec.cluster}.`,
          hint: 'Their objects would overwrite each other: give them disjoint `namespaces` lists, or different clusters.',
          location: env.at(env.spec.namespaces ? ['namespaces'] : ['cluster']),
          related: [
            {
              message: `environment ${other.name} is on the same cluster`,
              location: other.at(other.spec.namespaces ? ['namespaces'] : ['cluster']),
            },
          ],
        });
      }
    }
  }
}
