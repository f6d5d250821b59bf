/**
 * The round-trip property of `meshc import` (issue 14, item 1): for a spec S and a mesh M,
 * `render_M(import(render_M(S)))` means what `render_M(S)` means, modulo what the import's report lists.
 *
 * S ranges over the bundled example, the golden fixtures and generated specs (test/helpers/spec-arbitrary.ts),
 * each rendered for Istio and for Linkerd (`meshOverride`, the `validate --mesh` preview). The import reads what
 * a cluster running that render would hold: the rendered objects of every application namespace and the mesh-wide
 * ones, plus the workloads beside them (one Deployment per service and version, with the pods' labels and
 * service account, as the application's own manifests would create them).
 *
 * "Means the same" is checked on the canonical objects (src/core/canonical.ts), with the one difference that is
 * only naming set aside: Linkerd HTTPRoute object and rule names (meshc names them after routes, which the
 * import does not carry). An object counts as "listed by the report" when an import finding names it; those are
 * left out of the comparison, and the test asserts that such findings are rare (never for the bundled example).
 */
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../src/core/canonical.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { SourcedObject } from '../src/core/import-types.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { compile } from '../src/compile.ts';
import { importObjects } from '../src/import/index.ts';
import { backendFor } from '../src/backends/registry.ts';
import type { EnvRender } from '../src/plan/emit.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { loadSpec } from '../src/load/load-project.ts';
import { importFiles, repoFile } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';
import { specArb } from './helpers/spec-arbitrary.ts';
import type { Client, HttpRequest, Manifest as LManifest, Parent, Pod } from './helpers/linkerd-semantics.ts';
import { inboundDecision, outboundDecision } from './helpers/linkerd-semantics.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);
const MESHES = [
  { type: 'istio', version: '1.24' },
  { type: 'linkerd', version: '2.18' },
  { type: 'consul', version: '1.21' },
] as const;

type Mesh = (typeof MESHES)[number];

const refOf = (o: K8sObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The renders of `files` for `mesh`; undefined when the spec does not compile for that mesh (a capability refusal). */
function renderFor(files: readonly SourceFile[], mesh: Mesh | undefined): EnvRender[] | undefined {
  const compiled = compile(files, { until: 'emit', ...(mesh ? { meshOverride: mesh } : {}) });
  const all = [...compiled.diagnostics, ...(compiled.emitted?.diagnostics ?? [])];
  if (all.some((d) => d.severity === 'error') || !compiled.emitted) return undefined;
  return compiled.emitted.renders;
}

/** What a cluster running `render` holds: the rendered objects, and a Deployment per service and version. */
function clusterObjects(render: EnvRender): SourcedObject[] {
  const objects: K8sObject[] = [...[...render.output.namespaces.values()].flat(), ...render.output.system];
  for (const s of render.env.services) {
    // The application's own Service, where meshc does not render it.
    if (s.kubernetesService === 'external')
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: s.name, namespace: s.namespace },
        spec: {
          selector: { ...s.selector },
          ports: s.ports.map((p) => ({ name: p.name, port: p.port, appProtocol: p.protocol })),
        },
      });
    const pods = s.versions.length
      ? s.versions.map((v) => ({ ...s.selector, ...v.labels }))
      : [{ ...s.selector }];
    pods.forEach((labels, i) =>
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${s.name}-${i}`, namespace: s.namespace },
        spec: {
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { serviceAccountName: s.serviceAccount } },
        },
      }),
    );
  }
  return objects.map((object) => ({ object, origin: `render ${render.env.name}: ${refOf(object)}` }));
}

/** The objects of one environment that carry meaning for the mesh, canonical, keyed by identity. */
function meaning(render: EnvRender): Map<string, unknown> {
  const mesh = { type: render.env.mesh.type };
  const out = new Map<string, unknown>();
  const outbound: LManifest[] = [];
  const inbound: LManifest[] = [];
  for (const o of [...[...render.output.namespaces.values()].flat(), ...render.output.system]) {
    if (o.kind === 'Namespace' && mesh.type === 'istio') continue;
    // A copy: the emitted objects are the pool's canonical ones, frozen, and this one is changed below.
    const c = structuredClone(canonicalize(o)) as K8sObject & { spec?: { rules?: { name?: unknown }[] } };
    if (
      mesh.type === 'linkerd' &&
      c.kind === 'HTTPRoute' &&
      c.apiVersion.startsWith('gateway.networking.k8s.io')
    ) {
      const parents = (c.spec as { parentRefs?: { kind?: string }[] } | undefined)?.parentRefs ?? [];
      // Outbound routes are compared by what Linkerd does with requests (below): meshc rewrites match entries
      // so that Linkerd's most-specific choice is the spec's first match, and the import reads them back in
      // that order, so the objects differ while every decision is the same.
      if (parents.some((p) => p.kind === 'Service')) {
        outbound.push(c as unknown as LManifest);
        continue;
      }
    }
    // Authorization likewise: meshc closes overlapping access rules under intersection into inbound routes, and
    // the import reads each route back as a rule; the objects differ, every decision is the same.
    if (
      mesh.type === 'linkerd' &&
      INBOUND_KINDS.has(c.kind) &&
      c.apiVersion.startsWith('policy.linkerd.io')
    ) {
      inbound.push(c as unknown as LManifest);
      continue;
    }
    // `retries: {attempts: 0}` retries nothing whatever its conditions (the spec's `retries: {attempts: 0}` still
    // renders `retryOn`; the import reads it as no retries, rendered without conditions).
    if (c.kind === 'VirtualService')
      for (const h of (c.spec as { http?: { retries?: { attempts?: number } }[] }).http ?? [])
        if (h.retries?.attempts === 0) h.retries = { attempts: 0 };
    out.set(`${c.apiVersion} ${refOf(c)}`, c);
  }
  for (const [key, decision] of outboundDecisions(render, outbound)) out.set(key, decision);
  for (const [key, decision] of inboundDecisions(render, inbound)) out.set(key, decision);
  return out;
}

/** Requests that exercise every match entry of the routes: its path (a prefix and below it), method, headers. */
function corpus(routes: readonly LManifest[]): HttpRequest[] {
  const out: HttpRequest[] = [
    { method: 'GET', path: '/' },
    { method: 'POST', path: '/other' },
  ];
  for (const r of routes)
    for (const rule of (r.spec as { rules?: { matches?: Record<string, unknown>[] }[] }).rules ?? [])
      for (const m of rule.matches ?? []) {
        const path = m.path as { type?: string; value: string } | undefined;
        const paths = !path
          ? ['/']
          : path.type === 'Exact'
            ? [path.value]
            : path.type === 'RegularExpression'
              ? ['/']
              : [path.value, `${path.value.replace(/\/$/, '')}/x`];
        const headers = Object.fromEntries(
          ((m.headers as { name: string; type?: string; value: string }[] | undefined) ?? [])
            .filter((h) => (h.type ?? 'Exact') === 'Exact')
            .map((h) => [h.name, h.value]),
        );
        const query = Object.fromEntries(
          ((m.queryParams as { name: string; type?: string; value: string }[] | undefined) ?? [])
            .filter((q) => (q.type ?? 'Exact') === 'Exact')
            .map((q) => [q.name, q.value]),
        );
        for (const p of paths)
          for (const method of [...new Set([(m.method as string | undefined) ?? 'GET', 'PUT'])])
            out.push({ method, path: p, headers, query });
      }
  return out;
}

/** Linkerd's decision for every request of the corpus to every Service port a route attaches to. */
function outboundDecisions(render: EnvRender, routes: readonly LManifest[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!routes.length) return out;
  const objects = [...[...render.output.namespaces.values()].flat()] as unknown as LManifest[];
  const requests = corpus(routes);
  for (const s of render.env.services)
    for (const port of s.ports) {
      const parent: Parent = { namespace: s.namespace, name: s.name, port: port.port };
      for (const req of requests)
        out.set(
          `outbound ${s.namespace}/${s.name}:${port.port} ${JSON.stringify(req)}`,
          outboundDecision(objects, parent, req),
        );
    }
  return out;
}

const INBOUND_KINDS = new Set([
  'Server',
  'HTTPRoute',
  'AuthorizationPolicy',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
]);

/** Whether each service's pods admit each caller's request (every service's identity, and a plaintext caller). */
function inboundDecisions(render: EnvRender, policies: readonly LManifest[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!policies.length) return out;
  const objects = [...[...render.output.namespaces.values()].flat()] as unknown as LManifest[];
  const paths = new Set(['/', '/other']);
  const methods = new Set(['GET', 'POST']);
  for (const p of policies)
    if (p.kind === 'HTTPRoute')
      for (const rule of (p.spec as { rules?: { matches?: Record<string, unknown>[] }[] }).rules ?? [])
        for (const m of rule.matches ?? []) {
          const path = m.path as { type?: string; value: string } | undefined;
          if (typeof m.method === 'string') methods.add(m.method);
          if (!path) continue;
          if (path.type === 'Exact') paths.add(path.value);
          const prefix = /^\^(.*)\.\*\$$/.exec(path.value);
          const suffix = /^\^\.\*(.*)\$$/.exec(path.value);
          if (prefix) paths.add(`${prefix[1]!.replace(/\\(.)/g, '$1')}x`);
          if (suffix) paths.add(`/a${suffix[1]!.replace(/\\(.)/g, '$1')}`);
        }
  const td = render.env.mesh.trustDomain;
  const clients: Record<string, Client> = { plaintext: { ip: '10.1.0.99' } };
  render.env.services.forEach((s, i) => {
    clients[s.id] = {
      identity: `${s.serviceAccount}.${s.namespace}.serviceaccount.identity.linkerd.${td}`,
      ip: `10.1.0.${i + 1}`,
    };
  });
  for (const s of render.env.services) {
    const pods = s.versions.length
      ? s.versions.map((v) => ({ ...s.selector, ...v.labels }))
      : [{ ...s.selector }];
    for (const labels of pods)
      for (const port of s.ports) {
        const pod: Pod = {
          namespace: s.namespace,
          labels,
          serviceAccount: s.serviceAccount,
          ports: Object.fromEntries(s.ports.map((p) => [p.name, p.port])),
        };
        for (const method of methods)
          for (const path of paths)
            for (const [name, client] of Object.entries(clients))
              out.set(
                `inbound ${s.id} ${JSON.stringify(labels)}:${port.port} ${method} ${path} from ${name}`,
                inboundDecision(objects, pod, port.port, { method, path }, client, {
                  trustDomain: td,
                }).replace('not-found', 'deny'),
              );
      }
  }
  return out;
}

/** Keys of the objects an import finding names (their origin, or their `Kind ns/name` in the message). */
function listed(diagnostics: readonly Diagnostic[]): (key: string) => boolean {
  const text = diagnostics.map((d) => d.message).join('\n');
  return (key) => {
    const ref = key.slice(key.indexOf(' ') + 1);
    return text.includes(ref);
  };
}

interface Outcome {
  readonly findings: readonly Diagnostic[];
  readonly compared: number;
}

/** render(import(render(S))) against render(S), for every environment of S rendered for `mesh`. */
function roundTrip(files: readonly SourceFile[], mesh: Mesh | undefined): Outcome | undefined {
  const first = renderFor(files, mesh);
  if (!first) return undefined;
  const findings: Diagnostic[] = [];
  let compared = 0;
  // Only meshes with an importer (backend `importer`); other environments of a spec are not imported here.
  for (const render of first.filter((r) => backendFor(r.env.mesh.type)?.importer)) {
    const result = importObjects(clusterObjects(render), {
      meshes: [{ type: render.env.mesh.type, version: render.env.mesh.version, evidence: ['test'] }],
    });
    findings.push(...result.diagnostics);
    const spec = result.files.map((f) => ({ path: f.path, text: f.content }));
    const second = renderFor(spec, undefined);
    expect(
      second,
      `the imported spec of ${render.env.name} compiles:\n${spec.map((f) => `# ${f.path}\n${f.text}`).join('\n')}`,
    ).toBeDefined();
    const before = meaning(render);
    const after = meaning(second![0]!);
    const isListed = listed(result.diagnostics);
    for (const [key, value] of before) {
      if (isListed(key)) continue;
      compared++;
      expect({ key, value: after.get(key) }).toEqual({ key, value });
    }
    for (const key of after.keys())
      if (!before.has(key) && !isListed(key)) expect({ extra: key }).toEqual({});
  }
  return { findings, compared };
}

async function specFiles(dir: string): Promise<SourceFile[]> {
  const loaded = await loadSpec(dir);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return loaded.files;
}

/** What the import reports for the fixed specs, as written: what meshc renders that a spec cannot hold. */
const EXPECTED_FINDINGS: Readonly<Record<string, readonly string[]>> = {
  // `observability.tracing` renders an Istio Telemetry that names the provider meshc registers through the
  // istiod chart values; the import sees no chart, so it cannot tell the collector.
  // Flagger Canaries (details rolls out in prod and staging) are not imported yet: the Canary and its Linkerd
  // MetricTemplates are unknown kinds, and the access objects meshc renders for Flagger's primary pods
  // (`details-primary`) name a workload the input has no Service for.
  'examples/bookinfo': [
    'IMPORT_NOT_CARRIED AuthorizationPolicy bookinfo/details-primary',
    'IMPORT_NO_SERVICE AuthorizationPolicy bookinfo/details-primary',
    'IMPORT_UNKNOWN_KIND Canary bookinfo/details',
    'IMPORT_UNKNOWN_KIND Telemetry istio-system/mesh-default',
    'IMPORT_NO_SERVICE HTTPRoute bookinfo/details-primary.http.all',
    'IMPORT_NO_SERVICE HTTPRoute bookinfo/details-primary.http.authz-0',
    'IMPORT_NO_SERVICE Server bookinfo/details-primary.http',
    'IMPORT_UNKNOWN_KIND Canary bookinfo/details',
    'IMPORT_UNKNOWN_KIND MetricTemplate bookinfo/linkerd-latency',
    'IMPORT_UNKNOWN_KIND MetricTemplate bookinfo/linkerd-success-rate',
  ],
  // The same, and staging deploys namespace shop only: its routes and access rules name payments/ledger, whose
  // Service is not in that cluster, so the import assumes its port.
  'fixtures/golden/istio-multi-env/spec': [
    'IMPORT_UNKNOWN_KIND Telemetry istio-system/mesh-default',
    'IMPORT_NO_SERVICE VirtualService shop/catalog',
  ],
};

const findingKeys = (ds: readonly Diagnostic[]) =>
  ds.map((d) => `${d.code} ${/\(render [^:]+: (.*)\)$/.exec(d.message)?.[1] ?? d.message}`);

describe('render(import(render(spec))) means render(spec)', () => {
  const fixed = [
    path.join(repoRoot, 'examples/bookinfo'),
    ...readdirSync(path.join(repoRoot, 'fixtures/golden'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'diff')
      .map((e) => path.join(repoRoot, 'fixtures/golden', e.name, 'spec')),
  ];
  for (const dir of fixed) {
    const name = path.relative(repoRoot, dir);
    it(`${name}: every environment on its own mesh`, async () => {
      const outcome = roundTrip(await specFiles(dir), undefined);
      expect(outcome, 'the spec renders').toBeDefined();
      expect(outcome!.compared).toBeGreaterThan(0);
      expect(findingKeys(outcome!.findings)).toEqual(EXPECTED_FINDINGS[name] ?? []);
    });
    for (const mesh of MESHES)
      it(`${name}: every environment on ${mesh.type} (when the spec renders for it)`, async () => {
        const outcome = roundTrip(await specFiles(dir), mesh);
        if (!outcome) return; // the spec uses what this mesh refuses (validate --mesh says which)
        expect(outcome.compared).toBeGreaterThan(0);
        expect(outcome.findings.every((d) => d.code !== 'IMPORT_CONFLICT')).toBe(true);
      });
  }

  it('generated specs, on Istio and Linkerd', () => {
    let compared = 0;
    fc.assert(
      fc.property(specArb, fc.constantFrom(...MESHES), (spec, mesh) => {
        const outcome = roundTrip(spec.files, mesh);
        if (outcome) compared += outcome.compared;
      }),
      { numRuns: RUNS },
    );
    expect(compared).toBeGreaterThan(0);
  }, 120_000);
});

describe('import of the files meshc writes', () => {
  // The round trips above import the backends' objects; a user imports the written files, whose keys meshc
  // sorts. The redirect of plain HTTP to HTTPS was recognised only with its keys in the backend's order.
  it("recognises meshc's HTTP-to-HTTPS redirect route as written (keys sorted)", () => {
    const dir = 'examples/bookinfo/rendered/overlays/staging/mesh-system/config';
    const files = [
      'gateway.networking.k8s.io_v1_gateway_meshc-ingress.yaml',
      'gateway.networking.k8s.io_v1_httproute_meshc-ingress-https-redirect.yaml',
    ].map((f) => repoFile(`${dir}/${f}`));
    expect(files[1]!.text).toMatch(
      /- requestRedirect:\n\s+scheme: https\n\s+statusCode: 301\n\s+type: RequestRedirect/,
    );
    const { result } = importFiles(files, {
      meshes: [{ type: 'linkerd', version: '2.18', evidence: ['test'] }],
    });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });
});

describe('Linkerd 2.18+: gRPC and HTTP/2 ports both render appProtocol kubernetes.io/h2c', () => {
  // The import tells them apart by the port's name (`grpc`, `grpc-*`: the meshes' port-name convention).
  const files: SourceFile[] = [
    {
      path: 'meshc.yaml',
      text: 'apiVersion: meshc.dev/v1alpha1\nkind: Project\nmetadata: { name: shop }\nspec: { include: ["services/*.yaml", "environments/*.yaml"], output: out }\n',
    },
    {
      path: 'environments/prod.yaml',
      text: 'apiVersion: meshc.dev/v1alpha1\nkind: Environment\nmetadata: { name: prod }\nspec:\n  cluster: prod-1\n  mesh: { type: linkerd, version: "2.18", mtls: strict }\n  gitops: { engine: flux, repo: https://github.com/acme/shop-mesh.git, path: out }\n',
    },
    {
      path: 'services/greeter.yaml',
      text: 'apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: greeter, namespace: shop }\nspec:\n  ports:\n    - { name: grpc, port: 9090, protocol: grpc }\n    - { name: grpc-admin, port: 9091, protocol: grpc }\n    - { name: h2, port: 8080, protocol: http2 }\n  routes:\n    - { match: [{ path: { prefix: /greet.Greeter } }], timeout: 2s }\n',
    },
  ];

  it('a grpc port named grpc or grpc-* imports as grpc, another h2c port as http2; the round trip means the same', () => {
    const render = renderFor(files, undefined)![0]!;
    const service = [...render.output.namespaces.values()]
      .flat()
      .find((o) => o.kind === 'Service' && o.metadata.name === 'greeter') as
      (K8sObject & { spec: { ports: { name: string; appProtocol?: string }[] } }) | undefined;
    expect(service?.spec.ports.map((p) => `${p.name} ${p.appProtocol}`)).toEqual([
      'grpc kubernetes.io/h2c',
      'grpc-admin kubernetes.io/h2c',
      'h2 kubernetes.io/h2c',
    ]);
    const result = importObjects(clusterObjects(render), {
      meshes: [{ type: 'linkerd', version: '2.18', evidence: ['test'] }],
    });
    expect(result.files.find((f) => f.path === 'services/shop/greeter.yaml')?.content).toContain(
      'ports:\n  - name: grpc\n    port: 9090\n    protocol: grpc\n  - name: grpc-admin\n    port: 9091\n    protocol: grpc\n  - name: h2\n    port: 8080\n    protocol: http2\n',
    );
    const outcome = roundTrip(files, undefined);
    expect(outcome!.compared).toBeGreaterThan(0);
    expect(outcome!.findings.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });
});
