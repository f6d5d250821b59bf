#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
// A checkout that was never built has no dist/: say how to build it in one line instead of a stack trace.
const entry = new URL('../dist/cli/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(entry.href));
} catch (err) {
  const missing =
    err &&
    err.code === 'ERR_MODULE_NOT_FOUND' &&
    String(err.message).includes(entry.pathname.split('/').slice(-3).join('/'));
  if (!missing) throw err;
  process.stderr.write(
    'meshc: the compiled CLI (dist/) is missing: run `npm ci` (or `npm run build`) first.\n',
  );
  process.exit(2);
}

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
