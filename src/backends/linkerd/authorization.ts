import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type {
  AccessPathMatch,
  AccessRule,
  HttpMethod,
  MtlsMode,
  Port,
  ResolvedService,
} from '../../model/types.ts';
import { escapeRegex } from '../shared/gamma.ts';
import { objectMeta } from '../shared/labels.ts';
import {
  identity,
  inboundPolicy,
  namespaceIdentities,
  POLICY_GROUP,
  POLICY_V1ALPHA1,
  POLICY_V1BETA3,
} from './constants.ts';

/**
 * Linkerd authorization is server-side and per port (reference/authorization-policy): a `Server` selects one
 * port of the service's pods and denies everything no authorization admits (`accessPolicy: deny`);
 * AuthorizationPolicies admit the clients of a MeshTLSAuthentication (mTLS identities) or a
 * NetworkAuthentication (networks, unauthenticated). A policy that targets the Server applies to every
 * request on it; one that targets an inbound HTTPRoute (parentRef = the Server) applies to the requests that
 * route is chosen for. Linkerd chooses one inbound route per request, the most specific match (as for
 * outbound routes), and a request no route matches gets 404.
 *
 * meshc's access rules are OR-ed: a request is allowed when any rule admits its caller, method and path.
 * - Rules without methods or paths admit their callers on every request: one AuthorizationPolicy on each
 *   port's Server.
 * - Rules with methods or paths (HTTP ports only; on a TCP port such a rule admits nothing, as in Istio)
 *   become inbound HTTPRoutes. Because a request is authorized by the one route Linkerd picks, the routes
 *   are the rules' match sets closed under intersection: the route for `A ∧ B` admits the callers of both
 *   and, being more specific, is the one chosen for those requests. Routes with the same callers share one
 *   HTTPRoute and one AuthorizationPolicy.
 * - A catch-all route (`PathPrefix /`) keeps requests no rule names reachable for the port-wide callers;
 *   everyone else gets 403 on it instead of 404.
 * - Callers are mTLS identities `<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>`. `*` admits any
 *   caller: unauthenticated too under `permissive` (NetworkAuthentication 0.0.0.0/0 and ::/0), any meshed
 *   identity under `strict` (MeshTLSAuthentication `*`), as Istio's strict PeerAuthentication leaves it.
 * - A service with `ingress` also admits every identity of the ingress namespace (the meshed ingress
 *   controller; its service account depends on the controller), as one more caller of each access rule: with
 *   that rule's methods and paths, never more. A request the rules admit from nobody is refused through the
 *   ingress too.
 * Without `access`, a service that sets `mtls` itself gets Servers whose `accessPolicy` is its mode.
 */

/** Keys of the policy objects, for tests and the README. */
export const ANY_NETWORKS = [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }];

export interface AccessOptions {
  /** The ingress namespace, when the service is exposed through the environment's ingress. */
  readonly ingressNamespace?: string;
  /** The identity trust domain (`mesh.trustDomain`); `cluster.local` when absent. */
  readonly trustDomain?: string;
}

/** Linkerd's default identity trust domain (the chart's `clusterDomain`). */
const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** How a rule's callers become identities: the trust domain, and identities every rule admits besides its own. */
export interface CallerContext {
  readonly trustDomain: string;
  /** Identity patterns added to the callers of every rule that has callers (the ingress namespace). */
  readonly extra: readonly string[];
}

const DEFAULT_CONTEXT: CallerContext = { trustDomain: DEFAULT_TRUST_DOMAIN, extra: [] };

export interface AccessOutput {
  readonly objects: K8sObject[];
  readonly diagnostics: Diagnostic[];
}

/** Who an authorization admits. */
interface Callers {
  /** `*`: any caller. */
  readonly any: boolean;
  /** mTLS identities (sorted, unique). */
  readonly identities: readonly string[];
}

/** A request path condition of an access rule (the model's parsed form; absent = every path). */
type AccessPath = AccessPathMatch;

interface AccessEntry {
  readonly method?: HttpMethod;
  readonly path?: AccessPath;
}

function ruleEntries(rule: AccessRule): AccessEntry[] {
  const methods: (HttpMethod | undefined)[] = rule.methods.length ? [...rule.methods] : [undefined];
  const paths: (AccessPath | undefined)[] = rule.paths.length ? rule.paths.map((p) => p.match) : [undefined];
  return methods.flatMap((method) =>
    paths.map((path) => ({ ...(method ? { method } : {}), ...(path ? { path } : {}) })),
  );
}

function isAnyEntry(e: AccessEntry): boolean {
  return !e.method && !e.path;
}

const entryKey = (e: AccessEntry) =>
  JSON.stringify([e.method ?? '', e.path?.type ?? '', e.path?.value ?? '']);

function pathCovers(outer: AccessPath | undefined, inner: AccessPath | undefined): boolean {
  if (!outer) return true;
  if (!inner) return false;
  switch (outer.type) {
    case 'exact':
      return inner.type === 'exact' && inner.value === outer.value;
    case 'prefix':
      return inner.type !== 'suffix' && inner.value.startsWith(outer.value);
    case 'suffix':
      return inner.type !== 'prefix' && inner.value.endsWith(outer.value);
  }
}

function entryCovers(outer: AccessEntry, inner: AccessEntry): boolean {
  if (outer.method && outer.method !== inner.method) return false;
  return pathCovers(outer.path, inner.path);
}

/** The intersection of two paths: `null` when disjoint, `undefined` (no path) for "every path", `'unknown'` when a prefix meets a suffix. */
function pathMeet(
  a: AccessPath | undefined,
  b: AccessPath | undefined,
): AccessPath | undefined | null | 'unknown' {
  if (!a) return b;
  if (!b) return a;
  if (pathCovers(a, b)) return b;
  if (pathCovers(b, a)) return a;
  if (a.type === 'exact' || b.type === 'exact' || a.type === b.type) return null;
  return 'unknown';
}

/** Request paths a path condition may match that is exactly `/`, where it scores like no path at all. */
function mayBeRoot(p: AccessPath): boolean {
  if (p.type === 'exact') return p.value === '/';
  if (p.type === 'prefix') return '/'.startsWith(p.value);
  return '/'.endsWith(p.value);
}

/**
 * True when Linkerd picks `inner` over `outer` (outer ⊇ inner) for every request in `inner`: exact and regex
 * paths both score the request path's length, so only gaining a path (unless it may be `/`) or a method counts.
 */
function strictlyMoreSpecific(inner: AccessEntry, outer: AccessEntry): boolean {
  if (inner.path && !outer.path && !mayBeRoot(inner.path)) return true;
  const pathTie = !!inner.path === !!outer.path || (inner.path !== undefined && mayBeRoot(inner.path));
  return pathTie && !!inner.method && !outer.method;
}

function callersKey(c: Callers): string {
  return c.any ? '*' : c.identities.join(',');
}

function union(list: readonly Callers[]): Callers {
  return {
    any: list.some((c) => c.any),
    identities: [...new Set(list.flatMap((c) => c.identities))].sort(),
  };
}

function ruleCallers(rule: AccessRule, ctx: CallerContext): Callers {
  return {
    any: rule.from.some((c) => c.kind === 'any'),
    identities: [
      ...new Set([
        ...rule.from.flatMap((c) =>
          c.kind === 'service' ? [identity(c.namespace, c.serviceAccount, ctx.trustDomain)] : [],
        ),
        ...(rule.from.length ? ctx.extra : []),
      ]),
    ].sort(),
  };
}

const serverName = (service: ResolvedService, port: Port) => `${service.name}.${port.name}`;

function buildServer(service: ResolvedService, port: Port, accessPolicy: string): K8sObject {
  return {
    apiVersion: POLICY_V1BETA3,
    kind: 'Server',
    metadata: objectMeta(serverName(service, port), service.namespace),
    spec: {
      podSelector: { matchLabels: { ...service.selector } },
      port: port.port,
      accessPolicy,
    },
  };
}

/** The authentication object admitting `callers` (named `name`), and the reference to it. */
function authentication(
  name: string,
  namespace: string,
  callers: Callers,
  mtls: MtlsMode,
): { object: K8sObject; ref: Record<string, unknown> } {
  if (callers.any && mtls !== 'strict') {
    return {
      object: {
        apiVersion: POLICY_V1ALPHA1,
        kind: 'NetworkAuthentication',
        metadata: objectMeta(name, namespace),
        spec: { networks: ANY_NETWORKS.map((n) => ({ ...n })) },
      },
      ref: { group: POLICY_GROUP, kind: 'NetworkAuthentication', name },
    };
  }
  return {
    object: {
      apiVersion: POLICY_V1ALPHA1,
      kind: 'MeshTLSAuthentication',
      metadata: objectMeta(name, namespace),
      spec: { identities: callers.any ? ['*'] : [...callers.identities] },
    },
    ref: { group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name },
  };
}

function authorizationPolicy(
  name: string,
  namespace: string,
  target: { kind: 'Server' | 'HTTPRoute'; name: string },
  authRef: Record<string, unknown>,
): K8sObject {
  return {
    apiVersion: POLICY_V1ALPHA1,
    kind: 'AuthorizationPolicy',
    metadata: objectMeta(name, namespace),
    spec: {
      targetRef: { group: POLICY_GROUP, kind: target.kind, name: target.name },
      requiredAuthenticationRefs: [authRef],
    },
  };
}

/** An inbound route match of an access entry (Linkerd matches regex paths against the whole path). */
export function inboundMatch(e: AccessEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (e.path?.type === 'exact') out.path = { type: 'Exact', value: e.path.value };
  else if (e.path?.type === 'prefix')
    out.path = { type: 'RegularExpression', value: `^${escapeRegex(e.path.value)}.*$` };
  else if (e.path?.type === 'suffix')
    out.path = { type: 'RegularExpression', value: `^.*${escapeRegex(e.path.value)}$` };
  if (e.method) out.method = e.method;
  return out;
}

/** policy.linkerd.io/v1beta3 HTTPRoute allows 8 matches per rule and 16 rules (its CRD's `maxItems`). */
const MATCHES_PER_RULE = 8;
const RULES_PER_ROUTE = 16;
/** The most matches one inbound HTTPRoute can hold. */
export const MATCHES_PER_ROUTE = MATCHES_PER_RULE * RULES_PER_ROUTE;

function inboundRoute(
  name: string,
  service: ResolvedService,
  server: string,
  matches: readonly Record<string, unknown>[],
): K8sObject {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < matches.length; i += MATCHES_PER_RULE)
    rules.push({ matches: matches.slice(i, i + MATCHES_PER_RULE) });
  return {
    apiVersion: POLICY_V1BETA3,
    kind: 'HTTPRoute',
    metadata: objectMeta(name, service.namespace),
    spec: {
      parentRefs: [{ group: POLICY_GROUP, kind: 'Server', name: server }],
      rules,
    },
  };
}

/**
 * The matches of one caller group as inbound routes the CRD admits: `name` with the first
 * MATCHES_PER_ROUTE, then `name.1`, `name.2`, … with the rest. Each gets its own AuthorizationPolicy on the
 * group's authentication, so the split keeps the semantics exactly: whichever of the group's routes Linkerd
 * picks for a request (the most specific match, ties by age), it admits the same callers.
 */
function inboundRoutes(
  name: string,
  service: ResolvedService,
  server: string,
  matches: readonly Record<string, unknown>[],
): { name: string; route: K8sObject }[] {
  const out: { name: string; route: K8sObject }[] = [];
  for (let i = 0; i < matches.length; i += MATCHES_PER_ROUTE) {
    const part = i === 0 ? name : `${name}.${i / MATCHES_PER_ROUTE}`;
    out.push({
      name: part,
      route: inboundRoute(part, service, server, matches.slice(i, i + MATCHES_PER_ROUTE)),
    });
  }
  return out;
}

interface Region {
  readonly entry: AccessEntry;
  readonly callers: Callers;
}

/**
 * The match sets of the method/path rules closed under intersection, each with the callers of every rule that
 * contains it; plus the pairs whose intersection cannot be expressed or whose routes may tie.
 */
export function accessRegions(
  rules: readonly AccessRule[],
  ctx: CallerContext = DEFAULT_CONTEXT,
): {
  regions: Region[];
  unsettled: { earlier: number; later: number }[];
} {
  const l7 = rules.filter((r) => r.from.length && !ruleEntries(r).some(isAnyEntry));
  const byKey = new Map<string, AccessEntry>();
  for (const r of l7) for (const e of ruleEntries(r)) byKey.set(entryKey(e), e);
  const unsettled = new Map<string, { earlier: number; later: number }>();
  const owners = (e: AccessEntry) => l7.filter((r) => ruleEntries(r).some((x) => entryCovers(x, e)));
  for (let changed = true, rounds = 0; changed && rounds < 16 && byKey.size < 256; rounds++) {
    changed = false;
    const list = [...byKey.values()];
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a, b] = [list[i]!, list[j]!];
        if (a.method && b.method && a.method !== b.method) continue;
        if (entryCovers(a, b) || entryCovers(b, a)) continue;
        const path = pathMeet(a.path, b.path);
        if (path === null) continue;
        if (path === 'unknown') {
          const [ra, rb] = [owners(a)[0]!.index, owners(b)[0]!.index];
          unsettled.set(`${ra}/${rb}`, { earlier: Math.min(ra, rb), later: Math.max(ra, rb) });
          continue;
        }
        const method = a.method ?? b.method;
        const meet: AccessEntry = { ...(method ? { method } : {}), ...(path ? { path } : {}) };
        if (!byKey.has(entryKey(meet))) {
          byKey.set(entryKey(meet), meet);
          changed = true;
        }
      }
    }
  }
  const regions = [...byKey.values()].map((entry) => ({
    entry,
    callers: union(owners(entry).map((r) => ruleCallers(r, ctx))),
  }));
  // A request in `inner` (⊂ outer) must land on inner's route, or on one with the same callers.
  for (const inner of regions) {
    for (const outer of regions) {
      if (inner === outer || !entryCovers(outer.entry, inner.entry)) continue;
      if (callersKey(inner.callers) === callersKey(outer.callers)) continue;
      if (strictlyMoreSpecific(inner.entry, outer.entry)) continue;
      const [ri, ro] = [owners(inner.entry), owners(outer.entry)];
      const later = Math.max(...ri.map((r) => r.index));
      const earlier = Math.min(...ro.map((r) => r.index));
      unsettled.set(`${earlier}/${later}`, {
        earlier: Math.min(earlier, later),
        later: Math.max(earlier, later),
      });
    }
  }
  // And it must beat the catch-all route, which admits only the port-wide callers.
  for (const r of regions) {
    if (strictlyMoreSpecific(r.entry, {})) continue;
    const index = Math.min(...owners(r.entry).map((x) => x.index));
    unsettled.set(`${index}/${index}`, { earlier: index, later: index });
  }
  return {
    regions,
    unsettled: [...unsettled.values()].sort((x, y) => x.later - y.later || x.earlier - y.earlier),
  };
}

/**
 * Whether {@link buildAccess} reads the service's `mtls` (so that its objects may differ by mTLS mode): where
 * the service sets it (`mtlsOverride`: the Servers' `accessPolicy` without `access`), and where an access rule
 * admits any caller (`*`: a NetworkAuthentication unless `strict`, see `authentication`, the only reader of
 * the mode with `access`; callers are `*` only through such a rule). Keep it in step with buildAccess: the
 * backend's EmitMemo representatives (index.ts) rely on it.
 */
export function accessReadsMtls(service: ResolvedService): boolean {
  return (
    service.mtlsOverride || (service.access?.some((rule) => rule.from.some((c) => c.kind === 'any')) ?? false)
  );
}

/** Whether {@link buildAccess} gives the service a Server per port: it has access rules or its own mTLS mode. */
export function hasServers(service: ResolvedService): boolean {
  return service.access !== undefined || service.mtlsOverride;
}

/** Servers, authentications, AuthorizationPolicies and inbound routes of a service (see the file comment). */
export function buildAccess(service: ResolvedService, options: AccessOptions = {}): AccessOutput {
  const out: AccessOutput = { objects: [], diagnostics: [] };
  const ns = service.namespace;
  if (!service.access) {
    if (hasServers(service))
      for (const port of service.ports)
        out.objects.push(buildServer(service, port, inboundPolicy(service.mtls)));
    return out;
  }

  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const ctx: CallerContext = {
    trustDomain,
    extra:
      options.ingressNamespace !== undefined
        ? [namespaceIdentities(options.ingressNamespace, trustDomain)]
        : [],
  };
  const rules = service.access.filter((r) => r.from.length);
  const wide = rules.filter((r) => ruleEntries(r).some(isAnyEntry)).map((r) => ruleCallers(r, ctx));
  const wideCallers = wide.length ? union(wide) : undefined;
  const wideAuth = wideCallers ? authentication(service.name, ns, wideCallers, service.mtls) : undefined;
  if (wideAuth) out.objects.push(wideAuth.object);

  const { regions, unsettled } = accessRegions(rules, ctx);
  // Regions grouped by callers, in order of first appearance; the authentication is shared by all ports.
  const groups: { callers: Callers; entries: AccessEntry[] }[] = [];
  for (const r of regions) {
    const g = groups.find((x) => callersKey(x.callers) === callersKey(r.callers));
    if (g) g.entries.push(r.entry);
    else groups.push({ callers: r.callers, entries: [r.entry] });
  }
  const httpPorts = service.ports.filter((p) => p.protocol !== 'tcp');
  const groupAuth = groups.map((g, k) =>
    authentication(`${service.name}.authz-${k}`, ns, g.callers, service.mtls),
  );
  if (httpPorts.length) out.objects.push(...groupAuth.map((a) => a.object));

  for (const port of service.ports) {
    const server = serverName(service, port);
    out.objects.push(buildServer(service, port, 'deny'));
    if (wideAuth)
      out.objects.push(authorizationPolicy(server, ns, { kind: 'Server', name: server }, wideAuth.ref));
    if (port.protocol === 'tcp' || !groups.length) continue;
    groups.forEach((g, k) => {
      for (const { name, route } of inboundRoutes(
        `${server}.authz-${k}`,
        service,
        server,
        g.entries.map(inboundMatch),
      )) {
        out.objects.push(route);
        out.objects.push(authorizationPolicy(name, ns, { kind: 'HTTPRoute', name }, groupAuth[k]!.ref));
      }
    });
    out.objects.push(
      inboundRoute(`${server}.all`, service, server, [{ path: { type: 'PathPrefix', value: '/' } }]),
    );
  }

  if (options.ingressNamespace !== undefined && !rules.length) {
    out.diagnostics.push({
      code: 'MESH_INGRESS_UNREACHABLE',
      severity: 'warning',
      message: `${service.id} is exposed through the ingress, but its access rules admit no caller: the ingress is refused like everyone else.`,
      hint: 'The ingress is admitted with the methods and paths of each access rule; add a rule that admits the requests the ingress should pass, or remove `ingress`.',
      location: service.origin(['access']),
    });
  }
  for (const u of unsettled) {
    out.diagnostics.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message:
        u.earlier === u.later
          ? `Linkerd authorizes a request by the one inbound route it picks (the most specific): access rule ${u.later} of ${service.id} names paths that also score as the catch-all route, where only the rules without methods or paths apply.`
          : `Linkerd authorizes a request by the one inbound route it picks (the most specific): requests that both access rule ${u.earlier} and access rule ${u.later} of ${service.id} name may be decided by one of them alone.`,
      hint: 'Give the overlapping rules different methods, or split them so that one rule names exactly the shared paths (see the Linkerd backend README, "Access").',
      location: service.origin(['access', u.later]),
    });
  }
  return out;
}
