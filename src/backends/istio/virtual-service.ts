import type { K8sObject } from '../../core/k8s.ts';
import type { HeaderOps, ResolvedService, Route } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { serviceFqdn } from '../shared/names.ts';
import { NETWORKING } from './constants.ts';
import { httpMatches } from './http-match.ts';

/** Services by id, to find the ports of a route's target services. */
export type ServiceIndex = ReadonlyMap<string, ResolvedService>;

/** Neutral semantics: no retries unless configured; Istio would otherwise retry twice. */
export const NO_RETRIES = { attempts: 0 } as const;

/**
 * The VirtualService of a service: exactly one per host (Istio rejects two mesh VirtualServices for one host),
 * one `http[]` entry per route in spec order. Undefined when the service has no routes.
 */
export function buildVirtualService(service: ResolvedService, services: ServiceIndex): K8sObject | undefined {
  if (!service.routes.length) return undefined;
  return {
    apiVersion: NETWORKING,
    kind: 'VirtualService',
    metadata: objectMeta(service.name, service.namespace),
    spec: {
      hosts: [serviceFqdn(service.namespace, service.name)],
      http: service.routes.map((r) => buildHttpRoute(r, services)),
    },
  };
}

/** `http[].name`: the route's name, `default` for meshc's implicit default route, else `route-<index>`. */
export function httpRouteName(route: Route): string {
  if (route.implicit) return 'default';
  return route.name ?? `route-${route.index}`;
}

/**
 * A `Destination`: the target's FQDN, its subset (version), and its first port when it has several (Istio
 * needs the port then).
 */
export function destination(
  target: {
    readonly serviceId: string;
    readonly namespace: string;
    readonly service: string;
    readonly version?: string;
  },
  services: ServiceIndex,
): Record<string, unknown> {
  const out: Record<string, unknown> = { host: serviceFqdn(target.namespace, target.service) };
  if (target.version !== undefined) out.subset = target.version;
  const ports = services.get(target.serviceId)?.ports ?? [];
  const first = ports[0];
  if (ports.length > 1 && first) out.port = { number: first.port };
  return out;
}

export function buildHttpRoute(route: Route, services: ServiceIndex): Record<string, unknown> {
  const http: Record<string, unknown> = { name: httpRouteName(route) };
  const match = httpMatches(route.matches);
  if (match) http.match = match;
  http.route = route.destinations.map((d) => ({ destination: destination(d, services), weight: d.weight }));
  if (route.timeout !== undefined) http.timeout = route.timeout;
  http.retries = route.retries
    ? {
        attempts: route.retries.attempts,
        ...(route.retries.perTryTimeout !== undefined ? { perTryTimeout: route.retries.perTryTimeout } : {}),
        ...(route.retries.on.length ? { retryOn: route.retries.on.join(',') } : {}),
      }
    : { ...NO_RETRIES };
  const fault = route.fault;
  if (fault && (fault.delay || fault.abort)) {
    http.fault = {
      ...(fault.delay
        ? { delay: { fixedDelay: fault.delay.duration, percentage: { value: fault.delay.percent } } }
        : {}),
      ...(fault.abort
        ? { abort: { httpStatus: fault.abort.status, percentage: { value: fault.abort.percent } } }
        : {}),
    };
  }
  if (route.mirror) {
    http.mirror = destination(route.mirror, services);
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
  if (!ops) return {};
  const out: Record<string, unknown> = {};
  if (ops.set.length) out.set = Object.fromEntries(ops.set.map((h) => [h.name, h.value]));
  if (ops.add.length) out.add = Object.fromEntries(ops.add.map((h) => [h.name, h.value]));
  if (ops.remove.length) out.remove = [...ops.remove];
  return Object.keys(out).length ? { [which]: out } : {};
}
