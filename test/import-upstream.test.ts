/**
 * `meshc import` of the upstream manifests the project already tests against (issue 14, item 5): each Istio task
 * of fixtures/upstream/istio and each Linkerd task of fixtures/upstream/linkerd is imported (with the sample's
 * Kubernetes Services and Deployments beside it), the imported spec must compile without errors, and rendering it
 * for the same mesh must give objects that MEAN the same as the upstream ones: through the semantic normalizer of
 * test/helpers/istio-semantics.ts for Istio routing, Istio's authorization decisions for access, and Linkerd's
 * routing and authorization decisions (test/helpers/linkerd-semantics.ts) for Linkerd. What the import reports is
 * asserted too, per task: nothing unexpected, and what it reports is really there.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import type { AuthzRequest, Manifest, Workload } from './helpers/istio-semantics.ts';
import { Normalizer, authorize, parseManifests } from './helpers/istio-semantics.ts';
import { compileImported, findings, importFiles, repoFile } from './helpers/import.ts';
import type { Client, HttpRequest, Manifest as LManifest, Parent, Pod } from './helpers/linkerd-semantics.ts';
import { inboundDecision, outboundDecision } from './helpers/linkerd-semantics.ts';

const ISTIO = 'fixtures/upstream/istio';
const BOOKINFO = 'fixtures/import/bookinfo-platform.yaml';
const HTTPBIN = 'fixtures/import/httpbin-platform.yaml';

/** Istio's retry policy of a route without `retries` (istio/api HTTPRetry; shared/notes/mesh-mapping.md §9). */
const ISTIO_DEFAULT_RETRIES = {
  attempts: 2,
  retryOn: 'connect-failure,refused-stream,unavailable,cancelled',
};

/**
 * The upstream objects with Istio's defaults written out where the import writes them: a route without `retries`
 * retries as Istio's default policy does (except on a route with `fault`, where Istio enables no retries).
 */
function withIstioDefaults(objects: readonly Manifest[]): Manifest[] {
  return objects.map((o) => {
    if (o.kind !== 'VirtualService') return o;
    const spec = o.spec as { http?: Record<string, unknown>[] };
    return {
      ...o,
      spec: {
        ...spec,
        http: (spec.http ?? []).map((h) =>
          h.retries === undefined && h.fault === undefined
            ? { ...h, retries: { ...ISTIO_DEFAULT_RETRIES } }
            : h,
        ),
      },
    } as Manifest;
  });
}

interface IstioTask {
  readonly file: string;
  readonly platform: string;
  readonly namespace: string;
  /** Where the emitted objects are: the application namespace or the mesh-wide ones. */
  readonly scope: 'default' | 'system';
  /** `CODE file:line` the import must report, exactly. */
  readonly findings: readonly string[];
}

const ISTIO_TASKS: readonly IstioTask[] = [
  {
    file: 'request-routing-all-v1.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  {
    file: 'request-routing-user-identity.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  {
    file: 'traffic-shifting-50-v3.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  {
    file: 'traffic-shifting-90-10.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  {
    file: 'fault-injection-delay.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  {
    file: 'fault-injection-abort.yaml',
    platform: BOOKINFO,
    namespace: 'default',
    scope: 'default',
    findings: [],
  },
  { file: 'request-timeouts.yaml', platform: BOOKINFO, namespace: 'default', scope: 'default', findings: [] },
  { file: 'mirroring.yaml', platform: HTTPBIN, namespace: 'default', scope: 'default', findings: [] },
  { file: 'circuit-breaking.yaml', platform: HTTPBIN, namespace: 'default', scope: 'default', findings: [] },
  // The docs apply it with `kubectl apply -n istio-system`: the mesh-wide mode, the Environment's `mtls`.
  { file: 'mtls-strict.yaml', platform: BOOKINFO, namespace: 'istio-system', scope: 'system', findings: [] },
];

function upstream(file: string): Manifest[] {
  return parseManifests(readFileSync(path.join(ISTIO, file), 'utf8'));
}

function importIstio(task: Pick<IstioTask, 'file' | 'platform' | 'namespace'>) {
  // The platform objects live in `default` whatever namespace the task's objects are applied in.
  const platform = importFiles([repoFile(task.platform)]).objects;
  const imported = importFiles([repoFile(`${ISTIO}/${task.file}`)], { namespace: task.namespace });
  return { imported, platform };
}

describe('meshc import of the Istio tasks renders to objects that mean the same', () => {
  it.each(ISTIO_TASKS.map((t) => [t.file, t] as const))('%s', async (_file, task) => {
    const { importObjects } = await import('../src/import/index.ts');
    const { imported, platform } = importIstio(task);
    const result = importObjects([...imported.objects, ...platform]);
    expect(imported.loadDiagnostics).toEqual([]);
    expect(findings(result.diagnostics)).toEqual(task.findings);
    expect(result.meshes.map((m) => `${m.type} ${m.version}`)).toEqual(['istio 1.22']);
    const { renders } = compileImported(result.files.map((f) => ({ path: f.path, text: f.content })));
    expect(renders.map((r) => r.env.name)).toEqual(['istio']);
    const out = renders[0]!.output;
    const ours = (task.scope === 'system' ? out.system : (out.namespaces.get('default') ?? [])).filter((o) =>
      ['VirtualService', 'DestinationRule', 'PeerAuthentication'].includes(o.kind),
    ) as Manifest[];
    const theirs = withIstioDefaults(upstream(task.file));
    expect(new Normalizer('meshc').objects(ours, task.namespace)).toEqual(
      new Normalizer('upstream').objects(theirs, task.namespace),
    );
  });

  it('authz-http: every request is decided alike, and the namespace-wide allow-nothing is reported', async () => {
    const { importObjects } = await import('../src/import/index.ts');
    const { imported, platform } = importIstio({
      file: 'authz-http.yaml',
      platform: BOOKINFO,
      namespace: 'default',
    });
    const result = importObjects([...imported.objects, ...platform]);
    // allow-nothing has no selector: it was applied to each imported service, and says so at its `spec`.
    expect(findings(result.diagnostics)).toEqual([`IMPORT_APPROXIMATED ${ISTIO}/authz-http.yaml:19`]);
    const { renders } = compileImported(result.files.map((f) => ({ path: f.path, text: f.content })));
    const ours = (renders[0]!.output.namespaces.get('default') ?? []).filter(
      (o: K8sObject) => o.kind === 'AuthorizationPolicy',
    ) as Manifest[];
    const theirs = upstream('authz-http.yaml');
    const workloads: Record<string, Workload> = {
      'productpage-v1': { namespace: 'default', labels: { app: 'productpage', version: 'v1' } },
      'details-v1': { namespace: 'default', labels: { app: 'details', version: 'v1' } },
      'reviews-v2': { namespace: 'default', labels: { app: 'reviews', version: 'v2' } },
      'ratings-v1': { namespace: 'default', labels: { app: 'ratings', version: 'v1' } },
    };
    const callers = [
      'cluster.local/ns/default/sa/bookinfo-productpage',
      'cluster.local/ns/default/sa/bookinfo-reviews',
      'cluster.local/ns/default/sa/default',
      'cluster.local/ns/other/sa/sleep',
      undefined,
    ];
    const decide = (policies: readonly Manifest[]) =>
      Object.entries(workloads).flatMap(([name, w]) =>
        callers.flatMap((principal) =>
          ['GET', 'POST'].map((method) => {
            const req: AuthzRequest = { method, path: '/x', ...(principal ? { principal } : {}) };
            return `${principal ?? 'plaintext'} ${method} → ${name}: ${authorize(policies, w, req)}`;
          }),
        ),
      );
    expect(decide(ours)).toEqual(decide(theirs));
    expect(decide(ours).filter((d) => d.endsWith('allow')).length).toBe(5 * 1 + 1 + 1 + 1);
  });
});

// --- Linkerd ----------------------------------------------------------------------------------------------------

const LINKERD = 'fixtures/upstream/linkerd';
const BOOKSAPP = 'fixtures/import/booksapp-platform.yaml';
const EMOJIVOTO = 'fixtures/import/emojivoto-platform.yaml';

const lid = (ns: string, sa: string) => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`;
const lreq = (method: string, p: string, headers?: Record<string, string>): HttpRequest => ({
  method,
  path: p,
  ...(headers ? { headers } : {}),
});

/**
 * Imports a Linkerd task with its platform objects, compiles the imported spec for Linkerd and returns both object
 * sets as Linkerd sees them: upstream = the task's objects and the platform; meshc = what meshc renders plus the
 * application's own Services it does not render (`kubernetesService: external`).
 */
function linkerdRoundTrip(file: string, platform: string | undefined, namespace: string) {
  const sources = [repoFile(`${LINKERD}/${file}`), ...(platform ? [repoFile(platform)] : [])];
  const imported = importFiles(sources, { namespace });
  expect(imported.loadDiagnostics).toEqual([]);
  expect(imported.result.meshes.map((m) => `${m.type} ${m.version}`)).toEqual(['linkerd 2.16']);
  const { renders } = compileImported(imported.spec);
  const emitted = [...renders[0]!.output.namespaces.values()].flat() as unknown as LManifest[];
  const upstreamObjects = imported.objects.map((o) => o.object) as unknown as LManifest[];
  const key = (o: LManifest) => `${o.kind} ${o.metadata.namespace ?? namespace}/${o.metadata.name}`;
  const rendered = new Set(emitted.map(key));
  const appServices = upstreamObjects.filter((o) => o.kind === 'Service' && !rendered.has(key(o)));
  return { imported, upstream: upstreamObjects, meshc: [...emitted, ...appServices] };
}

interface RoutingTask {
  readonly file: string;
  readonly platform?: string;
  readonly namespace: string;
  readonly parent: Parent;
  readonly requests: readonly HttpRequest[];
  readonly findings: readonly string[];
  /** Requests no upstream route takes (Linkerd fails them) that the imported spec's default route takes. */
  readonly unrouted?: readonly string[];
}

const ROUTING: readonly RoutingTask[] = [
  {
    file: 'traffic-shifting-all-v2.yaml',
    namespace: 'traffic-shift-demo',
    parent: { namespace: 'traffic-shift-demo', name: 'bb', port: 8080 },
    requests: [lreq('GET', '/'), lreq('POST', '/x')],
    findings: [],
  },
  {
    file: 'traffic-shifting-90-10.yaml',
    namespace: 'traffic-shift-demo',
    parent: { namespace: 'traffic-shift-demo', name: 'bb', port: 8080 },
    requests: [lreq('GET', '/'), lreq('POST', '/x')],
    findings: [],
  },
  {
    file: 'header-based-routing.yaml',
    namespace: 'test',
    parent: { namespace: 'test', name: 'backend-a-podinfo', port: 9898 },
    requests: [
      lreq('GET', '/', { 'x-request-id': 'alternative' }),
      lreq('GET', '/', { 'x-request-id': 'x' }),
      lreq('GET', '/'),
    ],
    // The podinfo Services come from `helm install`, not from the task: the import says it assumed them.
    findings: [
      `IMPORT_NO_SERVICE ${LINKERD}/header-based-routing.yaml:13`,
      `IMPORT_NO_SERVICE ${LINKERD}/header-based-routing.yaml:13`,
    ],
  },
  {
    file: 'retries-timeouts.yaml',
    platform: BOOKSAPP,
    namespace: 'booksapp',
    parent: { namespace: 'booksapp', name: 'books', port: 7002 },
    requests: [
      lreq('GET', '/books.json'),
      lreq('POST', '/books.json'),
      lreq('DELETE', '/books/12.json'),
      lreq('GET', '/books/12.json'),
    ],
    findings: [
      `IMPORT_APPROXIMATED ${BOOKSAPP}:20`,
      `IMPORT_APPROXIMATED ${BOOKSAPP}:61`,
      `IMPORT_APPROXIMATED ${BOOKSAPP}:102`,
      `IMPORT_APPROXIMATED ${LINKERD}/retries-timeouts.yaml:54`,
    ],
    unrouted: ['GET /books/12.json'],
  },
  {
    file: 'circuit-breaking.yaml',
    namespace: 'circuit-breaking-demo',
    parent: { namespace: 'circuit-breaking-demo', name: 'bb', port: 8080 },
    requests: [lreq('GET', '/')],
    // The Service carries the failure-accrual annotation: meshc now renders that Service (said at the annotation).
    findings: [`IMPORT_APPROXIMATED ${LINKERD}/circuit-breaking.yaml:19`],
  },
];

describe('meshc import of the Linkerd tasks renders to objects Linkerd treats the same', () => {
  it.each(ROUTING.map((t) => [t.file, t] as const))('%s: every request is routed alike', (_f, task) => {
    const { imported, upstream, meshc } = linkerdRoundTrip(task.file, task.platform, task.namespace);
    expect(findings(imported.result.diagnostics)).toEqual(task.findings);
    for (const r of task.requests) {
      const label = `${r.method} ${r.path}`;
      const theirs = outboundDecision(upstream, task.parent, r);
      const ours = outboundDecision(meshc, task.parent, r);
      if (task.unrouted?.includes(label)) {
        // Upstream fails it; meshc's default route sends it to the Service's own pods, as without any route.
        expect(theirs.kind, label).toBe('no-route');
        const plain = outboundDecision(
          meshc.filter((o) => o.kind === 'Service'),
          task.parent,
          r,
        );
        expect(ours.kind === 'routed' && ours.backends, label).toEqual(
          plain.kind === 'default' && plain.backends,
        );
      } else expect({ label, ...ours }).toEqual({ label, ...theirs });
    }
  });

  it('restricting-access: the gRPC port admits exactly web; the uncovered admin port is the reported difference', () => {
    const { imported, upstream, meshc } = linkerdRoundTrip('restricting-access.yaml', EMOJIVOTO, 'emojivoto');
    expect(findings(imported.result.diagnostics)).toEqual([
      `IMPORT_APPROXIMATED ${EMOJIVOTO}:51`,
      `IMPORT_APPROXIMATED ${LINKERD}/restricting-access.yaml:23`,
    ]);
    const pod: Pod = {
      namespace: 'emojivoto',
      labels: { app: 'voting-svc', version: 'v11' },
      serviceAccount: 'voting',
      ports: { grpc: 8080, prom: 8801 },
    };
    const clients: Record<string, Client> = {
      web: { identity: lid('emojivoto', 'web'), ip: '10.42.0.10' },
      emoji: { identity: lid('emojivoto', 'emoji'), ip: '10.42.0.11' },
      unmeshed: { ip: '10.42.0.99' },
    };
    const decide = (objects: readonly LManifest[], port: number, r: HttpRequest) =>
      Object.entries(clients).map(([n, c]) => `${n}: ${refusedL(inboundDecision(objects, pod, port, r, c))}`);
    const vote = lreq('POST', '/emojivoto.v1.VotingService/VoteDog');
    expect(decide(meshc, 8080, vote)).toEqual(decide(upstream, 8080, vote));
    expect(decide(meshc, 8080, vote)).toEqual(['web: allow', 'emoji: deny', 'unmeshed: deny']);
    // The reported approximation is real: upstream leaves port 8801 to the default policy, meshc's rules cover it.
    const metrics = lreq('GET', '/metrics');
    expect(decide(meshc, 8801, metrics)).not.toEqual(decide(upstream, 8801, metrics));
  });

  it('per-route-authorization: every caller gets the same decision on every route', () => {
    const { imported, upstream, meshc } = linkerdRoundTrip(
      'per-route-authorization.yaml',
      BOOKSAPP,
      'booksapp',
    );
    expect(findings(imported.result.diagnostics)).toEqual([
      `IMPORT_APPROXIMATED ${BOOKSAPP}:20`,
      `IMPORT_APPROXIMATED ${BOOKSAPP}:61`,
      `IMPORT_APPROXIMATED ${BOOKSAPP}:102`,
    ]);
    const pod: Pod = {
      namespace: 'booksapp',
      labels: { app: 'authors', project: 'booksapp' },
      serviceAccount: 'authors',
      ports: { service: 7001 },
    };
    const clients: Record<string, Client> = {
      books: { identity: lid('booksapp', 'books'), ip: '10.42.0.11' },
      webapp: { identity: lid('booksapp', 'webapp'), ip: '10.42.0.12' },
      traffic: { identity: lid('booksapp', 'traffic'), ip: '10.42.0.13' },
      unmeshed: { ip: '10.42.0.99' },
    };
    const requests = [
      lreq('GET', '/authors.json'),
      lreq('GET', '/authors/1.json'),
      lreq('POST', '/authors.json'),
      lreq('PUT', '/authors/1.json'),
      lreq('DELETE', '/authors/1.json'),
      lreq('GET', '/ping'),
      lreq('GET', '/other'),
    ];
    const decide = (objects: readonly LManifest[]) =>
      requests.flatMap((r) =>
        Object.entries(clients).map(
          ([n, c]) => `${n} ${r.method} ${r.path}: ${refusedL(inboundDecision(objects, pod, 7001, r, c))}`,
        ),
      );
    expect(decide(meshc)).toEqual(decide(upstream));
    expect(decide(meshc).filter((d) => d.endsWith('allow')).length).toBe(2 + 2 + 1 + 1 + 1 + 4);
  });
});

const refusedL = (d: string) => (d === 'not-found' ? 'deny' : d);
