import { applicationNamespaces } from '../../model/environment.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import type { Backend, BackendOutput, EmitContext } from '../types.ts';
import { isOlderThan } from './names.ts';
import { flaggerChart, flaggerPrerequisites, rolloutMetricTemplates } from './flagger.ts';

/**
 * A backend as its folder writes it: the {@link Backend} fields, plus what the shared emit skeleton needs
 * (why the oldest version is the oldest, how a namespace object looks), and an `emit` that fills the
 * namespace buckets the skeleton made and returns the rest of the output.
 */
export interface MeshBackendDefinition extends Omit<Backend, 'emit'> {
  /** What the oldest supported version brings that meshc relies on, for the too-old error. */
  readonly minVersionReason: string;
  /** The Namespace object of an application namespace (injection labels, default policy annotations). */
  namespace(name: string, env: ResolvedEnvironment): K8sObject;
  /**
   * The mesh's objects: push each service's objects into `namespaces` (one bucket per application
   * namespace, already holding its Namespace object) and return the rest.
   */
  emit(
    env: ResolvedEnvironment,
    namespaces: ReadonlyMap<string, K8sObject[]>,
    ctx: EmitContext,
  ): Omit<BackendOutput, 'namespaces'>;
}

/**
 * The emit skeleton every backend shares: the version check against `minVersion` first, one bucket per
 * application namespace (the environment's namespaces and every service's, sorted) starting with its
 * Namespace object, then the backend's own objects.
 */
export function meshBackend(def: MeshBackendDefinition): Backend {
  const { namespace, emit, ...backend } = def;
  const meshPrerequisites = def.prerequisites;
  return {
    ...backend,
    ...(meshPrerequisites || def.rollout
      ? {
          prerequisites: (env: ResolvedEnvironment) => [
            ...(meshPrerequisites?.(env) ?? []),
            ...flaggerPrerequisites(env, def.rollout),
          ],
        }
      : {}),
    emit(env: ResolvedEnvironment, ctx: EmitContext): BackendOutput {
      const namespaces = namespaceBuckets(env, (ns) => namespace(ns, env), ctx.only);
      const out = emit(env, namespaces, ctx);
      // Progressive delivery (Service.rollout): the backend's metric checks and Flagger's chart, from its data.
      for (const [ns, objects] of rolloutMetricTemplates(env, def.rollout))
        namespaces.get(ns)?.push(...objects);
      return {
        namespaces,
        ...out,
        charts: [...out.charts, ...flaggerChart(env, def.rollout, out.charts)],
        diagnostics: [...minVersionDiagnostics(def, env), ...out.diagnostics],
      };
    },
  };
}

/** MESH_CONSTRAINT at `mesh.version` when the environment's mesh is older than the backend's `minVersion`. */
export function minVersionDiagnostics(
  def: Pick<MeshBackendDefinition, 'title' | 'minVersion' | 'minVersionReason'>,
  env: ResolvedEnvironment,
): Diagnostic[] {
  if (!isOlderThan(env.mesh.version, def.minVersion)) return [];
  return [
    {
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `${def.title} ${env.mesh.version} is older than ${def.minVersion}, the oldest version meshc renders (${def.minVersionReason}).`,
      hint: `Set mesh.version to "${def.minVersion}" or later, after upgrading the mesh.`,
      location: env.origin(['mesh', 'version']),
    },
  ];
}

/** One bucket per application namespace, sorted, each holding its Namespace object first. */
export function namespaceBuckets(
  env: ResolvedEnvironment,
  namespace: (name: string) => K8sObject,
  only?: ReadonlySet<string>,
): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  for (const ns of applicationNamespaces(env)) if (!only || only.has(ns)) out.set(ns, [namespace(ns)]);
  return out;
}
