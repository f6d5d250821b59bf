import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMPORT_MANIFEST, writeImport } from './import-files.ts';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'meshc-import-write-'));

describe('writeImport', () => {
  it('writes into a new directory and records what it wrote', async () => {
    const dir = path.join(await tmp(), 'new');
    const r = await writeImport(dir, [{ path: 'services/a/b.yaml', content: 'x: 1\n' }]);
    expect(r).toEqual({ written: ['services/a/b.yaml'], removed: [], diagnostics: [] });
    const manifest = JSON.parse(await readFile(path.join(dir, IMPORT_MANIFEST), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(['services/a/b.yaml']);
  });

  it('replaces its own unedited files and removes those a new import no longer writes', async () => {
    const dir = await tmp();
    await writeImport(dir, [
      { path: 'a.yaml', content: 'a: 1\n' },
      { path: 'gone.yaml', content: 'g: 1\n' },
    ]);
    const r = await writeImport(dir, [{ path: 'a.yaml', content: 'a: 2\n' }]);
    expect(r.removed).toEqual(['gone.yaml']);
    expect(await readFile(path.join(dir, 'a.yaml'), 'utf8')).toBe('a: 2\n');
    expect((await readdir(dir)).sort()).toEqual([IMPORT_MANIFEST, 'a.yaml']);
  });

  it('never removes or overwrites an edited file, and an unreadable manifest vouches for nothing', async () => {
    const dir = await tmp();
    await writeImport(dir, [{ path: 'a.yaml', content: 'a: 1\n' }]);
    await writeFile(path.join(dir, 'a.yaml'), 'a: mine\n');
    const r = await writeImport(dir, [{ path: 'b.yaml', content: 'b: 1\n' }], { force: true });
    // With --force the new file is written beside it, and the edited one is not removed as stale.
    expect(r.written).toEqual(['b.yaml']);
    expect(await readFile(path.join(dir, 'a.yaml'), 'utf8')).toBe('a: mine\n');
    await writeFile(path.join(dir, IMPORT_MANIFEST), '{ not json');
    const again = await writeImport(dir, [{ path: 'b.yaml', content: 'b: 2\n' }], { force: true });
    expect(again.diagnostics.map((d) => d.code)).toEqual(['IMPORT_OUTPUT_NOT_EMPTY']);
    expect(await readFile(path.join(dir, 'b.yaml'), 'utf8')).toBe('b: 1\n');
  });

  it('refuses a path that would leave the directory, before writing anything', async () => {
    const root = await tmp();
    const dir = path.join(root, 'out');
    for (const bad of [
      '../escaped.yaml',
      'services/a/../../../escaped.yaml',
      '/abs.yaml',
      'a\\b.yaml',
      'a//b.yaml',
    ]) {
      const r = await writeImport(dir, [
        { path: 'meshc.yaml', content: 'a: 1\n' },
        { path: bad, content: 'x: 1\n' },
      ]);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['PATH_OUTSIDE_ROOT']);
      expect(r.written).toEqual([]);
    }
    expect(await readdir(root)).toEqual([]);
  });

  it('never writes through a symbolic link, and counts a link as a file of the user', async () => {
    const root = await tmp();
    const elsewhere = path.join(root, 'elsewhere');
    await mkdir(elsewhere);
    const dir = path.join(root, 'out');
    await writeImport(dir, [{ path: 'services/a/b.yaml', content: 'x: 1\n' }]);
    await symlink(elsewhere, path.join(dir, 'services', 'linked'));
    const plain = await writeImport(dir, [{ path: 'services/a/b.yaml', content: 'x: 2\n' }]);
    expect(plain.diagnostics.map((d) => d.code)).toEqual(['IMPORT_OUTPUT_NOT_EMPTY']);
    expect(plain.diagnostics[0]!.message).toContain('services/linked');
    const through = await writeImport(dir, [{ path: 'services/linked/c.yaml', content: 'x: 3\n' }], {
      force: true,
    });
    expect(through.diagnostics.map((d) => d.code)).toEqual(['PATH_OUTSIDE_ROOT']);
    expect(await readdir(elsewhere)).toEqual([]);
  });
});
