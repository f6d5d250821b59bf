/**
 * What bin/meshc.js needs before the CLI's bundle runs, bundled on its own (dist/cli/launch.cjs, by
 * scripts/bundle-cli.mjs): compiling the bundle with V8's code cache, the cache's directory, the heap's flag.
 * Loaded by one `require` of a small file, before the CLI's 3 MB.
 */
export { coverageOf, loadBundle } from './code-cache.ts';
export { HEAP_GROWING_FLAG } from './heap.ts';
export { renderCacheDir } from '../load/render-cache.ts';
