import type { EnvRender, GitOpsResult } from '../../src/gitops/tree.ts';
import { layoutGitOpsTree } from '../../src/gitops/tree.ts';
import { renderGitOpsTree } from '../../src/render/tree.ts';

/**
 * The GitOps tree as files from hand-built backend output: the gitops stage's layout, then the render
 * stage's text, as `compile()` runs them. For unit tests that start at the gitops stage; specs go
 * through `compile()` and read its `tree`.
 */
export function buildGitOpsTree(renders: readonly EnvRender[]): GitOpsResult {
  return renderGitOpsTree(layoutGitOpsTree(renders));
}
