/**
 * The incremental render (plan/shards.ts): `meshc render` takes the namespaces whose inputs did not change
 * from the previous render instead of compiling them. What it must never do is render something else than a
 * full render. This applies random sequences of edits to the bench's spec of every mesh (three namespaces,
 * two environments; services that call services of the previous namespace, routes that send to the next) and
 * to the tree and the cache:
 * weights, timeouts, ports and service accounts changed, comments added, a service removed, an environment's
 * mTLS mode flipped and its overrides changed, a rendered file edited by hand, the writer's manifest or the
 * render cache lost. After each edit the incremental render (with a cache directory) and a full render
 * (`--no-cache`, into a tree of its own) must exit alike, report the same findings and leave byte-identical
 * trees. Real files, real renders, in-process (test/helpers/cli.ts).
 *
 * So that it is not vacuous, renders after a comment (and, on Istio, a weight change) must take namespaces from
 * the previous render (MESHC_DEBUG reports how many).
 *
 * 6 sequences per mesh in CI, 2 locally; `MESHC_GENERATED_RUNS` overrides both.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { MESHES, flipWeight, syntheticSpec } from '../scripts/synthetic-spec.mjs';
import { renderCacheFile } from '../src/load/render-cache.ts';
import { runCli } from './helpers/cli.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 6 : 2);
const tmpRoots: string[] = [];
afterAll(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

type Edit =
  | {
      readonly kind: 'weight' | 'timeout' | 'port' | 'serviceAccount' | 'comment' | 'remove';
      readonly file: number;
    }
  | { readonly kind: 'mtls' | 'override'; readonly env: number }
  | { readonly kind: 'tamper'; readonly file: number }
  | { readonly kind: 'lose-manifest' | 'lose-render-cache' };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  // The edit a pull request makes most: weighted more.
  { arbitrary: fc.nat().map((file) => ({ kind: 'weight' as const, file })), weight: 4 },
  fc
    .tuple(fc.constantFrom('timeout', 'port', 'serviceAccount', 'comment', 'remove'), fc.nat())
    .map(([kind, file]) => ({ kind, file })),
  fc.tuple(fc.constantFrom('mtls', 'override'), fc.nat({ max: 1 })).map(([kind, env]) => ({ kind, env })),
  fc.nat().map((file) => ({ kind: 'tamper' as const, file })),
  fc.constantFrom({ kind: 'lose-manifest' as const }, { kind: 'lose-render-cache' as const }),
);

interface Workspace {
  readonly spec: string;
  readonly inc: string;
  readonly full: string;
  readonly cache: string;
}

function workspace(mesh: string): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `meshc-incremental-${mesh}-`));
  tmpRoots.push(root);
  const w = {
    spec: path.join(root, 'spec'),
    inc: path.join(root, 'inc'),
    full: path.join(root, 'full'),
    cache: path.join(root, 'cache'),
  };
  const files = syntheticSpec({ services: 210, environments: 2, mesh, shape: 'realistic' }) as Record<
    string,
    string
  >;
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(w.spec, p)), { recursive: true });
    fs.writeFileSync(path.join(w.spec, p), p.startsWith('services/') ? crossRoutes(text) : text);
  }
  fs.mkdirSync(w.cache);
  return w;
}

/**
 * The bench's services call services of the previous namespace (`access`); so that routes cross namespaces
 * too, every tenth service's default route sends to a service of the next namespace (of three) instead. And so
 * that services have findings of their own in every namespace (the backends record them for a later render
 * to take: BackendOutput.residue), every tenth service (others) puts a wider route with a timeout before a
 * regex route (Linkerd picks the most specific route, not the first: a warning at the later route), and every
 * second exposed service admits no caller (Istio and Linkerd warn that the ingress cannot reach it; in one
 * environment an override's node is the warning's place).
 */
function crossRoutes(text: string): string {
  return text
    .split('---\n')
    .map((doc) => {
      const i = Number(/name: svc-(\d+)/.exec(doc)?.[1]);
      if (i % 40 === 7)
        doc = doc.replace(/  access:\n(    - from: .*\n      methods: .*\n)+/, '  access: []\n');
      if (i % 10 === 3)
        return doc.replace(
          /  routes:\n    - name: canary\n      match: \[.*\]\n/,
          '  routes:\n    - name: wide\n      match: [{ path: { prefix: /api } }]\n      to: v1\n      timeout: 3s\n' +
            '    - name: canary\n      match: [{ path: { regex: "/api/v[0-9]+" } }]\n',
        );
      if (i % 10 !== 0) return doc;
      const next = (Math.floor(i / 100) + 1) % 3;
      const target = `team-${String(next).padStart(3, '0')}/svc-${String(next * 100 + ((i / 10) % 10)).padStart(5, '0')}`;
      return doc.replace(
        / {6}to: \{ v1: \d+, v2: \d+ \}/,
        `      backends: [{ service: ${target}, weight: 100 }]`,
      );
    })
    .join('---\n');
}

/** Every file under `dir`, relative path → text. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}

function specFiles(w: Workspace): string[] {
  return [...tree(w.spec).keys()].filter((p) => p.startsWith('services/')).sort();
}

function rewrite(file: string, change: (text: string) => string): void {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

/** Applies `e`; false when it does not apply (nothing to change). */
function apply(w: Workspace, e: Edit): boolean {
  const services = specFiles(w);
  const pick = (n: number) => path.join(w.spec, services[n % services.length]!);
  switch (e.kind) {
    case 'weight':
      rewrite(pick(e.file), (t) => flipWeight(t) as string);
      return true;
    case 'timeout':
      rewrite(pick(e.file), (t) =>
        t.replace(/timeout: (\d+)s/, (_, n: string) => `timeout: ${Number(n) + 1}s`),
      );
      return true;
    case 'port': {
      // A service the routes of another namespace send to (crossRoutes): svc-00000, svc-00100..109, svc-00200..209.
      const targets = [
        0,
        ...Array.from({ length: 10 }, (_, k) => 100 + k),
        ...Array.from({ length: 10 }, (_, k) => 200 + k),
      ];
      const name = `svc-${String(targets[e.file % targets.length]).padStart(5, '0')}`;
      for (const p of services)
        rewrite(path.join(w.spec, p), (t) =>
          t
            .split('---\n')
            .map((doc) => (doc.includes(`name: ${name},`) ? doc.replace('port: 8080', 'port: 8081') : doc))
            .join('---\n'),
        );
      return true;
    }
    case 'serviceAccount':
      rewrite(pick(e.file), (t) => t.replace(/serviceAccount: (svc-\d+)/, 'serviceAccount: $1-x'));
      return true;
    case 'comment':
      rewrite(pick(e.file), (t) => `# edited\n${t}`);
      return true;
    case 'remove':
      // The file's last service: a service of its namespace may name it as a caller (then an error).
      rewrite(pick(e.file), (t) => t.split('---\n').slice(0, -1).join('---\n') || t);
      return true;
    case 'mtls':
      rewrite(path.join(w.spec, `environments/env-${e.env}.yaml`), (t) =>
        t.includes('mtls: strict')
          ? t.replace('mtls: strict', 'mtls: permissive')
          : t.replace('mtls: permissive', 'mtls: strict'),
      );
      return true;
    case 'override':
      rewrite(path.join(w.spec, `environments/env-${e.env}.yaml`), (t) =>
        /to: \{ v1: \d+, v2: \d+ \}/.test(t) ? (flipWeight(t) as string) : t,
      );
      return true;
    case 'tamper': {
      const owned = [...tree(w.inc)].filter(
        ([p, t]) => t.startsWith('# Generated by meshc') && p.includes('/team-'),
      );
      if (!owned.length) return false;
      const [p] = owned[e.file % owned.length]!;
      // Both trees alike: a render that refuses the spec leaves the edit in both.
      for (const out of [w.inc, w.full]) rewrite(path.join(out, p), (t) => `${t}# edited by hand\n`);
      return true;
    }
    case 'lose-manifest':
    case 'lose-render-cache': {
      const prefix = e.kind === 'lose-manifest' ? 'write-' : 'render-';
      for (const f of fs.readdirSync(w.cache)) if (f.startsWith(prefix)) fs.rmSync(path.join(w.cache, f));
      return true;
    }
  }
}

/** The report without the summary lines that name the output directory (they count what each render wrote). */
function findings(stdout: string, out: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith(`${out}:`))
    .join('\n');
}

async function renderBoth(w: Workspace): Promise<{ code: number; taken: number }> {
  const inc = await runCli(['render', w.spec, '-o', w.inc], {
    cwd: path.dirname(w.spec),
    env: { MESHC_CACHE_DIR: w.cache, MESHC_DEBUG: '1' },
  });
  const full = await runCli(['render', w.spec, '-o', w.full, '--no-cache'], { cwd: path.dirname(w.spec) });
  expect(inc.code, inc.stdout + inc.stderr).toBe(full.code);
  expect(findings(inc.stdout, 'inc')).toBe(findings(full.stdout, 'full'));
  const a = tree(w.inc);
  const b = tree(w.full);
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [p, text] of a) expect(text, p).toBe(b.get(p));
  const taken = /meshc: (\d+) of \d+ namespaces taken/.exec(inc.stderr);
  return { code: inc.code, taken: taken ? Number(taken[1]) : 0 };
}

describe('the incremental render renders what a full render does', () => {
  it.each(MESHES as string[])(
    '%s: random edits of the spec, the tree and the cache',
    async (mesh) => {
      let reused = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(editArb, { minLength: 3, maxLength: 6 }), async (edits) => {
          const w = workspace(mesh);
          // The spec renders: the edits start from a tree.
          expect((await renderBoth(w)).code).toBe(0);
          // A comment first, which every mesh takes the other namespaces through.
          for (const e of [{ kind: 'comment' as const, file: 0 }, ...edits]) {
            if (!apply(w, e)) continue;
            const { taken } = await renderBoth(w);
            // A comment changes no resolved service.
            if (e.kind === 'comment' && taken > 0) reused++;
          }
          fs.rmSync(path.dirname(w.spec), { recursive: true, force: true });
        }),
        { numRuns: RUNS },
      );
      expect(reused).toBeGreaterThan(0);
    },
    600_000,
  );

  // A weight changes routes, which Istio's, Linkerd's and Consul's objects of other namespaces do not read (but
  // for the namespaces they reach, the services they send to as a whole: Backend.peerView); App Mesh's do.
  it.each(['istio', 'linkerd', 'consul'])(
    '%s: a weight change takes the other namespaces from the previous render',
    async (mesh) => {
      const w = workspace(mesh);
      expect((await renderBoth(w)).code).toBe(0);
      apply(w, { kind: 'weight', file: 0 });
      expect((await renderBoth(w)).taken).toBe(2);
      // A file of a namespace taken from the previous render, edited by hand: everything is rendered again.
      apply(w, { kind: 'weight', file: 0 });
      const edited = [...tree(w.inc).keys()].find((p) => p.startsWith('overlays/env-1/team-002/'))!;
      rewrite(path.join(w.inc, edited), (t) => `${t}# edited by hand\n`);
      expect((await renderBoth(w)).taken).toBe(2);
      expect(tree(w.inc).get(edited)).not.toContain('# edited by hand');
    },
  );

  // Linkerd records each namespace's findings and reaches (BackendOutput.residue) and does not compute the
  // services of a namespace it takes: what it reports of them is the record's.
  it('linkerd: the findings of a taken namespace are the ones the previous render recorded', async () => {
    const w = workspace('linkerd');
    expect((await renderBoth(w)).code).toBe(0);
    const file = renderCacheFile(w.cache, w.inc);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    const team2 = entry.shards.record.namespaces['team-002'];
    expect(team2.reaches['env-0']).toEqual(['team-000']);
    expect(team2.findings.length).toBeGreaterThan(0);
    expect(Object.keys(team2.files)).toContain('environments/env-0.yaml');
    const marked = team2.findings[0];
    marked.message = `FROM-RECORD ${marked.message}`;
    fs.writeFileSync(file, JSON.stringify(entry));
    apply(w, { kind: 'weight', file: 0 });
    const planted = await runCli(['render', w.spec, '-o', w.inc], {
      cwd: path.dirname(w.spec),
      env: { MESHC_CACHE_DIR: w.cache },
    });
    expect(planted.code).toBe(0);
    expect(planted.stdout).toContain('FROM-RECORD');
    // A record whose findings are not plain located warnings is no record: everything is rendered again.
    const again = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete again.shards.record.namespaces['team-002'].findings[0].location.line;
    fs.writeFileSync(file, JSON.stringify(again));
    apply(w, { kind: 'weight', file: 0 });
    expect((await renderBoth(w)).taken).toBe(0);
    // A comment in a file the findings point into: that namespace is rendered, the others are taken.
    rewrite(
      path.join(
        w.spec,
        specFiles(w).find((p) => p.startsWith('services/team-002/'))!,
      ),
      (t) => `# c\n${t}`,
    );
    expect((await renderBoth(w)).taken).toBe(2);
  });
});
