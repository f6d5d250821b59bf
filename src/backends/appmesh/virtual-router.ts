/**
 * VirtualService + VirtualRouter per service: the spec's routes, in order, as router routes with explicit
 * priorities (App Mesh picks the matching route with the lowest priority number).
 */
import type { K8sObject } from '../../core/k8s.ts';
import type {
  Port,
  ResolvedService,
  Retries,
  RetryCondition,
  Route,
  RouteMatch,
  StringMatch,
} from '../../model/types.ts';
import type { EmitMemo } from '../shared/emit-memo.ts';
import { objectMeta } from '../shared/labels.ts';
import { routeObjectName, serviceFqdn } from '../shared/names.ts';
import { APPMESH_API, appmeshDuration, DEFAULT_REQUEST_TIMEOUT_MS } from './constants.ts';
import { listenerProtocol, nodesOf, targetsOf, type NodeRef, type Peer } from './model.ts';

type Obj = Record<string, unknown>;
/** The other services of the environment, as a service's builders may read them (model.ts, Peer). */
export type ServiceIndex = ReadonlyMap<string, Peer>;

/** The routes of a service as App Mesh sees them: the spec's, or one catch-all to every pod. */
export function effectiveRoutes(s: Pick<Peer, 'id' | 'namespace' | 'name' | 'routes'>): readonly Route[] {
  if (s.routes.length) return s.routes;
  return [
    {
      index: 0,
      implicit: true,
      matches: [],
      destinations: [
        { serviceId: s.id, namespace: s.namespace, service: s.name, weight: 100, at: ['routes'] },
      ],
    },
  ];
}

/**
 * App Mesh retry events per spec condition. `server-error` and `gateway-error` include Envoy's `reset`
 * (AWS API reference, HttpRetryPolicy), so `reset` is expressed only next to one of them.
 */
export const HTTP_RETRY_EVENT: Partial<Record<RetryCondition, string>> = {
  '5xx': 'server-error',
  'gateway-error': 'gateway-error',
  'retriable-4xx': 'client-error',
  'refused-stream': 'stream-error',
};

/** Why a retry condition has no App Mesh event on HTTP routes (undefined: it has one). */
export function unexpressibleRetry(
  condition: RetryCondition,
  all: readonly RetryCondition[],
): string | undefined {
  if (HTTP_RETRY_EVENT[condition] || condition === 'connect-failure') return undefined;
  if (condition === 'reset')
    return all.includes('5xx') || all.includes('gateway-error')
      ? undefined
      : 'App Mesh retries on resets only as part of `server-error` or `gateway-error` (add `5xx` or `gateway-error`)';
  return 'gRPC retry events exist only on App Mesh grpcRoutes, and meshc routes gRPC ports as HTTP/2 (path and header matches)';
}

/**
 * The retry policy of a route that retries nothing (no `retries`, or `retries.attempts: 0`): `maxRetries: 0`.
 * App Mesh gives a route without a retryPolicy a hidden default one (accounts whose first mesh is from 2020-07-29
 * or later: 2 retries on HTTP 503, gRPC UNAVAILABLE, connection failures and refused streams; AWS App Mesh user
 * guide, "Envoy defaults set by App Mesh"), and an explicit policy replaces it (aws-app-mesh-examples
 * walkthroughs/howto-k8s-retry-policy, "Default Retry Policy"): so the spec's "no retries" is no retries here as
 * on every mesh (Istio: `attempts: 0`). The API takes `maxRetries` from 0 and wants a perRetryTimeout and at
 * least one retry event (API reference, HttpRetryPolicy): `gateway-error` (the spec's default condition), inert
 * at 0 retries. The per-try timeout bounds the single attempt (Envoy's covers the first attempt too), as on
 * Istio: the spec's, else the route timeout, else App Mesh's 15s request default.
 */
function noRetryPolicy(r: Route): Obj {
  return {
    maxRetries: 0,
    perRetryTimeout: appmeshDuration(r.retries?.perTryTimeout ?? r.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS),
    httpRetryEvents: ['gateway-error'],
  };
}

/**
 * `retryPolicy` of an HTTP or HTTP/2 route (App Mesh's tcpRoute has none): attempts → maxRetries; perTryTimeout →
 * perRetryTimeout (required by App Mesh: without one, the route's timeout, else App Mesh's 15s request default);
 * conditions → HTTP and TCP events (no condition: `stream-error` + `connection-error`, the refused-stream and
 * connect-failure retries other meshes default to). No `retries` (the implicit route too) or `attempts: 0` →
 * {@link noRetryPolicy}, which turns App Mesh's default policy off. Undefined only when no condition is
 * expressible (each is an error at the value).
 */
export function retryPolicy(r: Route): Obj | undefined {
  const retries: Retries | undefined = r.retries;
  if (!retries || retries.attempts === 0) return noRetryPolicy(r);
  const on = retries.on.length ? retries.on : (['refused-stream', 'connect-failure'] as const);
  const http = [...new Set(on.flatMap((c) => (HTTP_RETRY_EVENT[c] ? [HTTP_RETRY_EVENT[c]] : [])))];
  const tcp = on.includes('connect-failure') ? ['connection-error'] : [];
  if (!http.length && !tcp.length) return undefined;
  return {
    maxRetries: retries.attempts,
    perRetryTimeout: appmeshDuration(retries.perTryTimeout ?? r.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS),
    ...(http.length ? { httpRetryEvents: http } : {}),
    ...(tcp.length ? { tcpRetryEvents: tcp } : {}),
  };
}

const stringMatch = (m: StringMatch): Obj => ({ [m.type]: m.value });

/**
 * The App Mesh matches (alternatives) of one spec match entry: headers, exact query parameters (regex ones are
 * refused by the capability check, `match.query.regex`) and method on each; the path as `path.exact`, `path.regex` or `prefix`. A segment-wise
 * prefix `/api` becomes `path.exact: /api` and `prefix: /api/` (App Mesh prefixes are plain string prefixes);
 * without a path, `prefix: /` (App Mesh wants a prefix or a path on every HTTP route).
 */
export function routeMatches(m: RouteMatch | undefined): Obj[] {
  const common: Obj = {};
  if (m?.headers.length)
    common.headers = m.headers.map((h) => ({ name: h.name, match: stringMatch(h.match) }));
  const query = (m?.query ?? []).filter((q) => q.match.type === 'exact');
  if (query.length)
    common.queryParameters = query.map((q) => ({ name: q.name, match: { exact: q.match.value } }));
  if (m?.method) common.method = m.method;
  const path = m?.path;
  if (!path) return [{ prefix: '/', ...common }];
  if (path.type === 'exact') return [{ path: { exact: path.value }, ...common }];
  if (path.type === 'regex') return [{ path: { regex: path.value }, ...common }];
  if (path.value.endsWith('/')) return [{ prefix: path.value, ...common }];
  return [
    { path: { exact: path.value }, ...common },
    { prefix: `${path.value}/`, ...common },
  ];
}

/**
 * How many App Mesh matches {@link routeMatches} makes of a spec match, without building them: two for a
 * segment-wise prefix without a trailing `/` (`path.exact` and `prefix`), else one.
 */
export function routeMatchCount(m: RouteMatch | undefined): number {
  const path = m?.path;
  return path && path.type !== 'exact' && path.type !== 'regex' && !path.value.endsWith('/') ? 2 : 1;
}

/** The port a target node is reached on from a router port: the same port when it has it, else its first. */
function targetPort(node: NodeRef, port: Port): number {
  return node.service.ports.some((p) => p.port === port.port) ? port.port : node.service.ports[0]!.port;
}

/** `weightedTargets` of a route on one router port. */
export function weightedTargets(r: Route, s: ResolvedService, port: Port, services: ServiceIndex): Obj[] {
  return targetsOf(r.destinations, services).map((t) => ({
    virtualNodeRef: {
      name: t.node.name,
      ...(t.node.namespace !== s.namespace ? { namespace: t.node.namespace } : {}),
    },
    weight: t.weight,
    ...(t.node.service.ports.length > 1 ? { port: targetPort(t.node, port) } : {}),
  }));
}

/** One App Mesh route: its name, its priority and the route body under its type key. */
export interface AppMeshRoute {
  /** Its name as {@link portRoutes} proposes it; {@link routerRoutes} makes the names of a router unique. */
  readonly name: string;
  readonly priority: number;
  readonly body: Obj;
  /** The spec route it comes from. */
  readonly route: Route;
  readonly port: Port;
  /** Which of the spec route's match alternatives it is (1, 2, …; the name's `-<n>` from 2 on). */
  readonly alternative: number;
}

/**
 * The router routes of one port, in spec order: each spec route expands into one App Mesh route per match
 * alternative (App Mesh matches are AND only), priorities 0, 1, 2, … so that the spec's first match wins.
 * TCP ports get one `tcpRoute`: the first route without matches (the default). The names are proposals
 * (`<route>`, `<route>-2` …, `-<port>` with several ports), unique over the router only once
 * {@link routerRoutes} has settled them.
 */
export function portRoutes(s: ResolvedService, port: Port, services: ServiceIndex): AppMeshRoute[] {
  const multiPort = s.ports.length > 1;
  const suffix = multiPort ? `-${port.port}` : '';
  const routes = effectiveRoutes(s);
  const protocol = listenerProtocol(port);
  if (protocol === 'tcp') {
    const def = routes.find((r) => !r.matches.length) ?? routes[routes.length - 1]!;
    const tcpRoute: Obj = {
      action: { weightedTargets: weightedTargets(def, s, port, services) },
      ...(multiPort ? { match: { port: port.port } } : {}),
    };
    return [
      {
        name: `${routeObjectName(def)}${suffix}`,
        priority: 0,
        body: { tcpRoute },
        route: def,
        port,
        alternative: 1,
      },
    ];
  }
  const key = protocol === 'http' ? 'httpRoute' : 'http2Route';
  const out: AppMeshRoute[] = [];
  for (const r of routes) {
    const alternatives = (r.matches.length ? r.matches : [undefined]).flatMap(routeMatches);
    const action = { weightedTargets: weightedTargets(r, s, port, services) };
    const retry = retryPolicy(r);
    alternatives.forEach((match, i) => {
      const body: Obj = {
        match: multiPort ? { ...match, port: port.port } : match,
        action,
        ...(retry ? { retryPolicy: retry } : {}),
        ...(r.timeout ? { timeout: { perRequest: appmeshDuration(r.timeout) } } : {}),
      };
      out.push({
        name: `${routeObjectName(r)}${i ? `-${i + 1}` : ''}${suffix}`,
        priority: out.length,
        body: { [key]: body },
        route: r,
        port,
        alternative: i + 1,
      });
    });
  }
  return out;
}

/**
 * The routes of a service's VirtualRouter (every port's, in port order), with names unique over the router:
 * the controller's webhook refuses a VirtualRouter with two routes of one name
 * (`webhooks/appmesh/virtualrouter_validator.go`, checkForDuplicateRouteEntries, v1.13.3), and the proposed
 * names can collide: the second alternative of route `a` is `a-2`, as is a route named `a-2`; an unnamed route
 * is `route-<index>`, as a route may be named.
 *
 * A route's own name (the first alternative of a named route, or of meshc's implicit `default`) is kept: the
 * spec's route names are unique in a service, and the port suffix keeps them apart between ports. A name
 * meshc makes up (an alternative's `-<n>`, an unnamed route's `route-<index>`) that one of those holds, or an
 * earlier route took, moves on to the next free `<route>-<n>` (`a-3` after the route named `a-2`). The names
 * are a function of the service's routes and ports only: stable from one render to the next.
 */
export function routerRoutes(s: ResolvedService, services: ServiceIndex): AppMeshRoute[] {
  const suffix = s.ports.length > 1 ? (p: Port) => `-${p.port}` : () => '';
  const routes = s.ports.flatMap((p) => portRoutes(s, p, services));
  const own = (r: AppMeshRoute) => r.alternative === 1 && (r.route.name !== undefined || !!r.route.implicit);
  const kept = new Set(routes.filter(own).map((r) => r.name));
  const used = new Set<string>();
  return routes.map((r) => {
    let name = r.name;
    if (!own(r))
      for (let n = r.alternative; kept.has(name) || used.has(name);)
        name = `${routeObjectName(r.route)}-${++n}${suffix(r.port)}`;
    used.add(name);
    return name === r.name ? r : { ...r, name };
  });
}

/** One App Mesh route of {@link portRoutes} as the checks see it: the spec route and its weighted targets. */
export interface RouteShape {
  readonly route: Route;
  readonly targets: number;
}

/**
 * The App Mesh routes of one port as {@link portRoutes} makes them, in the same order, without their bodies:
 * for each, the spec route it comes from and the number of its weighted targets. What the value checks
 * (checkService) count: App Mesh's limits on routes per router and targets per route. They used to build
 * every route's body (matches, targets, retry policy) only to count it, and the router built it again. Reads
 * the index as portRoutes does (the routes' destinations, through targetsOf).
 */
export function portRouteShapes(s: ResolvedService, port: Port, services: ServiceIndex): RouteShape[] {
  const routes = effectiveRoutes(s);
  if (listenerProtocol(port) === 'tcp') {
    const def = routes.find((r) => !r.matches.length) ?? routes[routes.length - 1]!;
    return [{ route: def, targets: targetsOf(def.destinations, services).length }];
  }
  const out: RouteShape[] = [];
  for (const r of routes) {
    const targets = targetsOf(r.destinations, services).length;
    const alternatives = r.matches.length
      ? r.matches.reduce((n, m) => n + routeMatchCount(m), 0)
      : routeMatchCount(undefined);
    for (let i = 0; i < alternatives; i++) out.push({ route: r, targets });
  }
  return out;
}

/** The VirtualRouter of a service: one listener per port, the routes of every port. */
export function buildVirtualRouter(s: ResolvedService, services: ServiceIndex): K8sObject {
  return {
    apiVersion: APPMESH_API,
    kind: 'VirtualRouter',
    metadata: objectMeta(s.name, s.namespace),
    spec: {
      listeners: s.ports.map((p) => ({ portMapping: { port: p.port, protocol: listenerProtocol(p) } })),
      routes: routerRoutes(s, services).map((r) => ({ name: r.name, priority: r.priority, ...r.body })),
    },
  };
}

/** The VirtualService clients dial: `awsName` is the root Service's cluster DNS name; its router provides it. */
export function buildVirtualService(s: ResolvedService): K8sObject {
  return {
    apiVersion: APPMESH_API,
    kind: 'VirtualService',
    metadata: objectMeta(s.name, s.namespace),
    spec: {
      awsName: serviceFqdn(s.namespace, s.name),
      provider: { virtualRouter: { virtualRouterRef: { name: s.name } } },
    },
  };
}

/** Every node a service's routes can send to (its own nodes and other services'), for client SAN checks. */
export function reachableNodes(s: Peer, services: ServiceIndex): NodeRef[] {
  const seen = new Map<string, NodeRef>();
  for (const r of effectiveRoutes(s))
    for (const t of targetsOf(r.destinations, services))
      seen.set(`${t.node.namespace}/${t.node.name}`, t.node);
  if (!seen.size) for (const n of nodesOf(s)) seen.set(`${n.namespace}/${n.name}`, n);
  return [...seen.values()];
}

/**
 * The longest route timeout sending to each node (key `namespace/name`), when longer than App Mesh's 15s
 * listener default: the node's listener must allow it too (aws-app-mesh-examples howto-k8s-timeout-policy).
 */
export function listenerTimeouts(
  all: readonly ResolvedService[],
  services: ServiceIndex,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of all)
    for (const r of effectiveRoutes(s)) {
      if (!r.timeout || r.timeout.ms <= DEFAULT_REQUEST_TIMEOUT_MS) continue;
      for (const t of targetsOf(r.destinations, services)) {
        const key = `${t.node.namespace}/${t.node.name}`;
        out.set(key, Math.max(out.get(key) ?? 0, r.timeout.ms));
      }
    }
  return out;
}

/** The memo key of {@link reachableNodesOf}'s results (the owner is the service). */
const REACHABLE_KEY = 'appmesh-reachable';

/** reachableNodes by index object, then by service, for callers without a memo. */
const reachableByIndex = new WeakMap<ServiceIndex, Map<Peer, readonly NodeRef[]>>();

/**
 * {@link reachableNodes} of `s` in `services`, computed once rather than once per caller: every caller of a
 * backend lists it with a client policy that names what the backend's routes reach, so a backend every
 * service may call (an open one) was asked for by each of the environment's services.
 *
 * With the compile's EmitMemo, the answer is an entry of the memo (owner `s`): the memo records what
 * reachableNodes reads of the index (the services its routes name), and answers again only where those reads
 * give the same services, so that the answer is shared between the callers of `s` and between the environments
 * that see `s` and its targets alike, and never leaks into one that sees a target differently. Called inside
 * another memo entry's computation, `services` is that computation's recording index: a hit re-reads the
 * recorded ids through it and a miss reads through it, so the caller's entry records the same reads as if it had
 * called reachableNodes itself. Without a memo: once per index object (an environment's own index), by service.
 * The array is shared: read-only.
 */
export function reachableNodesOf(
  s: Peer,
  services: ServiceIndex,
  memo: EmitMemo | undefined,
): readonly NodeRef[] {
  if (memo) return memo.get(s, REACHABLE_KEY, services, (index) => reachableNodes(s, index));
  let byService = reachableByIndex.get(services);
  if (!byService) reachableByIndex.set(services, (byService = new Map()));
  let nodes = byService.get(s);
  if (!nodes) byService.set(s, (nodes = reachableNodes(s, services)));
  return nodes;
}
