/**
 * Ingress through App Mesh's own gateway (`mesh.ingress.api: native`): a VirtualGateway named after
 * `mesh.ingress.className` and one GatewayRoute per exposed host and path. The gateway's Envoy Deployment and
 * its LoadBalancer Service are a prerequisite (for example eks-charts `appmesh-gateway`), whose pods carry
 * `app.kubernetes.io/name: <className>`.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Labels } from '../../core/selectors.ts';
import type { Port, ResolvedEnvironment, ResolvedService, StringMatch } from '../../model/types.ts';
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

/** The labels the `podSelector` of the VirtualGateway named `className` matches: its Envoy pods'. */
export function gatewayPodSelector(className: string): Labels {
  return { [GATEWAY_POD_LABEL]: className };
}

/**
 * The labels of the gateway's Envoy pods: the pod template of eks-charts appmesh-gateway
 * (`templates/deployment.yaml`: `app.kubernetes.io/name: <fullname>`, `app.kubernetes.io/component:
 * appmesh-gateway`), installed with `fullnameOverride: <className>` (prerequisites.ts).
 */
export function gatewayPodLabels(className: string): Labels {
  return { ...gatewayPodSelector(className), 'app.kubernetes.io/component': 'appmesh-gateway' };
}

/** The VirtualGateway meshc renders for an environment: its name and namespace, and the pods it selects. */
export interface NativeGateway {
  readonly name: string;
  readonly namespace: string;
  /** Its `podSelector.matchLabels`. */
  readonly podSelector: Labels;
  /** The labels of its Envoy pods ({@link gatewayPodLabels}). */
  readonly podLabels: Labels;
}

/**
 * The environment's VirtualGateway, when {@link buildIngress} renders one: `mesh.ingress.api: native` and a
 * service to expose (planIngress). Undefined otherwise.
 */
export function nativeGateway(env: ResolvedEnvironment): NativeGateway | undefined {
  const settings = env.mesh.ingress;
  if (settings?.api !== 'native' || !env.services.some((s) => s.ingress)) return undefined;
  return {
    name: settings.className,
    namespace: settings.namespace,
    podSelector: gatewayPodSelector(settings.className),
    podLabels: gatewayPodLabels(settings.className),
  };
}

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

/** `match.hostname` of a GatewayRoute: `exact`, or for a wildcard host `*.example.com` the suffix `.example.com`. */
export function hostnameMatch(host: string): Obj {
  // App Mesh's suffix is "the ending characters of the host name" (GatewayRouteHostnameMatch, API reference):
  // `.example.com` matches a.example.com and a.b.example.com, not example.com, as the spec's `*.example.com`
  // does (Gateway API's wildcard hostnames, which Istio and Linkerd's gateways follow).
  return host.startsWith('*.') ? { suffix: host.slice(1) } : { exact: host };
}

/** The port of an exposed service the gateway sends to: its first HTTP (or HTTP/2, gRPC) port. */
export function gatewayTargetPort(s: ResolvedService): Port {
  return s.ports.find((p) => listenerProtocol(p) !== 'tcp') ?? s.ports[0]!;
}

/** How {@link buildGatewayRoutes} names the routes of a service among the other exposed services. */
export interface GatewayRouteOptions {
  /**
   * GatewayRoute names other exposed services of the namespace hold (their own names): the service's second and
   * later routes (`<service>-<n>`) skip them.
   */
  readonly taken?: ReadonlySet<string>;
}

/** One GatewayRoute of an exposed service before it is built: its host (none: every host) and path match. */
interface RouteDraft {
  readonly host: string | undefined;
  readonly pm: PathMatch;
}

/** The host and path match of each GatewayRoute of an exposed service, in order. */
function routeDrafts(s: ResolvedService): RouteDraft[] {
  const ingress = s.ingress!;
  const hosts = ingress.hosts.length ? ingress.hosts : [undefined];
  return hosts.flatMap((host) => pathMatches(ingress.paths).map((pm) => ({ host, pm })));
}

/** App Mesh's highest (last) GatewayRoute priority. */
const MAX_PRIORITY = 1000;

const isWildcard = (host: string | undefined): boolean => !!host?.startsWith('*.');

/**
 * A GatewayRoute's priority (App Mesh tries a VirtualGateway's routes in priority order, 0 first, and takes the
 * first that matches; a tie is in no defined order): its path's rank (exact paths 0, then longer prefixes before
 * shorter ones, Gateway API's path precedence), one later for a wildcard host, so that of an exact host's route
 * and a wildcard's route on the same path, the exact host's comes first, as Gateway API (and so the other meshes'
 * gateways) picks the most specific host. A function of the route alone: the GatewayRoutes of a namespace
 * read nothing of other namespaces (docs/incremental-render.md). Where that order differs from Gateway API's (a
 * wildcard's longer path before an exact host's shorter one), {@link checkGatewayOrder} says so.
 */
function priorityOf(d: RouteDraft): number {
  return Math.min(MAX_PRIORITY, d.pm.rank + (isWildcard(d.host) ? 1 : 0));
}

/**
 * The GatewayRoutes of one exposed service, prioritised by {@link priorityOf}. Prefix routes keep the path
 * (`rewrite.prefix.defaultPrefix: DISABLED`; App Mesh otherwise rewrites the matched prefix to `/`); the host
 * is rewritten to the VirtualService name (App Mesh's default). Named `<service>`, then `<service>-2`, `-3` …,
 * skipping the names in `options.taken`: the names of other exposed services of the namespace, whose own first
 * GatewayRoute is named after them (a service `web-2` next to a service `web` with two routes).
 */
export function buildGatewayRoutes(s: ResolvedService, options: GatewayRouteOptions = {}): K8sObject[] {
  const port = gatewayTargetPort(s);
  const key = listenerProtocol(port) === 'http2' ? 'http2Route' : 'httpRoute';
  const taken = options.taken ?? new Set<string>();
  const out: K8sObject[] = [];
  let n = 1;
  for (const d of routeDrafts(s)) {
    const { host, pm } = d;
    let name = s.name;
    if (out.length)
      do name = `${s.name}-${++n}`;
      while (taken.has(name));
    const match: Obj = { ...pm.match, ...(host ? { hostname: hostnameMatch(host) } : {}) };
    const action: Obj = {
      target: {
        virtualService: { virtualServiceRef: { name: s.name } },
        ...(s.ports.length > 1 ? { port: port.port } : {}),
      },
      ...(pm.prefix && pm.match.prefix !== '/' ? { rewrite: { prefix: { defaultPrefix: 'DISABLED' } } } : {}),
    };
    out.push({
      apiVersion: APPMESH_API,
      kind: 'GatewayRoute',
      metadata: objectMeta(name, s.namespace),
      spec: { priority: priorityOf(d), [key]: { match, action } },
    });
  }
  return out;
}

/** Whether some request path matches both path matches (a regex: assumed to). */
function pathsOverlap(a: Obj, b: Obj): boolean {
  const form = (m: Obj): { exact?: string; prefix?: string } => {
    const path = m.path as { exact?: string; regex?: string } | undefined;
    if (path?.regex !== undefined) return {};
    return path?.exact !== undefined ? { exact: path.exact } : { prefix: m.prefix as string };
  };
  const x = form(a);
  const y = form(b);
  if (x.exact !== undefined && y.exact !== undefined) return x.exact === y.exact;
  if (x.exact !== undefined && y.prefix !== undefined) return x.exact.startsWith(y.prefix);
  if (y.exact !== undefined && x.prefix !== undefined) return y.exact.startsWith(x.prefix);
  if (x.prefix !== undefined && y.prefix !== undefined)
    return x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix);
  return true;
}

/**
 * Where App Mesh's order of the environment's GatewayRoutes ({@link priorityOf}: path first) differs from
 * Gateway API's (the most specific host first, then the path): a route of a wildcard host that some request to
 * a more specific host (an exact host, or a longer wildcard) matches, with a priority at most that host's route
 * on the same request, may take requests the other meshes give the more specific host's service. One warning
 * per wildcard host, at it, naming the first such host. Only environments with a wildcard host look: without
 * one, two routes of different hosts never match one request.
 */
export function checkGatewayOrder(exposed: readonly ResolvedService[], envName: string): Diagnostic[] {
  const routes = exposed.flatMap((s) => routeDrafts(s).map((d) => ({ s, d, priority: priorityOf(d) })));
  const wild = routes.filter((r) => isWildcard(r.d.host));
  if (!wild.length) return [];
  const out: Diagnostic[] = [];
  const reported = new Set<string>();
  for (const w of wild) {
    const suffix = w.d.host!.slice(1);
    const key = `${w.s.id} ${w.d.host}`;
    if (reported.has(key)) continue;
    // A more specific host that the wildcard also matches: an exact host ending in its suffix, or a longer
    // wildcard whose suffix ends in it.
    const shadowed = routes.find(
      (o) =>
        o.s !== w.s &&
        o.d.host !== undefined &&
        (isWildcard(o.d.host)
          ? o.d.host.length > w.d.host!.length && o.d.host.slice(1).endsWith(suffix)
          : o.d.host.endsWith(suffix)) &&
        w.priority <= o.priority &&
        pathsOverlap(w.d.pm.match, o.d.pm.match),
    );
    if (!shadowed) continue;
    reported.add(key);
    const path = (m: Obj) => {
      const p = m.path as { exact?: string; regex?: string } | undefined;
      return p?.exact ?? p?.regex ?? `${String(m.prefix)}…`;
    };
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `App Mesh tries the GatewayRoutes of a VirtualGateway in priority order, by path: requests to ${shadowed.d.host} on ${path(shadowed.d.pm.match)} may be routed to ${w.s.id} (host ${w.d.host}, path ${path(w.d.pm.match)}) rather than to ${shadowed.s.id}, which other meshes' gateways prefer for its more specific host (environment ${envName}).`,
      hint: `Give ${shadowed.s.id} the paths it should keep for ${shadowed.d.host} (a longer or exact path comes first), or narrow ${w.s.id}'s paths for this environment.`,
      location: w.s.origin(['ingress', 'hosts', w.s.ingress!.hosts.indexOf(w.d.host!)]),
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
  // `mesh.ingress.tls` is refused by the capability check (feature `mesh.ingress.tls`, unsupported).
  const { className, namespace } = plan.settings;
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
  const protocol = gatewayListenerProtocol(plan.exposed);
  if (protocol === 'http')
    for (const s of plan.exposed) {
      const port = gatewayTargetPort(s);
      if (listenerProtocol(port) === 'http2')
        result.diagnostics.push({
          code: 'MESH_CONSTRAINT',
          severity: 'error',
          message: `App Mesh's VirtualGateway has one listener, which is HTTP/1 for the other services it exposes, and ${s.id} is exposed on its ${port.protocol} port ${port.port}, whose http2Route GatewayRoutes App Mesh serves on an HTTP/2 listener only (environment ${env.name}).`,
          hint: 'Expose HTTP/2 and gRPC services in an environment whose exposed services all use HTTP/2 or gRPC (its gateway listener is then HTTP/2), or stop exposing this one for this environment with an override (`ingress: null`).',
          location: s.origin(['ports', s.ports.indexOf(port), 'protocol']),
        });
    }
  result.system.push({
    apiVersion: APPMESH_API,
    kind: 'VirtualGateway',
    metadata: objectMeta(className, namespace),
    spec: {
      namespaceSelector: { matchLabels: { [MESH_LABEL]: meshName } },
      podSelector: { matchLabels: { ...gatewayPodSelector(className) } },
      listeners: [{ portMapping: { port: GATEWAY_PORT, protocol } }],
      ...(policy ? { backendDefaults: { clientPolicy: policy } } : {}),
    },
  });
  result.diagnostics.push(...checkGatewayOrder(plan.exposed, env.name));
  // Each exposed service's first GatewayRoute is named after it: the names of a namespace's exposed services.
  const names = new Map<string, Set<string>>();
  for (const s of plan.exposed) {
    const set = names.get(s.namespace);
    if (set) set.add(s.name);
    else names.set(s.namespace, new Set([s.name]));
  }
  for (const s of plan.exposed)
    result.routes.set(s.id, buildGatewayRoutes(s, { taken: names.get(s.namespace)! }));
  return { ...result, gateway: { name: className, namespace, identity } };
}

/**
 * Whether the environment's native ingress gateway speaks TLS to the services it exposes: it has some, and none
 * is `mtls: off` (the VirtualGateway's one client policy is then TLS, see buildIngress).
 */
export function nativeIngressTls(env: ResolvedEnvironment): boolean {
  if (env.mesh.ingress?.api !== 'native') return false;
  const exposed = env.services.filter((s) => s.ingress);
  return exposed.length > 0 && !exposed.some((s) => s.mtls === 'off');
}

/**
 * The protocol of the VirtualGateway's listener. App Mesh gives a VirtualGateway one listener (its API takes
 * one; the eks-charts appmesh-gateway chart's Envoy serves one port, 8088), and serves a GatewayRoute on the
 * listener of its protocol: `httpRoute` on `http`, `http2Route` on `http2` (the walkthroughs pair them so,
 * aws-app-mesh-examples howto-k8s-grpc-ingress-v2: a `grpc` listener for its grpcRoute). So `http2` when every
 * exposed service is reached on an HTTP/2 or gRPC port (meshc routes gRPC as HTTP/2), else `http`: an HTTP/2
 * service exposed next to HTTP/1 ones is an error at its port.
 */
export function gatewayListenerProtocol(exposed: readonly ResolvedService[]): 'http' | 'http2' {
  return exposed.length && exposed.every((s) => listenerProtocol(gatewayTargetPort(s)) === 'http2')
    ? 'http2'
    : 'http';
}
