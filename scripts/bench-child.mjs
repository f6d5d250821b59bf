// `meshc` for `npm run bench`'s scale curve: runs the CLI as bin/meshc.js does (the bundle dist/cli/meshc.cjs,
// compiled with the code cache or the build's seed as bin/meshc.js compiles it, the same arguments and streams)
// and, when the process exits, writes its peak resident set size in KiB (process.resourceUsage().maxRSS) to the
// file named by MESHC_BENCH_RSS_FILE. Measuring in the process itself works the same on every platform Node runs
// on. A process killed by the kernel (out of memory) writes nothing: the bench reports its exit instead.
//   MESHC_BENCH_RSS_FILE=FILE node scripts/bench-child.mjs render DIR -o OUT
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const rssFile = process.env.MESHC_BENCH_RSS_FILE;
if (rssFile) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));
const argv = process.argv.slice(2);
const bundle = createRequire(import.meta.url)('../dist/cli/launch.cjs').loadCli(
  fileURLToPath(new URL('../dist/', import.meta.url)),
  argv,
  process.env,
);
const { main, manageHeap } = bundle.exports;
manageHeap();
process.exitCode = await main(argv, {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
bundle.save();
