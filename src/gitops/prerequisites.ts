/**
 * The prerequisites of an environment's first sync: what its backend says the mesh side needs (operators,
 * CRDs, secrets only the user can create) and what its GitOps engine needs. `meshc build` prints them as
 * comments at the top of its output; the README's "Deployment prerequisites" section lists the same data.
 */
import type { Backend, ClusterPrerequisite } from '../backends/types.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import { engineOf } from './engines.ts';

/** What the environment's GitOps engine needs in the cluster (or in the engine) before the first sync. */
export function enginePrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  return engineOf(env).prerequisites(env);
}

/** Everything the environment needs before its first sync: the mesh side (backend data), then the engine's. */
export function clusterPrerequisites(env: ResolvedEnvironment, backend: Backend): ClusterPrerequisite[] {
  return [...(backend.prerequisites?.(env) ?? []), ...enginePrerequisites(env)];
}

/** YAML comment lines for the top of `meshc build` output (each line starts with `#`, ends with a newline). */
export function prerequisitesComment(env: ResolvedEnvironment, list: readonly ClusterPrerequisite[]): string {
  const lines = [
    `# meshc build: environment ${env.name} (cluster ${env.cluster}, ${env.mesh.type} ${env.mesh.version}, ${env.gitops.engine})`,
  ];
  if (list.length === 0) lines.push('# Prerequisites before the first sync: none.');
  else {
    lines.push('# Prerequisites before the first sync (meshc does not deploy these):');
    for (const p of list) lines.push(`#   - ${oneLine(p.what)}`, `#     for ${oneLine(p.why)}`);
  }
  return lines.join('\n') + '\n';
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}
