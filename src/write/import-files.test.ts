import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
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
});
