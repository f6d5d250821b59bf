/**
 * A small model of how Linkerd reads the objects meshc emits, to compare them with Linkerd's documented task
 * manifests by what they *do* rather than how they are written (test/upstream-linkerd.test.ts):
 *
 * - `outboundDecision`: what a meshed client's proxy does with one request to a Service port: which HTTPRoute
 *   rule it picks (Linkerd's most-specific-match score, ties to the first rule of one route and, between
 *   routes, to the older object, which this model reports as `ambiguous`), the backends as shares of pods
 *   (backend Services resolved to their pod selectors), the request timeout, the retry policy and header
 *   filters (annotations on the route override the Service's), and the Service's failure accrual.
 * - `inboundDecision`: whether a pod's proxy admits one request: the Server selecting the pod and port (or the
 *   default policy), its inbound routes (none: a default route plus the probe route), the authorizations of
 *   the chosen route and of the Server (AuthorizationPolicy with MeshTLS/Network authentications, legacy
 *   ServerAuthorization) and the Server's `accessPolicy`.
 * - `workloadClient`: who a calling workload is to that proxy: meshed with its identity in the control plane's
 *   trust domain (`chartTrustDomain` of the chart values) when the proxy injector injects it (pod or namespace
 *   annotation), plaintext otherwise; so a test can ask whether an ingress controller in a given namespace is
 *   admitted, rather than assume it is meshed.
 *
 * Sources: linkerd2-proxy `linkerd/http/route/src/{lib.rs,http/match.rs,http/match/*.rs}` (matching and score),
 * `linkerd/app/inbound/src/policy/http.rs` (route then authorization), linkerd2
 * `policy-controller/k8s/index/src/{inbound/index.rs,outbound/index*.rs}` (defaults, annotations, probe
 * route, server authorizations on every route). Independent of meshc's code on purpose: it must not share
 * the assumptions it checks. Anything it does not model throws.
 */
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: unknown;
  [k: string]: unknown;
}

type Obj = Record<string, unknown>;

/** Parses a multi-document YAML file of Kubernetes objects (comments and empty documents ignored). */
export function parseManifests(text: string, defaultNamespace?: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
      return d.toJS() as Manifest | null;
    })
    .filter((o): o is Manifest => o !== null && o !== undefined)
    .map((o) =>
      o.metadata.namespace === undefined && defaultNamespace !== undefined && o.kind !== 'Namespace'
        ? { ...o, metadata: { ...o.metadata, namespace: defaultNamespace } }
        : o,
    );
}

const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const ns = (o: Manifest) => o.metadata.namespace ?? 'default';

function obj(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected an object`);
  return v as Obj;
}
function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v;
}

/** Milliseconds of a duration as Linkerd's annotations parse it: one integer and one unit. */
export function linkerdMs(v: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) throw new Error(`Linkerd cannot parse the duration ${JSON.stringify(v)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** Milliseconds of a Gateway API duration (`timeouts.request`: `1h2m3s4ms` form). */
function gatewayMs(v: string): number {
  let ms = 0;
  for (const m of v.matchAll(/(\d+)(ms|s|m|h)/g))
    ms += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'];
  return ms;
}

// --- Matching and score ------------------------------------------------------------------------------------------

export interface HttpRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

type Score = [number, number, number, number];

/** Linkerd's regex match: the leftmost match must span the whole value (JavaScript is leftmost-first too). */
function regexSpans(regex: string, value: string): boolean {
  const m = new RegExp(regex).exec(value);
  return m !== null && m.index === 0 && m[0].length === value.length;
}

function pathScore(path: Obj | undefined, reqPath: string): number | undefined {
  const type = (path?.type as string | undefined) ?? 'PathPrefix';
  const value = (path?.value as string | undefined) ?? '/';
  if (type === 'Exact') return value === reqPath ? value.length : undefined;
  if (type === 'RegularExpression') return regexSpans(value, reqPath) ? reqPath.length : undefined;
  if (type !== 'PathPrefix') throw new Error(`path type ${type} is not modelled`);
  if (value === '/') return 1;
  const prefix = value.replace(/\/+$/, '');
  const rest = reqPath.replace(/\/+$/, '');
  if (!rest.startsWith(prefix)) return undefined;
  const suffix = rest.slice(prefix.length);
  return suffix === '' || suffix.startsWith('/') ? prefix.length : undefined;
}

function valueMatches(m: Obj, value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = (m.type as string | undefined) ?? 'Exact';
  if (type === 'Exact') return m.value === value;
  if (type === 'RegularExpression') return regexSpans(m.value as string, value);
  throw new Error(`value match type ${type} is not modelled`);
}

/** The score of one `matches[]` entry for a request, or undefined when it does not match. */
export function matchScore(match: Obj, req: HttpRequest): Score | undefined {
  for (const k of Object.keys(match))
    if (!['path', 'headers', 'queryParams', 'method'].includes(k))
      throw new Error(`match field ${k} is not modelled`);
  if (match.method !== undefined && match.method !== req.method) return undefined;
  const p = pathScore(match.path as Obj | undefined, req.path);
  if (p === undefined) return undefined;
  const headers = list(match.headers, 'headers').map((h) => obj(h, 'header'));
  const lower = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if (!headers.every((h) => valueMatches(h, lower[String(h.name).toLowerCase()]))) return undefined;
  const query = list(match.queryParams, 'queryParams').map((q) => obj(q, 'queryParam'));
  if (!query.every((q) => valueMatches(q, req.query?.[String(q.name)]))) return undefined;
  return [p, match.method !== undefined ? 1 : 0, headers.length, query.length];
}

function cmpScore(a: Score, b: Score): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The best score of a rule (no matches: Gateway API's default, PathPrefix `/`). */
function ruleScore(rule: Obj, req: HttpRequest): Score | undefined {
  const matches = list(rule.matches, 'matches').map((m) => obj(m, 'match'));
  if (!matches.length) return [1, 0, 0, 0];
  let best: Score | undefined;
  for (const m of matches) {
    const s = matchScore(m, req);
    if (s && (!best || cmpScore(s, best) > 0)) best = s;
  }
  return best;
}

interface Choice {
  readonly route: Manifest;
  readonly rule: Obj;
  readonly ruleIndex: number;
}

/**
 * Linkerd's choice among routes: the best score; a tie goes to the first rule of the same route, and between
 * routes to the older object, which a GitOps apply does not order: `ambiguous` then lists the tied routes.
 */
function choose(routes: readonly Manifest[], req: HttpRequest): { choice?: Choice; ambiguous?: string[] } {
  let best: { score: Score; choices: Choice[] } | undefined;
  for (const route of routes) {
    const rules = list(obj(route.spec, route.metadata.name).rules, 'rules').map((r) => obj(r, 'rule'));
    let routeBest: { score: Score; choice: Choice } | undefined;
    rules.forEach((rule, ruleIndex) => {
      const s = ruleScore(rule, req);
      if (s && (!routeBest || cmpScore(s, routeBest.score) > 0))
        routeBest = { score: s, choice: { route, rule, ruleIndex } };
    });
    if (!routeBest) continue;
    const c = best ? cmpScore(routeBest.score, best.score) : 1;
    if (c > 0) best = { score: routeBest.score, choices: [routeBest.choice] };
    else if (c === 0) best!.choices.push(routeBest.choice);
  }
  if (!best) return {};
  if (best.choices.length > 1) return { ambiguous: best.choices.map((c) => c.route.metadata.name).sort() };
  return { choice: best.choices[0]! };
}

// --- Outbound -------------------------------------------------------------------------------------------------

export interface Parent {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

export interface Retry {
  readonly limit: number;
  /** Retried status codes, as sorted `min-max` ranges. */
  readonly statuses: readonly string[];
  readonly timeoutMs?: number;
}

export interface Accrual {
  readonly maxFailures: number;
  readonly minPenaltyMs: number;
  readonly maxPenaltyMs: number;
  readonly jitterRatio: number;
}

export type OutboundDecision =
  | { readonly kind: 'no-route' }
  | { readonly kind: 'ambiguous'; readonly routes: readonly string[] }
  | {
      readonly kind: 'routed' | 'default';
      /** Share of the requests per set of pods (a backend Service's selector, as sorted `k=v` pairs). */
      readonly backends: Readonly<Record<string, number>>;
      readonly timeoutMs?: number;
      readonly retry?: Retry;
      readonly requestHeaders?: Obj;
      readonly responseHeaders?: Obj;
      readonly accrual?: Accrual;
    };

function services(objects: readonly Manifest[]): Map<string, Manifest> {
  return new Map(
    objects
      .filter((o) => o.kind === 'Service' && o.apiVersion === 'v1')
      .map((o) => [`${ns(o)}/${o.metadata.name}`, o]),
  );
}

/** The pods of a Service, as a key: its selector's `k=v` pairs, sorted. */
function podsOf(svcs: Map<string, Manifest>, id: string): string {
  const svc = svcs.get(id);
  // A Service the task does not show (created by a chart or the app's manifests): known by name only.
  if (!svc) return `service ${id}`;
  const selector = obj(obj(svc.spec, id).selector ?? {}, `${id} selector`);
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(',');
}

function isLinkerdHttpRoute(o: Manifest): boolean {
  return (
    o.kind === 'HTTPRoute' && ['gateway.networking.k8s.io', 'policy.linkerd.io'].includes(group(o.apiVersion))
  );
}

function attachesTo(
  o: Manifest,
  kind: string,
  parentGroup: readonly string[],
  name: string,
  namespace: string,
  port?: number,
): boolean {
  return list(obj(o.spec, o.metadata.name).parentRefs, 'parentRefs').some((p) => {
    const r = obj(p, 'parentRef');
    return (
      r.kind === kind &&
      parentGroup.includes(
        (r.group as string | undefined) ?? (kind === 'Service' ? '' : 'policy.linkerd.io'),
      ) &&
      r.name === name &&
      ((r.namespace as string | undefined) ?? ns(o)) === namespace &&
      (port === undefined || r.port === undefined || r.port === port)
    );
  });
}

function retryOf(annotations: Readonly<Record<string, string>>): Retry | undefined {
  const limitRaw = annotations['retry.linkerd.io/limit'];
  const limit = limitRaw === undefined ? undefined : Number(limitRaw) || undefined;
  const timeoutRaw = annotations['retry.linkerd.io/timeout'];
  const timeoutMs = timeoutRaw === undefined ? undefined : linkerdMs(timeoutRaw) || undefined;
  const http = annotations['retry.linkerd.io/http'];
  if (limit === undefined && timeoutMs === undefined && http === undefined) return undefined;
  const codes = new Set<number>();
  for (const cond of (http ?? '5xx').split(',')) {
    const c = cond.toLowerCase();
    const range =
      c === '5xx'
        ? [500, 599]
        : c === 'gateway-error'
          ? [502, 504]
          : /^\d{3}$/.test(c)
            ? [Number(c), Number(c)]
            : /^(\d{3})-(\d{3})$/.exec(c)?.slice(1).map(Number);
    if (!range) throw new Error(`Linkerd rejects the retry condition ${JSON.stringify(cond)}`);
    for (let s = range[0]!; s <= range[1]!; s++) codes.add(s);
  }
  const sorted = [...codes].sort((a, b) => a - b);
  const statuses: string[] = [];
  for (const s of sorted) {
    const last = statuses[statuses.length - 1];
    const [lo, hi] = last ? last.split('-').map(Number) : [];
    if (last && hi === s - 1) statuses[statuses.length - 1] = `${lo}-${s}`;
    else statuses.push(`${s}-${s}`);
  }
  return { limit: limit ?? 1, statuses, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

const hasPrefix = (a: Readonly<Record<string, string>>, prefix: string) =>
  Object.keys(a).some((k) => k.startsWith(prefix));

function accrualOf(annotations: Readonly<Record<string, string>>): Accrual | undefined {
  const mode = annotations['balancer.linkerd.io/failure-accrual'];
  if (mode === undefined) return undefined;
  if (mode !== 'consecutive') throw new Error(`failure accrual mode ${mode} is not modelled`);
  const get = (k: string) => annotations[`balancer.linkerd.io/failure-accrual-consecutive-${k}`];
  const accrual = {
    maxFailures: get('max-failures') === undefined ? 7 : Number(get('max-failures')),
    minPenaltyMs: get('min-penalty') === undefined ? 1000 : linkerdMs(get('min-penalty')!),
    maxPenaltyMs: get('max-penalty') === undefined ? 60_000 : linkerdMs(get('max-penalty')!),
    jitterRatio: get('jitter-ratio') === undefined ? 0.5 : Number(get('jitter-ratio')),
  };
  if (accrual.minPenaltyMs > accrual.maxPenaltyMs)
    throw new Error('Linkerd rejects min-penalty > max-penalty');
  return accrual;
}

function headerFilter(rule: Obj, type: string): Obj | undefined {
  const filters = list(rule.filters, 'filters').map((f) => obj(f, 'filter'));
  for (const f of filters)
    if (!['RequestHeaderModifier', 'ResponseHeaderModifier'].includes(f.type as string))
      throw new Error(`filter ${String(f.type)} is not modelled`);
  const f = filters.find((x) => x.type === type);
  if (!f) return undefined;
  const m = obj(
    f[type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier'],
    type,
  );
  const sortByName = (v: unknown) =>
    [...list(v, 'headers')].sort((a, b) => (String(obj(a, 'h').name) < String(obj(b, 'h').name) ? -1 : 1));
  return { set: sortByName(m.set), add: sortByName(m.add), remove: [...list(m.remove, 'remove')].sort() };
}

/** What a meshed client does with `req` sent to the Service port `parent`. */
export function outboundDecision(
  objects: readonly Manifest[],
  parent: Parent,
  req: HttpRequest,
): OutboundDecision {
  const svcs = services(objects);
  const parentId = `${parent.namespace}/${parent.name}`;
  const svcAnnotations = svcs.get(parentId)?.metadata.annotations ?? {};
  const accrual = accrualOf(svcAnnotations);
  const routes = objects.filter(
    (o) =>
      isLinkerdHttpRoute(o) &&
      attachesTo(o, 'Service', ['', 'core'], parent.name, parent.namespace, parent.port),
  );
  const common = {
    ...(accrual ? { accrual } : {}),
  };
  if (!routes.length) {
    const retry = retryOf(svcAnnotations);
    const t = svcAnnotations['timeout.linkerd.io/request'];
    return {
      kind: 'default',
      backends: { [podsOf(svcs, parentId)]: 1 },
      ...(t !== undefined ? { timeoutMs: linkerdMs(t) } : {}),
      ...(retry ? { retry } : {}),
      ...common,
    };
  }
  const { choice, ambiguous } = choose(routes, req);
  if (ambiguous) return { kind: 'ambiguous', routes: ambiguous };
  if (!choice) return { kind: 'no-route' };
  const routeNs = ns(choice.route);
  const refs = list(choice.rule.backendRefs, 'backendRefs').map((b) => obj(b, 'backendRef'));
  const shares: Record<string, number> = {};
  if (!refs.length) shares[podsOf(svcs, parentId)] = 1;
  else {
    const weights = refs.map((b) => (b.weight === undefined ? 1 : Number(b.weight)));
    const total = weights.reduce((a, b) => a + b, 0);
    refs.forEach((b, i) => {
      if (weights[i] === 0) return;
      if ((b.kind ?? 'Service') !== 'Service')
        throw new Error(`backend kind ${String(b.kind)} is not modelled`);
      const key = podsOf(svcs, `${(b.namespace as string | undefined) ?? routeNs}/${String(b.name)}`);
      shares[key] = (shares[key] ?? 0) + weights[i]! / total;
    });
  }
  const routeAnnotations = choice.route.metadata.annotations ?? {};
  const timeoutSource = hasPrefix(routeAnnotations, 'timeout.linkerd.io/')
    ? routeAnnotations
    : svcAnnotations;
  const annotated = timeoutSource['timeout.linkerd.io/request'];
  const ruleTimeout = (choice.rule.timeouts as Obj | undefined)?.request as string | undefined;
  const timeoutMs =
    annotated !== undefined
      ? linkerdMs(annotated)
      : ruleTimeout !== undefined
        ? gatewayMs(ruleTimeout)
        : undefined;
  const retry = retryOf(hasPrefix(routeAnnotations, 'retry.linkerd.io/') ? routeAnnotations : svcAnnotations);
  const requestHeaders = headerFilter(choice.rule, 'RequestHeaderModifier');
  const responseHeaders = headerFilter(choice.rule, 'ResponseHeaderModifier');
  return {
    kind: 'routed',
    backends: Object.fromEntries(Object.entries(shares).sort(([a], [b]) => (a < b ? -1 : 1))),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retry ? { retry } : {}),
    ...(requestHeaders ? { requestHeaders } : {}),
    ...(responseHeaders ? { responseHeaders } : {}),
    ...common,
  };
}

// --- Inbound ----------------------------------------------------------------------------------------------------

export interface Pod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Container ports by name (what a Server's named `port` selects). */
  readonly ports: Readonly<Record<string, number>>;
  /** Paths of the pod's HTTP liveness/readiness probes, by port. */
  readonly probes?: Readonly<Record<number, readonly string[]>>;
}

export interface Client {
  /** The caller's mTLS identity; undefined for a plaintext (unmeshed) caller. */
  readonly identity?: string;
  readonly ip: string;
}

/** A workload that calls: where it runs, as whom, and the injection annotation of its pod template, if any. */
export interface Workload {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly ip: string;
  /** The pod's own `linkerd.io/inject` annotation (it overrides the namespace's). */
  readonly inject?: string;
}

/**
 * The identity trust domain the control plane runs with: the `linkerd-control-plane` chart's
 * `identityTrustDomain`, else its `clusterDomain`, else `cluster.local` (linkerd-control-plane
 * `templates/identity.yaml`: `-identity-trust-domain={{ identityTrustDomain | default clusterDomain }}`).
 */
export function chartTrustDomain(values: Readonly<Record<string, unknown>> | undefined): string {
  const pick = (k: string) => (typeof values?.[k] === 'string' && values[k] !== '' ? values[k] : undefined);
  return pick('identityTrustDomain') ?? pick('clusterDomain') ?? 'cluster.local';
}

/**
 * The client a workload is to a server's proxy: meshed, with the identity
 * `<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>` (linkerd2 `controller/identity/domain.go`), when the
 * proxy injector injects its pods, plaintext otherwise. The injector (linkerd2 `controller/proxy-injector`,
 * `pkg/inject`) injects a pod whose own annotation, else its namespace's, is `enabled` or `ingress`, unless the
 * namespace opts out of the webhook (`config.linkerd.io/admission-webhooks: disabled`) or is `kube-system`. A
 * namespace with no Namespace object among `objects` carries no annotation.
 */
export function workloadClient(objects: readonly Manifest[], w: Workload, trustDomain: string): Client {
  const nsObj = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === w.namespace);
  const webhookOff =
    w.namespace === 'kube-system' ||
    nsObj?.metadata.labels?.['config.linkerd.io/admission-webhooks'] === 'disabled';
  const mode = w.inject ?? nsObj?.metadata.annotations?.['linkerd.io/inject'];
  const injected = !webhookOff && (mode === 'enabled' || mode === 'ingress');
  return injected
    ? {
        identity: `${w.serviceAccount}.${w.namespace}.serviceaccount.identity.linkerd.${trustDomain}`,
        ip: w.ip,
      }
    : { ip: w.ip };
}

export interface InboundOptions {
  /** The cluster-wide default policy (chart `proxy.defaultInboundPolicy`). */
  readonly clusterDefault?: string;
  /** The control plane's identity trust domain (`chartTrustDomain`); `cluster.local` by default. */
  readonly trustDomain?: string;
  /** Policy controller `probeNetworks`. */
  readonly probeNetworks?: readonly string[];
}

export type InboundDecision = 'allow' | 'deny' | 'not-found' | 'ambiguous';

function selects(selector: Obj, labels: Readonly<Record<string, string>>): boolean {
  const ml = obj(selector.matchLabels ?? {}, 'matchLabels');
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  return list(selector.matchExpressions, 'matchExpressions').every((e) => {
    const x = obj(e, 'expression');
    const values = list(x.values, 'values') as string[];
    const v = labels[x.key as string];
    switch (x.operator) {
      case 'In':
        return v !== undefined && values.includes(v);
      case 'NotIn':
        return v === undefined || !values.includes(v);
      case 'Exists':
        return v !== undefined;
      case 'DoesNotExist':
        return v === undefined;
      default:
        throw new Error(`operator ${String(x.operator)} is not modelled`);
    }
  });
}

function ipv4(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  return p.length === 4 && p.every((x) => x >= 0 && x < 256)
    ? ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!
    : undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (net!.includes(':')) return ip.includes(':') && Number(bits) === 0; // IPv6: only ::/0 is modelled
  const a = ipv4(ip);
  const b = ipv4(net!);
  if (a === undefined || b === undefined) return false;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (a & mask) === (b & mask);
}

function identityMatches(pattern: string, id: string | undefined): boolean {
  if (id === undefined) return false;
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return id.endsWith(pattern.slice(1));
  return pattern === id;
}

const saIdentity = (namespace: string, sa: string, trustDomain: string) =>
  `${sa}.${namespace}.serviceaccount.identity.linkerd.${trustDomain}`;

/** One AuthorizationPolicy admits the client: every required authentication matches. */
function policyAdmits(
  objects: readonly Manifest[],
  policy: Manifest,
  client: Client,
  trustDomain: string,
): boolean {
  const refs = list(obj(policy.spec, policy.metadata.name).requiredAuthenticationRefs, 'refs').map((r) =>
    obj(r, 'ref'),
  );
  if (!refs.length) return false;
  return refs.every((r) => {
    const refNs = (r.namespace as string | undefined) ?? ns(policy);
    if (r.kind === 'ServiceAccount')
      return client.identity === saIdentity(refNs, r.name as string, trustDomain);
    const authn = objects.find((o) => o.kind === r.kind && o.metadata.name === r.name && ns(o) === refNs);
    if (!authn) throw new Error(`${policy.metadata.name}: no ${String(r.kind)} ${refNs}/${String(r.name)}`);
    const spec = obj(authn.spec, authn.metadata.name);
    if (r.kind === 'MeshTLSAuthentication') {
      const ids = list(spec.identities, 'identities') as string[];
      const refIds = list(spec.identityRefs, 'identityRefs').map((x) => {
        const i = obj(x, 'identityRef');
        if (i.kind === 'ServiceAccount')
          return saIdentity((i.namespace as string | undefined) ?? ns(authn), i.name as string, trustDomain);
        if (i.kind === 'Namespace')
          return `*.${String(i.name)}.serviceaccount.identity.linkerd.${trustDomain}`;
        throw new Error(`identityRef kind ${String(i.kind)} is not modelled`);
      });
      return [...ids, ...refIds].some((p) => identityMatches(p, client.identity));
    }
    if (r.kind === 'NetworkAuthentication') {
      return list(spec.networks, 'networks').some((n) => {
        const net = obj(n, 'network');
        return (
          inCidr(client.ip, net.cidr as string) &&
          !list(net.except, 'except').some((e) => inCidr(client.ip, e as string))
        );
      });
    }
    throw new Error(`authentication kind ${String(r.kind)} is not modelled`);
  });
}

/** A legacy ServerAuthorization admits the client. */
function serverAuthorizationAdmits(sa: Manifest, client: Client, trustDomain: string): boolean {
  const c = obj(obj(sa.spec, sa.metadata.name).client, 'client');
  const networks = list(c.networks, 'networks').map((n) => obj(n, 'network'));
  if (networks.length && !networks.some((n) => inCidr(client.ip, n.cidr as string))) return false;
  if (c.unauthenticated === true) return true;
  const m = c.meshTLS === undefined ? undefined : obj(c.meshTLS, 'meshTLS');
  if (!m) return false;
  if (m.unauthenticatedTLS === true) return client.identity !== undefined;
  const ids = [
    ...(list(m.identities, 'identities') as string[]),
    ...list(m.serviceAccounts, 'serviceAccounts').map((x) => {
      const s = obj(x, 'serviceAccount');
      return saIdentity((s.namespace as string | undefined) ?? ns(sa), s.name as string, trustDomain);
    }),
  ];
  return ids.some((p) => identityMatches(p, client.identity));
}

/** A default (or `accessPolicy`) policy admits the client. */
function defaultAdmits(policy: string, client: Client): boolean {
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return true;
    case 'all-authenticated':
      return client.identity !== undefined;
    case 'deny':
      return false;
    default:
      throw new Error(`policy ${policy} is not modelled`);
  }
}

/**
 * Whether the pod's proxy admits `req` from `client` on container port `port`. A Server's routes: its inbound
 * HTTPRoutes, or (none attached) a default route matching everything plus the probe route (GET on the pod's
 * probe paths, unauthenticated from the probe networks). A request is admitted when an authorization of the
 * chosen route or of the Server (or the Server's `accessPolicy`) admits the client.
 */
export function inboundDecision(
  objects: readonly Manifest[],
  pod: Pod,
  port: number,
  req: HttpRequest,
  client: Client,
  options: InboundOptions = {},
): InboundDecision {
  const probeNetworks = options.probeNetworks ?? ['0.0.0.0/0'];
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const isProbe =
    req.method === 'GET' &&
    (pod.probes?.[port] ?? []).includes(req.path) &&
    probeNetworks.some((n) => inCidr(client.ip, n));
  const servers = objects.filter((o) => {
    if (o.kind !== 'Server' || group(o.apiVersion) !== 'policy.linkerd.io' || ns(o) !== pod.namespace)
      return false;
    const spec = obj(o.spec, o.metadata.name);
    const p = spec.port;
    const selected = typeof p === 'number' ? p === port : pod.ports[p as string] === port;
    return selected && selects(obj(spec.podSelector, 'podSelector'), pod.labels);
  });
  if (servers.length > 1)
    throw new Error(`Servers overlap on port ${port}: ${servers.map((s) => s.metadata.name).join(', ')}`);
  const server = servers[0];
  if (!server) {
    const nsObj = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === pod.namespace);
    const policy =
      nsObj?.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ??
      options.clusterDefault ??
      'all-unauthenticated';
    return isProbe || defaultAdmits(policy, client) ? 'allow' : 'deny';
  }
  const name = server.metadata.name;
  const serverSpec = obj(server.spec, name);
  const routes = objects.filter(
    (o) => isLinkerdHttpRoute(o) && attachesTo(o, 'Server', ['policy.linkerd.io'], name, pod.namespace),
  );
  let route: Manifest | undefined;
  if (routes.length) {
    const { choice, ambiguous } = choose(routes, req);
    if (ambiguous) return 'ambiguous';
    if (!choice) return 'not-found';
    route = choice.route;
  } else if (isProbe) return 'allow';
  const policies = objects.filter((o) => {
    if (o.kind !== 'AuthorizationPolicy' || ns(o) !== pod.namespace) return false;
    const t = obj(obj(o.spec, o.metadata.name).targetRef, 'targetRef');
    if (t.kind === 'Namespace') return t.name === pod.namespace;
    if (t.kind === 'Server') return t.name === name;
    if (t.kind === 'HTTPRoute')
      return (
        route !== undefined &&
        t.name === route.metadata.name &&
        (t.group ?? 'policy.linkerd.io') === group(route.apiVersion)
      );
    throw new Error(`targetRef kind ${String(t.kind)} is not modelled`);
  });
  const legacy = objects.filter((o) => {
    if (o.kind !== 'ServerAuthorization' || ns(o) !== pod.namespace) return false;
    const s = obj(obj(o.spec, o.metadata.name).server, 'server');
    if (s.name !== undefined) return s.name === name;
    return selects(obj(s.selector, 'selector'), server.metadata.labels ?? {});
  });
  const admitted =
    policies.some((p) => policyAdmits(objects, p, client, trustDomain)) ||
    legacy.some((s) => serverAuthorizationAdmits(s, client, trustDomain)) ||
    defaultAdmits((serverSpec.accessPolicy as string | undefined) ?? 'deny', client);
  return admitted ? 'allow' : 'deny';
}
