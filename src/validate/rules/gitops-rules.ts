import { toPointer } from '../../core/location.ts';
import type { EnvDoc } from '../environments.ts';
import type { Report } from '../view.ts';

/** An scp-style git address (`user@host:path`), which the schema allows for Argo CD only. */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$/;

/**
 * `gitops.repo` against the engine. Flux's GitRepository takes only URLs (source-controller's CRD:
 * `spec.url` matches `^(http|https|ssh)://.*$`), so an scp-style address is an error for Flux, with the
 * `ssh://` URL to write instead. And Flux reads an `ssh://` repository only with a deploy key: without
 * `gitops.secretRef` it never syncs (a warning: the schema says so of `secretRef`).
 */
export function checkGitOpsRepo(env: EnvDoc, report: Report): void {
  const g = env.spec.gitops;
  if (g.engine !== 'flux' || typeof g.repo !== 'string') return;
  const path = ['gitops', 'repo'];
  const scp = SCP_LIKE.exec(g.repo);
  if (scp && !/^[a-z]+:\/\//.test(g.repo)) {
    const [, user, host, repoPath] = scp;
    report({
      code: 'SCHEMA_CONSTRAINT',
      severity: 'error',
      message: `The repository ${g.repo} of environment ${env.name} is an scp-style address, which Flux's GitRepository refuses (its \`spec.url\` must start with http://, https:// or ssh://).`,
      hint: `Write it as an ssh URL, \`ssh://${user}@${host}/${repoPath!.replace(/^\/+/, '')}\` (scp-style addresses are for \`engine: argocd\` only).`,
      location: env.at(path),
      pointer: toPointer(['spec', ...path]),
    });
    return;
  }
  if (g.repo.startsWith('ssh://') && g.secretRef === undefined)
    report({
      code: 'GITOPS_REPO_NO_CREDENTIALS',
      severity: 'warning',
      message: `Environment ${env.name} has Flux fetch the ssh repository ${g.repo} without \`gitops.secretRef\`, so its GitRepository never syncs.`,
      hint: 'Create a Secret in flux-system with `identity` and `known_hosts` (`flux create secret git`) and name it in `gitops.secretRef`, or use an https URL for a public repository.',
      location: env.at(path),
      pointer: toPointer(['spec', ...path]),
    });
}
