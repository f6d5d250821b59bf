/**
 * Issue 4: the same service spec rendered for Istio and Linkerd carries the same weights, matches, timeouts and
 * access decisions; every difference is listed by the matrix.
 *
 * One spec (namespace `shop`: reviews with versions v1/v2/v3 and header / path-prefix / method routes, a weighted
 * split, `backends` to another service and timeouts; access rules with service callers, `*` and methods/paths) is
 * compiled for two environments that differ only in mesh (Istio 1.24 and Linkerd 2.18, both `mtls: strict`, on
 * two clusters) and emitted. Both outputs then go through semantic models:
 *
 * - routing: Istio through a minimal VirtualService/DestinationRule evaluator written here (first match wins,
 *   destinations resolved to pod sets through the Service selector and the subset labels); Linkerd through
 *   `outboundDecision` of test/helpers/linkerd-semantics.ts (most specific match, backends as pod sets).
 *   Both give the chosen pod sets as shares of the requests, and the request timeout.
 * - authorization: Istio through `authorize` of test/helpers/istio-semantics.ts plus a minimal PeerAuthentication
 *   check (STRICT refuses plaintext callers); Linkerd through `inboundDecision` (Server, inbound routes,
 *   AuthorizationPolicy, MeshTLSAuthentication, namespace default policy).
 * - Consul (issue 12, Consul 1.21): routing through `resolveRequest` of test/helpers/consul-semantics.ts (the
 *   discovery chain: router, splitter, resolver; subsets as the pods carrying the subset's metadata), access
 *   through its `authorize` (intentions by precedence, strict mTLS refusing plaintext), required to decide the
 *   same under either ACL default policy.
 *
 * - App Mesh (issue 13) through test/helpers/appmesh-semantics.ts: `routeRequest` (router routes by priority,
 *   weighted VirtualNodes as pod sets, effective timeout) and `connect` (the caller's backends, the Mesh's egress
 *   filter, listener and client TLS). Its environment adds SPIRE trust (strict mTLS needs a certificate source)
 *   and drops the access rules' method/path narrowing, which App Mesh cannot express (APPMESH_ADAPTED).
 *
 * For every request of the tables the decisions must be equal, except the rows listed in EXPECTED_DIFFERENCES,
 * each under a feature whose Linkerd capability is `approximate` in the matrix; a listed difference that does
 * not happen fails too.
 */
import { describe, expect, it } from 'vitest';
import { FEATURES, type FeatureId } from '../src/backends/features.ts';
import { backendFor, knownMeshes } from '../src/backends/registry.ts';
import { ISTIO_CAPABILITIES } from '../src/backends/istio/capabilities.ts';
import { LINKERD_CAPABILITIES } from '../src/backends/linkerd/capabilities.ts';
import { APPMESH_CAPABILITIES } from '../src/backends/appmesh/capabilities.ts';
import { toPointer, type DataPath } from '../src/core/location.ts';
import type { ResolvedEnvironment } from '../src/model/types.ts';
import {
  authorize,
  durationMs,
  routeRequest,
  type Manifest as IstioManifest,
} from './helpers/istio-semantics.ts';
import {
  inboundDecision,
  outboundDecision,
  type Client,
  type HttpRequest,
  type Manifest as LinkerdManifest,
  type Pod,
} from './helpers/linkerd-semantics.ts';
import {
  connect as appmeshConnect,
  routeRequest as appmeshRouteRequest,
  type Manifest as AppMeshManifest,
} from './helpers/appmesh-semantics.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';
import {
  authorize as consulAuthorize,
  chainErrors,
  resolveRequest as consulResolve,
  subsetMeta,
  type Manifest as ConsulManifest,
} from './helpers/consul-semantics.ts';

// --- The spec ---------------------------------------------------------------------------------------------------

const NS = 'shop';
const PORT = 9080;

const env = (name: string, cluster: string, type: string, version: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: ${name} }
  spec:
    cluster: ${cluster}
    mesh: { type: ${type}, version: "${version}", mtls: strict${MESH_EXTRA[type] ?? ''} }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
${ENV_EXTRA[type] ?? ''}`;

/**
 * What an environment of a mesh needs beyond the shared settings. App Mesh: a certificate source for strict
 * mTLS (SPIRE over SDS), and the access rules without their method/path narrowing, which App Mesh cannot express
 * (`access.l7` is `unsupported` there): the rows that narrowing decides are the expected differences under
 * APPMESH_ADAPTED below.
 */
const MESH_EXTRA: Readonly<Record<string, string>> = { appmesh: ', trust: { sds: {} }' };
const ENV_EXTRA: Readonly<Record<string, string>> = {
  appmesh: [
    '    overrides:',
    '      shop/reviews: { access: [{ from: [productpage] }, { from: [ratings] }] }',
    '      shop/ratings: { access: [{ from: [reviews, reviews-next] }] }',
    '',
  ].join('\n'),
};

/** A meshc Service document of namespace `shop`; `body` is the YAML under `spec:`. */
const service = (name: string, body: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: ${NS} }\nspec:\n${dedent(
    body,
  )
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

/**
 * The mesh version each registered backend is read at. A new backend needs a version here and a reader in
 * READERS (both tested), so that this spec is compared on every mesh meshc renders.
 */
const VERSIONS: Readonly<Record<string, string>> = {
  istio: '1.24',
  linkerd: '2.18',
  consul: '1.21',
  appmesh: '1.13',
};

/** One environment per registered backend (`mesh-<mesh>` on its own cluster), otherwise equal. */
const ENVIRONMENTS: Readonly<Record<string, string>> = Object.fromEntries(
  knownMeshes().map((mesh, i) => [
    `environments/${mesh}.yaml`,
    env(`mesh-${mesh}`, `cluster-${String.fromCharCode(97 + i)}`, mesh, VERSIONS[mesh] ?? '0.0'),
  ]),
);

const SPEC: Readonly<Record<string, string>> = {
  ...ENVIRONMENTS,
  'services/reviews.yaml': service(
    'reviews',
    `
    ports: [{ name: http, port: ${PORT}, protocol: http }]
    selector: { app: reviews }
    serviceAccount: reviews
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } }, v3: { labels: { version: v3 } } }
    routes:
      - name: jason
        match: [{ headers: { end-user: { exact: jason } } }]
        to: v2
        timeout: 2s
      - name: beta
        match: [{ path: { prefix: /api/beta }, method: GET }]
        to: v3
      - name: writes
        match: [{ method: POST }]
        backends:
          - { service: reviews, version: v1, weight: 80 }
          - { service: reviews-next, weight: 20 }
        timeout: 1500ms
      - name: default
        to: { v1: 90, v2: 10 }
        timeout: 5s
    access:
      - from: [productpage]
      - from: [ratings]
        methods: [GET]
        paths: [/api/*]
    `,
  ),
  'services/reviews-next.yaml': service(
    'reviews-next',
    `
    ports: [{ name: http, port: ${PORT}, protocol: http }]
    selector: { app: reviews-next }
    serviceAccount: reviews-next
    access:
      - from: ['*']
    `,
  ),
  'services/ratings.yaml': service(
    'ratings',
    `
    ports: [{ name: http, port: ${PORT}, protocol: http }]
    selector: { app: ratings }
    serviceAccount: ratings
    access:
      - from: [reviews, reviews-next]
        methods: [GET]
        paths: [/ratings/*]
    `,
  ),
  'services/productpage.yaml': service(
    'productpage',
    `
    ports: [{ name: http, port: ${PORT}, protocol: http }]
    selector: { app: productpage }
    serviceAccount: productpage
    `,
  ),
};

// --- Compile and emit -------------------------------------------------------------------------------------------

const compiled = compileInline(SPEC, { until: 'emit' });
const emitted = compiled.emitted ?? { renders: [], diagnostics: [] };

function renderOf(mesh: string) {
  const r = emitted.renders.find((x) => x.mesh === mesh);
  if (!r) throw new Error(`no ${mesh} render`);
  const o = r.output;
  return {
    env: r.env,
    objects: [...[...o.namespaces.values()].flat(), ...o.system, ...(o.prerequisites ?? [])],
  };
}

const ISTIO = renderOf('istio');
const LINKERD = renderOf('linkerd');
const APPMESH = renderOf('appmesh');
const istioObjects = ISTIO.objects as unknown as IstioManifest[];
const linkerdObjects = LINKERD.objects as unknown as LinkerdManifest[];
const CONSUL = renderOf('consul');
const consulObjects = CONSUL.objects as unknown as ConsulManifest[];
const appmeshObjects = APPMESH.objects as unknown as AppMeshManifest[];

// --- Istio routing: a minimal VirtualService evaluator ----------------------------------------------------------

type Obj = Record<string, unknown>;
const asObj = (v: unknown) => (v ?? {}) as Obj;
const asList = (v: unknown) => (v ?? []) as unknown[];

/** A route decision both meshes are reduced to: pod sets (sorted `k=v` selectors) as shares, and the timeout. */
interface Routed {
  readonly backends: Readonly<Record<string, number>>;
  readonly timeoutMs?: number;
}
type RouteDecision = Routed | 'no-route' | { readonly ambiguous: readonly string[] };

const fqdn = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

/** Istio's StringMatch: exact / prefix / regex (RE2, whole value). */
function stringMatch(m: Obj, value: string | undefined): boolean {
  if (value === undefined) return false;
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new Error(`string match ${JSON.stringify(m)} is not modelled`);
  if (typeof m.exact === 'string') return value === m.exact;
  if (typeof m.prefix === 'string') return value.startsWith(m.prefix);
  if (typeof m.regex === 'string') return new RegExp(`^(?:${m.regex})$`).test(value);
  throw new Error(`string match ${JSON.stringify(m)} is not modelled`);
}

function istioMatch(match: Obj, req: HttpRequest): boolean {
  for (const k of Object.keys(match))
    if (!['name', 'uri', 'method', 'headers', 'queryParams'].includes(k))
      throw new Error(`match field ${k} is not modelled`);
  if (match.uri !== undefined && !stringMatch(asObj(match.uri), req.path)) return false;
  if (match.method !== undefined && !stringMatch(asObj(match.method), req.method)) return false;
  // Header names are case-insensitive (Envoy lower-cases them); values are compared as written.
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, m] of Object.entries(asObj(match.headers)))
    if (!stringMatch(asObj(m), headers[name.toLowerCase()])) return false;
  for (const [name, m] of Object.entries(asObj(match.queryParams)))
    if (!stringMatch(asObj(m), req.query?.[name])) return false;
  return true;
}

/** The pods of `host` (a cluster-local FQDN) and `subset`, as sorted `k=v` pairs like linkerd-semantics. */
function istioPods(objects: readonly IstioManifest[], host: string, subset: string | undefined): string {
  const svc = objects.find(
    (o) =>
      o.kind === 'Service' &&
      o.apiVersion === 'v1' &&
      fqdn(o.metadata.name, o.metadata.namespace ?? 'default') === host,
  );
  if (!svc) return `service ${host}`;
  const labels: Record<string, string> = { ...(asObj(asObj(svc.spec).selector) as Record<string, string>) };
  if (subset !== undefined) {
    const dr = objects.find((o) => o.kind === 'DestinationRule' && asObj(o.spec).host === host);
    const s = asList(asObj(dr?.spec).subsets)
      .map(asObj)
      .find((x) => x.name === subset);
    if (!s) throw new Error(`no subset ${subset} of ${host}: Istio answers 503`);
    Object.assign(labels, asObj(s.labels));
  }
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/**
 * What a sidecar does with `req` sent to `host`: the first `http` entry of the VirtualService for the host whose
 * matches (any entry; none = everything) match; no VirtualService: all pods of the Service, no timeout.
 */
function istioRoute(objects: readonly IstioManifest[], host: string, req: HttpRequest): RouteDecision {
  const vss = objects.filter(
    (o) => o.kind === 'VirtualService' && asList(asObj(o.spec).hosts).includes(host),
  );
  if (vss.length > 1) return { ambiguous: vss.map((v) => v.metadata.name) };
  if (!vss.length) return { backends: { [istioPods(objects, host, undefined)]: 1 } };
  for (const entry of asList(asObj(vss[0]!.spec).http).map(asObj)) {
    const matches = asList(entry.match).map(asObj);
    if (matches.length && !matches.some((m) => istioMatch(m, req))) continue;
    const route = asList(entry.route).map(asObj);
    const weights = route.map((d) =>
      d.weight === undefined ? (route.length === 1 ? 100 : 0) : Number(d.weight),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    const backends: Record<string, number> = {};
    route.forEach((d, i) => {
      if (!weights[i]) return;
      const dest = asObj(d.destination);
      const key = istioPods(objects, String(dest.host), dest.subset as string | undefined);
      backends[key] = (backends[key] ?? 0) + weights[i]! / total;
    });
    // The emitted routes say "no retries" explicitly; Linkerd's routes carry no retry annotation (checked below).
    if (JSON.stringify(entry.retries) !== JSON.stringify({ attempts: 0 }))
      throw new Error(`retries ${JSON.stringify(entry.retries)} are not compared`);
    return {
      backends: sortKeys(backends),
      ...(entry.timeout !== undefined ? { timeoutMs: durationMs(entry.timeout) } : {}),
    };
  }
  return 'no-route';
}

function sortKeys<T>(o: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function linkerdRoute(objects: readonly LinkerdManifest[], name: string, req: HttpRequest): RouteDecision {
  const d = outboundDecision(objects, { namespace: NS, name, port: PORT }, req);
  if (d.kind === 'no-route') return 'no-route';
  if (d.kind === 'ambiguous') return { ambiguous: d.routes };
  // Only weights, destinations and timeouts are compared: the spec sets nothing else.
  expect(d.retry, `${name} ${label(req)}: Linkerd retries`).toBeUndefined();
  expect(d.requestHeaders ?? d.responseHeaders ?? d.accrual).toBeUndefined();
  return { backends: sortKeys(d.backends), ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}) };
}

// --- Authorization ----------------------------------------------------------------------------------------------

interface Caller {
  /** Service account in `shop` (or `ns/sa`); undefined for a plaintext (unmeshed) caller. */
  readonly sa?: string;
  /** The kubelet sending a health probe (plaintext, node IP). */
  readonly kubelet?: boolean;
}

const CALLERS: Readonly<Record<string, Caller>> = {
  productpage: { sa: 'productpage' },
  reviews: { sa: 'reviews' },
  'reviews-next': { sa: 'reviews-next' },
  ratings: { sa: 'ratings' },
  'shop/default': { sa: 'default' },
  'other/web': { sa: 'other/web' },
  unauthenticated: {},
};

const saParts = (sa: string) => (sa.includes('/') ? sa.split('/') : [NS, sa]) as [string, string];

/** Labels of the pod that answers (reviews: a v2 pod). */
const POD_LABELS: Readonly<Record<string, Record<string, string>>> = {
  reviews: { app: 'reviews', version: 'v2' },
  'reviews-next': { app: 'reviews-next' },
  ratings: { app: 'ratings' },
  productpage: { app: 'productpage' },
};
const PROBE_PATH = '/healthz';

/**
 * Istio's PeerAuthentication for a workload: the most specific of workload-selected, namespace-wide and
 * root-namespace policies; no policy: PERMISSIVE.
 */
function istioMtlsMode(objects: readonly IstioManifest[], labels: Readonly<Record<string, string>>): string {
  const pas = objects.filter((o) => o.kind === 'PeerAuthentication');
  const selects = (o: IstioManifest) =>
    Object.entries(asObj(asObj(asObj(o.spec).selector).matchLabels)).every(([k, v]) => labels[k] === v);
  const pick =
    pas.find((o) => o.metadata.namespace === NS && asObj(o.spec).selector !== undefined && selects(o)) ??
    pas.find((o) => o.metadata.namespace === NS && asObj(o.spec).selector === undefined) ??
    pas.find((o) => o.metadata.namespace === 'istio-system' && asObj(o.spec).selector === undefined);
  if (pick && asObj(pick.spec).portLevelMtls !== undefined) throw new Error('portLevelMtls is not modelled');
  return String(asObj(asObj(pick?.spec).mtls).mode ?? 'PERMISSIVE');
}

function istioAccess(target: string, req: HttpRequest, caller: Caller): 'allow' | 'deny' {
  const labels = POD_LABELS[target]!;
  // istio-agent rewrites HTTP probes (rewriteAppHTTPProbers, on by default): the kubelet calls the agent, which
  // calls the app over localhost, past mTLS and authorization.
  if (caller.kubelet) return 'allow';
  if (caller.sa === undefined && istioMtlsMode(istioObjects, labels) === 'STRICT') return 'deny';
  const principal =
    caller.sa === undefined
      ? undefined
      : (([ns, sa]) => `cluster.local/ns/${ns}/sa/${sa}`)(saParts(caller.sa));
  return authorize(
    istioObjects.filter((o) => o.kind === 'AuthorizationPolicy'),
    { namespace: NS, labels },
    { ...(principal ? { principal } : {}), method: req.method, path: req.path },
  );
}

function linkerdAccess(target: string, req: HttpRequest, caller: Caller): string {
  const pod: Pod = {
    namespace: NS,
    labels: POD_LABELS[target]!,
    serviceAccount: target,
    ports: { http: PORT },
    probes: { [PORT]: [PROBE_PATH] },
  };
  const client: Client =
    caller.sa === undefined
      ? { ip: caller.kubelet ? '10.0.0.1' : '10.42.0.99' }
      : {
          identity: (([ns, sa]) => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`)(
            saParts(caller.sa),
          ),
          ip: '10.42.0.10',
        };
  // `not-found` (404, no inbound route) refuses the caller like 403.
  const d = inboundDecision(linkerdObjects, pod, PORT, req, client);
  return d === 'not-found' ? 'deny' : d;
}

// --- Consul: the discovery chain and intentions (test/helpers/consul-semantics.ts) -------------------------------

/**
 * The Consul service name of a service of the spec (its service account: consul-k8s registers a pod under its
 * ServiceAccount's name when ACLs are on), and back: the pods of a Consul service are those its Kubernetes
 * Service selects, narrowed by a subset to the pods carrying the subset's metadata (pods carry their version
 * labels as `consul.hashicorp.com/service-meta-<label>` annotations, as the backend README asks).
 */
const consulName = (name: string) => CONSUL.env.services.find((s) => s.name === name)!.serviceAccount;

function consulPods(target: string): string {
  const [service, subset] = target.split('/') as [string, string | undefined];
  const spec = CONSUL.env.services.find((s) => s.serviceAccount === service);
  if (!spec) return `consul service ${service}`;
  const svc = consulObjects.find(
    (o) => o.kind === 'Service' && o.apiVersion === 'v1' && o.metadata.name === spec.name,
  );
  const labels: Record<string, string> = { ...(asObj(asObj(svc?.spec).selector) as Record<string, string>) };
  if (subset !== undefined) Object.assign(labels, subsetMeta(consulObjects, service, subset));
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

function consulRoute(name: string, req: HttpRequest): RouteDecision {
  expect(chainErrors(consulObjects)).toEqual([]);
  const d = consulResolve(consulObjects, consulName(name), req);
  // Only weights, destinations and timeouts are compared: the spec sets nothing else.
  expect(d.retry ?? d.headers, `${name} ${label(req)}: Consul retries or header changes`).toBeUndefined();
  const backends: Record<string, number> = {};
  for (const [target, share] of Object.entries(d.targets)) {
    const key = consulPods(target);
    backends[key] = (backends[key] ?? 0) + share;
  }
  return { backends: sortKeys(backends), ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}) };
}

function consulAccess(target: string, req: HttpRequest, caller: Caller): string {
  // consul-k8s rewrites HTTP probes to the sidecar's expose listener (`transparent-proxy-overwrite-probes`,
  // on with transparent proxy): the kubelet reaches the app past mTLS and intentions.
  if (caller.kubelet) return 'allow';
  // A caller's Consul identity is its service account's name (Consul CE has no namespace dimension).
  const source = caller.sa === undefined ? undefined : saParts(caller.sa)[1];
  const decide = (aclDefault: 'allow' | 'deny') =>
    consulAuthorize(consulObjects, consulName(target), source, req, { aclDefault });
  // The decision must not depend on the ACL default policy (`global.acls.manageSystemACLs`).
  const deny = decide('deny');
  expect(decide('allow'), `${target} ${label(req)} from ${source}: ACL default`).toBe(deny);
  return deny;
}

// --- App Mesh: test/helpers/appmesh-semantics.ts ------------------------------------------------------------------

/**
 * App Mesh's decision for a request to a VirtualService: its pod sets (without the namespace the model prefixes)
 * and the effective timeout, App Mesh's 15s when the route sets none (see ROUTING_APPMESH_DEFAULT_TIMEOUT).
 */
function appmeshRoute(name: string, req: HttpRequest): RouteDecision {
  const d = appmeshRouteRequest(appmeshObjects, { namespace: NS, name }, req, PORT);
  if (d.kind !== 'routed') return d.kind === 'no-route' ? 'no-route' : { ambiguous: [name] };
  // The spec sets no retries: the route retries nothing, as on the other meshes (maxRetries 0 replaces App Mesh's
  // default retry policy; its one event, which App Mesh requires, is inert).
  expect(d.retry, `${name} ${label(req)}: App Mesh retries`).toMatchObject({
    maxRetries: 0,
    events: ['gateway-error'],
  });
  const backends = Object.fromEntries(
    Object.entries(d.backends).map(([k, v]) => [k.slice(k.indexOf(':') + 1), v]),
  );
  return { backends: sortKeys(backends), timeoutMs: d.timeoutMs };
}

/** The pod of a caller (its service's labels, in its namespace); undefined for plaintext callers. */
function appmeshCaller(caller: Caller): { namespace: string; labels: Record<string, string> } | undefined {
  if (caller.sa === undefined) return undefined;
  const [ns, sa] = saParts(caller.sa);
  return { namespace: ns, labels: (ns === NS ? POD_LABELS[sa] : undefined) ?? { app: sa } };
}

function appmeshAccess(target: string, _req: HttpRequest, caller: Caller): string {
  return appmeshConnect(
    appmeshObjects,
    appmeshCaller(caller),
    { namespace: NS, name: target },
    { namespace: NS, labels: POD_LABELS[target]! },
    PORT,
  );
}

// --- The request tables -----------------------------------------------------------------------------------------

const req = (method: string, path: string, headers?: Record<string, string>): HttpRequest => ({
  method,
  path,
  ...(headers ? { headers } : {}),
});
function label(r: HttpRequest): string {
  const h = Object.entries(r.headers ?? {}).map(([k, v]) => ` ${k}=${v}`);
  return `${r.method} ${r.path}${h.join('')}`;
}

const ROUTING: Readonly<Record<string, readonly HttpRequest[]>> = {
  reviews: [
    req('GET', '/'),
    req('GET', '/reviews/1', { 'end-user': 'jason' }),
    req('GET', '/', { 'End-User': 'jason' }),
    req('GET', '/', { 'end-user': 'Jason' }),
    req('GET', '/api/beta'),
    req('GET', '/api/beta/'),
    req('GET', '/api/beta/x'),
    req('GET', '/api/betamax'),
    req('GET', '/api'),
    req('HEAD', '/api/beta'),
    req('POST', '/api/beta'),
    req('POST', '/'),
    req('POST', '/api/beta', { 'end-user': 'jason' }),
    req('GET', '/api/beta/x', { 'end-user': 'jason' }),
    req('DELETE', '/reviews/1'),
    req('PUT', '/api/beta', { 'end-user': 'bob' }),
  ],
  'reviews-next': [req('GET', '/'), req('POST', '/x', { 'end-user': 'jason' })],
  ratings: [req('GET', '/ratings/1')],
  productpage: [req('GET', '/productpage')],
};

const ACCESS: Readonly<Record<string, readonly HttpRequest[]>> = {
  reviews: [
    req('GET', '/api/x'),
    req('GET', '/api/'),
    req('GET', '/api'),
    req('GET', '/apix'),
    req('POST', '/api/x'),
    req('GET', '/reviews/1'),
    req('DELETE', '/reviews/1'),
  ],
  'reviews-next': [req('GET', '/'), req('POST', '/x')],
  ratings: [
    req('GET', '/ratings/1'),
    req('GET', '/ratings/'),
    req('GET', '/ratings'),
    req('POST', '/ratings/1'),
    req('GET', '/other'),
  ],
  productpage: [req('GET', '/productpage'), req('POST', '/login')],
};

/** How the output of one mesh is read: where a request to a service goes, and whether a caller is admitted. */
interface MeshReader {
  route(name: string, r: HttpRequest): RouteDecision;
  access(target: string, r: HttpRequest, caller: Caller): string;
}

/** A reader per registered backend (tested): the rows below evaluate every one of them. */
const READERS: Readonly<Record<string, MeshReader>> = {
  istio: { route: (name, r) => istioRoute(istioObjects, fqdn(name, NS), r), access: istioAccess },
  linkerd: { route: (name, r) => linkerdRoute(linkerdObjects, name, r), access: linkerdAccess },
  consul: { route: consulRoute, access: consulAccess },
  appmesh: { route: appmeshRoute, access: appmeshAccess },
};

/** The mesh every other one is compared with: the first of the registry. */
const REFERENCE = knownMeshes()[0]!;

/** One request, and what each mesh decides for it (keyed by mesh). */
interface Row {
  readonly label: string;
  readonly [mesh: string]: unknown;
}

const row = (label: string, decide: (reader: MeshReader) => unknown): Row => ({
  label,
  ...Object.fromEntries(knownMeshes().map((m) => [m, decide(READERS[m]!)])),
});

const routingRows = (): Row[] =>
  Object.entries(ROUTING).flatMap(([name, requests]) =>
    requests.map((r) => row(`route ${name} ${label(r)}`, (m) => m.route(name, r))),
  );

const accessRows = (): Row[] =>
  Object.entries(ACCESS).flatMap(([target, requests]) =>
    requests.flatMap((r) =>
      Object.entries(CALLERS).map(([callerName, caller]) =>
        row(`access ${target} ${callerName} ${label(r)}`, (m) => m.access(target, r, caller)),
      ),
    ),
  );

/** The kubelet's health probe on each service's port. */
const probeRows = (): Row[] =>
  Object.keys(ACCESS).map((target) =>
    row(`probe ${target} kubelet GET ${PROBE_PATH}`, (m) =>
      m.access(target, req('GET', PROBE_PATH), { kubelet: true }),
    ),
  );

/**
 * Every row whose decisions may differ, with the matrix feature that lists the difference. `access.l7`: "inbound
 * HTTPRoutes ... on the port's Server plus a catch-all route: Linkerd then stops authorizing kubelet probes on
 * that port implicitly and meshc does not know the probe paths".
 */
const EXPECTED_DIFFERENCES: Readonly<Record<string, FeatureId>> = {
  [`probe reviews kubelet GET ${PROBE_PATH}`]: 'access.l7',
  [`probe ratings kubelet GET ${PROBE_PATH}`]: 'access.l7',
};

/**
 * The same for App Mesh: each row under a feature App Mesh marks `approximate`, or under a feature it cannot
 * express that its environment here leaves out (APPMESH_ADAPTED). `access`: "`*` admits the meshed services of
 * this environment (a pod meshc does not know has no VirtualNode)"; `mesh.mtls.strict`: "only pods a VirtualNode
 * selects hold mesh certificates, so other pods are refused, and kubelet HTTP probes on a strict port fail".
 */
const APPMESH_EXPECTED_DIFFERENCES: Readonly<Record<string, FeatureId>> = {
  ...Object.fromEntries(
    ['GET /', 'POST /x'].flatMap((r) =>
      ['shop/default', 'other/web'].map((c) => [`access reviews-next ${c} ${r}`, 'access' as const]),
    ),
  ),
  ...Object.fromEntries(
    ['GET /productpage', 'POST /login'].flatMap((r) =>
      ['shop/default', 'other/web'].map((c) => [`access productpage ${c} ${r}`, 'mesh.mtls.strict' as const]),
    ),
  ),
  ...Object.fromEntries(
    Object.keys(ACCESS).map((t) => [`probe ${t} kubelet GET ${PROBE_PATH}`, 'mesh.mtls.strict' as const]),
  ),
  // The method/path narrowing the App Mesh environment leaves out: ratings may call reviews (`/api/*`, GET) ...
  ...Object.fromEntries(
    ['GET /api', 'GET /apix', 'POST /api/x', 'GET /reviews/1', 'DELETE /reviews/1'].map((r) => [
      `access reviews ratings ${r}`,
      'access.l7' as const,
    ]),
  ),
  // ... and reviews and reviews-next may call ratings (`/ratings/*`, GET).
  ...Object.fromEntries(
    ['GET /ratings', 'POST /ratings/1', 'GET /other'].flatMap((r) =>
      ['reviews', 'reviews-next'].map((c) => [`access ratings ${c} ${r}`, 'access.l7' as const]),
    ),
  ),
};

/** Features App Mesh cannot express that its environment of this test leaves out (overrides in ENV_EXTRA). */
const APPMESH_ADAPTED: readonly FeatureId[] = ['access.l7'];

/** A mesh decides as the reference mesh does (every mesh, unless one is named). */
const same = (r: Row, meshes: readonly string[] = knownMeshes()) =>
  meshes.every((m) => JSON.stringify(r[m]) === JSON.stringify(r[REFERENCE]));
const OTHERS = () => knownMeshes().filter((m) => m !== 'appmesh');

// --- Warnings: each one is a row the matrix marks approximate for Linkerd -----------------------------------

/** The Linkerd-approximate feature a warning is about: its pointer or location is a use of the feature. */
function featureOf(
  d: { pointer?: string; location?: { file: string; line: number; col: number } },
  environment: ResolvedEnvironment,
  capabilities: typeof LINKERD_CAPABILITIES,
): FeatureId[] {
  const found = new Set<FeatureId>();
  for (const f of FEATURES) {
    if (capabilities[f.id]?.support !== 'approximate') continue;
    const uses: { path: DataPath; origin: (p: DataPath) => { file: string; line: number; col: number } }[] =
      f.scope === 'service'
        ? environment.services.flatMap((s) => f.usedBy(s).map((path) => ({ path, origin: s.origin })))
        : f.usedBy(environment).map((path) => ({ path, origin: environment.origin }));
    for (const { path, origin } of uses) {
      const at = origin(path);
      if (d.location?.file !== at.file) continue;
      if (d.pointer !== undefined) {
        if (d.pointer === toPointer(['spec', ...path])) found.add(f.id);
        continue;
      }
      // Backend warnings carry no pointer: they point at the use or at an element containing it.
      for (let n = path.length; n >= 2; n--) {
        const p = origin(path.slice(0, n));
        if (p.line === d.location.line && p.col === d.location.col) found.add(f.id);
      }
    }
  }
  return [...found].sort();
}

// --- Tests ------------------------------------------------------------------------------------------------------

describe('one spec, Istio 1.24, Linkerd 2.18, Consul 1.21 and App Mesh 1.13 (all mtls: strict)', () => {
  it('covers every registered backend: a version at or above its minimum and a reader of its output', () => {
    for (const mesh of knownMeshes()) {
      expect(VERSIONS[mesh], `${mesh}: add its version to VERSIONS`).toBeDefined();
      expect(READERS[mesh], `${mesh}: add a reader of its output to READERS`).toBeDefined();
      const [a, b] = VERSIONS[mesh]!.split('.').map(Number) as [number, number];
      const [c, d] = backendFor(mesh)!.minVersion.split('.').map(Number) as [number, number];
      expect(a > c || (a === c && b >= d), mesh).toBe(true);
    }
    expect(Object.keys(READERS).sort()).toEqual([...knownMeshes()].sort());
  });

  it('compiles without errors into one environment per mesh that differ only in mesh', () => {
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(emitted.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(
      emitted.renders.map((r) => `${r.env.name}:${r.mesh}:${r.env.mesh.version}:${r.env.mesh.mtls}`).sort(),
    ).toEqual(
      knownMeshes()
        .map((m) => `mesh-${m}:${m}:${VERSIONS[m]}:strict`)
        .sort(),
    );
    for (const m of knownMeshes())
      expect(
        renderOf(m).env.services.map((s) => s.id),
        m,
      ).toEqual(ISTIO.env.services.map((s) => s.id));
  });

  it('every warning is MESH_APPROXIMATE_FEATURE on a feature the matrix marks approximate for Linkerd', () => {
    const warnings = [...compiled.diagnostics, ...emitted.diagnostics].filter((d) => d.severity !== 'error');
    const seen = new Set<string>();
    const unique = warnings.filter((d) => {
      const k = `${d.code} ${d.pointer} ${d.location?.file}:${d.location?.line}:${d.location?.col} ${d.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    expect(unique.length).toBeGreaterThan(0);
    // App Mesh's own: the end-of-support warning once, and approximations of features App Mesh marks so.
    const isAppMesh = (w: (typeof unique)[number]) =>
      w.location?.file === 'environments/appmesh.yaml' || / environment mesh-appmesh\b/.test(w.message);
    const appmeshWarnings = unique.filter(isAppMesh);
    expect(appmeshWarnings.filter((w) => w.code === 'APPMESH_END_OF_SUPPORT').length).toBe(1);
    // And once, at the environment, the Mesh's egress filter DROP_ALL that the spec's access rules switch on.
    const egress = appmeshWarnings.filter((w) => w.message.includes('`egressFilter: DROP_ALL`'));
    expect(egress.length).toBe(1);
    for (const w of appmeshWarnings.filter(
      (x) => x.code !== 'APPMESH_END_OF_SUPPORT' && !egress.includes(x),
    )) {
      expect(w.code, w.message).toBe('MESH_APPROXIMATE_FEATURE');
      const features = featureOf(w, APPMESH.env, APPMESH_CAPABILITIES);
      expect(features, w.message).not.toEqual([]);
    }
    for (const w of unique.filter((x) => !isAppMesh(x))) {
      expect(w.code, w.message).toBe('MESH_APPROXIMATE_FEATURE');
      const features = featureOf(w, LINKERD.env, LINKERD_CAPABILITIES);
      expect(features, w.message).not.toEqual([]);
      for (const f of features) {
        expect(LINKERD_CAPABILITIES[f]!.support).toBe('approximate');
        expect(ISTIO_CAPABILITIES[f]!.support, `${f} on Istio`).toBe('exact');
      }
    }
    // The one approximation this spec uses: access narrowed by method and path.
    expect([
      ...new Set(
        unique.filter((w) => !isAppMesh(w)).flatMap((w) => featureOf(w, LINKERD.env, LINKERD_CAPABILITIES)),
      ),
    ]).toEqual(['access.l7']);
  });

  it('routing: the same destinations with the same shares and the same timeout for every request', () => {
    const rows = routingRows();
    for (const r of rows) {
      expect(JSON.stringify(r.istio), r.label).not.toContain('ambiguous');
      expect(JSON.stringify(r.linkerd), r.label).not.toContain('ambiguous');
    }
    expect(
      rows
        .filter((r) => !same(r, OTHERS()))
        .map((r) => `${r.label}: istio ${JSON.stringify(r.istio)} linkerd ${JSON.stringify(r.linkerd)}`),
    ).toEqual([]);
    // App Mesh: the same pods and shares everywhere; the timeout differs exactly where the route sets none
    // (App Mesh's 15s default), which `route.timeout` (approximate) says.
    const withoutTimeout = rows.filter(
      (r) => typeof r.istio === 'object' && !('timeoutMs' in (r.istio as object)),
    );
    expect(withoutTimeout.length).toBeGreaterThan(0);
    for (const r of rows) {
      const expected = withoutTimeout.includes(r) ? { ...(r.istio as object), timeoutMs: 15_000 } : r.istio;
      expect(r.appmesh, r.label).toEqual(expected);
    }
    expect(APPMESH_CAPABILITIES['route.timeout'].support).toBe('approximate');
    expect(APPMESH_CAPABILITIES['route.timeout'].note).toContain('15s default');
  });

  it('access: the same allow/deny for every request and caller; the only differences are listed by the matrix', () => {
    const rows = [...accessRows(), ...probeRows()];
    for (const r of rows) expect(['allow', 'deny'], r.label).toContain(r.linkerd);
    for (const r of rows) expect(['allow', 'deny'], r.label).toContain(r.appmesh);
    const differing = rows.filter((r) => !same(r, OTHERS())).map((r) => r.label);
    expect(differing.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCES).sort());
    const appmeshDiffering = rows.filter((r) => !same(r, ['appmesh'])).map((r) => r.label);
    expect(appmeshDiffering.sort()).toEqual(Object.keys(APPMESH_EXPECTED_DIFFERENCES).sort());
    for (const f of Object.values(APPMESH_EXPECTED_DIFFERENCES)) {
      const support = APPMESH_CAPABILITIES[f].support;
      expect(support === 'approximate' || (support === 'unsupported' && APPMESH_ADAPTED.includes(f)), f).toBe(
        true,
      );
      expect(ISTIO_CAPABILITIES[f]!.support).toBe('exact');
    }
    for (const f of Object.values(EXPECTED_DIFFERENCES)) {
      expect(LINKERD_CAPABILITIES[f]!.support).toBe('approximate');
      expect(ISTIO_CAPABILITIES[f]!.support).toBe('exact');
    }
  });

  describe('the decisions, spelled out (so that "equal" is not "equally empty")', () => {
    const routed = (name: string, r: HttpRequest) => istioRoute(istioObjects, fqdn(name, NS), r);
    const V = (v: string) => `app=reviews,version=${v}`;

    it('weights, header, path-prefix and method matches, backends and timeouts', () => {
      expect(routed('reviews', req('GET', '/'))).toEqual({
        backends: { [V('v1')]: 0.9, [V('v2')]: 0.1 },
        timeoutMs: 5000,
      });
      expect(routed('reviews', req('GET', '/', { 'End-User': 'jason' }))).toEqual({
        backends: { [V('v2')]: 1 },
        timeoutMs: 2000,
      });
      expect(routed('reviews', req('POST', '/api/beta', { 'end-user': 'jason' }))).toEqual({
        backends: { [V('v2')]: 1 },
        timeoutMs: 2000,
      });
      expect(routed('reviews', req('GET', '/api/beta/x'))).toEqual({ backends: { [V('v3')]: 1 } });
      expect(routed('reviews', req('GET', '/api/betamax'))).toEqual(routed('reviews', req('GET', '/')));
      expect(routed('reviews', req('POST', '/'))).toEqual({
        backends: { 'app=reviews-next': 0.2, [V('v1')]: 0.8 },
        timeoutMs: 1500,
      });
      expect(routed('ratings', req('GET', '/ratings/1'))).toEqual({ backends: { 'app=ratings': 1 } });
    });

    it('access: who is allowed', () => {
      const allowed = accessRows()
        .filter((r) => r.istio === 'allow')
        .map((r) => r.label);
      const callers = (target: string, r: string) =>
        allowed
          .filter((l) => l.startsWith(`access ${target} `) && l.endsWith(` ${r}`))
          .map((l) => l.split(' ')[2]);
      expect(callers('reviews', 'GET /api/x')).toEqual(['productpage', 'ratings']);
      expect(callers('reviews', 'GET /api')).toEqual(['productpage']);
      expect(callers('reviews', 'POST /api/x')).toEqual(['productpage']);
      expect(callers('ratings', 'GET /ratings/1')).toEqual(['reviews', 'reviews-next']);
      expect(callers('ratings', 'POST /ratings/1')).toEqual([]);
      // `*` under strict mTLS: every meshed identity, no plaintext caller.
      expect(callers('reviews-next', 'POST /x')).toEqual([
        'productpage',
        'reviews',
        'reviews-next',
        'ratings',
        'shop/default',
        'other/web',
      ]);
      // No access rules: the strict default (any meshed caller).
      expect(callers('productpage', 'GET /productpage')).toEqual(callers('reviews-next', 'POST /x'));
    });
  });
});

// --- Multi-port services (issue 10) -----------------------------------------------------------------------------

/**
 * A service with an HTTP and a gRPC port (and a TCP port): both meshes apply the spec's rules, in the spec's
 * order, to the requests of each HTTP port. Istio through `routeRequest` of istio-semantics (which also says
 * which port a request reaches, checked to be the port it was sent to), Linkerd through `outboundDecision` on
 * each Service port (GAMMA routes attach per port).
 */
describe('multi-port service: both meshes route each HTTP port by the same rules', () => {
  const ORDERS = service(
    'orders',
    `
    ports:
      - { name: http, port: 8080, protocol: http }
      - { name: grpc, port: 9090, protocol: grpc }
      - { name: db, port: 5432, protocol: tcp }
    selector: { app: orders }
    serviceAccount: orders
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
    routes:
      - name: canary
        match: [{ headers: { x-canary: { exact: "1" } } }]
        to: v2
        timeout: 2s
      - name: split
        to: { v1: 80, v2: 20 }
    `,
  );
  const c = compileInline(
    {
      'environments/istio.yaml': SPEC['environments/istio.yaml']!,
      'environments/linkerd.yaml': SPEC['environments/linkerd.yaml']!,
      'services/orders.yaml': ORDERS,
    },
    { until: 'emit' },
  );
  const objectsOf = (mesh: string) => {
    const o = c.emitted!.renders.find((r) => r.mesh === mesh)!.output;
    return [...[...o.namespaces.values()].flat(), ...o.system];
  };
  const istioOut = objectsOf('istio') as unknown as IstioManifest[];
  const linkerdOut = objectsOf('linkerd') as unknown as LinkerdManifest[];
  const pods = (subset: string) => `app=orders,version=${subset}`;

  /** Istio's decision as pod sets and shares; every destination must be on the port the request was sent to. */
  function istio(port: number, r: HttpRequest) {
    const out = routeRequest(istioOut, { host: fqdn('orders', NS), port, ...r });
    if (out.kind !== 'http') return out.kind;
    const backends: Record<string, number> = {};
    for (const [key, share] of Object.entries(out.to)) {
      const [, subset, p] = key.split('|');
      expect(Number(p), `${port} ${label(r)}`).toBe(port);
      backends[pods(subset!)] = share;
    }
    const vs = istioOut.find((o) => o.kind === 'VirtualService')!;
    const entry = (vs.spec as { http: { name: string; timeout?: string }[] }).http.find(
      (h) => h.name === out.route,
    );
    return {
      backends: sortKeys(backends),
      ...(entry?.timeout !== undefined ? { timeoutMs: durationMs(entry.timeout) } : {}),
    };
  }

  function linkerd(port: number, r: HttpRequest) {
    const d = outboundDecision(linkerdOut, { namespace: NS, name: 'orders', port }, r);
    if (d.kind !== 'routed') return d.kind;
    return {
      backends: sortKeys(d.backends),
      ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
    };
  }

  const requests = [
    req('POST', '/orders.v1.Orders/Get'),
    req('POST', '/orders.v1.Orders/Get', { 'x-canary': '1' }),
  ];

  it('compiles without errors', () => {
    expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  });

  it.each([8080, 9090])('port %i: the same pods, shares and timeouts; Istio stays on the port', (port) => {
    for (const r of requests) expect(istio(port, r), `${port} ${label(r)}`).toEqual(linkerd(port, r));
    expect(istio(port, requests[1]!)).toEqual({ backends: { [pods('v2')]: 1 }, timeoutMs: 2000 });
    expect(istio(port, requests[0]!)).toEqual({ backends: { [pods('v1')]: 0.8, [pods('v2')]: 0.2 } });
  });

  it('the TCP port gets no HTTP route on Istio', () => {
    expect(istio(5432, requests[1]!)).toBe('tcp');
  });
});
