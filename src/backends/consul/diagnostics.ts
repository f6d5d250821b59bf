import type { Diagnostic, RelatedLocation } from '../../core/diagnostic.ts';
import { manyPlaces } from '../../core/diagnostic.ts';
import type { Location } from '../../core/location.ts';
import { routeRef } from '../../core/names.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { ServiceIndex } from './chain.ts';
import { liveRoutes } from './chain.ts';
import { VAULT_REQUIRED_VALUES, valueAt } from './charts.ts';
import { consulName, isL7, serviceProtocol } from './constants.ts';
import { checkSelectorOverlaps } from './selector-overlaps.ts';
import { callerIds, knownCallers, upstreamOverride } from './services.ts';

/** The findings of each service (`checkService`, or results of it shared between environments), by index. */
export type ServiceChecks = (s: ResolvedService, i: number) => readonly Diagnostic[];

/**
 * Values Consul cannot take as they are (the capability table speaks per feature, these per value): Consul
 * service names that collide (Consul CE has one namespace), services whose pods can meet (selector-overlaps.ts),
 * ports beyond the one Consul meshes, connection limits Consul has no field for, resilience no known caller
 * would apply, routes to a service of another protocol or resilience (checkRoutedServices), a tracing protocol
 * the proxies do not speak, and Vault values the chart fails without. Errors are reported per service; the
 * per-service warnings of checkService are grouped across the environment's services (groupWarnings).
 */
export function checkEnvironment(env: ResolvedEnvironment, checks: ServiceChecks): Diagnostic[] {
  const out: Diagnostic[] = [];
  const grouped = new Map<Finding['kind'], Diagnostic[]>();
  const byName = new Map<string, ResolvedService>();
  for (const [i, s] of env.services.entries()) {
    const name = consulName(s);
    const first = byName.get(name);
    if (first)
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `${s.id} and ${first.id} would both be the Consul service "${name}" (a Consul service is named after its pods' service account, and Consul Community Edition has one namespace for all Kubernetes namespaces).`,
        hint: 'Give one of the services its own service account, or deploy them to different environments.',
        location: s.origin(['serviceAccount']),
      });
    else byName.set(name, s);
    for (const d of checks(s, i)) {
      const kind = FINDINGS.get(d)?.kind;
      const same = kind && grouped.get(kind);
      if (!kind) out.push(d);
      else if (same) same.push(d);
      else grouped.set(kind, [d]);
    }
  }
  for (const same of grouped.values()) out.push(groupWarnings(same));
  out.push(...checkRoutedServices(env), ...checkSelectorOverlaps(env));
  const tracing = env.mesh.observability.tracing;
  if (tracing && tracing.provider !== 'zipkin')
    out.push({
      code: 'MESH_UNSUPPORTED_FEATURE',
      severity: 'error',
      message: `Consul configures its proxies' tracer in ProxyDefaults Envoy bootstrap JSON, which meshc writes for Zipkin only; the ${tracing.provider} provider is not expressible.`,
      hint: 'Use `provider: zipkin` with a Zipkin-compatible collector endpoint (an OpenTelemetry Collector can receive Zipkin).',
      location: env.origin(['mesh', 'observability', 'tracing', 'provider']),
    });
  const trust = env.mesh.trust;
  if (trust?.type === 'vault' && env.mesh.install) {
    const missing = VAULT_REQUIRED_VALUES.filter((p) => valueAt(env.mesh.install!.values, p) === undefined);
    if (missing.length)
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `With Vault as its secrets backend, TLS and managed ACLs, the consul chart refuses to render without ${missing.map((p) => p.join('.')).join(', ')}.`,
        hint: 'Set them in mesh.install.values to the Vault paths and roles of your Vault setup (HashiCorp "Vault as the secrets backend" for Consul on Kubernetes); they are references, not secrets.',
        location: env.origin(['mesh', 'trust', 'vault']),
      });
  }
  return out;
}

/**
 * What Consul makes of a route that sends to another service, which reads that service (so it is checked over
 * the environment, like the name collisions above):
 * - its protocol: Consul compiles a discovery chain with one protocol, the string each service's ServiceDefaults
 *   names (`http`, `http2`, `grpc` and `tcp` all differ), and refuses a router or splitter whose chain reaches a
 *   service of another ("discovery chain %q uses inconsistent protocols", `discoverychain/compile.go`
 *   `recordProtocol`; state store "cannot route to a service using tcp"), so that the entry stays Synced=False.
 *   The splitter-only services `<name>--<route>` speak the owner's protocol, so the owner's is the one to match;
 * - its resilience: Consul builds every cluster of a chain with the caller's upstream settings for the chain's
 *   service (agent/xds `makeUpstreamClustersForDiscoveryChain`: one `upstreamConfig` for all target groups), so
 *   the routed-to service gets the routing service's outlier detection and limits on that path, not its own;
 *   and a caller of both builds that service's cluster twice (same name, one per chain), of which Consul keeps
 *   whichever it generated last (its chains are a Go map: no fixed order).
 */
function checkRoutedServices(env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byId = new Map(env.services.map((s) => [s.id, s]));
  for (const s of env.services) {
    // Routes on a TCP service are refused on their own (buildChain).
    if (!isL7(s)) continue;
    const protocol = serviceProtocol(s);
    for (const r of liveRoutes(s.routes)) {
      const seen = new Set<string>();
      for (const d of r.destinations) {
        if (d.weight <= 0 || d.serviceId === s.id || seen.has(d.serviceId)) continue;
        seen.add(d.serviceId);
        const t = byId.get(d.serviceId);
        if (!t) continue;
        const location = s.origin(d.at.at(-2) === 'backends' ? [...d.at, 'service'] : d.at);
        const theirs = serviceProtocol(t);
        if (theirs !== protocol) {
          out.push({
            code: 'MESH_CONSTRAINT',
            severity: 'error',
            message: `Consul compiles the discovery chain of ${s.id} for one protocol, and ${routeRef(r)} sends to ${t.id}, which speaks ${theirs} where ${s.id} speaks ${protocol}: Consul would refuse the ServiceRouter or ServiceSplitter ("uses inconsistent protocols").`,
            hint: `Route only to services whose meshed (first) port speaks ${protocol}, or give ${t.id} a ${protocol} port first.`,
            location,
          });
          continue;
        }
        const mine = callerSettings(s);
        const its = callerSettings(t);
        if (mine.key === its.key) continue;
        // The callers meshc writes settings for whose sidecars hold both chains, with different settings.
        const both = [...new Set([...callerIds(s), ...callerIds(t)])]
          .filter((c) => byId.has(c) && mayCall(s, c) && mayCall(t, c))
          .filter((c) => (callerIds(s).has(c) ? mine.key : '') !== (callerIds(t).has(c) ? its.key : ''))
          .sort();
        const twice = both.length
          ? ` ${both.join(', ')} ${both.length > 1 ? 'call' : 'calls'} both: ${both.length > 1 ? 'their sidecars get' : 'its sidecar gets'} two settings for the cluster of ${t.id}, one per chain, and Consul keeps one of them in no fixed order.`
          : '';
        out.push({
          code: 'MESH_APPROXIMATE_FEATURE',
          severity: 'warning',
          message: `Consul applies a caller's settings for ${s.id} to every service its discovery chain reaches: what ${routeRef(r)} of ${s.id} sends to ${t.id} gets the outlier detection and connection limits of ${s.id} (${mine.text}), not those of ${t.id} (${its.text}).${twice}`,
          hint: `Give ${t.id} the same outlierDetection and connectionPool as ${s.id} for this environment, or route to a version of ${s.id} instead of another service.`,
          location,
        });
      }
    }
  }
  return out;
}

/** What a caller's ServiceDefaults carries for a service (upstreamOverride without the name): a key and words. */
function callerSettings(s: ResolvedService): { key: string; text: string } {
  const o = upstreamOverride(s);
  if (!o) return { key: '', text: 'none' };
  const declared = [o.passiveHealthCheck ? 'outlierDetection' : '', o.limits ? 'connectionPool' : ''];
  return {
    key: JSON.stringify([o.passiveHealthCheck ?? null, o.limits ?? null]),
    text: declared.filter(Boolean).join(' and '),
  };
}

/** Whether the intentions meshc writes for `s` let the service `caller` reach it (a sidecar then holds its chain). */
function mayCall(s: ResolvedService, caller: string): boolean {
  if (s.access === undefined) return true;
  return s.access.some((rule) =>
    rule.from.some((c) => c.kind === 'any' || (c.kind === 'service' && c.serviceId === caller)),
  );
}

/** The per-value findings of one service: a function of the service and what it reads of the index (its callers). */
export function checkService(s: ResolvedService, services: ServiceIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (s.ports.length > 1)
    out.push(finding({ kind: 'ports', id: s.id, port: s.ports[0]!.name }, s.origin(['ports', 1])));
  const pool = s.resilience.connectionPool;
  if (pool?.maxRequestsPerConnection)
    out.push({
      code: 'MESH_UNSUPPORTED_FEATURE',
      severity: 'error',
      message: `Consul has no limit on requests per connection (${s.id}): upstream limits are maxConnections, maxPendingRequests and maxConcurrentRequests.`,
      hint: 'Remove maxRequestsPerConnection for this environment with an override (0, unlimited, is accepted).',
      location: s.origin(['resilience', 'connectionPool', 'maxRequestsPerConnection']),
    });
  const declared = (['outlierDetection', 'connectionPool'] as const).filter((k) => s.resilience[k]);
  if (declared.length && !knownCallers(s, services).length)
    out.push(finding({ kind: 'no-caller', id: s.id, declared }, s.origin(['resilience', declared[0]!])));
  return out;
}

/**
 * A warning of checkService that checkEnvironment groups across the environment's services, and what its
 * grouped message needs of the service: `ports`, a service with more ports than the one Consul meshes (`port`,
 * its first); `no-caller`, resilience (`declared`) on a service whose access rules name no caller.
 */
type Finding =
  | { readonly kind: 'ports'; readonly id: string; readonly port: string }
  | {
      readonly kind: 'no-caller';
      readonly id: string;
      readonly declared: readonly ('outlierDetection' | 'connectionPool')[];
    };

/**
 * The finding behind each groupable warning. checkService returns plain Diagnostics (the backend keeps them in
 * its per-service memo as they are, shared between environments), so the finding rides beside them, keyed by
 * the very object: a warning of checkService is only ever handed to checkEnvironment, which replaces it.
 */
const FINDINGS = new WeakMap<Diagnostic, Finding>();

/** The warning of one service, as printed when it is the only one of its kind in the environment. */
function finding(f: Finding, location: Location): Diagnostic {
  const d: Diagnostic = { ...warningOf([f], ''), location };
  FINDINGS.set(d, f);
  return d;
}

/**
 * One warning for the same finding on several services of an environment, like the capability warnings
 * (src/plan/capabilities.ts): at the first service (the environment's order), the message counting the
 * others, the first RELATED_LIMIT of them related locations ("also …"), so that a fleet where every service
 * has it reads as one finding, not one per service. A single use keeps its own warning as it is.
 */
function groupWarnings(same: readonly Diagnostic[]): Diagnostic {
  const first = same[0]!;
  if (same.length === 1) return first;
  const fs = same.map((d) => FINDINGS.get(d)!);
  const { listed, counted, cut } = manyPlaces(same, 'service');
  const related: RelatedLocation[] = listed.map((d) => ({
    message: alsoOf(FINDINGS.get(d)!),
    location: d.location!,
  }));
  // The message goes on after the count ("… are not proxied"): a cut list's clause is closed by a comma.
  return { ...warningOf(fs, cut ? `${counted},` : counted), location: first.location!, related };
}

/**
 * The warning (without location) of findings of one kind, `fs[0]` the first; `counted` is empty for one
 * service, else " and N more services[, K of them listed,]" (what follows the first id).
 */
function warningOf(fs: readonly Finding[], counted: string): Omit<Diagnostic, 'location'> {
  const f = fs[0]!;
  const many = fs.length > 1;
  if (f.kind === 'ports') {
    // The meshed port of each service: its first; their distinct names, the first few.
    const names = [...new Set(fs.map((x) => (x.kind === 'ports' ? x.port : '')))];
    const first = names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(' or ');
    return {
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `Consul meshes one port per service, the first (${first}); the other ports of ${f.id}${counted} are not proxied.`,
      hint: 'Exclude the other ports from the sidecar on the pods (`consul.hashicorp.com/transparent-proxy-exclude-inbound-ports`), or split the service into one service per port.',
    };
  }
  // What the services declare, in the order of checkService.
  const declared = (['outlierDetection', 'connectionPool'] as const).filter((k) =>
    fs.some((x) => x.kind === 'no-caller' && x.declared.includes(k)),
  );
  return {
    code: 'MESH_APPROXIMATE_FEATURE',
    severity: 'warning',
    message: `Consul declares ${declared.join(' and ')} in each caller's ServiceDefaults, and ${f.id}${counted} ${many ? 'name no caller in their' : 'names no caller in its'} access rules: no caller applies it.`,
    hint: 'List the services that call it in `access` (meshc then writes the policy into their ServiceDefaults), or remove the setting for this environment.',
  };
}

/** The message of a related location of a grouped warning: another service with the finding. */
function alsoOf(f: Finding): string {
  return f.kind === 'ports'
    ? `also the other ports of ${f.id}`
    : `also ${f.declared.join(' and ')} of ${f.id}, which names no caller`;
}
