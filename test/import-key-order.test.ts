/**
 * `meshc import` does not depend on the order of mapping keys. YAML mappings have no meaningful order, and the
 * files a user imports order their keys as whoever wrote them did: by hand, `kubectl get -o yaml` (the API
 * server's order), Helm, or meshc itself (which writes keys sorted). Importing the same objects with the keys of
 * every mapping permuted (arrays keep their order: it is meaningful) must write the same spec (the same text)
 * and report the same findings, at the same places.
 *
 * The inputs are the ones the import tests use: the upstream tasks with their platforms, the App Mesh
 * walkthroughs, and the files meshc renders for bookinfo (each mesh's base with its mesh-wide objects).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiscoveredMesh, SourcedObject } from '../src/core/import-types.ts';
import { importObjects } from '../src/import/index.ts';
import { fillWalkthrough, walkthroughVars } from './helpers/appmesh-semantics.ts';
import { importFiles, repoFile } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';
import type { SourceFile } from '../src/parse/source.ts';

interface Case {
  readonly name: string;
  readonly files: readonly SourceFile[];
  readonly namespace?: string;
  readonly meshes?: readonly DiscoveredMesh[];
}

const yamlUnder = (rel: string): string[] =>
  readdirSync(path.join(repoRoot, rel))
    .sort()
    .flatMap((f) => {
      const p = `${rel}/${f}`;
      if (statSync(path.join(repoRoot, p)).isDirectory()) return yamlUnder(p);
      return f.endsWith('.yaml') && f !== 'kustomization.yaml' ? [p] : [];
    });

const upstream = (dir: string, platforms: readonly string[]): Case[] =>
  yamlUnder(`fixtures/upstream/${dir}`).map((f) => ({
    name: f,
    files: [repoFile(f), ...platforms.map(repoFile)],
  }));

const appmeshWalkthroughs: Case[] = (
  [
    ['fixtures/upstream/appmesh/header-routing.yaml', 'howto-k8s-http-headers.yaml'],
    ['fixtures/upstream/appmesh/retry-policy.yaml', 'howto-k8s-retry-policy.yaml'],
    ['fixtures/upstream/appmesh/timeout-policy.yaml', 'howto-k8s-timeout-policy.yaml'],
    ...yamlUnder('fixtures/upstream/appmesh')
      .filter((f) => !/header-routing|retry-policy|timeout-policy/.test(f))
      .map((f) => [f, undefined] as const),
  ] as const
).map(([f, workloads]: readonly [string, string | undefined]) => {
  const ns = path.basename(f, '.yaml');
  const td = `${ns}.example.org`;
  const vars = {
    ...walkthroughVars(ns),
    SVID_CA_TRUST_DOMAIN: `spiffe://${td}`,
    FRONTEND_APP_SVID: `spiffe://${td}/front`,
    COLORAPP_BLUE_SVID: `spiffe://${td}/colorblue`,
    COLORAPP_GREEN_SVID: `spiffe://${td}/colorgreen`,
    COLORAPP_RED_SVID: `spiffe://${td}/colorred`,
  };
  const fill = (rel: string): SourceFile => ({
    path: rel,
    text: fillWalkthrough(readFileSync(path.join(repoRoot, rel), 'utf8'), vars),
  });
  return {
    name: f,
    files: [fill(f), ...(workloads ? [fill(`fixtures/import/appmesh/${workloads}`)] : [])],
  };
});

/** meshc's own files (keys sorted): each mesh's base, with the mesh-wide objects of an environment on it. */
const RENDERED = 'examples/bookinfo/rendered';
const rendered: Case[] = [
  ['istio', 'prod'],
  ['linkerd', 'staging'],
  ['consul', 'dr'],
  ['appmesh', 'legacy'],
].map(([mesh, env]) => {
  const system = `${RENDERED}/overlays/${env}/mesh-system`;
  let systemFiles: string[] = [];
  try {
    systemFiles = yamlUnder(system);
  } catch {
    systemFiles = [];
  }
  return {
    name: `${RENDERED}/base/${mesh!} (${env!})`,
    files: [...yamlUnder(`${RENDERED}/base/${mesh!}`), ...systemFiles].map(repoFile),
  };
});

const CASES: Case[] = [
  ...upstream('istio', ['fixtures/import/bookinfo-platform.yaml', 'fixtures/import/httpbin-platform.yaml']),
  ...upstream('linkerd', [
    'fixtures/import/booksapp-platform.yaml',
    'fixtures/import/emojivoto-platform.yaml',
  ]),
  ...upstream('consul', ['fixtures/import/consul/platform.yaml']),
  ...upstream('flagger', ['fixtures/import/bookinfo-platform.yaml']),
  ...appmeshWalkthroughs,
  ...rendered,
];

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Order = 'sorted' | 'reverse' | (() => number);

/** A copy of `v` with the keys of every mapping sorted (as meshc writes them), reversed or shuffled by `order`. */
function permuteKeys(v: unknown, order: Order): unknown {
  if (Array.isArray(v)) return v.map((x) => permuteKeys(x, order));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (order === 'sorted') keys.sort();
  else if (order === 'reverse') keys.reverse();
  else
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = permuteKeys((v as Record<string, unknown>)[k], order);
  return out;
}

/** What the import writes and reports, comparable with toEqual. */
function outcome(objects: readonly SourcedObject[], meshes?: readonly DiscoveredMesh[]) {
  const r = importObjects(objects, meshes ? { meshes } : {});
  return {
    // As text: the spec written is the same, byte for byte (the import writes label sets and header maps
    // sorted, and reads match fields in a fixed order).
    files: r.files.map((f) => ({ path: f.path, content: f.content })),
    diagnostics: r.diagnostics.map(
      (d) =>
        `${d.severity} ${d.code} ${d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : '-'} ${d.message} | ${d.hint ?? ''}`,
    ),
    meshes: r.meshes,
    summary: r.summary,
  };
}

/** The case's objects as loaded, and a function importing them with their keys permuted. */
function prepare(c: Case) {
  // The same namespace defaulting as importFiles (objects without one get `default`).
  const { objects, loadDiagnostics } = importFiles(c.files, c.namespace ? { namespace: c.namespace } : {});
  expect(loadDiagnostics).toEqual([]);
  const permuted = (order: Order) =>
    objects.map((o) => ({ ...o, object: permuteKeys(o.object, order) as SourcedObject['object'] }));
  return { objects, permuted };
}

describe('meshc import does not depend on the order of mapping keys', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: keys reversed', (_name, c) => {
    const { objects, permuted } = prepare(c);
    const base = outcome(objects, c.meshes);
    expect(base.files.length).toBeGreaterThan(0);
    expect(outcome(permuted('reverse'), c.meshes)).toEqual(base);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: keys shuffled (property)', (_name, c) => {
    const { objects, permuted } = prepare(c);
    const base = outcome(objects, c.meshes);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(outcome(permuted(random(seed)), c.meshes)).toEqual(base);
      }),
      { numRuns: 8 },
    );
  });
});

/**
 * Inputs for each comparison the key-order audit made order-insensitive: two objects (or two parts of one) that
 * say the same with their keys in different orders, as files by different authors (or by hand) do. Imported as
 * written, they must give what the same objects with every mapping's keys sorted (meshc's order) give, and the
 * finding the old comparison made must be absent.
 */
const doc = (...docs: string[]) => docs.map((d) => d.trim()).join('\n---\n') + '\n';

const twoPortService = (name: string, ns: string) => `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { app: ${name} }
  ports:
    - { name: http, port: 80, targetPort: 8080 }
    - { name: http-admin, port: 81, targetPort: 8081 }`;

interface Focused extends Case {
  /** The code of the finding the order-sensitive comparison made, which must be absent. */
  readonly absent: string;
}

const appmeshMesh = (spec: string) => `
apiVersion: appmesh.k8s.aws/v1beta2
kind: Mesh
metadata: { name: demo }
spec:
${spec}`;

const appmeshBase = `
apiVersion: v1
kind: Namespace
metadata: { name: demo, labels: { mesh: demo } }`;

const FOCUSED: Focused[] = [
  {
    name: 'App Mesh: the same Mesh in two manifests, keys in another order',
    absent: 'IMPORT_CONFLICT',
    files: [
      {
        path: 'mesh-a.yaml',
        text: doc(
          appmeshBase,
          appmeshMesh(
            '  egressFilter: { type: ALLOW_ALL }\n  namespaceSelector: { matchLabels: { mesh: demo } }',
          ),
        ),
      },
      {
        path: 'mesh-b.yaml',
        text: doc(
          appmeshMesh(
            '  namespaceSelector: { matchLabels: { mesh: demo } }\n  egressFilter: { type: ALLOW_ALL }',
          ),
        ),
      },
    ],
  },
  {
    name: "App Mesh: two VirtualNodes of one version, the pods' labels in another order",
    absent: 'IMPORT_CONFLICT',
    files: [
      {
        path: 'nodes.yaml',
        text: doc(
          appmeshBase,
          appmeshMesh('  namespaceSelector: { matchLabels: { mesh: demo } }'),
          `
apiVersion: v1
kind: Service
metadata: { name: color, namespace: demo }
spec:
  selector: { app: color }
  ports: [{ name: http, port: 8080 }]`,
          `
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: color-red, namespace: demo }
spec:
  podSelector: { matchLabels: { app: color, track: stable, version: red } }
  listeners: [{ portMapping: { port: 8080, protocol: http } }]
  serviceDiscovery: { dns: { hostname: color-red.demo.svc.cluster.local } }`,
          `
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: red-copy, namespace: demo }
spec:
  podSelector: { matchLabels: { version: red, track: stable, app: color } }
  listeners: [{ portMapping: { port: 8080, protocol: http } }]
  serviceDiscovery: { dns: { hostname: color-red.demo.svc.cluster.local } }`,
        ),
      },
    ],
  },
  {
    name: "App Mesh: a VirtualRouter's routes repeated per port, keys in another order",
    absent: 'IMPORT_NOT_CARRIED',
    files: [
      {
        path: 'router.yaml',
        text: doc(
          appmeshBase,
          appmeshMesh('  namespaceSelector: { matchLabels: { mesh: demo } }'),
          twoPortService('color', 'demo'),
          `
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: color, namespace: demo }
spec:
  podSelector: { matchLabels: { app: color } }
  listeners:
    - portMapping: { port: 80, protocol: http }
    - portMapping: { port: 81, protocol: http }
  serviceDiscovery: { dns: { hostname: color.demo.svc.cluster.local } }`,
          `
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: { name: color, namespace: demo }
spec:
  awsName: color.demo.svc.cluster.local
  provider: { virtualRouter: { virtualRouterRef: { name: color } } }`,
          `
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata: { name: color, namespace: demo }
spec:
  listeners:
    - portMapping: { port: 80, protocol: http }
    - portMapping: { port: 81, protocol: http }
  routes:
    - name: api
      httpRoute:
        match: { prefix: /api/, port: 80 }
        timeout: { perRequest: { unit: s, value: 5 } }
        action: { weightedTargets: [{ virtualNodeRef: { name: color }, weight: 1, port: 80 }] }
    - name: api-2
      httpRoute:
        timeout: { perRequest: { value: 5, unit: s } }
        match: { port: 81, prefix: /api/ }
        action: { weightedTargets: [{ virtualNodeRef: { name: color }, weight: 1, port: 81 }] }`,
        ),
      },
    ],
  },
  {
    name: "Istio: a VirtualService's routes repeated per port, header maps in another order",
    absent: 'IMPORT_APPROXIMATED',
    files: [
      {
        path: 'vs.yaml',
        text: doc(
          twoPortService('web', 'default'),
          `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: [web]
  http:
    - name: main-http
      match: [{ port: 80 }]
      headers: { request: { set: { x-a: "1", x-b: "2" } } }
      route: [{ destination: { host: web } }]
    - name: main-http-admin
      match: [{ port: 81 }]
      headers: { request: { set: { x-b: "2", x-a: "1" } } }
      route: [{ destination: { host: web } }]`,
        ),
      },
    ],
  },
  {
    name: "Istio: meshc's segment-wise prefix pair, its conditions in another order",
    absent: 'IMPORT_APPROXIMATED',
    files: [
      {
        path: 'vs.yaml',
        text: doc(
          twoPortService('web', 'default'),
          `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: [web]
  http:
    - match:
        - uri: { exact: /api }
          headers: { x-a: { exact: "1" }, x-b: { exact: "2" } }
          method: { exact: GET }
        - method: { exact: GET }
          headers: { x-b: { exact: "2" }, x-a: { exact: "1" } }
          uri: { regex: /api/.* }
      route: [{ destination: { host: web } }]
    - route: [{ destination: { host: web } }]`,
        ),
      },
    ],
  },
  {
    name: 'Istio: a match entry with two conditions the spec lacks',
    absent: '-',
    files: [
      {
        path: 'vs.yaml',
        text: doc(
          twoPortService('web', 'default'),
          `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: [web]
  http:
    - match:
        - withoutHeaders: { x-a: { exact: "1" } }
          sourceLabels: { app: other }
          headers: { x-c: {}, x-b: {} }
      route: [{ destination: { host: web } }]`,
        ),
      },
    ],
  },
  {
    name: 'Consul: consecutive routes to one destination, header maps in another order',
    absent: '-',
    files: [
      repoFile('fixtures/import/consul/platform.yaml'),
      {
        path: 'router.yaml',
        text: doc(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: orders }
spec:
  routes:
    - match: { http: { pathPrefix: /a/ } }
      destination: { service: products, requestHeaders: { set: { x-a: "1", x-b: "2" } } }
    - match: { http: { pathPrefix: /b/ } }
      destination: { requestHeaders: { set: { x-b: "2", x-a: "1" } }, service: products }`),
      },
    ],
  },
  {
    name: "Consul: a splitter's legs with header maps in another order",
    absent: 'IMPORT_APPROXIMATED',
    files: [
      repoFile('fixtures/import/consul/platform.yaml'),
      {
        path: 'split.yaml',
        text: doc(
          `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceResolver
metadata: { name: web }
spec:
  subsets:
    v1: { filter: 'Service.Meta.version == v1' }
    v2: { filter: 'Service.Meta.version == v2' }`,
          `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceSplitter
metadata: { name: web }
spec:
  splits:
    - weight: 90
      serviceSubset: v1
      requestHeaders: { set: { x-a: "1", x-b: "2" } }
    - weight: 10
      serviceSubset: v2
      requestHeaders: { set: { x-b: "2", x-a: "1" } }`,
          // web's intentions: without any, its imported access would deny all, reported (IMPORT_APPROXIMATED).
          `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: web }
spec:
  destination: { name: web }
  sources: [{ name: "*", action: allow }]`,
        ),
      },
    ],
  },
  {
    name: "Consul: the wildcard source's permissions and a named source's, keys in another order",
    absent: '-',
    files: [
      repoFile('fixtures/import/consul/platform.yaml'),
      {
        path: 'intentions.yaml',
        text: doc(`
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: orders }
spec:
  destination: { name: orders }
  sources:
    - name: web
      permissions:
        - action: allow
          http: { pathPrefix: /v1/, methods: [GET] }
    - name: '*'
      permissions:
        - action: allow
          http: { methods: [GET], pathPrefix: /v1/ }`),
      },
    ],
  },
  {
    name: 'Consul: a router match and a permission with two fields the spec lacks',
    absent: '-',
    files: [
      repoFile('fixtures/import/consul/platform.yaml'),
      {
        path: 'router.yaml',
        text: doc(
          `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: { name: orders }
spec:
  routes:
    - match: { http: { pathSuffix: /x, caseInsensitive: true, pathPrefix: /a/ } }
      destination: { service: products }`,
          `
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: { name: orders }
spec:
  destination: { name: orders }
  sources:
    - name: web
      permissions:
        - action: allow
          http: { pathRegex: '/a[0-9]', header: [{ name: x, present: true }] }`,
        ),
      },
    ],
  },
  {
    name: 'Gateway API and Linkerd: matches with two fields the spec lacks',
    absent: '-',
    files: [
      repoFile('fixtures/import/booksapp-platform.yaml'),
      {
        path: 'routes.yaml',
        text: doc(
          `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: books, namespace: booksapp }
spec:
  parentRefs: [{ name: books, kind: Service, group: core, port: 7002 }]
  rules:
    - matches:
        - { method: TRACE2, path: { type: Suffix, value: /x } }
      backendRefs: [{ name: books, port: 7002 }]`,
          `
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: books-inbound, namespace: booksapp }
spec:
  parentRefs: [{ name: books, kind: Server, group: policy.linkerd.io }]
  rules:
    - matches:
        - { method: GET, path: { type: Suffix, value: /x }, headers: [{ name: x, value: y }] }`,
        ),
      },
    ],
  },
  {
    name: 'Istio: authorization sources and operations with two fields the spec lacks',
    absent: '-',
    files: [
      repoFile('fixtures/import/bookinfo-platform.yaml'),
      {
        path: 'authz.yaml',
        text: doc(
          `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ratings, namespace: default }
spec:
  selector: { matchLabels: { app: ratings } }
  action: ALLOW
  rules:
    - from: [{ source: { notPrincipals: [x], namespaces: [default], principals: [y] } }]`,
          `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: details, namespace: default }
spec:
  selector: { matchLabels: { app: details } }
  action: ALLOW
  rules:
    - to: [{ operation: { notPaths: [/x], hosts: [details], methods: [GET] } }]`,
        ),
      },
    ],
  },
  {
    name: "Istio: a version's labels from a DestinationRule and from a per-version Service, in another order",
    absent: 'IMPORT_CONFLICT',
    files: [
      {
        path: 'versions.yaml',
        text: doc(
          `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80 }]`,
          `
apiVersion: v1
kind: Service
metadata: { name: web-v1, namespace: default }
spec:
  selector: { app: web, version: v1, track: stable }
  ports: [{ name: http, port: 80 }]`,
          `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: web, namespace: default }
spec:
  host: web
  subsets:
    - name: v1
      labels: { track: stable, version: v1 }`,
        ),
      },
    ],
  },
];

describe('the comparisons of values read from YAML do not depend on their key order', () => {
  it.each(FOCUSED.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { objects, permuted } = prepare(c);
    const asWritten = outcome(objects, c.meshes);
    // meshc's own order (every mapping sorted): the compared values agree in it.
    expect(asWritten).toEqual(outcome(permuted('sorted'), c.meshes));
    expect(outcome(permuted('reverse'), c.meshes)).toEqual(asWritten);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(outcome(permuted(random(seed)), c.meshes)).toEqual(asWritten);
      }),
      { numRuns: 8 },
    );
    expect(asWritten.diagnostics.filter((d) => d.includes(` ${c.absent} `))).toEqual([]);
  });
});
