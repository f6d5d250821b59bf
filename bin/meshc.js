#!/usr/bin/env node
// Thin launcher: the compiled CLI is one CommonJS bundle, dist/cli/meshc.cjs (built by `npm run build`, which
// `npm ci` runs via `prepare`; scripts/bundle-cli.mjs says why it is one file). A checkout that was never built
// has no dist/: say how to build it in one line instead of a stack trace.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let main;
let boundHeapGrowth;
try {
  ({ main, boundHeapGrowth } = require('../dist/cli/meshc.cjs'));
} catch (err) {
  if (!err || err.code !== 'MODULE_NOT_FOUND') throw err;
  const module = /Cannot find module '([^']+)'/.exec(String(err.message))?.[1];
  const notBuilt = module !== undefined && module.replace(/\\/g, '/').endsWith('dist/cli/meshc.cjs');
  process.stderr.write(
    notBuilt
      ? 'meshc: the compiled CLI (dist/) is missing: run `npm ci` (or `npm run build`) first.\n'
      : `meshc: a dependency${module ? ` (${module})` : ''} is not installed: run \`npm ci\` (or reinstall meshc) first.\n`,
  );
  process.exit(2);
}

// The heap grows by 1.5x the live data between full collections, not up to 4x (src/cli/heap.ts).
boundHeapGrowth();
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
