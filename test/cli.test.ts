import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { ISTIO_ENV, PROJECT, REVIEWS, dedent, specTree, tempDir } from './helpers/spec-tree.ts';

const BAD = {
  'meshc.yaml': PROJECT,
  'svc.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080 }]
      versions: { v1: { labels: { version: v1 } } }
      routes:
        - to: { v1: 90, v9: 10 }
  `,
  'prod.yaml': ISTIO_ENV,
};

describe('meshc CLI', () => {
  it('prints help and version', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/Usage: meshc <command>/);
    expect((await runCli(['validate', '--help'])).stdout).toMatch(/Usage: meshc validate/);
    expect((await runCli(['--version'])).stdout).toMatch(/^meshc \d+\.\d+\.\d+/);
  });

  it('treats unknown commands and flags as usage errors (exit 2) with a suggestion', async () => {
    const a = await runCli(['valdate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/Did you mean "validate"/);
    const b = await runCli(['validate', '--formt', 'json']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--format/);
    const c = await runCli(['validate', '--format', 'xml']);
    expect(c.code).toBe(2);
    expect((await runCli(['build', 'examples/bookinfo'])).code).toBe(2);
  });

  it('validates: exit 0 when valid, 1 with file:line:col, code frame and hint when not', async () => {
    const good = await runCli(['validate', 'examples/bookinfo']);
    expect(good.code).toBe(0);
    const dir = await specTree(BAD);
    const bad = await runCli(['validate', dir]);
    expect(bad.code).toBe(1);
    const rel = path.relative(repoRoot, dir);
    expect(bad.stdout).toContain(
      `${rel}/svc.yaml:8:21: error VERSION_UNKNOWN: Service bookinfo/reviews has no version "v9".`,
    );
    expect(bad.stdout).toContain('  8 |     - to: { v1: 90, v9: 10 }\n    |                     ^^\n');
    expect(bad.stdout).toMatch(/hint: Its versions are v1\./);
  });

  it('prints findings as json, github annotations and sarif', async () => {
    const dir = await specTree(BAD);
    const json = JSON.parse((await runCli(['validate', dir, '--format', 'json'], { cwd: dir })).stdout);
    expect(json.diagnostics[0]).toMatchObject({
      code: 'VERSION_UNKNOWN',
      severity: 'error',
      file: 'svc.yaml',
      line: 8,
      column: 21,
    });
    expect(json.summary).toEqual({ errors: 1, warnings: 0 });
    const gh = (await runCli(['validate', '.', '--format', 'github'], { cwd: dir })).stdout;
    expect(gh).toMatch(
      /^::error file=svc.yaml,line=8,col=21,endLine=8,endColumn=23,title=meshc VERSION_UNKNOWN::Service bookinfo\/reviews has no version "v9".%0AIts versions are v1./,
    );
    const sarif = JSON.parse((await runCli(['validate', dir, '--format', 'sarif'], { cwd: dir })).stdout);
    expect(sarif.runs[0].results[0].ruleId).toBe('VERSION_UNKNOWN');
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(8);
  });

  it('init scaffolds a repository that validates, and refuses a non-empty directory', async () => {
    const dir = await specTree({});
    const target = path.join(dir, 'mesh');
    expect((await runCli(['init', target])).code).toBe(0);
    expect(existsSync(path.join(target, '.meshc/schemas/service.schema.json'))).toBe(true);
    const first = (await readFile(path.join(target, 'services/api.yaml'), 'utf8')).split('\n')[0];
    expect(first).toMatch(/^# yaml-language-server: \$schema=.*\.meshc\/schemas\/service\.schema\.json$/);
    const v = await runCli(['validate', target]);
    expect(v.stdout + v.stderr).toBe(`${path.relative(repoRoot, target)}: valid\n`);
    expect(v.code).toBe(0);
    expect((await runCli(['init', target])).code).toBe(2);
  });

  it('render writes the tree, render --check passes, then fails (writing nothing) once the tree is stale', async () => {
    const dir = await specTree({
      ...BAD,
      'svc.yaml': BAD['svc.yaml'].replace('v9', 'v1').replace('{ v1: 90, v1: 10 }', '{ v1: 100 }'),
    });
    const r = await runCli(['render', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await runCli(['render', dir, '--check'])).code).toBe(0);
    const vs = path.join(
      dir,
      'rendered/base/istio/bookinfo/networking.istio.io_v1_virtualservice_reviews.yaml',
    );
    await writeFile(vs, (await readFile(vs, 'utf8')) + '# edited\n');
    const before = (await stat(vs)).mtimeMs;
    const check = await runCli(['render', '.', '--check'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /OUTPUT_STALE: rendered\/base\/istio\/bookinfo\/networking.istio.io_v1_virtualservice_reviews.yaml is out of date/,
    );
    expect(check.stdout).toMatch(/hint: Run `meshc render/);
    expect((await stat(vs)).mtimeMs).toBe(before);
  });

  it('build prints the environment as multi-document YAML', async () => {
    const r = await runCli(['build', 'examples/bookinfo', '--env', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(#[^\n]*\n)+apiVersion: /);
    expect(r.stdout).toContain('kind: VirtualService');
    expect((await runCli(['build', 'examples/bookinfo', '--env', 'nope'])).code).toBe(2);
  });

  it('prints the matrix and the schemas', async () => {
    expect((await runCli(['matrix'])).stdout).toMatch(/Weighted traffic split\s+exact/);
    expect((await runCli(['matrix', '--format', 'markdown'])).stdout).toMatch(/^\| Feature \| Spec field \|/);
    const schemas = JSON.parse((await runCli(['schema'])).stdout);
    expect(Object.keys(schemas)).toEqual(['Project', 'Service', 'Environment', 'Policy']);
  });
});

describe('the installed binary', () => {
  const bin = path.join(repoRoot, 'bin/meshc.js');
  it.runIf(existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs')))(
    'never prints a stack trace for bad input',
    async () => {
      const dir = await specTree({
        'meshc.yaml': 'apiVersion: meshc.dev/v1alpha1\nkind: Project\nmetadata: { name: [ }\n',
      });
      const err = await promisify(execFile)(process.execPath, [bin, 'validate', dir]).catch(
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect((err as { code: number }).code).toBe(1);
      expect((err as { stdout: string }).stdout + (err as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    },
  );
  it.runIf(existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs')))(
    'meshc diff says so when git is missing, in one line',
    async () => {
      // A PATH with no git on it (node is started by its absolute path).
      const empty = await tempDir('meshc-no-git-');
      const err = await promisify(execFile)(
        process.execPath,
        [bin, 'diff', '--base', 'HEAD~1', path.join(repoRoot, 'examples/bookinfo')],
        { env: { ...process.env, PATH: empty } },
      ).catch((e: { code: number; stdout: string; stderr: string }) => e);
      const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
      expect(stderr).toBe(
        'meshc: git is not installed or not on PATH (meshc diff reads revisions with git).\n',
      );
      expect(stdout).toBe('');
      expect(code).toBe(2);
    },
  );
  // bin/meshc.js runs the CLI from its CommonJS bundle (scripts/bundle-cli.mjs), where each module's
  // `import.meta.url` is rewritten: the files it resolves from there (package.json, templates, schemas, the
  // code root of the render cache's fingerprint) must be the ones the ES modules find.
  it.runIf(existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs')))(
    'the bundle renders the example exactly as committed, scaffolds a project that renders, and knows its version',
    async () => {
      const run = (args: string[], cwd = repoRoot) =>
        promisify(execFile)(process.execPath, [bin, ...args], { cwd }).catch(
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
      const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect((await run(['--version'])).stdout).toBe(`meshc ${pkg.version}\n`);

      const check = await run(['render', 'examples/bookinfo', '--check', '--no-cache', '--quiet']);
      expect(check.stdout + check.stderr).toBe('');
      expect((check as { code?: number }).code ?? 0).toBe(0);

      const dir = await tempDir('meshc-bundle-init-');
      expect((await run(['init', dir])).stderr).toBe('');
      const cache = await tempDir('meshc-bundle-cache-');
      const render = await promisify(execFile)(process.execPath, [bin, 'render', dir, '--quiet'], {
        env: { ...process.env, MESHC_CACHE_DIR: cache },
      });
      expect(render.stderr).toBe('');
      expect((await stat(path.join(dir, 'rendered'))).isDirectory()).toBe(true);
      // The render cache's entry, the writer's manifest and V8's code cache of the bundle were kept; a second
      // render finds the tree as it was.
      expect((await readdir(cache)).map((f) => f.replace(/-.*/, '')).sort()).toEqual([
        'code',
        'parse',
        'render',
        'write',
      ]);
      const again = await promisify(execFile)(process.execPath, [bin, 'render', dir], {
        env: { ...process.env, MESHC_CACHE_DIR: cache },
      });
      expect(again.stdout).toMatch(/: 0 written, \d+ unchanged, 0 removed/);
    },
  );
});

describe('the code cache of the installed binary', () => {
  const built = path.join(repoRoot, 'dist/cli/launch.cjs');
  // The seed is made by `npm run build` (scripts/bundle-cli.mjs), best effort: here, that it exists for this
  // build and that V8 takes it in a process with no cache of its own, under the flags bin/meshc.js sets.
  it.runIf(existsSync(built))(
    'the build seeds it, and a process with no cache of its own starts from it',
    async () => {
      expect(existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs.v8'))).toBe(true);
      const cache = await tempDir('meshc-seeded-');
      const script = `
      const { loadCli } = require(${JSON.stringify(built)});
      const b = loadCli(${JSON.stringify(path.join(repoRoot, 'dist'))}, ['render'], { MESHC_CACHE_DIR: ${JSON.stringify(cache)} });
      process.stdout.write(JSON.stringify({ state: b.state, saved: b.save(), main: typeof b.exports.main }));
    `;
      const first = await promisify(execFile)(process.execPath, ['-e', script]);
      expect(JSON.parse(first.stdout)).toEqual({ state: 'seed', saved: true, main: 'function' });
      const second = await promisify(execFile)(process.execPath, ['-e', script]);
      expect(JSON.parse(second.stdout)).toEqual({ state: 'used', saved: false, main: 'function' });
    },
  );
});

describe('migration preview', () => {
  it('validate --mesh lists, at their spec positions, what the other mesh refuses or approximates', async () => {
    const r = await runCli([
      'validate',
      'examples/bookinfo',
      '--env',
      'prod',
      '--mesh',
      'linkerd',
      '--mesh-version',
      '2.20',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    const found = (
      JSON.parse(r.stdout) as { diagnostics: { code: string; file: string; line: number; message: string }[] }
    ).diagnostics;
    const refused = found
      .filter((d) => d.code === 'MESH_UNSUPPORTED_FEATURE')
      .map((d) => `${d.file}:${d.line} ${d.message.replace(/ \(.*$/, '')}`);
    expect(refused).toContain(
      'examples/bookinfo/services/reviews.yaml:61 Linkerd cannot express traffic mirroring',
    );
    expect(refused).toContain(
      'examples/bookinfo/services/ratings.yaml:32 Linkerd cannot express fault injection: delay',
    );
    // Tracing exists from Linkerd 2.19: with --mesh-version 2.20 it carries over.
    expect(refused.some((m) => m.includes('tracing'))).toBe(false);
    expect(found.some((d) => d.code === 'MESH_APPROXIMATE_FEATURE')).toBe(true);
  });

  it('without --mesh-version, checks against the oldest supported version and says so', async () => {
    const r = await runCli(['validate', 'examples/bookinfo', '--env', 'prod', '--mesh', 'linkerd']);
    expect(r.stderr).toMatch(/checking as Linkerd 2\.16/);
    expect(r.stdout).toMatch(/Linkerd cannot express distributed tracing .*needs Linkerd 2\.19 or later/);
  });

  /** A spec whose one environment runs Linkerd `version`, installed from `chart`, and traces (Linkerd 2.19+). */
  const tracingOnLinkerd = (version: string, chart: string) =>
    specTree({
      'meshc.yaml': PROJECT,
      'reviews.yaml': REVIEWS,
      'staging.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Environment
        metadata: { name: staging }
        spec:
          cluster: staging-1
          mesh:
            type: linkerd
            version: "${version}"
            mtls: permissive
            # The collector's identity, which the chart needs from 2.19 (proxy.tracing.collector.meshIdentity).
            install:
              chartVersion: "${chart}"
              values: { proxy: { tracing: { collector: { meshIdentity: { serviceAccountName: otel-collector } } } } }
            trust: { existingSecret: { name: linkerd-identity-issuer } }
            observability:
              tracing: { provider: opentelemetry, endpoint: "otel-collector.observability:4317", sampling: 10 }
          gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      `,
    });

  it('--mesh-version applies to an environment already on that mesh; its chart is still checked against its own version', async () => {
    const dir = await tracingOnLinkerd('2.18', '2025.4.4');
    const own = await runCli(['validate', dir]);
    expect(own.stdout).toMatch(/Linkerd cannot express distributed tracing .*needs Linkerd 2\.19 or later/);
    const r = await runCli(['validate', dir, '--mesh', 'linkerd', '--mesh-version', '2.20']);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/distributed tracing .*needs Linkerd/);
    // The preview changes the mesh, not the chart: 2025.4.4 is the chart of the environment's 2.18.
    expect(r.stdout).not.toMatch(/MESH_CONSTRAINT/);
    expect(r.code).toBe(0);
  });

  it('without --mesh-version, an environment already on that mesh is checked at the version the note names', async () => {
    const dir = await tracingOnLinkerd('2.19', '2025.10.7');
    expect((await runCli(['validate', dir])).code).toBe(0);
    const r = await runCli(['validate', dir, '--mesh', 'linkerd']);
    expect(r.stderr).toMatch(/checking as Linkerd 2\.16/);
    expect(r.stdout).toMatch(/Linkerd cannot express distributed tracing .*needs Linkerd 2\.19 or later/);
    expect(r.code).toBe(1);
  });
});
