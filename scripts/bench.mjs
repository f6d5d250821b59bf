// meshc benchmark: figures as ratios against a floor measured in the same run (run `npm run bench`).
//   --services N          services of the validation case (default 2000)
//   --render-services N   services of the render case (default 1000), rendered for --envs environments (default 4)
//   --kustomize           also time `kustomize build` (or `kubectl kustomize`) over every rendered overlay
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { syntheticSpec } from './synthetic-spec.mjs';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '2000' },
    'render-services': { type: 'string', default: '1000' },
    envs: { type: 'string', default: '4' },
    kustomize: { type: 'boolean', default: false },
  },
});
const dist = new URL('../dist/', import.meta.url);
const { loadSpec } = await import(new URL('load/load-project.js', dist));
const { compile } = await import(new URL('compile.js', dist));

const now = () => performance.now();
const ms = (x) => `${x.toFixed(0).padStart(6)} ms`;
const mb = (b) => `${(b / 1048576).toFixed(1)} MiB`;

async function writeSpec(files) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshc-bench-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

async function validateCase(n) {
  const dir = await writeSpec(syntheticSpec({ services: n, environments: 1 }));
  try {
    // Floor: read the same files and parse them as JSON-equivalent data without positions.
    const t0 = now();
    const raw = (await loadSpec(dir)).files;
    const floor = now() - t0;
    const t1 = now();
    const loaded = await loadSpec(dir);
    const tLoad = now() - t1;
    const phases = {};
    let last = now();
    // What `meshc validate` runs: every check, the backends and the GitOps checks included.
    const result = compile(loaded.files, {
      until: 'emit',
      onPhase: (p) => {
        const t = now();
        phases[p] = t - last;
        last = t;
      },
    });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`synthetic spec has errors: ${errors[0].code} ${errors[0].message}`);
    const total = tLoad + Object.values(phases).reduce((a, b) => a + b, 0);
    const bytes = raw.reduce((a, f) => a + f.text.length, 0);
    console.log(`\nvalidate: ${n} services in ${raw.length} files (${mb(bytes)})`);
    console.log(`  load      ${ms(tLoad)}`);
    console.log(`  parse     ${ms(phases.parse)}`);
    console.log(`  schema    ${ms(phases.schema)}`);
    console.log(`  rules     ${ms(phases.rules)}`);
    console.log(
      `  normalize ${ms(phases.normalize)}   policies ${ms(phases.policies)}   plan ${ms(phases.plan)}`,
    );
    console.log(
      `  total     ${ms(total)}   (floor: reading the files ${ms(floor)}; ratio total/floor ${(total / floor).toFixed(1)}x)`,
    );
    return { total };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function renderCase(n, envs) {
  let mods;
  try {
    mods = {
      write: await import(new URL('write/write-tree.js', dist)),
      pipeline: await import(new URL('pipeline.js', dist)),
    };
  } catch (e) {
    console.log(`\nrender: skipped (${e.message})`);
    return;
  }
  const dir = await writeSpec(syntheticSpec({ services: n, environments: envs }));
  const out = path.join(dir, 'rendered');
  try {
    const t = {};
    let s = now();
    // The whole pure pipeline as `meshc render` runs it: load, then compile() (parse → render).
    const compiled = await mods.pipeline.compileDir(dir);
    t.compile = now() - s;
    const { emitted, tree } = compiled;
    if (!emitted || !tree)
      throw new Error(
        `synthetic spec invalid: ${compiled.diagnostics.find((d) => d.severity === 'error')?.message}`,
      );
    s = now();
    await mods.write.writeTree(out, tree.files, { check: false });
    t.write = now() - s;
    const total = t.compile + t.write;
    const objects = emitted.renders.flatMap((r) =>
      [...r.output.namespaces.values()].flat().concat(r.output.system),
    );
    const bytes = tree.files.reduce((a, f) => a + f.content.length, 0);
    // Floor: JSON-serialise the same objects and write the same number of files.
    const floorDir = path.join(dir, 'floor');
    s = now();
    await mkdir(floorDir, { recursive: true });
    const perFile = Math.max(1, Math.round(objects.length / tree.files.length));
    for (let i = 0; i < tree.files.length; i++)
      await writeFile(
        path.join(floorDir, `${i}.json`),
        JSON.stringify(objects.slice(i * perFile, (i + 1) * perFile)),
      );
    const floor = now() - s;
    console.log(
      `\nrender: ${n} services x ${envs} environments -> ${objects.length} mesh objects, ${tree.files.length} files, ${mb(bytes)}`,
    );
    console.log(`  load+compile   ${ms(t.compile)}   (parse, validate, model, plan, emit, gitops, render)`);
    console.log(`  write          ${ms(t.write)}`);
    console.log(
      `  total          ${ms(total)}   floor (JSON.stringify + write ${tree.files.length} files, 16 in flight) ${ms(floor)}   ratio total/floor ${(total / floor).toFixed(2)}x`,
    );
    if (values.kustomize) {
      const overlays = [...tree.builds.keys()];
      const tool = findKustomize();
      s = now();
      for (const o of overlays)
        execFileSync(tool[0], [...tool.slice(1), path.join(out, o)], {
          stdio: ['ignore', 'ignore', 'inherit'],
          maxBuffer: 1 << 30,
        });
      const tk = now() - s;
      console.log(
        `  kustomize build of ${overlays.length} overlays ${ms(tk)}   ratio kustomize/meshc ${(tk / total).toFixed(1)}x`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
  throw new Error('neither kustomize nor kubectl is installed');
}

console.log(`meshc benchmark (node ${process.version}, ${os.cpus().length} cpus)`);
await validateCase(Number(values.services));
await renderCase(Number(values['render-services']), Number(values.envs));
console.log(`\npeak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
void readFile;
