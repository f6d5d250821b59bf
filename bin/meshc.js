#!/usr/bin/env node
// Thin launcher: the compiled CLI is one CommonJS bundle, dist/cli/meshc.cjs (built by `npm run build`, which
// `npm ci` runs via `prepare`; scripts/bundle-cli.mjs says why it is one file), compiled with V8's code cache
// of an earlier run where there is a good one (src/cli/code-cache.ts says how it is kept and checked). A
// checkout that was never built has no dist/: say how to build it in one line instead of a stack trace.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist') + path.sep;
let bundle;
try {
  const { HEAP_GROWING_FLAG, coverageOf, loadBundle, renderCacheDir } = require('../dist/cli/launch.cjs');
  const argv = process.argv.slice(2);
  // `--no-cache` (render's: no cache read or written) and MESHC_NO_CODE_CACHE: the bundle compiled as Node
  // would, with no code cache read or written, the build's seed included.
  const noCodeCache = argv.includes('--no-cache') || Boolean(process.env.MESHC_NO_CODE_CACHE);
  bundle = loadBundle(path.join(dist, 'cli', 'meshc.cjs'), {
    cacheDir: noCodeCache ? undefined : renderCacheDir(process.env),
    coverage: coverageOf(argv),
    // The build's seed, for a process with no cache of its own yet.
    ...(noCodeCache ? {} : { seed: path.join(dist, 'cli', 'meshc.cjs.v8') }),
    // The heap grows by 1.5x the live data between full collections, not up to 4x (src/cli/heap.ts). Set
    // before the bundle is compiled: V8 stamps the code cache with the flags it was made under.
    flags: [HEAP_GROWING_FLAG],
  });
} catch (err) {
  const code = err && err.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ENOENT') throw err;
  // Which file is missing: a module (require, import) or the bundle itself (read).
  const missing =
    code === 'ENOENT' ? err.path : /Cannot find (?:module|package) '([^']+)'/.exec(String(err.message))?.[1];
  const notBuilt = missing !== undefined && path.resolve(here, missing).startsWith(dist);
  process.stderr.write(
    notBuilt
      ? 'meshc: the compiled CLI (dist/) is missing: run `npm ci` (or `npm run build`) first.\n'
      : `meshc: a dependency${missing ? ` (${missing})` : ''} is not installed: run \`npm ci\` (or reinstall meshc) first.\n`,
  );
  process.exit(2);
}

const { main, boundHeapGrowth } = bundle.exports;
boundHeapGrowth();
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// After the command: what V8 compiled, for the next process (unless this one used the cache as it was).
bundle.save();
