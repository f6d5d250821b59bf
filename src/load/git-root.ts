/**
 * The top of the git work tree holding the spec: the output directory's path relative to it is what
 * Flux Kustomizations and Argo CD Applications sync (`gitops.path`), not its path relative to the spec
 * directory (the spec may live in `mesh/` of a monorepo; `render -o deploy` writes elsewhere).
 * Git runs without a shell; outside a repository (or without git) there is no answer and the Project's
 * `output` is used (see `compileDir`). Every render asks this once, so it runs git through node's own
 * child_process, as load/git.ts does: execa cost a render that the render cache confirms about as much time
 * to load as the rest of the command.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The environment meshc runs git in: the caller's (PATH, HOME, GIT_DIR ...), as execa passed it, with no
 * optional locks, no credential prompt and untranslated messages (which the callers read).
 */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

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
  return new Promise((resolve) => {
    execFile(
      'git',
      ['rev-parse', '--show-toplevel'],
      {
        cwd,
        env: gitEnv(),
        encoding: 'utf8',
        windowsHide: true,
      },
      // An exit status other than 0, or git not installed: no answer.
      (err, stdout) => {
        const top = err ? '' : stdout.trim();
        resolve(top !== '' ? top : undefined);
      },
    );
  });
}
