import type { ExportList, PeerOf } from '../../model/exports.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Destination, HeaderOps, RouteMatch, StringMatch } from '../../model/types.ts';
import { defaultPathMatch, defaultRouteMatches, serviceBackendRef } from './gateway-api.ts';
import { objectMeta } from './labels.ts';
import { versionServiceName } from './names.ts';

/**
 * Gateway API building blocks for mesh (GAMMA) routing: routes attached to a Kubernetes Service
 * (`parentRefs[].kind: Service`) that send to per-version Services. Shared by the meshes that route with
 * Gateway API HTTPRoutes; mesh-specific choices (annotations, precedence, naming) stay in the backends.
 */

/** The parentRef attaching a route to one port of a Service (GAMMA: `group: ""`, `kind: Service`). */
export function serviceParentRef(service: string, port: number, namespace?: string): Record<string, unknown> {
  return {
    group: '',
    kind: 'Service',
    name: service,
    ...(namespace !== undefined ? { namespace } : {}),
    port,
  };
}

/** Characters with a meaning in RE2 / Rust regex syntax, escaped by `escapeRegex`. */
const REGEX_META = /[\\^$.|?*+()[\]{}]/g;

/** A literal string as a regular expression (RE2 and Rust `regex` syntax alike). */
export function escapeRegex(literal: string): string {
  return literal.replace(REGEX_META, '\\$&');
}

/**
 * A regular expression that matches the whole value, as meshc's `regex` means (RE2 full match, as Envoy's
 * `safe_regex` reads it): `^(?:R)$`. Implementations that search for the leftmost-first match and then require
 * it to span the value (a Rust `regex` proxy, for one) would otherwise reject `a|ab` on `ab`. A regex that is already anchored at both ends and
 * has no alternation is left as written.
 */
export function fullMatchRegex(regex: string): string {
  if (regex.startsWith('^') && /(^|[^\\])\$$/.test(regex) && !regex.includes('|')) return regex;
  return `^(?:${regex})$`;
}

/**
 * Gateway API string match of a header or query value: `exact` → `Exact`; `prefix` → `RegularExpression`
 * `^<escaped prefix>.*$` (Gateway API has no prefix type for values); `regex` → full-match
 * `RegularExpression`.
 */
export function valueMatch(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case 'exact':
      return { type: 'Exact', value: m.value };
    case 'prefix':
      return { type: 'RegularExpression', value: `^${escapeRegex(m.value)}.*$` };
    case 'regex':
      return { type: 'RegularExpression', value: fullMatchRegex(m.value) };
  }
}

/**
 * Gateway API path match: `exact` → `Exact`, `prefix` → `PathPrefix` (segment-wise in both meshc and
 * Gateway API), `regex` → full-match `RegularExpression`.
 */
export function pathMatch(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case 'exact':
      return { type: 'Exact', value: m.value };
    case 'prefix':
      return { type: 'PathPrefix', value: m.value };
    case 'regex':
      return { type: 'RegularExpression', value: fullMatchRegex(m.value) };
  }
}

/**
 * One `rules[].matches[]` entry: path, headers, query parameters and method of a meshc match entry. Without a
 * path, the path the API server fills in (`PathPrefix /`, every path) is written out.
 */
export function httpRouteMatch(m: RouteMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.path = m.path ? pathMatch(m.path) : defaultPathMatch();
  if (m.headers.length) out.headers = m.headers.map((h) => ({ name: h.name, ...valueMatch(h.match) }));
  if (m.query.length) out.queryParams = m.query.map((q) => ({ name: q.name, ...valueMatch(q.match) }));
  if (m.method) out.method = m.method;
  return out;
}

/**
 * A rule's `matches` for meshc match entries; without any, the match the API server fills in (`PathPrefix /`,
 * every request) is written out.
 */
export function httpRouteMatches(matches: readonly RouteMatch[]): Record<string, unknown>[] {
  return matches.length ? matches.map(httpRouteMatch) : defaultRouteMatches();
}

/** `RequestHeaderModifier` / `ResponseHeaderModifier` filters of a route's header operations (none when empty). */
export function headerModifierFilters(
  headers: { readonly request?: HeaderOps; readonly response?: HeaderOps } | undefined,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const modifier = (ops: HeaderOps | undefined): Record<string, unknown> | undefined => {
    if (!ops) return undefined;
    const m: Record<string, unknown> = {};
    if (ops.set.length) m.set = ops.set.map((h) => ({ name: h.name, value: h.value }));
    if (ops.add.length) m.add = ops.add.map((h) => ({ name: h.name, value: h.value }));
    if (ops.remove.length) m.remove = [...ops.remove];
    return Object.keys(m).length ? m : undefined;
  };
  const request = modifier(headers?.request);
  const response = modifier(headers?.response);
  if (request) out.push({ type: 'RequestHeaderModifier', requestHeaderModifier: request });
  if (response) out.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: response });
  return out;
}

/** Services by id, to find the ports of a route's target services. */
export type ServiceIndex = ReadonlyMap<string, PeerOf<typeof GAMMA_EXPORTS>>;

/** What the Gateway API (GAMMA) routes of one service read of the services they send to: their ports. */
export const GAMMA_EXPORTS = ['id', 'ports'] as const satisfies ExportList;

/**
 * The port a backendRef uses on a destination's Service: the parent port itself when the target has it (always
 * for the service's own versions), else the target's first port.
 */
export function backendPort(d: Destination, parentPort: number, services: ServiceIndex): number {
  const ports = services.get(d.serviceId)?.ports ?? [];
  if (ports.some((p) => p.port === parentPort) || ports.length === 0) return parentPort;
  return ports[0]!.port;
}

/**
 * One weighted backendRef: the per-version Service `<service>-<version>` of a destination with a version,
 * else the Service itself; `namespace` only when it differs from the route's.
 */
export function backendRef(
  d: Destination,
  routeNamespace: string,
  parentPort: number,
  services: ServiceIndex,
): Record<string, unknown> {
  const name = d.version === undefined ? d.service : versionServiceName(d.service, d.version);
  return serviceBackendRef(
    name,
    backendPort(d, parentPort, services),
    d.weight,
    d.namespace !== routeNamespace ? d.namespace : undefined,
  );
}

/**
 * The ReferenceGrant that lets HTTPRoutes of `fromNamespace` send to Services of `toNamespace` (Gateway API
 * requires one for every cross-namespace backendRef). Lives in `toNamespace`.
 */
export function buildServiceReferenceGrant(fromNamespace: string, toNamespace: string): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: objectMeta(`${fromNamespace}-httproutes`, toNamespace),
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: fromNamespace }],
      to: [{ group: '', kind: 'Service' }],
    },
  };
}
