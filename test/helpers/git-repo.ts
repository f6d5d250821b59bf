/**
 * Real git repositories in temporary directories, for the tests of `meshc diff`.
 *
 * Deterministic: a fixed identity, commit dates that advance one minute per commit from a fixed epoch,
 * no signing, no hooks, and neither the system nor the user's git configuration (GIT_CONFIG_NOSYSTEM,
 * GIT_CONFIG_GLOBAL), so the same commits give the same commit ids on every machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll } from 'vitest';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((d) => rm(d, { recursive: true, force: true })));
});

const EPOCH = 1_700_000_000;

export interface TestRepo {
  /** The work tree (absolute). */
  readonly dir: string;
  /** Writes files (paths relative to the work tree, `/`-separated); `null` deletes one. */
  write(files: Readonly<Record<string, string | null>>): Promise<void>;
  /** Writes `files`, stages everything and commits; returns the commit id. */
  commit(message: string, files?: Readonly<Record<string, string | null>>): Promise<string>;
  /** Runs git in the work tree; returns stdout without the final newline. */
  git(...args: string[]): Promise<string>;
}

/** A new repository on branch `main`, removed after the test file. */
export async function gitRepo(): Promise<TestRepo> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshc-git-'));
  created.push(dir);
  let commits = 0;
  const env = () => {
    const date = `${EPOCH + commits * 60} +0000`;
    return {
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_AUTHOR_NAME: 'meshc test',
      GIT_AUTHOR_EMAIL: 'test@meshc.invalid',
      GIT_COMMITTER_NAME: 'meshc test',
      GIT_COMMITTER_EMAIL: 'test@meshc.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
  };
  const git = async (...args: string[]) => (await execa('git', args, { cwd: dir, env: env() })).stdout;
  await git('init', '-q', '-b', 'main');
  for (const [k, v] of [
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
    ['core.hooksPath', os.devNull],
    ['user.name', 'meshc test'],
    ['user.email', 'test@meshc.invalid'],
  ] as const)
    await git('config', k, v);
  const write = async (files: Readonly<Record<string, string | null>>) => {
    for (const [rel, text] of Object.entries(files)) {
      const abs = path.join(dir, ...rel.split('/'));
      if (text === null) await rm(abs, { force: true });
      else {
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, text);
      }
    }
  };
  return {
    dir,
    write,
    git,
    async commit(message, files = {}) {
      await write(files);
      await git('add', '-A');
      commits++;
      await git('commit', '-q', '--allow-empty', '--no-verify', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}
