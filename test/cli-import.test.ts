/**
 * `meshc import` through the in-process CLI: good input (an upstream task with its platform objects), partial
 * input (fields the spec lacks, reported at their file:line:col, the spec still written and valid), bad input
 * (unparseable YAML, unknown kinds, a List with garbage), the report formats, and the output directory rules
 * (never lose a user's file).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { dedent, tempDir } from './helpers/spec-tree.ts';
import { readTree } from './helpers/render.ts';

const fixture = (rel: string) => path.join(repoRoot, rel);

async function inputDir(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('meshc-import-in-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const REVIEWS_SERVICE = dedent`
  apiVersion: v1
  kind: Service
  metadata: { name: reviews, namespace: shop }
  spec:
    selector: { app: reviews }
    ports: [{ name: http, port: 9080 }]
`;

describe('meshc import: good input', () => {
  it('imports an Istio task with its platform objects, exits 0, and the result validates', async () => {
    const out = await tempDir('meshc-import-out-');
    const r = await runCli([
      'import',
      fixture('fixtures/upstream/istio/request-routing-user-identity.yaml'),
      fixture('fixtures/import/bookinfo-platform.yaml'),
      '-o',
      out,
    ]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('istio 1.22');
    expect(r.code).toBe(0);
    const tree = await readTree(out);
    expect([...tree.keys()]).toEqual([
      '.meshc-import.json',
      'environments/istio.yaml',
      'meshc.yaml',
      'services/default/details.yaml',
      'services/default/productpage.yaml',
      'services/default/ratings.yaml',
      'services/default/reviews.yaml',
    ]);
    expect(tree.get('services/default/reviews.yaml')).toContain('end-user:\n          exact: jason');
    const v = await runCli(['validate', out]);
    expect(v.stderr + v.stdout).not.toContain('error');
    expect(v.code).toBe(0);
  });

  it('reads `kubectl get -o yaml` List output and directories, with positions inside the List', async () => {
    const dir = await inputDir({
      'dump/list.yaml': dedent`
        apiVersion: v1
        kind: List
        items:
        - ${REVIEWS_SERVICE.replace(/\n/g, '\n          ').trim()}
        - apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: { name: reviews, namespace: shop, resourceVersion: "42", uid: x }
          spec:
            hosts: [reviews]
            http:
            - route: [{ destination: { host: reviews } }]
              retries: { attempts: 0 }
              corsPolicy: { allowOrigins: [{ exact: "https://a.example" }] }
          status: {}
      `,
    });
    const out = await tempDir('meshc-import-out-');
    const r = await runCli(['import', 'dump', '-o', out], { cwd: dir });
    // The one field the spec lacks, at its own line in the List.
    expect(r.stdout).toMatch(
      /^dump\/list\.yaml:18:19: warning IMPORT_NOT_CARRIED: spec\.http\[0\]\.corsPolicy of/m,
    );
    expect(r.code).toBe(1);
    const svc = await readFile(path.join(out, 'services/shop/reviews.yaml'), 'utf8');
    expect(svc).toContain('- backends:\n    - service: reviews');
  });
});

describe('meshc import: partial input is reported where it is, and the spec is still written', () => {
  it('a header-present match, a regex host and a second VirtualService for one host', async () => {
    const dir = await inputDir({
      'svc.yaml': REVIEWS_SERVICE,
      'vs.yaml': dedent`
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews, namespace: shop }
        spec:
          hosts: [reviews, "*.example.com"]
          http:
          - match:
            - headers: { x-canary: {} }
            route: [{ destination: { host: reviews } }]
            retries: { attempts: 0 }
          - route: [{ destination: { host: reviews } }]
            retries: { attempts: 1, retryOn: "5xx,retriable-status-codes,503" }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews-2, namespace: shop }
        spec:
          hosts: [reviews.shop.svc.cluster.local]
          http:
          - route: [{ destination: { host: reviews } }]
            timeout: 3s
      `,
    });
    const out = await tempDir('meshc-import-out-');
    const r = await runCli(['import', '.', '-o', out, '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      diagnostics: { code: string; file: string; line: number; message: string }[];
      written: string[];
    };
    expect(report.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`)).toEqual([
      'IMPORT_NOT_CARRIED vs.yaml:5',
      'IMPORT_NOT_CARRIED vs.yaml:7',
      'IMPORT_NOT_CARRIED vs.yaml:8',
      'IMPORT_NOT_CARRIED vs.yaml:12',
      'IMPORT_CONFLICT vs.yaml:14',
    ]);
    expect(report.diagnostics[2]!.message).toContain('header-present');
    expect(report.written).toContain('services/shop/reviews.yaml');
    // The route with the header-present match is left out (it takes fewer requests), never widened.
    const svc = await readFile(path.join(out, 'services/shop/reviews.yaml'), 'utf8');
    expect(svc).not.toContain('x-canary');
    expect(svc).toContain('attempts: 1');
    expect((await runCli(['validate', out])).code).toBe(0);
  });

  it('--format markdown is a table of the findings', async () => {
    const dir = await inputDir({
      'a.yaml': dedent`
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: deny-all, namespace: shop }
        spec: { action: DENY, rules: [{}] }
      `,
    });
    const r = await runCli(['import', 'a.yaml', '--dry-run', '--format', 'markdown'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('| Where | Severity | Code | Finding | Hint |');
    expect(r.stdout).toMatch(
      /\| a\.yaml:1:1 \| warning \| `IMPORT_NOT_CARRIED` \| AuthorizationPolicy shop\/deny-all is not carried: .*DENY/,
    );
    expect(r.stdout).toContain('Wrote nothing.');
  });
});

describe('meshc import: bad input', () => {
  it('unparseable YAML, an unknown kind and a List with garbage: each reported, the rest still imported', async () => {
    const dir = await inputDir({
      'broken.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: [oops\n',
      'unknown.yaml': [
        dedent`
          apiVersion: example.com/v1
          kind: Widget
          metadata: { name: w, namespace: shop }
          spec: { size: 3 }
        `,
        REVIEWS_SERVICE,
        dedent`
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: { name: reviews, namespace: shop }
          spec: { host: reviews, subsets: [{ name: v1, labels: { version: v1 } }] }
        `,
      ].join('---\n'),
      'list.yaml': dedent`
        apiVersion: v1
        kind: List
        items:
        - 42
        - { kind: Service }
      `,
    });
    const out = await tempDir('meshc-import-out-');
    const r = await runCli(['import', '.', '-o', out], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => /^\S+:\d+:\d+: (error|warning)/.test(l));
    expect(lines.map((l) => /^(\S+:\d+:\d+): \w+ (\w+)/.exec(l)!.slice(1).join(': '))).toEqual([
      expect.stringMatching(/^broken\.yaml:3:\d+: YAML_/),
      'list.yaml:4:3: IMPORT_INVALID_OBJECT',
      'list.yaml:5:3: IMPORT_INVALID_OBJECT',
      'unknown.yaml:1:1: IMPORT_UNKNOWN_KIND',
    ]);
    expect(await readFile(path.join(out, 'services/shop/reviews.yaml'), 'utf8')).toContain('version: v1');
  });

  it('usage errors exit 2: no path, a path that does not exist, --mesh-version without --mesh', async () => {
    expect((await runCli(['import'])).code).toBe(2);
    const missing = await runCli(['import', 'no/such/file.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    expect((await runCli(['import', 'fixtures', '--mesh-version', '1.24'])).code).toBe(2);
  });

  it('only Kubernetes objects: no mesh is detected unless --mesh names it', async () => {
    const dir = await inputDir({ 'svc.yaml': REVIEWS_SERVICE });
    const without = await runCli(['import', 'svc.yaml', '--dry-run', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(without.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'IMPORT_MESH_UNKNOWN',
    ]);
    expect(without.code).toBe(1);
    const out = await tempDir('meshc-import-out-');
    const given = await runCli(
      ['import', 'svc.yaml', '--mesh', 'linkerd', '--mesh-version', '2.18', '-o', out],
      { cwd: dir },
    );
    expect(given.code).toBe(0);
    expect(await readFile(path.join(out, 'environments/linkerd.yaml'), 'utf8')).toContain('version: "2.18"');
  });
});

describe('meshc import: the output directory', () => {
  const input = async () => inputDir({ 'svc.yaml': REVIEWS_SERVICE });

  it('refuses a non-empty directory that is not an earlier import, and writes nothing', async () => {
    const dir = await input();
    const out = await tempDir('meshc-import-out-');
    await writeFile(path.join(out, 'notes.txt'), 'mine');
    const r = await runCli(['import', 'svc.yaml', '--mesh', 'istio', '-o', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('IMPORT_OUTPUT_NOT_EMPTY');
    expect([...(await readTree(out)).keys()]).toEqual(['notes.txt']);
    // --force writes beside the user's file, which stays as it was.
    const forced = await runCli(['import', 'svc.yaml', '--mesh', 'istio', '-o', out, '--force'], {
      cwd: dir,
    });
    expect(forced.code).toBe(0);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readTree(out)).has('services/shop/reviews.yaml')).toBe(true);
  });

  it('replaces an earlier import, but never a file the user edited since, even with --force', async () => {
    const dir = await input();
    const out = await tempDir('meshc-import-out-');
    expect((await runCli(['import', 'svc.yaml', '--mesh', 'istio', '-o', out], { cwd: dir })).code).toBe(0);
    expect((await runCli(['import', 'svc.yaml', '--mesh', 'istio', '-o', out], { cwd: dir })).code).toBe(0);
    const file = path.join(out, 'services/shop/reviews.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}# my edit\n`);
    for (const extra of [[], ['--force']]) {
      const r = await runCli(['import', 'svc.yaml', '--mesh', 'istio', '-o', out, ...extra], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('services/shop/reviews.yaml');
      expect(await readFile(file, 'utf8')).toContain('# my edit');
    }
  });
});

describe('meshc import: names that would leave the output directory', () => {
  it('refuses a namespace or name the API server would refuse, and writes nothing outside -o', async () => {
    const base = await tempDir('meshc-import-escape-');
    const dir = await inputDir({
      'in.yaml': dedent`
        apiVersion: v1
        kind: Service
        metadata: { name: "../../../escaped", namespace: "../.." }
        spec: { ports: [{ name: http, port: 80 }], selector: { app: x } }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: "a/../../../escaped-too", namespace: shop }
        spec: { ports: [{ name: http, port: 80 }], selector: { app: y } }
      `,
    });
    const out = path.join(base, 'out', 'nested');
    const r = await runCli(['import', path.join(dir, 'in.yaml'), '--mesh', 'istio', '-o', out]);
    expect(r.code).toBe(1);
    const invalid = r.stdout.split('\n').filter((l) => l.includes('error IMPORT_INVALID_OBJECT'));
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toContain('in.yaml:3:');
    expect(invalid[0]).toContain('metadata.namespace "../.."');
    expect(invalid[1]).toContain('metadata.name "a/../../../escaped-too"');
    const written = [...(await readTree(base)).keys()];
    expect(written.every((f) => f.startsWith('out/nested/'))).toBe(true);
    expect(written.some((f) => f.includes('escaped'))).toBe(false);
  });
});
