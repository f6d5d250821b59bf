// Hand-written code against the well-kept library that could replace it, on a realistic render
// (runs on dist/: `npm run build` first, then `node scripts/bench-libs.mjs`). For each candidate it
// reports whether the output is the same as meshc's (what the goldens see) and how fast it is.
//   line diff (src/diff/line-diff.ts)          vs `diff` (jsdiff) structuredPatch / diffArrays
//   JSON Patch generation (gitops/diff-ops.ts)  vs `rfc6902` createPatch, `fast-json-patch` compare
//   JSON Patch application (gitops/json-patch)  vs `rfc6902` applyPatch, `fast-json-patch` applyPatch
//   YAML output (src/render/yaml.ts)            vs `yaml` stringify with the options closest to meshc's
// The figures go into the README's "Dependencies, and why" table. Nothing here is asserted by a test.
//   --services N   services of the synthetic spec (default 1000)
//   --envs N       environments (default 4)
//   --runs N       timed runs per candidate after one warm-up; the best is reported (default 5)
//   --only S[,S]   only these sections: line-diff, json-patch, yaml, args
//   --patch-tests FILE[,FILE]  also run the JSON Patch conformance suites (tests.json, spec_tests.json of
//                  the json-patch/json-patch-tests repository) against the three implementations
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as jsdiff from 'diff';
import * as rfc6902 from 'rfc6902';
import fastJsonPatch from 'fast-json-patch';
import YAML from 'yaml';
import { syntheticSpec } from './synthetic-spec.mjs';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    envs: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
    'patch-tests': { type: 'string' },
    only: { type: 'string' },
  },
});
const services = Number(values.services);
const envs = Number(values.envs);
const runs = Math.max(1, Number(values.runs));
const only = values.only?.split(',');
/** Sections: line-diff, json-patch, yaml, args (all by default; `--only yaml,args` picks some). */
const want = (section) => only === undefined || only.includes(section);

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('pipeline.js', dist))) {
  console.error('bench-libs: dist/ is missing; run `npm run build` first.');
  process.exit(2);
}
const { compile } = await import(new URL('pipeline.js', dist));
const { unifiedDiff, diffLines, splitLines, MAX_EDIT_DISTANCE } = await import(
  new URL('diff/line-diff.js', dist)
);
const { diffOps } = await import(new URL('gitops/diff-ops.js', dist));
const { applyPatch, cloneJson, jsonEqual } = await import(new URL('gitops/json-patch.js', dist));
const { emitYaml } = await import(new URL('render/yaml.js', dist));

let sink = 0;
/** Best wall time of `n` runs after one warm-up; `fn` returns something to keep alive. */
function best(fn, n = runs) {
  let t = Infinity;
  for (let i = 0; i <= n; i++) {
    const s = performance.now();
    const r = fn();
    const d = performance.now() - s;
    sink += typeof r === 'number' ? r : 1;
    if (i > 0) t = Math.min(t, d);
  }
  return t;
}
const ms = (x) => `${x.toFixed(1).padStart(8)} ms`;
const row = (name, t, base, extra = '') =>
  console.log(
    `  ${name.padEnd(34)} ${ms(t)}  ${(t / base).toFixed(2).padStart(6)}x${extra ? '  ' + extra : ''}`,
  );

/** 1% of the services (every 100th) get another weight split and timeout. */
function changeOnePercent(files) {
  const out = { ...files };
  for (const [rel, text] of Object.entries(files)) {
    if (!rel.startsWith('services/')) continue;
    const docs = text.split('---\n');
    docs[0] = docs[0]
      .replace(
        /to: \{ v1: (\d+), v2: (\d+) \}/,
        (_m, a, b) => `to: { v1: ${Number(a) - 5}, v2: ${Number(b) + 5} }`,
      )
      .replace('timeout: 5s', 'timeout: 3s');
    out[rel] = docs.join('---\n');
  }
  return out;
}

function render(files) {
  const sources = Object.entries(files).map(([path, text]) => ({ path, text }));
  const compiled = compile(sources);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !compiled.tree)
    throw new Error(`synthetic spec has errors: ${errors[0]?.message ?? 'no tree'}`);
  return compiled.tree;
}

console.log(
  `meshc libraries benchmark (node ${process.version}, ${os.cpus().length} cpus, best of ${runs} runs)`,
);
// The render (and its 1%-changed twin) that the line diff, JSON Patch and YAML sections work on.
const rendered = want('line-diff') || want('json-patch') || want('yaml');
let baseTree, headTree, renderMs, baseText, headText, paths;
if (rendered) {
  const baseFiles = syntheticSpec({ services, environments: envs });
  const t0 = performance.now();
  baseTree = render(baseFiles);
  headTree = render(changeOnePercent(baseFiles));
  renderMs = (performance.now() - t0) / 2;
  baseText = new Map(baseTree.files.map((f) => [f.path, f.content]));
  headText = new Map(headTree.files.map((f) => [f.path, f.content]));
  paths = [...new Set([...baseText.keys(), ...headText.keys()])].sort();
  const changedPaths = paths.filter((p) => baseText.get(p) !== headText.get(p));
  const totalLines = [...baseText.values()].reduce((n, t) => n + splitLines(t).length, 0);
  console.log(
    `render: ${services} services x ${envs} environments = ${paths.length} files, ${totalLines} lines, ` +
      `${changedPaths.length} files differ after changing 1% of the services (one render ${renderMs.toFixed(0)} ms)`,
  );
}

// ---- line diff --------------------------------------------------------------------------------------

/** jsdiff's edit script in meshc's shape (jsdiff also puts deletions before insertions in a change). */
function jsdiffEdits(a, b) {
  const out = [];
  for (const c of jsdiff.diffArrays(a, b)) {
    const op = c.added ? '+' : c.removed ? '-' : ' ';
    for (const line of c.value) out.push({ op, line });
  }
  return out;
}

/** `unifiedDiff` written with jsdiff: its hunks, with the `diff -u` header numbering meshc prints. */
function jsdiffUnified(aText, bText, context = 3) {
  // meshc ignores a missing final newline (splitLines); give jsdiff the same lines so it adds no marker.
  const norm = (t) => (t === '' ? '' : splitLines(t).join('\n') + '\n');
  const p = jsdiff.structuredPatch('', '', norm(aText), norm(bText), '', '', { context });
  if (p.hunks.length === 0) return '';
  const range = (start, count) => (count === 1 ? `${start}` : `${start},${count}`);
  const out = [];
  for (const h of p.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${range(oldStart, h.oldLines)} +${range(newStart, h.newLines)} @@`, ...h.lines);
  }
  return out.join('\n') + '\n';
}

const sameEdits = (x, y) =>
  x.length === y.length && x.every((e, i) => e.op === y[i].op && e.line === y[i].line);

if (want('line-diff')) {
  console.log('\nline diff: src/diff/line-diff.ts vs diff (jsdiff)');

  // (1) every file of the render against its 1%-changed version (what render --check and the spec
  //     file diff print), (2) the whole render as one text (long inputs, few changes), (3) a render
  //     against one of another spec (many changes: edit distance in the thousands).
  const pairs = paths.map((p) => [baseText.get(p) ?? '', headText.get(p) ?? '']);
  const whole = [
    paths.map((p) => baseText.get(p) ?? '').join(''),
    paths.map((p) => headText.get(p) ?? '').join(''),
  ];
  const otherTree = render(syntheticSpec({ services: Math.round(services * 1.1), environments: envs }));
  const far = [whole[0], otherTree.files.map((f) => f.content).join('')];

  let sameUnified = 0;
  let sameScript = 0;
  let differing;
  for (const [a, b] of pairs) {
    if (unifiedDiff(a, b) === jsdiffUnified(a, b)) sameUnified++;
    else differing ??= [a, b];
    if (sameEdits(diffLines(splitLines(a), splitLines(b)), jsdiffEdits(splitLines(a), splitLines(b))))
      sameScript++;
  }
  console.log(
    `  same unified text on ${sameUnified} of ${pairs.length} file pairs; same edit script on ${sameScript} of ${pairs.length}`,
  );
  for (const [label, [a, b]] of [
    ['whole render, 1% changed', whole],
    ['render vs another spec', far],
  ]) {
    const m = unifiedDiff(a, b);
    const j = jsdiffUnified(a, b);
    const changes = m.split('\n').filter((l) => l.startsWith('-') || l.startsWith('+')).length;
    console.log(`  ${label}: ${changes} changed lines; same unified text: ${m === j}`);
  }
  // Minimality where they differ: fewer changed lines is better.
  if (differing) {
    const count = (t) => t.split('\n').filter((l) => l.startsWith('-') || l.startsWith('+')).length;
    console.log(
      `  first differing pair: meshc ${count(unifiedDiff(...differing))} changed lines, jsdiff ${count(jsdiffUnified(...differing))}`,
    );
  }
  const perFile = (f) => () => pairs.reduce((n, [a, b]) => n + f(a, b).length, 0);
  const tMeshc = best(perFile(unifiedDiff));
  row('meshc unifiedDiff, every file', tMeshc, tMeshc);
  row('jsdiff structuredPatch, every file', best(perFile(jsdiffUnified)), tMeshc);
  const tWhole = best(() => unifiedDiff(...whole).length);
  row('meshc, whole render (1% changed)', tWhole, tWhole);
  row(
    'jsdiff, whole render (1% changed)',
    best(() => jsdiffUnified(...whole).length),
    tWhole,
  );
  const tFar = best(() => unifiedDiff(...far).length);
  row('meshc, render vs another spec', tFar, tFar);
  row(
    'jsdiff, render vs another spec',
    best(() => jsdiffUnified(...far).length, 1),
    tFar,
    'one run (it takes long)',
  );
  // jsdiff's own bound (meshc's is MAX_EDIT_DISTANCE, after which it prints remove-all / add-all).
  let gaveUp = false;
  const tBounded = best(() => {
    const p = jsdiff.structuredPatch('', '', far[0], far[1], '', '', { maxEditLength: MAX_EDIT_DISTANCE });
    gaveUp = p === undefined;
    return p?.hunks.length ?? 0;
  }, 1);
  row(
    `jsdiff, same, maxEditLength ${MAX_EDIT_DISTANCE}`,
    tBounded,
    tFar,
    gaveUp ? 'until it gives up' : 'finished',
  );
}

// ---- JSON Patch -------------------------------------------------------------------------------------

/** Pairs (object in environment 0, the same object in another environment): what diffOps sees. */
function objectPairs(tree) {
  const key = (o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''} ${o.metadata.name}`;
  const byEnv = new Map();
  for (const [dir, objs] of tree.builds) {
    const [, env, ...rest] = dir.split('/');
    if (!byEnv.has(env)) byEnv.set(env, new Map());
    for (const o of objs) byEnv.get(env).set(`${rest.join('/')} ${key(o)}`, o);
  }
  const [first, ...others] = [...byEnv.values()];
  const pairs = [];
  for (const other of others)
    for (const [k, o] of other) {
      const b = first.get(k);
      if (b) pairs.push([b, o]);
    }
  return pairs;
}

/** The kustomize invariant of meshc's generated patches: every path names an object member, never an index. */
function memberPathsOnly(a, ops) {
  for (const op of ops) {
    let cur = a;
    const segs = op.path.split('/').slice(1);
    for (const s of segs.slice(0, -1)) {
      if (Array.isArray(cur)) return false;
      cur = cur?.[s.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (Array.isArray(cur)) return false;
  }
  return true;
}

const norm = (ops) => JSON.stringify(ops.map(({ op, path, value, from }) => ({ op, path, value, from })));

const objPairs = rendered ? objectPairs(baseTree) : [];
if (want('json-patch')) {
  console.log('\nJSON Patch generation: src/gitops/diff-ops.ts vs rfc6902, fast-json-patch');

  const candidates = [
    ['meshc diffOps', (a, b) => diffOps(a, b)],
    ['rfc6902 createPatch', (a, b) => rfc6902.createPatch(a, b)],
    ['fast-json-patch compare', (a, b) => fastJsonPatch.compare(a, b)],
  ];
  const differing = objPairs.filter(([a, b]) => diffOps(a, b).length > 0);
  console.log(
    `  ${objPairs.length} object pairs (environment 0 vs another environment), ${differing.length} differ; counts below are of those`,
  );
  const sorted = (ops) =>
    JSON.parse(norm(ops)).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  let tBase;
  for (const [name, f] of candidates) {
    let same = 0;
    let sameSet = 0;
    let memberOnly = 0;
    let applies = 0;
    for (const [a, b] of differing) {
      const ops = f(a, b);
      if (norm(ops) === norm(diffOps(a, b))) same++;
      else if (JSON.stringify(sorted(ops)) === JSON.stringify(sorted(diffOps(a, b)))) sameSet++;
      if (memberPathsOnly(a, ops)) memberOnly++;
      const r = applyPatch(a, ops);
      if (r.ok && jsonEqual(r.value, b)) applies++;
    }
    const t = best(() => objPairs.reduce((n, [a, b]) => n + f(a, b).length, 0));
    tBase ??= t;
    row(
      name,
      t,
      tBase,
      `same ops as meshc ${same}, same in another order ${sameSet}, no array index ${memberOnly}, gives the target ${applies}`,
    );
  }
  // Arrays are where they part: meshc replaces a changed list whole (kustomize applies the op to the
  // base, so an index into a list the user's own patches may reorder would hit the wrong item).
  const a = { spec: { hosts: ['a', 'b', 'c'], http: [{ name: 'x', timeout: '5s' }] } };
  const b = { spec: { hosts: ['a', 'c'], http: [{ name: 'x', timeout: '3s' }] } };
  console.log(`  a list edit, meshc:   ${JSON.stringify(diffOps(a, b))}`);
  console.log(`  a list edit, rfc6902: ${JSON.stringify(rfc6902.createPatch(a, b))}`);
  console.log(`  a list edit, fast-json-patch: ${JSON.stringify(fastJsonPatch.compare(a, b))}`);
}

if (want('json-patch')) {
  console.log('\nJSON Patch application: src/gitops/json-patch.ts vs rfc6902, fast-json-patch');

  const work = objPairs.map(([a, b]) => [a, diffOps(a, b)]).filter(([, ops]) => ops.length > 0);
  const candidates = [
    ['meshc applyPatch', (doc, ops) => applyPatch(doc, ops).value],
    [
      'rfc6902 applyPatch (on a copy)',
      (doc, ops) => {
        const copy = cloneJson(doc);
        rfc6902.applyPatch(copy, ops);
        return copy;
      },
    ],
    ['fast-json-patch applyPatch', (doc, ops) => fastJsonPatch.applyPatch(doc, ops, true, false).newDocument],
  ];
  let tBase;
  for (const [name, f] of candidates) {
    const t = best(() => work.reduce((n, [doc, ops]) => n + (f(doc, ops) ? 1 : 0), 0));
    tBase ??= t;
    row(name, t, tBase, `${work.length} patches`);
  }
  // A member named __proto__ (legal in YAML and JSON, so in a user's environment patch).
  const proto = JSON.parse('{"metadata":{"annotations":{}}}');
  const protoOps = [{ op: 'add', path: '/metadata/annotations/__proto__', value: { x: '1' } }];
  const show = (v) =>
    `${JSON.stringify(v)} (own keys of annotations: ${JSON.stringify(Object.keys(v.metadata.annotations))})`;
  console.log(`  add a __proto__ member, meshc:   ${show(applyPatch(proto, protoOps).value)}`);
  const protoCopy = cloneJson(proto);
  rfc6902.applyPatch(protoCopy, protoOps);
  console.log(`  add a __proto__ member, rfc6902: ${show(protoCopy)}`);
  try {
    fastJsonPatch.applyPatch(cloneJson(proto), protoOps, true, false);
  } catch (e) {
    console.log(`  add a __proto__ member, fast-json-patch: ${String(e.message).split(',')[0]}`);
  }
  // What a user sees when an op of their environment patch cannot apply (meshc says which and why).
  const doc = { spec: { list: [1, 2] } };
  const bad = [{ op: 'replace', path: '/spec/list/5', value: 3 }];
  console.log(`  failing op, meshc:   ${JSON.stringify(applyPatch(doc, bad))}`);
  console.log(`  failing op, rfc6902: ${JSON.stringify(rfc6902.applyPatch(cloneJson(doc), bad))}`);
  try {
    fastJsonPatch.applyPatch(cloneJson(doc), bad, true, false);
    console.log('  failing op, fast-json-patch: no error');
  } catch (e) {
    console.log(`  failing op, fast-json-patch: ${e.name}: ${String(e.message).split('\n')[0]}`);
  }
}

if (values['patch-tests'] && want('json-patch')) {
  // Each case: doc, patch, and either expected (the result) or error (the patch must fail); disabled
  // cases are skipped. A case passes when the implementation applies it as the case says.
  const cases = values['patch-tests']
    .split(',')
    .flatMap((f) => JSON.parse(readFileSync(f, 'utf8')))
    .filter((c) => !c.disabled);
  const impls = [
    [
      'meshc applyPatch',
      (doc, ops) => {
        const r = applyPatch(doc, ops);
        return r.ok ? { value: r.value } : { error: true };
      },
    ],
    [
      'rfc6902 applyPatch',
      (doc, ops) => {
        const copy = cloneJson(doc);
        const wrapper = { doc: copy };
        // rfc6902 changes the document in place, so it cannot replace the root itself: apply to a
        // wrapper, moving only well-formed pointers under it (a malformed one stays malformed).
        const under = (p) => (typeof p === 'string' && (p === '' || p.startsWith('/')) ? '/doc' + p : p);
        const errors = rfc6902.applyPatch(
          wrapper,
          ops.map((o) => ({ ...o, path: under(o.path), ...('from' in o ? { from: under(o.from) } : {}) })),
        );
        return errors.some((e) => e !== null) ? { error: true } : { value: wrapper.doc };
      },
    ],
    [
      'fast-json-patch applyPatch',
      (doc, ops) => {
        try {
          return { value: fastJsonPatch.applyPatch(cloneJson(doc), ops, true, false).newDocument };
        } catch {
          return { error: true };
        }
      },
    ],
  ];
  console.log(`\nJSON Patch conformance (json-patch-tests): ${cases.length} cases`);
  for (const [name, f] of impls) {
    let pass = 0;
    const failed = [];
    for (const c of cases) {
      let r;
      try {
        r = f(c.doc, c.patch);
      } catch {
        r = { error: true, threw: true };
      }
      const ok =
        c.error !== undefined ? r.error === true : !r.error && jsonEqual(r.value, c.expected ?? c.doc);
      if (ok) pass++;
      else failed.push(c.comment ?? c.error ?? JSON.stringify(c.patch).slice(0, 60));
    }
    console.log(
      `  ${name.padEnd(34)} ${pass}/${cases.length}${failed.length ? `  fails: ${failed.slice(0, 6).join('; ')}` : ''}`,
    );
  }
}

// ---- YAML emitter -----------------------------------------------------------------------------------

if (want('yaml')) {
  console.log('\nYAML output: src/render/yaml.ts vs yaml stringify');

  const objs = [...baseTree.builds.values()].flat();
  // The options that bring `yaml` closest to meshc's layout: no folding, lists not indented under
  // their key (as kubectl prints), block literals for multi-line strings, plain scalars where safe.
  const yamlOptions = { lineWidth: 0, indentSeq: false, blockQuote: 'literal', aliasDuplicateObjects: false };
  let same = 0;
  let bytes = 0;
  for (const o of objs) {
    const m = emitYaml(o);
    bytes += m.length;
    if (m === YAML.stringify(o, yamlOptions)) same++;
  }
  console.log(
    `  ${objs.length} objects of the render (${(bytes / 1048576).toFixed(1)} MiB); yaml gives the same text for ${same} of them`,
  );
  const emit = (f) => () => objs.reduce((n, o) => n + f(o).length, 0);
  const tM = best(emit(emitYaml));
  row('meshc emitYaml', tM, tM);
  row('yaml stringify (same options)', best(emit((o) => YAML.stringify(o, yamlOptions))), tM);
  console.log(`  (one whole render in memory takes ${renderMs.toFixed(0)} ms)`);
}

// ---- argument parsing -------------------------------------------------------------------------------

// Not a dependency of meshc: compared only when installed next to it, e.g.
// `npm install --no-save commander@14.0.3 yargs@18.2.0` (both support Node 20; commander 15 needs Node 22).
if (want('args')) {
  console.log('\nargument parsing: src/cli/args.ts (node:util parseArgs) vs commander, yargs');

  const { COMMANDS } = await import(new URL('cli/commands.js', dist));
  const { parseCommandArgs } = await import(new URL('cli/args.js', dist));
  const optional = async (name) => import(name).catch(() => undefined);
  const commander = await optional('commander');
  const yargsFactory = (await optional('yargs/yargs'))?.default;
  const spec = (name) => COMMANDS.find((c) => c.name === name);

  /** The same command table as a commander program (what a switch would write once per command). */
  function viaCommander(cmd, argv) {
    const program = new commander.Command(cmd.name)
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const [name, o] of Object.entries(cmd.options)) {
      const flags = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.value ?? 'VALUE'}>` : ''}`;
      const option = new commander.Option(flags, o.description);
      if (o.values) option.choices(o.values);
      program.addOption(o.multiple ? option.argParser((v, prev = []) => [...prev, v]) : option);
    }
    for (const p of cmd.positionals) program.argument(`[${p}]`);
    program.parse(argv, { from: 'user' });
    return program.opts();
  }

  /** The same with yargs (strict: unknown options and extra arguments are errors). */
  function viaYargs(cmd, argv) {
    let y = yargsFactory(argv)
      .scriptName('meshc')
      .command(`$0 ${cmd.positionals.map((p) => `[${p}]`).join(' ')}`, cmd.summary)
      .strict()
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      });
    for (const [name, o] of Object.entries(cmd.options))
      y = y.option(name, {
        type: o.type,
        ...(o.short ? { alias: o.short } : {}),
        ...(o.type === 'string' ? { requiresArg: true } : {}),
        ...(o.values ? { choices: o.values } : {}),
        ...(o.multiple ? { array: true } : {}),
      });
    return y.parse();
  }

  const attempt = (f) => {
    try {
      return `accepted ${JSON.stringify(f())}`;
    } catch (e) {
      return String(e.message).replace(/\n/g, ' | ');
    }
  };
  const cases = [
    ['validate', '--formt', 'json'],
    ['render', '--chek'],
    ['render', '--allow-removal'],
    ['build', '-x'],
    ['render', '-o'],
    ['render', '--check=yes'],
    ['render', '--format', 'jsn'],
    ['render', 'a', 'b'],
  ];
  for (const [name, ...argv] of cases) {
    console.log(`  meshc ${[name, ...argv].join(' ')}`);
    console.log(`    meshc:     ${attempt(() => parseCommandArgs(spec(name), argv).values)}`);
    if (commander) console.log(`    commander: ${attempt(() => viaCommander(spec(name), argv))}`);
    if (yargsFactory) console.log(`    yargs:     ${attempt(() => viaYargs(spec(name), argv))}`);
  }
  // What loading the parser adds to every meshc start, in a fresh process (best of `runs`).
  const importMs = (specifier) => {
    let t = Infinity;
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const s = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - s);`,
        ],
        { cwd: new URL('..', import.meta.url), encoding: 'utf8' },
      );
      t = Math.min(t, Number(out));
    }
    return t;
  };
  const tUtil = importMs('node:util');
  console.log(`  import in a fresh process: node:util ${tUtil.toFixed(1)} ms`);
  for (const [name, present] of [
    ['commander', commander],
    ['yargs', yargsFactory],
  ])
    console.log(
      present
        ? `  import in a fresh process: ${name} ${importMs(name).toFixed(1)} ms`
        : `  ${name}: not installed (npm install --no-save ${name}) - skipped`,
    );
}

if (rendered && sink === 0) console.log('(nothing measured?)');
