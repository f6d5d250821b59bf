/**
 * Ingress through App Mesh's own gateway (`mesh.ingress.api: native`): a VirtualGateway named after
 * `mesh.ingress.className` and one GatewayRoute per exposed host and path. The gateway's Envoy Deployment and
 * its LoadBalancer Service are a prerequisite (for example eks-charts `appmesh-gateway`), whose pods carry
 * `app.kubernetes.io/name: <className>`.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService, StringMatch } from '../../model/types.ts';
import type { EmitMemo } from '../shared/emit-memo.ts';
import { planIngress } from '../shared/ingress.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_API, APPMESH_NS, GATEWAY_PORT, MESH_LABEL } from './constants.ts';
import { listenerProtocol } from './model.ts';
import { buildNamespace } from './mesh.ts';
import { clientPolicy, type AppMeshTrust, type Identity } from './tls.ts';
import { reachableNodesOf, type ServiceIndex } from './virtual-router.ts';
import { identityOf } from './tls.ts';

type Obj = Record<string, unknown>;

export interface AppMeshIngress {
  readonly system: K8sObject[];
  /** The GatewayRoutes of each exposed service (in its namespace), by service id. */
  readonly routes: Map<string, K8sObject[]>;
  readonly diagnostics: Diagnostic[];
  /** The gateway's identity (its ServiceAccount), when the environment has a native ingress. */
  readonly gateway?: { readonly name: string; readonly namespace: string; readonly identity: Identity };
}

/** The pod label of the gateway's Envoy pods (eks-charts appmesh-gateway, with `fullnameOverride: <className>`). */
export const GATEWAY_POD_LABEL = 'app.kubernetes.io/name';

/** One GatewayRoute match per host and path alternative: `path.exact`, or a string prefix with a segment split. */
interface PathMatch {
  readonly match: Obj;
  readonly prefix: boolean;
  readonly rank: number;
}

function pathMatches(paths: readonly StringMatch[]): PathMatch[] {
  if (!paths.length) return [{ match: { prefix: '/' }, prefix: true, rank: 1000 }];
  return paths.flatMap((p): PathMatch[] => {
    if (p.type === 'exact') return [{ match: { path: { exact: p.value } }, prefix: false, rank: 0 }];
    if (p.type === 'regex') return [{ match: { path: { regex: p.value } }, prefix: false, rank: 0 }];
    const rank = (v: string) => Math.max(1, 1000 - v.length);
    if (p.value.endsWith('/')) return [{ match: { prefix: p.value }, prefix: true, rank: rank(p.value) }];
    return [
      { match: { path: { exact: p.value } }, prefix: false, rank: 0 },
      { match: { prefix: `${p.value}/` }, prefix: true, rank: rank(`${p.value}/`) },
    ];
  });
}

/**
 * The GatewayRoutes of one exposed service. Priorities: exact paths first, then longer prefixes before shorter
 * ones (Gateway API's precedence). Prefix routes keep the path (`rewrite.prefix.defaultPrefix: DISABLED`; App
 * Mesh otherwise rewrites the matched prefix to `/`); the host is rewritten to the VirtualService name (App
 * Mesh's default).
 */
export function buildGatewayRoutes(s: ResolvedService): K8sObject[] {
  const ingress = s.ingress!;
  const port = s.ports.find((p) => listenerProtocol(p) !== 'tcp') ?? s.ports[0]!;
  const key = listenerProtocol(port) === 'http2' ? 'http2Route' : 'httpRoute';
  const hosts = ingress.hosts.length ? ingress.hosts : [undefined];
  const out: K8sObject[] = [];
  for (const host of hosts)
    for (const pm of pathMatches(ingress.paths)) {
      const match: Obj = { ...pm.match, ...(host ? { hostname: { exact: host } } : {}) };
      const action: Obj = {
        target: {
          virtualService: { virtualServiceRef: { name: s.name } },
          ...(s.ports.length > 1 ? { port: port.port } : {}),
        },
        ...(pm.prefix && pm.match.prefix !== '/'
          ? { rewrite: { prefix: { defaultPrefix: 'DISABLED' } } }
          : {}),
      };
      out.push({
        apiVersion: APPMESH_API,
        kind: 'GatewayRoute',
        metadata: objectMeta(out.length ? `${s.name}-${out.length + 1}` : s.name, s.namespace),
        spec: { priority: pm.rank, [key]: { match, action } },
      });
    }
  return out;
}

export function buildIngress(
  env: ResolvedEnvironment,
  meshName: string,
  trust: AppMeshTrust | undefined,
  services: ServiceIndex,
  memo?: EmitMemo,
): AppMeshIngress {
  const { out, plan } = planIngress(env, APPMESH_NS);
  const result: AppMeshIngress = { system: [], routes: new Map(), diagnostics: [...out.diagnostics] };
  if (!plan || plan.settings.api !== 'native') return { ...result, system: out.system };
  const { className, namespace, tls } = plan.settings;
  if (tls)
    result.diagnostics.push({
      code: 'MESH_UNSUPPORTED_FEATURE',
      severity: 'error',
      message: `meshc does not configure TLS on App Mesh's VirtualGateway (environment ${env.name}): its listener reads certificates from files, SDS or ACM, not from a Kubernetes Secret.`,
      hint: "Terminate HTTPS at the gateway's load balancer (an NLB with an ACM certificate, through the appmesh-gateway chart's service annotations) and remove mesh.ingress.tls.",
      location: env.origin(['mesh', 'ingress', 'tls']),
    });
  // The gateway's namespace joins the mesh (the Mesh's namespace selector) and gets its Envoy injected.
  for (const o of out.system)
    if (o.kind === 'Namespace') result.system.push(buildNamespace(o.metadata.name, meshName));
  const identity: Identity = { namespace, serviceAccount: className };
  // A VirtualGateway has one client policy for every backend: TLS to all exposed services, or to none.
  const plaintext = plan.exposed.filter((s) => s.mtls === 'off');
  if (trust && plaintext.length && plaintext.length < plan.exposed.length)
    for (const s of plaintext)
      result.diagnostics.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `App Mesh's VirtualGateway speaks TLS to all the services it exposes or to none, and ${s.id} is exposed with mtls: off while others use TLS (environment ${env.name}).`,
        hint: 'Give every exposed service the same kind of mTLS mode (off, or permissive/strict), or stop exposing this one for this environment with an override.',
        location: s.origin(['ingress']),
      });
  const policy = plaintext.length
    ? undefined
    : clientPolicy(trust, identity, env.mesh.trustDomain, () =>
        plan.exposed.flatMap((s) => reachableNodesOf(s, services, memo).map((n) => identityOf(n.service))),
      );
  result.system.push({
    apiVersion: APPMESH_API,
    kind: 'VirtualGateway',
    metadata: objectMeta(className, namespace),
    spec: {
      namespaceSelector: { matchLabels: { [MESH_LABEL]: meshName } },
      podSelector: { matchLabels: { [GATEWAY_POD_LABEL]: className } },
      listeners: [{ portMapping: { port: GATEWAY_PORT, protocol: 'http' } }],
      ...(policy ? { backendDefaults: { clientPolicy: policy } } : {}),
    },
  });
  for (const s of plan.exposed) result.routes.set(s.id, buildGatewayRoutes(s));
  return { ...result, gateway: { name: className, namespace, identity } };
}
