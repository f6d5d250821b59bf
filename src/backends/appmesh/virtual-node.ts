/**
 * VirtualNodes: one per version (or per service), with a listener per port carrying the service's
 * destination-side policy (TLS, outlier detection, connection pool, timeout) and the callers' `backends`.
 */
import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService } from '../../model/types.ts';
import type { EmitMemo } from '../shared/emit-memo.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_API, appmeshDuration } from './constants.ts';
import { listenerProtocol, nodeHostname, nodesOf } from './model.ts';
import { clientPolicy, identityOf, listenerTls, type AppMeshTrust, type Identity } from './tls.ts';
import { reachableNodesOf, type ServiceIndex } from './virtual-router.ts';

type Obj = Record<string, unknown>;

/** Envoy's outlier-detection defaults, for the fields App Mesh requires and the spec leaves out. */
export const OUTLIER_DEFAULTS = {
  maxServerErrors: 5,
  intervalMs: 10_000,
  baseEjectionMs: 30_000,
  maxEjectionPercent: 10,
};

/** `listeners[].outlierDetection` (HTTP ports): App Mesh requires all four fields. */
export function outlierDetection(s: ResolvedService): Obj | undefined {
  const od = s.resilience.outlierDetection;
  if (!od) return undefined;
  return {
    maxServerErrors: od.consecutiveErrors ?? OUTLIER_DEFAULTS.maxServerErrors,
    interval: appmeshDuration(od.interval ?? OUTLIER_DEFAULTS.intervalMs),
    baseEjectionDuration: appmeshDuration(od.baseEjectionTime ?? OUTLIER_DEFAULTS.baseEjectionMs),
    maxEjectionPercent: od.maxEjectionPercent ?? OUTLIER_DEFAULTS.maxEjectionPercent,
  };
}

/**
 * `listeners[].connectionPool` for the listener's protocol: `http` {maxConnections, maxPendingRequests},
 * `http2` {maxRequests ← maxConnections}, `tcp` {maxConnections}. Undefined when the protocol's required field
 * has no value (reported by the diagnostics).
 */
export function connectionPool(s: ResolvedService, p: Port): Obj | undefined {
  const cp = s.resilience.connectionPool;
  if (!cp || cp.maxConnections === undefined || cp.maxConnections < 1) return undefined;
  switch (listenerProtocol(p)) {
    case 'http':
      return {
        http: {
          maxConnections: cp.maxConnections,
          ...(cp.maxPendingRequests ? { maxPendingRequests: cp.maxPendingRequests } : {}),
        },
      };
    case 'http2':
      return { http2: { maxRequests: cp.maxConnections } };
    case 'tcp':
      return { tcp: { maxConnections: cp.maxConnections } };
  }
}

/**
 * What a service's VirtualNodes read besides the service itself. Everything here is either a mesh setting of
 * the environment or a per-service value computed from the whole environment (the backends, the listener
 * timeouts), so that a memo keyed by these values and by the services read from `services` is sound.
 */
export interface NodeContext {
  /** The other services, read by id (the backends and what their routes reach). */
  readonly services: ServiceIndex;
  readonly trust: AppMeshTrust | undefined;
  readonly trustDomain: string;
  /** The ids of the services this service may call (its nodes' backends), in id order. */
  readonly backends: readonly string[];
  /** The listener timeout of each of its nodes (in `nodesOf` order), when longer than App Mesh's default. */
  readonly timeouts: readonly (number | undefined)[];
  /** The environment's ingress gateway identity (native ingress), which exposed services also accept. */
  readonly gateway: Identity | undefined;
  /**
   * The compile's memo, where the backends' reachable nodes are shared between callers (reachableNodesOf);
   * not an input of the result: what reachableNodesOf answers is what reachableNodes would over `services`.
   */
  readonly memo?: EmitMemo | undefined;
}

/**
 * The identities a service's listeners accept under SDS trust: the callers its access rules name (and the
 * ingress gateway when it is exposed). Absent when any caller may connect (no rules, a `*` rule, or a trust
 * other than SDS).
 */
export function allowedCallers(
  s: ResolvedService,
  trust: AppMeshTrust | undefined,
  gateway: Identity | undefined,
): readonly Identity[] | undefined {
  if (trust?.type !== 'sds') return undefined;
  if (!s.access || s.access.some((r) => r.from.some((c) => c.kind === 'any'))) return undefined;
  const ids: Identity[] = [];
  for (const r of s.access)
    for (const c of r.from)
      if (c.kind === 'service') ids.push({ namespace: c.namespace, serviceAccount: c.serviceAccount });
  if (s.ingress && gateway) ids.push(gateway);
  const unique = new Map(ids.map((i) => [`${i.namespace}/${i.serviceAccount}`, i]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i);
}

function listener(
  s: ResolvedService,
  p: Port,
  timeout: number | undefined,
  callers: readonly Identity[] | undefined,
  ctx: NodeContext,
): Obj {
  const protocol = listenerProtocol(p);
  const out: Obj = { portMapping: { port: p.port, protocol } };
  if (timeout !== undefined && protocol !== 'tcp')
    out.timeout = { [protocol]: { perRequest: appmeshDuration(timeout) } };
  if (protocol !== 'tcp') {
    const od = outlierDetection(s);
    if (od) out.outlierDetection = od;
  }
  const pool = connectionPool(s, p);
  if (pool) out.connectionPool = pool;
  const tls = listenerTls(s.mtls, ctx.trust, identityOf(s), ctx.trustDomain, callers);
  if (tls) out.tls = tls;
  return out;
}

/** The backends of a caller's nodes, each with the client TLS policy for that backend. */
function backends(s: ResolvedService, ctx: NodeContext): Obj[] {
  return ctx.backends.map((id) => {
    const b = ctx.services.get(id)!;
    const policy =
      b.mtls === 'off'
        ? undefined
        : clientPolicy(ctx.trust, identityOf(s), ctx.trustDomain, () =>
            reachableNodesOf(b, ctx.services, ctx.memo).map((n) => identityOf(n.service)),
          );
    return {
      virtualService: {
        virtualServiceRef: {
          name: b.name,
          ...(b.namespace !== s.namespace ? { namespace: b.namespace } : {}),
        },
        ...(policy ? { clientPolicy: policy } : {}),
      },
    };
  });
}

/** The VirtualNodes of a service. */
export function buildVirtualNodes(s: ResolvedService, ctx: NodeContext): K8sObject[] {
  const bs = backends(s, ctx);
  const callers = allowedCallers(s, ctx.trust, ctx.gateway);
  return nodesOf(s).map((node, i) => ({
    apiVersion: APPMESH_API,
    kind: 'VirtualNode',
    metadata: objectMeta(node.name, node.namespace),
    spec: {
      podSelector: { matchLabels: { ...s.selector, ...(node.version?.labels ?? {}) } },
      listeners: s.ports.map((p) => listener(s, p, ctx.timeouts[i], callers, ctx)),
      serviceDiscovery: { dns: { hostname: nodeHostname(node) } },
      ...(bs.length ? { backends: bs } : {}),
    },
  }));
}
