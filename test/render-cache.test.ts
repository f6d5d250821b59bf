/**
 * Issue 16: the render cache. An unchanged re-render (and `render --check`) is confirmed from the last
 * successful render's entry without compiling, but only while the tree on disk is exactly what that render
 * wrote; everything else renders in full, with the same output as without a cache.
 */
import { cp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCacheFile } from '../src/load/render-cache.ts';
import { parseCacheFile } from '../src/load/parse-cache.ts';
import { manifestFileFor } from '../src/write/manifest.ts';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { ISTIO_ENV, PROJECT, REVIEWS, specTree, tempDir } from './helpers/spec-tree.ts';

async function bookinfoCopy(): Promise<{ spec: string; cache: string; env: Record<string, string> }> {
  const spec = path.join(await tempDir('meshc-rc-'), 'bookinfo');
  await cp(path.join(repoRoot, 'examples/bookinfo'), spec, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('rendered'),
  });
  const cache = await tempDir('meshc-rc-cache-');
  return { spec, cache, env: { MESHC_CACHE_DIR: cache } };
}

/** Marks the cached entry's first warning, so that output printed from the cache can be told apart. */
async function markEntry(cache: string, outDir: string): Promise<void> {
  const file = renderCacheFile(cache, outDir);
  const entry = JSON.parse(await readFile(file, 'utf8'));
  expect(entry.diagnostics.length).toBeGreaterThan(0);
  entry.diagnostics[0].message = `FROM-CACHE ${entry.diagnostics[0].message}`;
  await writeFile(file, JSON.stringify(entry));
}

const reviewsFile = 'services/reviews.yaml';

describe('the render cache', () => {
  it('confirms an unchanged re-render and --check from the cache, with the output of a full render', async () => {
    const { spec, cache, env } = await bookinfoCopy();
    const out = path.join(spec, 'rendered');
    const first = await runCli(['render', spec], { env });
    expect(first.code).toBe(0);
    expect((await readdir(cache)).sort()).toEqual(
      [
        path.basename(parseCacheFile(cache, spec)),
        path.basename(renderCacheFile(cache, out)),
        path.basename(manifestFileFor(cache, out)),
      ].sort(),
    );
    const full = await runCli(['render', spec, '--no-cache'], { env });
    const cached = await runCli(['render', spec], { env });
    expect(cached).toEqual(full);
    expect(cached.stdout).toMatch(/rendered: 0 written, \d+ unchanged, 0 removed/);
    const check = await runCli(['render', spec, '--check'], { env });
    expect(check).toEqual(await runCli(['render', spec, '--check', '--no-cache'], { env }));
    expect(check.code).toBe(0);
    // The hit really came from the entry: a marked warning is printed as marked.
    await markEntry(cache, out);
    expect((await runCli(['render', spec], { env })).stdout).toContain('FROM-CACHE');
    expect((await runCli(['render', spec, '--check'], { env })).stdout).toContain('FROM-CACHE');
    // --no-cache neither reads it nor (after a successful render) keeps it from being replaced.
    expect((await runCli(['render', spec, '--no-cache'], { env })).stdout).not.toContain('FROM-CACHE');
    // --warnings-as-errors on a hit fails like a full render.
    const strict = await runCli(['render', spec, '--warnings-as-errors'], { env });
    expect(strict.code).toBe(1);
  });

  it('renders in full when a spec file, a rendered file or the set of files changed', async () => {
    const { spec, cache, env } = await bookinfoCopy();
    const out = path.join(spec, 'rendered');
    expect((await runCli(['render', spec], { env })).code).toBe(0);
    await markEntry(cache, out);

    // A rendered file edited by hand: --check finds it stale, render rewrites it.
    const files = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.yaml'));
    const victim = path.join(out, files.find((f) => f.includes('VirtualService')) ?? files[0]!);
    const original = await readFile(victim, 'utf8');
    await writeFile(victim, original.replace('weight', 'weight ') + '# edited\n');
    const check = await runCli(['render', spec, '--check'], { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('OUTPUT_STALE');
    const fixed = await runCli(['render', spec], { env });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/rendered: 1 written/);
    expect(fixed.stdout).not.toContain('FROM-CACHE');
    expect(await readFile(victim, 'utf8')).toBe(original);

    // The same size, the old modification time put back: the writer's manifest does not vouch for it (its
    // ctime moved), so the file is read, and found changed.
    await markEntry(cache, out);
    const { mtime, atime } = await stat(victim);
    await writeFile(
      victim,
      original.replace(/kind: (\w)/, (_, c: string) => `kind: ${c === 'X' ? 'Y' : 'X'}`),
    );
    await utimes(victim, atime, mtime);
    expect((await stat(victim)).size).toBe(Buffer.byteLength(original));
    const forged = await runCli(['render', spec, '--check'], { env });
    expect(forged.code).toBe(1);
    expect(forged.stdout).not.toContain('FROM-CACHE');
    expect((await runCli(['render', spec], { env })).stdout).toMatch(/rendered: 1 written/);

    // A copy of an owned file under another name is no longer produced: removed, not confirmed.
    await markEntry(cache, out);
    await writeFile(path.join(path.dirname(victim), 'extra.yaml'), original);
    const extra = await runCli(['render', spec], { env });
    expect(extra.stdout).toMatch(/1 removed/);
    expect(extra.stdout).not.toContain('FROM-CACHE');

    // A deleted file is written again.
    await markEntry(cache, out);
    await rm(victim);
    const missing = await runCli(['render', spec], { env });
    expect(missing.stdout).toMatch(/rendered: 1 written/);

    // A spec change is another key: the new render, not the entry.
    await markEntry(cache, out);
    const reviews = path.join(spec, reviewsFile);
    await writeFile(
      reviews,
      (await readFile(reviews, 'utf8')).replace(/v1: 90/, 'v1: 80').replace(/v2: 10/, 'v2: 20'),
    );
    const changed = await runCli(['render', spec], { env });
    expect(changed.code).toBe(0);
    expect(changed.stdout).not.toContain('FROM-CACHE');
    expect(changed.stdout).not.toMatch(/ 0 written/);
  });

  it('ignores a corrupt or foreign entry, and a cache directory that cannot be written', async () => {
    const { spec, cache, env } = await bookinfoCopy();
    const out = path.join(spec, 'rendered');
    const full = await runCli(['render', spec, '--no-cache'], { env });
    expect(full.code).toBe(0);
    for (const junk of ['', '{', 'null', '[]', JSON.stringify({ format: 1, key: 'x', files: 3 })]) {
      await writeFile(renderCacheFile(cache, out), junk);
      const r = await runCli(['render', spec], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        full.stdout.replace(/(\d+) written, 0 unchanged/, (_, n) => `0 written, ${n} unchanged`),
      );
    }
    // A file where the cache directory should be: renders work, nothing is cached.
    const blocked = path.join(await tempDir('meshc-rc-blocked-'), 'file');
    await writeFile(blocked, 'not a directory');
    const r = await runCli(['render', spec], { env: { MESHC_CACHE_DIR: path.join(blocked, 'sub') } });
    expect(r.code).toBe(0);
  });

  it('parses only the files a change touched, with the output of a render from scratch', async () => {
    const { spec, cache, env } = await bookinfoCopy();
    const out = path.join(spec, 'rendered');
    expect((await runCli(['render', spec], { env })).code).toBe(0);
    const parseFile = parseCacheFile(cache, spec);
    const saved = JSON.parse(await readFile(parseFile, 'utf8'));
    expect(Object.keys(saved.files)).toContain(reviewsFile);

    // One file changes: the render equals a render from scratch of the same spec in another output.
    const inodes = async () => {
      const entries = ['', ...(await readdir(out, { recursive: true }))];
      return new Map(
        await Promise.all(entries.map(async (e) => [e, (await stat(path.join(out, e))).ino] as const)),
      );
    };
    const before = await inodes();
    const reviews = path.join(spec, reviewsFile);
    await writeFile(reviews, (await readFile(reviews, 'utf8')).replace(/timeout: 10s/, 'timeout: 11s'));
    const changed = await runCli(['render', spec], { env });
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/rendered: 1 written, \d+ unchanged, 0 removed/);
    // It renders to one file, written by one rename in place (the writer's single step): every other
    // file and directory, the output directory too, is the very same inode.
    const after = await inodes();
    const moved = [...after].filter(([e, ino]) => before.get(e) !== ino).map(([e]) => e);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatch(/_virtualservice_reviews\./);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const other = path.join(await tempDir('meshc-rc-other-'), 'rendered');
    expect((await runCli(['render', spec, '-o', other, '--no-cache'], { env })).code).toBe(0);
    for (const f of (await readdir(out, { recursive: true })).filter((x) => x.endsWith('.yaml')))
      expect(await readFile(path.join(out, f), 'utf8')).toBe(await readFile(path.join(other, f), 'utf8'));

    // The unchanged files came from the cache: values planted under a file's hash are what the render reads.
    const planted = JSON.parse(await readFile(parseFile, 'utf8'));
    const details = planted.files['services/details.yaml'];
    expect(details).toBeDefined();
    details[1][0].metadata.name = 'planted';
    await writeFile(parseFile, JSON.stringify(planted));
    await rm(renderCacheFile(cache, out));
    const r = await runCli(['render', spec, '--check'], { env });
    expect(r.stdout).toMatch(/planted/);
  });

  it('keeps the parse cache as it is after a change to a small part of the spec, and rewrites it after a larger one', async () => {
    // 40 service files of about the same size: one is 1/42 of the spec's text, two are more than 1/32.
    const files: Record<string, string> = {
      'meshc.yaml': PROJECT,
      'environments/prod.yaml': ISTIO_ENV,
    };
    const svc = (i: number, timeout = '10s') =>
      REVIEWS.replace('name: reviews', `name: s${String(i).padStart(2, '0')}`).replace(
        'timeout: 10s',
        `timeout: ${timeout}`,
      );
    for (let i = 0; i < 40; i++) files[`services/s${String(i).padStart(2, '0')}.yaml`] = svc(i);
    const spec = await specTree(files);
    const cache = await tempDir('meshc-rc-cache-');
    const env = { MESHC_CACHE_DIR: cache };
    expect((await runCli(['render', spec], { env })).code).toBe(0);
    const parseFile = parseCacheFile(cache, spec);
    const saved = await readFile(parseFile, 'utf8');
    expect(Object.keys(JSON.parse(saved).files)).toHaveLength(42);

    await writeFile(path.join(spec, 'services/s00.yaml'), svc(0, '11s'));
    const one = await runCli(['render', spec], { env });
    expect(one.stdout).toMatch(/ [1-9]\d* written/);
    expect(await readFile(parseFile, 'utf8')).toBe(saved);

    await writeFile(path.join(spec, 'services/s01.yaml'), svc(1, '11s'));
    expect((await runCli(['render', spec], { env })).code).toBe(0);
    const rewritten = JSON.parse(await readFile(parseFile, 'utf8'));
    expect(rewritten.files['services/s00.yaml'][0]).not.toBe(JSON.parse(saved).files['services/s00.yaml'][0]);
    // And the renders equal a render without any cache.
    const other = path.join(await tempDir('meshc-rc-other-'), 'rendered');
    expect((await runCli(['render', spec, '-o', other, '--no-cache'], { env })).code).toBe(0);
    const out = path.join(spec, 'rendered');
    for (const f of (await readdir(out, { recursive: true })).filter((x) => x.endsWith('.yaml')))
      expect(await readFile(path.join(out, f), 'utf8')).toBe(await readFile(path.join(other, f), 'utf8'));
  });
});
