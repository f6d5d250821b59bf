// The writer's share of a one-file change in `npm run bench`: a fresh node process that reads a rendered tree
// (path and text, from the ready JSON files scripts/bench.mjs makes for the floor) and hands it to meshc's own
// writer (dist/write/write-tree.js) over an output directory that holds the tree a one-file change left, with
// the manifest `meshc render` keeps in MESHC_CACHE_DIR. So the tree on disk is judged and the few files that
// differ are written atomically (one file: renamed into place; more: the tree staged and swapped in), exactly
// as `meshc render` does after a one-file change, with none of the compile.
// Node's startup counts, as it does for meshc; reading the ready files does not (a render has its files in
// memory), so the script reports how long that took and the bench takes it off the process's time.
//   MESHC_CACHE_DIR=DIR node scripts/bench-writer.mjs INPUT_DIR OUTPUT_DIR
// Prints `written N unchanged M input-ms T`; exits 1 if the writer reported a problem.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [input, output] = process.argv.slice(2);
const cacheDir = process.env.MESHC_CACHE_DIR;
if (!input || !output || !cacheDir) {
  process.stderr.write('usage: MESHC_CACHE_DIR=DIR node scripts/bench-writer.mjs INPUT_DIR OUTPUT_DIR\n');
  process.exit(2);
}
const dist = new URL('../dist/', import.meta.url);
const { writeTree } = await import(new URL('write/write-tree.js', dist).href);
const { manifestFileFor } = await import(new URL('write/manifest.js', dist).href);
const { OWNED_HEADER } = await import(new URL('core/output.js', dist).href);

const inputFrom = performance.now();
const files = [];
for (const name of readdirSync(input).sort()) {
  if (!name.endsWith('.json')) continue;
  for (const [rel, text] of JSON.parse(readFileSync(path.join(input, name), 'utf8')))
    files.push({ path: rel, content: text, ownership: text.startsWith(OWNED_HEADER) ? 'owned' : 'seed' });
}
const inputMs = performance.now() - inputFrom;
const outDir = path.resolve(output);
const result = await writeTree(outDir, files, {
  check: false,
  guardRemovals: true,
  manifestFile: manifestFileFor(path.resolve(cacheDir), outDir),
});
for (const d of result.diagnostics) process.stderr.write(`${d.code}: ${d.message}\n`);
process.stdout.write(
  `written ${result.written.length} unchanged ${result.unchanged.length} input-ms ${inputMs.toFixed(1)}\n`,
);
process.exitCode = result.diagnostics.length > 0 ? 1 : 0;
