// meshc diff benchmark (runs on dist/: `npm run build` first): `meshc diff --base A --head B` on two commits
// of a synthetic spec that differ in 1% of the services, next to `meshc render` of the same spec.
// Goal: diff / (2 × render) ≤ 1.2 (a diff costs at most two renders plus 20%).
//   --services N   services (default 1000)
//   --envs N       environments (default 4, as the render case of scripts/bench.mjs)
//   --runs N       timed runs of each case after one warm-up; the median is reported (default 5)
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticSpec } from './synthetic-spec.mjs';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    envs: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
  },
});
const services = Number(values.services);
const envs = Number(values.envs);
const runs = Math.max(1, Number(values.runs));

const dist = new URL('../dist/', import.meta.url);
const { runDiff, DIFF_COMMAND } = await import(new URL('cli/diff-command.js', dist));
const { parseCommandArgs } = await import(new URL('cli/args.js', dist));
const { compile, compileDir } = await import(new URL('pipeline.js', dist));
const { writeTree } = await import(new URL('write/write-tree.js', dist));
const { loadSpecAtRevision, openRepo } = await import(new URL('load/git.js', dist));
const { diffSpecs } = await import(new URL('diff/index.js', dist));
const { formatDiff } = await import(new URL('diff/format/index.js', dist));

const now = () => performance.now();
const ms = (x) => `${x.toFixed(0).padStart(6)} ms`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: os.devNull,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@meshc.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@meshc.invalid',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};
const git = (cwd, ...args) =>
  execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'inherit'] });

async function writeFiles(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

/** 1% of the services (every 100th) get another weight split and timeout. */
function changeOnePercent(files) {
  const out = {};
  let changed = 0;
  for (const [rel, text] of Object.entries(files)) {
    if (!rel.startsWith('services/')) continue;
    const docs = text.split('---\n');
    const first = docs[0]
      .replace(
        /to: \{ v1: (\d+), v2: (\d+) \}/,
        (_m, a, b) => `to: { v1: ${Number(a) - 5}, v2: ${Number(b) + 5} }`,
      )
      .replace('timeout: 5s', 'timeout: 3s');
    if (first !== docs[0]) changed++;
    out[rel] = [first, ...docs.slice(1)].join('---\n');
  }
  return { files: out, changed };
}

class Null {
  bytes = 0;
  isTTY = false;
  write(s) {
    this.bytes += s.length;
    return true;
  }
}

const root = await mkdtemp(path.join(os.tmpdir(), 'meshc-bench-diff-'));
try {
  const files = syntheticSpec({ services, environments: envs });
  await writeFiles(root, files);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '--no-verify', '-m', 'base');
  const { files: edited, changed } = changeOnePercent(files);
  await writeFiles(root, edited);
  git(root, 'commit', '-q', '--no-verify', '-am', '1% of the services');

  console.log(`meshc diff benchmark (node ${process.version}, ${os.cpus().length} cpus)`);
  console.log(
    `spec: ${services} services x ${envs} environments; ${changed} services changed between the commits\n`,
  );

  // ---- render: load + validate + emit + gitops + write (what `meshc render` does)
  const renderTimes = [];
  const inMemoryTimes = [];
  for (let i = 0; i <= runs; i++) {
    const out = path.join(root, `.bench-out-${i}`);
    const s = now();
    const compiled = await compileDir(root);
    const tree = compiled.tree;
    if (!tree) throw new Error('synthetic spec invalid');
    const mid = now();
    await writeTree(out, tree.files, { check: false });
    if (i > 0) {
      renderTimes.push(now() - s);
      inMemoryTimes.push(mid - s);
    }
    await rm(out, { recursive: true, force: true });
  }

  // ---- diff: `meshc diff --base HEAD~1 --head HEAD --format markdown`, in-process
  const args = parseCommandArgs(DIFF_COMMAND, [
    '.',
    '--base',
    'HEAD~1',
    '--head',
    'HEAD',
    '--format',
    'markdown',
  ]);
  const diffTimes = [];
  let outBytes = 0;
  for (let i = 0; i <= runs; i++) {
    const stdout = new Null();
    const s = now();
    const code = await runDiff(args, { cwd: root, stdout, stderr: process.stderr, env: {} });
    if (i > 0) diffTimes.push(now() - s);
    if (code !== 0) throw new Error(`meshc diff exited ${code}`);
    outBytes = stdout.bytes;
  }

  // ---- where the diff time goes (one more run, phase by phase)
  const phases = {};
  let t = now();
  const lap = (name) => {
    const n = now();
    phases[name] = (phases[name] ?? 0) + n - t;
    t = n;
  };
  const repo = await openRepo(root);
  const [base, head] = await Promise.all([
    loadSpecAtRevision(root, 'HEAD~1', repo),
    loadSpecAtRevision(root, 'HEAD', repo),
  ]);
  lap('git read (both sides, in parallel)');
  const sides = [base, head].map((s) => {
    // As `meshc diff` compiles each side: up to emit (objects are built lazily).
    const c = compile(s.files, { until: 'emit' });
    lap('compile: parse → emit (x2)');
    return { model: c.model, renders: c.emitted?.renders ?? [] };
  });
  const d = diffSpecs(sides[0], sides[1]);
  lap('compare (objects, summary, positions)');
  formatDiff('markdown', d, {
    base: { ref: 'HEAD~1', commit: base.commit },
    head: { ref: 'HEAD', commit: head.commit },
    displayPath: (f) => f,
    toolVersion: 'bench',
  });
  lap('markdown');

  const render = median(renderTimes);
  const inMemory = median(inMemoryTimes);
  const diff = median(diffTimes);
  console.log(`render (load+validate+emit+gitops+write)  ${ms(render)}   median of ${runs}`);
  console.log(`  of which in memory (without write)      ${ms(inMemory)}`);
  console.log(
    `diff   (--base HEAD~1 --head HEAD, md)    ${ms(diff)}   median of ${runs}; ${d.summary.length} summary lines, ${d.resources.length} resources, ${outBytes} chars of markdown`,
  );
  for (const [name, x] of Object.entries(phases)) console.log(`  ${name.padEnd(38)} ${ms(x)}`);
  console.log(`\nratio diff / (2 x render) = ${(diff / (2 * render)).toFixed(2)}   (goal <= 1.20)`);
  console.log(`ratio diff / (2 x render without write) = ${(diff / (2 * inMemory)).toFixed(2)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
