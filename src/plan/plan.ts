import type { Diagnostic } from '../core/diagnostic.ts';
import { backendFor, knownMeshes } from '../backends/registry.ts';
import type { Backend } from '../backends/types.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import { checkCapabilities } from './capabilities.ts';
import type { RefusedUse } from './capabilities.ts';

/** One environment and the backend that renders it. */
export interface EnvironmentPlan {
  readonly env: ResolvedEnvironment;
  readonly backend: Backend;
  /** The uses of features the backend cannot express (each reported as MESH_UNSUPPORTED_FEATURE); absent: none. */
  readonly refused?: readonly RefusedUse[];
}

/**
 * model → **plan**: a backend per environment, and the check of every feature the environment uses against
 * that backend's capabilities (at the mesh version). Pure. `lookup` is the registry; a mesh the spec language
 * names without a backend (every named mesh has one today) is an error, never a skipped environment.
 */
export function planEnvironments(
  environments: readonly ResolvedEnvironment[],
  report: (d: Diagnostic) => void,
  lookup: (mesh: string) => Backend | undefined = backendFor,
): EnvironmentPlan[] {
  const plans: EnvironmentPlan[] = [];
  for (const env of environments) {
    const backend = lookup(env.mesh.type);
    if (!backend) {
      // An error, not a skip: GitOps prunes what disappears from the output, so skipping the environment
      // would delete its whole tree from the cluster. `validate --mesh` previews it on a rendered mesh.
      report({
        code: 'MESH_NOT_IMPLEMENTED',
        severity: 'error',
        message: `Environment ${env.name} runs ${env.mesh.type}, which this version of meshc cannot render yet.`,
        hint: `This version renders: ${knownMeshes().join(', ')}. Render the environment with one of them, or preview the migration with \`meshc validate --mesh MESH\`.`,
        location: env.origin(['mesh', 'type']),
      });
      continue;
    }
    const refused = checkCapabilities(env, backend, report);
    plans.push(refused.length ? { env, backend, refused } : { env, backend });
  }
  return plans;
}
