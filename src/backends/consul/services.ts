import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService, SimpleLoadBalancer } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import type { Peer, ServiceIndex } from './chain.ts';
import { ANNOTATIONS, CONSUL_API, consulName, isL7, serviceProtocol } from './constants.ts';

/** Consul service metadata keys: letters, digits, `_` and `-` (consul `structs.validateMetaPair`). */
const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;
/**
 * A metadata key a subset filter can name as `Service.Meta.<key>`: a go-bexpr identifier (a letter, then
 * letters, digits or `_`; go-bexpr `grammar.peg`). consul-k8s' webhook and Consul parse the filter
 * (`bexpr.CreateEvaluator`) and refuse the ServiceResolver when it does not parse, as with `app-version`.
 */
const FILTER_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The callers a service's resilience is declared on: Consul keeps outlier detection and connection limits in
 * each *caller's* ServiceDefaults (`upstreamConfig.overrides[]`, keyed by the callee's name). The callers meshc
 * knows are the services the callee's `access` names; any other caller keeps Consul's defaults.
 */
export function knownCallers(s: ResolvedService, services: ServiceIndex): Peer[] {
  return [...callerIds(s)]
    .sort()
    .map((id) => services.get(id))
    .filter((x): x is Peer => x !== undefined);
}

/** The ids of the services a service's `access` names (itself aside), whether or not they are deployed. */
export function callerIds(s: ResolvedService): Set<string> {
  const ids = new Set<string>();
  for (const rule of s.access ?? [])
    for (const c of rule.from) if (c.kind === 'service' && c.serviceId !== s.id) ids.add(c.serviceId);
  return ids;
}

/** One `upstreamConfig.overrides[]` entry: the callee's passive health check and limits. Undefined without either. */
export function upstreamOverride(callee: Peer): Record<string, unknown> | undefined {
  const od = callee.resilience.outlierDetection;
  const pool = callee.resilience.connectionPool;
  const out: Record<string, unknown> = { name: consulName(callee) };
  if (od) {
    const phc: Record<string, unknown> = {};
    if (od.interval) phc.interval = od.interval.text;
    if (od.consecutiveErrors !== undefined) phc.maxFailures = od.consecutiveErrors;
    if (od.maxEjectionPercent !== undefined) phc.maxEjectionPercent = od.maxEjectionPercent;
    if (od.baseEjectionTime) phc.baseEjectionTime = od.baseEjectionTime.text;
    out.passiveHealthCheck = phc;
  }
  if (pool && (pool.maxConnections !== undefined || pool.maxPendingRequests !== undefined)) {
    const limits: Record<string, unknown> = {};
    if (pool.maxConnections !== undefined) limits.maxConnections = pool.maxConnections;
    if (pool.maxPendingRequests !== undefined) limits.maxPendingRequests = pool.maxPendingRequests;
    out.limits = limits;
  }
  return Object.keys(out).length > 1 ? out : undefined;
}

/**
 * The ServiceDefaults of a service: its protocol (the first port's; Consul's default is `tcp`, and routers,
 * splitters and L7 intentions need `http`, `http2` or `grpc`), `mutualTLSMode: permissive` when the service
 * sets `mtls: permissive`, and the resilience of the services it calls that meshc fans out to it.
 */
export function buildServiceDefaults(
  s: ResolvedService,
  overrides: readonly Record<string, unknown>[],
): K8sObject {
  const spec: Record<string, unknown> = { protocol: serviceProtocol(s) };
  if (s.mtlsOverride && s.mtls === 'permissive') spec.mutualTLSMode = 'permissive';
  if (overrides.length) spec.upstreamConfig = { overrides: [...overrides] };
  return {
    apiVersion: CONSUL_API,
    kind: 'ServiceDefaults',
    metadata: objectMeta(consulName(s), s.namespace),
    spec,
  };
}

const LB: Readonly<Record<SimpleLoadBalancer, string>> = {
  'round-robin': 'round_robin',
  'least-request': 'least_request',
  random: 'random',
};

/** `Service.Meta.<key> == "<value>"` for every label of a version, AND-ed (consul-k8s copies `service-meta-<key>` pod annotations into Service.Meta). */
export function subsetFilter(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `Service.Meta.${k} == ${JSON.stringify(v)}`)
    .join(' and ');
}

/**
 * The ServiceResolver: one subset per version, filtering the service's instances on the metadata its pods carry
 * (`consul.hashicorp.com/service-meta-<label>: <value>`), and the load-balancer policy. No `defaultSubset`: a
 * request that names no version goes to every instance, as meshc's routes mean. Undefined when the service has
 * neither versions nor a load balancer.
 */
export function buildResolver(s: ResolvedService): { object?: K8sObject; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const spec: Record<string, unknown> = {};
  if (s.versions.length) {
    const subsets: Record<string, unknown> = {};
    for (const v of s.versions) {
      for (const key of Object.keys(v.labels))
        if (!META_KEY.test(key))
          diagnostics.push({
            code: 'MESH_CONSTRAINT',
            severity: 'error',
            message: `Consul selects versions by service metadata, and the label key "${key}" of ${s.id} version ${v.name} is not a valid metadata key (letters, digits, _ and - only).`,
            hint: `Select the version by a label whose key Consul metadata can carry (for example \`version\`); its pods carry it as the annotation \`${ANNOTATIONS.metaPrefix}<key>\`.`,
            location: s.origin(['versions', v.name, 'labels', key], 'key'),
          });
        else if (!FILTER_KEY.test(key))
          diagnostics.push({
            code: 'MESH_CONSTRAINT',
            severity: 'error',
            message: `Consul selects versions by a filter on service metadata, and the label key "${key}" of ${s.id} version ${v.name} cannot be named in it (\`Service.Meta.${key}\` does not parse: a key there is a letter, then letters, digits and _); consul-k8s would refuse the ServiceResolver.`,
            hint: `Select the version by a label whose key starts with a letter and has only letters, digits and _ (for example \`version\`); its pods carry it as the annotation \`${ANNOTATIONS.metaPrefix}<key>\`.`,
            location: s.origin(['versions', v.name, 'labels', key], 'key'),
          });
      subsets[v.name] = { filter: subsetFilter(v.labels) };
    }
    spec.subsets = subsets;
  }
  const lb = s.resilience.loadBalancer;
  // Consul writes hash policies into the route of an HTTP connection manager only (agent/xds
  // `injectLBToRouteAction`, on the routes of L7 chains); a TCP proxy reaches the ring_hash cluster with no
  // hash, and Envoy then hashes a random number per connection: no request header can keep a caller sticky.
  if (lb?.type === 'consistent-hash' && !isL7(s))
    diagnostics.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Consul hashes request headers for HTTP, HTTP/2 and gRPC services only; ${s.id} speaks tcp on its meshed port, so its ring_hash load balancer would pick a random pod per connection instead of hashing the header ${lb.header}.`,
      hint: 'Give the service an http, http2 or grpc port (its first port is the one Consul meshes), or choose another loadBalancer for this environment with an override.',
      location: s.origin(['resilience', 'loadBalancer']),
    });
  if (lb) {
    spec.loadBalancer =
      lb.type === 'consistent-hash'
        ? { policy: 'ring_hash', hashPolicies: [{ field: 'header', fieldValue: lb.header }] }
        : { policy: LB[lb.type] };
  }
  if (!Object.keys(spec).length) return { diagnostics };
  return {
    object: {
      apiVersion: CONSUL_API,
      kind: 'ServiceResolver',
      metadata: objectMeta(consulName(s), s.namespace),
      spec,
    },
    diagnostics,
  };
}
