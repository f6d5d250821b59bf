/**
 * A small model of how AWS App Mesh reads `appmesh.k8s.aws/v1beta2` objects, to compare meshc's output with the
 * manifests of the aws-app-mesh-examples Kubernetes walkthroughs by what they *do* (test/upstream-appmesh.test.ts,
 * test/cross-mesh.test.ts):
 *
 * - `routeRequest`: what a client's Envoy does with one request to a VirtualService: the provider (a
 *   VirtualRouter or a VirtualNode), the router route that matches with the lowest `priority` (routes without a
 *   priority after every prioritized one; two matching at the same priority are ambiguous), its weighted targets
 *   as shares of pod sets (each VirtualNode's pod selector), the effective request timeout (the route's
 *   `timeout.perRequest`, else App Mesh's 15s, capped by each target listener's `timeout.<protocol>.perRequest`,
 *   else 15s) and the retry policy (absent: App Mesh's default policy).
 * - `gatewayRequest`: what a VirtualGateway's Envoy does with one request: the GatewayRoute of a namespace the
 *   gateway selects that matches (host, prefix / path, lowest priority), the path after App Mesh's default prefix
 *   rewrite (the matched prefix replaced by `/` unless `rewrite.prefix.defaultPrefix: DISABLED`), then
 *   `routeRequest` on the target VirtualService.
 * - `connect`: whether a caller reaches a pod of a VirtualService: a meshed caller (a pod one VirtualNode selects)
 *   must list the VirtualService among its node's `backends` when the Mesh's egress filter is DROP_ALL; then the
 *   TLS handshake between the caller's client policy and the pod's listener (mode, certificates, SAN lists); an
 *   unmeshed caller (or the kubelet) speaks plaintext, which only a STRICT listener refuses.
 * - `listenerPolicy`: the destination-side policy of the listener a pod's node serves a port with (outlier
 *   detection, connection pool).
 *
 * Sources: aws/aws-app-mesh-controller-for-k8s v1.13.3 `apis/appmesh/v1beta2/*_types.go`,
 * `webhooks/appmesh/*_validator.go`; AWS App Mesh user guide (route priority, default route timeout and retry
 * policy, gateway route prefix rewrite). Independent of meshc's code on purpose. Anything it does not model throws.
 */
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: unknown;
  [k: string]: unknown;
}

type Obj = Record<string, unknown>;

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** The authority (gateway requests). */
  readonly host?: string;
}

/** App Mesh's default per-request timeout (route and listener). */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Parses a multi-document YAML file, `${VAR}` placeholders substituted from `vars` first. */
/** A walkthrough's `${VAR}` placeholders filled in, as its deploy script does (an unknown one is an error). */
export function fillWalkthrough(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`no value for \${${name}}`);
    return v;
  });
}

/** The variables of a walkthrough deployed to namespace `ns` (its mesh named `mesh`, by default after `ns`). */
export function walkthroughVars(ns: string, mesh = ns): Record<string, string> {
  return { APP_NAMESPACE: ns, MESH_NAME: mesh, CLOUDMAP_NAMESPACE: `${ns}.pvt.aws.local` };
}

export function parseManifests(text: string, vars: Readonly<Record<string, string>> = {}): Manifest[] {
  return parseAllDocuments(fillWalkthrough(text, vars))
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
      return d.toJS() as Manifest | null;
    })
    .filter((o): o is Manifest => o !== null && o !== undefined);
}

const asObj = (v: unknown): Obj => (v ?? {}) as Obj;
const asList = (v: unknown): Obj[] => (v ?? []) as Obj[];
const isAppMesh = (o: Manifest) => o.apiVersion === 'appmesh.k8s.aws/v1beta2';

function find(objects: readonly Manifest[], kind: string, name: string, namespace?: string): Manifest {
  const hits = objects.filter(
    (o) =>
      isAppMesh(o) &&
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (hits.length !== 1) throw new Error(`${kind} ${namespace ?? ''}/${name}: ${hits.length} objects`);
  return hits[0]!;
}

/** Milliseconds of an App Mesh duration `{unit: s|ms, value}`. */
export function ms(d: unknown): number {
  const { unit, value } = asObj(d);
  if (typeof value !== 'number' || (unit !== 's' && unit !== 'ms'))
    throw new Error(`duration ${JSON.stringify(d)}`);
  return unit === 's' ? value * 1000 : value;
}

/** A pod set: a VirtualNode's pod selector as sorted `k=v` pairs (namespace-qualified). */
export function podSet(node: Manifest): string {
  const sel = asObj(asObj(node.spec).podSelector);
  if (sel.matchExpressions !== undefined) throw new Error('podSelector.matchExpressions is not modelled');
  const labels = Object.entries(asObj(sel.matchLabels) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
  return `${node.metadata.namespace}:${labels}`;
}

// --- Matching ----------------------------------------------------------------------------------------------------

/** Envoy's string match (regex: RE2 over the whole value; JavaScript's syntax is close enough for the tests). */
function stringMatch(m: Obj | undefined, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m === undefined) return true; // no match block: the header must be present
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new Error(`string match ${JSON.stringify(m)}`);
  if (typeof m.exact === 'string') return value === m.exact;
  if (typeof m.prefix === 'string') return value.startsWith(m.prefix);
  if (typeof m.suffix === 'string') return value.endsWith(m.suffix);
  if (typeof m.regex === 'string') return new RegExp(`^(?:${m.regex})$`).test(value);
  throw new Error(`string match ${JSON.stringify(m)} is not modelled`);
}

function httpMatch(match: Obj, req: HttpRequest, port: number | undefined): boolean {
  for (const k of Object.keys(match))
    if (!['prefix', 'path', 'headers', 'queryParameters', 'method', 'port', 'hostname'].includes(k))
      throw new Error(`match field ${k} is not modelled`);
  if (typeof match.prefix === 'string' && !req.path.startsWith(match.prefix)) return false;
  const path = asObj(match.path);
  if (typeof path.exact === 'string' && req.path !== path.exact) return false;
  if (typeof path.regex === 'string' && !new RegExp(`^(?:${path.regex})$`).test(req.path)) return false;
  if (match.method !== undefined && req.method !== match.method) return false;
  if (match.port !== undefined && port !== undefined && match.port !== port) return false;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const h of asList(match.headers)) {
    const ok = stringMatch(h.match as Obj | undefined, headers[String(h.name).toLowerCase()]);
    if (ok === (h.invert === true)) return false;
  }
  for (const q of asList(match.queryParameters))
    if (!stringMatch(q.match as Obj | undefined, req.query?.[String(q.name)])) return false;
  if (match.hostname !== undefined) {
    const host = req.host;
    const hm = asObj(match.hostname);
    if (host === undefined) return false;
    if (typeof hm.exact === 'string' && host !== hm.exact) return false;
    if (typeof hm.suffix === 'string' && !host.endsWith(hm.suffix)) return false;
  }
  return true;
}

/** The entry with the lowest priority among matching ones (no priority: after all); ties are ambiguous. */
function pick<T extends Obj>(entries: readonly T[], matches: (e: T) => boolean): T | 'none' | 'ambiguous' {
  const hits = entries.filter(matches);
  if (!hits.length) return 'none';
  const prio = (e: T) => (typeof e.priority === 'number' ? e.priority : 1001);
  const best = Math.min(...hits.map(prio));
  const top = hits.filter((e) => prio(e) === best);
  return top.length === 1 ? top[0]! : 'ambiguous';
}

// --- Routing -----------------------------------------------------------------------------------------------------

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly perRetryTimeoutMs: number;
  /** HTTP and TCP retry events, sorted. */
  readonly events: readonly string[];
}

export type RouteDecision =
  | {
      readonly kind: 'routed';
      readonly route?: string;
      /** Pod sets (see {@link podSet}) and their share of the requests. */
      readonly backends: Readonly<Record<string, number>>;
      readonly timeoutMs: number;
      /** `default`: App Mesh's own retry policy applies. */
      readonly retry: RetryPolicy | 'default';
      /** The VirtualNodes of the backends. */
      readonly nodes: readonly Manifest[];
    }
  | { readonly kind: 'no-route' | 'ambiguous' };

function listenerTimeout(node: Manifest, port: number | undefined): number {
  const listeners = asList(asObj(node.spec).listeners);
  const l = listeners.find((x) => port === undefined || asObj(x.portMapping).port === port) ?? listeners[0];
  const t = asObj(asObj(l).timeout);
  const proto = String(asObj(asObj(l).portMapping).protocol);
  const per = asObj(t[proto]).perRequest;
  return per === undefined ? DEFAULT_TIMEOUT_MS : ms(per);
}

/** What a client's Envoy does with `req` to the VirtualService `namespace/name` (on `port` when several). */
export function routeRequest(
  objects: readonly Manifest[],
  vs: { readonly namespace: string; readonly name: string },
  req: HttpRequest,
  port?: number,
): RouteDecision {
  const service = find(objects, 'VirtualService', vs.name, vs.namespace);
  const provider = asObj(asObj(service.spec).provider);
  const nodeRef = asObj(asObj(provider.virtualNode).virtualNodeRef);
  if (nodeRef.name !== undefined) {
    const node = find(
      objects,
      'VirtualNode',
      String(nodeRef.name),
      String(nodeRef.namespace ?? vs.namespace),
    );
    return {
      kind: 'routed',
      backends: { [podSet(node)]: 1 },
      timeoutMs: listenerTimeout(node, port),
      retry: 'default',
      nodes: [node],
    };
  }
  const routerRef = asObj(asObj(provider.virtualRouter).virtualRouterRef);
  const routerNs = String(routerRef.namespace ?? vs.namespace);
  const router = find(objects, 'VirtualRouter', String(routerRef.name), routerNs);
  const routes = asList(asObj(router.spec).routes).map((r) => {
    const key = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'].find((k) => r[k] !== undefined);
    if (key === 'grpcRoute' || key === 'tcpRoute' || key === undefined)
      throw new Error(`route ${String(r.name)}: ${key} is not modelled`);
    return { ...r, body: asObj(r[key]) } as Obj & { body: Obj };
  });
  const chosen = pick(routes, (r) => httpMatch(asObj(r.body.match), req, port));
  if (chosen === 'none') return { kind: 'no-route' };
  if (chosen === 'ambiguous') return { kind: 'ambiguous' };
  const targets = asList(asObj(chosen.body.action).weightedTargets);
  const total = targets.reduce((a, t) => a + Number(t.weight), 0);
  const backends: Record<string, number> = {};
  const nodes: Manifest[] = [];
  let timeoutMs = chosen.body.timeout ? ms(asObj(chosen.body.timeout).perRequest) : DEFAULT_TIMEOUT_MS;
  for (const t of targets) {
    if (!Number(t.weight)) continue;
    const ref = asObj(t.virtualNodeRef);
    const node = find(objects, 'VirtualNode', String(ref.name), String(ref.namespace ?? routerNs));
    nodes.push(node);
    const key = podSet(node);
    backends[key] = (backends[key] ?? 0) + Number(t.weight) / total;
    timeoutMs = Math.min(timeoutMs, listenerTimeout(node, typeof t.port === 'number' ? t.port : port));
  }
  const rp = chosen.body.retryPolicy as Obj | undefined;
  const retry: RetryPolicy | 'default' = rp
    ? {
        maxRetries: Number(rp.maxRetries),
        perRetryTimeoutMs: ms(rp.perRetryTimeout),
        events: [
          ...((rp.httpRetryEvents as string[] | undefined) ?? []),
          ...((rp.tcpRetryEvents as string[] | undefined) ?? []),
        ].sort(),
      }
    : 'default';
  return {
    kind: 'routed',
    route: String(chosen.name),
    backends: Object.fromEntries(Object.entries(backends).sort(([a], [b]) => (a < b ? -1 : 1))),
    timeoutMs,
    retry,
    nodes,
  };
}

// --- Gateway -----------------------------------------------------------------------------------------------------

export type GatewayDecision =
  | {
      readonly kind: 'routed';
      readonly virtualService: string;
      readonly path: string;
      readonly route: RouteDecision;
    }
  | { readonly kind: 'no-route' | 'ambiguous' };

function namespaceLabels(objects: readonly Manifest[], name: string): Record<string, string> {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name);
  if (!ns) throw new Error(`Namespace ${name} is not among the objects`);
  return ns.metadata.labels ?? {};
}

/** What the VirtualGateway `namespace/name` does with `req`. */
export function gatewayRequest(
  objects: readonly Manifest[],
  gw: { readonly namespace: string; readonly name: string },
  req: HttpRequest,
): GatewayDecision {
  const gateway = find(objects, 'VirtualGateway', gw.name, gw.namespace);
  const selector = asObj(asObj(asObj(gateway.spec).namespaceSelector).matchLabels) as Record<string, string>;
  const attached = objects
    .filter((o) => isAppMesh(o) && o.kind === 'GatewayRoute')
    .filter((o) => {
      const labels = namespaceLabels(objects, o.metadata.namespace!);
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    })
    .map((o) => ({ ...asObj(o.spec), o }) as Obj & { o: Manifest });
  const body = (r: Obj) => {
    if (r.httpRoute === undefined) throw new Error('only httpRoute gateway routes are modelled');
    return asObj(r.httpRoute);
  };
  const chosen = pick(attached, (r) => httpMatch(asObj(body(r).match), req, undefined));
  if (chosen === 'none') return { kind: 'no-route' };
  if (chosen === 'ambiguous') return { kind: 'ambiguous' };
  const { match, action } = body(chosen) as { match: Obj; action: Obj };
  let path = req.path;
  const rewrite = asObj(asObj(action.rewrite).prefix);
  if (typeof match.prefix === 'string' && rewrite.defaultPrefix !== 'DISABLED') {
    if (rewrite.value !== undefined) throw new Error('rewrite.prefix.value is not modelled');
    const rest = path.slice(match.prefix.length);
    path = rest.startsWith('/') ? rest : `/${rest}`;
  }
  const ref = asObj(asObj(asObj(action.target).virtualService).virtualServiceRef);
  const vs = { namespace: String(ref.namespace ?? chosen.o.metadata.namespace), name: String(ref.name) };
  return {
    kind: 'routed',
    virtualService: `${vs.namespace}/${vs.name}`,
    path,
    route: routeRequest(objects, vs, { ...req, path }),
  };
}

// --- Connections: backends and TLS -------------------------------------------------------------------------------

export interface Caller {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The VirtualNode selecting a pod (undefined: the pod is not part of the mesh). */
export function nodeOf(objects: readonly Manifest[], pod: Caller): Manifest | undefined {
  const hits = objects.filter(
    (o) =>
      isAppMesh(o) &&
      o.kind === 'VirtualNode' &&
      o.metadata.namespace === pod.namespace &&
      Object.entries(asObj(asObj(asObj(o.spec).podSelector).matchLabels)).every(
        ([k, v]) => pod.labels[k] === v,
      ),
  );
  if (hits.length > 1)
    throw new Error(
      `pod ${JSON.stringify(pod)}: selected by ${hits.length} VirtualNodes (the injector refuses it)`,
    );
  return hits[0];
}

function listenerOf(node: Manifest, port: number): Obj {
  const l = asList(asObj(node.spec).listeners).find((x) => asObj(x.portMapping).port === port);
  if (!l) throw new Error(`${node.metadata.name}: no listener on ${port}`);
  return l;
}

const sdsName = (v: unknown) => asObj(asObj(v).sds).secretName as string | undefined;

/**
 * Whether `caller` (undefined: plaintext from outside the mesh, the kubelet included) reaches the pod `target`
 * (its labels; served by its VirtualNode's listener on `port`) through the VirtualService `vs`.
 */
export function connect(
  objects: readonly Manifest[],
  caller: Caller | undefined,
  vs: { readonly namespace: string; readonly name: string },
  target: Caller,
  port: number,
): 'allow' | 'deny' {
  const server = nodeOf(objects, target);
  if (!server) throw new Error(`no VirtualNode selects the target ${JSON.stringify(target)}`);
  const listenerTls = asObj(listenerOf(server, port).tls);
  const mode = (listenerTls.mode as string | undefined) ?? 'DISABLED';
  const client = caller ? nodeOf(objects, caller) : undefined;
  if (!client) return mode === 'STRICT' ? 'deny' : 'allow';
  const backend = asList(asObj(client.spec).backends).find((b) => {
    const ref = asObj(asObj(b.virtualService).virtualServiceRef);
    return ref.name === vs.name && (ref.namespace ?? client.metadata.namespace) === vs.namespace;
  });
  if (!backend) {
    const mesh = objects.filter((o) => isAppMesh(o) && o.kind === 'Mesh');
    if (mesh.length !== 1) throw new Error(`${mesh.length} Mesh objects`);
    const egress = asObj(asObj(mesh[0]!.spec).egressFilter).type ?? 'DROP_ALL';
    // ALLOW_ALL: the connection leaves as plain TCP to the address dialed, outside the mesh's routing and TLS.
    return egress === 'DROP_ALL' ? 'deny' : mode === 'STRICT' ? 'deny' : 'allow';
  }
  const policy = asObj(
    asObj(asObj(backend.virtualService).clientPolicy).tls ??
      asObj(asObj(asObj(client.spec).backendDefaults).clientPolicy).tls,
  );
  const clientTls = Object.keys(policy).length > 0 && policy.enforce !== false;
  if (mode === 'DISABLED') return clientTls ? 'deny' : 'allow';
  if (!clientTls) return mode === 'STRICT' ? 'deny' : 'allow';
  // The client verifies the server: trust kind and the server certificate's SAN.
  const serverCert = asObj(listenerTls.certificate);
  const clientTrust = asObj(asObj(policy.validation).trust);
  const kind = (o: Obj) => Object.keys(o)[0];
  const compatible = { acm: 'acm', sds: 'sds', file: 'file' }[kind(serverCert) ?? ''];
  if (compatible !== kind(clientTrust)) return 'deny';
  const clientSans = asList(
    asObj(asObj(asObj(policy.validation).subjectAlternativeNames).match).exact as unknown,
  ) as unknown as string[];
  if (clientSans.length && !clientSans.includes(sdsName(serverCert) ?? '')) return 'deny';
  // The server verifies the client (mTLS) when its listener has `validation`.
  const validation = asObj(listenerTls.validation);
  if (listenerTls.validation === undefined) return 'allow';
  const clientCert = asObj(policy.certificate);
  if (!Object.keys(clientCert).length) return 'deny';
  if (kind(asObj(validation.trust)) !== kind(clientCert)) return 'deny';
  const serverSans = asList(
    asObj(asObj(validation.subjectAlternativeNames).match).exact as unknown,
  ) as unknown as string[];
  if (serverSans.length && !serverSans.includes(sdsName(clientCert) ?? '')) return 'deny';
  return 'allow';
}

/** The destination-side policy of the listener that serves `port` for the pod `target`. */
export function listenerPolicy(objects: readonly Manifest[], target: Caller, port: number): Obj {
  const node = nodeOf(objects, target);
  if (!node) throw new Error(`no VirtualNode selects ${JSON.stringify(target)}`);
  const l = listenerOf(node, port);
  const od = asObj(l.outlierDetection);
  return {
    ...(l.outlierDetection
      ? {
          outlierDetection: {
            maxServerErrors: od.maxServerErrors,
            intervalMs: ms(od.interval),
            baseEjectionMs: ms(od.baseEjectionDuration),
            maxEjectionPercent: od.maxEjectionPercent,
          },
        }
      : {}),
    ...(l.connectionPool ? { connectionPool: l.connectionPool } : {}),
  };
}
