/**
 * `meshc diff` on real git repositories (test/helpers/git-repo.ts): the base is read from a commit, the
 * head from another commit or the working tree. Golden output: `MESHC_UPDATE_GOLDEN=1 npx vitest run
 * test/diff-git.test.ts` rewrites fixtures/golden/diff/.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/cli/version.ts';
import { outputRepoPath } from '../src/load/git.ts';
import { runCli } from './helpers/cli.ts';
import { gitRepo, type TestRepo } from './helpers/git-repo.ts';
import { repoRoot } from './helpers/shared.ts';
import { dedent, specTree } from './helpers/spec-tree.ts';
// @ts-expect-error: a plain ES module without types
import { syntheticSpec } from '../scripts/synthetic-spec.mjs';

/** `meshc diff …` in-process. */
const meshcDiff = (cwd: string, argv: string[]) => runCli(['diff', ...argv], { cwd });

const GOLDEN = path.join(repoRoot, 'fixtures/golden/diff');
const UPDATE = process.env.MESHC_UPDATE_GOLDEN === '1';

async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(GOLDEN, name);
  if (UPDATE) {
    await mkdir(GOLDEN, { recursive: true });
    await writeFile(file, actual);
  }
  expect(actual).toBe(await readFile(file, 'utf8'));
}

// ---------------------------------------------------------------------------------------------------
// The fixture: a spec in the `mesh/` subdirectory of the repository, two Istio environments.

const SPEC: Record<string, string> = {
  'mesh/meshc.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Project
    metadata: { name: shop }
    spec:
      include: [services/*.yaml, environments/*.yaml]
      output: rendered
  `,
  'mesh/environments/prod.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh: { type: istio, version: "1.24", mtls: strict, ingress: { className: istio } }
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `,
  'mesh/environments/staging.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: staging }
    spec:
      cluster: staging-1
      mesh: { type: istio, version: "1.24", mtls: permissive, ingress: { className: istio } }
      gitops: { engine: argocd, repo: https://github.com/acme/mesh.git }
  `,
  'mesh/services/reviews.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      versions:
        v1: { labels: { version: v1 } }
        v2: { labels: { version: v2 } }
      routes:
        - name: default
          to: { v1: 90, v2: 10 }
          timeout: 10s
      access:
        - from: [productpage]
          methods: [GET]
    ---
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ratings, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      routes:
        - timeout: 10s
      access:
        - from: [reviews]
  `,
  'mesh/services/front.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: productpage, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      ingress: { hosts: [shop.example.com] }
  `,
  'mesh/services/payments.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: payments, namespace: pay }
    spec:
      ports: [{ name: http, port: 8080 }]
      access:
        - from: [api]
    ---
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: api, namespace: pay }
    spec:
      ports: [{ name: http, port: 8080 }]
    ---
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ledger, namespace: pay }
    spec:
      ports: [{ name: http, port: 8080 }]
  `,
};

async function fixtureRepo(): Promise<TestRepo> {
  const repo = await gitRepo();
  await repo.commit('base spec', SPEC);
  return repo;
}

function edit(file: string, from: string, to: string): Record<string, string> {
  const text = SPEC[file]!;
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  return { [file]: text.replace(from, to) };
}

async function summaryOf(repo: TestRepo, args: string[] = ['mesh', '--base', 'HEAD~1', '--head', 'HEAD']) {
  const r = await meshcDiff(repo.dir, [...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    changed: boolean;
    summary: {
      message: string;
      severity: string;
      location: { side: string; file: string; line: number } | null;
    }[];
    resources: { environment: string; kind: string; name: string; change: string; fields: unknown[] }[];
    environments: { added: string[]; removed: string[]; renamed: { from: string; to: string }[] };
  };
}

describe('meshc diff on git repositories', () => {
  it('a weight change: summary line at the weight, one VirtualService changed per environment', async () => {
    const repo = await fixtureRepo();
    await repo.commit(
      'shift reviews',
      edit('mesh/services/reviews.yaml', '{ v1: 90, v2: 10 }', '{ v1: 75, v2: 25 }'),
    );
    const d = await summaryOf(repo);
    expect(d.summary.map((s) => s.message)).toEqual([
      'prod: reviews: v1 weight 90 → 75',
      'prod: reviews: v2 weight 10 → 25',
      'staging: reviews: v1 weight 90 → 75',
      'staging: reviews: v2 weight 10 → 25',
    ]);
    expect(d.summary[1]!.location).toMatchObject({
      side: 'head',
      file: 'mesh/services/reviews.yaml',
      line: 11,
    });
    expect(d.resources.map((r) => `${r.environment} ${r.change} ${r.kind} ${r.name}`)).toEqual([
      'prod changed VirtualService reviews',
      'staging changed VirtualService reviews',
    ]);
    expect(d.resources[0]!.fields).toEqual([
      { path: 'spec.http[0].route[0].weight', old: 90, new: 75 },
      { path: 'spec.http[0].route[1].weight', old: 10, new: 25 },
    ]);
  });

  it('a service added and a service removed', async () => {
    const repo = await fixtureRepo();
    await repo.commit('orders', {
      'mesh/services/orders.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: orders, namespace: pay }
        spec:
          ports: [{ name: http, port: 8080 }]
          access: [{ from: [api] }]
      `,
    });
    const added = await summaryOf(repo);
    expect(added.summary.map((s) => s.message)).toEqual([
      'prod: orders: service added (callable by api)',
      'staging: orders: service added (callable by api)',
    ]);
    expect(added.resources.every((r) => r.change === 'added' && r.name === 'orders')).toBe(true);
    expect(added.resources.map((r) => r.kind)).toContain('AuthorizationPolicy');

    await repo.commit(
      'no more ratings',
      edit(
        'mesh/services/reviews.yaml',
        SPEC['mesh/services/reviews.yaml']!.slice(SPEC['mesh/services/reviews.yaml']!.indexOf('---')),
        '',
      ),
    );
    const removed = await summaryOf(repo);
    expect(
      removed.summary.map(
        (s) => `${s.message} [${s.severity}, ${s.location?.side} ${s.location?.file}:${s.location?.line}]`,
      ),
    ).toEqual([
      'prod: ratings: service removed [warning, base mesh/services/reviews.yaml:21]',
      'staging: ratings: service removed [warning, base mesh/services/reviews.yaml:21]',
    ]);
    expect(new Set(removed.resources.map((r) => r.change))).toEqual(new Set(['removed']));
  });

  it('an access rule: every caller → callee edge it opens', async () => {
    const repo = await fixtureRepo();
    await repo.commit(
      'ledger may call payments',
      edit('mesh/services/payments.yaml', '    - from: [api]\n', '    - from: [api]\n    - from: [ledger]\n'),
    );
    const d = await summaryOf(repo);
    expect(d.summary.map((s) => s.message)).toEqual([
      'prod: payments: now callable by ledger (new access rule)',
      'staging: payments: now callable by ledger (new access rule)',
    ]);
    expect(d.summary[0]!.location).toMatchObject({ file: 'mesh/services/payments.yaml', line: 8 });
    expect(d.resources.map((r) => `${r.environment} ${r.kind} ${r.name}`)).toEqual([
      'prod AuthorizationPolicy payments',
      'staging AuthorizationPolicy payments',
    ]);
  });

  it('formatting, key order, document order and file layout only: no difference (exit 0 with --exit-code)', async () => {
    const repo = await fixtureRepo();
    const [reviews, ratings] = SPEC['mesh/services/reviews.yaml']!.split('---\n') as [string, string];
    await repo.commit('reformat', {
      'mesh/services/reviews.yaml': null,
      // block style, keys reordered, comments, the two documents in swapped files
      'mesh/services/a-ratings.yaml': `# ratings\n${ratings.replace('ports: [{ name: http, port: 9080 }]', 'ports:\n    - port: 9080   # the only port\n      name: http')}`,
      'mesh/services/z-reviews.yaml': reviews
        .replace('{ v1: 90, v2: 10 }', '\n            v2: 10\n            v1: 90')
        .replace(
          'versions:\n  v1: { labels: { version: v1 } }\n  v2: { labels: { version: v2 } }',
          'versions:\n  v2: { labels: { version: \'v2\' } }\n  v1: { labels: { version: "v1" } }',
        ),
      'mesh/services/payments.yaml': SPEC['mesh/services/payments.yaml']!.split('---\n')
        .reverse()
        .join('---\n'),
      'mesh/environments/prod.yaml': SPEC['mesh/environments/prod.yaml']!.replace(
        'mesh: { type: istio, version: "1.24", mtls: strict, ingress: { className: istio } }',
        "mesh:\n    ingress:\n      className: istio\n    mtls: strict\n    version: '1.24'\n    type: istio",
      ),
    });
    const r = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1', '--exit-code']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('No differences.');
    expect(r.code).toBe(0);
  });

  it('an environment renamed: detected, and its resources compared across the rename', async () => {
    const repo = await fixtureRepo();
    await repo.commit('staging is now stage', {
      'mesh/environments/staging.yaml': null,
      'mesh/environments/stage.yaml': SPEC['mesh/environments/staging.yaml']!.replace(
        'name: staging',
        'name: stage',
      ),
    });
    const d = await summaryOf(repo);
    expect(d.summary.map((s) => s.message)).toEqual(['stage: environment renamed from staging']);
    expect(d.environments).toEqual({ added: [], removed: [], renamed: [{ from: 'staging', to: 'stage' }] });
    // Only the Argo CD Applications carry the environment name.
    expect(new Set(d.resources.map((r) => `${r.environment} ${r.kind}`))).toEqual(
      new Set(['stage Application']),
    );
  });

  it('golden markdown and JSON: weight, timeout, access and mTLS in one change', async () => {
    const repo = await fixtureRepo();
    await repo.commit('a mixed change', {
      ...edit(
        'mesh/services/payments.yaml',
        '    - from: [api]\n',
        '    - from: [api]\n    - from: [ledger]\n',
      ),
      'mesh/services/reviews.yaml': SPEC['mesh/services/reviews.yaml']!.replace(
        '{ v1: 90, v2: 10 }',
        '{ v1: 75, v2: 25 }',
      )
        .replace('  - timeout: 10s', '  - timeout: 5s')
        .replace(
          'ports: [{ name: http, port: 9080 }]\n  versions',
          'ports: [{ name: http, port: 9080 }]\n  mtls: permissive\n  versions',
        ),
    });
    const md = await meshcDiff(repo.dir, [
      'mesh',
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'markdown',
    ]);
    expect(md.code).toBe(0);
    for (const line of [
      'prod: reviews: v2 weight 10 → 25',
      'prod: ratings: timeout 10s → 5s',
      'staging: payments: now callable by ledger (new access rule)',
      'prod: mTLS strict → permissive for reviews',
    ])
      expect(md.stdout).toContain(`- ${line.includes('mTLS') ? '⚠️ ' : ''}${line}`);
    await golden('mixed.md', md.stdout.replace(`meshc ${VERSION}`, 'meshc <version>'));
    const json = await meshcDiff(repo.dir, [
      'mesh',
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'json',
    ]);
    await golden('mixed.json', json.stdout);
    const gh = await meshcDiff(repo.dir, [
      'mesh',
      '--base',
      'HEAD~1',
      '--head',
      'HEAD',
      '--format',
      'github',
    ]);
    await golden('mixed.github.txt', gh.stdout);
  });

  it('reads the base without touching the working tree, the index or the refs, and leaves no temp dir', async () => {
    const repo = await fixtureRepo();
    await repo.commit('second', edit('mesh/services/reviews.yaml', 'timeout: 10s', 'timeout: 3s'));
    await repo.write(edit('mesh/services/payments.yaml', 'port: 8080', 'port: 8081'));
    await repo.git('add', 'mesh/services/payments.yaml');
    const before = [
      await repo.git('status', '--porcelain'),
      await repo.git('rev-parse', 'HEAD'),
      await repo.git('stash', 'list'),
    ];
    // A private temporary directory: other test files render and diff in parallel processes, and their
    // own meshc-rev-* directories in the shared one would make the count below flaky.
    const privateTmp = await mkdtemp(path.join(os.tmpdir(), 'meshc-difftest-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    const temps = async () => (await readdir(privateTmp)).filter((n) => n.startsWith('meshc-rev-')).length;
    const t0 = await temps();
    let r: Awaited<ReturnType<typeof meshcDiff>>;
    try {
      expect(os.tmpdir()).toBe(privateTmp);
      r = await meshcDiff(path.join(repo.dir, 'mesh'), ['--base', 'HEAD~1']);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prod: reviews: timeout 10s → 3s');
    expect(r.stdout).toContain('prod: payments: port http 8080/http → 8081/http');
    expect([
      await repo.git('status', '--porcelain'),
      await repo.git('rev-parse', 'HEAD'),
      await repo.git('stash', 'list'),
    ]).toEqual(before);
    expect(await temps()).toBe(t0);
    await rm(privateTmp, { recursive: true, force: true });
  });

  it('a spec the base does not have yet: every environment is added', async () => {
    const repo = await gitRepo();
    await repo.commit('empty', { 'README.md': '# shop\n' });
    await repo.commit('add the mesh spec', SPEC);
    const r = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1', '--format', 'json']);
    expect(r.stderr).toMatch(/mesh has no spec at HEAD~1; it is compared as an empty spec/);
    const d = JSON.parse(r.stdout);
    expect(d.environments.added).toEqual(['prod', 'staging']);
    expect(d.summary.map((s: { message: string }) => s.message)).toEqual([
      'prod: environment added (istio 1.24 on cluster prod-1, 6 services)',
      'staging: environment added (istio 1.24 on cluster staging-1, 6 services)',
    ]);
    expect(d.resources.every((x: { change: string }) => x.change === 'added')).toBe(true);
  });

  it('in a shallow clone, an unknown revision says how to fetch it: the history for HEAD~1, the ref for a name', async () => {
    const repo = await fixtureRepo();
    await repo.commit(
      'weights',
      edit('mesh/services/reviews.yaml', 'to: { v1: 90, v2: 10 }', 'to: { v1: 80, v2: 20 }'),
    );
    // What CI checks out by default: the last commit only.
    const parent = await mkdtemp(path.join(os.tmpdir(), 'meshc-shallow-'));
    const clone = path.join(parent, 'clone');
    await repo.git('clone', '-q', '--depth', '1', `file://${repo.dir}`, clone);
    try {
      const back = await meshcDiff(clone, ['mesh', '--base', 'HEAD~1']);
      expect(back.code).toBe(2);
      expect(back.stderr).toMatch(
        /^meshc: unknown git revision "HEAD~1" in .*This clone is shallow and does not hold that history: fetch it first \(`git fetch --unshallow`\), or check out with `fetch-depth: 0`\.\n$/,
      );
      const named = await meshcDiff(clone, ['mesh', '--base', 'origin/release']);
      expect(named.code).toBe(2);
      expect(named.stderr).toMatch(
        /This clone is shallow: fetch the revision first \(for example `git fetch --depth=1 origin release`\)/,
      );
      // The hint works: after the fetch it names, the diff runs.
      await execa('git', ['fetch', '-q', '--unshallow'], { cwd: clone });
      expect((await meshcDiff(clone, ['mesh', '--base', 'HEAD~1', '--format', 'json'])).code).toBe(0);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
    // Not shallow: the other hint.
    expect((await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~9'])).stderr).toMatch(
      /Check the branch or commit name/,
    );
  });

  it('usage errors exit 2 with a clean message; a spec that does not compile exits 1', async () => {
    const repo = await fixtureRepo();
    const unknown = await meshcDiff(repo.dir, ['mesh', '--base', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^meshc: unknown git revision "no-such-branch"/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expect((await meshcDiff(repo.dir, ['mesh'])).code).toBe(2);
    expect((await meshcDiff(repo.dir, ['mesh', '--base', '--oops'])).code).toBe(2);
    expect((await meshcDiff(repo.dir, ['nowhere', '--base', 'HEAD'])).stderr).toMatch(/holds no meshc.yaml/);
    const outside = await specTree({ 'meshc.yaml': SPEC['mesh/meshc.yaml']! });
    const notRepo = await meshcDiff(outside, ['.', '--base', 'HEAD']);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/is not inside a git repository/);

    await repo.write(edit('mesh/services/reviews.yaml', 'to: { v1: 90, v2: 10 }', 'to: { v1: 90, v9: 10 }'));
    const bad = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/the spec at the working tree does not compile/);
    expect(bad.stderr).toMatch(/mesh\/services\/reviews\.yaml:\d+:\d+: error VERSION_UNKNOWN/);
  });

  it('honours the 65,536-character comment budget on a change touching 2,000 services', async () => {
    const repo = await gitRepo();
    const files = syntheticSpec({ services: 2000, environments: 1 }) as Record<string, string>;
    await repo.commit('2000 services', files);
    const changed = Object.fromEntries(
      Object.entries(files)
        .filter(([p]) => p.startsWith('services/'))
        .map(([p, text]) => [
          p,
          text
            .replace(/timeout: 5s/g, 'timeout: 4s')
            .replace(/v2: (\d+) \}/g, (_m, w) => `v2: ${Number(w) + 1} }`)
            .replace(/v1: (\d+),/g, (_m, w) => `v1: ${Number(w) - 1},`),
        ]),
    );
    await repo.commit('every service', changed);
    const md = await meshcDiff(repo.dir, ['.', '--base', 'HEAD~1', '--format', 'markdown', '--exit-code']);
    expect(md.code).toBe(1);
    expect(md.stdout.length).toBeLessThanOrEqual(65_536);
    expect(Buffer.byteLength(md.stdout)).toBeLessThanOrEqual(65_536);
    expect(md.stdout.startsWith('<!-- meshc-diff -->\n')).toBe(true);
    expect(md.stdout).toMatch(/… and [\d,]+ more changes/);
    expect(md.stdout).toMatch(/more resources? not shown|cut to fit/);
    expect(md.stdout.split('<details>').length).toBe(md.stdout.split('</details>').length);
    expect((md.stdout.match(/^```diff$/gm) ?? []).length).toBe((md.stdout.match(/^```$/gm) ?? []).length);

    const gh = await meshcDiff(repo.dir, ['.', '--base', 'HEAD~1', '--format', 'github']);
    const notices = gh.stdout.split('\n').filter((l) => l.startsWith('::notice'));
    expect(notices.length).toBe(10);
  });

  it('the demo: bookinfo, a weight and an access rule changed, then an unchanged tree', async () => {
    const repo = await gitRepo();
    await cp(path.join(repoRoot, 'examples/bookinfo'), path.join(repo.dir, 'bookinfo'), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}rendered`),
    });
    await repo.commit('bookinfo');
    const reviews = path.join(repo.dir, 'bookinfo/services/reviews.yaml');
    const details = path.join(repo.dir, 'bookinfo/services/details.yaml');
    await writeFile(
      reviews,
      (await readFile(reviews, 'utf8')).replace('to: { v1: 90, v2: 10 }', 'to: { v1: 75, v2: 25 }'),
    );
    await writeFile(
      details,
      (await readFile(details, 'utf8')).replace('- from: [productpage]', '- from: [productpage, reviews]'),
    );
    await repo.commit('shift reviews, let reviews call details');
    const r = await meshcDiff(repo.dir, ['bookinfo', '--base', 'HEAD~1', '--exit-code']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('prod: reviews: v2 weight 10 → 25');
    expect(r.stdout).toContain(
      'prod: details: now callable by reviews for GET on /details/* (access rule changed)',
    );
    expect(r.stdout).toContain('staging: details: now callable by reviews');
    expect(r.stdout).toContain('~ prod: networking.istio.io/v1 VirtualService bookinfo/reviews');
    const same = await meshcDiff(repo.dir, ['bookinfo', '--base', 'HEAD', '--exit-code']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No differences.');
  });
});

// ---------------------------------------------------------------------------------------------------
// Hardening (issue 10, section 5)

/** The `path:` values of added objects (Flux Kustomization `spec.path`, Argo CD `spec.source.path`). */
function addedPaths(resources: { kind: string; change: string; diff?: string }[]): string[] {
  return resources
    .filter((r) => r.change === 'added' && (r.kind === 'Kustomization' || r.kind === 'Application'))
    .flatMap((r) => [...(r.diff ?? '').matchAll(/^\+\s+path: (\S+)$/gm)].map((m) => m[1]!));
}

describe('meshc diff: hardening', () => {
  it('GitOps paths follow where the output lies in the repository, the same rule on both sides', async () => {
    expect(outputRepoPath('mesh/', 'rendered')).toBe('mesh/rendered');
    expect(outputRepoPath('', './out/')).toBe('out');
    expect(outputRepoPath('a/b/', '../deploy')).toBe('a/deploy');
    expect(outputRepoPath('mesh/', '../../elsewhere')).toBeUndefined();
    expect(outputRepoPath('mesh/', '/abs')).toBeUndefined();

    // The spec lives in mesh/ of the repository; the base has none yet: every object is added.
    const repo = await gitRepo();
    await repo.commit('empty', { 'README.md': '# shop\n' });
    await repo.commit('add the mesh spec', SPEC);
    const r = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1', '--format', 'json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { resources: { kind: string; change: string; diff: string }[] };
    const paths = addedPaths(d.resources);
    expect(paths.length).toBeGreaterThan(4);
    for (const p of paths)
      expect(p.replace(/^\.\//, '')).toMatch(/^mesh\/rendered\/overlays\/(prod|staging)\//);

    // Every path resolves, from the repository root, to a directory render writes.
    const rendered = await runCli(['render', 'mesh'], { cwd: repo.dir });
    expect(rendered.code).toBe(0);
    for (const p of new Set(paths)) expect((await stat(path.join(repo.dir, p))).isDirectory()).toBe(true);

    // Base from git, head from the working tree (the render written above is outside the spec globs):
    // the same rule on both sides, so no spurious path change.
    const same = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD', '--exit-code']);
    expect(same.stdout).toContain('No differences.');
    expect(same.code).toBe(0);
    // Moving the output moves every path, on the head side only.
    await repo.write(edit('mesh/meshc.yaml', 'output: rendered', 'output: deploy/shop'));
    const moved = await summaryOf(repo, ['mesh', '--base', 'HEAD']);
    expect(moved.summary.map((l) => l.message)).toContain(
      'prod: GitOps path mesh/rendered → mesh/deploy/shop',
    );
  });

  it('a base that does not compile: the head render, the spec files diff and the base errors, exit 0', async () => {
    const repo = await fixtureRepo();
    const broken = edit('mesh/services/reviews.yaml', 'to: { v1: 90, v2: 10 }', 'to: { v1: 90, v9: 10 }');
    await repo.commit('break main', broken);
    await repo.commit(
      'fix main',
      edit('mesh/services/reviews.yaml', 'to: { v1: 90, v2: 10 }', 'to: { v1: 80, v2: 20 }'),
    );
    const args = ['mesh', '--base', 'HEAD~1', '--head', 'HEAD'];

    const text = await meshcDiff(repo.dir, args);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^meshc: note: the spec at HEAD~1 does not compile \(1 error\)/);
    expect(text.stdout).toContain('Note: The base HEAD~1 (');
    expect(text.stdout).toMatch(/VERSION_UNKNOWN .* \(base: mesh\/services\/reviews\.yaml:11:\d+\)/);
    expect(text.stdout).toContain('Spec files (1 file changed):');
    expect(text.stdout).toContain('~ mesh/services/reviews.yaml');
    expect(text.stdout).toContain('-      to: { v1: 90, v9: 10 }');
    expect(text.stdout).toContain('+      to: { v1: 80, v2: 20 }');
    expect(text.stdout).toContain('+ prod: networking.istio.io/v1 VirtualService shop/reviews');
    expect(text.stdout).not.toContain('environment added');
    // It is a difference (--exit-code), not a failure.
    expect((await meshcDiff(repo.dir, [...args, '--exit-code'])).code).toBe(1);

    const json = await meshcDiff(repo.dir, [...args, '--format', 'json']);
    expect(json.code).toBe(0);
    const d = JSON.parse(json.stdout);
    expect(d.changed).toBe(true);
    expect(d.summary).toEqual([]);
    expect(d.baseInvalid.errors).toEqual([
      expect.objectContaining({
        code: 'VERSION_UNKNOWN',
        location: expect.objectContaining({ side: 'base', file: 'mesh/services/reviews.yaml', line: 11 }),
      }),
    ]);
    expect(d.baseInvalid.specFiles).toEqual([
      expect.objectContaining({
        path: 'mesh/services/reviews.yaml',
        change: 'changed',
        added: 1,
        removed: 1,
      }),
    ]);
    expect(d.resources.length).toBeGreaterThan(10);
    expect(d.resources.every((x: { change: string }) => x.change === 'added')).toBe(true);

    const md = await meshcDiff(repo.dir, [...args, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('### The base does not compile');
    expect(md.stdout).toContain('> [!NOTE]');
    expect(md.stdout).toMatch(/- VERSION\\_UNKNOWN .* \(base: mesh\/services\/reviews\.yaml:11:\d+\)/);
    expect(md.stdout).toContain('#### Spec files');
    expect(md.stdout).toContain('<code>mesh/services/reviews.yaml</code>');
    expect(md.stdout.split('<details>').length).toBe(md.stdout.split('</details>').length);

    const gh = await meshcDiff(repo.dir, [...args, '--format', 'github']);
    expect(gh.code).toBe(0);
    const notice = gh.stdout.split('\n')[0]!;
    expect(notice).toMatch(/^::notice title=meshc diff%3A the base does not compile::The base HEAD~1/);
    expect(notice).toContain('VERSION_UNKNOWN');
    expect(notice).toContain('Spec files changed: mesh/services/reviews.yaml.');
    expect(gh.stdout).not.toMatch(/^::(warning|error)/m);

    // The head not compiling still fails, with the head's errors (and a note about the base).
    await repo.write(broken);
    const bad = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/the spec at the working tree does not compile/);
    expect(bad.stderr).toMatch(/mesh\/services\/reviews\.yaml:\d+:\d+: error VERSION_UNKNOWN/);
    expect(bad.stderr).toMatch(/note: the spec at HEAD~1 does not compile either/);
  });

  it('a base broken only in an environment file: compared without it, the other environments as usual', async () => {
    const repo = await fixtureRepo();
    await repo.commit('break staging', edit('mesh/environments/staging.yaml', 'cluster:', 'clustr:'));
    await repo.commit('fix staging, change a weight', {
      ...SPEC,
      ...edit('mesh/services/reviews.yaml', 'to: { v1: 90, v2: 10 }', 'to: { v1: 80, v2: 20 }'),
    });
    const args = ['mesh', '--base', 'HEAD~1', '--head', 'HEAD'];

    const text = await meshcDiff(repo.dir, args);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /^meshc: note: the spec at HEAD~1 does not compile \(2 errors\), only because of mesh\/environments\/staging\.yaml; it is compared without that file/,
    );
    expect(text.stdout).toContain('only because of the environment file mesh/environments/staging.yaml');
    expect(text.stdout).toMatch(
      /SCHEMA_UNKNOWN_FIELD .* \(base: mesh\/environments\/staging\.yaml:\d+:\d+\)/,
    );
    expect(text.stdout).toContain('Spec files left out of the base (1 file changed):');
    expect(text.stdout).toContain('-  clustr: staging-1');
    // The weight is compared model to model in prod; staging is new; reviews.yaml's own diff is not
    // listed (it is compared through the models, as in any diff).
    expect(text.stdout).toMatch(/prod: reviews: .*90.*80/);
    expect(text.stdout).toContain('staging: environment added');
    expect(text.stdout).toContain('~ prod: networking.istio.io/v1 VirtualService shop/reviews');
    expect(text.stdout).not.toContain('+ prod: ');
    expect(text.stdout).toContain('+ staging: networking.istio.io/v1 VirtualService shop/reviews');
    expect(text.stdout).not.toContain('~ mesh/services/reviews.yaml');
    expect(text.stdout).toMatch(
      /changes; base compared without 1 file; resources: 1 changed, \d+ added, 0 removed/,
    );

    const d = JSON.parse((await meshcDiff(repo.dir, [...args, '--format', 'json'])).stdout);
    expect(d.baseInvalid.leftOut).toEqual(['mesh/environments/staging.yaml']);
    expect(d.baseInvalid.specFiles.map((f: { path: string }) => f.path)).toEqual([
      'mesh/environments/staging.yaml',
    ]);
    expect(d.environments.added).toEqual(['staging']);
    const changes = (env: string, change: string) =>
      d.resources.filter(
        (r: { environment: string; change: string }) => r.environment === env && r.change === change,
      ).length;
    expect(changes('prod', 'changed')).toBe(1);
    expect(changes('prod', 'added') + changes('prod', 'removed')).toBe(0);
    expect(changes('staging', 'added')).toBeGreaterThan(5);

    const md = (await meshcDiff(repo.dir, [...args, '--format', 'markdown'])).stdout;
    expect(md).toContain('### The base does not compile');
    expect(md).toMatch(/^### Summary: \d+ changes/m);
    expect(md).toContain('### Spec files left out of the base: 1 changed');
    const gh = (await meshcDiff(repo.dir, [...args, '--format', 'github'])).stdout;
    expect(gh).toContain('Spec files left out of the base that changed: mesh/environments/staging.yaml.');
    expect(gh).toMatch(/^meshc diff: \d+ changes; base compared without 1 file; resources: 1 changed/m);

    // An error in a file that holds a Service too: no part of the base is compared (the whole head shown).
    const mixed = await fixtureRepo();
    const both = `${SPEC['mesh/environments/staging.yaml']!.replace('cluster:', 'clustr:')}---\n${SPEC['mesh/services/front.yaml']}`;
    await mixed.commit('break', { 'mesh/environments/staging.yaml': both, 'mesh/services/front.yaml': '' });
    await mixed.commit('fix', SPEC);
    const whole = JSON.parse((await meshcDiff(mixed.dir, [...args, '--format', 'json'])).stdout);
    expect(whole.baseInvalid.leftOut).toBeNull();
    expect(whole.resources.every((r: { change: string }) => r.change === 'added')).toBe(true);
  });

  it('a base that does not compile because of a secret: the spec-file diff never prints it', async () => {
    const repo = await fixtureRepo();
    const key = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    const leaked = edit(
      'mesh/services/front.yaml',
      '  ingress: { hosts: [shop.example.com] }',
      `  ingress: { hosts: [shop.example.com] }\n  kubernetesService: "-----BEGIN PRIVATE KEY-----\\n${key}\\n-----END PRIVATE KEY-----"`,
    );
    await repo.commit('leak', leaked);
    await repo.commit('remove the key', { 'mesh/services/front.yaml': SPEC['mesh/services/front.yaml']! });
    for (const format of ['text', 'markdown', 'json', 'github']) {
      const r = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1', '--head', 'HEAD', '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/SECRET\\?_IN\\?_SPEC/);
      expect(r.stdout + r.stderr).not.toContain(key);
      expect(r.stdout + r.stderr).not.toContain('BEGIN PRIVATE KEY');
      if (format !== 'github') expect(r.stdout).toMatch(/-\s*kubernetesService: <redacted>/);
      // Another finding at the same value (the schema's, which quotes it) is listed without its message.
      if (format === 'text')
        expect(r.stdout).toMatch(
          / {2}SCHEMA_\w+ A finding at a value that looks like a secret \(its message is withheld\)/,
        );
    }
  });

  it('a base file its loader could not read (not UTF-8) is changed or removed with the loader diagnostic, never added', async () => {
    const repo = await fixtureRepo();
    const orders = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: orders, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080 }]
        ingress: { hosts: [café.example.com] }
    `;
    // Latin-1 bytes: the loader refuses the file (FILE_UNREADABLE), so the base's files do not hold it.
    await writeFile(path.join(repo.dir, 'mesh/services/orders.yaml'), Buffer.from(orders, 'latin1'));
    await repo.commit('orders.yaml in Latin-1');
    await repo.commit('orders.yaml in UTF-8', {
      'mesh/services/orders.yaml': orders.replace('café', 'cafe'),
    });
    await repo.commit('orders.yaml removed', { 'mesh/services/orders.yaml': null });
    const reason = 'FILE_UNREADABLE services/orders.yaml could not be read as UTF-8 text.';

    // Changed: the base has the file, unreadable; the head's is readable.
    const fixed = ['mesh', '--base', 'HEAD~2', '--head', 'HEAD~1'];
    const text = await meshcDiff(repo.dir, fixed);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  ${reason} (base: mesh/services/orders.yaml:1:1)`);
    expect(text.stdout).toContain('Spec files (1 file changed):');
    expect(text.stdout).not.toContain('+ mesh/services/orders.yaml');
    expect(text.stdout).toContain(
      `~ mesh/services/orders.yaml\n  The base has this file, but it could not be read (${reason}): there is no base text to compare with the head.`,
    );
    const json = JSON.parse((await meshcDiff(repo.dir, [...fixed, '--format', 'json'])).stdout);
    expect(json.baseInvalid.specFiles).toEqual([
      {
        path: 'mesh/services/orders.yaml',
        change: 'changed',
        diff: '',
        added: 0,
        removed: 0,
        baseUnread: {
          code: 'FILE_UNREADABLE',
          message: 'services/orders.yaml could not be read as UTF-8 text.',
          project: false,
        },
      },
    ]);
    const md = (await meshcDiff(repo.dir, [...fixed, '--format', 'markdown'])).stdout;
    expect(md).toContain(
      "<summary>~ <code>mesh/services/orders.yaml</code> <sub>changed, the base's version unreadable</sub></summary>",
    );
    expect(md).toContain('The base has this file, but it could not be read (FILE\\_UNREADABLE');
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    const gh = (await meshcDiff(repo.dir, [...fixed, '--format', 'github'])).stdout;
    expect(gh).toContain(
      "Spec files changed: mesh/services/orders.yaml (the base's version could not be read).",
    );

    // Removed: the base's unreadable file is gone from the head, which was not listed at all.
    const removed = ['mesh', '--base', 'HEAD~2', '--head', 'HEAD'];
    const gone = await meshcDiff(repo.dir, removed);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain(
      `- mesh/services/orders.yaml\n  The base has this file, but it could not be read (${reason}): there is no base text to compare; the head no longer has the file.`,
    );
    const goneJson = JSON.parse((await meshcDiff(repo.dir, [...removed, '--format', 'json'])).stdout);
    expect(goneJson.baseInvalid.specFiles).toEqual([
      expect.objectContaining({ path: 'mesh/services/orders.yaml', change: 'removed', diff: '' }),
    ]);

    // The base's meshc.yaml unreadable: its globs are unknown, so no other file is said to be added.
    const project = await fixtureRepo();
    await writeFile(
      path.join(project.dir, 'mesh/meshc.yaml'),
      Buffer.from(`${SPEC['mesh/meshc.yaml']!}# caf\xe9\n`, 'latin1'),
    );
    await project.commit('meshc.yaml in Latin-1');
    await project.commit('meshc.yaml in UTF-8', { 'mesh/meshc.yaml': SPEC['mesh/meshc.yaml']! });
    const args = ['mesh', '--base', 'HEAD~1', '--head', 'HEAD'];
    const whole = await meshcDiff(project.dir, args);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toContain('Spec files (1 file changed):');
    expect(whole.stdout).toContain(
      "~ mesh/meshc.yaml\n  The base's meshc.yaml could not be read (FILE_UNREADABLE meshc.yaml could not be read as UTF-8 text.), so which spec files the base holds is unknown: no other spec file is compared.",
    );
    expect(whole.stdout).not.toMatch(/^\+ mesh\//m);
    const wholeJson = JSON.parse((await meshcDiff(project.dir, [...args, '--format', 'json'])).stdout);
    expect(wholeJson.baseInvalid.specFiles).toEqual([
      expect.objectContaining({
        path: 'mesh/meshc.yaml',
        change: 'changed',
        baseUnread: expect.objectContaining({ code: 'FILE_UNREADABLE', project: true }),
      }),
    ]);
  });

  it('widening access to anyone is a warning in every format; --warnings-as-errors and --quiet', async () => {
    const repo = await fixtureRepo();
    await repo.commit(
      'anyone may read reviews',
      edit('mesh/services/reviews.yaml', '- from: [productpage]', "- from: [productpage, '*']"),
    );
    const args = ['mesh', '--base', 'HEAD~1', '--head', 'HEAD'];
    const d = await summaryOf(repo);
    expect(d.summary.map((l) => `${l.severity}: ${l.message}`)).toEqual([
      'warning: prod: reviews: now callable by anyone for GET (any path) (access rule changed)',
      'warning: staging: reviews: now callable by anyone for GET (any path) (access rule changed)',
    ]);
    const gh = await meshcDiff(repo.dir, [...args, '--format', 'github']);
    expect(gh.stdout).toMatch(
      /^::warning file=mesh\/services\/reviews\.yaml,line=14,col=27,.*::prod: reviews: now callable by anyone/m,
    );
    const md = await meshcDiff(repo.dir, [...args, '--format', 'markdown']);
    expect(md.stdout).toContain('- ⚠️ prod: reviews: now callable by anyone for GET (any path)');
    const text = await meshcDiff(repo.dir, args);
    expect(text.stdout).toContain('! prod: reviews: now callable by anyone');

    // A difference alone never fails; a warning does with --warnings-as-errors.
    expect(text.code).toBe(0);
    const strict = await meshcDiff(repo.dir, [...args, '--warnings-as-errors']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('! prod: reviews: now callable by anyone');
    // --quiet: errors only; the warnings made errors are printed on stderr.
    const quiet = await meshcDiff(repo.dir, [...args, '--quiet', '--warnings-as-errors']);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr.trim().split('\n')).toEqual([
      'meshc: error (warning, --warnings-as-errors): prod: reviews: now callable by anyone for GET (any path) (access rule changed)',
      'meshc: error (warning, --warnings-as-errors): staging: reviews: now callable by anyone for GET (any path) (access rule changed)',
    ]);
    const quietOnly = await meshcDiff(repo.dir, [...args, '--quiet', '--exit-code']);
    expect(quietOnly).toEqual({ code: 1, stdout: '', stderr: '' });
    // `-q`, as for every command that prints findings (README).
    expect(await meshcDiff(repo.dir, [...args, '-q', '--exit-code'])).toEqual(quietOnly);

    // Notices only: --warnings-as-errors passes.
    await repo.commit(
      'shift',
      edit('mesh/services/reviews.yaml', '{ v1: 90, v2: 10 }', '{ v1: 80, v2: 20 }'),
    );
    const notices = await meshcDiff(repo.dir, [
      'mesh',
      '--base',
      'HEAD~1',
      '--warnings-as-errors',
      '--quiet',
    ]);
    expect(notices).toEqual({ code: 0, stdout: '', stderr: '' });
    // --quiet drops the note about a side without a spec.
    const fresh = await gitRepo();
    await fresh.commit('empty', { 'README.md': '# shop\n' });
    await fresh.commit('add the mesh spec', SPEC);
    expect((await meshcDiff(fresh.dir, ['mesh', '--base', 'HEAD~1', '--quiet'])).stderr).toBe('');
  });

  it('--env restricts the diff to environments; an unknown name lists them', async () => {
    const repo = await fixtureRepo();
    await repo.commit(
      'shift',
      edit('mesh/services/reviews.yaml', '{ v1: 90, v2: 10 }', '{ v1: 75, v2: 25 }'),
    );
    const d = await summaryOf(repo, ['mesh', '--base', 'HEAD~1', '--head', 'HEAD', '--env', 'staging']);
    expect(d.summary.map((l) => l.message)).toEqual([
      'staging: reviews: v1 weight 90 → 75',
      'staging: reviews: v2 weight 10 → 25',
    ]);
    expect(d.resources.map((r) => `${r.environment} ${r.kind}`)).toEqual(['staging VirtualService']);
    const unknown = await meshcDiff(repo.dir, ['mesh', '--base', 'HEAD~1', '--env', 'prd']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^meshc: no environment named "prd" in mesh .*; environments: prod, staging\. Did you mean "prod"\?\n$/,
    );

    // A renamed environment answers to either name; one only on the base side is known too.
    await repo.commit('staging is now stage', {
      'mesh/environments/staging.yaml': null,
      'mesh/environments/stage.yaml': SPEC['mesh/environments/staging.yaml']!.replace(
        'name: staging',
        'name: stage',
      ),
    });
    for (const name of ['staging', 'stage']) {
      const r = await summaryOf(repo, ['mesh', '--base', 'HEAD~1', '--head', 'HEAD', '--env', name]);
      expect(r.summary.map((l) => l.message)).toEqual(['stage: environment renamed from staging']);
    }
    const prod = await summaryOf(repo, ['mesh', '--base', 'HEAD~1', '--head', 'HEAD', '--env', 'prod']);
    expect(prod).toMatchObject({ changed: false, summary: [], resources: [] });
  });
});
