import fs from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT, specTree } from '../../test/helpers/spec-tree.ts';
import { loadSpec } from './load-project.ts';
import { guardedStatSync, type Refusal } from './walk-guard.ts';

/** What the guarded stat answers for a path: the kind it stats to, a refusal, or the inner stat's error. */
function outcome(realRoot: string, p: string, refused = new Map<string, Refusal>()): string {
  try {
    const st = guardedStatSync(realRoot, refused)(p) as fs.Stats;
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = refused.get(path.resolve(realRoot, p));
    return why ? `refused ${why} (${err.code})` : `error ${err.code}`;
  }
}

describe('guardedStatSync (the synchronous walk follows a symlink only inside the repository, never up)', () => {
  it('refuses links out of the root and into their own ancestors, and answers as stat otherwise', async () => {
    const outside = await specTree({ 'x/evil.yaml': 'a: 1\n', 'secret.yaml': 'k: v\n' });
    const dir = await specTree({ 'meshc.yaml': PROJECT, 'a.yaml': 'a: 1\n', 'in/deep/b.yaml': 'b: 1\n' });
    const root = fs.realpathSync(dir);
    const links: [string, string][] = [
      ['file-link.yaml', 'a.yaml'],
      ['dir-link', 'in'],
      ['in/deep/sibling', '../../in'], // the link's grandparent: a loop
      ['in/cousin', 'deep'], // a child of the link's parent: not a loop
      ['in/up', '..'],
      ['in/here', '.'],
      ['top', '.'],
      ['in/deep/to-root', dir], // the root, spelled as it was given (maybe through a symlink): a loop
      ['to-slash', '/'],
      ['ext-dir', path.join(outside, 'x')],
      ['ext-file.yaml', path.join(outside, 'secret.yaml')],
      ['ext-via-dots', '../' + path.basename(outside)],
      ['gone.yaml', 'missing.yaml'],
      ['self.yaml', 'self.yaml'],
      ['ping', 'pong'],
      ['pong', 'ping'],
    ];
    for (const [link, target] of links) await symlink(target, path.join(dir, link));
    // ext-via-dots resolves next to the root: outside only if the root's parent holds `outside` too.
    const viaDots = path.dirname(root) === path.dirname(fs.realpathSync(outside));
    const refused = new Map<string, Refusal>();
    const got = Object.fromEntries(
      [
        'a.yaml',
        'in',
        ...links.map(([l]) => l),
        path.join(root, 'in', 'up'), // absolute, as the walk passes it
      ].map((p) => [p, outcome(root, p, refused)]),
    );
    expect(got).toEqual({
      'a.yaml': 'file',
      in: 'dir',
      'file-link.yaml': 'file',
      'dir-link': 'dir',
      'in/deep/sibling': 'refused loop (ELOOP)',
      'in/cousin': 'dir',
      'in/up': 'refused loop (ELOOP)',
      'in/here': 'refused loop (ELOOP)',
      top: 'refused loop (ELOOP)',
      'in/deep/to-root': 'refused loop (ELOOP)',
      'to-slash': 'refused outside (ELOOP)',
      'ext-dir': 'refused outside (ELOOP)',
      'ext-file.yaml': 'refused outside (ELOOP)',
      'ext-via-dots': viaDots ? 'refused outside (ELOOP)' : 'error ENOENT',
      'gone.yaml': 'error ENOENT',
      'self.yaml': 'error ELOOP',
      ping: 'error ELOOP',
      pong: 'error ELOOP',
      [path.join(root, 'in', 'up')]: 'refused loop (ELOOP)',
    });
    // Every refusal is recorded by absolute path, for the loader's diagnostics; stat errors are not.
    expect([...refused.keys()].every((k) => path.isAbsolute(k) && k.startsWith(root + path.sep))).toBe(true);
    expect(refused.get(path.join(root, 'ext-file.yaml'))).toBe('outside');
    expect(refused.get(path.join(root, 'in', 'up'))).toBe('loop');
    expect(refused.has(path.join(root, 'gone.yaml'))).toBe(false);
  });

  it('asks the inner stat (the walk seam) for what it does not refuse, and not for what it refuses', async () => {
    const outside = await specTree({ 'x.yaml': 'x: 1\n' });
    const dir = await specTree({ 'a.yaml': 'a: 1\n' });
    const root = fs.realpathSync(dir);
    await symlink(path.join(outside, 'x.yaml'), path.join(dir, 'ext.yaml'));
    await mkdir(path.join(dir, 'sub'));
    await symlink('..', path.join(dir, 'sub', 'up'));
    const asked: string[] = [];
    const inner = ((p: fs.PathLike, ...rest: unknown[]) => {
      asked.push(String(p));
      return (fs.statSync as (...a: unknown[]) => unknown)(p, ...rest);
    }) as unknown as typeof fs.statSync;
    const stat = guardedStatSync(root, new Map(), inner);
    expect(stat('a.yaml').isFile()).toBe(true);
    expect(() => stat('ext.yaml')).toThrow(/not following/);
    expect(() => stat('sub/up')).toThrow(/not following/);
    // The loop is found from the inner stat's answer (a directory): it is asked; the outside link is not.
    expect(asked).toEqual([path.join(root, 'a.yaml'), path.join(root, 'sub', 'up')]);
  });

  it('the loader refuses links named by patterns without magic (fast-glob stats those itself)', async () => {
    const outside = await specTree({ 'secret.yaml': 'k: v\n', 'd/x.yaml': 'x: 1\n' });
    const dir = await specTree({
      'meshc.yaml': PROJECT.replace(
        '"**/*.yaml"',
        '"a.yaml", "escape.yaml", "ext", "sub/up", "gone.yaml", "sub/up/a.yaml", "ext/x.yaml"',
      ),
      'a.yaml': 'a: 1\n',
    });
    await symlink(path.join(outside, 'secret.yaml'), path.join(dir, 'escape.yaml'));
    await symlink(path.join(outside, 'd'), path.join(dir, 'ext'));
    await symlink('missing.yaml', path.join(dir, 'gone.yaml'));
    await mkdir(path.join(dir, 'sub'));
    await symlink('..', path.join(dir, 'sub', 'up'));
    const r = await loadSpec(dir);
    expect(r.files.map((f) => f.path)).toEqual(['meshc.yaml', 'a.yaml', 'sub/up/a.yaml']);
    // What the asynchronous walk reported too: fast-glob stats a pattern without magic itself and lets the
    // refusal through as the pattern's error; a named file under an outside link is refused when inspected.
    expect(
      r.diagnostics.map((d) => `${d.code} ${d.location!.file}:${d.location!.line} ${d.message}`),
    ).toEqual([
      'FILE_UNREADABLE meshc.yaml:5 The pattern "escape.yaml" cannot be searched: "escape.yaml" could not be read (ELOOP).',
      'FILE_UNREADABLE meshc.yaml:5 The pattern "ext" cannot be searched: "ext" could not be read (ELOOP).',
      'FILE_UNREADABLE meshc.yaml:5 The pattern "sub/up" cannot be searched: "sub/up" could not be read (ELOOP).',
      'INCLUDE_NO_MATCH meshc.yaml:5 The pattern "gone.yaml" matches no file.',
      'PATH_OUTSIDE_ROOT ext/x.yaml:1 ext/x.yaml resolves to a file outside the spec repository.',
    ]);
  });
});
