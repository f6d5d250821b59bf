/**
 * How the meshc process manages its heap.
 *
 * Growth. After each full garbage collection V8 sets the next one's trigger at up to 4x the live data (by
 * default, when collecting is cheap next to allocating). A compile allocates far more than it keeps, so a
 * render's peak memory followed that factor, not what it holds: a 40,000-service Linkerd fleet (4
 * environments) kept about 1.1 GiB live yet peaked at 2.3 GiB, with no full collection between the model
 * (0.5 GiB live) and the end of the layout. At 1.5x the collector runs about as often while the fleet is
 * small, and the peak follows the live data (`npm run bench`'s scale curve has the figures).
 *
 * Release. When the render command lets go of the compile before writing, most of the heap is garbage
 * that the collector has no reason to look at yet; the writer's own allocations then land on top of it.
 * {@link collectReleased} collects it there, once, when the heap is large.
 *
 * Both act only in meshc's own process (bin/meshc.js and the bench's child call {@link boundHeapGrowth}
 * before any work): a program that uses meshc as a library, or runs its CLI in-process as the tests do,
 * keeps its own process's settings.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** The growth of the heap between full collections, in percent: 50 = 1.5x the live data. */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flag that sets {@link HEAP_GROWING_PERCENT}. */
export const HEAP_GROWING_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/**
 * {@link collectReleased} collects only above this much heap in use: a full collection costs about the
 * live data it marks, which a small fleet's render leaves too little of to be worth a pause.
 */
export const COLLECT_ABOVE_BYTES = 256 * 1024 * 1024;

let ownProcess = false;
/** The collector's entry point, once asked for; null when this Node does not give it (then nothing collects). */
let gc: (() => void) | null | undefined;

export function boundHeapGrowth(): void {
  v8.setFlagsFromString(HEAP_GROWING_FLAG);
  ownProcess = true;
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
