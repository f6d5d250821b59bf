import type { Diagnostic } from '../../core/diagnostic.ts';
import { routeRef } from '../../core/names.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService } from '../../model/types.ts';
import type { ServiceIndex } from '../shared/gamma.ts';
import { backendRef, headerModifierFilters, httpRouteMatches, serviceParentRef } from '../shared/gamma.ts';
import { GATEWAY_API_VERSION } from '../shared/gateway-api.ts';
import { objectMeta } from '../shared/labels.ts';
import { routeObjectName } from '../shared/names.ts';
import { orderRoutes } from '../shared/route-precedence.ts';
import { policyKey, routeAnnotations } from './route-policy.ts';

/** Gateway API limits of one HTTPRoute (standard channel CRD): rules, matches per rule, matches in all. */
const MAX_RULES = 16;
const MAX_RULE_MATCHES = 64;
const MAX_ROUTE_MATCHES = 128;

export interface OutboundRoutes {
  /** The service's HTTPRoutes, in its namespace. */
  readonly routes: K8sObject[];
  /** Namespaces of Services the routes send to outside the service's own namespace (need a ReferenceGrant). */
  readonly crossNamespaceTargets: string[];
  readonly diagnostics: Diagnostic[];
}

/** Ports Linkerd routes HTTP on (an HTTPRoute does not apply to opaque TCP). */
export function httpPorts(service: ResolvedService): Port[] {
  return service.ports.filter((p) => p.protocol !== 'tcp');
}

/**
 * The GAMMA HTTPRoutes of a service (`gateway.networking.k8s.io/v1`, parentRef = the service's Kubernetes
 * Service on each HTTP port). Linkerd reads retries and timeouts from annotations on the HTTPRoute object,
 * so routes with different timeouts or retries go to different objects: one per distinct policy (in order of
 * first appearance), and one per port when the service has several HTTP ports (backendRefs carry a port).
 * Match entries are rewritten by `orderRoutes` so that Linkerd's most-specific-match choice equals meshc's
 * first-match choice; what cannot be rewritten is reported. Empty without routes.
 */
export function buildOutboundRoutes(service: ResolvedService, services: ServiceIndex): OutboundRoutes {
  const out: OutboundRoutes = { routes: [], crossNamespaceTargets: [], diagnostics: [] };
  if (!service.routes.length) return out;
  const ports = httpPorts(service);
  if (!ports.length) {
    out.diagnostics.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Service ${service.id} has routes but no http, http2 or grpc port: Linkerd applies HTTPRoutes to HTTP traffic only.`,
      hint: 'Declare the port protocol (http, http2, grpc), or remove `routes` for this environment with an override.',
      location: service.origin(['routes']),
    });
    return out;
  }

  const keys = service.routes.map((r) => policyKey(r));
  const groups = [...new Set(keys)];
  const groupNames = new Map<string, string>();
  const used = new Set<string>();
  for (const key of groups) {
    const first = service.routes[keys.indexOf(key)]!;
    let name = groups.length === 1 ? service.name : `${service.name}.${routeObjectName(first)}`;
    while (used.has(name)) name = `${name}.${first.index}`;
    used.add(name);
    groupNames.set(key, name);
  }

  const ordered = orderRoutes(service.routes.map((r, i) => ({ group: keys[i]!, matches: r.matches })));
  for (const c of ordered.conflicts)
    out.diagnostics.push(orderDiagnostic(service, c.earlier, c.later, c.laterMatch));

  const targets = new Set<string>();
  for (const port of ports) {
    for (const key of groups) {
      const members = ordered.routes.filter((o) => o.group === key && o.reachable);
      if (!members.length) continue;
      const first = service.routes[members[0]!.index]!;
      const name = ports.length > 1 ? `${groupNames.get(key)!}.${port.name}` : groupNames.get(key)!;
      const rules = members.map((o) => {
        const route = service.routes[o.index]!;
        for (const d of route.destinations) if (d.namespace !== service.namespace) targets.add(d.namespace);
        const rule: Record<string, unknown> = {};
        rule.matches = httpRouteMatches(o.matches);
        const filters = headerModifierFilters(route.headers);
        if (filters.length) rule.filters = filters;
        rule.backendRefs = route.destinations.map((d) =>
          backendRef(d, service.namespace, port.port, services),
        );
        return rule;
      });
      // A rule without matches has the default one (the API server fills it in before the CRD's CEL counts).
      const matchCounts = members.map((o) => Math.max(1, o.matches.length));
      if (
        rules.length > MAX_RULES ||
        matchCounts.some((n) => n > MAX_RULE_MATCHES) ||
        matchCounts.reduce((a, b) => a + b, 0) > MAX_ROUTE_MATCHES
      ) {
        out.diagnostics.push({
          code: 'MESH_CONSTRAINT',
          severity: 'error',
          message: `Service ${service.id} needs ${rules.length} rules with ${matchCounts.join('+')} match entries in HTTPRoute ${name}; Gateway API allows ${MAX_RULES} rules, ${MAX_RULE_MATCHES} matches per rule and ${MAX_ROUTE_MATCHES} in all.`,
          hint: 'Merge routes or match entries; give routes that share timeouts and retries fewer, broader matches.',
          location: service.origin(['routes']),
        });
        continue;
      }
      const annotations = routeAnnotations(first);
      const metadata = objectMeta(name, service.namespace);
      if (Object.keys(annotations).length) metadata.annotations = annotations;
      out.routes.push({
        apiVersion: GATEWAY_API_VERSION,
        kind: 'HTTPRoute',
        metadata,
        spec: {
          parentRefs: [serviceParentRef(service.name, port.port)],
          rules,
        },
      });
    }
  }
  out.crossNamespaceTargets.push(...[...targets].sort());
  return out;
}

function orderDiagnostic(
  service: ResolvedService,
  earlier: number,
  later: number,
  laterMatch: number | undefined,
): Diagnostic {
  const a = service.routes[earlier]!;
  const b = service.routes[later]!;
  const at = b.implicit
    ? service.origin(['routes', a.index])
    : laterMatch !== undefined
      ? service.origin(['routes', b.index, 'match', laterMatch])
      : service.origin(['routes', b.index]);
  return {
    code: 'MESH_APPROXIMATE_FEATURE',
    severity: 'warning',
    message: `Linkerd picks the most specific matching route, not the first: some requests that match both ${routeRef(a)} and the later ${routeRef(b)} of ${service.id} may be sent by ${routeRef(b)}.`,
    hint: `Make ${routeRef(a)} at least as specific as ${routeRef(b)} where they overlap (same path kind and length, method, header and query count), or give both the same timeout and retries so that rule order breaks ties (see the Linkerd backend README, "Route order").`,
    location: at,
  };
}
