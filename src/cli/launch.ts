/**
 * What bin/meshc.js runs before the CLI's bundle, bundled on its own (dist/cli/launch.cjs, by
 * scripts/bundle-cli.mjs) and loaded by one `require` of a small file: the CLI's bundle compiled with V8's
 * code cache (code-cache.ts) from meshc's cache directory, or from the build's seed.
 * The bench's child process (scripts/bench-child.mjs) starts meshc the same way.
 */
import path from 'node:path';
import { renderCacheDir } from '../load/render-cache.ts';
import { coverageOf, loadBundle, type LoadedBundle } from './code-cache.ts';

/**
 * The CLI's bundle of the build in `dist` (`dist/cli/meshc.cjs`), compiled for the command line `argv`.
 * `--no-cache` (render's: no cache read or written) and MESHC_NO_CODE_CACHE leave the code cache out, the
 * build's seed included: the bundle is then compiled as Node would compile it.
 */
export function loadCli(
  dist: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LoadedBundle {
  const off = argv.includes('--no-cache') || Boolean(env.MESHC_NO_CODE_CACHE);
  return loadBundle(path.join(dist, 'cli', 'meshc.cjs'), {
    cacheDir: off ? undefined : renderCacheDir(env),
    coverage: coverageOf(argv),
    // The build's seed, for a process with no cache of its own yet.
    ...(off ? {} : { seed: path.join(dist, 'cli', 'meshc.cjs.v8') }),
  });
}
