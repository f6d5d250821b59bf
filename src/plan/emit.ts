import type { Diagnostic } from '../core/diagnostic.ts';
import type { BackendOutput, EmitContext } from '../backends/types.ts';
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
export function emitEnvironments(
  plans: readonly EnvironmentPlan[],
  _ctx?: EmitContext,
): { renders: EnvRender[]; diagnostics: Diagnostic[] } {
  const renders: EnvRender[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { env, backend, output } of plans) {
    diagnostics.push(...output.diagnostics);
    renders.push({ env, mesh: backend.mesh, systemNamespace: backend.systemNamespace, output });
  }
  return { renders, diagnostics };
}
