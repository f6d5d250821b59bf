import type { ExportList, PeerOf } from '../../model/exports.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { envoyLiteral } from '../shared/envoy-values.ts';
import { headerChanges } from '../shared/header-changes.ts';
import type { HeaderOps, Port, ResolvedService, Route } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { routeObjectName, serviceFqdn } from '../shared/names.ts';
import { NETWORKING } from './constants.ts';
import { httpMatches } from './http-match.ts';
import { spread } from '../../core/shapes.ts';

/** Services by id, to find the ports of a route's target services. */
export type ServiceIndex = ReadonlyMap<string, PeerOf<typeof ISTIO_EXPORTS>>;

/**
 * What Istio's objects of one namespace read of other namespaces' services (Backend.exports): the ports of a
 * route's targets (a VirtualService destination names the port when the target has several).
 */
export const ISTIO_EXPORTS = ['id', 'ports'] as const satisfies ExportList;

/** Neutral semantics: no retries unless configured; Istio would otherwise retry twice. */
export const NO_RETRIES = { attempts: 0 } as const;

/** Protocols Istio routes with `http` routes (its HTTP, HTTP2 and gRPC ports); `tcp` ports get none. */
const HTTP_PROTOCOLS: ReadonlySet<Port['protocol']> = new Set(['http', 'http2', 'grpc']);

/** The ports of a service that carry HTTP routes, in spec order. */
export function httpPorts(service: Pick<ResolvedService, 'ports'>): Port[] {
  return service.ports.filter((p) => HTTP_PROTOCOLS.has(p.protocol));
}

/**
 * The VirtualService of a service: exactly one per host (Istio rejects two mesh VirtualServices for one host),
 * one `http[]` entry per route in spec order. Undefined when the service has no routes.
 *
 * A service with several ports gets one set of routes per HTTP port, each entry restricted to its port by
 * `match.port` and sending to that same port (`destination.port`, which Istio needs when the target has
 * several ports). Istio tries `http[]` in order, and the sets of different ports never match the same
 * request, so every port sees the spec's rules in the spec's order.
 *
 * Istio applies `http` routes to HTTP ports only. A TCP port gets a `tcp[]` route carrying the weights of
 * the route that takes every request (the first route without `match`), which is all a TCP route can
 * express; the diagnostics refuse matches and HTTP features on a service without an HTTP port
 * (`tcpRouteProblems`). When that route just sends everything to the service itself, TCP ports need no
 * route.
 */
export function buildVirtualService(service: ResolvedService, services: ServiceIndex): K8sObject | undefined {
  if (!service.routes.length) return undefined;
  const multiPort = service.ports.length > 1;
  const http = httpPorts(service).flatMap((port) =>
    service.routes.map((r) => buildHttpRoute(r, services, multiPort ? port : undefined, port.port)),
  );
  const tcp = tcpRoutes(service, services);
  if (!http.length && !tcp.length) return undefined;
  return {
    apiVersion: NETWORKING,
    kind: 'VirtualService',
    metadata: objectMeta(service.name, service.namespace),
    spec: {
      hosts: [serviceFqdn(service.namespace, service.name)],
      ...(http.length ? { http } : {}),
      ...(tcp.length ? { tcp } : {}),
    },
  };
}

/** The route every request takes (the first without `match`): the only part of the routes TCP can carry. */
export function catchAllRoute(service: ResolvedService): Route | undefined {
  return service.routes.find((r) => r.matches.length === 0);
}

/** One `tcp[]` route per TCP port, with the weighted destinations of the catch-all route. */
function tcpRoutes(service: ResolvedService, services: ServiceIndex): Record<string, unknown>[] {
  const route = catchAllRoute(service);
  if (!route) return [];
  const toSelf =
    route.destinations.length === 1 &&
    route.destinations[0]!.serviceId === service.id &&
    route.destinations[0]!.version === undefined;
  if (toSelf) return [];
  const multiPort = service.ports.length > 1;
  return service.ports
    .filter((p) => !HTTP_PROTOCOLS.has(p.protocol))
    .map((port) => ({
      ...(multiPort ? { match: [{ port: port.port }] } : {}),
      route: route.destinations.map((d) => ({
        destination: destination(d, services, port.port),
        weight: d.weight,
      })),
    }));
}

/** `http[].name`: the route's name, `default` for meshc's implicit default route, else `route-<index>`. */
export const httpRouteName = routeObjectName;

/**
 * A `Destination`: the target's FQDN, its subset (version), and, when the target has several ports, the port
 * (Istio needs it then): the port the request came in on (`parentPort`) when the target has it (always for the
 * service's own versions), else the target's first HTTP port.
 */
export function destination(
  target: {
    readonly serviceId: string;
    readonly namespace: string;
    readonly service: string;
    readonly version?: string;
  },
  services: ServiceIndex,
  parentPort?: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { host: serviceFqdn(target.namespace, target.service) };
  if (target.version !== undefined) out.subset = target.version;
  const svc = services.get(target.serviceId);
  const ports = svc?.ports ?? [];
  if (svc && ports.length > 1) {
    const same = ports.find((p) => p.port === parentPort);
    const port = same ?? httpPorts(svc)[0] ?? ports[0]!;
    out.port = { number: port.port };
  }
  return out;
}

/**
 * The route's timeout as Istio gets it. With `attempts: 0` there is one attempt, which a `perTryTimeout` bounds
 * (Envoy's per-try timeout covers the first attempt too); Istio refuses a perTryTimeout without retries, so it
 * becomes the route timeout when it is the shorter of the two.
 */
export function effectiveTimeout(route: Pick<Route, 'timeout' | 'retries'>): Route['timeout'] {
  const perTry = route.retries?.attempts === 0 ? route.retries.perTryTimeout : undefined;
  if (perTry === undefined) return route.timeout;
  return route.timeout !== undefined && route.timeout.ms <= perTry.ms ? route.timeout : perTry;
}

/**
 * One `http[]` entry of a route. With `port` (services with several ports), the entry is restricted to that
 * port (`match[].port`, on every match entry; a route matching everything gets `match: [{port}]`) and named
 * `<route>-<port name>`; `parentPort` is the port destinations keep.
 */
export function buildHttpRoute(
  route: Route,
  services: ServiceIndex,
  port?: Port,
  parentPort?: number,
): Record<string, unknown> {
  const name = httpRouteName(route);
  const http: Record<string, unknown> = { name: port ? `${name}-${port.name}` : name };
  const match = httpMatches(route.matches);
  if (port) http.match = (match ?? [{}]).map((m) => spread(m, { port: port.port }));
  else if (match) http.match = match;
  http.route = route.destinations.map((d) => ({
    destination: destination(d, services, parentPort),
    weight: d.weight,
  }));
  const timeout = effectiveTimeout(route);
  if (timeout !== undefined) http.timeout = timeout.text;
  // Istio's webhook refuses `retryOn` or `perTryTimeout` next to `attempts: 0` ("http retry policy configured
  // when attempts are set to 0"): with no retry the conditions mean nothing, so `attempts: 0` goes alone (its
  // perTryTimeout bounds the single attempt: see effectiveTimeout).
  http.retries = route.retries?.attempts
    ? {
        attempts: route.retries.attempts,
        ...(route.retries.perTryTimeout !== undefined
          ? { perTryTimeout: route.retries.perTryTimeout.text }
          : {}),
        ...(route.retries.on.length ? { retryOn: route.retries.on.join(',') } : {}),
      }
    : { ...NO_RETRIES };
  const fault = route.fault;
  if (fault && (fault.delay || fault.abort)) {
    http.fault = {
      ...(fault.delay
        ? { delay: { fixedDelay: fault.delay.duration.text, percentage: { value: fault.delay.percent } } }
        : {}),
      ...(fault.abort
        ? { abort: { httpStatus: fault.abort.status, percentage: { value: fault.abort.percent } } }
        : {}),
    };
  }
  if (route.mirror) {
    http.mirror = destination(route.mirror, services, parentPort);
    http.mirrorPercentage = { value: route.mirror.percent };
  }
  const headers = {
    ...headerOperations('request', route.headers?.request),
    ...headerOperations('response', route.headers?.response),
  };
  if (Object.keys(headers).length) http.headers = headers;
  return http;
}

/** `{ [which]: { set, add, remove } }` with the empty operations left out; `{}` when nothing is left. */
function headerOperations(
  which: 'request' | 'response',
  ops: HeaderOps | undefined,
): Record<string, unknown> {
  const out = headerChanges(ops, envoyLiteral);
  return out ? { [which]: out } : {};
}
