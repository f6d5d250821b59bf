/**
 * How the meshc process manages its heap.
 *
 * Growth. After each full garbage collection V8 sets the next one's trigger at up to 4x the live data (by
 * default, when collecting is cheap next to allocating). A compile allocates far more than it keeps, so a
 * large render's peak memory followed that factor, not what it holds: a 40,000-service Linkerd fleet (4
 * environments) kept about 1.1 GiB live yet peaked at 2.3 GiB, with no full collection between the model
 * (0.5 GiB live) and the end of the layout. At 1.5x the peak follows the live data (`npm run bench`'s
 * scale curve has the figures). But the collector then runs more often: a render of 2,000 services x 4
 * environments took 5% (Istio) and 2.5% (Linkerd) longer, one of 10,000 x 4 8% and 11% longer, for 0 and
 * 43 MiB less at its peak. So the growth is bounded only for a spec of {@link LARGE_SPEC_CHARS} or more
 * ({@link fitHeapGrowth}, once the command has read it), where the memory is what matters.
 *
 * Release. When the render command lets go of the compile before writing, most of the heap is garbage
 * that the collector has no reason to look at yet; the writer's own allocations then land on top of it.
 * {@link collectReleased} collects it there, once, when the heap is large.
 *
 * Both act only in meshc's own process (bin/meshc.js and the bench's child call {@link manageHeap} before
 * any work): a program that uses meshc as a library, or runs its CLI in-process as the tests do, keeps its
 * own process's settings. V8 stamps the code cache it makes (code-cache.ts) with the process's flags, so
 * each flag set here is put back before the command ends ({@link restoreHeapFlags}, called by cli/main.ts):
 * the next process, which compiles without it, would reject the cache otherwise.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** The growth of the heap between full collections, in percent: 50 = 1.5x the live data. */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flag that sets {@link HEAP_GROWING_PERCENT}. */
export const HEAP_GROWING_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/** The same flag at V8's default (0: V8 chooses the growth), which puts the flags back as they were. */
const HEAP_GROWING_DEFAULT = '--heap-growing-percent=0';

/**
 * The size of spec (in characters of its files' text, about bytes) from which {@link fitHeapGrowth} bounds
 * the heap's growth: about 20,000 services of the bench's spec. Just below it, V8's own growth costs memory
 * for speed: 20,000 Linkerd services x 4 environments (14 MB of spec) peaked at 845 MiB in 8.8 s against
 * 747 MiB in 9.4 s bounded, and 21,000 App Mesh services (the most memory per service, 16.7 MB) at 1,248 MiB
 * in 12.3 s against 1,025 MiB in 13.3 s. Above it the bound is what keeps 40,000 x 4 under 2 GiB.
 */
export const LARGE_SPEC_CHARS = 16 * 1024 * 1024;

/**
 * {@link collectReleased} collects only above this much heap in use: a full collection costs about the
 * live data it marks, which a small fleet's render leaves too little of to be worth a pause.
 */
export const COLLECT_ABOVE_BYTES = 256 * 1024 * 1024;

let ownProcess = false;
/** Whether {@link fitHeapGrowth} set {@link HEAP_GROWING_FLAG} (and {@link restoreHeapFlags} has not put it back). */
let bounded = false;
/** The collector's entry point, once asked for; null when this Node does not give it (then nothing collects). */
let gc: (() => void) | null | undefined;

/** This process is meshc's own (bin/meshc.js, the bench's child): the functions below may set its heap. */
export function manageHeap(): void {
  ownProcess = true;
}

/**
 * Whether node was started with its own heap growth (`node --heap-growing-percent=N bin/meshc.js`): then
 * {@link fitHeapGrowth} leaves it, and the flags the code cache is stamped with, as the user set them.
 */
function growthChosenAtStart(): boolean {
  return process.execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
}

/**
 * Bounds the heap's growth between full collections to {@link HEAP_GROWING_PERCENT} in meshc's own process,
 * when the spec a command has read (its files' text) is {@link LARGE_SPEC_CHARS} or more. V8 reads the
 * setting at each full collection, so it takes effect from the next one. Returns whether it is set (never
 * over a growth node was started with).
 */
export function fitHeapGrowth(files: readonly { readonly text: string }[]): boolean {
  if (!ownProcess || growthChosenAtStart()) return false;
  if (isLargeSpec(files) && !bounded) {
    v8.setFlagsFromString(HEAP_GROWING_FLAG);
    bounded = true;
  }
  return bounded;
}

/** Whether a spec (its files' text) is {@link LARGE_SPEC_CHARS} or more: where memory matters more than time. */
export function isLargeSpec(files: readonly { readonly text: string }[]): boolean {
  let chars = 0;
  for (const f of files) chars += f.text.length;
  return chars >= LARGE_SPEC_CHARS;
}

/** Puts back the flag {@link fitHeapGrowth} set, as the command ends (the code cache, above). */
export function restoreHeapFlags(): void {
  if (!bounded) return;
  v8.setFlagsFromString(HEAP_GROWING_DEFAULT);
  bounded = false;
}

/**
 * A full collection now, in meshc's own process when more than {@link COLLECT_ABOVE_BYTES} of heap is in
 * use: for the moment a command has just let go of most of what it held. Returns whether it collected.
 */
export function collectReleased(): boolean {
  if (!ownProcess || v8.getHeapStatistics().used_heap_size < COLLECT_ABOVE_BYTES) return false;
  if (gc === undefined) {
    // node exposes the collector to a context created after --expose-gc is set. A Node that did not would
    // only cost this collection, never the render.
    v8.setFlagsFromString('--expose-gc');
    try {
      const fn: unknown = vm.runInNewContext('typeof gc === "function" ? gc : null');
      gc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      gc = null;
    }
    // The flag back as it was: V8 stamps the code cache written after the command (code-cache.ts) with the
    // process's flags, and the next process, which compiles without this one, would reject it.
    v8.setFlagsFromString('--no-expose-gc');
  }
  if (gc === null) return false;
  gc();
  return true;
}
