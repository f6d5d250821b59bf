/**
 * How meshc's model maps onto App Mesh's units: one VirtualNode per version (or one per service without
 * versions), the callers' `backends` lists from `access`, SPIFFE identities, listener protocols.
 */
import type { Destination, Port, ResolvedEnvironment, ResolvedService, Version } from '../../model/types.ts';
import type { ExportList, PeerOf } from '../../model/exports.ts';
import { serviceFqdn, versionServiceName } from '../shared/names.ts';

/**
 * What App Mesh's builders of one service read of another (model/exports.ts): its nodes (name, namespace,
 * versions), ports, identity (service account), mTLS mode, and its routes (a caller's client policy names the
 * nodes the backend's routes reach).
 */
export const APPMESH_PEER = [
  'id',
  'namespace',
  'name',
  'versions',
  'ports',
  'serviceAccount',
  'mtls',
  'routes',
] as const satisfies ExportList;
export type Peer = PeerOf<typeof APPMESH_PEER>;

/** One VirtualNode: a service's pods, or one version's. */
export interface NodeRef {
  readonly name: string;
  readonly namespace: string;
  readonly service: Peer;
  readonly version?: Version;
}

/** `<service>-<version>` (the per-version Service's name), or `<service>` for a service without versions. */
export function nodeName(service: Pick<Peer, 'name'>, version?: Version): string {
  return version ? versionServiceName(service.name, version.name) : service.name;
}

/** The VirtualNodes of a service: one per version, else one for all its pods. */
export function nodesOf(service: Peer): NodeRef[] {
  if (!service.versions.length) return [{ name: service.name, namespace: service.namespace, service }];
  return service.versions.map((v) => ({
    name: nodeName(service, v),
    namespace: service.namespace,
    service,
    version: v,
  }));
}

/** The DNS name a node's endpoints are found under: its per-version Service, or the service's own. */
export function nodeHostname(node: NodeRef): string {
  return serviceFqdn(node.namespace, node.name);
}

/**
 * The App Mesh listener protocol of a port. gRPC ports are HTTP/2 listeners and routes: the spec's matches
 * are on paths and headers, which App Mesh's `grpcRoute` (service/method names, metadata) does not take.
 */
export function listenerProtocol(p: Port): 'http' | 'http2' | 'tcp' {
  return p.protocol === 'grpc' ? 'http2' : p.protocol;
}

/** A weighted target of a route: a node and its share (0..100). */
export interface Target {
  readonly node: NodeRef;
  readonly weight: number;
}

/**
 * The nodes a route's destinations resolve to. A destination naming a version is that version's node; one
 * without a version on a service with versions is split evenly over its version nodes (largest remainder, in
 * version order), since a pod belongs to exactly one VirtualNode. Weights of the same node add up.
 */
export function targetsOf(
  destinations: readonly Destination[],
  services: ReadonlyMap<string, Peer>,
): Target[] {
  const out = new Map<string, { node: NodeRef; weight: number }>();
  const add = (node: NodeRef, weight: number) => {
    const key = `${node.namespace}/${node.name}`;
    const cur = out.get(key);
    if (cur) cur.weight += weight;
    else out.set(key, { node, weight });
  };
  for (const d of destinations) {
    const target = services.get(d.serviceId);
    if (!target) continue;
    const nodes = nodesOf(target);
    const picked = d.version ? nodes.filter((n) => n.version?.name === d.version) : nodes;
    splitEvenly(d.weight, picked.length).forEach((w, i) => add(picked[i]!, w));
  }
  return [...out.values()];
}

/** `total` split into `n` integers that differ by at most one, the larger ones first. */
export function splitEvenly(total: number, n: number): number[] {
  if (n === 0) return [];
  const base = Math.floor(total / n);
  const rest = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1 : 0));
}

/** Whether `caller` may call `target` by the target's `access` rules (no rules: everyone). */
export function mayCall(caller: ResolvedService, target: ResolvedService): boolean {
  if (!target.access) return true;
  return target.access.some((rule) => rule.from.some((c) => c.kind === 'any' || c.serviceId === caller.id));
}

/**
 * The VirtualServices each service's nodes list as `backends`: every service of the environment it may call
 * (itself included, as other meshes let a service call its own name), in id order. App Mesh's Envoy routes
 * (and, with the mesh's egress filter `DROP_ALL`, admits) only traffic to the VirtualServices its node lists,
 * so this list is both the routing table and the authorization.
 *
 * Built in one pass over the targets instead of asking `mayCall` for every (caller, target) pair, which was
 * quadratic in the fleet (10,000 services x 4 environments: 4 x 10^8 calls). A target is either open (no
 * rules, or a rule admitting `any`: every caller lists it) or names its callers; a caller's list is the open
 * targets merged with the targets naming it, both kept in the order of the stable id sort, which is exactly
 * what filtering `env.services` by `mayCall` and sorting by id gave. Callers whose list is the open targets
 * alone share one array (read-only).
 */
export function backendsOf(env: ResolvedEnvironment): Map<string, readonly ResolvedService[]> {
  const sorted = [...env.services].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rank = new Map<ResolvedService, number>();
  const open: ResolvedService[] = [];
  const naming = new Map<string, ResolvedService[]>();
  sorted.forEach((t, i) => {
    rank.set(t, i);
    if (!t.access || t.access.some((r) => r.from.some((c) => c.kind === 'any'))) {
      open.push(t);
      return;
    }
    const callers = new Set<string>();
    for (const r of t.access) for (const c of r.from) if (c.kind === 'service') callers.add(c.serviceId);
    for (const id of callers) {
      const list = naming.get(id);
      if (list) list.push(t);
      else naming.set(id, [t]);
    }
  });
  const out = new Map<string, readonly ResolvedService[]>();
  for (const caller of env.services) {
    const named = naming.get(caller.id);
    out.set(caller.id, named ? mergeByRank(open, named, rank) : open);
  }
  return out;
}

/** Two lists, each in `rank` order, as one list in `rank` order. */
function mergeByRank<T>(a: readonly T[], b: readonly T[], rank: ReadonlyMap<T, number>): T[] {
  if (!a.length) return [...b];
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(rank.get(a[i]!)! <= rank.get(b[j]!)! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** True when some service restricts its callers: the mesh then drops egress to undeclared backends. */
export function restrictsAccess(env: ResolvedEnvironment): boolean {
  return env.services.some((s) => s.access !== undefined);
}

/** The SPIFFE ID of a workload under SDS trust (the SPIRE Kubernetes registrar's default form). */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The SDS name of the trust domain's bundle (SPIRE's SDS serves the bundle under the trust domain's ID). */
export function trustBundleId(trustDomain: string): string {
  return `spiffe://${trustDomain}`;
}
