import { spread } from '../core/shapes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { EnvDoc } from '../validate/environments.ts';
import type { ValidatedSpec } from '../validate/validate.ts';
import type { ServiceView } from '../validate/view.ts';
import {
  applyEnvironmentDefaults,
  environmentPolicyView,
  resolveGitOps,
  resolveMesh,
} from './environment.ts';
import type { EnvironmentSpecData } from './environment.ts';
import type { MeshDefaults } from './environment.ts';
import { resolveService } from './normalize.ts';
import type { ResolveContext } from './normalize.ts';
import type { MeshType, Model, MtlsMode, ResolvedEnvironment, ResolvedService } from './types.ts';

export interface ModelOptions {
  /** The defaults that depend on the mesh (the ingress namespace), from its backend: the plan's registry. */
  readonly meshDefaults: (mesh: string) => MeshDefaults;
  /**
   * Resolve every environment as if it ran this mesh at this version (the migration preview), whether it
   * runs another mesh or this one at another version.
   */
  readonly meshOverride?: { readonly type: MeshType; readonly version: string };
  /**
   * Where the output directory lies relative to the root of the spec's git work tree (`/`-separated, no
   * leading `./`), as the load stage found it (or following `render -o`). The default of `gitops.path`.
   */
  readonly outputRepoPath?: string;
}

/**
 * validate → **model**: the resolved environments (defaults applied, overrides merged, durations and access
 * paths parsed), sorted by name. Pure; call it only on a spec that validated cleanly (`validatedCleanly`).
 */
export function buildModel(
  validated: ValidatedSpec,
  options: ModelOptions,
  memo: ResolveMemo = new ResolveMemo(),
): Model {
  const project = validated.project!;
  const environments = validated.selected
    .map((v) => resolveEnvironment(v.doc, v.services, project.output, options, memo))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { project, environments };
}

function resolveEnvironment(
  env: EnvDoc,
  views: ReadonlyMap<string, ServiceView>,
  output: string,
  options: ModelOptions,
  memo: ResolveMemo,
): ResolvedEnvironment {
  const { meshOverride, outputRepoPath, meshDefaults } = options;
  // The preview replaces the mesh and its version, for an environment on another mesh as for one already
  // on this mesh (`--mesh linkerd --mesh-version 2.20` of a Linkerd 2.18 environment checks it at 2.20).
  // The rest of `mesh` is the environment's, its `install.chartVersion` included (validate checked that
  // against the environment's own `mesh.version`).
  const asked = meshOverride
    ? { ...env.spec, mesh: { ...env.spec.mesh, type: meshOverride.type, version: meshOverride.version } }
    : env.spec;
  const spec = applyEnvironmentDefaults(asked, meshDefaults(asked.mesh.type));
  const mesh = resolveMesh(spec);
  const gitops = resolveGitOps(spec, output, outputRepoPath);
  const services = [...views.values()]
    .map((v) => memo.resolve(v, { services: views, envMtls: mesh.mtls }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    name: env.name,
    cluster: spec.cluster,
    mesh,
    gitops,
    namespaces: [...new Set(services.map((s) => s.namespace))].sort(),
    services,
    patches: (spec.patches ?? []).map((p, index) => ({ index, target: p.target, ops: p.ops })),
    ...(spec.rollouts
      ? {
          flagger: {
            chartVersion: spec.rollouts.flagger.chartVersion,
            metricsServer: spec.rollouts.flagger.metricsServer,
            namespace: spec.rollouts.flagger.namespace ?? 'flagger-system',
          },
        }
      : {}),
    spec: environmentPolicyView(spec, gitops),
    origin: env.at,
  };
}

/**
 * Environments that differ by a few overrides share most of their services' views (environmentViews keeps
 * the base view, and its spec object, of a service no override touches), and resolving a view is a function
 * of the view's service (id, spec, the spec nodes behind it), the environment's mTLS mode (only as the
 * service's default `mtls`) and the specs of the services its access rules name (their service accounts):
 * all that {@link resolveService} reads. So a
 * service is resolved once for every environment where those are the same, and the environments share the
 * ResolvedService object, which lets the later stages recognise an unchanged service by identity. Keyed by
 * the spec object, the memo also serves the two compiles of `meshc diff`, whose unchanged files parse to the
 * same objects (ParseCache). The model is immutable, so sharing is safe.
 */
export class ResolveMemo {
  readonly #bySpec = new WeakMap<object, MemoEntry[]>();

  resolve(view: ServiceView, ctx: ResolveContext): ResolvedService {
    const entries = this.#bySpec.get(view.spec);
    const hit = entries?.find(
      (e) => e.id === view.id && e.callers.every(([id, spec]) => ctx.services.get(id)?.spec === spec),
    );
    if (hit) {
      const known = hit.byMtls.get(ctx.envMtls);
      if (known) return known;
      // The environment's mTLS mode reaches the service only as its default `mtls` (applyServiceDefaults):
      // the service resolved for another mode, with that one field (and its spec's) replaced in place.
      const [some] = hit.byMtls.values();
      const derived =
        view.spec.mtls !== undefined
          ? some!
          : spread(some!, { mtls: ctx.envMtls, spec: spread(some!.spec, { mtls: ctx.envMtls }) });
      hit.byMtls.set(ctx.envMtls, derived);
      return derived;
    }
    const result = resolveService(view, ctx);
    const callers: [string, object | undefined][] = [];
    for (const rule of result.access ?? [])
      for (const c of rule.from)
        if (c.kind === 'service') callers.push([c.serviceId, ctx.services.get(c.serviceId)?.spec]);
    const entry = { id: view.id, callers, byMtls: new Map([[ctx.envMtls, result]]) };
    if (entries) entries.push(entry);
    else this.#bySpec.set(view.spec, [entry]);
    return result;
  }
}

interface MemoEntry {
  readonly id: string;
  readonly callers: readonly (readonly [string, object | undefined])[];
  /** The service as resolved for each environment mTLS mode seen. */
  readonly byMtls: Map<MtlsMode, ResolvedService>;
}

/** One cluster runs one mesh, configured once; environments sharing it deploy disjoint namespaces. */
export function checkClusters(
  envs: readonly EnvDoc[],
  meshDefaults: (mesh: string) => MeshDefaults,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);
  const byCluster = new Map<string, EnvDoc[]>();
  for (const env of envs) byCluster.set(env.spec.cluster, [...(byCluster.get(env.spec.cluster) ?? []), env]);
  for (const list of byCluster.values()) {
    const first = list[0]!;
    for (const env of list.slice(1)) {
      if (
        first.spec.mesh.type !== env.spec.mesh.type ||
        JSON.stringify(meshOf(first.spec, meshDefaults)) !== JSON.stringify(meshOf(env.spec, meshDefaults))
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
  return diagnostics;
}

function meshOf(spec: EnvironmentSpecData, meshDefaults: (mesh: string) => MeshDefaults) {
  return resolveMesh(applyEnvironmentDefaults(spec, meshDefaults(spec.mesh.type)));
}
