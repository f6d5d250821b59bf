/**
 * Issue 10, the CLI's part: the removal guard, finding meshc.yaml upward and file arguments, meshc's own
 * usage errors, `--env` names, `--quiet` / `--warnings-as-errors`, `render --check` diffs, refused output
 * directories and GitOps paths relative to the git repository root. Commands run in-process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { gitRepo } from './helpers/git-repo.ts';
import { repoRoot } from './helpers/shared.ts';
import { ISTIO_ENV, dedent, specTree, tempDir } from './helpers/spec-tree.ts';

const service = (name: string, namespace = 'shop', port = 8080) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ${name}, namespace: ${namespace} }
  spec:
    ports: [{ name: http, port: ${port} }]
`;

const env = (name: string, cluster: string, engine = 'flux') =>
  ISTIO_ENV.replace('name: prod', `name: ${name}`)
    .replace('cluster: prod-1', `cluster: ${cluster}`)
    .replace('engine: flux', `engine: ${engine}`);

/** Two environments, two namespaces, three services. */
const SPEC = {
  'meshc.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Project
    metadata: { name: test }
    spec:
      include: ["services/*.yaml", "environments/*.yaml"]
  `,
  'services/cart.yaml': service('cart'),
  'services/checkout.yaml': service('checkout'),
  'services/reports.yaml': service('reports', 'analytics'),
  'environments/prod.yaml': env('prod', 'prod-1'),
  'environments/staging.yaml': env('staging', 'staging-1'),
};

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

describe('render refuses to remove a whole environment or namespace', () => {
  it('an environment that disappears (its file renamed out of the globs): exit 1, OUTPUT_REMOVALS, nothing written', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['render', dir])).code).toBe(0);
    const before = await listTree(path.join(dir, 'rendered'));
    expect(before.some((p) => p.startsWith('overlays/staging/'))).toBe(true);
    // No glob error: the file is renamed to .yml, which `environments/*.yaml` no longer matches, and
    // the Project still matches other files with every glob.
    await cp(path.join(dir, 'environments/staging.yaml'), path.join(dir, 'environments/staging.yml'));
    await rm(path.join(dir, 'environments/staging.yaml'));

    const r = await runCli(['render', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error OUTPUT_REMOVALS: .*environment staging.*cluster staging-1/);
    expect(r.stdout).toMatch(/--allow-removals/);
    expect(await listTree(path.join(dir, 'rendered'))).toEqual(before);

    const check = await runCli(['render', dir, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/OUTPUT_REMOVALS: .*environment staging/);

    const allowed = await runCli(['render', dir, '--allow-removals']);
    expect(allowed.code).toBe(0);
    // Only the user's seed files (their own patches) stay; every file meshc owned for staging is gone.
    const after = await listTree(path.join(dir, 'rendered'));
    expect(after.filter((p) => p.startsWith('overlays/staging/') && !/\/user\//.test(p))).toEqual([]);
    expect(after.some((p) => p.startsWith('clusters/staging-1/'))).toBe(false);
  });

  it('a namespace that disappears while its environments stay: refused, and listed per environment', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['render', dir])).code).toBe(0);
    await rm(path.join(dir, 'services/reports.yaml'));
    const r = await runCli(['render', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/OUTPUT_REMOVALS: .*namespace prod\/analytics, staging\/analytics/);
    expect(r.stdout).toMatch(/base istio\/analytics/);
    expect(existsSync(path.join(dir, 'rendered/overlays/prod/analytics'))).toBe(true);
  });

  it('a removed service (its namespace stays) is written and named in the summary', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['render', dir])).code).toBe(0);
    await rm(path.join(dir, 'services/checkout.yaml'));
    const check = await runCli(['render', dir, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/: would remove services: shop\/checkout\n/);
    const r = await runCli(['render', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: removed services: shop\/checkout\n/);
    expect(existsSync(path.join(dir, 'rendered/base/istio/shop/v1_service_checkout.yaml'))).toBe(false);
  });
});

describe('finding the spec repository', () => {
  it('searches meshc.yaml upward from the current directory and from a directory argument', async () => {
    const dir = await specTree(SPEC);
    const fromSub = await runCli(['validate'], { cwd: path.join(dir, 'services') });
    expect(fromSub.code).toBe(0);
    expect(fromSub.stdout).toBe('..: valid\n');
    expect((await runCli(['validate', path.join(dir, 'environments')])).code).toBe(0);
    expect((await runCli(['build', '--env', 'prod'], { cwd: path.join(dir, 'services') })).stdout).toMatch(
      /kind: Namespace/,
    );
  });

  it("a file argument checks its project and reports only that file's findings", async () => {
    const dir = await specTree({
      ...SPEC,
      'services/broken.yaml': service('broken').replace('port: 8080', 'port: 99999'),
    });
    const whole = await runCli(['validate', dir]);
    expect(whole.code).toBe(1);
    const bad = await runCli(['validate', 'services/broken.yaml'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^services\/broken\.yaml:\d+:\d+: error /);
    const good = await runCli(['validate', 'cart.yaml'], { cwd: path.join(dir, 'services') });
    expect(good.stdout).toBe('cart.yaml: valid\n');
    expect(good.code).toBe(0);
    // A file no glob matches is not part of the spec: said, as a usage error.
    await writeFile(path.join(dir, 'services/notes.txt'), 'hello\n');
    const stray = await runCli(['validate', 'services/notes.txt'], { cwd: dir });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/not a spec file/);
  });

  it('a path that does not exist is a usage error (2) in every command', async () => {
    for (const args of [
      ['validate', 'no-such-dir'],
      ['build', 'no-such-dir', '--env', 'prod'],
      ['render', 'no-such-dir'],
      ['render', 'no-such-dir', '--check'],
      ['verify', 'no-such-dir'],
    ]) {
      const r = await runCli(args, { cwd: await tempDir() });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/no-such-dir: no such file or directory/);
    }
    // diff reads the spec from git: outside a repository that is a usage error too.
    const d = await runCli(['diff', 'no-such-dir', '--base', 'HEAD'], { cwd: await tempDir() });
    expect(d.code).toBe(2);
  });

  it('verify, like the other commands, finds meshc.yaml upward and lists the environments for an unknown --env', async () => {
    const dir = await specTree(SPEC);
    const r = await runCli(['verify', dir, '--env', 'prdo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no environment named "prdo"\. Did you mean "prod"\? Environments: prod, staging\./,
    );
    const sub = await runCli(['verify', '--env', 'prdo'], { cwd: path.join(dir, 'services') });
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/Environments: prod, staging\./);
  });
});

describe("usage errors are meshc's own", () => {
  it('unknown flags get a sentence and a suggestion, not the text of node:util parseArgs', async () => {
    const cases: [string[], RegExp][] = [
      [['validate', '--formt', 'json'], /validate has no option --formt\. Did you mean --format\?/],
      [['render', '--chek'], /render has no option --chek\. Did you mean --check\?/],
      [['render', '--allow-removal'], /Did you mean --allow-removals\?/],
      [['build', '-x'], /build has no option -x\./],
      [['render', '-o'], /--output needs a value \(DIR\)/],
      [['render', '--check=yes'], /--check takes no value/],
    ];
    for (const [args, want] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/positional argument|ERR_PARSE_ARGS|argument missing/);
    }
  });

  it('--env with an unknown name lists the environments, in validate and build', async () => {
    const dir = await specTree(SPEC);
    for (const args of [
      ['validate', dir, '--env', 'prdo'],
      ['build', dir, '--env', 'prdo'],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /no environment named "prdo"\. Did you mean "prod"\? Environments: prod, staging\./,
      );
    }
  });
});

describe('--quiet and --warnings-as-errors', () => {
  it('validate, build and render: --quiet prints errors only; --warnings-as-errors fails on a warning', async () => {
    // The bundled example has warnings (approximations on Linkerd) and no error.
    const plain = await runCli(['validate', 'examples/bookinfo']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/warning MESH_APPROXIMATE_FEATURE/);
    const quiet = await runCli(['validate', 'examples/bookinfo', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const strict = await runCli(['validate', 'examples/bookinfo', '--warnings-as-errors']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/error MESH_APPROXIMATE_FEATURE/);
    const json = JSON.parse(
      (await runCli(['validate', 'examples/bookinfo', '-q', '--format', 'json'])).stdout,
    );
    expect(json.diagnostics).toEqual([]);

    const build = await runCli(['build', 'examples/bookinfo', '--env', 'staging', '--warnings-as-errors']);
    expect(build.code).toBe(1);
    expect(build.stdout).toBe('');
    const buildQuiet = await runCli(['build', 'examples/bookinfo', '--env', 'staging', '--quiet']);
    expect(buildQuiet.code).toBe(0);
    expect(buildQuiet.stderr).toBe('');

    const out = await tempDir();
    const render = await runCli(['render', 'examples/bookinfo', '-o', out, '--warnings-as-errors']);
    expect(render.code).toBe(1);
    expect(await readdir(out)).toEqual([]);
    const renderQuiet = await runCli(['render', 'examples/bookinfo', '-o', out, '--quiet']);
    expect(renderQuiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await readdir(out)).toEqual(['base', 'clusters', 'overlays']);
  });
});

describe('render --check', () => {
  it('names each stale file and, in text, shows a bounded diff of the first changed ones', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['render', dir])).code).toBe(0);
    const files = (await listTree(path.join(dir, 'rendered'))).filter((p) => p.startsWith('base/'));
    const edited = files.filter((p) => /v1_service_/.test(p));
    expect(edited.length).toBeGreaterThanOrEqual(2);
    for (const p of edited) {
      const abs = path.join(dir, 'rendered', p);
      await writeFile(abs, (await readFile(abs, 'utf8')).replace('port: 8080', 'port: 8081'));
    }
    // A long change: more lines than the diff shows.
    const big = path.join(dir, 'rendered', edited[0]!);
    await writeFile(
      big,
      (await readFile(big, 'utf8')) + Array.from({ length: 50 }, (_, i) => `# extra ${i}\n`).join(''),
    );

    const r = await runCli(['render', dir, '--check']);
    expect(r.code).toBe(1);
    for (const p of edited) expect(r.stdout).toContain(`rendered/${p} is out of date`);
    expect(r.stdout).toContain(`--- ${edited[1]} (on disk)`);
    expect(r.stdout).toContain(`+++ ${edited[1]} (fresh render)`);
    expect(r.stdout).toMatch(/^-\s+port: 8081$/m);
    expect(r.stdout).toMatch(/^\+\s+port: 8080$/m);
    expect(r.stdout).toMatch(/\.\.\. \d+ more lines/);
    const diffLines = r.stdout.split('\n').filter((l) => /^[-+ @]/.test(l) && !/^---|^\+\+\+/.test(l));
    expect(diffLines.length).toBeLessThanOrEqual(3 * 20);
    // Other formats carry the findings only.
    const json = await runCli(['render', dir, '--check', '--format', 'json']);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });
});

describe('output directories that would lose data are refused', () => {
  it('-o at the spec root, a parent of it, or inside .git: usage error (2), nothing written', async () => {
    const repo = await gitRepo();
    await repo.write(SPEC);
    for (const o of ['.', '..', '.git/rendered', 'services']) {
      const r = await runCli(['render', '.', '-o', o], { cwd: repo.dir });
      expect(r.code, o).toBe(2);
      expect(r.stderr).toMatch(/^meshc: -o: The output directory/);
    }
    expect(existsSync(path.join(repo.dir, '.git/rendered'))).toBe(false);
    expect((await readdir(path.join(repo.dir, 'services'))).sort()).toEqual([
      'cart.yaml',
      'checkout.yaml',
      'reports.yaml',
    ]);
  });

  it('-o where the spec globs look for spec files: usage error (2), nothing written; the Project output and other places are fine', async () => {
    const spec = {
      ...SPEC,
      'meshc.yaml': SPEC['meshc.yaml']!.replace('"services/*.yaml"', '"services/**/*.yaml"').replace(
        'include:',
        'output: services/rendered\n  include:',
      ),
    };
    const dir = await specTree(spec);
    const r = await runCli(['render', '.', '-o', 'services/preview'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^meshc: -o: The output directory services\/preview is where the spec's globs look for spec files \(they match services\/preview\/base\/istio\/analytics\/[^)]+\.yaml\): every later meshc command would read this render as its input\./,
    );
    expect(existsSync(path.join(dir, 'services/preview'))).toBe(false);
    // The spec is as it was: validate still reads only the spec files.
    expect((await runCli(['validate', '.', '-q'], { cwd: dir })).code).toBe(0);
    // The Project's own output (which the loader skips, whatever the globs say) and a directory no glob
    // reaches: written.
    for (const o of ['services/rendered', 'preview', 'services-preview'])
      expect((await runCli(['render', '.', '-o', o, '-q'], { cwd: dir })).code, o).toBe(0);
    expect((await runCli(['validate', '.', '-q'], { cwd: dir })).code).toBe(0);
  });

  it('output: in meshc.yaml (./, ./.git, a directory of spec files): exit 1 at spec.output', async () => {
    for (const [output, want] of [
      ['./', /OUTPUT_DIR_INVALID: The output directory \. is the spec root/],
      ['./.git', /OUTPUT_DIR_INVALID: .*inside \.git/],
      ['services', /OUTPUT_DIR_INVALID: .*holds the spec file services\/cart\.yaml/],
    ] as const) {
      const dir = await specTree({
        ...SPEC,
        'meshc.yaml': `${SPEC['meshc.yaml']}  output: ${JSON.stringify(output)}\n`,
      });
      await mkdir(path.join(dir, '.git'), { recursive: true });
      const before = await listTree(dir);
      const r = await runCli(['render', '.'], { cwd: dir });
      expect(r.code, output).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^meshc\\.yaml:6:11: error ${want.source}`, 'm'));
      expect(await listTree(dir)).toEqual(before);
    }
  });

  it('output: through a symlink out of the repository is refused; -o outside the repository is allowed', async () => {
    const outside = await tempDir();
    const dir = await specTree({ ...SPEC, 'meshc.yaml': `${SPEC['meshc.yaml']}  output: out/rendered\n` });
    await symlink(outside, path.join(dir, 'out'));
    const r = await runCli(['render', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /meshc\.yaml:6:11: error PATH_OUTSIDE_ROOT: The output directory out\/rendered resolves to .*outside the repository/,
    );
    expect(await readdir(outside)).toEqual([]);

    const explicit = await runCli(['render', '.', '-o', path.join(outside, 'preview')], { cwd: dir });
    expect(explicit.code).toBe(0);
    expect(await readdir(path.join(outside, 'preview'))).toEqual(['base', 'clusters', 'overlays']);
  });
});

describe('what the disk refuses is a diagnostic, not an internal error', () => {
  it('an output directory under a regular file: exit 1 with OUTPUT_WRITE_FAILED, for render and render --check', async () => {
    const dir = await specTree(SPEC);
    await writeFile(path.join(dir, 'blocker'), 'a file, not a directory\n');
    for (const args of [
      ['render', '.', '-o', 'blocker/out'],
      ['render', '.', '-o', 'blocker/out', '--check'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.stdout + r.stderr).not.toMatch(/internal error/);
      if (args.includes('--check')) {
        // Nothing on disk to compare: every file is missing (stale), which is exit 1 too.
        expect(r.code).toBe(1);
      } else {
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/error OUTPUT_WRITE_FAILED: The output directory out could not be written/);
      }
    }
    expect(await readFile(path.join(dir, 'blocker'), 'utf8')).toBe('a file, not a directory\n');
  });
});

/** Every `path` a cluster object syncs: Flux Kustomization spec.path, Argo CD Application spec.source.path. */
async function syncedPaths(clustersDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await listTree(clustersDir)) {
    for (const doc of jsYaml.loadAll(await readFile(path.join(clustersDir, f), 'utf8'))) {
      const o = doc as { kind?: string; spec?: { path?: string; source?: { path?: string } } } | null;
      if (o?.kind === 'Kustomization' && o.spec?.path) out.push(o.spec.path);
      if (o?.kind === 'Application' && o.spec?.source?.path) out.push(o.spec.source.path);
    }
  }
  return out;
}

describe('GitOps paths are relative to the git repository root', () => {
  it('a spec in mesh/ of a monorepo, rendered to its output and with -o: every synced path exists from the repository root', async () => {
    const repo = await gitRepo();
    const files = Object.fromEntries(
      Object.entries({ ...SPEC, 'environments/staging.yaml': env('staging', 'staging-1', 'argocd') }).map(
        ([k, v]) => [`mesh/${k}`, v],
      ),
    );
    await repo.commit('spec', { ...files, 'README.md': '# monorepo\n' });

    expect((await runCli(['render', 'mesh'], { cwd: repo.dir })).code).toBe(0);
    const paths = await syncedPaths(path.join(repo.dir, 'mesh/rendered/clusters'));
    expect(paths.length).toBeGreaterThanOrEqual(4);
    expect(paths.some((p) => p.startsWith('./mesh/rendered/overlays/prod/'))).toBe(true); // Flux
    expect(paths.some((p) => p.startsWith('mesh/rendered/overlays/staging/'))).toBe(true); // Argo CD
    for (const p of paths) expect((await stat(path.join(repo.dir, p))).isDirectory(), p).toBe(true);

    // -o, relative to the current directory (here a subdirectory of the work tree).
    await mkdir(path.join(repo.dir, 'tools'));
    expect(
      (await runCli(['render', '../mesh', '-o', '../deploy'], { cwd: path.join(repo.dir, 'tools') })).code,
    ).toBe(0);
    const deployed = await syncedPaths(path.join(repo.dir, 'deploy/clusters'));
    expect(deployed.every((p) => /^(\.\/)?deploy\/overlays\//.test(p))).toBe(true);
    for (const p of deployed) expect((await stat(path.join(repo.dir, p))).isDirectory(), p).toBe(true);

    // `gitops.path` in the spec overrides the derived path.
    await repo.write({
      'mesh/environments/prod.yaml': env('prod', 'prod-1').replace(
        'repo: https://github.com/acme/mesh.git',
        'repo: https://github.com/acme/mesh.git, path: elsewhere',
      ),
    });
    expect((await runCli(['render', 'mesh', '--allow-removals'], { cwd: repo.dir })).code).toBe(0);
    const overridden = await syncedPaths(path.join(repo.dir, 'mesh/rendered/clusters/prod-1'));
    expect(overridden.every((p) => p.startsWith('./elsewhere/overlays/prod/'))).toBe(true);
  });

  it('outside a git repository, the paths are the Project output', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['render', dir])).code).toBe(0);
    const paths = await syncedPaths(path.join(dir, 'rendered/clusters'));
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).toMatch(/^\.\/rendered\/overlays\//);
  });
});

describe('the launcher', () => {
  it('without dist/ (never built) prints one line saying to run npm ci, exit 2, no stack trace', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'bin'));
    await cp(path.join(repoRoot, 'bin/meshc.js'), path.join(dir, 'bin/meshc.js'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const r = await promisify(execFile)(process.execPath, [path.join(dir, 'bin/meshc.js'), 'validate']).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toBe(
      'meshc: the compiled CLI (dist/) is missing: run `npm ci` (or `npm run build`) first.\n',
    );
    expect((await lstat(path.join(dir, 'bin/meshc.js'))).isFile()).toBe(true);

    // Half built (the launcher's own bundle, not the CLI's): still a missing build.
    await mkdir(path.join(dir, 'dist/cli'), { recursive: true });
    await cp(path.join(repoRoot, 'dist/cli/launch.cjs'), path.join(dir, 'dist/cli/launch.cjs'));
    const half = await promisify(execFile)(process.execPath, [path.join(dir, 'bin/meshc.js')]).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((half as { code: number }).code).toBe(2);
    expect((half as { stderr: string }).stderr).toBe(
      'meshc: the compiled CLI (dist/) is missing: run `npm ci` (or `npm run build`) first.\n',
    );

    // Built, but a dependency is not installed: said as such, not as a missing build.
    await writeFile(
      path.join(dir, 'dist/cli/meshc.cjs'),
      "require('meshc-no-such-package');\nexports.main = async () => 0;\n",
    );
    const r2 = await promisify(execFile)(process.execPath, [path.join(dir, 'bin/meshc.js')]).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((r2 as { code: number }).code).toBe(2);
    expect((r2 as { stderr: string }).stderr).toBe(
      'meshc: a dependency (meshc-no-such-package) is not installed: run `npm ci` (or reinstall meshc) first.\n',
    );
  });
});
