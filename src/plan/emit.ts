import type { Diagnostic } from '../core/diagnostic.ts';
import type { BackendOutput } from '../backends/types.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import type { EnvironmentPlan } from '../validate/validate.ts';

/** One planned environment's backend output, as the gitops stage takes it. */
export interface EnvRender {
  env: ResolvedEnvironment;
  mesh: string;
  systemNamespace: string;
  output: BackendOutput;
}

/**
 * emit: the backend output of each planned environment, as the gitops stage takes it. validate already
 * ran the backends (emit is pure) and reported their diagnostics; they are returned again here for
 * callers that render without printing validation results (sortDiagnostics drops duplicates).
 */
export function emitEnvironments(plans: readonly EnvironmentPlan[]): {
  renders: EnvRender[];
  diagnostics: Diagnostic[];
} {
  return {
    renders: plans.map(planRender),
    diagnostics: plans.flatMap((p) => p.output.diagnostics),
  };
}

/** The gitops stage's input for one planned environment (environment, backend, its output). */
export function planRender(plan: {
  readonly env: ResolvedEnvironment;
  readonly backend: { readonly mesh: string; readonly systemNamespace: string };
  readonly output: BackendOutput;
}): EnvRender {
  return {
    env: plan.env,
    mesh: plan.backend.mesh,
    systemNamespace: plan.backend.systemNamespace,
    output: plan.output,
  };
}
