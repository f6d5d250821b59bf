// The floor of `meshc render` in `npm run bench`: a fresh node process that reads the exact files meshc wrote
// (path and text, from ready JSON files made by scripts/bench.mjs) and writes them into a fresh directory with
// mkdirSync and writeFileSync: the same files and bytes as meshc writes, with none of meshc's work (no spec to
// read, nothing to compile, no existing tree to compare, no atomic swap). Node's startup counts, as it does for
// meshc.
//   node scripts/bench-floor.mjs INPUT_DIR OUTPUT_DIR
// INPUT_DIR holds chunk-*.json files, each an array of [relativePath, text] (chunks keep each JSON text far below
// V8's string limit at 40,000 services).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node scripts/bench-floor.mjs INPUT_DIR OUTPUT_DIR\n');
  process.exit(2);
}
const made = new Set();
for (const name of readdirSync(input).sort()) {
  if (!name.endsWith('.json')) continue;
  const entries = JSON.parse(readFileSync(path.join(input, name), 'utf8'));
  for (const [rel, text] of entries) {
    const file = path.join(output, rel);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(file, text);
  }
}
