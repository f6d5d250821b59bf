/**
 * `meshc drift` through the CLI runner: against exported dumps (`--live`) and against a cluster (`--context`),
 * the stand-in API server of test/helpers/kube-api-server.ts serving recorded responses.
 */
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MAX_IMPORT_BYTES } from '../src/load/import-sources.ts';
import { runCli } from './helpers/cli.ts';
import { startKubeApiServer, type KubeApiServer } from './helpers/kube-api-server.ts';
import { dedent, specTree, tempDir } from './helpers/spec-tree.ts';
import { aliasBombList } from './helpers/hostile-yaml.ts';

/** The spec the istio-bookinfo cluster scenario was recorded for: reviews (v1/v2, 90/10) and productpage. */
const SPEC = {
  'meshc.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Project
    metadata: { name: shop }
    spec:
      include: [services/*.yaml, environments/*.yaml]
      output: rendered
  `,
  'environments/prod.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh: { type: istio, version: '1.24', mtls: strict }
      gitops: { engine: flux, repo: 'https://github.com/acme/shop-mesh.git', branch: main }
      namespaces: [bookinfo]
  `,
  'environments/staging.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: staging }
    spec:
      cluster: staging-1
      mesh: { type: linkerd, version: '2.18', mtls: permissive }
      gitops: { engine: flux, repo: 'https://github.com/acme/shop-mesh.git', branch: main }
      namespaces: [bookinfo]
  `,
  'services/reviews.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      selector: { app: reviews }
      serviceAccount: bookinfo-reviews
      versions:
        v1: { labels: { version: v1 } }
        v2: { labels: { version: v2 } }
      routes:
        - name: default
          to: { v1: 90, v2: 10 }
          timeout: 10s
      access:
        - from: [productpage]
    ---
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: productpage, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      selector: { app: productpage }
      serviceAccount: bookinfo-productpage
  `,
};

const servers: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML read back from the CLI, shaped per kind in each test
type Obj = Record<string, any>;

/** The environment's render (meshc build), as objects. */
async function build(dir: string, env: string): Promise<Obj[]> {
  const r = await runCli(['build', dir, '--env', env]);
  expect(r.code, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
}

/** What `kubectl get -o yaml` gives for objects applied from the render: a List, with server fields. */
function asDump(objects: readonly Obj[]): string {
  const items = objects.map((o, i) => ({
    ...o,
    metadata: {
      ...o.metadata,
      uid: `4c1f9e7a-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(51000 + i),
      generation: 2,
      creationTimestamp: '2026-11-02T09:14:07Z',
      managedFields: [
        {
          manager: 'kustomize-controller',
          operation: 'Apply',
          apiVersion: o.apiVersion,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': {} },
        },
      ],
    },
    ...(o.kind === 'Service'
      ? {
          spec: {
            ...o.spec,
            clusterIP: '10.96.3.4',
            clusterIPs: ['10.96.3.4'],
            type: 'ClusterIP',
            sessionAffinity: 'None',
            ipFamilies: ['IPv4'],
            ipFamilyPolicy: 'SingleStack',
            internalTrafficPolicy: 'Cluster',
          },
          status: { loadBalancer: {} },
        }
      : o.kind === 'HTTPRoute'
        ? {
            spec: {
              ...o.spec,
              rules: (o.spec.rules as Obj[]).map((r) => ({
                ...r,
                backendRefs: (r.backendRefs as Obj[] | undefined)?.map((b) => ({
                  group: '',
                  kind: 'Service',
                  weight: 1,
                  ...b,
                })),
              })),
            },
            status: { parents: [] },
          }
        : { status: { observedGeneration: 2 } }),
  }));
  return JSON.stringify(
    { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items },
    null,
    2,
  );
}

async function dumpOf(objects: readonly Obj[]): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'live.json');
  await writeFile(file, asDump(objects));
  return file;
}

describe('meshc drift --live', () => {
  it('no drift when the live objects are the render plus what the server adds (Istio and Linkerd)', async () => {
    const dir = await specTree(SPEC);
    for (const env of ['prod', 'staging']) {
      const rendered = await build(dir, env);
      const r = await runCli(['drift', dir, '--env', env, '--live', await dumpOf(rendered), '--exit-code']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/no drift: \d+ objects in sync/);
      // The Flux objects are rendered, but not kinds meshc reads live: counted, never missing.
      expect(r.stdout).toMatch(
        /not compared: \d rendered objects of 2 kinds meshc drift does not compare \(kustomize\.toolkit\.fluxcd\.io\/Kustomization ×\d, source\.toolkit\.fluxcd\.io\/GitRepository ×1\)/,
      );
    }
  });

  it('the summary counts the rendered objects per kind compared and not compared, each kind in one list, with the reason', async () => {
    const dir = await specTree(SPEC);
    const rendered = await build(dir, 'prod');
    // The dump holds the Flux objects (a kind drift does not compare) and no VirtualService at all.
    const file = await dumpOf(rendered.filter((o) => o.kind !== 'VirtualService'));
    const r = await runCli(['drift', dir, '--env', 'prod', '--live', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'warning LIVE_KIND_NOT_COMPARED: The live objects include 2 kustomize.toolkit.fluxcd.io/Kustomization objects, a kind meshc drift does not compare; skipped.',
    );
    const lines = r.stdout.split('\n');
    expect(lines).toContain(
      'compared: 7 rendered objects of 6 kinds (Namespace ×1, Service ×2, networking.istio.io/DestinationRule ×1, networking.istio.io/VirtualService ×1, security.istio.io/AuthorizationPolicy ×1, security.istio.io/PeerAuthentication ×1)',
    );
    expect(lines).toContain(
      '  of which a kind with no live object at all, so each rendered one is missing: networking.istio.io/VirtualService ×1',
    );
    expect(lines).toContain(
      'not compared: 3 rendered objects of 2 kinds meshc drift does not compare (kustomize.toolkit.fluxcd.io/Kustomization ×2, source.toolkit.fluxcd.io/GitRepository ×1)',
    );
    // Not "kinds the live objects do not include": the live objects include the Flux kinds (the warning
    // above), and they include no VirtualService, which is compared (missing).
    expect(r.stdout).not.toContain('do not include');
    expect(r.stdout).toContain('missing  networking.istio.io/v1 VirtualService bookinfo/reviews');
    // No kind is named in both lists.
    const kindsOf = (prefix: string) =>
      new Set(
        [...(lines.find((l) => l.startsWith(prefix)) ?? '').matchAll(/([\w./-]+) ×\d+/g)].map((m) => m[1]),
      );
    const compared = kindsOf('compared: ');
    const notCompared = kindsOf('not compared: ');
    expect(compared.size).toBe(6);
    expect(notCompared.size).toBe(2);
    expect([...compared].filter((k) => notCompared.has(k))).toEqual([]);

    const json = JSON.parse(
      (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'json'])).stdout,
    );
    expect(json.kinds).toEqual([
      { kind: 'Namespace', compared: 1, notCompared: 0, live: 1, reason: null },
      { kind: 'Service', compared: 2, notCompared: 0, live: 2, reason: null },
      {
        kind: 'kustomize.toolkit.fluxcd.io/Kustomization',
        compared: 0,
        notCompared: 2,
        live: 0,
        reason: 'not-compared',
      },
      { kind: 'networking.istio.io/DestinationRule', compared: 1, notCompared: 0, live: 1, reason: null },
      {
        kind: 'networking.istio.io/VirtualService',
        compared: 1,
        notCompared: 0,
        live: 0,
        reason: 'no-live-objects',
      },
      { kind: 'security.istio.io/AuthorizationPolicy', compared: 1, notCompared: 0, live: 1, reason: null },
      { kind: 'security.istio.io/PeerAuthentication', compared: 1, notCompared: 0, live: 1, reason: null },
      {
        kind: 'source.toolkit.fluxcd.io/GitRepository',
        compared: 0,
        notCompared: 1,
        live: 0,
        reason: 'not-compared',
      },
    ]);
    const md = (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'markdown'])).stdout;
    expect(md).toContain(
      '<sub>compared: 7 rendered objects of 6 kinds (Namespace ×1, Service ×2, networking.istio.io/DestinationRule ×1, networking.istio.io/VirtualService ×1, security.istio.io/AuthorizationPolicy ×1, security.istio.io/PeerAuthentication ×1)<br>of which a kind with no live object at all, so each rendered one is missing: networking.istio.io/VirtualService ×1<br>not compared: 3 rendered objects of 2 kinds meshc drift does not compare (kustomize.toolkit.fluxcd.io/Kustomization ×2, source.toolkit.fluxcd.io/GitRepository ×1)</sub>',
    );
  });

  it('missing, changed (with the field paths) and unmanaged overlap; --exit-code exits 1', async () => {
    const dir = await specTree(SPEC);
    const rendered = await build(dir, 'prod');
    const live = rendered
      .filter((o) => o.kind !== 'AuthorizationPolicy')
      .map((o) =>
        o.kind === 'VirtualService'
          ? { ...o, spec: { ...o.spec, http: [{ ...o.spec.http[0], timeout: '30s' }] } }
          : o,
      );
    live.push({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'reviews-hotfix', namespace: 'bookinfo' },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] },
    });
    const file = await dumpOf(live);
    const r = await runCli(['drift', dir, '--env', 'prod', '--live', file, '--exit-code']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('missing  security.istio.io/v1 AuthorizationPolicy bookinfo/reviews');
    expect(r.stdout).toContain('changed  networking.istio.io/v1 VirtualService bookinfo/reviews');
    expect(r.stdout).toContain('spec.http[0].timeout: meshc renders "10s", live "30s"');
    expect(r.stdout).toContain('overlap  networking.istio.io/v1beta1 VirtualService bookinfo/reviews-hotfix');
    expect(r.stdout).toContain(
      'competes with networking.istio.io/v1 VirtualService bookinfo/reviews for the same host: host reviews.bookinfo.svc.cluster.local on mesh',
    );
    expect(r.stdout).toContain('3 findings: 1 missing, 1 changed, 1 unmanaged overlap');
    // Without --exit-code, drift is a report, not a failure.
    expect((await runCli(['drift', dir, '--env', 'prod', '--live', file])).code).toBe(0);

    const json = JSON.parse(
      (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'json'])).stdout,
    );
    expect(json.drift).toBe(true);
    expect(json.missing).toEqual([
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        namespace: 'bookinfo',
        name: 'reviews',
      },
    ]);
    expect(json.changed[0].fields).toEqual([{ path: 'spec.http[0].timeout', rendered: '10s', live: '30s' }]);
    expect(json.changed[0].origin).toMatch(/live\.json:\d+$/);
    expect(json.overlaps[0].with.name).toBe('reviews');

    const md = (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'markdown'])).stdout;
    expect(md).toContain(
      '| changed | `networking.istio.io/v1 VirtualService bookinfo/reviews` | `spec.http[0].timeout`: meshc "10s", live "30s" |',
    );
    const gh = (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'github'])).stdout;
    expect(gh.split('\n').filter((l) => l.startsWith('::warning title=meshc drift (prod)'))).toHaveLength(3);
  });

  it("leftovers: meshc's objects the render no longer has, this environment's only; --exit-code exits 1", async () => {
    const dir = await specTree(SPEC);
    const rendered = await build(dir, 'prod');
    const managed = { 'app.kubernetes.io/managed-by': 'meshc' };
    // What a render of prod with a `ratings` service left behind, pruning off: its DestinationRule as Flux
    // applied it, its VirtualService applied by hand; and what is not prod's.
    const dr = (name: string, namespace: string, labels: Record<string, string>): Obj => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace, labels: { ...managed, ...labels } },
      spec: { host: `${name}.${namespace}.svc.cluster.local` },
    });
    const flux = (ks: string) => ({
      'kustomize.toolkit.fluxcd.io/name': ks,
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    });
    const live = [
      ...rendered,
      dr('ratings', 'bookinfo', flux('prod-bookinfo')),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'ratings', namespace: 'bookinfo', labels: managed },
        spec: { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] },
      },
      // Another environment's Kustomization applied it: never prod's.
      dr('details', 'bookinfo', flux('staging-bookinfo')),
      // The mesh's namespace, shared by the environments of a cluster: without a mark, not known to be prod's.
      dr('mesh-wide', 'istio-system', {}),
      // Not meshc's.
      { ...dr('users', 'bookinfo', {}), metadata: { name: 'users', namespace: 'bookinfo' } },
    ];
    const file = await dumpOf(live);
    const r = await runCli(['drift', dir, '--env', 'prod', '--live', file, '--exit-code']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('leftover networking.istio.io/v1 DestinationRule bookinfo/ratings');
    expect(r.stdout).toContain(
      "labelled as meshc's but no longer rendered: applied by Flux Kustomization flux-system/prod-bookinfo, which the environment renders",
    );
    expect(r.stdout).toContain('leftover networking.istio.io/v1 VirtualService bookinfo/ratings');
    expect(r.stdout).toContain('in namespace bookinfo, which only this environment deploys to');
    expect(r.stdout).not.toMatch(/details|mesh-wide|users/);
    expect(r.stdout).toContain('2 findings: 0 missing, 0 changed, 0 unmanaged overlaps, 2 leftovers;');
    const json = JSON.parse(
      (await runCli(['drift', dir, '--env', 'prod', '--live', file, '--format', 'json'])).stdout,
    );
    expect(json.drift).toBe(true);
    expect(json.leftovers.map((l: Obj) => `${l.kind} ${l.namespace}/${l.name}`)).toEqual([
      'DestinationRule bookinfo/ratings',
      'VirtualService bookinfo/ratings',
    ]);
  });

  it('Linkerd: another HTTPRoute on the same Service parent is an unmanaged overlap', async () => {
    const dir = await specTree(SPEC);
    const rendered = await build(dir, 'staging');
    const route = rendered.find((o) => o.kind === 'HTTPRoute');
    expect(route).toBeDefined();
    const other = {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews-by-hand', namespace: 'bookinfo' },
      spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{}] },
    };
    const r = await runCli(['drift', dir, '--env', 'staging', '--live', await dumpOf([...rendered, other])]);
    expect(r.stdout).toContain('overlap  policy.linkerd.io/v1beta3 HTTPRoute bookinfo/reviews-by-hand');
    expect(r.stdout).toContain('for the same parent: Service bookinfo/reviews');
  });

  it('bad dumps: unparseable YAML, a document that is no object, conflicting copies of one object', async () => {
    const dir = await specTree(SPEC);
    const tmp = await tempDir();
    const broken = path.join(tmp, 'broken.yaml');
    await writeFile(broken, 'apiVersion: v1\nkind: Service\nmetadata: {name: [x\n');
    let r = await runCli(['drift', dir, '--env', 'prod', '--live', broken], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'broken.yaml:3:18: error YAML_SYNTAX: This flow sequence is never closed with "]".',
    );
    expect(r.stderr).toContain('drift not computed');
    expect(r.stdout).toBe('');

    const noName = path.join(tmp, 'dir');
    await writeFile(path.join(tmp, 'a.yaml'), '');
    await mkdir(noName);
    await writeFile(
      path.join(noName, 'one.yaml'),
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {namespace: bookinfo}\n',
    );
    r = await runCli(['drift', dir, '--env', 'prod', '--live', 'dir'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'dir/one.yaml:4:5: error LIVE_DUMP_INVALID: Item 1 of the List in dir/one.yaml is not a Kubernetes object (a Service without metadata.name)',
    );

    const rendered = await build(dir, 'prod');
    const vs = rendered.find((o) => o.kind === 'VirtualService')!;
    const twice = path.join(tmp, 'twice.yaml');
    await writeFile(
      twice,
      [vs, { ...vs, spec: { ...vs.spec, hosts: ['other'] } }].map((o) => JSON.stringify(o)).join('\n---\n'),
    );
    r = await runCli(['drift', dir, '--env', 'prod', '--live', 'twice.yaml'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'twice.yaml:3:1: error LIVE_DUPLICATE_OBJECT: VirtualService bookinfo/reviews is in the live objects twice',
    );
  });

  it('the parse limits and the reading of meshc import: an alias bomb, files too large in all, not UTF-8', async () => {
    const dir = await specTree(SPEC);
    const tmp = await tempDir();
    // A 30-level chain of anchors, each aliasing the one before 10 times, in a List item.
    const bomb = aliasBombList('{name: x, namespace: bookinfo}');
    await writeFile(path.join(tmp, 'bomb.yaml'), bomb);
    let r = await runCli(['drift', dir, '--env', 'prod', '--live', 'bomb.yaml'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bomb\.yaml:10:\d+: error YAML_ALIAS_LIMIT: /m);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toBe('');

    await mkdir(path.join(tmp, 'big'));
    await writeFile(path.join(tmp, 'big', 'a.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n');
    await writeFile(path.join(tmp, 'big', 'b.yaml'), '');
    await truncate(path.join(tmp, 'big', 'b.yaml'), MAX_IMPORT_BYTES); // sparse: never read
    r = await runCli(['drift', dir, '--env', 'prod', '--live', 'big'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `big/b.yaml:1:1: error SPEC_TOO_LARGE: The input files add up to more than ${MAX_IMPORT_BYTES} bytes; big/b.yaml and the files after it were not read.`,
    );

    await writeFile(path.join(tmp, 'latin1.yaml'), Buffer.from('metadata: {name: caf\xe9}\n', 'latin1'));
    r = await runCli(['drift', dir, '--env', 'prod', '--live', 'latin1.yaml'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'latin1.yaml:1:1: error FILE_UNREADABLE: latin1.yaml cannot be read as UTF-8 text',
    );
    expect(r.stderr).not.toContain('internal error');
  });

  it('usage errors: no --env, neither or both sources, an unknown environment, a missing dump', async () => {
    const dir = await specTree(SPEC);
    expect((await runCli(['drift', dir, '--live', 'x'])).stderr).toContain('drift needs --env NAME');
    const neither = await runCli(['drift', dir, '--env', 'prod']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give one of them');
    expect((await runCli(['drift', dir, '--env', 'prod', '--live', 'x', '--context', 'y'])).code).toBe(2);
    const unknownEnv = await runCli(['drift', dir, '--env', 'qa', '--live', dir]);
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr).toContain('no environment named "qa"');
    const missing = await runCli(['drift', dir, '--env', 'prod', '--live', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
  });
});

describe('meshc drift --context (a cluster through a kubeconfig)', () => {
  async function serve(scenario: string) {
    const s = await startKubeApiServer(scenario);
    servers.push(s);
    return s;
  }

  it('reads the environment namespaces read-only and reports the drift of the recorded Istio cluster', async () => {
    const dir = await specTree(SPEC);
    const server = await serve('istio-bookinfo');
    const r = await runCli([
      'drift',
      dir,
      '--env',
      'prod',
      '--context',
      server.context,
      '--kubeconfig',
      server.kubeconfig,
      '--exit-code',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'against cluster kind-istio-bookinfo (namespaces bookinfo, flux-system, istio-system)',
    );
    expect(r.stdout).toContain('meshes found: istio 1.24');
    expect(r.stdout).toContain('missing  security.istio.io/v1 AuthorizationPolicy bookinfo/reviews');
    expect(r.stdout).toContain('spec.http[0].route[0].weight: meshc renders 90, live 50');
    expect(r.stdout).toContain('spec.http[0].route[1].weight: meshc renders 10, live 50');
    expect(r.stdout).toContain('overlap  networking.istio.io/v1 VirtualService bookinfo/reviews-canary');
    expect(r.stdout).toContain(
      'overlap  security.istio.io/v1 AuthorizationPolicy bookinfo/reviews-allow-all (unmanaged, cluster kind-istio-bookinfo: bookinfo/AuthorizationPolicy/reviews-allow-all)',
    );
    expect(r.stdout).toContain('for the same workloads: workloads in namespace bookinfo (app=reviews)');
    // Unrelated unmanaged objects (the ratings VirtualService and policy) compete with nothing meshc renders.
    expect(r.stdout).not.toContain('ratings');
    // The Services, the DestinationRule, the Namespace and the mesh-wide PeerAuthentication match, whatever
    // the server filled in.
    expect(r.stdout).toContain(
      '4 findings: 1 missing, 1 changed, 2 unmanaged overlaps, 0 leftovers; 5 objects in sync',
    );
    expect(server.requests.every((q) => q.startsWith('GET '))).toBe(true);
  });

  it('a cluster that refuses a list: exit 1 with the verb, resource and namespace, no report', async () => {
    const dir = await specTree(SPEC);
    const server = await serve('restricted-reader');
    const r = await runCli([
      'drift',
      dir,
      '--env',
      'prod',
      '--context',
      server.context,
      '--kubeconfig',
      server.kubeconfig,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error CLUSTER_FORBIDDEN');
    expect(r.stderr).toContain('list authorizationpolicies.security.istio.io in namespace bookinfo');
  });

  it('a slow cluster: --timeout gives CLUSTER_TIMEOUT; an unknown context and no kubeconfig are errors too', async () => {
    const dir = await specTree(SPEC);
    const server = await serve('slow-apiserver');
    const slow = await runCli([
      'drift',
      dir,
      '--env',
      'prod',
      '--context',
      server.context,
      '--kubeconfig',
      server.kubeconfig,
      '--timeout',
      '0.2',
    ]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain('error CLUSTER_TIMEOUT');
    const unknown = await runCli([
      'drift',
      dir,
      '--env',
      'prod',
      '--context',
      'nope',
      '--kubeconfig',
      server.kubeconfig,
    ]);
    expect(unknown.stderr).toContain('error CLUSTER_UNKNOWN_CONTEXT');
    const home = await tempDir();
    const none = await runCli(['drift', dir, '--env', 'prod', '--context', 'x'], { env: { HOME: home } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('error CLUSTER_NO_KUBECONFIG');
    expect((await runCli(['drift', dir, '--env', 'prod', '--context', 'x', '--timeout', 'soon'])).code).toBe(
      2,
    );
  });

  it('a cluster without the mesh: its kinds are not served, so everything meshc renders of them is missing', async () => {
    const dir = await specTree(SPEC);
    const server = await serve('plain-cluster');
    const r = await runCli([
      'drift',
      dir,
      '--env',
      'prod',
      '--context',
      server.context,
      '--kubeconfig',
      server.kubeconfig,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.meshes).toEqual([]);
    expect(json.missing.map((m: { kind: string; name: string }) => `${m.kind}/${m.name}`)).toEqual([
      'Namespace/bookinfo',
      'Service/productpage',
      'Service/reviews',
      'DestinationRule/reviews',
      'VirtualService/reviews',
      'AuthorizationPolicy/reviews',
      'PeerAuthentication/default',
    ]);
    expect(r.stderr).toContain('warning CLUSTER_NO_MESH');
  });

  it('the mesh of the cluster is not the environment mesh: said in the report', async () => {
    const dir = await specTree(SPEC);
    const server = await serve('istio-bookinfo');
    const r = await runCli([
      'drift',
      dir,
      '--env',
      'staging',
      '--context',
      server.context,
      '--kubeconfig',
      server.kubeconfig,
    ]);
    expect(r.stdout).toContain(
      'warning: the environment renders for linkerd, but the cluster runs istio 1.24',
    );
  });
});
