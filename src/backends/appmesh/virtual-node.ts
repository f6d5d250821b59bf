/**
 * VirtualNodes: one per version (or per service), with a listener per port carrying the service's
 * destination-side policy (TLS, outlier detection, connection pool, timeout) and the callers' `backends`.
 */
import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_API, appmeshDuration } from './constants.ts';
import { listenerProtocol, nodeHostname, nodesOf, type NodeRef } from './model.ts';
import { clientPolicy, identityOf, listenerTls, type AppMeshTrust, type Identity } from './tls.ts';
import { reachableNodes, type ServiceIndex } from './virtual-router.ts';

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

export interface NodeContext {
  readonly services: ServiceIndex;
  readonly trust: AppMeshTrust | undefined;
  readonly trustDomain: string;
  /** The services each service may call (its nodes' backends), by service id. */
  readonly backends: ReadonlyMap<string, readonly ResolvedService[]>;
  /** Listener timeouts longer than App Mesh's default, by node key `namespace/name`. */
  readonly listenerTimeouts: ReadonlyMap<string, number>;
  /** The identities that may connect to a service's listeners (SDS SAN check), by service id; absent: any. */
  readonly allowedCallers: ReadonlyMap<string, readonly Identity[]>;
}

function listener(node: NodeRef, p: Port, ctx: NodeContext): Obj {
  const s = node.service;
  const protocol = listenerProtocol(p);
  const out: Obj = { portMapping: { port: p.port, protocol } };
  const timeout = ctx.listenerTimeouts.get(`${node.namespace}/${node.name}`);
  if (timeout !== undefined && protocol !== 'tcp')
    out.timeout = { [protocol]: { perRequest: appmeshDuration(timeout) } };
  if (protocol !== 'tcp') {
    const od = outlierDetection(s);
    if (od) out.outlierDetection = od;
  }
  const pool = connectionPool(s, p);
  if (pool) out.connectionPool = pool;
  const tls = listenerTls(s.mtls, ctx.trust, identityOf(s), ctx.trustDomain, ctx.allowedCallers.get(s.id));
  if (tls) out.tls = tls;
  return out;
}

/** The backends of a caller's nodes, each with the client TLS policy for that backend. */
function backends(s: ResolvedService, ctx: NodeContext): Obj[] {
  return (ctx.backends.get(s.id) ?? []).map((b) => {
    const policy =
      b.mtls === 'off'
        ? undefined
        : clientPolicy(
            ctx.trust,
            identityOf(s),
            ctx.trustDomain,
            reachableNodes(b, ctx.services).map((n) => identityOf(n.service)),
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
  return nodesOf(s).map((node) => ({
    apiVersion: APPMESH_API,
    kind: 'VirtualNode',
    metadata: objectMeta(node.name, node.namespace),
    spec: {
      podSelector: { matchLabels: { ...s.selector, ...(node.version?.labels ?? {}) } },
      listeners: s.ports.map((p) => listener(node, p, ctx)),
      serviceDiscovery: { dns: { hostname: nodeHostname(node) } },
      ...(bs.length ? { backends: bs } : {}),
    },
  }));
}
