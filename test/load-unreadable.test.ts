/**
 * A spec file the loader cannot read (not UTF-8, over the size limit, a broken symlink): `meshc validate`
 * reports that, once, and not the references of the rest of the spec to the services the file may declare
 * (bookinfo's environments override bookinfo/ratings, its services call it); `meshc render` still fails and
 * writes nothing.
 */
import { existsSync } from 'node:fs';
import { appendFile, cp, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../src/load/load-project.ts';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { tempDir } from './helpers/spec-tree.ts';

interface Found {
  readonly code: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
}

/** The bookinfo example without its rendered output, with services/ratings.yaml made unreadable by `spoil`. */
async function bookinfo(spoil: (file: string) => Promise<void>): Promise<string> {
  const dir = await tempDir('meshc-load-');
  await cp(path.join(repoRoot, 'examples', 'bookinfo'), dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'rendered',
  });
  await spoil(path.join(dir, 'services', 'ratings.yaml'));
  return dir;
}

async function validate(dir: string): Promise<{ code: number; found: string[] }> {
  const r = await runCli(['validate', '.', '--format', 'json'], { cwd: dir });
  const found = (JSON.parse(r.stdout) as { diagnostics: Found[] }).diagnostics;
  return { code: r.code, found: found.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`) };
}

const CASES: [string, (file: string) => Promise<void>, string][] = [
  [
    'a byte that is not UTF-8',
    (f) => appendFile(f, Buffer.from([0xff])),
    'FILE_UNREADABLE services/ratings.yaml:1:1',
  ],
  [
    'larger than the limit',
    (f) => appendFile(f, `# ${'x'.repeat(MAX_FILE_BYTES)}\n`),
    'FILE_TOO_LARGE services/ratings.yaml:1:1',
  ],
  [
    'a broken symlink',
    async (f) => {
      await rm(f);
      await symlink('nosuch.yaml', f);
    },
    // Matched by the glob `services/*.yaml` of meshc.yaml: reported at the glob.
    'FILE_UNREADABLE meshc.yaml:17:7',
  ],
];

describe('an unreadable spec file is one error, without "unknown service" for what it may declare', () => {
  for (const [name, spoil, expected] of CASES)
    it(`${name}: ${expected.split(' ')[0]} only; render fails and writes nothing`, async () => {
      const dir = await bookinfo(spoil);
      const { code, found } = await validate(dir);
      expect(code).toBe(1);
      expect(found).toEqual([expected]);
      const render = await runCli(['render', '.'], { cwd: dir });
      expect(render.code).toBe(1);
      expect(existsSync(path.join(dir, 'rendered'))).toBe(false);
      // With the file gone instead (everything there read), those references are unknown indeed.
      await rm(path.join(dir, 'services', 'ratings.yaml'));
      const gone = await validate(dir);
      expect(gone.code).toBe(1);
      expect(gone.found).toContain('OVERRIDE_SERVICE_UNKNOWN environments/prod.yaml:62:5');
    });
});
