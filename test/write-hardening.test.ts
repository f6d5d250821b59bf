/**
 * Issue 10, the writer: hidden staging directories that spec globs never read, leftovers of killed runs
 * cleaned up (both namings), a lock against concurrent renders, foreign files never read whole, and the
 * removal units. Kill and concurrency tests run the built CLI (`bin/meshc.js`, needs `npm run build`) in
 * child processes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OWNED_HEADER, type OutputFile } from '../src/core/output.ts';
import { STALE_LOCK_MS, acquireLock, lockPath } from '../src/write/lock.ts';
import { findMeshMoves, findRemovals, NO_REMOVALS, removalDiagnostics } from '../src/write/removals.ts';
import { writeTree } from '../src/write/write-tree.ts';
import { runCli } from './helpers/cli.ts';
import { readTree } from './helpers/render.ts';
import { repoRoot } from './helpers/shared.ts';
import { ISTIO_ENV, PROJECT, dedent, specTree, tempDir } from './helpers/spec-tree.ts';

const owned = (p: string, body = `kind: X\nname: ${p}\n`): OutputFile => ({
  path: p,
  content: `${OWNED_HEADER}\n${body}`,
  ownership: 'owned',
});

/** A spec with the default `include: ["**\/*.yaml"]` and enough services for a render of some length. */
function bigSpec(services = 40): Record<string, string> {
  const files: Record<string, string> = { 'meshc.yaml': PROJECT, 'env.yaml': ISTIO_ENV };
  for (let i = 0; i < services; i++)
    files[`services/s${i}.yaml`] = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: s${i}, namespace: ns${i % 4} }
      spec:
        ports: [{ name: http, port: 8080 }]
    `;
  return files;
}

const BIN = path.join(repoRoot, 'bin/meshc.js');
const built = existsSync(path.join(repoRoot, 'dist/cli/meshc.cjs'));

function spawnRender(dir: string): {
  done: Promise<{ code: number | null; signal: string | null; out: string }>;
  kill: () => void;
} {
  const child = spawn(process.execPath, [BIN, 'render', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

describe('staging where globs never look, and leftovers of killed runs', () => {
  it('leftover staging and old trees (old and new naming) are removed by the next run', async () => {
    const parent = await tempDir();
    const out = path.join(parent, 'out');
    await writeTree(out, [owned('a.yaml')], { check: false });
    for (const d of [
      'out.meshc-staging-0a1b',
      '.out.meshc-staging-2c3d',
      '.out.meshc-old-4e5f',
      'out.meshc-old-6a7b',
    ])
      await mkdir(path.join(parent, d));
    const r = await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false });
    expect(r.diagnostics).toEqual([]);
    expect((await readdir(parent)).sort()).toEqual(['out']);
  });

  it('a staging directory left in the spec root is not read as spec input (include **/*.yaml), and is cleaned up', async () => {
    const dir = await specTree(bigSpec(4));
    expect((await runCli(['render', '.'], { cwd: dir })).code).toBe(0);
    // What a killed render leaves: a full copy of the tree, beside the output, under the staging name.
    const tree = await readTree(path.join(dir, 'rendered'));
    for (const [rel, text] of tree) {
      const abs = path.join(dir, '.rendered.meshc-staging-abcdef', ...rel.split('/'));
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, text);
    }
    const v = await runCli(['validate', '.'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(await runCli(['render', '.'], { cwd: dir })).toMatchObject({ code: 0 });
    expect((await readdir(dir)).filter((n) => n.includes('meshc-'))).toEqual([]);
  });

  it('a staging tree that an older meshc left visibly beside the output is neither read as spec input nor kept', async () => {
    const dir = await specTree(bigSpec(4));
    expect((await runCli(['render', '.'], { cwd: dir })).code).toBe(0);
    const tree = await readTree(path.join(dir, 'rendered'));
    for (const name of ['rendered.meshc-staging-0a1b2c', 'rendered.meshc-old-3d4e5f'])
      for (const [rel, text] of tree) {
        const abs = path.join(dir, name, ...rel.split('/'));
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, text);
      }
    // Spec-looking files too, so that reading them would be an error (duplicate Services).
    await writeFile(
      path.join(dir, 'rendered.meshc-staging-0a1b2c', 's0.yaml'),
      bigSpec(4)['services/s0.yaml']!,
    );
    expect((await runCli(['validate', '.'], { cwd: dir })).code).toBe(0);
    const r = await runCli(['render', '.'], { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect((await readdir(dir)).filter((n) => n.includes('meshc-'))).toEqual([]);
  });

  it.runIf(built)(
    'render killed (SIGKILL) at many points: the next render succeeds, leaves no staging or lock, and the tree is complete',
    async () => {
      const dir = await specTree(bigSpec());
      const first = await runCli(['render', '.'], { cwd: dir });
      expect(first.code).toBe(0);
      const want = await readTree(path.join(dir, 'rendered'));
      let leftovers = 0;
      // Change every service so each killed run has a full tree to write.
      for (let round = 0; round < 8; round++) {
        const port = 9000 + round;
        for (let i = 0; i < 40; i++)
          await writeFile(
            path.join(dir, `services/s${i}.yaml`),
            bigSpec()[`services/s${i}.yaml`]!.replace('port: 8080', `port: ${port}`),
          );
        const child = spawnRender(dir);
        if (round % 2 === 0) {
          // Even rounds: at staggered moments of the run (before, during or after the write).
          await new Promise((r) => setTimeout(r, 150 * round));
        } else {
          // Odd rounds: as soon as the staging directory exists, so the kill lands mid-write.
          for (let i = 0; i < 300; i++) {
            if ((await readdir(dir)).some((n) => n.includes('.meshc-staging-'))) break;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
        child.kill();
        await child.done;
        const left = (await readdir(dir)).filter((n) => n.includes('.meshc-'));
        if (left.length > 0) leftovers++;
        // Hidden (dot-prefixed), so `**/*.yaml` never reads a half-written tree as spec input.
        for (const n of left) expect(n.startsWith('.'), n).toBe(true);
        expect((await runCli(['validate', '.'], { cwd: dir })).code).toBe(0);
        const again = await runCli(['render', '.'], { cwd: dir });
        expect(again.code, again.stdout + again.stderr).toBe(0);
        const names = await readdir(dir);
        expect(
          names.filter((n) => n.includes('meshc-')),
          `round ${round}`,
        ).toEqual([]);
        const tree = await readTree(path.join(dir, 'rendered'));
        expect([...tree.keys()]).toEqual([...want.keys()]);
        expect([...tree.values()].join('')).toContain(`port: ${port}`);
      }
      // The kills mid-write did leave staging (or a lock) behind, which the next runs cleaned up.
      expect(leftovers).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('killed writes with a manifest (WriteOptions.manifestFile)', () => {
  /** Owned files with content depending on `v` (most change from one version to the next). */
  const version = (v: number, n = 300): OutputFile[] =>
    Array.from({ length: n }, (_, i) =>
      owned(`ns${i % 7}/sub${i % 3}/f${i}.yaml`, `kind: X\nname: f${i}\nv: ${i % 5 === 0 ? 0 : v}\n`),
    );
  const treeOf = async (out: string): Promise<string> =>
    JSON.stringify([...(await readTree(out))].sort(([a], [b]) => (a < b ? -1 : 1)));

  it.runIf(built)(
    'a write killed (SIGKILL) at many points leaves the previous or the new tree, and the manifest never misleads the next run',
    async () => {
      const parent = await tempDir();
      const out = path.join(parent, 'out');
      const manifestFile = path.join(parent, 'cache', 'meshc', 'write-out.json');
      const inputs = [0, 1].map((v) => path.join(parent, `v${v}.json`));
      for (const [v, f] of inputs.entries()) await writeFile(f, JSON.stringify(version(v)));
      // The built writer in a child process, so that it can be killed anywhere.
      const script = [
        `const { writeTree } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/write/write-tree.js')).href)});`,
        `const fs = await import('node:fs');`,
        `const [out, input, manifestFile] = process.argv.slice(1);`,
        `await writeTree(out, JSON.parse(fs.readFileSync(input, 'utf8')), { check: false, manifestFile });`,
      ].join('\n');
      // The two complete trees, written elsewhere.
      const trees: string[] = [];
      for (const v of [0, 1]) {
        const scratch = path.join(await tempDir(), 'out');
        await writeTree(scratch, version(v), { check: false });
        trees.push(await treeOf(scratch));
      }
      await writeTree(out, version(0), { check: false, manifestFile });
      const staging = async () => (await readdir(parent)).some((n) => n.includes('.meshc-staging-'));
      let sawStaging = 0;
      for (let round = 0; round < 12; round++) {
        const v = (round + 1) % 2;
        const child = spawn(
          process.execPath,
          ['--input-type=module', '-e', script, out, inputs[v]!, manifestFile],
          { stdio: 'ignore' },
        );
        const exited = new Promise((r) => child.on('close', r));
        if (round % 3 === 0) {
          // Staggered: before, during or after the write.
          await new Promise((r) => setTimeout(r, 40 * round));
        } else {
          // As soon as the staging tree exists (mid-write), or once it is swapped in (in the wait
          // before the manifest is taken, or while it is written).
          let seen = false;
          for (let i = 0; i < 2000 && !(seen && round % 3 === 1); i++) {
            const now = await staging();
            if (now) seen = true;
            else if (seen) break;
            await new Promise((r) => setTimeout(r, 1));
          }
          if (seen) sawStaging++;
        }
        child.kill('SIGKILL');
        await exited;
        // Never a mix: the previous tree or the new one (or, killed between the two renames, none:
        // the next run puts the previous one back).
        if (existsSync(out)) expect(trees, `round ${round}`).toContain(await treeOf(out));
        // The next run, with the manifest, judges exactly as without, and leaves the new tree.
        const withManifest = await writeTree(out, version(v), { check: true, manifestFile });
        expect(withManifest).toEqual(await writeTree(out, version(v), { check: true }));
        expect((await writeTree(out, version(v), { check: false, manifestFile })).diagnostics).toEqual([]);
        expect((await writeTree(out, version(v), { check: true })).stale).toEqual([]);
        expect(await treeOf(out)).toBe(trees[v]);
        expect((await readdir(parent)).sort()).toEqual(['cache', 'out', 'v0.json', 'v1.json']);
      }
      expect(sawStaging).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('one render at a time per output directory', () => {
  it('a lock held by a live process: OUTPUT_LOCKED, nothing written; a stale lock (dead pid) is taken over', async () => {
    const parent = await tempDir();
    const out = path.join(parent, 'out');
    // The parent of this test process is alive and is not this process.
    await writeFile(lockPath(out), `${process.ppid}\n`);
    const locked = await writeTree(out, [owned('a.yaml')], { check: false });
    expect(locked.diagnostics.map((d) => d.code)).toEqual(['OUTPUT_LOCKED']);
    expect(locked.diagnostics[0]!.message).toContain(`pid ${process.ppid}`);
    expect(existsSync(out)).toBe(false);
    // --check reads only: it does not need the lock.
    expect((await writeTree(out, [owned('a.yaml')], { check: true })).diagnostics).toEqual([]);

    // A pid that has exited: stale.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.on('close', r));
    await writeFile(lockPath(out), `${deadPid}\n`);
    const r = await writeTree(out, [owned('a.yaml')], { check: false });
    expect(r.diagnostics).toEqual([]);
    expect(r.written).toEqual(['a.yaml']);
    expect(existsSync(lockPath(out))).toBe(false);

    // A live pid in a lock older than any render: the pid was reused since; stale too.
    await writeFile(lockPath(out), `${process.ppid}\n`);
    const old = new Date(Date.now() - 2 * STALE_LOCK_MS);
    await utimes(lockPath(out), old, old);
    expect((await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false })).written).toEqual([
      'b.yaml',
    ]);
  });

  // A render killed a moment ago whose parent has not reaped it yet still answers `kill(pid, 0)`. Linux only
  // (it says so in /proc); elsewhere such a lock waits for its hour.
  it.runIf(existsSync('/proc/self/stat'))(
    'a lock held by a process that has exited but is not reaped yet (a zombie) is stale and taken over',
    async () => {
      const out = path.join(await tempDir(), 'out');
      // `sh` starts `sleep 0.5` in the background and becomes `sleep 5`, which never reaps it. (A child that
      // exits before the exec, as `sleep 0` can on a busy machine, is reaped by `sh` itself: no zombie.)
      const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 5'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const zombie = Number.parseInt(
          await new Promise<string>((r) => parent.stdout.once('data', (b: Buffer) => r(b.toString()))),
          10,
        );
        const state = () => {
          const stat = readFileSync(`/proc/${zombie}/stat`, 'latin1');
          return stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
        };
        for (let i = 0; i < 200 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
        expect(state()).toBe('Z');
        expect(() => process.kill(zombie, 0)).not.toThrow();
        await writeFile(lockPath(out), `${zombie}\n`);
        const r = await writeTree(out, [owned('a.yaml')], { check: false });
        expect(r.diagnostics).toEqual([]);
        expect(r.written).toEqual(['a.yaml']);
      } finally {
        parent.kill();
      }
    },
  );

  it('the lock is exclusive within a process too, and released', async () => {
    const out = path.join(await tempDir(), 'out');
    const release = await acquireLock(out);
    expect(typeof release).toBe('function');
    const second = await acquireLock(out);
    expect(typeof second === 'function' ? 'acquired' : second.code).toBe('OUTPUT_LOCKED');
    if (typeof release === 'function') await release();
    expect(existsSync(lockPath(out))).toBe(false);
    const third = await acquireLock(out);
    expect(typeof third).toBe('function');
    if (typeof third === 'function') await third();
  });

  it.runIf(built)(
    'two renders of the same repository at once: each exits 0 or fails cleanly with OUTPUT_LOCKED; never a crash',
    async () => {
      const dir = await specTree(bigSpec());
      expect((await runCli(['render', '.'], { cwd: dir })).code).toBe(0);
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 40; i++)
          await writeFile(
            path.join(dir, `services/s${i}.yaml`),
            bigSpec()[`services/s${i}.yaml`]!.replace('port: 8080', `port: ${7000 + round}`),
          );
        const results = await Promise.all([spawnRender(dir).done, spawnRender(dir).done]);
        for (const r of results) {
          expect(r.code === 0 || (r.code === 1 && /OUTPUT_LOCKED/.test(r.out)), r.out).toBe(true);
          expect(r.out).not.toMatch(/internal error|\n\s+at /);
        }
        expect(results.some((r) => r.code === 0)).toBe(true);
        expect((await readdir(dir)).filter((n) => n.includes('meshc-'))).toEqual([]);
        const check = await runCli(['render', '.', '--check'], { cwd: dir });
        expect(check.code, check.stdout).toBe(0);
      }
    },
    120_000,
  );
});

describe('foreign files are never read whole', () => {
  it('a 3 GB sparse file (not meshc-owned) in the output tree: render and render --check succeed, the file is kept', async () => {
    const dir = await specTree(bigSpec(2));
    expect((await runCli(['render', '.'], { cwd: dir })).code).toBe(0);
    const big = path.join(dir, 'rendered', 'overlays', 'huge.bin');
    const fh = await open(big, 'w');
    await fh.truncate(3 * 1024 ** 3);
    await fh.close();
    const check = await runCli(['render', '.', '--check'], { cwd: dir });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    await writeFile(
      path.join(dir, 'services/s0.yaml'),
      bigSpec(2)['services/s0.yaml']!.replace('8080', '8081'),
    );
    const r = await runCli(['render', '.'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await stat(big)).size).toBe(3 * 1024 ** 3);
  });

  it('an owned file over the size meshc writes is stale by its size, without being read', async () => {
    const out = path.join(await tempDir(), 'out');
    await writeTree(out, [owned('a.yaml')], { check: false });
    const fh = await open(path.join(out, 'a.yaml'), 'r+');
    await fh.truncate(64 * 1024 * 1024);
    await fh.close();
    const r = await writeTree(out, [owned('a.yaml')], { check: true });
    expect(r.stale).toEqual([{ path: 'a.yaml', reason: 'changed' }]);
    expect((await writeTree(out, [owned('a.yaml')], { check: false })).written).toEqual(['a.yaml']);
    expect((await stat(path.join(out, 'a.yaml'))).size).toBe(owned('a.yaml').content.length);
  });
});

describe('findRemovals', () => {
  const f = (p: string) => owned(p);
  it('names environments, namespaces, bases and clusters that empty, and services that leave', () => {
    expect(findRemovals([], [])).toBe(NO_REMOVALS);
    const kept = [
      f('overlays/prod/shop/kustomization.yaml'),
      f('base/istio/shop/v1_service_cart.yaml'),
      f('clusters/prod-1/kustomization.yaml'),
    ];
    const removed = [
      'overlays/staging/shop/kustomization.yaml',
      'overlays/prod/analytics/kustomization.yaml',
      'base/istio/analytics/v1_service_reports.yaml',
      'base/istio/shop/v1_service_checkout.yaml',
      'clusters/staging-1/kustomization.yaml',
    ];
    expect(findRemovals(removed, kept)).toEqual({
      environments: ['staging'],
      namespaces: ['prod/analytics'],
      meshDirs: [],
      releases: [],
      bases: ['istio/analytics'],
      clusters: ['staging-1'],
      services: ['analytics/reports', 'shop/checkout'],
      meshMoves: [],
    });
    // A file leaving a directory that stays is no unit removal.
    expect(findRemovals(['overlays/prod/shop/x.yaml'], kept)).toMatchObject({
      environments: [],
      namespaces: [],
    });
  });

  it('names the mesh-wide directories of an environment that empty while its mesh-system overlay stays', () => {
    const kept = [
      f('overlays/prod/shop/kustomization.yaml'),
      f('overlays/prod/mesh-system/config/kustomization.yaml'),
      f('overlays/staging/shop/kustomization.yaml'),
    ];
    const removed = [
      // The control-plane charts of prod: its engine would uninstall the mesh.
      'overlays/prod/mesh-system/install/helm.toolkit.fluxcd.io_v2_helmrelease_istiod.yaml',
      'overlays/prod/mesh-system/install/kustomization.yaml',
      // One file of a directory that stays: no unit.
      'overlays/prod/mesh-system/config/security.istio.io_v1_peerauthentication_default.yaml',
      // All of staging's mesh-system: the namespace rule names it once, as a whole.
      'overlays/staging/mesh-system/config/kustomization.yaml',
      'overlays/staging/mesh-system/install/kustomization.yaml',
    ];
    expect(findRemovals(removed, kept)).toMatchObject({
      environments: [],
      namespaces: ['staging/mesh-system'],
      meshDirs: ['prod/install'],
    });
  });

  it('names the Flux HelmReleases that go while their install directory stays', () => {
    const kept = [
      f('overlays/prod/shop/kustomization.yaml'),
      f('overlays/prod/mesh-system/install/kustomization.yaml'),
      f('overlays/prod/mesh-system/install/helm.toolkit.fluxcd.io_v2_helmrelease_istiod.yaml'),
    ];
    const removed = [
      'overlays/prod/mesh-system/install/helm.toolkit.fluxcd.io_v2_helmrelease_istio-ingressgateway.yaml',
      // Not a HelmRelease: the directory stays, no unit.
      'overlays/prod/mesh-system/install/v1_namespace_istio-ingress.yaml',
    ];
    const r = findRemovals(removed, kept);
    expect(r).toMatchObject({ meshDirs: [], releases: ['prod/istio-ingressgateway'] });
    expect(removalDiagnostics(r)[0]?.message).toMatch(
      /Helm release prod\/istio-ingressgateway \(environment\/release; Flux uninstalls it/,
    );
  });

  it('names the environments whose namespace overlays build on another mesh than the tree on disk', () => {
    const k = (base: string) => `${OWNED_HEADER}resources:\n- ../../../base/${base}\ncomponents:\n- user\n`;
    expect(
      findMeshMoves([
        { path: 'overlays/qa/shop/kustomization.yaml', before: k('istio/shop'), after: k('linkerd/shop') },
        { path: 'overlays/qa/pay/kustomization.yaml', before: k('istio/pay'), after: k('linkerd/pay') },
        // The same mesh (a component added) and the environment's own files are no move.
        {
          path: 'overlays/prod/shop/kustomization.yaml',
          before: k('istio/shop'),
          after: `${k('istio/shop')}- meshc\n`,
        },
        { path: 'overlays/qa/kustomization.yaml', before: k('istio/x'), after: k('linkerd/x') },
        { path: 'overlays/qa/mesh-system/kustomization.yaml', before: k('istio/x'), after: k('linkerd/x') },
      ]),
    ).toEqual(['qa (istio → linkerd)']);
  });

  it('refuses to move a rendered environment to another mesh, unless told', async () => {
    const qa = ISTIO_ENV.replace('name: prod', 'name: qa').replace('prod-1', 'qa-1');
    const dir = await specTree({ ...bigSpec(4), 'qa.yaml': qa });
    expect((await runCli(['render', '.', '-q'], { cwd: dir })).code).toBe(0);
    const overlay = path.join(dir, 'rendered/overlays/qa/ns0/kustomization.yaml');
    const before = readFileSync(overlay, 'utf8');
    expect(before).toContain('base/istio/ns0');
    // Both environments' namespaces stay, and Istio's base stays for prod: no file unit empties.
    await writeFile(
      path.join(dir, 'qa.yaml'),
      qa.replace(
        '{ type: istio, version: "1.24", mtls: strict }',
        '{ type: linkerd, version: "2.18", mtls: strict }',
      ),
    );
    const refused = await runCli(['render', '.'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /OUTPUT_REMOVALS: .*the mesh of environment qa \(istio → linkerd\)/,
    );
    expect(refused.stdout + refused.stderr).toMatch(/Moving between meshes/);
    expect(readFileSync(overlay, 'utf8')).toBe(before);
    expect((await runCli(['render', '.', '--check'], { cwd: dir })).stdout).toMatch(
      /the mesh of environment qa/,
    );
    expect((await runCli(['render', '.', '-q', '--allow-removals'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(overlay, 'utf8')).toContain('base/linkerd/ns0');
    // Rendered again, the tree on disk is Linkerd's already: nothing to refuse.
    expect((await runCli(['render', '.', '-q'], { cwd: dir })).code).toBe(0);
  });

  it('refuses to write a render that drops the control-plane install of an environment, unless told', async () => {
    const withInstall = ISTIO_ENV.replace(
      'mtls: strict }',
      'mtls: strict, install: { chartVersion: "1.24.3" }, trust: { existingSecret: { name: cacerts } } }',
    );
    expect(withInstall).not.toBe(ISTIO_ENV);
    const dir = await specTree({ ...bigSpec(4), 'env.yaml': withInstall });
    expect((await runCli(['render', '.', '-q'], { cwd: dir })).code).toBe(0);
    const installDir = path.join(dir, 'rendered/overlays/prod/mesh-system/install');
    expect(existsSync(installDir)).toBe(true);
    await writeFile(path.join(dir, 'env.yaml'), ISTIO_ENV);
    const refused = await runCli(['render', '.'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /OUTPUT_REMOVALS: .*mesh-system directory prod\/install \(environment\/directory; without `install` the engine uninstalls the control plane's Helm releases, keeping their CRDs and so the mesh's custom resources\)/,
    );
    expect(existsSync(installDir)).toBe(true);
    expect((await runCli(['render', '.', '-q', '--allow-removals'], { cwd: dir })).code).toBe(0);
    expect(existsSync(installDir)).toBe(false);
  });

  it("refuses to write a render that drops one Helm release of an environment's install, unless told", async () => {
    const install = (ingress: string) =>
      ISTIO_ENV.replace(
        'mtls: strict }',
        `mtls: strict, install: { chartVersion: "1.24.3" }, trust: { existingSecret: { name: cacerts } }, ingress: { api: ${ingress}, className: istio } }`,
      );
    const dir = await specTree({ ...bigSpec(4), 'env.yaml': install('native') });
    expect((await runCli(['render', '.', '-q'], { cwd: dir })).code).toBe(0);
    const gateway = path.join(
      dir,
      'rendered/overlays/prod/mesh-system/install/helm.toolkit.fluxcd.io_v2_helmrelease_istio-ingressgateway.yaml',
    );
    expect(existsSync(gateway)).toBe(true);
    // The gateway chart goes with the native ingress; istiod and the install directory stay.
    await writeFile(path.join(dir, 'env.yaml'), install('gateway-api'));
    const refused = await runCli(['render', '.'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /OUTPUT_REMOVALS: .*Helm release prod\/istio-ingressgateway \(environment\/release; Flux uninstalls it/,
    );
    expect(existsSync(gateway)).toBe(true);
    expect((await runCli(['render', '.', '-q', '--allow-removals'], { cwd: dir })).code).toBe(0);
    expect(existsSync(gateway)).toBe(false);
  });
});
