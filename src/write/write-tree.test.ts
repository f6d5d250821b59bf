import type * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import fc from 'fast-check';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InternalError } from '../core/diagnostic.ts';
import { OWNED_HEADER, type OutputFile } from '../core/output.ts';
import { blobHash, isRacy, RACY_WINDOW_MS, readManifest, statMatches, writeManifest } from './manifest.ts';
import { NO_REMOVALS } from './removals.ts';
import { pathProblem, writeTree } from './write-tree.ts';

/**
 * Fault injection: the real `writeFileSync`, unless a test asks the n-th call to fail. And a record of
 * the files the writer opens (it opens a file only to read it), to see which files a manifest spared.
 */
const faults = vi.hoisted(() => ({
  failWriteAfter: -1,
  opened: [] as string[],
  /** Called once the writer has removed the old tree after a swap (before it takes the manifest). */
  afterSwap: undefined as (() => void) | undefined,
  /** Called with the path before the writer unlinks a file of the old tree. */
  beforeUnlinkOld: undefined as ((p: string) => void) | undefined,
  /** Called once the writer has renamed the one file of a single step into place. */
  afterStep: undefined as (() => void) | undefined,
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return {
    ...real,
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (faults.failWriteAfter === 0) throw new Error('injected write failure');
      if (faults.failWriteAfter > 0) faults.failWriteAfter--;
      return real.writeFileSync(...args);
    },
    unlinkSync: (...args: Parameters<typeof real.unlinkSync>) => {
      if (String(args[0]).includes('.meshc-old-')) faults.beforeUnlinkOld?.(String(args[0]));
      real.unlinkSync(...args);
    },
    rmdirSync: (...args: Parameters<typeof real.rmdirSync>) => {
      real.rmdirSync(...args);
      if (/\.meshc-old-[0-9a-f]+$/.test(String(args[0]))) faults.afterSwap?.();
    },
    renameSync: (...args: Parameters<typeof real.renameSync>) => {
      real.renameSync(...args);
      if (/\.meshc-staging-[0-9a-f]+[\\/]file$/.test(String(args[0]))) faults.afterStep?.();
    },
    openSync: (...args: Parameters<typeof real.openSync>) => {
      faults.opened.push(String(args[0]));
      return real.openSync(...args);
    },
  };
});

const realFs = await vi.importActual<typeof fs>('node:fs');
const { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } = fsp;

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));
beforeEach(() => {
  faults.failWriteAfter = -1;
  faults.opened = [];
  faults.afterSwap = undefined;
  faults.beforeUnlinkOld = undefined;
  faults.afterStep = undefined;
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

  it('a change of one file in directories that stay is a single step in place: no staging, every other entry keeps its inode', async () => {
    const { out, parent } = await freshOut();
    const base = [owned('a.yaml'), owned('d/b.yaml'), owned('d/c.yaml'), owned('d/e/f.yaml')];
    await writeTree(out, base, { check: false });
    await writeFile(path.join(out, 'd', 'user.txt'), 'mine\n');
    await symlink('b.yaml', path.join(out, 'd', 'link.yaml'));
    /** Every entry's inode but those named, which the step may change. */
    const inodes = async (except: string[]) =>
      Object.fromEntries(
        [...(await snapshot(out))].filter(([p]) => !except.includes(p)).map(([p, e]) => [p, e.ino]),
      );
    const fullWrite = async (want: OutputFile[]) => {
      const fresh = await freshOut();
      await writeTree(fresh.out, want, { check: false });
      await writeFile(path.join(fresh.out, 'd', 'user.txt'), 'mine\n');
      await symlink('b.yaml', path.join(fresh.out, 'd', 'link.yaml'));
      return snapshot(fresh.out);
    };
    const sameTree = async (want: OutputFile[]) => {
      const strip = (m: Map<string, { content: string; mode: number }>) =>
        [...m].map(([p, e]) => [p, e.content, e.mode]);
      expect(strip(await snapshot(out))).toEqual(strip(await fullWrite(want)));
    };
    const rootIno = (await lstat(out)).ino;
    const steps: { want: OutputFile[]; written: string[]; removed: string[] }[] = [
      // a changed file
      {
        want: [owned('a.yaml'), owned('d/b.yaml', 'v: 2\n'), owned('d/c.yaml'), owned('d/e/f.yaml')],
        written: ['d/b.yaml'],
        removed: [],
      },
      // a new file in a directory that exists
      {
        want: [
          owned('a.yaml'),
          owned('d/b.yaml', 'v: 2\n'),
          owned('d/c.yaml'),
          owned('d/e/f.yaml'),
          owned('d/e/g.yaml'),
        ],
        written: ['d/e/g.yaml'],
        removed: [],
      },
      // a file removed from a directory that stays
      {
        want: [owned('a.yaml'), owned('d/b.yaml', 'v: 2\n'), owned('d/e/f.yaml'), owned('d/e/g.yaml')],
        written: [],
        removed: ['d/c.yaml'],
      },
      // a seed file created
      {
        want: [
          owned('a.yaml'),
          owned('d/b.yaml', 'v: 2\n'),
          owned('d/e/f.yaml'),
          owned('d/e/g.yaml'),
          seed('d/seed.yaml', '# yours\n'),
        ],
        written: ['d/seed.yaml'],
        removed: [],
      },
    ];
    for (const step of steps) {
      const before = await inodes(step.written);
      const r = await writeTree(out, step.want, { check: false });
      expect(r).toMatchObject({ written: step.written, removed: step.removed, diagnostics: [] });
      const after = await inodes(step.written);
      for (const p of step.removed) delete before[p];
      expect(after).toEqual(before);
      expect((await lstat(out)).ino).toBe(rootIno);
      expect(await readdir(parent)).toEqual(['out']);
      await sameTree(step.want);
    }
  });

  it('a change that is not one step (two files, a new directory, an emptied one) swaps the whole tree', async () => {
    const { out } = await freshOut();
    const base = [owned('a.yaml'), owned('b.yaml'), owned('d/c.yaml')];
    await writeTree(out, base, { check: false });
    const cases: OutputFile[][] = [
      [owned('a.yaml', 'v: 2\n'), owned('b.yaml', 'v: 2\n'), owned('d/c.yaml')],
      [owned('a.yaml', 'v: 2\n'), owned('b.yaml', 'v: 2\n'), owned('d/c.yaml'), owned('n/x.yaml')],
      [owned('a.yaml', 'v: 2\n'), owned('b.yaml', 'v: 2\n')],
    ];
    for (const want of cases) {
      const rootIno = (await lstat(out)).ino;
      await writeTree(out, want, { check: false });
      expect((await lstat(out)).ino).not.toBe(rootIno);
      expect((await writeTree(out, want, { check: true })).stale).toEqual([]);
    }
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

  it.each([
    ['the staged swap (two files change)', 1, [owned('a.yaml', 'v: 2\n'), owned('b.yaml', 'v: 2\n')]],
    ['a single step (one file changes)', 0, [owned('a.yaml', 'v: 2\n'), owned('b.yaml')]],
  ])('leaves outDir untouched and removes staging when a write fails: %s', async (_, failAfter, next) => {
    const { out, parent } = await freshOut();
    await writeTree(out, [owned('a.yaml'), owned('b.yaml')], { check: false });
    const before = await snapshot(out);
    faults.failWriteAfter = failAfter;
    await expect(writeTree(out, next, { check: false })).rejects.toThrow('injected write failure');
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(parent)).toEqual(['out']);
  });

  it('removes the old tree entirely, also what appeared in it after the scan, or what left it', async () => {
    const { out, parent } = await freshOut();
    await writeTree(out, [owned('a.yaml'), owned('d/b.yaml'), owned('d/c.yaml')], { check: false });
    let once = false;
    faults.beforeUnlinkOld = (p) => {
      if (once) return;
      once = true;
      const oldTree =
        p.slice(0, p.indexOf('.meshc-old-')) + p.slice(p.indexOf('.meshc-old-')).split(path.sep)[0];
      realFs.writeFileSync(path.join(oldTree, 'd', 'late.txt'), 'appeared after the scan\n');
      realFs.unlinkSync(path.join(oldTree, 'd', 'c.yaml'));
    };
    // Two files change: the tree is staged and swapped (one would be a single step, with no old tree).
    const r = await writeTree(
      out,
      [owned('a.yaml', 'v: 2\n'), owned('d/b.yaml', 'v: 2\n'), owned('d/c.yaml')],
      { check: false },
    );
    expect(once).toBe(true);
    expect(r.written).toEqual(['a.yaml', 'd/b.yaml']);
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
    // A file that is a directory two levels up of several outputs: one finding per output that needs it.
    const deep = await writeTree(out, [owned('b/c/d.yaml'), owned('b/c/e.yaml'), owned('b')], {
      check: false,
    });
    expect(deep.diagnostics.map((d) => d.message)).toEqual([
      'Output b is a file, but output b/c/d.yaml needs it to be a directory.',
      'Output b is a file, but output b/c/e.yaml needs it to be a directory.',
    ]);
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

describe('pathProblem', () => {
  /** The rules, one by one: what an output path must not be. */
  const breaks = (p: string): boolean => {
    const segments = p.split('/');
    return (
      p === '' ||
      p.startsWith('/') ||
      p.startsWith('\\') ||
      /^[A-Za-z]:/.test(p) ||
      p.includes('\\') ||
      p.includes('\0') ||
      segments.some((x) => x === '' || x === '.' || x === '..')
    );
  };
  it('property: finds a problem exactly where a rule is broken (paths from the characters that matter)', () => {
    const path = fc
      .array(fc.constantFrom('a', 'C', ':', '.', '/', '\\', '\0', 'é'), { maxLength: 12 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(path, (p) => {
        expect(pathProblem(p) !== undefined, JSON.stringify(p)).toBe(breaks(p));
      }),
      { numRuns: 5000 },
    );
    for (const ok of ['a', '.a', '...', 'a/..b/c.', 'base/istio/ns/x.yaml', 'é/ü'])
      expect(pathProblem(ok), ok).toBeUndefined();
    for (const bad of ['', '/a', 'a/', 'a//b', './a', 'a/..', 'C:a', 'a\\b', 'a\0'])
      expect(pathProblem(bad), bad).toBeDefined();
  });
});

describe('writeTree with a manifest (WriteOptions.manifestFile)', () => {
  /** Files of `out` the writer opened (read) since the last call, relative, sorted. */
  const takeOpened = (out: string): string[] => {
    const rel = faults.opened
      .filter((p) => p.startsWith(out + path.sep))
      .map((p) => path.relative(out, p).split(path.sep).join('/'));
    faults.opened = [];
    return rel.sort();
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The manifest beside the output's parent, as a cache directory outside the tree would be. */
  const manifestOf = (parent: string) => path.join(parent, 'cache', 'meshc', 'write-out.json');
  const files = [owned('a.yaml'), owned('d/b.yaml'), owned('d/e/c.yaml'), seed('d/user.yaml', '# yours\n')];

  it('a manifest hit skips reading: an up-to-date tree is judged without opening one owned file, same results as without', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    const first = await writeTree(out, files, { check: false, manifestFile });
    expect(first.written).toEqual(['a.yaml', 'd/b.yaml', 'd/e/c.yaml', 'd/user.yaml']);
    const recorded = readManifest(manifestFile, out);
    expect([...recorded!.files.keys()].sort()).toEqual(['a.yaml', 'd/b.yaml', 'd/e/c.yaml']);
    expect(recorded!.files.get('a.yaml')!.hash).toBe(blobHash(files[0]!.content));
    expect(await readdir(parent)).toEqual(['cache', 'out']); // nothing of the manifest inside the tree
    takeOpened(out);

    for (const check of [true, false]) {
      const withManifest = await writeTree(out, files, { check, manifestFile });
      // Only the seed file (not owned, so never in the manifest) has its head read.
      expect(takeOpened(out), `check: ${check}`).toEqual(['d/user.yaml']);
      const without = await writeTree(out, files, { check });
      expect(takeOpened(out)).toEqual(['a.yaml', 'd/b.yaml', 'd/e/c.yaml', 'd/user.yaml']);
      expect(withManifest).toEqual(without);
      expect(withManifest.unchanged).toEqual(['a.yaml', 'd/b.yaml', 'd/e/c.yaml', 'd/user.yaml']);
    }

    // A one-file change: only that file is compared by hash (changed), the rest still stand in.
    const next = [owned('a.yaml', 'v: 2\n'), ...files.slice(1)];
    const beforeStep = await readFile(manifestFile);
    const r = await writeTree(out, next, { check: false, manifestFile });
    expect(r).toMatchObject({ written: ['a.yaml'], unchanged: ['d/b.yaml', 'd/e/c.yaml', 'd/user.yaml'] });
    expect(takeOpened(out)).toEqual(['d/user.yaml']);
    // A single step after a scan that read nothing whole leaves the manifest as it was: its entry of the file
    // written no longer matches that file (a new inode), so the next run reads it; the others still stand in.
    expect(await readFile(manifestFile)).toEqual(beforeStep);
    const entry = readManifest(manifestFile, out)!.files.get('a.yaml')!;
    expect(statMatches(entry, await lstat(path.join(out, 'a.yaml')))).toBe(false);
    await sleep(RACY_WINDOW_MS + 10);
    const again = await writeTree(out, next, { check: true, manifestFile });
    expect(again.stale).toEqual([]);
    expect(takeOpened(out)).toEqual(['a.yaml', 'd/user.yaml']);
    expect(readManifest(manifestFile, out)!.files.get('a.yaml')!.hash).toBe(blobHash(next[0]!.content));
    expect((await writeTree(out, next, { check: true, manifestFile })).stale).toEqual([]);
    expect(takeOpened(out)).toEqual(['d/user.yaml']);
  });

  it('after a single step, the manifest is written anew only once the scan read many files whole', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    const many = Array.from({ length: 40 }, (_, i) => owned(`d${i % 4}/f${i}.yaml`));
    /** A check after the racy window records every file (utimes moved their stats away from their entries). */
    const settle = async () => {
      await sleep(RACY_WINDOW_MS + 10);
      await writeTree(out, many, { check: true, manifestFile });
      await writeTree(out, many, { check: true, manifestFile });
      takeOpened(out);
    };
    await writeTree(out, many, { check: false, manifestFile });
    await settle();
    // `touched` files get another mtime (same bytes): the scan of the next run reads them whole.
    const step = async (touched: number, value: string) => {
      const t = new Date(1_600_000_000_000 + touched);
      for (const f of many.slice(1, 1 + touched)) await fsp.utimes(path.join(out, f.path), t, t);
      await sleep(RACY_WINDOW_MS + 10);
      const before = await readFile(manifestFile);
      const next = [owned('d0/f0.yaml', value), ...many.slice(1)];
      expect((await writeTree(out, next, { check: false, manifestFile })).written).toEqual(['d0/f0.yaml']);
      expect(takeOpened(out)).toHaveLength(touched);
      return { before, after: await readFile(manifestFile) };
    };

    // 31 files read whole: kept as it was; the next run reads them and the file written again.
    const few = await step(31, 'v: 2\n');
    expect(few.after).toEqual(few.before);
    await writeTree(out, [owned('d0/f0.yaml', 'v: 2\n'), ...many.slice(1)], { check: true, manifestFile });
    expect(takeOpened(out)).toHaveLength(32);

    // 32: written anew, with the files read and without the file written (the next run reads that one only).
    many[0] = owned('d0/f0.yaml', 'v: 2\n');
    await settle();
    const lots = await step(32, 'v: 3\n');
    expect(lots.after).not.toEqual(lots.before);
    const recorded = readManifest(manifestFile, out)!;
    expect(recorded.files.has('d0/f0.yaml')).toBe(false);
    expect(recorded.files.size).toBe(39);
    await writeTree(out, [owned('d0/f0.yaml', 'v: 3\n'), ...many.slice(1)], { check: true, manifestFile });
    expect(takeOpened(out)).toEqual(['d0/f0.yaml']);
  });

  it('gives the caller its idle time (WriteOptions.idle) only when it waits out the racy window after a swap', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    const many = Array.from({ length: 150 }, (_, i) => owned(`d${i % 4}/f${i}.yaml`));
    const calls: string[] = [];
    const write = async (files: OutputFile[], label: string, check = false) => {
      const idle = () => {
        calls.push(label);
        // The swap is done and the manifest not yet written when the caller's work runs.
        expect(realFs.existsSync(path.join(out, files[0]!.path))).toBe(true);
      };
      return writeTree(out, files, { check, manifestFile, idle });
    };
    expect((await write(many, 'fresh')).written).toHaveLength(150);
    await write(many, 'check', true);
    await write(many, 'unchanged');
    await write([owned('d0/f0.yaml', 'v: 2\n'), ...many.slice(1)], 'single step');
    // Two files, new directories: a swap, but too few files written to wait for.
    await write([...many, owned('x/1.yaml'), owned('y/2.yaml')], 'few');
    expect(
      (
        await write(
          many.map((f) => owned(f.path, 'v: 3\n')),
          'all again',
        )
      ).written,
    ).toHaveLength(150);
    // No manifest: nothing is recorded, so nothing is waited for.
    await writeTree(out, many, { check: false, idle: () => calls.push('no manifest') });
    expect(calls).toEqual(['fresh', 'all again']);
  });

  it('an edit behind meshc`s back with the same size and a restored mtime is seen through ctime, which utimes cannot restore', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    await writeTree(out, files, { check: false });
    // An mtime that utimes can restore exactly (a kernel timestamp has nanoseconds a Date cannot carry),
    // set before the manifest is taken (by a check, once that change is no longer racy).
    const abs = path.join(out, 'a.yaml');
    const t = new Date(1_600_000_000_000);
    await fsp.utimes(abs, t, t);
    await sleep(RACY_WINDOW_MS + 10);
    await writeTree(out, files, { check: true, manifestFile });
    const before = await lstat(abs);
    expect(readManifest(manifestFile, out)!.files.get('a.yaml')).toMatchObject({
      mtimeMs: t.getTime(),
      ctimeMs: before.ctimeMs,
    });
    await sleep(5);
    const edited = files[0]!.content.replace('kind: X', 'kind: Y');
    expect(edited.length).toBe(files[0]!.content.length);
    await writeFile(abs, edited);
    await fsp.utimes(abs, t, t);
    const after = await lstat(abs);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(after.ctimeMs).not.toBe(before.ctimeMs);
    takeOpened(out);

    const r = await writeTree(out, files, { check: true, manifestFile });
    expect(r.stale).toEqual([{ path: 'a.yaml', reason: 'changed' }]);
    expect(takeOpened(out)).toEqual(['a.yaml', 'd/user.yaml']);
    // (An edit that also forged ctime, by setting the system clock back, could not be seen by a stat:
    // nothing short of reading every file can see it; `meshc render` without a manifest still does.)

    // Replaced behind meshc's back by another file (a new inode) with the very same bytes: read, unchanged.
    await writeFile(`${abs}.tmp`, files[0]!.content);
    await fsp.rename(`${abs}.tmp`, abs);
    const w = await writeTree(out, files, { check: false, manifestFile });
    expect(w.unchanged).toContain('a.yaml');
    expect(takeOpened(out)).toEqual(['a.yaml', 'd/user.yaml']);
  });

  it('after a change of few files, the files carried over stand in at once (a ctime range); the few written are read back', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    const many = Array.from({ length: 40 }, (_, i) => owned(`d${i % 4}/f${i}.yaml`));
    await writeTree(out, many, { check: false, manifestFile });
    // An mtime utimes can restore exactly (see the test above), older than the racy window.
    const t = new Date(1_600_000_000_000);
    for (const f of many) await fsp.utimes(path.join(out, f.path), t, t);
    await sleep(RACY_WINDOW_MS + 10);

    // Two files change, so the tree is staged and swapped (one would be a single step: nothing carried).
    const next = [owned('d0/f0.yaml', 'v: 2\n'), owned('d1/f1.yaml', 'v: 2\n'), ...many.slice(2)];
    expect((await writeTree(out, next, { check: false, manifestFile })).written).toEqual([
      'd0/f0.yaml',
      'd1/f1.yaml',
    ]);
    const m = readManifest(manifestFile, out)!;
    // The two written files are left out (read back by the next run); every carried one is in, with a
    // range that holds its ctime now, and its stat otherwise exact.
    expect(m.files.has('d0/f0.yaml')).toBe(false);
    expect(m.files.has('d1/f1.yaml')).toBe(false);
    expect(m.files.size).toBe(38);
    for (const [p, e] of m.files) {
      const st = await lstat(path.join(out, p));
      expect(e.ctimeMaxMs, p).toBeDefined();
      expect(st.ctimeMs).toBeGreaterThanOrEqual(e.ctimeMs);
      expect(st.ctimeMs).toBeLessThanOrEqual(e.ctimeMaxMs!);
      expect([st.ino, st.size, st.mtimeMs, e.hash]).toEqual([
        e.ino,
        e.size,
        t.getTime(),
        blobHash(next.find((f) => f.path === p)!.content),
      ]);
    }
    takeOpened(out);
    expect((await writeTree(out, next, { check: true, manifestFile })).stale).toEqual([]);
    expect(takeOpened(out)).toEqual(['d0/f0.yaml', 'd1/f1.yaml']);

    // A same-size edit of a carried file with its mtime restored: ctime leaves the range, so it is read.
    const abs = path.join(out, 'd2/f2.yaml');
    await sleep(5);
    const edited = many[2]!.content.replace('kind: X', 'kind: Y');
    await writeFile(abs, edited);
    await fsp.utimes(abs, t, t);
    const r = await writeTree(out, next, { check: true, manifestFile });
    expect(r.stale).toEqual([{ path: 'd2/f2.yaml', reason: 'changed' }]);
    expect(takeOpened(out)).toEqual(['d0/f0.yaml', 'd1/f1.yaml', 'd2/f2.yaml']);
    // A mode change alone moves ctime as well: read again, found unchanged.
    await writeTree(out, next, { check: false, manifestFile });
    await sleep(RACY_WINDOW_MS + 10);
    await writeTree(out, next, { check: true, manifestFile });
    takeOpened(out);
    await fsp.chmod(path.join(out, 'd3/f3.yaml'), 0o600);
    expect((await writeTree(out, next, { check: true, manifestFile })).stale).toEqual([]);
    expect(takeOpened(out)).toContain('d3/f3.yaml');
  });

  it('a non-racy entry is trusted (a forged hash shows it), a racy one is read again', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    await writeTree(out, files, { check: false, manifestFile });
    const m = readManifest(manifestFile, out)!;
    const a = m.files.get('a.yaml')!;
    // What the trusted case below rests on, said on its own if it ever fails (it did once, under load): the
    // writer recorded the file, with the stat it has now, taken a full window after the file last changed.
    const st = await lstat(path.join(out, 'a.yaml'));
    const facts = JSON.stringify({ entry: a, taken: m.taken, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
    expect(a, facts).toBeDefined();
    expect(statMatches(a, st), facts).toBe(true);
    expect(isRacy(a, m.taken), facts).toBe(false);
    const forged = new Map(m.files).set('a.yaml', { ...a, hash: blobHash('something else') });
    takeOpened(out);

    // Trusted: the stat matches and is older than the window before `taken`, so the (forged) hash
    // stands in for the bytes, which are not read. This is what the manifest is for.
    writeManifest(manifestFile, { ...m, files: forged });
    expect((await writeTree(out, files, { check: true, manifestFile })).stale).toEqual([
      { path: 'a.yaml', reason: 'changed' },
    ]);
    expect(takeOpened(out)).toEqual(['d/user.yaml']);

    // Racy: taken within the window after the file last changed: read again, and found unchanged.
    const racyTaken = Math.max(a.mtimeMs, a.ctimeMs) + RACY_WINDOW_MS / 2;
    writeManifest(manifestFile, { ...m, taken: racyTaken, files: forged });
    const r = await writeTree(out, files, { check: true, manifestFile });
    expect(r.stale).toEqual([]);
    // (The other files were written in the same instant: racy too.)
    expect(takeOpened(out)).toEqual(['a.yaml', 'd/b.yaml', 'd/e/c.yaml', 'd/user.yaml']);
  });

  it('a missing, corrupt or unwritable manifest, or one inside the output tree, is ignored: same results, never an error', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    await writeTree(out, files, { check: false });
    await mkdir(path.dirname(manifestFile), { recursive: true });
    for (const junk of ['', '{"kind":', 'null', '\u0000garbage']) {
      await writeFile(manifestFile, junk);
      const r = await writeTree(out, [...files, owned('n.yaml')], { check: true, manifestFile });
      expect(r).toEqual(await writeTree(out, [...files, owned('n.yaml')], { check: true }));
    }
    // A check rewrote it: now usable.
    expect(readManifest(manifestFile, out)).toBeDefined();
    await writeFile(manifestFile, '{ corrupt');
    expect(
      (await writeTree(out, [...files, owned('n.yaml')], { check: false, manifestFile })).written,
    ).toEqual(['n.yaml']);
    // Rewritten: usable again (the one file of that single step is left out, to be read next time).
    const rewritten = readManifest(manifestFile, out)!;
    expect(rewritten.files.has('a.yaml')).toBe(true);
    expect(rewritten.files.has('n.yaml')).toBe(false);

    // Unwritable (its directory is a file): the render succeeds all the same.
    await writeFile(path.join(parent, 'blocker'), 'x');
    const blocked = path.join(parent, 'blocker', 'm.json');
    const w = await writeTree(out, [owned('z.yaml')], { check: false, manifestFile: blocked });
    expect(w).toMatchObject({ written: ['z.yaml'], diagnostics: [] });

    // Inside the output tree: not used, so nothing of meshc's bookkeeping lands in the GitOps repository.
    const inside = path.join(out, '.meshc', 'm.json');
    const i = await writeTree(out, [owned('z.yaml', 'v: 2\n')], { check: false, manifestFile: inside });
    expect(i).toMatchObject({ written: ['z.yaml'], diagnostics: [] });
    expect(await readdir(out)).toEqual(['d', 'z.yaml']);
  });

  it('a file edited while meshc writes (after the swap, before the manifest is taken) is not recorded as meshc`s', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    await writeTree(out, files, { check: false, manifestFile });
    await sleep(5);
    const b = path.join(out, 'd', 'b.yaml');
    const edited = files[1]!.content.replace('kind: X', 'kind: Z');
    faults.afterSwap = () => realFs.writeFileSync(b, edited);
    // Two files change, so the tree is swapped (the single step's case is the next test).
    const next = [owned('a.yaml', 'v: 2\n'), files[1]!, owned('d/e/c.yaml', 'v: 2\n'), files[3]!];
    expect((await writeTree(out, next, { check: false, manifestFile })).written).toEqual([
      'a.yaml',
      'd/e/c.yaml',
    ]);
    expect(await readFile(b, 'utf8')).toBe(edited);
    const want = { path: 'd/b.yaml', reason: 'changed' };
    expect((await writeTree(out, next, { check: true })).stale).toEqual([want]);
    expect((await writeTree(out, next, { check: true, manifestFile })).stale).toEqual([want]);
  });

  it('a file edited during a single step (after the scan, before the manifest is written) is not recorded as meshc`s', async () => {
    const { out, parent } = await freshOut();
    const manifestFile = manifestOf(parent);
    await writeTree(out, files, { check: false, manifestFile });
    await sleep(RACY_WINDOW_MS + 10);
    const b = path.join(out, 'd', 'b.yaml');
    const edited = files[1]!.content.replace('kind: X', 'kind: Z');
    faults.afterStep = () => realFs.writeFileSync(b, edited);
    const next = [owned('a.yaml', 'v: 2\n'), ...files.slice(1)];
    expect((await writeTree(out, next, { check: false, manifestFile })).written).toEqual(['a.yaml']);
    expect(await readFile(b, 'utf8')).toBe(edited);
    const want = { path: 'd/b.yaml', reason: 'changed' };
    expect((await writeTree(out, next, { check: true })).stale).toEqual([want]);
    expect((await writeTree(out, next, { check: true, manifestFile })).stale).toEqual([want]);
  });

  it('property: check and write give the same results with and without a manifest, over random trees and edits behind meshc`s back', async () => {
    const pool = ['a.yaml', 'b.yaml', 'd/c.yaml', 'd/e/f.yaml', 'g/h.yaml', 'd/i.yaml'];
    const fileArb = fc.record({
      path: fc.constantFrom(...pool),
      body: fc.constantFrom('x: 1\n', 'x: 2\n', 'xx: 10\n', ''),
      seed: fc.boolean(),
    });
    const treeArb = fc
      .uniqueArray(fileArb, { selector: (f) => f.path, maxLength: 5 })
      .map((fs) => fs.map((f) => (f.seed ? seed(f.path, `# ${f.body}`) : owned(f.path, f.body))));
    const editArb = fc.record({
      path: fc.constantFrom(...pool),
      kind: fc.constantFrom(
        'same-size-restored-mtime',
        'resize',
        'delete',
        'foreign',
        'touch',
        'replace',
        'symlink',
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        treeArb,
        fc.constantFrom('write', 'check'),
        fc.array(editArb, { maxLength: 3 }),
        treeArb,
        async (initial, recordedBy, edits, next) => {
          const { out, parent } = await freshOut();
          const manifestFile = manifestOf(parent);
          if (recordedBy === 'write') await writeTree(out, initial, { check: false, manifestFile });
          else {
            // A manifest taken by a check (the scan's own stat/bytes pairs), once the files are not racy.
            await writeTree(out, initial, { check: false });
            await sleep(RACY_WINDOW_MS + 10);
            await writeTree(out, initial, { check: true, manifestFile });
          }
          for (const e of edits) {
            const abs = path.join(out, ...e.path.split('/'));
            const st = await lstat(abs).catch(() => undefined);
            if (e.kind === 'foreign') {
              if (st) await rm(abs);
              await mkdir(path.dirname(abs), { recursive: true });
              await writeFile(abs, 'mine\n');
              continue;
            }
            if (!st?.isFile()) continue;
            const text = await readFile(abs, 'utf8');
            if (e.kind === 'same-size-restored-mtime') {
              await writeFile(
                abs,
                text.replace(/.$/s, (c) => (c === '\n' ? '\r' : '\n')),
              );
              await fsp.utimes(abs, st.atime, st.mtime);
            } else if (e.kind === 'resize') await writeFile(abs, `${text}y: 3\n`);
            else if (e.kind === 'delete') await rm(abs);
            else if (e.kind === 'touch') await fsp.utimes(abs, new Date(), new Date());
            else if (e.kind === 'replace') {
              await writeFile(`${abs}.new`, text);
              await fsp.rename(`${abs}.new`, abs);
            } else {
              await rm(abs);
              await symlink('elsewhere.yaml', abs);
            }
          }
          const checkWith = await writeTree(out, next, { check: true, manifestFile });
          const checkWithout = await writeTree(out, next, { check: true });
          expect(checkWith).toEqual(checkWithout);
          const w = await writeTree(out, next, { check: false, manifestFile });
          expect(w.diagnostics).toEqual(checkWithout.diagnostics);
          if (w.diagnostics.length > 0) return;
          expect(w.unchanged).toEqual(checkWithout.unchanged);
          expect(w.removed).toEqual(
            checkWithout.stale.filter((s) => s.reason === 'extra').map((s) => s.path),
          );
          for (const s of checkWithout.stale) if (s.reason !== 'extra') expect(w.written).toContain(s.path);
          const after = await writeTree(out, next, { check: true });
          expect(after.stale).toEqual([]);
          expect(await writeTree(out, next, { check: true, manifestFile })).toEqual(after);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
