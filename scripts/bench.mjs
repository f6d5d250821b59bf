// meshc benchmark (`npm run bench`, which builds dist/ first; `node scripts/bench.mjs` runs on dist/ as it is).
// Every figure is a whole process (`node bin/meshc.js ...`: startup and module loading count, as they do for
// users), compared with a reference measured in the same run, and printed with its target and PASS/MISS.
// Timings are never asserted in tests.
//
// Headline (default 2,000 services x 4 environments, Istio and Linkerd; the realistic spec of
// scripts/synthetic-spec.mjs): medians of --runs alternated runs of
//   floor       a node process writing the same files (path, text) from ready JSON (scripts/bench-floor.mjs)
//   fresh       `meshc render` into an absent output directory, with a new empty MESHC_CACHE_DIR (so also
//               no V8 code cache of its own: it starts from the one the build seeded, and writes its own;
//               src/cli/code-cache.ts)
//   unchanged   `meshc render` again (same output and cache directory: the render cache, the code cache)
//   check       `meshc render --check` of the up-to-date tree
//   one-file    `meshc render` after one service file changed (a weight, alternating)
//   writer      for reference, that change undone by meshc's writer alone, from ready files (scripts/bench-writer.mjs;
//               its process's time less reading those files):
//               what any one-file render pays to judge the tree on disk and change it atomically, without the compile
//   diff        `meshc diff --base HEAD~1` in a git repository whose last commit changes one weight (cold cache)
// then `kubectl kustomize` (or `kustomize build`) of every overlay meshc wrote, once, summed; and startup
// (`meshc --version`, `meshc --help` with the code cache an earlier run wrote, `--version` without it,
// `node -e 0`).
// Scale curve (sizes x environments x meshes): objects, files, wall time, peak RSS of meshc (through
// scripts/bench-child.mjs) and the ratio to the floor at each point; then, per mesh and environment count,
// whether that ratio grows at most 1.5x from one size to the next (from 1,000 services up): linear growth.
//
// Options:
//   --runs N            timed runs per headline figure, medians reported (default 5)
//   --quick             3 runs, scale curve 100 and 1,000 services only
//   --services N        services of the headline case (default 2000)
//   --headline-envs N   environments of the headline case (default 4)
//   --headline-meshes L headline meshes, comma-separated (default istio,linkerd)
//   --sizes L           scale-curve sizes (default 100,1000,10000,40000)
//   --meshes L          scale-curve meshes (default istio,linkerd,consul,appmesh)
//   --envs L            scale-curve environment counts (default 1,4)
//   --skip L            parts to leave out: headline, kustomize, startup, scale
//   --dir DIR           where temporary cases go (default the OS temp dir); on a slow disk, disk noise dominates
//   --json FILE         also write every figure as JSON
//   --help              this text
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MESHES, flipWeight, serviceFile, syntheticSpec } from './synthetic-spec.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const MESHC = path.join(root, 'bin', 'meshc.js');
const CHILD = path.join(here, 'bench-child.mjs');
const FLOOR = path.join(here, 'bench-floor.mjs');
const WRITER = path.join(here, 'bench-writer.mjs');
const GiB = 1024 ** 3;

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    services: { type: 'string', default: '2000' },
    'headline-envs': { type: 'string', default: '4' },
    'headline-meshes': { type: 'string', default: 'istio,linkerd' },
    sizes: { type: 'string' },
    meshes: { type: 'string', default: MESHES.join(',') },
    envs: { type: 'string', default: '1,4' },
    skip: { type: 'string', default: '' },
    dir: { type: 'string', default: os.tmpdir() },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  // The header comment of this file is the usage text.
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const header = text.slice(0, text.indexOf('\nimport '));
  process.stdout.write(`${header.replace(/^\/\/ ?/gm, '')}\n`);
  process.exit(0);
}
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const ints = (s, name) =>
  list(s).map((x) => {
    const n = Number(x.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: not a positive integer: ${x}`);
    return n;
  });
const runs = values.runs ? ints(values.runs, 'runs')[0] : values.quick ? 3 : 5;
const headlineServices = ints(values.services, 'services')[0];
const headlineEnvs = ints(values['headline-envs'], 'headline-envs')[0];
const headlineMeshes = list(values['headline-meshes']);
const sizes = ints(values.sizes ?? (values.quick ? '100,1000' : '100,1000,10000,40000'), 'sizes');
const scaleMeshes = list(values.meshes);
const scaleEnvs = ints(values.envs, 'envs');
const skip = new Set(list(values.skip));
for (const m of [...headlineMeshes, ...scaleMeshes])
  if (!MESHES.includes(m)) throw new Error(`unknown mesh ${m} (one of ${MESHES.join(', ')})`);
for (const s of skip)
  if (!['headline', 'kustomize', 'startup', 'scale'].includes(s))
    throw new Error(`--skip: unknown part ${s}`);
if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js')))
  throw new Error('dist/ is missing: run `npm run build` first');

// ---------------------------------------------------------------------------------------------- helpers

const now = () => performance.now();
const progress = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s` : 'n/a');
const mib = (bytes) =>
  Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MiB` : 'n/a';
const num = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : 'n/a');

const tmpRoot = fs.mkdtempSync(path.join(path.resolve(values.dir), 'meshc-bench-'));
let scratch = 0;
const tmp = (name) => path.join(tmpRoot, `${name}-${++scratch}`);
const rm = (p) => fs.rmSync(p, { recursive: true, force: true });
const cleanup = () => rm(tmpRoot);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
])
  process.on(signal, () => {
    cleanup();
    process.exit(code);
  });

function writeFiles(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

/**
 * Runs `node SCRIPT ARGS` as a whole process, its output into a log file (not a pipe into this process), and
 * returns the wall time. `rss: true` runs meshc through bench-child.mjs and reads its peak RSS.
 */
function run(script, args, { cwd = root, env = {}, rss = false, timeoutMs = 30 * 60_000 } = {}) {
  const log = tmp('log');
  const rssFile = rss ? tmp('rss') : undefined;
  const fd = fs.openSync(log, 'w');
  const started = now();
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, ...env, ...(rssFile ? { MESHC_BENCH_RSS_FILE: rssFile } : {}) },
    stdio: ['ignore', fd, fd],
    timeout: timeoutMs,
  });
  const ms = now() - started;
  fs.closeSync(fd);
  const output = fs.readFileSync(log, 'utf8');
  rm(log);
  let rssBytes = NaN;
  if (rssFile && fs.existsSync(rssFile)) {
    rssBytes = Number(fs.readFileSync(rssFile, 'utf8')) * 1024;
    rm(rssFile);
  }
  return { ms, code: r.status, signal: r.signal, error: r.error, output, rssBytes };
}

const meshc = (args, opts) => run(opts?.rss ? CHILD : MESHC, args, opts);

/** Throws unless the process exited with one of `codes`, with the end of its output. */
function expectExit(r, what, codes = [0]) {
  if (codes.includes(r.code)) return r;
  const why = r.error ? String(r.error.message) : r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
  throw new Error(`${what} failed (${why}):\n${tail(r.output, 25)}`);
}

function describeFailure(r) {
  const oom = /heap out of memory|Allocation failed|ENOMEM/i.test(r.output) ? ', out of memory' : '';
  if (r.error?.code === 'ETIMEDOUT') return 'timed out';
  if (r.signal) return `killed by ${r.signal}${oom}`;
  return `exit ${r.code}${oom}`;
}

/** The end of a failed process's output, without V8's native stack trace. */
const tail = (output, n = 12) =>
  output
    .split('\n')
    .filter((l) => !/^\s*\d+: 0x[0-9a-f]+/.test(l) && !/Native stack trace/.test(l) && l.trim())
    .slice(-n)
    .join('\n');

/** Every file under dir, sorted (relative path with '/'). */
function walk(dir, rel = '', out = []) {
  for (const e of fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(dir, r, out);
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * What a render wrote: file and byte counts, Kubernetes objects, and the floor's input (chunks of
 * [path, text] JSON). Objects are the YAML documents with a `kind:` in the written .yaml files other than
 * kustomization.yaml files and generated patches (files under a `patches/` directory): the objects in base/,
 * overlays/ (control plane, environment-only objects) and clusters/ (Flux Kustomizations, Argo CD Applications).
 */
function readRender(outDir, floorInput) {
  fs.mkdirSync(floorInput, { recursive: true });
  let files = 0;
  let bytes = 0;
  let objects = 0;
  let chunk = [];
  let chunkChars = 0;
  let chunks = 0;
  const flush = () => {
    if (!chunk.length) return;
    fs.writeFileSync(
      path.join(floorInput, `chunk-${String(chunks++).padStart(4, '0')}.json`),
      JSON.stringify(chunk),
    );
    chunk = [];
    chunkChars = 0;
  };
  for (const rel of walk(outDir)) {
    const buf = fs.readFileSync(path.join(outDir, rel));
    const text = buf.toString('utf8');
    if (Buffer.byteLength(text) !== buf.length)
      throw new Error(`${rel} is not UTF-8: the floor cannot copy it as text`);
    files++;
    bytes += buf.length;
    const base = rel.split('/').pop();
    if (base.endsWith('.yaml') && base !== 'kustomization.yaml' && !rel.split('/').includes('patches'))
      objects += text.split(/^---$/m).filter((doc) => /^kind:/m.test(doc)).length;
    chunk.push([rel, text]);
    chunkChars += text.length + rel.length;
    if (chunkChars > 32 * 1048576) flush();
  }
  flush();
  return { files, bytes, objects };
}

/** The topmost directories under overlays/ that hold a kustomization.yaml: each is one `kustomize build`. */
function overlayBuilds(outDir) {
  const builds = [];
  const visit = (dir) => {
    if (fs.existsSync(path.join(dir, 'kustomization.yaml'))) return void builds.push(dir);
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)))
      if (e.isDirectory()) visit(path.join(dir, e.name));
  };
  const overlays = path.join(outDir, 'overlays');
  if (fs.existsSync(overlays)) visit(overlays);
  return builds;
}

function findKustomize() {
  for (const cand of [
    ['kustomize', 'build'],
    ['kubectl', 'kustomize'],
  ]) {
    // `kubectl version` alone contacts a cluster; `--client` does not.
    const probe = cand[0] === 'kubectl' ? ['version', '--client'] : ['version'];
    try {
      execFileSync(cand[0], probe, { stdio: 'ignore' });
      return cand;
    } catch {
      /* next */
    }
  }
  return undefined;
}

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
  execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });

// ---------------------------------------------------------------------------------------------- figures

const results = {
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.cpus().length,
  dir: tmpRoot,
  runs,
  headline: {},
  startup: undefined,
  scale: [],
  targets: [],
};
const verdicts = [];

/** One figure against its target: printed as `name  value  target  PASS|MISS`, kept for --json. */
function target(name, value, op, limit, shown) {
  const pass =
    Number.isFinite(value) && (op === '<=' ? value <= limit : op === '<' ? value < limit : value >= limit);
  const row = { name, value, op, limit, pass, shown };
  verdicts.push(row);
  results.targets.push(row);
  return row;
}

function headline(mesh) {
  const n = headlineServices;
  const envs = headlineEnvs;
  const label = `${mesh} ${num(n)} x ${envs}`;
  progress(`headline ${label}: writing the spec`);
  const spec = tmp(`spec-${mesh}`);
  const files = syntheticSpec({ services: n, environments: envs, mesh, shape: 'realistic' });
  writeFiles(spec, files);
  const edited = serviceFile(Math.min(n - 1, 230));
  const specBytes = Object.values(files).reduce((a, t) => a + Buffer.byteLength(t), 0);

  // The git repository of the diff case: HEAD changes one weight of one file against HEAD~1.
  const repo = tmp(`repo-${mesh}`);
  writeFiles(repo, files);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-verify', '-m', 'base');
  fs.writeFileSync(path.join(repo, edited), flipWeight(files[edited]));
  git(repo, 'commit', '-q', '--no-verify', '-am', 'one weight');

  // Warm-up (not timed): the reference tree, the floor's input and the counts.
  progress(`headline ${label}: warm-up render`);
  const ref = tmp('out');
  const refCache = tmp('cache');
  fs.mkdirSync(refCache);
  const warm = expectExit(
    meshc(['render', spec, '-o', ref], { env: { MESHC_CACHE_DIR: refCache } }),
    `meshc render (${label})`,
  );
  const warnings = Number(/(\d+) warnings?/.exec(warm.output)?.[1] ?? 0);
  const floorInput = tmp('floor-input');
  const counts = readRender(ref, floorInput);
  rm(refCache);
  // The other side of the one-file change, for the writer-alone reference: the tree of the spec with the
  // weight flipped (each run's one-file change goes one way or the other; the writer reference goes back).
  const flipped = tmp('out');
  const flippedCache = tmp('cache');
  fs.mkdirSync(flippedCache);
  const editedFile = path.join(spec, edited);
  fs.writeFileSync(editedFile, flipWeight(files[edited]));
  expectExit(
    meshc(['render', spec, '-o', flipped], { env: { MESHC_CACHE_DIR: flippedCache } }),
    `meshc render, one weight flipped (${label})`,
  );
  fs.writeFileSync(editedFile, files[edited]);
  const flippedInput = tmp('floor-input');
  readRender(flipped, flippedInput);
  rm(flipped);
  rm(flippedCache);
  // Which tree the spec renders to now: the original (floorInput) or the flipped one.
  let specFlipped = false;

  const t = { floor: [], fresh: [], unchanged: [], check: [], oneFile: [], writer: [], diff: [] };
  for (let i = 1; i <= runs; i++) {
    progress(`headline ${label}: run ${i}/${runs}`);
    const floorOut = tmp('floor-out');
    t.floor.push(expectExit(run(FLOOR, [floorInput, floorOut]), 'floor').ms);
    rm(floorOut);

    const out = tmp('out');
    const cache = tmp('cache');
    fs.mkdirSync(cache);
    const env = { MESHC_CACHE_DIR: cache };
    t.fresh.push(expectExit(meshc(['render', spec, '-o', out], { env }), 'fresh render').ms);
    t.unchanged.push(expectExit(meshc(['render', spec, '-o', out], { env }), 'unchanged re-render').ms);
    t.check.push(expectExit(meshc(['render', spec, '-o', out, '--check'], { env }), 'render --check').ms);
    const file = path.join(spec, edited);
    fs.writeFileSync(file, flipWeight(fs.readFileSync(file, 'utf8')));
    t.oneFile.push(expectExit(meshc(['render', spec, '-o', out], { env }), 'one-file re-render').ms);
    // The same change undone by meshc's writer alone (no compile): what any one-file render costs at least.
    const back = expectExit(
      run(WRITER, [specFlipped ? flippedInput : floorInput, out], { env }),
      'writer alone',
    );
    if (!/^written [1-9]/.test(back.output)) throw new Error(`writer alone changed nothing: ${back.output}`);
    // Its process less reading the ready files, which a render does not do.
    t.writer.push(back.ms - Number(/input-ms ([\d.]+)/.exec(back.output)?.[1] ?? 0));
    specFlipped = !specFlipped;
    rm(out);
    rm(cache);

    const diffCache = tmp('cache');
    fs.mkdirSync(diffCache);
    t.diff.push(
      expectExit(
        meshc(['diff', '.', '--base', 'HEAD~1'], { cwd: repo, env: { MESHC_CACHE_DIR: diffCache } }),
        'meshc diff',
      ).ms,
    );
    rm(diffCache);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, median(xs)]));

  let kustomize;
  if (!skip.has('kustomize')) {
    const tool = findKustomize();
    if (!tool) progress('kustomize: neither kustomize nor kubectl is installed: skipped');
    else {
      const builds = overlayBuilds(ref);
      progress(`headline ${label}: ${tool.join(' ')} of ${builds.length} overlays`);
      let total = 0;
      for (const b of builds) {
        const started = now();
        execFileSync(tool[0], [...tool.slice(1), b], {
          stdio: ['ignore', 'ignore', 'pipe'],
          maxBuffer: 1 << 30,
        });
        total += now() - started;
      }
      kustomize = { tool: tool.join(' '), builds: builds.length, ms: total };
    }
  }
  rm(ref);
  rm(floorInput);
  rm(flippedInput);
  rm(spec);
  rm(repo);

  results.headline[mesh] = {
    services: n,
    environments: envs,
    specFiles: Object.keys(files).length,
    specBytes,
    warnings,
    ...counts,
    runs,
    times: t,
    medians: m,
    kustomize,
  };

  const lines = [];
  lines.push(
    `\n${label}: spec ${num(Object.keys(files).length)} files, ${mib(specBytes)}, ${warnings} warnings; ` +
      `output ${num(counts.files)} files, ${mib(counts.bytes)}, ${num(counts.objects)} objects; medians of ${runs} alternated runs`,
  );
  const row = (name, ms, ref, refName, op, limit) => {
    const ratio = ms / ref;
    const v = target(`${mesh}: ${name}`, ratio, op, limit, `${ratio.toFixed(2)}x`);
    lines.push(
      `  ${name.padEnd(40)} ${sec(ms).padStart(9)}   / ${refName.padEnd(12)} ${sec(ref).padStart(9)} = ${`${ratio.toFixed(2)}x`.padStart(8)}   target ${op} ${limit}   ${v.pass ? 'PASS' : 'MISS'}`,
    );
  };
  lines.push(`  ${'floor (node writes the same files)'.padEnd(40)} ${sec(m.floor).padStart(9)}`);
  row('render, fresh (cold cache, no output)', m.fresh, m.floor, 'floor', '<=', 3);
  row('render, unchanged tree', m.unchanged, m.floor, 'floor', '<=', 1.5);
  row('render --check, up-to-date tree', m.check, m.floor, 'floor', '<=', 1.5);
  row('render after a one-file change', m.oneFile, m.fresh, 'fresh render', '<=', 0.25);
  lines.push(
    `  ${'  of which the writer alone, at least'.padEnd(40)} ${sec(m.writer).padStart(9)}   / ${'fresh render'.padEnd(12)} ${sec(m.fresh).padStart(9)} = ${`${(m.writer / m.fresh).toFixed(2)}x`.padStart(8)}   (reference: the change undone by meshc's writer, no compile)`,
  );
  row('diff --base HEAD~1 (one weight, cold)', m.diff, m.fresh, 'fresh render', '<=', 1.2);
  if (kustomize) {
    const ratio = kustomize.ms / m.fresh;
    const v = target(`${mesh}: kustomize / render`, ratio, '>=', 50, `${ratio.toFixed(1)}x`);
    lines.push(
      `  ${`${kustomize.tool} of ${kustomize.builds} overlays (once)`.padEnd(40)} ${sec(kustomize.ms).padStart(9)}   / fresh render ${sec(m.fresh).padStart(9)} = ${`${ratio.toFixed(1)}x`.padStart(8)}   target >= 50   ${v.pass ? 'PASS' : 'MISS'}`,
    );
  }
  console.log(lines.join('\n'));
}

function startup() {
  progress('startup');
  // meshc's own cache directory (never the user's): V8's code cache of the CLI bundle, which one untimed run
  // writes, as any earlier meshc command of an install does; and the same commands without it.
  const env = { MESHC_CACHE_DIR: tmp('startup-cache') };
  const cold = { ...env, MESHC_NO_CODE_CACHE: '1' };
  expectExit(
    meshc(['render', path.join(root, 'examples', 'bookinfo'), '--check'], { env }),
    'warm-up',
    [0, 1],
  );
  const t = { version: [], help: [], versionCold: [], node: [] };
  for (let i = 0; i < Math.max(runs, 5); i++) {
    t.version.push(expectExit(meshc(['--version'], { env }), 'meshc --version').ms);
    t.help.push(expectExit(meshc(['--help'], { env }), 'meshc --help').ms);
    t.versionCold.push(expectExit(meshc(['--version'], { env: cold }), 'meshc --version').ms);
    const started = now();
    execFileSync(process.execPath, ['-e', '0']);
    t.node.push(now() - started);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, median(xs)]));
  results.startup = { times: t, medians: m };
  console.log(`\nstartup (medians of ${t.node.length} runs; target < 0.3 s each)`);
  for (const [name, ms] of [
    ['meshc --version', m.version],
    ['meshc --help', m.help],
    ['meshc --version, no code cache', m.versionCold],
  ]) {
    const v = target(name, ms / 1000, '<', 0.3, sec(ms));
    console.log(`  ${name.padEnd(40)} ${sec(ms).padStart(9)}   ${v.pass ? 'PASS' : 'MISS'}`);
  }
  console.log(`  ${'node -e 0 (for reference)'.padEnd(40)} ${sec(m.node).padStart(9)}`);
}

function scalePoint(mesh, n, envs) {
  const label = `${mesh} ${num(n)} x ${envs}`;
  const reps = n <= 1000 ? runs : 1;
  progress(`scale ${label}: writing the spec`);
  const spec = tmp(`spec-${mesh}`);
  const files = syntheticSpec({ services: n, environments: envs, mesh, shape: 'realistic' });
  writeFiles(spec, files);
  const specBytes = Object.values(files).reduce((a, t) => a + Buffer.byteLength(t), 0);
  const point = {
    mesh,
    services: n,
    environments: envs,
    specBytes,
    runs: reps,
    times: [],
    floor: [],
    rssBytes: [],
  };
  let floorInput;
  try {
    for (let i = 0; i < reps; i++) {
      progress(`scale ${label}: render ${i + 1}/${reps}`);
      const out = tmp('out');
      const cache = tmp('cache');
      fs.mkdirSync(cache);
      const r = meshc(['render', spec, '-o', out], { rss: true, env: { MESHC_CACHE_DIR: cache } });
      rm(cache);
      if (r.code !== 0) {
        point.failed = describeFailure(r);
        point.output = tail(r.output);
        point.rssBytes.push(r.rssBytes);
        point.times.push(r.ms);
        rm(out);
        break;
      }
      point.times.push(r.ms);
      point.rssBytes.push(r.rssBytes);
      if (!floorInput) {
        floorInput = tmp('floor-input');
        Object.assign(point, readRender(out, floorInput));
      }
      rm(out);
      const floorOut = tmp('floor-out');
      point.floor.push(expectExit(run(FLOOR, [floorInput, floorOut]), 'floor').ms);
      rm(floorOut);
    }
  } finally {
    if (floorInput) rm(floorInput);
    rm(spec);
  }
  point.ms = median(point.times);
  point.floorMs = median(point.floor);
  point.peakRssBytes = Math.max(...point.rssBytes.filter(Number.isFinite), -Infinity);
  results.scale.push(point);

  const cols = [
    mesh.padEnd(8),
    num(n).padStart(7),
    String(envs).padStart(4),
    (point.failed ? '-' : num(point.objects)).padStart(10),
    (point.failed ? '-' : num(point.files)).padStart(9),
    (point.failed ? `FAILED after ${sec(point.ms)}` : sec(point.ms)).padStart(10),
    mib(point.peakRssBytes).padStart(9),
    (point.failed ? '-' : `${(point.ms / point.floorMs).toFixed(2)}x`).padStart(8),
    `${reps}`.padStart(4),
  ];
  let line = cols.join(' ');
  if (point.failed) line += `   ${point.failed}`;
  // Issue 16 set this for Istio and Linkerd; the backends that landed since are held to it too.
  if (n === 40_000 && envs === 4) {
    const v = target(
      `${mesh} 40,000 x 4: peak < 2 GiB`,
      point.failed ? NaN : point.peakRssBytes / GiB,
      '<',
      2,
      point.failed ? `failed: ${point.failed}` : mib(point.peakRssBytes),
    );
    line += `   peak < 2 GiB ${v.pass ? 'PASS' : 'MISS'}`;
  }
  console.log(line);
  if (point.failed) console.log(point.output.replace(/^/gm, '      | '));
}

/**
 * Whether each mesh's render grows linearly with the fleet: from one size of the scale curve to the next (from
 * 1,000 services up; below, startup dominates both), the render's ratio to the floor (which writes the same
 * files) may rise at most 1.5x. A step that compares every pair of services, or rescans the fleet per service,
 * shows here long before it shows at 2,000 services. One target per mesh and environment count: its largest
 * step. Needs two sizes of at least 1,000.
 */
function linearity() {
  const groups = new Map();
  for (const p of results.scale) {
    if (p.services < 1_000) continue;
    const key = `${p.mesh} x ${p.environments}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const lines = [];
  for (const [key, points] of groups) {
    if (points.length < 2) continue;
    points.sort((a, b) => a.services - b.services);
    let worst;
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1], points[i]];
      const growth = a.failed || b.failed ? NaN : b.ms / b.floorMs / (a.ms / a.floorMs);
      // A failed step (NaN) is the worst, and stays so.
      if (
        worst === undefined ||
        Number.isNaN(growth) ||
        (!Number.isNaN(worst.growth) && growth > worst.growth)
      )
        worst = { a, b, growth };
    }
    const shown = Number.isNaN(worst.growth)
      ? 'a point failed'
      : `${worst.growth.toFixed(2)}x (${num(worst.a.services)} → ${num(worst.b.services)})`;
    const v = target(`${key}: /floor growth per size`, worst.growth, '<=', 1.5, shown);
    lines.push(`  ${key.padEnd(14)} ${shown.padEnd(32)} target <= 1.5   ${v.pass ? 'PASS' : 'MISS'}`);
  }
  if (lines.length === 0) return;
  console.log(
    '\nlinear growth: the largest rise of the ratio to the floor from one size to the next (from 1,000 services up)',
  );
  for (const l of lines) console.log(l);
}

// ---------------------------------------------------------------------------------------------- main

const started = now();
try {
  console.log(
    `meshc benchmark: node ${process.version}, ${os.cpus().length} cpus, ${os.platform()} ${os.arch()}`,
  );
  console.log(
    `temporary cases in ${tmpRoot} (--dir): on a slow or shared disk, disk noise dominates the figures; a tmpfs (such as /dev/shm) gives stable ones`,
  );
  console.log(
    'floor = a fresh node process that reads the exact files of the same render (path, text) from ready JSON and writes them with mkdirSync + writeFileSync into a new directory: the same files and bytes as meshc writes, none of its work',
  );
  // A part that fails is reported as failed (and counted as a missed target), and the bench goes on.
  const attempt = (what, fn) => {
    try {
      fn();
    } catch (err) {
      console.log(`\n${what}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
      target(`${what} completes`, NaN, '<=', 0, 'failed');
    }
  };
  if (!skip.has('headline'))
    for (const mesh of headlineMeshes) attempt(`headline ${mesh}`, () => headline(mesh));
  if (!skip.has('startup')) attempt('startup', startup);
  if (!skip.has('scale')) {
    console.log(
      `\nscale curve: fresh render (cold cache, no output), median of ${runs} runs up to 1,000 services, 1 run above; objects = YAML documents with a kind in the written files (kustomization.yaml and generated patches not counted); peak RSS of the meshc process`,
    );
    console.log(
      `${'mesh'.padEnd(8)} ${'services'.padStart(7)} ${'envs'.padStart(4)} ${'objects'.padStart(10)} ${'files'.padStart(9)} ${'time'.padStart(10)} ${'peak RSS'.padStart(9)} ${'/floor'.padStart(8)} ${'runs'.padStart(4)}`,
    );
    for (const mesh of scaleMeshes)
      for (const envs of scaleEnvs)
        for (const n of sizes) attempt(`scale ${mesh} ${n} x ${envs}`, () => scalePoint(mesh, n, envs));
    linearity();
  }
  const missed = verdicts.filter((v) => !v.pass);
  console.log(
    verdicts.length === 0
      ? '\nno targets in this selection'
      : `\n${verdicts.length - missed.length} of ${verdicts.length} targets met${missed.length ? `; missed: ${missed.map((v) => `${v.name} (${v.shown})`).join(', ')}` : ''}`,
  );
  console.log(`bench took ${sec(now() - started)}`);
  results.elapsedMs = now() - started;
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  cleanup();
}
