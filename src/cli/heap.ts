/**
 * How the meshc process lets its heap grow. After each full garbage collection V8 sets the next one's
 * trigger at up to 4x the live data (by default, when collecting is cheap next to allocating). A compile
 * allocates far more than it keeps, so a render's peak memory followed that factor, not what it holds: a
 * 40,000-service Linkerd fleet (4 environments) kept about 1.1 GiB live yet peaked at 2.3 GiB, with no full
 * collection between the model (0.5 GiB live) and the end of the layout. At 1.5x the collector runs about
 * as often while the fleet is small, and the peak follows the live data: 1.4 GiB for that fleet, in the
 * same time (`npm run bench`'s scale curve has the figures).
 *
 * Set by the command-line entry points (bin/meshc.js, the bench's child) before any work; a program that
 * uses meshc as a library keeps its own process's settings.
 */
import v8 from 'node:v8';

/** The growth of the heap between full collections, in percent: 50 = 1.5x the live data. */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flag that sets {@link HEAP_GROWING_PERCENT}. */
export const HEAP_GROWING_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

export function boundHeapGrowth(): void {
  v8.setFlagsFromString(HEAP_GROWING_FLAG);
}
