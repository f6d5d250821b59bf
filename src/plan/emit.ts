import type { Diagnostic } from '../core/diagnostic.ts';
import type { BackendOutput, EmitContext } from '../backends/types.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import type { EnvironmentPlan } from './plan.ts';

/** One planned environment's backend output, as the gitops stage takes it. */
export interface EnvRender {
  env: ResolvedEnvironment;
  mesh: string;
  systemNamespace: string;
  output: BackendOutput;
}

/** plan → **emit**: each planned environment through its backend (pure), as the gitops stage takes it. */
export function emitEnvironments(
  plans: readonly EnvironmentPlan[],
  ctx: EmitContext,
): { renders: EnvRender[]; diagnostics: Diagnostic[] } {
  const renders = plans.map(({ env, backend }) => ({
    env,
    mesh: backend.mesh,
    systemNamespace: backend.systemNamespace,
    output: backend.emit(env, ctx),
  }));
  return { renders, diagnostics: renders.flatMap((r) => r.output.diagnostics) };
}
