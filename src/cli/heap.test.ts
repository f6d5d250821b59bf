import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/shared.ts';
import {
  COLLECT_ABOVE_BYTES,
  HEAP_GROWING_FLAG,
  LARGE_SPEC_CHARS,
  collectReleased,
  fitHeapGrowth,
  isLargeSpec,
} from './heap.ts';

/**
 * A process that keeps ~100 MB live and allocates ~1 GB that lives long enough to reach the old
 * generation (a ring of recent objects), as a compile does; prints the largest heap in use it saw (MiB).
 * `flag` is set at run time, as the entry points set it (bin/meshc.js).
 */
const WORKLOAD = `
import v8 from 'node:v8';
const flag = process.argv[1];
if (flag) v8.setFlagsFromString(flag);
const live = [];
for (let i = 0; i < 1_000_000; i++) live.push({ i, s: 'x' + i });
const ring = new Array(200_000);
let peak = 0;
for (let i = 0; i < 6_000_000; i++) {
  ring[i % ring.length] = { i, a: [i, i + 1], s: 'y' + i };
  if (i % 50_000 === 0) peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
}
process.stdout.write(String(Math.round(peak / 2 ** 20)) + ' ' + live.length);
`;

async function peakMiB(flag: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '-e',
    WORKLOAD,
    flag,
  ]);
  const [peak, live] = stdout.split(' ').map(Number);
  expect(live).toBe(1_000_000);
  return peak!;
}

describe('fitHeapGrowth', () => {
  // Memory, not time: the same allocations with and without the setting, in fresh processes. V8's default
  // lets this heap reach ~4x its live data (~430 MiB here) before a full collection; at 1.5x it stays near
  // 180 MiB. Checked with a wide margin, so that only a setting that does not take effect at run time
  // (a Node release that ignores it) fails.
  it('keeps the heap near its live data where V8 would let it grow to several times that', async () => {
    const [without, bounded] = await Promise.all([peakMiB(''), peakMiB(HEAP_GROWING_FLAG)]);
    expect(bounded).toBeLessThan(without * 0.7);
  }, 60_000);

  it("sets nothing outside meshc's own process, whatever the spec's size", () => {
    expect(fitHeapGrowth([{ text: 'x'.repeat(LARGE_SPEC_CHARS) }])).toBe(false);
  });

  it('calls a spec large from LARGE_SPEC_CHARS characters of its files, summed', () => {
    const half = 'x'.repeat(LARGE_SPEC_CHARS / 2);
    expect(isLargeSpec([{ text: half }, { text: half }])).toBe(true);
    expect(isLargeSpec([{ text: half }, { text: half.slice(1) }])).toBe(false);
    expect(isLargeSpec([])).toBe(false);
  });

  // The built module in a fresh process, as bin/meshc.js runs it. What the flag changes is V8's to tell: it
  // stamps the code it caches with its flags, and a process started without them rejects a cache stamped so.
  const built = path.join(repoRoot, 'dist/cli/heap.js');
  const code = 'function f(x) { return x + 1; } f(1);';
  /** A process run as meshc's own, with `nodeFlags`: what fitHeapGrowth answers, and the code cache it makes. */
  const fitIn = async (nodeFlags: string[]) => {
    const script = `
      import vm from 'node:vm';
      const heap = await import(${JSON.stringify(new URL(`file://${built}`).href)});
      heap.manageHeap();
      const spec = (n) => Array.from({ length: 4 }, () => ({ text: 'x'.repeat(n / 4) }));
      const script = new vm.Script(${JSON.stringify(code)});
      script.runInThisContext();
      const cache = () => script.createCachedData().toString('base64');
      const out = { small: heap.fitHeapGrowth(spec(${LARGE_SPEC_CHARS} - 4)) };
      out.large = heap.fitHeapGrowth(spec(${LARGE_SPEC_CHARS}));
      out.bounded = cache();
      heap.restoreHeapFlags();
      out.restored = cache();
      process.stdout.write(JSON.stringify(out));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...nodeFlags,
      '--input-type=module',
      '-e',
      script,
    ]);
    return JSON.parse(stdout) as { small: boolean; large: boolean; bounded: string; restored: string };
  };
  /** Whether a process started with `nodeFlags` rejects the code cache `cache` (base64). */
  const rejected = async (cache: string, nodeFlags: string[] = []) =>
    (
      await promisify(execFile)(process.execPath, [
        ...nodeFlags,
        '-e',
        `const vm = require('node:vm'); process.stdout.write(String(new vm.Script(${JSON.stringify(code)}, { cachedData: Buffer.from('${cache}', 'base64') }).cachedDataRejected));`,
      ])
    ).stdout;

  it.runIf(existsSync(built))(
    "in meshc's own process, bounds the growth from a large spec on, and puts the flag back",
    async () => {
      const made = await fitIn([]);
      expect([made.small, made.large]).toEqual([false, true]);
      expect(await rejected(made.bounded)).toBe('true');
      expect(await rejected(made.restored)).toBe('false');
    },
    60_000,
  );

  it.runIf(existsSync(built))(
    'leaves a growth node was started with as it is, and the code cache stamped with it',
    async () => {
      const own = ['--heap-growing-percent=25'];
      const made = await fitIn(own);
      expect([made.small, made.large]).toEqual([false, false]);
      expect(await rejected(made.restored, own)).toBe('false');
      // The flag counts: a process started without it rejects that cache.
      expect(await rejected(made.restored)).toBe('true');
    },
    60_000,
  );
});

describe('collectReleased', () => {
  it("does nothing outside meshc's own process (a library user, the in-process CLI of the tests)", () => {
    const garbage = Array.from({ length: 1000 }, (_, i) => ({ i }));
    expect(garbage).toHaveLength(1000);
    expect(collectReleased()).toBe(false);
  });

  // The built module in a fresh process (bin/meshc.js runs the same code from the CLI's bundle).
  const built = path.join(repoRoot, 'dist/cli/heap.js');
  it.runIf(existsSync(built))(
    "in meshc's own process, collects a large heap of garbage at once and leaves a small one alone",
    async () => {
      const script = `
        import v8 from 'node:v8';
        const { manageHeap, collectReleased } = await import(${JSON.stringify(new URL(`file://${built}`).href)});
        manageHeap();
        const used = () => v8.getHeapStatistics().used_heap_size;
        const small = collectReleased();
        // Garbage that has reached the old generation, as a compile's has when the command lets it go.
        let held = [];
        for (let i = 0; i < 4_000_000; i++) held.push({ i, s: 'x' + i });
        held = undefined;
        const before = used();
        const large = collectReleased();
        process.stdout.write(JSON.stringify({ small, large, before, after: used() }));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
      const r = JSON.parse(stdout) as { small: boolean; large: boolean; before: number; after: number };
      expect(r.small).toBe(false);
      expect(r.before).toBeGreaterThan(COLLECT_ABOVE_BYTES);
      expect(r.large).toBe(true);
      expect(r.after).toBeLessThan(r.before / 4);
    },
    60_000,
  );
});
