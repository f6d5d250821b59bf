import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/shared.ts';
import { tempDir } from '../../test/helpers/spec-tree.ts';
import { codeCacheFile, coverageOf, loadBundle, writeSeed } from './code-cache.ts';
import { HEAP_GROWING_FLAG } from './heap.ts';
import { loadCli } from './launch.ts';

/** A small CommonJS "bundle": a sibling module required, its own paths, a value that tells builds apart. */
async function bundleDir(answer = 41): Promise<{ dir: string; bundle: string }> {
  const dir = await tempDir('meshc-code-cache-');
  await writeFile(path.join(dir, 'helper.cjs'), 'module.exports = (x) => x + 1;\n');
  const bundle = path.join(dir, 'bundle.cjs');
  await writeFile(bundle, bundleText(answer));
  return { dir, bundle };
}

function bundleText(answer: number): string {
  return [
    "'use strict';",
    "const helper = require('./helper.cjs');",
    "const path = require('node:path');",
    // Enough functions that V8's cache holds more than the top level (each compiled when first called).
    ...Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return [x, ${i}].join('-'); }`),
    `exports.answer = () => helper(${answer});`,
    `exports.all = () => [${Array.from({ length: 50 }, (_, i) => `f${i}(1)`).join(', ')}].length;`,
    'exports.where = () => [path.basename(__filename), path.basename(__dirname) === path.basename(path.dirname(__filename))];',
    '',
  ].join('\n');
}

// V8 takes a code cache back only in another process (within one, its own compilation cache answers first),
// so each run below is a fresh node process loading the built module, as bin/meshc.js does.
const built = path.join(repoRoot, 'dist/cli/code-cache.js');
const builtHeap = path.join(repoRoot, 'dist/cli/heap.js');

interface Run {
  state: string;
  saved: boolean;
  answer: number;
  all: number;
  where: [string, boolean];
}

async function runBundle(
  bundle: string,
  cacheDir: string | undefined,
  options: { coverage?: 'light' | 'full'; flags?: string[]; collect?: boolean; seed?: string } = {},
): Promise<Run> {
  const script = `
    const { loadBundle } = await import(${JSON.stringify(new URL(`file://${built}`).href)});
    const heap = await import(${JSON.stringify(new URL(`file://${builtHeap}`).href)});
    // A process started under other V8 flags: set before the bundle is compiled, as node's own would be.
    for (const flag of ${JSON.stringify(options.flags ?? [])}) (await import('node:v8')).default.setFlagsFromString(flag);
    const b = loadBundle(${JSON.stringify(bundle)}, {
      cacheDir: ${JSON.stringify(cacheDir)},
      coverage: ${JSON.stringify(options.coverage ?? 'full')},
      seed: ${JSON.stringify(options.seed)},
    });
    const out = { state: b.state, answer: b.exports.answer(), all: b.exports.all(), where: b.exports.where() };
    if (${JSON.stringify(options.collect ?? false)}) {
      // What a large render does (heap.ts): bounds the heap's growth for a large spec, and turns --expose-gc
      // on to collect before writing; main() puts the growth's flag back as the command ends.
      heap.manageHeap();
      if (!heap.fitHeapGrowth([{ text: 'x'.repeat(heap.LARGE_SPEC_CHARS) }])) throw new Error('did not bound');
      let held = [];
      for (let i = 0; i < 4_000_000; i++) held.push({ i, s: 'x' + i });
      held = undefined;
      if (!heap.collectReleased()) throw new Error('did not collect');
      heap.restoreHeapFlags();
    }
    out.saved = b.save();
    process.stdout.write(JSON.stringify(out));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as Run;
}

const ok = { answer: 42, all: 50, where: ['bundle.cjs', true] };

describe.runIf(existsSync(built))('the code cache of the CLI bundle (in fresh processes)', () => {
  it('is written by the first run and used by the next, which writes nothing', async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'absent', saved: true });
    expect(await readdir(cache)).toEqual([path.basename(codeCacheFile(cache, bundle))]);
    expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'used', saved: false });
  });

  it('is never used for another build of the bundle, even one of the same length', async () => {
    // V8 itself compares only the source's length: a stale cache would run the old code.
    const { dir, bundle } = await bundleDir(41);
    const cache = path.join(dir, 'cache');
    await runBundle(bundle, cache);
    const changed = bundleText(51);
    expect(changed.length).toBe(bundleText(41).length);
    await writeFile(bundle, changed);
    expect(await runBundle(bundle, cache)).toMatchObject({ answer: 52, state: 'other', saved: true });
    expect(await runBundle(bundle, cache)).toMatchObject({ answer: 52, state: 'used' });
  });

  it('is not used when damaged (a flipped byte, a truncated file, garbage), and is written afresh', async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    await runBundle(bundle, cache);
    const file = codeCacheFile(cache, bundle);
    const whole = await readFile(file);
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 100]! ^= 0x55;
    const damaged = [flipped, whole.subarray(0, whole.length - 1000), Buffer.from('not a cache at all')];
    for (const bytes of damaged) {
      await writeFile(file, bytes);
      expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'damaged', saved: true });
      expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'used' });
    }
  });

  it('made under other V8 flags, is rejected by V8 and written again', async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    await runBundle(bundle, cache, { flags: [HEAP_GROWING_FLAG] });
    expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'rejected', saved: true });
    expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'used' });
  });

  it('holds after a run that bounded its heap and collected it (heap.ts puts the flags it sets back)', async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    expect(await runBundle(bundle, cache, { collect: true })).toMatchObject({ state: 'absent', saved: true });
    expect(await runBundle(bundle, cache)).toMatchObject({ ...ok, state: 'used' });
  }, 60_000);

  it("made by --version, is renewed by the first command that runs more; --version uses a render's", async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    expect(await runBundle(bundle, cache, { coverage: 'light' })).toMatchObject({
      state: 'absent',
      saved: true,
    });
    expect(await runBundle(bundle, cache, { coverage: 'light' })).toMatchObject({ state: 'used' });
    expect(await runBundle(bundle, cache)).toMatchObject({ state: 'other', saved: true });
    expect(await runBundle(bundle, cache)).toMatchObject({ state: 'used', saved: false });
    expect(await runBundle(bundle, cache, { coverage: 'light' })).toMatchObject({ state: 'used' });
  });

  it("starts from the build's seed where it has no cache of its own, then writes its own", async () => {
    const { dir, bundle } = await bundleDir();
    const built = path.join(dir, 'build-cache');
    await runBundle(bundle, built);
    const seed = path.join(dir, 'bundle.cjs.v8');
    expect(writeSeed(bundle, built, seed)).toBe(true);
    const cache = path.join(dir, 'cache');
    expect(await runBundle(bundle, cache, { seed })).toMatchObject({ ...ok, state: 'seed', saved: true });
    expect(await runBundle(bundle, cache, { seed })).toMatchObject({ ...ok, state: 'used', saved: false });
    // Without a cache directory at all, the seed still serves, and nothing is written.
    expect(await runBundle(bundle, undefined, { seed })).toMatchObject({
      ...ok,
      state: 'seed',
      saved: false,
    });
  });

  it('never takes a seed made from another text of the bundle, or a damaged one', async () => {
    const { dir, bundle } = await bundleDir(41);
    const built = path.join(dir, 'build-cache');
    await runBundle(bundle, built);
    const seed = path.join(dir, 'bundle.cjs.v8');
    expect(writeSeed(bundle, built, seed)).toBe(true);
    const whole = await readFile(seed);
    // The seed is named by the text, not the file: copied elsewhere with the bundle, it still holds.
    const other = await tempDir('meshc-code-cache-moved-');
    await writeFile(path.join(other, 'helper.cjs'), 'module.exports = (x) => x + 1;\n');
    await writeFile(path.join(other, 'bundle.cjs'), bundleText(41));
    expect(await runBundle(path.join(other, 'bundle.cjs'), undefined, { seed })).toMatchObject({
      ...ok,
      state: 'seed',
    });
    // Another text of the same length: not taken.
    await writeFile(bundle, bundleText(51));
    expect(await runBundle(bundle, path.join(dir, 'c1'), { seed })).toMatchObject({
      answer: 52,
      state: 'absent',
    });
    await writeFile(bundle, bundleText(41));
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 100]! ^= 0x55;
    await writeFile(seed, flipped);
    expect(await runBundle(bundle, path.join(dir, 'c2'), { seed })).toMatchObject({ ...ok, state: 'absent' });
  });

  it('is read only when the user alone could have written it (it is compiled code)', async () => {
    const { dir, bundle } = await bundleDir();
    const cache = path.join(dir, 'cache');
    await runBundle(bundle, cache);
    const file = codeCacheFile(cache, bundle);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const planted: [string, () => Promise<void>][] = [
      ['a file others may write', () => chmod(file, 0o666)],
      ['in a directory others may write', () => chmod(cache, 0o777)],
    ];
    // As root, also a file of another user (chown needs root).
    if (process.getuid?.() === 0) planted.push(['a file of another user', () => chown(file, 4242, 4242)]);
    for (const [what, plant] of planted) {
      await plant();
      expect(await runBundle(bundle, cache), what).toMatchObject({ ...ok, state: 'other', saved: true });
      await chmod(cache, 0o755);
      // Written afresh, by this user alone: used.
      expect(await runBundle(bundle, cache), what).toMatchObject({ ...ok, state: 'used' });
    }
  });

  it('costs nothing but its shortcut when the directory cannot be written', async () => {
    const { dir, bundle } = await bundleDir();
    const blocked = path.join(dir, 'blocked');
    await writeFile(blocked, 'a file where the cache directory would be');
    expect(await runBundle(bundle, blocked)).toMatchObject({ ...ok, state: 'absent', saved: false });
    expect(await runBundle(bundle, path.join(blocked, 'below'))).toMatchObject({ ...ok, saved: false });
  });
});

describe('loadBundle in this process', () => {
  it('without a cache directory, runs the bundle as require would and writes nothing', async () => {
    const { dir, bundle } = await bundleDir();
    const b = loadBundle(bundle, { coverage: 'full' });
    const exports = b.exports as { answer(): number; all(): number; where(): unknown };
    expect([exports.answer(), exports.all(), exports.where()]).toEqual([42, 50, ['bundle.cjs', true]]);
    expect(b.state).toBe('off');
    expect(b.save()).toBe(false);
    expect(await readdir(dir)).toEqual(['bundle.cjs', 'helper.cjs']);
  });
});

describe('loadCli (what bin/meshc.js runs)', () => {
  // A build's layout: dist/cli/meshc.cjs (and its seed, absent here).
  async function dist(): Promise<string> {
    const { dir } = await bundleDir();
    await mkdir(path.join(dir, 'dist', 'cli'), { recursive: true });
    await rename(path.join(dir, 'bundle.cjs'), path.join(dir, 'dist', 'cli', 'meshc.cjs'));
    await rename(path.join(dir, 'helper.cjs'), path.join(dir, 'dist', 'cli', 'helper.cjs'));
    return path.join(dir, 'dist');
  }

  it("keeps the code cache in meshc's cache directory, and leaves it out for --no-cache or MESHC_NO_CODE_CACHE", async () => {
    const cacheDir = await tempDir('meshc-code-cache-cli-');
    for (const [argv, env] of [
      [['render', '--no-cache'], { MESHC_CACHE_DIR: cacheDir }],
      [['render'], { MESHC_CACHE_DIR: cacheDir, MESHC_NO_CODE_CACHE: '1' }],
    ] as const) {
      const b = loadCli(await dist(), argv, env);
      expect((b.exports as { answer(): number }).answer()).toBe(42);
      expect([b.state, b.save()]).toEqual(['off', false]);
    }
    expect(await readdir(cacheDir)).toEqual([]);
    const b = loadCli(await dist(), ['render'], { MESHC_CACHE_DIR: cacheDir });
    expect([b.state, b.save()]).toEqual(['absent', true]);
    expect((await readdir(cacheDir)).map((f) => f.replace(/-.*/, ''))).toEqual(['code']);
  });
});

describe('coverageOf', () => {
  it('is light for the version and the help only', () => {
    for (const argv of [[], ['--version'], ['-v'], ['version'], ['--help'], ['-h'], ['help', 'render']])
      expect(coverageOf(argv)).toBe('light');
    for (const argv of [['render'], ['validate', '--help'], ['diff'], ['matrix']])
      expect(coverageOf(argv)).toBe('full');
  });
});
