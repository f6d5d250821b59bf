/**
 * The GitOps engine registry: one line per engine. `Record<EngineName, …>` makes a new `gitops.engine`
 * value in the schema fail to compile until its engine is listed here.
 */
import type { ResolvedEnvironment } from '../model/types.ts';
import { ARGO_CD } from './argocd.ts';
import type { EngineName, GitOpsEngine } from './engine.ts';
import { FLUX } from './flux.ts';

const ENGINES: { readonly [N in EngineName]: GitOpsEngine & { readonly name: N } } = {
  flux: FLUX,
  argocd: ARGO_CD,
};

/** Every registered engine, in registry order. */
export const GITOPS_ENGINES: readonly GitOpsEngine[] = Object.values(ENGINES);

export function gitopsEngine(name: EngineName): GitOpsEngine {
  return ENGINES[name];
}

/** The engine that deploys this environment (`gitops.engine`). */
export function engineOf(env: ResolvedEnvironment): GitOpsEngine {
  return gitopsEngine(env.gitops.engine);
}
