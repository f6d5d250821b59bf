// `meshc` for `npm run bench`'s scale curve: runs the CLI as bin/meshc.js does (the bundle dist/cli/meshc.cjs, the
// same arguments and streams) and, when the process exits, writes its peak resident set size in KiB
// (process.resourceUsage().maxRSS) to the file named by MESHC_BENCH_RSS_FILE. Measuring in the process itself works
// the same on every platform Node runs on. A process killed by the kernel (out of memory) writes nothing: the bench
// reports its exit instead.
//   MESHC_BENCH_RSS_FILE=FILE node scripts/bench-child.mjs render DIR -o OUT
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const rssFile = process.env.MESHC_BENCH_RSS_FILE;
if (rssFile) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));
const { main, boundHeapGrowth } = createRequire(import.meta.url)('../dist/cli/meshc.cjs');
boundHeapGrowth();
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
