/**
 * A small model of how Consul (Community Edition, on Kubernetes) reads config entries and Gateway API objects,
 * to compare meshc's output with HashiCorp's documented manifests by what they *do* rather than how they are
 * written (test/upstream-consul.test.ts, test/cross-mesh.test.ts):
 *
 * - `resolveRequest`: the discovery chain a caller's proxy compiles for one request to a service: the
 *   ServiceRouter (routes in order, first match wins; no match, or no router: the service itself), then the
 *   ServiceSplitter of the destination service when the destination names no subset (a split to the splitter's
 *   own service goes straight to its resolver; splits to other services enter their splitters), then the
 *   ServiceResolver (a named subset, else `defaultSubset`, else every instance). The result is the targets as
 *   shares (`service` or `service/subset`), with the matched route's timeout, retry policy and header changes.
 * - `chainErrors`: subsets a router or splitter names that no resolver defines (Consul refuses such a chain).
 * - `subsetMeta`: the service metadata a resolver subset's filter selects (`Service.Meta.<k> == <v>`, AND-ed).
 * - `authorize`: whether a destination's sidecar admits one request from a source: plaintext is admitted only
 *   by a `mutualTLSMode: permissive` service (and then without intentions, as Consul documents), else the most
 *   precise intention source (exact name before `*`, exact destination before `*`) decides with its action or
 *   the first matching permission; nothing matching: the ACL default policy.
 * - `upstreamPolicy`: the passive health check and limits a caller's proxy applies to one upstream
 *   (`upstreamConfig.defaults` with the override of that upstream merged over it).
 * - `gatewayRoute`: where the API gateway sends a request (Gateway listener, HTTPRoute hostnames and matches).
 *
 * Config entries are keyed by kind and name: in Consul CE every Kubernetes namespace maps to Consul's one
 * namespace, so the CR's namespace does not matter (two entries of one kind and name throw: Consul would keep
 * only one). Sources: hashicorp/consul `website/content/docs/reference/config-entry/{service-router,
 * service-splitter,service-resolver,service-intentions,service-defaults}.mdx`, `docs/manage-traffic/
 * discovery-chain.mdx`, `docs/k8s/connect/onboarding-tproxy-mode.mdx`. Independent of meshc's code on
 * purpose; anything it does not model throws.
 */
import { parseAllDocuments } from 'yaml';
import { durationMs } from './istio-semantics.ts';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: unknown;
  [k: string]: unknown;
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly host?: string;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v ?? {}) as Obj;
const asList = (v: unknown): unknown[] => (v ?? []) as unknown[];

/** Parses a multi-document YAML file of Kubernetes objects (comments and empty documents ignored). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
      return d.toJS() as Manifest | null;
    })
    .filter((o): o is Manifest => o !== null && o !== undefined);
}

const isConsul = (o: Manifest) => o.apiVersion.startsWith('consul.hashicorp.com/');

/** The config entry of `kind` named `name` (one per kind and name in Consul CE). */
function entry(objects: readonly Manifest[], kind: string, name: string): Obj | undefined {
  const found = objects.filter((o) => isConsul(o) && o.kind === kind && o.metadata.name === name);
  if (found.length > 1) throw new Error(`${found.length} ${kind} entries named ${name}: Consul keeps one`);
  return found[0] ? asObj(found[0].spec) : undefined;
}

// --- Discovery chain --------------------------------------------------------------------------------------------

export interface Retry {
  readonly numRetries: number;
  readonly on: readonly string[];
  readonly connectFailure: boolean;
  readonly statusCodes: readonly number[];
}

export interface ChainDecision {
  /** `service` or `service/subset` → share of the requests (0..1). */
  readonly targets: Readonly<Record<string, number>>;
  readonly timeoutMs?: number;
  readonly retry?: Retry;
  /** Header changes of the router destination, or of the splits (per target) when a splitter carries them. */
  readonly headers?: unknown;
}

function stringMatches(m: Obj, value: string | undefined, what: string): boolean {
  let hit: boolean;
  if (m.present === true) hit = value !== undefined;
  else if (value === undefined) hit = false;
  else if (typeof m.exact === 'string') hit = value === m.exact;
  else if (typeof m.prefix === 'string') hit = value.startsWith(m.prefix);
  else if (typeof m.suffix === 'string') hit = value.endsWith(m.suffix);
  else if (typeof m.regex === 'string') hit = new RegExp(`^(?:${m.regex})$`).test(value);
  else throw new Error(`${what} match ${JSON.stringify(m)} is not modelled`);
  return m.invert === true ? !hit : hit;
}

/** Envoy compares header names case-insensitively. */
function header(req: HttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** A ServiceRouter `match.http` (absent: every request). */
function routeMatches(match: unknown, req: HttpRequest): boolean {
  const http = asObj(asObj(match).http);
  for (const k of Object.keys(http))
    if (
      ![
        'pathExact',
        'pathPrefix',
        'pathRegex',
        'header',
        'queryParam',
        'methods',
        'caseInsensitive',
      ].includes(k)
    )
      throw new Error(`router match field ${k} is not modelled`);
  const ci = http.caseInsensitive === true;
  const p = ci ? req.path.toLowerCase() : req.path;
  const cmp = (v: unknown) => (ci ? String(v).toLowerCase() : String(v));
  if (http.pathExact !== undefined && p !== cmp(http.pathExact)) return false;
  if (http.pathPrefix !== undefined && !p.startsWith(cmp(http.pathPrefix))) return false;
  if (http.pathRegex !== undefined && !new RegExp(`^(?:${String(http.pathRegex)})$`).test(req.path))
    return false;
  for (const h of asList(http.header).map(asObj))
    if (!stringMatches(h, header(req, String(h.name)), 'header')) return false;
  for (const q of asList(http.queryParam).map(asObj))
    if (!stringMatches(q, req.query?.[String(q.name)], 'query')) return false;
  if (http.methods !== undefined && !asList(http.methods).includes(req.method)) return false;
  return true;
}

/** The resolver node of a service: a named subset, else its `defaultSubset`, else every instance. */
function resolverKey(objects: readonly Manifest[], service: string, subset: string | undefined): string {
  const resolver = entry(objects, 'ServiceResolver', service);
  const s = subset ?? (resolver?.defaultSubset as string | undefined);
  return s ? `${service}/${s}` : service;
}

interface Leaf {
  readonly key: string;
  readonly share: number;
  readonly headers?: unknown;
}

/** A destination without a subset: the service's splitter when it has one, else its resolver. */
function splitterOrResolver(objects: readonly Manifest[], service: string, depth = 0): Leaf[] {
  if (depth > 8) throw new Error(`splitter loop at ${service}`);
  const splitter = entry(objects, 'ServiceSplitter', service);
  if (!splitter) return [{ key: resolverKey(objects, service, undefined), share: 1 }];
  const splits = asList(splitter.splits).map(asObj);
  const total = splits.reduce((a, s) => a + Number(s.weight ?? 0), 0);
  if (Math.abs(total - 100) > 1e-9) throw new Error(`splitter ${service}: weights sum to ${total}, not 100`);
  return splits.flatMap((s) => {
    const share = Number(s.weight ?? 0) / 100;
    if (share === 0) return [];
    const target = (s.service as string | undefined) ?? service;
    const subset = s.serviceSubset as string | undefined;
    const headers =
      s.requestHeaders || s.responseHeaders
        ? { request: s.requestHeaders, response: s.responseHeaders }
        : undefined;
    const leaves =
      subset !== undefined || target === service
        ? [{ key: resolverKey(objects, target, subset), share: 1 }]
        : splitterOrResolver(objects, target, depth + 1);
    return leaves.map((l) => ({ key: l.key, share: l.share * share, ...(headers ? { headers } : {}) }));
  });
}

function retryOf(dest: Obj): Retry | undefined {
  const n = dest.numRetries === undefined ? undefined : Number(dest.numRetries);
  const on = asList(dest.retryOn).map(String);
  const codes = asList(dest.retryOnStatusCodes).map(Number);
  const connectFailure = dest.retryOnConnectFailure === true || on.includes('connect-failure');
  if (n === undefined && !on.length && !codes.length && !connectFailure) return undefined;
  // Retry conditions without numRetries retry once (service-router.mdx, numRetries default 1).
  return {
    numRetries: n ?? 1,
    on: [...new Set(on.filter((c) => c !== 'connect-failure'))].sort(),
    connectFailure,
    statusCodes: [...new Set(codes)].sort((a, b) => a - b),
  };
}

/** What a caller's proxy does with `req` sent to `service` (its Consul name). */
export function resolveRequest(
  objects: readonly Manifest[],
  service: string,
  req: HttpRequest,
): ChainDecision {
  const router = entry(objects, 'ServiceRouter', service);
  let dest: Obj | undefined;
  for (const r of asList(router?.routes).map(asObj)) {
    if (routeMatches(r.match, req)) {
      dest = asObj(r.destination);
      break;
    }
  }
  const target = (dest?.service as string | undefined) ?? service;
  const subset = dest?.serviceSubset as string | undefined;
  const leaves: Leaf[] =
    subset !== undefined
      ? [{ key: resolverKey(objects, target, subset), share: 1 }]
      : splitterOrResolver(objects, target);
  const targets: Record<string, number> = {};
  for (const l of leaves) targets[l.key] = (targets[l.key] ?? 0) + l.share;
  const splitHeaders = leaves.some((l) => l.headers !== undefined)
    ? Object.fromEntries(leaves.map((l) => [l.key, l.headers ?? null]))
    : undefined;
  const routeHeaders =
    dest?.requestHeaders || dest?.responseHeaders
      ? { request: dest.requestHeaders, response: dest.responseHeaders }
      : undefined;
  const retry = dest ? retryOf(dest) : undefined;
  const headers = routeHeaders ?? splitHeaders;
  return {
    targets: sortKeys(targets),
    ...(dest?.requestTimeout !== undefined ? { timeoutMs: durationMs(dest.requestTimeout) } : {}),
    ...(retry ? { retry } : {}),
    ...(headers !== undefined ? { headers } : {}),
  };
}

/** Router destinations and splits naming a subset that the service's resolver does not define. */
export function chainErrors(objects: readonly Manifest[]): string[] {
  const out: string[] = [];
  const check = (service: string, subset: unknown, where: string) => {
    if (subset === undefined) return;
    const subsets = asObj(entry(objects, 'ServiceResolver', service)?.subsets);
    if (!(String(subset) in subsets)) out.push(`${where}: no subset ${String(subset)} of ${service}`);
  };
  for (const o of objects.filter(isConsul)) {
    const spec = asObj(o.spec);
    if (o.kind === 'ServiceRouter')
      for (const r of asList(spec.routes).map(asObj)) {
        const d = asObj(r.destination);
        check(
          (d.service as string | undefined) ?? o.metadata.name,
          d.serviceSubset,
          `router ${o.metadata.name}`,
        );
      }
    if (o.kind === 'ServiceSplitter')
      for (const s of asList(spec.splits).map(asObj))
        check(
          (s.service as string | undefined) ?? o.metadata.name,
          s.serviceSubset,
          `splitter ${o.metadata.name}`,
        );
  }
  return out;
}

/** The metadata a resolver subset's filter selects: `Service.Meta.<key> == <value>` terms joined by `and`. */
export function subsetMeta(
  objects: readonly Manifest[],
  service: string,
  subset: string,
): Record<string, string> {
  const filter = asObj(asObj(entry(objects, 'ServiceResolver', service)?.subsets)[subset]).filter;
  if (typeof filter !== 'string') throw new Error(`no subset ${subset} of ${service}`);
  const out: Record<string, string> = {};
  for (const term of filter.split(/\s+and\s+/)) {
    const m = /^\s*Service\.Meta\.([A-Za-z0-9_-]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))\s*$/.exec(term);
    if (!m) throw new Error(`filter term ${term} is not modelled`);
    out[m[1]!] = m[2] ?? m[3] ?? m[4]!;
  }
  return sortKeys(out);
}

function sortKeys<T>(o: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

// --- Intentions and mTLS ----------------------------------------------------------------------------------------

export interface AuthorizeOptions {
  /** The ACL default policy: `deny` with `global.acls.manageSystemACLs`, `allow` without ACLs. */
  readonly aclDefault: 'allow' | 'deny';
}

/** The effective mTLS mode of a service's sidecar (permissive only if the mesh allows it). */
export function mtlsMode(objects: readonly Manifest[], service: string): 'strict' | 'permissive' {
  const mode =
    (entry(objects, 'ServiceDefaults', service)?.mutualTLSMode as string | undefined) ??
    (entry(objects, 'ProxyDefaults', 'global')?.mutualTLSMode as string | undefined);
  if (mode !== 'permissive') return 'strict';
  // Consul refuses a permissive mode unless the mesh allows it.
  return entry(objects, 'Mesh', 'mesh')?.allowEnablingPermissiveMutualTLS === true ? 'permissive' : 'strict';
}

function permissionMatches(http: Obj, req: HttpRequest): boolean {
  for (const k of Object.keys(http))
    if (!['pathExact', 'pathPrefix', 'pathRegex', 'methods', 'header'].includes(k))
      throw new Error(`permission field ${k} is not modelled`);
  if (http.pathExact !== undefined && req.path !== http.pathExact) return false;
  if (http.pathPrefix !== undefined && !req.path.startsWith(String(http.pathPrefix))) return false;
  if (http.pathRegex !== undefined && !new RegExp(`^(?:${String(http.pathRegex)})$`).test(req.path))
    return false;
  if (http.methods !== undefined && !asList(http.methods).includes(req.method)) return false;
  for (const h of asList(http.header).map(asObj))
    if (!stringMatches(h, header(req, String(h.name)), 'header')) return false;
  return true;
}

/**
 * Whether `destination`'s sidecar admits `req` from `source` (a Consul service name; undefined: a plaintext
 * caller outside the mesh).
 */
export function authorize(
  objects: readonly Manifest[],
  destination: string,
  source: string | undefined,
  req: HttpRequest,
  options: AuthorizeOptions,
): 'allow' | 'deny' {
  if (source === undefined) return mtlsMode(objects, destination) === 'permissive' ? 'allow' : 'deny';
  const entries = objects
    .filter((o) => isConsul(o) && o.kind === 'ServiceIntentions')
    .map((o) => asObj(o.spec));
  const byDestination = (name: string) => {
    const found = entries.filter((e) => asObj(e.destination).name === name);
    if (found.length > 1) throw new Error(`${found.length} ServiceIntentions for ${name}: Consul keeps one`);
    return found[0];
  };
  // Precedence (intention/index.mdx): exact destination and source, exact destination and `*` source, then
  // `*` destination with an exact source, then `*` and `*`.
  for (const [dest, src] of [
    [destination, source],
    [destination, '*'],
    ['*', source],
    ['*', '*'],
  ] as const) {
    const e = byDestination(dest);
    const s = asList(e?.sources)
      .map(asObj)
      .find((x) => x.name === src);
    if (!s) continue;
    if (s.action !== undefined) return s.action === 'allow' ? 'allow' : 'deny';
    for (const p of asList(s.permissions).map(asObj))
      if (permissionMatches(asObj(p.http), req)) return p.action === 'allow' ? 'allow' : 'deny';
    return options.aclDefault;
  }
  return options.aclDefault;
}

// --- Upstream configuration -------------------------------------------------------------------------------------

export interface UpstreamPolicy {
  readonly limits?: Readonly<Record<string, number>>;
  readonly passiveHealthCheck?: Readonly<Record<string, number>>;
}

/** Durations as milliseconds, numbers as they are. */
function normalize(o: unknown): Record<string, number> | undefined {
  if (o === undefined) return undefined;
  return sortKeys(
    Object.fromEntries(
      Object.entries(asObj(o)).map(([k, v]) => [k, typeof v === 'string' ? durationMs(v) : Number(v)]),
    ),
  );
}

/** The limits and passive health check `caller`'s proxy applies to `upstream` (override over defaults). */
export function upstreamPolicy(
  objects: readonly Manifest[],
  caller: string,
  upstream: string,
): UpstreamPolicy {
  const config = asObj(entry(objects, 'ServiceDefaults', caller)?.upstreamConfig);
  const defaults = asObj(config.defaults);
  const override = asObj(
    asList(config.overrides)
      .map(asObj)
      .find((o) => o.name === upstream),
  );
  const merge = (k: string) =>
    defaults[k] === undefined && override[k] === undefined
      ? undefined
      : normalize({ ...asObj(defaults[k]), ...asObj(override[k]) });
  const limits = merge('limits');
  const passiveHealthCheck = merge('passiveHealthCheck');
  return { ...(limits ? { limits } : {}), ...(passiveHealthCheck ? { passiveHealthCheck } : {}) };
}

// --- API gateway ------------------------------------------------------------------------------------------------

export interface GatewayDecision {
  readonly gateway: string;
  readonly backend: { readonly namespace: string; readonly name: string; readonly port: number };
}

function pathMatches(m: Obj, path: string): boolean {
  const p = asObj(m.path);
  const type = (p.type as string | undefined) ?? 'PathPrefix';
  const value = (p.value as string | undefined) ?? '/';
  if (type === 'Exact') return path === value;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(path);
  // The gateway compiles a PathPrefix into a ServiceRouter `pathPrefix`: a plain string prefix
  // (hashicorp/consul agent/consul/discoverychain/gateway_httproute.go).
  return path.startsWith(value);
}

/**
 * Where a Consul API gateway (a Gateway of class `consul`) sends `req` arriving on `port`: the first HTTPRoute
 * attached to one of its listeners on that port (the listener's namespaces allowing the route's) whose
 * hostnames (none: any) and matches take the request. Undefined when none does.
 */
export function gatewayRoute(
  objects: readonly Manifest[],
  port: number,
  req: HttpRequest,
): GatewayDecision | undefined {
  const gateways = objects.filter(
    (o) => o.kind === 'Gateway' && o.apiVersion.startsWith('gateway.networking.k8s.io/'),
  );
  for (const route of objects.filter(
    (o) => o.kind === 'HTTPRoute' && o.apiVersion.startsWith('gateway.networking.k8s.io/'),
  )) {
    const routeNs = route.metadata.namespace ?? 'default';
    const spec = asObj(route.spec);
    const attached = asList(spec.parentRefs)
      .map(asObj)
      .some((ref) => {
        const gw = gateways.find(
          (g) =>
            g.metadata.name === ref.name &&
            (g.metadata.namespace ?? 'default') === ((ref.namespace as string | undefined) ?? routeNs),
        );
        if (!gw || asObj(gw.spec).gatewayClassName !== 'consul') return false;
        return asList(asObj(gw.spec).listeners)
          .map(asObj)
          .some((l) => {
            if (Number(l.port) !== port) return false;
            if (ref.sectionName !== undefined && ref.sectionName !== l.name) return false;
            const from = asObj(asObj(l.allowedRoutes).namespaces).from ?? 'Same';
            return from === 'All' || (from === 'Same' && (gw.metadata.namespace ?? 'default') === routeNs);
          });
      });
    if (!attached) continue;
    const hostnames = asList(spec.hostnames).map(String);
    if (hostnames.length && !hostnames.includes(req.host ?? '')) continue;
    for (const rule of asList(spec.rules).map(asObj)) {
      const matches = asList(rule.matches).map(asObj);
      if (matches.length && !matches.some((m) => pathMatches(m, req.path))) continue;
      const b = asObj(asList(rule.backendRefs)[0]);
      return {
        gateway: String(asList(spec.parentRefs).map(asObj)[0]?.name),
        backend: {
          namespace: (b.namespace as string | undefined) ?? routeNs,
          name: String(b.name),
          port: Number(b.port),
        },
      };
    }
  }
  return undefined;
}
