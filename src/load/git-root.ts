/**
 * The top of the git work tree holding the spec: the output directory's path relative to it is what
 * Flux Kustomizations and Argo CD Applications sync (`gitops.path`), not its path relative to the spec
 * directory (the spec may live in `mesh/` of a monorepo; `render -o deploy` writes elsewhere).
 * Git runs through execa, without a shell; outside a repository (or without git) there is no answer and
 * the Project's `output` is used (see `compileDir`).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** The top of the git work tree holding `dir`, or undefined (not a repository, bare, git missing). */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  let cwd = path.resolve(dir);
  // git needs an existing directory to start from.
  for (;;) {
    try {
      if ((await stat(cwd)).isDirectory()) break;
    } catch {
      /* try the parent */
    }
    const parent = path.dirname(cwd);
    if (parent === cwd) return undefined;
    cwd = parent;
  }
  try {
    const r = await execa('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      reject: false,
      env: { GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    });
    const top = String(r.stdout).trim();
    return r.exitCode === 0 && top !== '' ? top : undefined;
  } catch {
    return undefined; // git not installed
  }
}
