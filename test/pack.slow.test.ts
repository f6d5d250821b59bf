/**
 * `npm pack`, then `npm install` of the tarball into an empty project, then the installed CLI and the
 * library entry, as a user gets them from the registry. Needs the build (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/shared.ts';

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

/** The environment without npm's own variables of the running `npm test` (they would leak into npm). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return env;
}

const built =
  existsSync(path.join(repoRoot, 'dist/index.js')) && existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs'));

describe('the packed package, installed', () => {
  it.runIf(built)(
    'npm pack + npm install: the CLI validates and builds the bundled example, and the library entry imports',
    async () => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshc-pack-'));
      temps.push(tmp);
      const env = cleanEnv();
      // --ignore-scripts: `prepare` would rebuild dist/ while other test files run the CLI from it.
      const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
        cwd: repoRoot,
        env,
        extendEnv: false,
      });
      const [{ filename, files }] = JSON.parse(packed.stdout) as [
        { filename: string; files: { path: string }[] },
      ];
      const paths = files.map((f) => f.path);
      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
      expect(paths).toContain('bin/meshc.js');
      expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);

      const app = path.join(tmp, 'app');
      await mkdir(app);
      await writeFile(
        path.join(app, 'package.json'),
        JSON.stringify({ name: 'app', private: true, type: 'module' }),
      );
      await execa(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, filename)],
        {
          cwd: app,
          env,
          extendEnv: false,
        },
      );

      const example = path.join(repoRoot, 'examples/bookinfo');
      const opts = { cwd: app, env, extendEnv: false, reject: false } as const;
      const validate = await execa('npx', ['--no-install', 'meshc', 'validate', example], opts);
      expect(validate.exitCode, validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/0 errors/);
      const build = await execa(
        path.join(app, 'node_modules/.bin/meshc'),
        ['build', example, '--env', 'prod'],
        opts,
      );
      expect(build.exitCode, build.stderr).toBe(0);
      expect(build.stdout).toContain('kind: VirtualService');

      const lib = await execa(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { load, compile, render, diff, VERSION } from 'meshc';
           const c = compile(await load(${JSON.stringify(example)}));
           const r = render(c);
           const d = diff(undefined, c);
           console.log(JSON.stringify({ ok: c.ok, files: r.files.length, added: d.stats.resources.added, VERSION }));`,
        ],
        opts,
      );
      expect(lib.exitCode, lib.stderr).toBe(0);
      const got = JSON.parse(lib.stdout) as { ok: boolean; files: number; added: number; VERSION: string };
      expect(got.ok).toBe(true);
      expect(got.files).toBeGreaterThan(50);
      expect(got.added).toBeGreaterThan(10);
      expect(got.VERSION).toMatch(/^\d+\.\d+\.\d+/);
    },
    300_000,
  );
});
