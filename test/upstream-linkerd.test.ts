/**
 * meshc's Linkerd output against Linkerd's documented tasks.
 *
 * Each task of the Linkerd docs (linkerd.io 2-edge) is written once as a meshc spec and once as the upstream
 * manifests, transcribed into fixtures/upstream/linkerd/<task>.yaml. The spec is compiled for a Linkerd 2.18
 * environment and emitted with the Linkerd backend; then both object sets go through the model of
 * test/helpers/linkerd-semantics.ts, which says what Linkerd *does* with a request: for routing tasks the rule a
 * client proxy picks, the backends as shares of pods, the timeout, the retry policy and the failure accrual;
 * for authorization tasks whether the server proxy admits the request from each caller. The decisions must be
 * equal for every request of the task's corpus, except the requests listed as deviations, each under a rule of
 * the table RULES with its reason; a listed deviation that does not happen fails too, so none is silent or stale.
 */
import { emittedObjects } from './helpers/backend-fixtures.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkerd } from '../src/backends/linkerd/index.ts';
import { backendFor } from '../src/backends/registry.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { checkCapabilities } from '../src/plan/capabilities.ts';
import type { Client, HttpRequest, Manifest, Parent, Pod } from './helpers/linkerd-semantics.ts';
import {
  chartTrustDomain,
  inboundDecision,
  outboundDecision,
  parseManifests,
  workloadClient,
} from './helpers/linkerd-semantics.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

// --- The one table of everything the comparison allows ----------------------------------------------------------

interface Rule {
  /** `normalization`: both forms make Linkerd do the same. `deviation`: meshc's output does something else. */
  readonly kind: 'normalization' | 'deviation';
  readonly what: string;
  readonly reason: string;
}

const RULES = {
  'api-group': {
    kind: 'normalization',
    what: 'HTTPRoutes are read alike whether policy.linkerd.io (v1beta1..3) or gateway.networking.k8s.io (v1beta1, v1), and a Service parentRef with `group: core` or `group: ""`.',
    reason:
      "Linkerd's policy controller converts both HTTPRoute kinds into the same outbound/inbound route, and reads `core` as the core group; meshc emits gateway.networking.k8s.io/v1 for outbound routes (response header filters are only converted correctly there) and policy.linkerd.io/v1beta3 for inbound routes.",
  },
  'object-layout': {
    kind: 'normalization',
    what: 'Objects are compared by what Linkerd does with requests (rules picked, backends as pod sets, policies applied), not by names, object count or order.',
    reason:
      'meshc names objects after services and ports, splits routes by their timeout/retry annotations and routes to per-version Services; none of that changes a decision.',
  },
  'refused-404-403': {
    kind: 'normalization',
    what: 'An inbound request no route matches (404) counts as refused, like an unauthorized one (403).',
    reason:
      'Upstream leaves unmatched requests to a 404, meshc adds a catch-all route so they get 403: the caller is refused either way.',
  },
  'meshc-implicit-default': {
    kind: 'deviation',
    what: "A request that matches no upstream route fails upstream ('no-route') and reaches the service through meshc's implicit default route.",
    reason:
      "meshc appends a default route when the last spec route has a match (the model's `Route.implicit`), so that attaching routes never makes unmatched requests fail (GAMMA trap, mesh-mapping §24.5); the Linkerd task leaves its other requests to fail.",
  },
  'upstream-trailing-slash-prefix': {
    kind: 'deviation',
    what: "Upstream `PathPrefix /authors/` also matches `/authors` itself; meshc's `/authors/*` does not.",
    reason:
      "Linkerd trims trailing slashes of a PathPrefix; meshc's access path `/p/*` is a string prefix as in Istio (`/p/` and below), emitted as a regular expression.",
  },
  'upstream-default-prefix-type': {
    kind: 'deviation',
    what: 'Upstream `path: {value: /authors.json}` has no type: the CRD default `PathPrefix` also matches `/authors.json/…`; meshc writes an exact path.',
    reason: 'The task means the exact path (its text says "matches GET requests to the path /authors.json").',
  },
  'upstream-probe-route': {
    kind: 'deviation',
    what: 'Upstream authorizes `GET /ping` (the probe route, NetworkAuthentication 0.0.0.0/0 and ::/0); meshc has no probe route.',
    reason:
      'The probe paths live in the Deployment, which meshc does not see; `access.l7` is `approximate` for this reason (capability note, backend README "Access"). NetworkAuthentication admits every caller of those networks, meshed or not, so every caller differs on /ping.',
  },
} as const satisfies Readonly<Record<string, Rule>>;

type RuleId = keyof typeof RULES;

// --- The environment and the tasks ------------------------------------------------------------------------------

const LINKERD_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: linkerd, version: "2.18", mtls: permissive }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

interface Row {
  readonly label: string;
  /** The decision meshc's objects lead to, and upstream's. */
  readonly meshc: unknown;
  readonly upstream: unknown;
}

interface Task {
  readonly title: string;
  /** fixtures/upstream/linkerd/<file> */
  readonly upstream: string;
  /** The spec files (the environment is added). */
  readonly spec: Readonly<Record<string, string>>;
  /** Capability and backend diagnostics the spec must produce, as `<severity> <CODE> <pointer>`. */
  readonly diagnostics: readonly string[];
  /** The decisions to compare. */
  readonly rows: (meshc: readonly Manifest[], upstream: readonly Manifest[]) => Row[];
  /** `<rule> <row label>` for each row whose decisions may differ. */
  readonly deviations: readonly `${RuleId} ${string}`[];
}

/** A meshc Service document; `body` is more YAML under `spec:`. */
function service(namespace: string, name: string, body: string): string {
  const tail = dedent(body)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${tail}`;
}

const req = (method: string, p: string, headers?: Record<string, string>): HttpRequest => ({
  method,
  path: p,
  ...(headers ? { headers } : {}),
});
const label = (r: HttpRequest) =>
  `${r.method} ${r.path}${
    r.headers
      ? ` ${Object.entries(r.headers)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : ''
  }`;

function outboundRows(parent: Parent, requests: readonly HttpRequest[]) {
  return (meshc: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.map((r) => ({
      label: label(r),
      meshc: outboundDecision(meshc, parent, r),
      upstream: outboundDecision(upstream, parent, r),
    }));
}

const refused = (d: string) => (d === 'not-found' ? 'deny' : d);

function inboundRows(
  pod: Pod,
  port: number,
  clients: Readonly<Record<string, Client>>,
  requests: readonly HttpRequest[],
) {
  return (meshc: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.flatMap((r) =>
      Object.entries(clients).map(([name, client]) => ({
        label: `${name} ${label(r)}`,
        meshc: refused(inboundDecision(meshc, pod, port, r, client)),
        upstream: refused(inboundDecision(upstream, pod, port, r, client)),
      })),
    );
}

const id = (ns: string, sa: string) => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`;

const BOOKSAPP_CLIENTS: Readonly<Record<string, Client>> = {
  books: { identity: id('booksapp', 'books'), ip: '10.42.0.11' },
  webapp: { identity: id('booksapp', 'webapp'), ip: '10.42.0.12' },
  traffic: { identity: id('booksapp', 'traffic'), ip: '10.42.0.13' },
  unmeshed: { ip: '10.42.0.99' },
  kubelet: { ip: '10.0.0.1' },
};

const TASKS: readonly Task[] = [
  {
    title: '1 traffic shifting: bb 90% v1, 10% v2',
    upstream: 'traffic-shifting-90-10.yaml',
    spec: {
      // The task's own Services and Deployments exist (`kubernetesService: external`); pods carry app + version.
      'services/bb.yaml': service(
        'traffic-shift-demo',
        'bb',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: bb }
        kubernetesService: external
        versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
        routes:
          - to: { v1: 90, v2: 10 }
        `,
      ),
    },
    diagnostics: [],
    rows: outboundRows({ namespace: 'traffic-shift-demo', name: 'bb', port: 8080 }, [
      req('GET', '/'),
      req('POST', '/api/x'),
    ]),
    deviations: [],
  },
  {
    title: '2 traffic shifting: bb 100% v2',
    upstream: 'traffic-shifting-all-v2.yaml',
    spec: {
      'services/bb.yaml': service(
        'traffic-shift-demo',
        'bb',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: bb }
        kubernetesService: external
        versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
        routes:
          - to: v2
        `,
      ),
    },
    diagnostics: [],
    rows: outboundRows({ namespace: 'traffic-shift-demo', name: 'bb', port: 8080 }, [req('GET', '/')]),
    deviations: [],
  },
  {
    title: '3 header-based routing: x-request-id alternative → backend-b-podinfo',
    upstream: 'header-based-routing.yaml',
    spec: {
      // Both podinfo Services come from `helm install` (podinfo chart, port 9898).
      'services/backend-a.yaml': service(
        'test',
        'backend-a-podinfo',
        `
        ports: [{ name: http, port: 9898, protocol: http }]
        kubernetesService: external
        routes:
          - match: [{ headers: { x-request-id: { exact: alternative } } }]
            backends: [{ service: backend-b-podinfo }]
          - backends: [{ service: backend-a-podinfo }]
        `,
      ),
      'services/backend-b.yaml': service(
        'test',
        'backend-b-podinfo',
        `
        ports: [{ name: http, port: 9898, protocol: http }]
        kubernetesService: external
        `,
      ),
    },
    diagnostics: [],
    rows: outboundRows({ namespace: 'test', name: 'backend-a-podinfo', port: 9898 }, [
      req('POST', '/echo'),
      req('POST', '/echo', { 'x-request-id': 'alternative' }),
      req('GET', '/', { 'X-Request-Id': 'alternative' }),
      req('GET', '/', { 'x-request-id': 'other' }),
    ]),
    deviations: [],
  },
  {
    title: '4 retries and timeouts: books-create retries 5xx 3 times, 15ms timeout (2.16 annotations)',
    upstream: 'retries-timeouts.yaml',
    spec: {
      // booksapp.yml creates the books Service (port 7002). The task's routes, in meshc's first-match order:
      // the POST route before the route of any method on the same path.
      'services/books.yaml': service(
        'booksapp',
        'books',
        `
        ports: [{ name: service, port: 7002, protocol: http }]
        kubernetesService: external
        routes:
          - name: books-create
            match: [{ path: { exact: /books.json }, method: POST }]
            timeout: 15ms
            retries: { attempts: 3, on: [5xx] }
          - name: books-list
            match: [{ path: { exact: /books.json } }]
          - name: books-delete
            match: [{ path: { regex: '/books/\\d+.json' }, method: DELETE }]
        `,
      ),
    },
    diagnostics: ['warning MESH_APPROXIMATE_FEATURE /spec/routes/0/retries'],
    rows: outboundRows({ namespace: 'booksapp', name: 'books', port: 7002 }, [
      req('POST', '/books.json'),
      req('GET', '/books.json'),
      req('DELETE', '/books/12.json'),
      req('GET', '/books/12.json'),
      req('PUT', '/books/12.json'),
    ]),
    deviations: ['meshc-implicit-default GET /books/12.json', 'meshc-implicit-default PUT /books/12.json'],
  },
  {
    title: '5 circuit breaking: consecutive failure accrual on bb',
    upstream: 'circuit-breaking.yaml',
    spec: {
      // meshc owns the Service here: failure accrual is an annotation of the Service clients call.
      'services/bb.yaml': service(
        'circuit-breaking-demo',
        'bb',
        `
        ports: [{ name: http, port: 8080, protocol: http }]
        selector: { app: bb }
        resilience:
          outlierDetection: { consecutiveErrors: 7 }
        `,
      ),
    },
    diagnostics: ['warning MESH_APPROXIMATE_FEATURE /spec/resilience/outlierDetection'],
    rows: outboundRows({ namespace: 'circuit-breaking-demo', name: 'bb', port: 8080 }, [req('GET', '/')]),
    deviations: [],
  },
  {
    title: '6 restricting access: only web may call voting',
    upstream: 'restricting-access.yaml',
    spec: {
      // emojivoto.yml: voting-svc (grpc 8080, service account voting), web-svc (service account web).
      'services/voting.yaml': service(
        'emojivoto',
        'voting-svc',
        `
        ports: [{ name: grpc, port: 8080, protocol: grpc }]
        selector: { app: voting-svc }
        serviceAccount: voting
        kubernetesService: external
        access:
          - from: [web-svc]
        `,
      ),
      'services/web.yaml': service(
        'emojivoto',
        'web-svc',
        `
        ports: [{ name: http, port: 80, protocol: http }]
        selector: { app: web-svc }
        serviceAccount: web
        kubernetesService: external
        `,
      ),
    },
    diagnostics: [],
    rows: (meshc, upstream) => {
      const pod: Pod = {
        namespace: 'emojivoto',
        labels: { app: 'voting-svc', version: 'v11' },
        serviceAccount: 'voting',
        ports: { grpc: 8080, prom: 8801 },
      };
      const clients: Record<string, Client> = {
        web: { identity: id('emojivoto', 'web'), ip: '10.42.0.10' },
        emoji: { identity: id('emojivoto', 'emoji'), ip: '10.42.0.11' },
        'other-ns': { identity: id('other', 'web'), ip: '10.42.0.12' },
        unmeshed: { ip: '10.42.0.99' },
      };
      return [
        ...inboundRows(pod, 8080, clients, [req('POST', '/emojivoto.v1.VotingService/VoteDog')])(
          meshc,
          upstream,
        ),
        // The admin port has no Server: the namespace default (meshc: the environment's permissive mode).
        ...inboundRows(pod, 8801, clients, [req('GET', '/metrics')])(meshc, upstream),
      ];
    },
    deviations: [],
  },
  {
    title: '7 per-route authorization: books and webapp read authors, webapp writes',
    upstream: 'per-route-authorization.yaml',
    spec: {
      'services/authors.yaml': service(
        'booksapp',
        'authors',
        `
        ports: [{ name: service, port: 7001, protocol: http }]
        selector: { app: authors, project: booksapp }
        kubernetesService: external
        access:
          - from: [books, webapp]
            methods: [GET]
            paths: [/authors.json, /authors/*]
          - from: [webapp]
            methods: [DELETE, PUT]
            paths: [/authors/*]
          - from: [webapp]
            methods: [POST]
            paths: [/authors.json]
        `,
      ),
      'services/books.yaml': service(
        'booksapp',
        'books',
        `
        ports: [{ name: service, port: 7002, protocol: http }]
        kubernetesService: external
        `,
      ),
      'services/webapp.yaml': service(
        'booksapp',
        'webapp',
        `
        ports: [{ name: service, port: 7000, protocol: http }]
        kubernetesService: external
        `,
      ),
    },
    diagnostics: ['warning MESH_APPROXIMATE_FEATURE /spec/access/0/methods'],
    rows: inboundRows(
      {
        namespace: 'booksapp',
        labels: { app: 'authors', project: 'booksapp' },
        serviceAccount: 'authors',
        ports: { service: 7001 },
        probes: { 7001: ['/ping'] },
      },
      7001,
      BOOKSAPP_CLIENTS,
      [
        req('GET', '/authors.json'),
        req('GET', '/authors/1.json'),
        req('GET', '/authors'),
        req('GET', '/authors.json/x'),
        req('DELETE', '/authors/1.json'),
        req('DELETE', '/authors'),
        req('PUT', '/authors/1.json'),
        req('PUT', '/authors'),
        req('POST', '/authors.json'),
        req('POST', '/authors.json/x'),
        req('POST', '/authors/1.json'),
        req('GET', '/ping'),
        req('GET', '/books.json'),
      ],
    ),
    deviations: [
      'upstream-trailing-slash-prefix books GET /authors',
      'upstream-trailing-slash-prefix webapp GET /authors',
      'upstream-trailing-slash-prefix webapp DELETE /authors',
      'upstream-trailing-slash-prefix webapp PUT /authors',
      'upstream-default-prefix-type books GET /authors.json/x',
      'upstream-default-prefix-type webapp GET /authors.json/x',
      'upstream-default-prefix-type webapp POST /authors.json/x',
      ...Object.keys(BOOKSAPP_CLIENTS).map((c) => `upstream-probe-route ${c} GET /ping` as const),
    ],
  },
];

// --- Helpers ----------------------------------------------------------------------------------------------------

const UPSTREAM_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'upstream', 'linkerd');

function upstreamObjects(file: string): Manifest[] {
  return parseManifests(readFileSync(path.join(UPSTREAM_DIR, file), 'utf8'));
}

const show = (d: Diagnostic) => `${d.severity} ${d.code} ${d.pointer ?? d.location?.file ?? ''}`;

/**
 * Compiles a task's spec with the Linkerd 2.18 environment and emits it. Compile errors fail the test; the
 * capability diagnostics (run here while the registry does not list the backend yet) and the backend's own
 * diagnostics are returned.
 */
function emitTask(spec: Readonly<Record<string, string>>): { objects: Manifest[]; diagnostics: string[] } {
  const compiled = compileInline({ 'environments/prod.yaml': LINKERD_ENV, ...spec });
  const compileDiagnostics = compiled.diagnostics.filter((d) => d.code !== 'MESH_NOT_IMPLEMENTED');
  expect(compileDiagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
  const env = compiled.model!.environments[0]!;
  const capability: Diagnostic[] = [];
  if (backendFor('linkerd') === undefined) checkCapabilities(env, linkerd, (d) => capability.push(d));
  const out = linkerd.emit(env, { toolVersion: '0.0.0' });
  const objects = [...[...out.namespaces.values()].flat(), ...out.system] as unknown as Manifest[];
  return {
    objects,
    diagnostics: [...compileDiagnostics, ...capability, ...out.diagnostics]
      .map((d) => {
        // Backend diagnostics have no pointer: derive it from the dummy-free location when absent.
        return d.pointer !== undefined ? show(d) : `${d.severity} ${d.code} ${d.message}`;
      })
      .sort(),
  };
}

function differences(task: Task): string[] {
  const ours = emitTask(task.spec).objects;
  const rows = task.rows(ours, upstreamObjects(task.upstream));
  return rows.filter((r) => JSON.stringify(r.meshc) !== JSON.stringify(r.upstream)).map((r) => r.label);
}

// --- The tasks --------------------------------------------------------------------------------------------------

describe("meshc Linkerd output means the same as Linkerd's docs", () => {
  it.each(TASKS.map((t) => [t.title, t] as const))('%s', (_title, task) => {
    const { objects, diagnostics } = emitTask(task.spec); // schema validity: src/backends/linkerd/schema.test.ts
    expect(diagnostics).toEqual([...task.diagnostics].sort());
    const rows = task.rows(objects, upstreamObjects(task.upstream));
    expect(rows.length).toBeGreaterThan(0);
    const allowed = new Map(
      task.deviations.map((d) => {
        const [rule, ...rest] = d.split(' ');
        return [rest.join(' '), rule as RuleId] as const;
      }),
    );
    for (const [, rule] of allowed) expect(RULES[rule].kind).toBe('deviation');
    const differing = rows.filter((r) => JSON.stringify(r.meshc) !== JSON.stringify(r.upstream));
    // Every difference is a listed deviation, and every listed deviation happens.
    expect(differing.map((r) => r.label).sort()).toEqual([...allowed.keys()].sort());
    // meshc never leaves a decision to the creation order of its objects.
    for (const r of rows) expect(JSON.stringify(r.meshc), r.label).not.toContain('ambiguous');
  });
});

describe('the decisions, spelled out', () => {
  const byTitle = (n: string) => TASKS.find((t) => t.title.startsWith(n))!;
  const rowsOf = (n: string) => {
    const t = byTitle(n);
    return t.rows(emitTask(t.spec).objects, upstreamObjects(t.upstream));
  };

  it('90/10 by pods: v1 pods get 90%, v2 pods 10%, whatever the Service names', () => {
    expect(rowsOf('1')[0]!.meshc).toEqual({
      kind: 'routed',
      backends: { 'app=bb,version=v1': 0.9, 'app=bb,version=v2': 0.1 },
    });
  });

  it('retries and timeout on books-create only; list and delete without', () => {
    const [create, list, del] = rowsOf('4');
    expect(create!.meshc).toEqual({
      kind: 'routed',
      backends: { 'service booksapp/books': 1 },
      timeoutMs: 15,
      retry: { limit: 3, statuses: ['500-599'] },
    });
    expect(list!.meshc).toEqual({ kind: 'routed', backends: { 'service booksapp/books': 1 } });
    expect(del!.meshc).toEqual(list!.meshc);
  });

  it("circuit breaking: Linkerd's defaults for everything but the mode", () => {
    expect(rowsOf('5')[0]!.upstream).toEqual({
      kind: 'default',
      backends: { 'app=bb': 1 },
      accrual: { maxFailures: 7, minPenaltyMs: 1000, maxPenaltyMs: 60_000, jitterRatio: 0.5 },
    });
  });

  it('restricting access: web allowed on the gRPC port, nobody else; the admin port stays open', () => {
    const decided = rowsOf('6').map((r) => `${r.label}: ${String(r.meshc)}`);
    expect(decided).toEqual([
      'web POST /emojivoto.v1.VotingService/VoteDog: allow',
      'emoji POST /emojivoto.v1.VotingService/VoteDog: deny',
      'other-ns POST /emojivoto.v1.VotingService/VoteDog: deny',
      'unmeshed POST /emojivoto.v1.VotingService/VoteDog: deny',
      'web GET /metrics: allow',
      'emoji GET /metrics: allow',
      'other-ns GET /metrics: allow',
      'unmeshed GET /metrics: allow',
    ]);
  });

  it('refused-404-403 is exercised: upstream answers an unnamed path with 404, meshc with 403', () => {
    const t = byTitle('7');
    const pod: Pod = {
      namespace: 'booksapp',
      labels: { app: 'authors', project: 'booksapp' },
      serviceAccount: 'authors',
      ports: { service: 7001 },
    };
    const r = req('GET', '/books.json');
    const webapp = BOOKSAPP_CLIENTS.webapp!;
    expect(inboundDecision(upstreamObjects(t.upstream), pod, 7001, r, webapp)).toBe('not-found');
    expect(inboundDecision(emitTask(t.spec).objects, pod, 7001, r, webapp)).toBe('deny');
  });

  it('per-route authorization: the task in its own words', () => {
    const allowed = rowsOf('7')
      .filter((r) => r.meshc === 'allow')
      .map((r) => r.label);
    expect(allowed).toEqual([
      'books GET /authors.json',
      'webapp GET /authors.json',
      'books GET /authors/1.json',
      'webapp GET /authors/1.json',
      'webapp DELETE /authors/1.json',
      'webapp PUT /authors/1.json',
      'webapp POST /authors.json',
    ]);
  });
});

// --- Through the ingress, in a trust domain of its own (issue 10) ------------------------------------------------

describe('through the ingress: what the access rules admit, from a meshed ingress controller', () => {
  /** An environment with meshc's ingress in `ingressNs` and the identity trust domain `prod.example`. */
  const envWith = (ingressNs: string) => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh:
        type: linkerd
        version: "2.18"
        mtls: permissive
        trustDomain: prod.example
        install: { chartVersion: 2025.4.4 }
        trust: { certManager: { issuer: mesh-root, kind: ClusterIssuer } }
        ingress: { className: envoy, namespace: ${ingressNs} }
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `;
  const spec = {
    'services/productpage.yaml': service(
      'bookinfo',
      'productpage',
      `
      ports: [{ name: http, port: 9080, protocol: http }]
      ingress: { hosts: [bookinfo.example.com], paths: [{ prefix: /productpage }] }
      access:
        - from: [bookinfo/reviews]
          methods: [GET]
          paths: [/productpage]
      `,
    ),
    'services/reviews.yaml': service(
      'bookinfo',
      'reviews',
      'ports: [{ name: http, port: 9080, protocol: http }]',
    ),
  };
  const pod: Pod = {
    namespace: 'bookinfo',
    labels: { app: 'productpage' },
    serviceAccount: 'productpage',
    ports: { http: 9080 },
  };

  function emitWith(ingressNs: string) {
    const compiled = compileInline({ 'environments/prod.yaml': envWith(ingressNs), ...spec });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    const out = linkerd.emit(compiled.model!.environments[0]!, { toolVersion: '0.0.0' });
    const objects = emittedObjects(out) as unknown as Manifest[];
    // The trust domain the control plane runs with is the one the chart is given.
    const chart = out.charts.find((c) => c.chart === 'linkerd-control-plane');
    const trustDomain = chartTrustDomain(chart?.values);
    /** The ingress controller's data plane, as a Gateway API implementation deploys it next to the Gateway. */
    const controller = workloadClient(
      objects,
      { namespace: ingressNs, serviceAccount: 'envoy-meshc-ingress', ip: '10.42.1.5' },
      trustDomain,
    );
    const reviews = workloadClient(
      objects,
      { namespace: 'bookinfo', serviceAccount: 'reviews', ip: '10.42.0.7' },
      trustDomain,
    );
    const decide = (client: Client, method: string, p: string) =>
      inboundDecision(objects, pod, 9080, req(method, p), client, { trustDomain });
    return { out, trustDomain, controller, reviews, decide };
  }

  it('the control plane runs in the environment trust domain, and the policies name it', () => {
    const { trustDomain, controller, reviews } = emitWith('ingress');
    expect(trustDomain).toBe('prod.example');
    expect(reviews.identity).toBe('reviews.bookinfo.serviceaccount.identity.linkerd.prod.example');
    expect(controller.identity).toBe(
      'envoy-meshc-ingress.ingress.serviceaccount.identity.linkerd.prod.example',
    );
  });

  it('the ingress gets what the access rule gives (GET /productpage), not every method and path', () => {
    const { controller, reviews, decide } = emitWith('ingress');
    expect(decide(controller, 'GET', '/productpage')).toBe('allow');
    expect(decide(reviews, 'GET', '/productpage')).toBe('allow');
    // Before issue 10 the ingress was admitted on the whole Server: DELETE passed through it.
    expect(decide(controller, 'DELETE', '/productpage')).toBe('deny');
    expect(decide(controller, 'GET', '/admin')).toBe('deny');
    expect(decide(reviews, 'DELETE', '/productpage')).toBe('deny');
  });

  it('the ingress namespace meshc creates is meshed, so the controller has the identity the rule admits', () => {
    const { out, controller } = emitWith('ingress');
    const ns = out.system.find((o) => o.kind === 'Namespace' && o.metadata.name === 'ingress');
    expect(ns?.metadata.annotations?.['linkerd.io/inject']).toBe('enabled');
    expect(controller.identity).toBeDefined();
    expect(out.diagnostics.map((d) => d.code)).not.toContain('MESH_INGRESS_NOT_MESHED');
  });

  it("an ingress in the control plane's namespace is never injected: refused, and meshc says so", () => {
    const { out, controller, decide } = emitWith('linkerd');
    expect(controller.identity).toBeUndefined();
    expect(decide(controller, 'GET', '/productpage')).toBe('deny');
    expect(out.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual([
      'warning MESH_INGRESS_NOT_MESHED',
    ]);
  });
});

// --- The model itself -------------------------------------------------------------------------------------------

describe('the Linkerd model', () => {
  const svc = (
    name: string,
    selector: Record<string, string>,
    annotations?: Record<string, string>,
  ): Manifest => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: { selector },
  });
  const route = (name: string, rules: unknown[], annotations?: Record<string, string>): Manifest => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'a', port: 80 }], rules },
  });
  const parent: Parent = { namespace: 'ns', name: 'a', port: 80 };
  const base = [svc('a', { app: 'a' }), svc('b', { app: 'b' })];

  it('sees a different weight, backend or timeout', () => {
    const r = (w: number, to = 'b', t?: string) =>
      outboundDecision(
        [
          ...base,
          route(
            'r',
            [
              {
                backendRefs: [
                  { name: 'a', port: 80, weight: 100 - w },
                  { name: to, port: 80, weight: w },
                ],
              },
            ],
            t ? { 'timeout.linkerd.io/request': t } : undefined,
          ),
        ],
        parent,
        req('GET', '/'),
      );
    expect(r(10)).not.toEqual(r(20));
    expect(r(10)).not.toEqual(r(10, 'a'));
    expect(r(10, 'b', '1s')).not.toEqual(r(10, 'b', '2s'));
    expect(r(10, 'b', '1s')).toEqual(r(10, 'b', '1000ms'));
  });

  it('picks the most specific rule, not the first, and reports a tie between routes as ambiguous', () => {
    const rules = [
      { matches: [{ headers: [{ name: 'x', value: '1' }] }], backendRefs: [{ name: 'b', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'a', port: 80 }] },
    ];
    const d = outboundDecision([...base, route('r', rules)], parent, req('GET', '/api/x', { x: '1' }));
    expect(d).toEqual({ kind: 'routed', backends: { 'app=a': 1 } }); // the longer path beats the header
    const tie = outboundDecision(
      [
        ...base,
        route('r1', [rules[0]]),
        route('r2', [{ ...rules[0], backendRefs: [{ name: 'a', port: 80 }] }]),
      ],
      parent,
      req('GET', '/', { x: '1' }),
    );
    expect(tie).toEqual({ kind: 'ambiguous', routes: ['r1', 'r2'] });
    expect(outboundDecision([...base, route('r', [rules[0]])], parent, req('GET', '/'))).toEqual({
      kind: 'no-route',
    });
  });

  it('route annotations override the Service annotations; no annotation, no retries', () => {
    const s = svc('a', { app: 'a' }, { 'retry.linkerd.io/http': '5xx', 'timeout.linkerd.io/request': '5s' });
    const bare = outboundDecision([s, route('r', [{}])], parent, req('GET', '/'));
    expect(bare).toMatchObject({ timeoutMs: 5000, retry: { limit: 1, statuses: ['500-599'] } });
    const over = outboundDecision(
      [s, route('r', [{}], { 'retry.linkerd.io/http': 'gateway-error' })],
      parent,
      req('GET', '/'),
    );
    expect(over).toMatchObject({ timeoutMs: 5000, retry: { limit: 1, statuses: ['502-504'] } });
  });

  it('injection: the pod annotation over the namespace one, never in an opted-out namespace', () => {
    const namespace = (name: string, inject?: string, labels?: Record<string, string>): Manifest => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        ...(labels ? { labels } : {}),
        ...(inject ? { annotations: { 'linkerd.io/inject': inject } } : {}),
      },
    });
    const objs = [
      namespace('on', 'enabled'),
      namespace('gw', 'ingress'),
      namespace('off'),
      namespace('cp', 'enabled', { 'config.linkerd.io/admission-webhooks': 'disabled' }),
    ];
    const client = (ns: string, inject?: string) =>
      workloadClient(
        objs,
        { namespace: ns, serviceAccount: 'sa', ip: '10.0.0.2', ...(inject ? { inject } : {}) },
        'td.example',
      ).identity;
    expect(client('on')).toBe('sa.on.serviceaccount.identity.linkerd.td.example');
    expect(client('gw')).toBe('sa.gw.serviceaccount.identity.linkerd.td.example');
    expect(client('off')).toBeUndefined();
    expect(client('off', 'enabled')).toBe('sa.off.serviceaccount.identity.linkerd.td.example');
    expect(client('on', 'disabled')).toBeUndefined();
    expect(client('cp', 'enabled')).toBeUndefined();
    expect(client('absent')).toBeUndefined();
    expect(chartTrustDomain({ identityTrustDomain: 'a.example', clusterDomain: 'b.example' })).toBe(
      'a.example',
    );
    expect(chartTrustDomain({ identityTrustDomain: '', clusterDomain: 'b.example' })).toBe('b.example');
    expect(chartTrustDomain(undefined)).toBe('cluster.local');
  });

  it('inbound: a Server without routes keeps probes authorized, one with routes does not', () => {
    const pod: Pod = {
      namespace: 'ns',
      labels: { app: 'a' },
      serviceAccount: 'a',
      ports: {},
      probes: { 80: ['/ping'] },
    };
    const server: Manifest = {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 's', namespace: 'ns' },
      spec: { podSelector: { matchLabels: { app: 'a' } }, port: 80 },
    };
    const kubelet: Client = { ip: '10.0.0.1' };
    expect(inboundDecision([server], pod, 80, req('GET', '/ping'), kubelet)).toBe('allow');
    expect(inboundDecision([server], pod, 80, req('GET', '/other'), kubelet)).toBe('deny');
    const r: Manifest = {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'ns' },
      spec: {
        parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 's' }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
      },
    };
    expect(inboundDecision([server, r], pod, 80, req('GET', '/ping'), kubelet)).toBe('deny');
    expect(
      inboundDecision([], pod, 80, req('GET', '/x'), kubelet, { clusterDefault: 'all-authenticated' }),
    ).toBe('deny');
    expect(inboundDecision([], pod, 80, req('GET', '/ping'), kubelet, { clusterDefault: 'deny' })).toBe(
      'allow',
    );
  });

  it('tells neighbouring tasks apart', () => {
    const t1 = TASKS[0]!;
    const t2 = TASKS[1]!;
    const ours = emitTask(t1.spec).objects;
    const other = t2.rows(ours, upstreamObjects(t2.upstream));
    expect(other.some((r) => JSON.stringify(r.meshc) !== JSON.stringify(r.upstream))).toBe(true);
    expect(differences(t1)).toEqual([]);
  });
});
