import type { ExportList, PeerOf } from '../../model/exports.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type {
  Destination,
  HeaderOps,
  ResolvedService,
  Retries,
  RetryCondition,
  Route,
  RouteMatch,
  StringMatch,
} from '../../model/types.ts';
import { routeRef } from '../../core/names.ts';
import { MAX_OBJECT_NAME } from '../../schema/formats.ts';
import { envoyLiteral } from '../shared/envoy-values.ts';
import { headerChanges } from '../shared/header-changes.ts';
import { objectMeta } from '../shared/labels.ts';
import { isOlderThan, routeObjectName } from '../shared/names.ts';
import { CONSUL_API, RETRY_ON_SINCE, consulName, isL7, serviceProtocol, splitName } from './constants.ts';

/**
 * What Consul's builders of one service read of another (model/exports.ts): a route target's service name,
 * and the resilience settings a caller carries for its callees (upstreamConfig), under their Consul names.
 */
export const CONSUL_PEER = ['id', 'resilience', 'serviceAccount'] as const satisfies ExportList;
export type Peer = PeerOf<typeof CONSUL_PEER>;
/** Every service of the environment, by id (`namespace/name`), as a service's builders may read it. */
export type ServiceIndex = ReadonlyMap<string, Peer>;

/**
 * A service's discovery chain, as Consul compiles it for a caller (hashicorp/consul "Discovery chain"): the
 * ServiceRouter (ordered routes, first match wins, unmatched requests go on to the service itself), then the
 * ServiceSplitter (weighted splits), then the ServiceResolver (subsets). A router destination that names a
 * subset goes straight to the resolver; one without a subset goes to that service's splitter when it has one.
 */
export interface ChainOutput {
  /** Router, splitters (the service's own and one per weighted matched route), and their ServiceDefaults. */
  readonly objects: K8sObject[];
  readonly diagnostics: Diagnostic[];
}

/** The routes Consul evaluates: the spec's, up to the first that matches every request (later ones are unreachable). */
export function liveRoutes(routes: readonly Route[]): Route[] {
  const out: Route[] = [];
  for (const r of routes) {
    out.push(r);
    if (isCatchAllRoute(r)) break;
  }
  return out;
}

export function isCatchAll(m: RouteMatch): boolean {
  return !m.headers.length && !m.query.length && !m.path && !m.method;
}

export function isCatchAllRoute(r: Route): boolean {
  return !r.matches.length || r.matches.some(isCatchAll);
}

/** The destinations a route sends to (a weight of 0 sends nothing). */
function sending(r: Route): Destination[] {
  return r.destinations.filter((d) => d.weight > 0);
}

/** The Consul service name of a destination. */
function targetName(d: Pick<Destination, 'serviceId' | 'service'>, services: ServiceIndex): string {
  const t = services.get(d.serviceId);
  return t ? consulName(t) : d.service;
}

/**
 * The services some route sends to as a whole (no version), other than from the service's own catch-all split:
 * a router or splitter destination without a subset enters that service's splitter, so such a service cannot
 * carry its default weights in its own splitter (they would apply to those routes too).
 */
export function wholeTargets(services: ReadonlyMap<string, ResolvedService>): Set<string> {
  const out = new Set<string>();
  for (const s of services.values()) {
    for (const r of liveRoutes(s.routes)) {
      const dests = sending(r);
      const ownSplit = dests.length > 1 && isCatchAllRoute(r);
      for (const d of dests) {
        if (d.version) continue;
        if (ownSplit && d.serviceId === s.id) continue;
        out.add(d.serviceId);
      }
    }
  }
  return out;
}

/** A ServiceRouter match (`match.http`) per neutral match: two for a segment-wise prefix (exact + `prefix/`). */
export function httpMatches(m: RouteMatch): Record<string, unknown>[] {
  const common: Record<string, unknown> = {};
  if (m.headers.length) common.header = m.headers.map((h) => ({ name: h.name, ...stringMatch(h.match) }));
  if (m.query.length) common.queryParam = m.query.map((q) => ({ name: q.name, ...queryMatch(q.match) }));
  if (m.method) common.methods = [m.method];
  if (!m.path) return [common];
  return pathMatches(m.path).map((p) => ({ ...p, ...common }));
}

/**
 * Consul's `pathPrefix` is a string prefix; meshc's is segment-wise (`/api` matches `/api` and `/api/x`, not
 * `/apis`): `/api` becomes `pathExact: /api` or `pathPrefix: /api/`. A prefix that is `/` or ends in `/` is
 * already aligned. Regexes go to Envoy's RE2 as written (whole-path match, like the other meshes).
 */
export function pathMatches(path: StringMatch): Record<string, string>[] {
  if (path.type === 'exact') return [{ pathExact: path.value }];
  if (path.type === 'regex') return [{ pathRegex: path.value }];
  if (path.value.endsWith('/')) return [{ pathPrefix: path.value }];
  return [{ pathExact: path.value }, { pathPrefix: `${path.value}/` }];
}

/**
 * A header or query match. An empty exact value is written as the regex `^$` (whole-value match, the same
 * requests): Consul drops empty strings, and refuses a header or query match that is left with no matcher
 * (`ServiceRouterConfigEntry.Validate`: "should only contain one of Present, Exact, …"), so the router would
 * stay Synced=False.
 */
function stringMatch(m: StringMatch): Record<string, string> {
  if (m.type === 'exact' && m.value === '') return { regex: '^$' };
  return { [m.type]: m.value };
}

/** Consul query matches take `exact`, `regex` or `present`; a prefix is written as an anchored regex. */
function queryMatch(m: StringMatch): Record<string, string> {
  if (m.type === 'prefix') return { regex: `${escapeRegex(m.value)}.*` };
  return stringMatch(m);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Consul's HTTPHeaderModifiers: `add` and `set` are maps, `remove` a list; empty parts are left out. */
export function headerModifiers(ops: HeaderOps | undefined): Record<string, unknown> | undefined {
  // Consul hands the values to Envoy as written, where `%` starts a variable: a literal `%` is `%%`.
  return headerChanges(ops, envoyLiteral);
}

function headerFields(r: Route): Record<string, unknown> {
  const request = headerModifiers(r.headers?.request);
  const response = headerModifiers(r.headers?.response);
  return {
    ...(request ? { requestHeaders: request } : {}),
    ...(response ? { responseHeaders: response } : {}),
  };
}

/**
 * A retry condition as Consul writes it on a router destination: `connect-failure` is
 * `retryOnConnectFailure`; from 1.18 every other condition is a `retryOn` token (Envoy's names, which are
 * meshc's); before 1.18 only status-code conditions can be written, as `retryOnStatusCodes`.
 */
const STATUS_CODES: Readonly<Partial<Record<RetryCondition, readonly number[]>>> = {
  '5xx': Array.from({ length: 100 }, (_, i) => 500 + i),
  'gateway-error': [502, 503, 504],
  'retriable-4xx': [409],
};

/**
 * The status-code conditions that Envoy also meets without a response: its `5xx` and `gateway-error` retry when
 * the upstream resets the stream, refuses the connection or does not respond (`wouldRetryFromReset`), while
 * `retriable-status-codes` (what `retryOnStatusCodes` becomes before 1.18, agent/xds `makeRetryPolicy`) retries
 * on the listed response codes only. `retriable-4xx` is 409 only in Envoy too.
 */
const RESETS_TOO: ReadonlySet<RetryCondition> = new Set<RetryCondition>(['5xx', 'gateway-error']);

export interface RetryFields {
  readonly fields: Record<string, unknown>;
  /** Conditions that this Consul version cannot express, by their index in `on`. */
  readonly refused: readonly { readonly index: number; readonly condition: RetryCondition }[];
  /** Conditions written as status codes that lose Envoy's retries on resets and failed connections (before 1.18). */
  readonly approximated: readonly { readonly index: number; readonly condition: RetryCondition }[];
}

export function retryFields(retries: Retries | undefined, version: string): RetryFields {
  if (!retries || retries.attempts === 0) return { fields: {}, refused: [], approximated: [] };
  const tokens = !isOlderThan(version, RETRY_ON_SINCE);
  const fields: Record<string, unknown> = { numRetries: retries.attempts };
  const on: string[] = [];
  const codes = new Set<number>();
  const refused: { index: number; condition: RetryCondition }[] = [];
  const approximated: { index: number; condition: RetryCondition }[] = [];
  retries.on.forEach((c, index) => {
    if (c === 'connect-failure') fields.retryOnConnectFailure = true;
    else if (tokens) {
      if (!on.includes(c)) on.push(c);
    } else if (STATUS_CODES[c]) {
      for (const code of STATUS_CODES[c]) codes.add(code);
      if (RESETS_TOO.has(c)) approximated.push({ index, condition: c });
    } else refused.push({ index, condition: c });
  });
  if (on.length) fields.retryOn = on;
  if (codes.size) fields.retryOnStatusCodes = [...codes].sort((a, b) => a - b);
  return { fields, refused, approximated };
}

interface Target {
  readonly service: string;
  readonly serviceSubset?: string;
}

/**
 * The chain objects of one service: its ServiceRouter (when it has routes that need one), its own
 * ServiceSplitter (for a weighted catch-all route), one splitter-only Consul service per other weighted route
 * (`<name>--<route>`, with its own ServiceDefaults so that it speaks the service's protocol), and the
 * diagnostics of values Consul cannot take. Routes on a TCP service are refused: Consul routes and splits
 * HTTP, HTTP/2 and gRPC only. `wholeTarget`: whether a route of the environment sends to the service as a
 * whole (`wholeTargets`), so that its own catch-all split needs a splitter of its own name.
 */
export function buildChain(
  s: ResolvedService,
  services: ServiceIndex,
  wholeTarget: boolean,
  version: string,
): ChainOutput {
  const out: ChainOutput = { objects: [], diagnostics: [] };
  const routes = liveRoutes(s.routes);
  if (!routes.length) return out;
  const self = consulName(s);
  if (!isL7(s)) {
    out.diagnostics.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Consul routes and splits only HTTP, HTTP/2 and gRPC services; ${s.id} speaks tcp on its meshed port.`,
      hint: 'Give the service an http, http2 or grpc port (its first port is the one Consul meshes), or remove its routes for this environment with an override.',
      location: s.origin(['routes']),
    });
    return out;
  }
  const protocol = serviceProtocol(s);
  const splitterObjects: K8sObject[] = [];
  const targets = new Map<Route, Target>();
  for (const r of routes) {
    const dests = sending(r);
    if (dests.length === 1) {
      const d = dests[0]!;
      targets.set(r, {
        service: targetName(d, services),
        ...(d.version ? { serviceSubset: d.version } : {}),
      });
      continue;
    }
    const own = isCatchAllRoute(r) && !wholeTarget;
    const name = own ? self : splitName(self, routeObjectName(r));
    if (name.length > MAX_OBJECT_NAME)
      out.diagnostics.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `Consul splits ${routeRef(r)} of ${s.id} through its own Consul service, the ServiceSplitter and ServiceDefaults ${name} (${name.length} characters), and an object name is at most ${MAX_OBJECT_NAME} characters (a DNS-1123 subdomain): the API server would refuse them.`,
        hint: `The name is \`<serviceAccount>--<route name>\`: shorten the service account (${self.length} characters) or the route name so that it has at most ${MAX_OBJECT_NAME}.`,
        location:
          r.name === undefined ? s.origin(['routes', r.index]) : s.origin(['routes', r.index, 'name']),
      });
    splitterObjects.push(buildSplitter(name, s.namespace, dests, r, services));
    if (!own)
      splitterObjects.push({
        apiVersion: CONSUL_API,
        kind: 'ServiceDefaults',
        metadata: objectMeta(name, s.namespace),
        spec: { protocol },
      });
    targets.set(r, { service: name });
  }
  for (const r of routes) {
    const { refused, approximated } = retryFields(r.retries, version);
    for (const { index, condition } of refused)
      out.diagnostics.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Consul ${version} cannot retry on ${condition} (${s.id}): before ${RETRY_ON_SINCE} a ServiceRouter retries on connect failures and response status codes only.`,
        hint: `Set mesh.version to "${RETRY_ON_SINCE}" or later (ServiceRouter retryOn), or keep 5xx, gateway-error, retriable-4xx and connect-failure only.`,
        location: s.origin(['routes', r.index, 'retries', 'on', index]),
      });
    const connectFailure = r.retries?.on.includes('connect-failure') ?? false;
    for (const { index, condition } of approximated) {
      const codes = condition === '5xx' ? '500 to 599' : '502, 503 and 504';
      out.diagnostics.push({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `Consul ${version} writes the retry condition ${condition} of ${routeRef(r)} of ${s.id} as retryOnStatusCodes (${codes}): it retries on those responses only, while Envoy's ${condition} also retries when the upstream resets the request or does not respond${connectFailure ? '' : ' and when the connection fails'}.`,
        hint: `Set mesh.version to "${RETRY_ON_SINCE}" or later (ServiceRouter retryOn takes ${condition} as it is)${connectFailure ? '' : ', or add connect-failure to `on` to retry failed connections too'}.`,
        location: s.origin(['routes', r.index, 'retries', 'on', index]),
      });
    }
  }
  const only = routes.length === 1 ? routes[0]! : undefined;
  const target = only ? targets.get(only)! : undefined;
  const needsRouter = !(
    only &&
    isCatchAllRoute(only) &&
    !only.timeout &&
    !(only.retries && only.retries.attempts > 0) &&
    ((target!.service === self && target!.serviceSubset === undefined && sending(only).length > 1) ||
      (target!.service === self && target!.serviceSubset === undefined && !only.headers))
  );
  if (needsRouter) out.objects.push(buildRouter(s, routes, targets, version));
  out.objects.push(...splitterObjects);
  return out;
}

function buildSplitter(
  name: string,
  namespace: string,
  dests: readonly Destination[],
  r: Route,
  services: ServiceIndex,
): K8sObject {
  const headers = headerFields(r);
  // One split per destination, in first-seen order: a route may name one backend twice, and Consul refuses a
  // splitter that splits to the same service and subset more than once ("split destination occurs more than
  // once", Synced=False), so their weights are added up.
  const splits = new Map<string, { weight: number; service: string; serviceSubset?: string }>();
  for (const d of dests) {
    const service = targetName(d, services);
    const key = JSON.stringify([service, d.version ?? '']);
    const seen = splits.get(key);
    if (seen) seen.weight += d.weight;
    else splits.set(key, { weight: d.weight, service, ...(d.version ? { serviceSubset: d.version } : {}) });
  }
  return {
    apiVersion: CONSUL_API,
    kind: 'ServiceSplitter',
    metadata: objectMeta(name, namespace),
    spec: { splits: [...splits.values()].map((split) => ({ ...split, ...headers })) },
  };
}

/**
 * The ServiceRouter: one route per Consul match of each spec route, in spec order (Consul takes the first
 * match), the catch-all route last without `match`. Each destination carries the route's timeout, retries and,
 * unless a splitter carries them per split, its header changes.
 */
function buildRouter(
  s: ResolvedService,
  routes: readonly Route[],
  targets: ReadonlyMap<Route, Target>,
  version: string,
): K8sObject {
  const entries: Record<string, unknown>[] = [];
  for (const r of routes) {
    const t = targets.get(r)!;
    const split = sending(r).length > 1;
    const destination = {
      service: t.service,
      ...(t.serviceSubset ? { serviceSubset: t.serviceSubset } : {}),
      ...(r.timeout ? { requestTimeout: r.timeout.text } : {}),
      ...retryFields(r.retries, version).fields,
      ...(split ? {} : headerFields(r)),
    };
    if (isCatchAllRoute(r)) {
      entries.push({ destination });
      continue;
    }
    for (const m of r.matches)
      for (const http of httpMatches(m)) entries.push({ match: { http }, destination });
  }
  return {
    apiVersion: CONSUL_API,
    kind: 'ServiceRouter',
    metadata: objectMeta(consulName(s), s.namespace),
    spec: { routes: entries },
  };
}
