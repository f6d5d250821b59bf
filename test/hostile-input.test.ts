/**
 * Hostile spec repositories through the CLI (`meshc validate`, in process): whatever is on disk, the
 * answer is exit status 0 or 1 with positioned diagnostics, never "internal error" (3), a hang or a
 * stack trace. The loader's unit tests (src/load/load-project.test.ts) check each diagnostic in detail;
 * the invalid corpus covers the classes that fit a fixture. These are the ones that do not: special
 * files, sizes, an unreadable directory, a link to `/`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TOTAL_BYTES } from '../src/load/load-project.ts';
import { runCli } from './helpers/cli.ts';
import { PROJECT, specTree } from './helpers/spec-tree.ts';

async function validate(dir: string) {
  const {
    code: status,
    stdout,
    stderr,
  } = await runCli(['validate', dir, '--format', 'json'], {
    cwd: os.tmpdir(),
  });
  expect(stderr, 'stderr').not.toMatch(/internal error|^\s+at /m);
  const parsed = JSON.parse(stdout) as {
    diagnostics: { code: string; file: string | null; line: number | null }[];
  };
  // `file` is displayed relative to the working directory (here the temporary directory's parent).
  const rel = (f: string | null) =>
    f === null ? '' : path.relative(fs.realpathSync(dir), path.resolve(os.tmpdir(), f));
  return { status, codes: parsed.diagnostics.map((d) => `${d.code} ${rel(d.file)}:${d.line ?? ''}`) };
}

describe('hostile spec repositories end in exit 0 or 1 with positioned diagnostics', () => {
  it('a FIFO named meshc.yaml, and one matched by a glob', async () => {
    const a = await specTree({ 'svc.yaml': 'a: 1\n' });
    execFileSync('mkfifo', [path.join(a, 'meshc.yaml')]);
    expect(await validate(a)).toEqual({ status: 1, codes: ['FILE_UNREADABLE meshc.yaml:1'] });

    const b = await specTree({ 'meshc.yaml': PROJECT });
    execFileSync('mkfifo', [path.join(b, 'pipe.yaml')]);
    const r = await validate(b);
    expect(r.status).toBe(1);
    expect(r.codes).toContain('FILE_UNREADABLE meshc.yaml:5');
  });

  it('spec files that add up to more than the total limit', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT });
    for (let i = 0; i <= MAX_TOTAL_BYTES / 1_000_000; i++) {
      const fh = await open(path.join(dir, `f${i}.yaml`), 'w');
      await fh.truncate(1_000_000);
      await fh.close();
    }
    expect(await validate(dir)).toEqual({ status: 1, codes: ['SPEC_TOO_LARGE meshc.yaml:5'] });
  });

  it('a directory symlink to / and a symlink loop under the default glob', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT });
    await symlink('/', path.join(dir, 'root'));
    await mkdir(path.join(dir, 'sub'));
    await symlink('..', path.join(dir, 'sub', 'up'));
    await symlink('loop.yaml', path.join(dir, 'loop.yaml'));
    const r = await validate(dir);
    expect(r.status).toBe(1);
    expect(r.codes.sort()).toEqual([
      'FILE_UNREADABLE meshc.yaml:5',
      'FILE_UNREADABLE meshc.yaml:5',
      'PATH_OUTSIDE_ROOT meshc.yaml:5',
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable directory under a glob (not as root)', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'locked/a.yaml': 'a: 1\n' });
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    try {
      const r = await validate(dir);
      expect(r.status).toBe(1);
      expect(r.codes).toContain('FILE_UNREADABLE meshc.yaml:5');
    } finally {
      fs.chmodSync(path.join(dir, 'locked'), 0o755);
    }
  });

  it('a killed render left staging and old trees next to the output: the next validate does not read them', async () => {
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace('include: ["**/*.yaml"]', 'output: rendered'),
    });
    await writeFile(path.join(dir, 'svc.yaml'), 'apiVersion: meshc.dev/v1alpha1\nkind: Policy\n');
    const before = await validate(dir);
    for (const leftover of [
      'rendered.meshc-staging-77',
      'rendered.meshc-old-77',
      '.meshc-staging-rendered-77',
    ]) {
      await mkdir(path.join(dir, leftover, 'shop'), { recursive: true });
      await writeFile(
        path.join(dir, leftover, 'shop', 'vs.yaml'),
        'apiVersion: networking.istio.io/v1\nkind: X\n',
      );
    }
    expect(await validate(dir)).toEqual(before);
  });
});
