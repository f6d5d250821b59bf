import type { Diagnostic } from '../core/diagnostic.ts';
import type { EmitContext } from '../backends/types.ts';
import type { EnvRender } from '../gitops/tree.ts';
import type { EnvironmentPlan } from '../validate/validate.ts';

/** emit: one backend call per planned environment. Pure. */
export function emitEnvironments(
  plans: readonly EnvironmentPlan[],
  ctx: EmitContext,
): { renders: EnvRender[]; diagnostics: Diagnostic[] } {
  const renders: EnvRender[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { env, backend } of plans) {
    const output = backend.emit(env, ctx);
    diagnostics.push(...output.diagnostics);
    renders.push({ env, mesh: backend.mesh, systemNamespace: backend.systemNamespace, output });
  }
  return { renders, diagnostics };
}
