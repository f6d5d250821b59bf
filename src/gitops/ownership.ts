/**
 * Who owns the mesh-wide directories of a shared cluster. One cluster runs one mesh, installed and
 * configured once: the first environment (by name) on a cluster owns its mesh-wide directories
 * (prerequisites, install and config), holding the mesh-wide objects of every environment on that cluster;
 * the others' namespaces depend on the owner's. Two environments that render one mesh-wide object
 * differently are a conflict.
 */
import type { Diagnostic } from '../core/diagnostic.ts';
import { resourceId, type K8sObject } from '../core/k8s.ts';
import { CanonicalCache } from '../core/canonical.ts';
import { sharedClusterConflict } from './conflicts.ts';
import type { EngineLookup, OverlayDirs } from './engine.ts';
import { engineOf } from './engines.ts';
import { jsonEqual } from './json-patch.ts';
import type { EnvRender } from './types.ts';

/** The environment that owns the mesh-wide directories of another's cluster, and which of them it has. */
export type MeshOwner = NonNullable<OverlayDirs['meshOwner']>;

/**
 * Each render (sorted by environment name) as the tree builds it: the cluster's owner with the merged
 * mesh-wide objects of every environment on its cluster, the others without mesh-wide objects or charts and
 * with their owner.
 */
export function assignMeshOwners(
  sorted: readonly EnvRender[],
  diagnostics: Diagnostic[],
  engineFor: EngineLookup = engineOf,
  canonical: CanonicalCache = new CanonicalCache(),
): { render: EnvRender; meshOwner?: MeshOwner }[] {
  type Merged = Map<string, { obj: K8sObject; env: EnvRender }>;
  const owners = new Map<string, EnvRender>();
  const merged = new Map<string, { system: Merged; prerequisites: Merged }>();
  const add = (into: Merged, r: EnvRender, objs: readonly K8sObject[]) => {
    for (const obj of objs) {
      const id = resourceId(obj);
      const first = into.get(id);
      if (!first) into.set(id, { obj, env: r });
      else if (!jsonEqual(canonical.canonicalize(first.obj), canonical.canonicalize(obj)))
        diagnostics.push(
          sharedClusterConflict(r.env.cluster, { env: first.env.env, obj: first.obj }, { env: r.env, obj }),
        );
    }
  };
  for (const r of sorted) {
    if (!owners.has(r.env.cluster)) owners.set(r.env.cluster, r);
    const m = merged.get(r.env.cluster) ?? { system: new Map(), prerequisites: new Map() };
    add(m.system, r, r.output.system);
    add(m.prerequisites, r, r.output.prerequisites ?? []);
    merged.set(r.env.cluster, m);
  }
  return sorted.map((render) => {
    const owner = owners.get(render.env.cluster)!;
    const m = merged.get(render.env.cluster)!;
    const system = [...m.system.values()].map((x) => x.obj);
    const prerequisites = [...m.prerequisites.values()].map((x) => x.obj);
    if (owner === render)
      return { render: { ...render, output: { ...render.output, system, prerequisites } } };
    return {
      render: { ...render, output: { ...render.output, system: [], prerequisites: [], charts: [] } },
      meshOwner: {
        env: owner.env.name,
        // The owner has an install directory when its engine installs its charts from one.
        install: engineFor(owner.env).installObjects(owner.output.charts).length > 0,
        config: system.length > 0,
      },
    };
  });
}
