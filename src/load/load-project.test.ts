import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT, dedent, specTree } from '../../test/helpers/spec-tree.ts';
import { MAX_FILE_BYTES, loadSpec } from './load-project.ts';

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

  it('warns about a glob that matches nothing, at the pattern', async () => {
    const dir = await specTree({ 'meshc.yaml': PROJECT.replace('"**/*.yaml"', '"services/*.yaml"') });
    expect(codes(await loadSpec(dir))).toEqual(['INCLUDE_NO_MATCH meshc.yaml:5']);
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
