import type * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InternalError } from '../core/diagnostic.ts';
import { OWNED_HEADER, type OutputFile } from '../core/output.ts';
import { NO_REMOVALS } from './removals.ts';
import { writeTree } from './write-tree.ts';

/** Fault injection: the real `writeFileSync`, unless a test asks the n-th call to fail. */
const faults = vi.hoisted(() => ({ failWriteAfter: -1 }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return {
    ...real,
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (faults.failWriteAfter === 0) throw new Error('injected write failure');
      if (faults.failWriteAfter > 0) faults.failWriteAfter--;
      return real.writeFileSync(...args);
    },
  };
});

const { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } = fsp;

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));
beforeEach(() => {
  faults.failWriteAfter = -1;
});

/** A fresh parent directory; the output directory `out` inside it does not exist yet. */
async function freshOut(): Promise<{ parent: string; out: string }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'meshc-write-'));
  temps.push(parent);
  return { parent, out: path.join(parent, 'out') };
}

const owned = (p: string, body = `kind: X\nname: ${p}\n`): OutputFile => ({
  path: p,
  content: `${OWNED_HEADER}\n${body}`,
  ownership: 'owned',
});
const seed = (p: string, body: string): OutputFile => ({ path: p, content: body, ownership: 'seed' });

/** Every entry below `dir`: relative path → file content (or `<dir>` / `-> target`), mtime and inode. */
async function snapshot(
  dir: string,
): Promise<Map<string, { content: string; mtimeMs: number; ino: number; mode: number }>> {
  const out = new Map<string, { content: string; mtimeMs: number; ino: number; mode: number }>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, r);
      const st = await lstat(abs);
      const content = st.isDirectory()
        ? '<dir>'
        : st.isSymbolicLink()
          ? `-> ${await fsp.readlink(abs)}`
          : await readFile(abs, 'utf8');
      out.set(r, { content, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777 });
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}

const contents = async (dir: string): Promise<Record<string, string>> =>
  Object.fromEntries([...(await snapshot(dir))].map(([p, s]) => [p, s.content]));

describe('writeTree', () => {
  it('writes a new tree (mode 0644) and reports every file as written', async () => {
    const { out } = await freshOut();
    const files = [owned('b/x.yaml'), owned('a.yaml'), seed('b/user/kustomization.yaml', '# yours\n')];
    const r = await writeTree(out, files, { check: false });
    expect(r).toEqual({
      written: ['a.yaml', 'b/user/kustomization.yaml', 'b/x.yaml'],
      removed: [],
      unchanged: [],
      stale: [],
      diagnostics: [],
      removals: NO_REMOVALS,
    });
    expect(await contents(out)).toEqual({
      'a.yaml': files[1]!.content,
      b: '<dir>',
      'b/user': '<dir>',
      'b/user/kustomization.yaml': '# yours\n',
      'b/x.yaml': files[0]!.content,
    });
    expect((await lstat(path.join(out, 'a.yaml'))).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  it('leaves an identical tree alone: everything unchanged, same inodes and mtimes', async () => {
    const { out } = await freshOut();
    const files = [owned('a.yaml'), owned('b/x.yaml'), seed('s.yaml', '# s\n')];
    await writeTree(out, files, { check: false });
    const before = await snapshot(out);
    const r = await writeTree(out, files, { check: false });
    expect(r).toEqual({
      written: [],
      removed: [],
      unchanged: ['a.yaml', 'b/x.yaml', 's.yaml'],
      stale: [],
      diagnostics: [],
      removals: NO_REMOVALS,
    });
    expect(await snapshot(out)).toEqual(before);
  });

  it('replaces changed files, keeps unchanged ones (same inode), removes stale owned files and prunes emptied directories', async () => {
    const { out, parent } = await freshOut();
    await writeTree(
      out,
      [owned('keep.yaml'), owned('change.yaml', 'v: 1\n'), owned('gone/deep/x.yaml'), owned('mixed/y.yaml')],
      { check: false },
    );
    await mkdir(path.join(out, 'mixed', 'empty-user-dir'));
    await mkdir(path.join(out, 'user-empty'));
    const keepIno = (await lstat(path.join(out, 'keep.yaml'))).ino;

    const r = await writeTree(
      out,
      [owned('keep.yaml'), owned('change.yaml', 'v: 2\n'), owned('new/z.yaml')],
      { check: false },
    );
    expect(r).toEqual({
      written: ['change.yaml', 'new/z.yaml'],
      removed: ['gone/deep/x.yaml', 'mixed/y.yaml'],
      unchanged: ['keep.yaml'],
      stale: [],
      diagnostics: [],
      removals: NO_REMOVALS,
    });
    expect(Object.keys(await contents(out))).toEqual([
      'change.yaml',
      'keep.yaml',
      'mixed',
      'mixed/empty-user-dir',
      'new',
      'new/z.yaml',
      'user-empty',
    ]);
    expect(await readFile(path.join(out, 'change.yaml'), 'utf8')).toBe(`${OWNED_HEADER}\nv: 2\n`);
    expect((await lstat(path.join(out, 'keep.yaml'))).ino).toBe(keepIno);
    expect(await readdir(parent)).toEqual(['out']);
  });

  it('never touches a file without the header: it survives every run, same inode, even a run that removes things', async () => {
    const { out } = await freshOut();
    await writeTree(out, [owned('a.yaml'), owned('dir/b.yaml')], { check: false });
    await writeFile(path.join(out, 'dir', 'notes.md'), 'mine\n');
    await writeFile(path.join(out, 'README.md'), '# Generated by someone else\n');
    await symlink('a.yaml', path.join(out, 'link.yaml'));
    const ino = (await lstat(path.join(out, 'dir', 'notes.md'))).ino;

    const r = await writeTree(out, [owned('a.yaml', 'changed: true\n')], { check: false });
    expect(r.removed).toEqual(['dir/b.yaml']);
    expect(await contents(out)).toEqual({
      'README.md': '# Generated by someone else\n',
      'a.yaml': `${OWNED_HEADER}\nchanged: true\n`,
      dir: '<dir>',
      'dir/notes.md': 'mine\n',
      'link.yaml': '-> a.yaml',
    });
    expect((await lstat(path.join(out, 'dir', 'notes.md'))).ino).toBe(ino);
  });

  it('refuses to replace a file it does not own (OUTPUT_NOT_OWNED) and writes nothing at all', async () => {
    const { out } = await freshOut();
    await writeTree(out, [owned('a.yaml'), owned('stale.yaml')], { check: false });
    await writeFile(path.join(out, 'b.yaml'), 'kind: Mine\n');
    await writeFile(path.join(out, 'plain'), 'a file where a directory is needed\n');
    await mkdir(path.join(out, 'c.yaml'));
    await writeFile(path.join(out, 'c.yaml', 'x'), 'user\n');
    const before = await snapshot(out);

    for (const files of [[owned('b.yaml')], [owned('plain/x.yaml')], [owned('c.yaml')]]) {
      const r = await writeTree(out, [owned('a.yaml', 'v: 2\n'), owned('new.yaml'), ...files], {
        check: false,
      });
      expect(r.diagnostics.map((d) => d.code)).toEqual(['OUTPUT_NOT_OWNED']);
      expect(r.diagnostics[0]!.severity).toBe('error');
      expect(r.diagnostics[0]!.message).toContain(files[0]!.path.split('/')[0]);
      expect(r.written).toEqual([]);
      expect(await snapshot(out)).toEqual(before);
    }
    const check = await writeTree(out, [owned('b.yaml')], { check: true });
    expect(check.diagnostics.map((d) => d.code)).toEqual(['OUTPUT_NOT_OWNED']);
  });

  it('creates a seed file once, never overwrites it and never removes it', async () => {
    const { out } = await freshOut();
    const r1 = await writeTree(out, [owned('a.yaml'), seed('user/kustomization.yaml', '# v1\n')], {
      check: false,
    });
    expect(r1.written).toEqual(['a.yaml', 'user/kustomization.yaml']);
    await writeFile(path.join(out, 'user', 'kustomization.yaml'), '# edited by the user\n');

    const r2 = await writeTree(
      out,
      [owned('a.yaml'), seed('user/kustomization.yaml', '# v2, a new template\n')],
      { check: false },
    );
    expect(r2).toMatchObject({ written: [], unchanged: ['a.yaml', 'user/kustomization.yaml'] });
    expect(await readFile(path.join(out, 'user', 'kustomization.yaml'), 'utf8')).toBe(
      '# edited by the user\n',
    );

    const r3 = await writeTree(out, [owned('b.yaml')], { check: false });
    expect(r3).toMatchObject({ written: ['b.yaml'], removed: ['a.yaml'] });
    expect(await readFile(path.join(out, 'user', 'kustomization.yaml'), 'utf8')).toBe(
      '# edited by the user\n',
    );
  });

  it('--check reports missing, changed and extra files and writes nothing; seeds are never stale', async () => {
    const { out, parent } = await freshOut();
    await writeTree(
      out,
      [owned('same.yaml'), owned('changed.yaml', 'v: 1\n'), owned('extra/x.yaml'), seed('s.yaml', '# s\n')],
      {
        check: false,
      },
    );
    await writeFile(path.join(out, 's.yaml'), '# edited\n');
    await writeFile(path.join(out, 'user.txt'), 'mine\n');
    const before = await snapshot(out);
    const parentBefore = await readdir(parent);

    const files = [
      owned('same.yaml'),
      owned('changed.yaml', 'v: 2\n'),
      owned('missing.yaml'),
      seed('s.yaml', '# new\n'),
      seed('s2.yaml', '# s2\n'),
    ];
    const r = await writeTree(out, files, { check: true });
    expect(r).toEqual({
      written: [],
      removed: [],
      unchanged: ['s.yaml', 'same.yaml'],
      stale: [
        { path: 'changed.yaml', reason: 'changed' },
        { path: 'extra/x.yaml', reason: 'extra' },
        { path: 'missing.yaml', reason: 'missing' },
      ],
      diagnostics: [],
      removals: NO_REMOVALS,
    });
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(parent)).toEqual(parentBefore);

    const missingDir = await writeTree(path.join(parent, 'nope'), [owned('a.yaml')], { check: true });
    expect(missingDir.stale).toEqual([{ path: 'a.yaml', reason: 'missing' }]);
    expect(await readdir(parent)).toEqual(parentBefore);
  });

  it('cleans up after an interrupted run: staging removed, old tree restored when outDir is missing', async () => {
    const { out, parent } = await freshOut();
    await writeTree(out, [owned('a.yaml')], { check: false });
    await writeFile(path.join(out, 'user.txt'), 'mine\n');

    // Interrupted between the two renames: outDir moved away, staging complete but not swapped in.
    await fsp.rename(out, `${out}.meshc-old-0a1b2c`);
    await mkdir(`${out}.meshc-staging-0a1b2c`);
    await writeFile(`${out}.meshc-staging-0a1b2c/a.yaml`, 'half-written');
    await mkdir(path.join(parent, 'out.meshc-staging-notes'));

    const r = await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false });
    expect(r).toMatchObject({ written: ['b.yaml'], unchanged: ['a.yaml'], diagnostics: [] });
    expect(await contents(out)).toMatchObject({ 'user.txt': 'mine\n' });
    expect((await readdir(parent)).sort()).toEqual(['out', 'out.meshc-staging-notes']);

    // Interrupted after the swap: the old tree is left over and outDir is complete.
    await mkdir(`${out}.meshc-old-ffff`);
    await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false });
    expect((await readdir(parent)).sort()).toEqual(['out', 'out.meshc-staging-notes']);
  });

  it('leaves outDir untouched and removes staging when building the new tree fails', async () => {
    const { out, parent } = await freshOut();
    await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false });
    const before = await snapshot(out);
    faults.failWriteAfter = 1;
    await expect(
      writeTree(out, [owned('a.yaml', 'v: 2\n'), owned('b.yaml', 'v: 2\n')], { check: false }),
    ).rejects.toThrow('injected write failure');
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(parent)).toEqual(['out']);
  });

  it('refuses absolute paths and `..` segments (PATH_OUTSIDE_ROOT), and paths two outputs share (RENDER_CONFLICT)', async () => {
    const { out, parent } = await freshOut();
    for (const bad of [
      '../escape.yaml',
      'a/../../escape.yaml',
      '/etc/x.yaml',
      'C:\\x.yaml',
      'a//b.yaml',
      './a.yaml',
      '',
    ]) {
      const r = await writeTree(out, [owned('ok.yaml'), owned(bad)], { check: false });
      expect(
        r.diagnostics.map((d) => d.code),
        bad,
      ).toEqual(['PATH_OUTSIDE_ROOT']);
    }
    const dup = await writeTree(out, [owned('a.yaml'), owned('a.yaml')], { check: false });
    expect(dup.diagnostics.map((d) => d.code)).toEqual(['RENDER_CONFLICT']);
    const nested = await writeTree(out, [owned('a'), owned('a/b.yaml')], { check: false });
    expect(nested.diagnostics.map((d) => d.code)).toEqual(['RENDER_CONFLICT']);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses an output directory that is a symbolic link or a file', async () => {
    const { out, parent } = await freshOut();
    await mkdir(path.join(parent, 'real'));
    await symlink('real', out);
    expect(
      (await writeTree(out, [owned('a.yaml')], { check: false })).diagnostics.map((d) => d.code),
    ).toEqual(['PATH_OUTSIDE_ROOT']);
    await rm(out);
    await writeFile(out, 'x');
    expect(
      (await writeTree(out, [owned('a.yaml')], { check: false })).diagnostics.map((d) => d.code),
    ).toEqual(['OUTPUT_NOT_OWNED']);
    expect(await readdir(path.join(parent, 'real'))).toEqual([]);
  });

  it('throws InternalError for an owned file without the header or a seed file with it', async () => {
    const { out } = await freshOut();
    await expect(
      writeTree(out, [{ path: 'a.yaml', content: 'kind: X\n', ownership: 'owned' }], { check: false }),
    ).rejects.toThrow(InternalError);
    await expect(
      writeTree(out, [{ ...owned('a.yaml'), ownership: 'seed' }], { check: false }),
    ).rejects.toThrow(InternalError);
  });
});
