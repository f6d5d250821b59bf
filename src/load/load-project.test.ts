import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { chmod, mkdir, open, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT, dedent, specTree } from '../../test/helpers/spec-tree.ts';
import { compileDir } from '../pipeline.ts';
import { MAX_FILE_BYTES, MAX_TOTAL_BYTES, UNMATCHED_SCAN, loadSpec } from './load-project.ts';

const codes = (r: Awaited<ReturnType<typeof loadSpec>>) =>
  r.diagnostics.map((d) => `${d.code} ${d.location?.file ?? ''}:${d.location?.line ?? ''}`);

describe('loadSpec', () => {
  it('reads meshc.yaml first, then the matched files sorted by path', async () => {
    const dir = await specTree({
      'meshc.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Project
        metadata: { name: t }
        spec: { include: ["services/**/*.yaml", "envs/*.yaml"], output: out }
      `,
      'services/b.yaml': 'b: 1\n',
      'services/a/x.yaml': 'x: 1\n',
      'envs/prod.yaml': 'p: 1\n',
      'other.yaml': 'ignored: true\n',
      'out/rendered.yaml': 'ignored: true\n',
    });
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual([
      'meshc.yaml',
      'envs/prod.yaml',
      'services/a/x.yaml',
      'services/b.yaml',
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('never reads the output directory, node_modules or .git, even with the default include', async () => {
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace('include: ["**/*.yaml"]', 'output: rendered'),
      'a.yaml': 'a: 1\n',
      'rendered/x.yaml': 'x\n',
      'node_modules/m/y.yaml': 'y\n',
      '.git/z.yaml': 'z\n',
    });
    expect((await loadSpec(dir)).files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml']);
  });

  it('reports a missing meshc.yaml', async () => {
    const dir = await specTree({ 'a.yaml': 'a: 1\n' });
    const r = await loadSpec(dir);
    expect(r.files).toEqual([]);
    expect(codes(r)).toEqual(['PROJECT_NOT_FOUND :']);
  });

  it('refuses a glob that matches nothing (an error), at the pattern', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT.replace('"**/*.yaml"', '"services/*.yaml"') });
    const r = await loadSpec(dir);
    expect(codes(r)).toEqual(['INCLUDE_NO_MATCH meshc.yaml:5']);
    expect(r.diagnostics[0]!.severity).toBe('error');
  });

  it('ignores the output directory and render leftovers (staging, old trees, .meshc-*), whatever the globs say', async () => {
    const broken = 'apiVersion: meshc.dev/v1alpha1\nkind: Service\n  bad: [\n';
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace(
        'include: ["**/*.yaml"]',
        'output: ./out/\n  include: ["**/*.yaml", "out/**/*.yaml", "out.meshc-staging-1/*.yaml", "a.yaml"]',
      ),
      'a.yaml': 'a: 1\n',
      'out/x.yaml': broken,
      'out.meshc-staging-123/x.yaml': broken,
      'out.meshc-old-456/x.yaml': broken,
      'deploy/rendered.meshc-staging-9/x.yaml': broken,
      '.meshc-staging-out-1/x.yaml': broken,
      'sub/.meshc-old/x.yaml': broken,
    });
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml']);
    // The globs aimed at ignored directories match nothing; no leftover is warned about as unmatched.
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'INCLUDE_NO_MATCH The pattern "out/**/*.yaml" matches no file.',
      'INCLUDE_NO_MATCH The pattern "out.meshc-staging-1/*.yaml" matches no file.',
    ]);
  });

  it('compiles a spec next to a leftover staging tree of a killed render as if it were not there', async () => {
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace('include: ["**/*.yaml"]', 'output: rendered'),
    });
    await writeFile(path.join(dir, 'svc.yaml'), 'apiVersion: meshc.dev/v1alpha1\nkind: Policy\n');
    const clean = await compileDir(dir);
    await mkdir(path.join(dir, 'rendered.meshc-staging-4242', 'bookinfo'), { recursive: true });
    await writeFile(
      path.join(dir, 'rendered.meshc-staging-4242', 'bookinfo', 'vs.yaml'),
      'apiVersion: x\nkind: Y\n',
    );
    await mkdir(path.join(dir, '.meshc-old-1'), { recursive: true });
    await writeFile(path.join(dir, '.meshc-old-1', 'vs.yaml'), 'apiVersion: x\nkind: Y\n');
    const again = await compileDir(dir);
    expect(again.diagnostics).toEqual(clean.diagnostics);
  });

  it('reports an unreadable directory under a glob at the pattern (injected: root reads any directory)', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n', 'locked/b.yaml': 'b: 1\n' });
    const locked = path.join(fs.realpathSync(dir), 'locked');
    const denied = (p: string) =>
      Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES', path: p });
    const readdirDenied = ((p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p) === locked) throw denied(locked);
      return (fs.readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
    }) as unknown as typeof fs.readdirSync;
    const r = await loadSpec(dir, { walkFs: { readdirSync: readdirDenied } });
    expect(codes(r)).toEqual(['FILE_UNREADABLE meshc.yaml:5']);
    expect(r.diagnostics[0]!.message).toContain('"locked" could not be read (EACCES)');
  });

  it.skipIf(process.getuid?.() === 0)('reports a really unreadable directory (not as root)', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n', 'locked/b.yaml': 'b: 1\n' });
    await chmod(path.join(dir, 'locked'), 0o000);
    try {
      expect(codes(await loadSpec(dir))).toEqual(['FILE_UNREADABLE meshc.yaml:5']);
    } finally {
      await chmod(path.join(dir, 'locked'), 0o755);
    }
  });

  it('names broken symlinks and symlink loops under a glob, at the pattern', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n' });
    await symlink('missing.yaml', path.join(dir, 'gone.yaml'));
    await symlink('self.yaml', path.join(dir, 'self.yaml'));
    await mkdir(path.join(dir, 'sub'));
    await symlink('..', path.join(dir, 'sub', 'up'));
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml']);
    const msgs = r.diagnostics.map((d) => `${d.code} ${d.location!.file}:${d.location!.line} ${d.message}`);
    expect(msgs).toEqual([
      'FILE_UNREADABLE meshc.yaml:5 "gone.yaml" (matched by "**/*.yaml") is a broken symlink (ENOENT).',
      'FILE_UNREADABLE meshc.yaml:5 "self.yaml" (matched by "**/*.yaml") is a symlink loop.',
      'FILE_UNREADABLE meshc.yaml:5 "sub/up" (under the pattern "**/*.yaml") is a symlink to a directory that contains it: a loop meshc does not follow.',
    ]);
  });

  it('never follows a directory symlink out of the root (a link to / is not walked into /proc)', async () => {
    const outside = await specTree({ 'x/evil.yaml': 'apiVersion: meshc.dev/v1alpha1\n' });
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n', 'in/b.yaml': 'b: 1\n' });
    await symlink('/', path.join(dir, 'root'));
    await symlink(outside, path.join(dir, 'ext'));
    await symlink('in', path.join(dir, 'inside-link')); // inside the root: followed
    const seen: string[] = [];
    const readdirSpy = ((p: fs.PathLike, ...rest: unknown[]) => {
      seen.push(String(p));
      return (fs.readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
    }) as unknown as typeof fs.readdirSync;
    const r = await loadSpec(dir, { walkFs: { readdirSync: readdirSpy } });
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml', 'in/b.yaml', 'inside-link/b.yaml']);
    expect(codes(r)).toEqual(['PATH_OUTSIDE_ROOT meshc.yaml:5', 'PATH_OUTSIDE_ROOT meshc.yaml:5']);
    expect(r.diagnostics.map((d) => d.message.split(' ')[0])).toEqual(['"ext"', '"root"']);
    expect(seen.filter((p) => !p.startsWith(fs.realpathSync(dir)))).toEqual([]);
    expect(seen).toContain(path.join(fs.realpathSync(dir), 'in')); // the spy saw the walk
  });

  it('checks the file type before reading: a FIFO as meshc.yaml or under a glob does not block', async () => {
    const fifoProject = await specTree({ 'a.yaml': 'a: 1\n' });
    execFileSync('mkfifo', [path.join(fifoProject, 'meshc.yaml')]);
    expect(codes(await loadSpec(fifoProject))).toEqual(['FILE_UNREADABLE meshc.yaml:1']);

    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n' });
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    execFileSync('mkfifo', [path.join(dir, 'pipe.yml')]);
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml']);
    expect(
      r.diagnostics.map((d) => `${d.code} ${d.location!.file}:${d.location!.line} ${d.message}`),
    ).toEqual([
      'FILE_UNREADABLE meshc.yaml:5 "pipe.yaml" (matched by "**/*.yaml") is a FIFO, not a regular file; meshc does not read it.',
    ]);
  });

  it('refuses specs whose files add up to more than the total limit, from their sizes, before reading any', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT });
    const each = 1_000_000; // under the per-file limit: only the total is too large
    const count = Math.ceil(MAX_TOTAL_BYTES / each) + 1;
    for (let i = 0; i < count; i++) {
      // Sparse files: the size is what stat reports; a read would see only zero bytes (not UTF-8 YAML).
      const fh = await open(path.join(dir, `f${String(i).padStart(3, '0')}.yaml`), 'w');
      await fh.truncate(each);
      await fh.close();
    }
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml']);
    expect(codes(r)).toEqual(['SPEC_TOO_LARGE meshc.yaml:5']);
    expect(r.diagnostics[0]!.message).toContain(`${count + 1} spec files`);
  });

  it('warns about meshc-looking YAML files that no glob matches, reading only their head', async () => {
    const doc = 'apiVersion: meshc.dev/v1alpha1\nkind: Service\n';
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace('"**/*.yaml"', '"services/*.yaml"'),
      'services/a.yaml': doc,
      'services/cart.yml': `# moved\n${doc}`,
      'old/b.yaml': `"apiVersion": x\n---\n${doc}`,
      'notes/k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
      'rendered/c.yaml': doc,
      'node_modules/pkg/d.yaml': doc,
      'rendered.meshc-staging-1/e.yaml': doc,
      'late.yaml': `${'#'.repeat(UNMATCHED_SCAN.headBytes)}\n${doc}`,
    });
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'services/a.yaml']);
    expect(
      r.diagnostics.map(
        (d) => `${d.severity} ${d.code} ${d.location!.file}:${d.location!.line}:${d.location!.col}`,
      ),
    ).toEqual([
      'warning SPEC_FILE_NOT_INCLUDED old/b.yaml:3:1',
      'warning SPEC_FILE_NOT_INCLUDED services/cart.yml:2:1',
    ]);
    expect(r.diagnostics[1]!.hint).toContain('`.yaml` only');
    // With a meshc.yaml that does not parse, the globs are unknown: no warning about every file.
    const broken = await specTree({ 'meshc.yaml': 'spec: [\n', 'services/cart.yml': doc });
    expect(codes(await loadSpec(broken))).toEqual([]);
  });

  it('refuses a glob that climbs out of the repository', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT.replace('"**/*.yaml"', '"../*.yaml"') });
    expect(codes(await loadSpec(dir))).toEqual(['PATH_OUTSIDE_ROOT meshc.yaml:5']);
  });

  it('refuses a symlink that escapes the root, and reads one that stays inside', async () => {
    const outside = await specTree({ 'secret.yaml': 'key: value\n' });
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'real.yaml': 'a: 1\n' });
    await symlink(path.join(outside, 'secret.yaml'), path.join(dir, 'escape.yaml'));
    await symlink(path.join(dir, 'real.yaml'), path.join(dir, 'alias.yaml'));
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'alias.yaml', 'real.yaml']);
    expect(codes(r)).toEqual(['PATH_OUTSIDE_ROOT escape.yaml:1']);
  });

  it('refuses an oversized file without reading it', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT });
    await writeFile(path.join(dir, 'big.yaml'), `a: "${'x'.repeat(MAX_FILE_BYTES)}"\n`);
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml']);
    expect(codes(r)).toEqual(['FILE_TOO_LARGE big.yaml:1']);
  });

  it('reports a file that is not UTF-8', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT });
    await writeFile(path.join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(codes(await loadSpec(dir))).toEqual(['FILE_UNREADABLE latin1.yaml:1']);
  });
});
