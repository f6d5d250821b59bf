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
  bundle = require('../dist/cli/launch.cjs').loadCli(dist, process.argv.slice(2), process.env);
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

const { main, manageHeap } = bundle.exports;
manageHeap();
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// After the command: what V8 compiled, for the next process (unless this one used the cache as it was).
bundle.save();
