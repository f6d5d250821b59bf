/**
 * `meshc verify` with the real kustomize: the bundled example, rendered into a temporary copy, verifies;
 * a user patch that changes a field is reported at that object and field; a broken kustomization is
 * reported as a failed build; a directory that was never rendered is reported too.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { describeWithKustomize } from './helpers/shared.ts';

interface JsonDiagnostic {
  code: string;
  message: string;
  file?: string;
}
const json = (stdout: string): JsonDiagnostic[] =>
  (JSON.parse(stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics;

let dir: string;
const PATH = { PATH: process.env.PATH };

/** The overlay directories render wrote (namespaces and mesh-system parts), counted on disk. */
async function writtenOverlays(): Promise<number> {
  const found = await fg(['overlays/*/*/kustomization.yaml', 'overlays/*/mesh-system/*/kustomization.yaml'], {
    cwd: path.join(dir, 'rendered'),
  });
  return found.length;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshc-verify-'));
  await cp(path.join(repoRoot, 'examples', 'bookinfo'), dir, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('rendered'),
  });
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('meshc verify without kustomize', () => {
  it('is a usage error that says what to install (exit 2)', async () => {
    const r = await runCli(['verify', '.'], { cwd: dir, env: { PATH: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither `kustomize` nor `kubectl` is on PATH/);
  });
});

describeWithKustomize('meshc verify', () => {
  const userFile = () =>
    path.join(dir, 'rendered', 'overlays', 'prod', 'bookinfo', 'user', 'kustomization.yaml');
  let seed: string;

  beforeAll(async () => {
    const r = await runCli(['render', '.'], { cwd: dir, env: PATH });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    seed = await readFile(userFile(), 'utf8');
  });

  it('passes on a fresh render, with a short summary (exit 0)', async () => {
    const r = await runCli(['verify', '.'], { cwd: dir, env: PATH });
    expect(r.code, r.stdout).toBe(0);
    const n = await writtenOverlays();
    expect(n).toBeGreaterThan(3);
    expect(r.stdout).toContain(`rendered: ${n} overlay directories build to meshc's render (`);
    expect(r.stdout).toMatch(/\((kustomize build|kubectl kustomize)\)\n$/);
    expect(r.stdout).not.toMatch(/VERIFY_/);
  });

  it('--env checks only that environment', async () => {
    const r = await runCli(['verify', '.', '--env', 'staging'], { cwd: dir, env: PATH });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rendered: [1-9] overlay directories build/);
    expect(r.stdout).not.toContain(`rendered: ${await writtenOverlays()} `);
    const bad = await runCli(['verify', '.', '--env', 'nope'], { cwd: dir, env: PATH });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /no environment named "nope"\. Environments: dr, edge, legacy, legacy-dr, legacy-us, prod, staging\./,
    );
  });

  it("reports the object and field a user patch changes, at the user's component (exit 1)", async () => {
    await writeFile(
      userFile(),
      [
        'apiVersion: kustomize.config.k8s.io/v1alpha1',
        'kind: Component',
        'patches:',
        '- target: {kind: DestinationRule, name: reviews}',
        '  patch: |-',
        '    - op: replace',
        '      path: /spec/trafficPolicy/loadBalancer/simple',
        '      value: RANDOM',
        '',
      ].join('\n'),
    );
    try {
      const r = await runCli(['verify', '.', '--format', 'json'], { cwd: dir, env: PATH });
      expect(r.code).toBe(1);
      const found = json(r.stdout).filter((d) => d.code.startsWith('VERIFY_'));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        code: 'VERIFY_MISMATCH',
        file: 'rendered/overlays/prod/bookinfo/user/kustomization.yaml',
      });
      expect(found[0]?.message).toContain('networking.istio.io/v1 DestinationRule bookinfo/reviews');
      expect(found[0]?.message).toContain('/spec/trafficPolicy/loadBalancer/simple is "RANDOM"');
      const text = await runCli(['verify', '.'], { cwd: dir, env: PATH });
      expect(text.stdout).toContain(
        `rendered: 1 of ${await writtenOverlays()} overlay directories differ from meshc's render`,
      );
    } finally {
      await writeFile(userFile(), seed);
    }
  });

  it('reports a kustomization that does not build (exit 1)', async () => {
    const file = path.join(dir, 'rendered', 'overlays', 'staging', 'bookinfo', 'kustomization.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('resources:', 'resources:\n- missing-file.yaml'));
    try {
      const r = await runCli(['verify', '.', '--format', 'json'], { cwd: dir, env: PATH });
      expect(r.code).toBe(1);
      const found = json(r.stdout).filter((d) => d.code.startsWith('VERIFY_'));
      expect(found.map((d) => [d.code, d.file])).toEqual([
        ['VERIFY_BUILD_FAILED', 'rendered/overlays/staging/bookinfo/kustomization.yaml'],
      ]);
      expect(found[0]?.message).toMatch(
        /^kustomize cannot build overlays\/staging\/bookinfo: .*missing-file\.yaml/,
      );
      expect(found[0]?.message).not.toContain(dir);
    } finally {
      await writeFile(file, original);
    }
  });

  it('reports an overlay directory that was never rendered (exit 1)', async () => {
    const r = await runCli(['verify', '.', '-o', 'elsewhere', '--format', 'json'], { cwd: dir, env: PATH });
    expect(r.code).toBe(1);
    const found = json(r.stdout).filter((d) => d.code.startsWith('VERIFY_'));
    expect(found.length).toBe(await writtenOverlays());
    expect(new Set(found.map((d) => d.code))).toEqual(new Set(['VERIFY_NOT_RENDERED']));
  });
});
