import type { SourcedObject } from '../../core/import-types.ts';
import { parseDuration } from '../../core/duration.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { apiGroupOf } from '../../core/k8s.ts';
import type { DataPath } from '../../core/location.ts';
import type { AccessRule, HttpMethod, Retries, RetryCondition, Route } from '../../spec/types.gen.ts';
import type { FieldReader, ImportContext, KnownService, MeshImporter, ServiceDraft } from '../importer.ts';
import {
  isGatewayApiObject,
  isGatewayApiRoute,
  isReferenceGrant,
  readGammaRoutes,
  readGateways,
} from '../shared/gamma-import.ts';
import {
  addAccess,
  asArray,
  entriesInOrder,
  isAccessPath,
  isDnsLabel,
  isMethod,
  isRecord,
  NOT_ACCESS_PATH,
  serviceOfSelector,
  specDuration,
  stringRecord,
} from '../shared/import-values.ts';
import {
  ANNOTATIONS,
  DEFAULT_INBOUND_POLICY_ANNOTATION,
  DEFAULT_MAX_PENALTY_MS,
  INJECT_ANNOTATION,
  MIN_VERSION,
  POLICY_GROUP,
} from './constants.ts';
import { conjunction, covers, mayOverlap, wins } from '../shared/route-precedence.ts';
import type { RouteMatch, StringMatch } from '../../model/types.ts';

/**
 * `meshc import` for Linkerd: the inverse of the Linkerd backend (see its README for the forward mapping).
 * Outbound HTTPRoutes (Gateway API, or policy.linkerd.io with a Service parent) → `routes`, with the
 * `timeout.linkerd.io` / `retry.linkerd.io` annotations; failure-accrual annotations on a Service →
 * `resilience.outlierDetection`; Server + AuthorizationPolicy + MeshTLSAuthentication / NetworkAuthentication
 * (and inbound HTTPRoutes, and the older ServerAuthorization) → `access`; a Server's `accessPolicy` without
 * authorizations → `mtls`; the namespaces' default inbound policy → the Environment's `mtls`. Access is never
 * carried wider than Linkerd enforces it: where the spec cannot say exactly who may send which request (inbound
 * routes, see "inbound routes" below; Servers that differ per port), the import admits less and says so.
 */

const hasLinkerdAnnotation = (o: K8sObject) =>
  Object.keys(o.metadata.annotations ?? {}).some((k) => /(^|\.)linkerd\.io\//.test(k));

/** policy.linkerd.io HTTPRoutes attached to a Service are outbound routes (as Gateway API's). */
function isOutboundPolicyRoute(o: K8sObject): boolean {
  if (o.kind !== 'HTTPRoute' || apiGroupOf(o) !== POLICY_GROUP) return false;
  const parents = asArray((o.spec as { parentRefs?: unknown } | undefined)?.parentRefs);
  return parents.some((p) => isRecord(p) && p.kind === 'Service');
}

export const linkerdImporter: MeshImporter = {
  annotationDomains: ['linkerd.io'],
  injectionDefaults: { 'linkerd.io/inject': 'enabled' },
  detect(objects) {
    const evidence = new Set<string>();
    for (const o of objects) {
      if (apiGroupOf(o.object) === POLICY_GROUP) evidence.add(`${o.object.apiVersion} ${o.object.kind}`);
      else if (hasLinkerdAnnotation(o.object)) evidence.add(`linkerd.io annotations on ${o.object.kind}`);
    }
    const list = [...evidence].sort();
    // The retry/timeout annotations and policy.linkerd.io/v1beta3 need 2.16, the oldest meshc supports.
    return list.length ? { evidence: list, version: MIN_VERSION } : { evidence: list };
  },
  claims(o, detected) {
    if (apiGroupOf(o) === POLICY_GROUP) return true;
    if (o.apiVersion === 'v1' && o.kind === 'Namespace') return hasLinkerdAnnotation(o);
    // A GRPCRoute attached to a Server decides who reaches that Server: read (and reported) with the Server.
    if (isInboundGrpcRoute(o)) return true;
    return detected && (isGatewayApiObject(o) || isReferenceGrant(o));
  },
  read(objects, ctx) {
    readGateways(
      objects.filter((o) => isGatewayApiObject(o.object) && !isGatewayApiRoute(o.object)),
      ctx,
    );
    readNamespaces(
      objects.filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1'),
      ctx,
    );
    readServiceAnnotations(ctx);
    readGammaRoutes(
      objects.filter((o) => readByOutbound(o.object) || isReferenceGrant(o.object)),
      ctx,
      {
        mesh: 'Linkerd',
        annotations: routeAnnotations,
        wins,
        mayOverlap,
        rendersReferenceGrants: true,
        // A Server parent makes the route an inbound one too: read (and reported) by readAuthorization.
        readsParentElsewhere: isServerRef,
      },
    );
    applyServiceRoutePolicy(ctx);
    readAuthorization(
      objects.filter(
        (o) =>
          (apiGroupOf(o.object) === POLICY_GROUP && !isOutboundPolicyRoute(o.object)) ||
          isInboundRoute(o.object) ||
          isInboundGrpcRoute(o.object),
      ),
      ctx,
      namespaceDefaults(objects.filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1')),
    );
    const handled = new Set([
      'Server',
      'ServerAuthorization',
      'AuthorizationPolicy',
      'MeshTLSAuthentication',
      'NetworkAuthentication',
      'HTTPRoute',
      'GRPCRoute',
    ]);
    for (const o of objects) {
      if (apiGroupOf(o.object) !== POLICY_GROUP || handled.has(o.object.kind)) continue;
      ctx
        .reader(o)
        .report(
          'IMPORT_UNKNOWN_KIND',
          [],
          `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.name} is not carried: meshc's Linkerd import reads HTTPRoute, Server, ServerAuthorization, AuthorizationPolicy, MeshTLSAuthentication and NetworkAuthentication.`,
          'Keep the object as your own manifest beside the rendered output, or express it with an Environment `patches` entry.',
        );
    }
  },
};

// --- namespaces ------------------------------------------------------------------------------------------------

function readNamespaces(objects: readonly SourcedObject[], ctx: ImportContext): void {
  for (const o of objects) {
    const r = ctx.reader(o);
    const annotations = ['metadata', 'annotations'];
    if (r.get([...annotations, INJECT_ANNOTATION]) === 'enabled')
      r.consume([...annotations, INJECT_ANNOTATION]);
    const policy = r.get([...annotations, DEFAULT_INBOUND_POLICY_ANNOTATION]);
    if (policy === undefined) continue;
    const mode =
      policy === 'all-authenticated' ? 'strict' : policy === 'all-unauthenticated' ? 'permissive' : undefined;
    const at = [...annotations, DEFAULT_INBOUND_POLICY_ANNOTATION];
    if (!mode) {
      r.notCarried(
        at,
        `the default inbound policy ${String(policy)} has no spec form (mTLS modes are strict and permissive)`,
      );
      continue;
    }
    if (ctx.environment.mtls !== undefined && ctx.environment.mtls !== mode) {
      r.report(
        'IMPORT_CONFLICT',
        at,
        `The default inbound policy of ${r.ref} (${String(policy)}) is not carried: another namespace of the input has another one, and the Environment has one mTLS mode.`,
        'Set `mtls` on the services of this namespace in the imported spec.',
      );
      continue;
    }
    ctx.environment.mtls = mode;
    ctx.environment.from.set('mtls', o);
    r.consume(at);
  }
}

/** A namespace's default inbound policy (its `config.linkerd.io/default-inbound-policy`), by namespace. */
type NamespaceDefaults = ReadonlyMap<string, string>;

function namespaceDefaults(objects: readonly SourcedObject[]): NamespaceDefaults {
  const out = new Map<string, string>();
  for (const o of objects) {
    const policy = o.object.metadata.annotations?.[DEFAULT_INBOUND_POLICY_ANNOTATION];
    if (typeof policy === 'string') out.set(o.object.metadata.name, policy);
  }
  return out;
}

/**
 * The policy Linkerd applies to a port of the service's pods that no Server selects (policy-controller
 * `inbound/index.rs`: the default server of a pod port), as access rules: its namespace's default inbound policy,
 * else the cluster's (the chart's `proxy.defaultInboundPolicy`, not in the input: Linkerd's default
 * all-unauthenticated is assumed, as for services without any Server). What access rules cannot say (callers of
 * the cluster's networks only) admits nobody: the import admits less, never more.
 */
interface PortDefault {
  /** For messages: the policy and whose it is. */
  readonly what: string;
  /** Who it admits, for messages. */
  readonly admits: string;
  readonly rules: readonly AccessRule[];
  /** How `*` is meant: any caller (`network`) or any meshed one (`mesh`). */
  readonly anyOf?: 'network' | 'mesh';
}

function portDefault(namespace: string, defaults: NamespaceDefaults): PortDefault {
  const own = defaults.get(namespace);
  const policy = own ?? 'all-unauthenticated';
  const what =
    own !== undefined
      ? `the default inbound policy ${policy} of namespace ${namespace}`
      : `the cluster's default inbound policy (namespace ${namespace} names none in the input; Linkerd's default, all-unauthenticated, was assumed)`;
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return { what, admits: 'any caller', rules: [{ from: ['*'] }], anyOf: 'network' };
    case 'all-authenticated':
      return { what, admits: 'any meshed caller', rules: [{ from: ['*'] }], anyOf: 'mesh' };
    case 'deny':
      return { what, admits: 'nobody', rules: [] };
    case 'cluster-authenticated':
    case 'cluster-unauthenticated':
      return {
        what,
        admits: `only ${policy === 'cluster-authenticated' ? 'meshed ' : ''}callers from the cluster's networks, which access rules cannot say (taken as nobody)`,
        rules: [],
      };
    default:
      return { what, admits: 'what the import does not know (taken as nobody)', rules: [] };
  }
}

const portList = (ports: readonly number[]) => `port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}`;

// --- annotations -----------------------------------------------------------------------------------------------

/** A Linkerd annotation duration (one integer and a unit) as a spec duration. */
function duration(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\d+(ms|s|m|h)$/.test(v)) return undefined;
  return specDuration(v);
}

const RETRY_TOKENS: Readonly<Record<string, RetryCondition>> = {
  '5xx': '5xx',
  'gateway-error': 'gateway-error',
  '409': 'retriable-4xx',
};

/** The route policy annotations of an object (HTTPRoute or Service), each marked as read or reported. */
function routeAnnotations(r: FieldReader): Pick<Route, 'timeout' | 'retries'> {
  const out: Pick<Route, 'timeout' | 'retries'> = {};
  const at = (k: string): DataPath => ['metadata', 'annotations', k];
  const timeout = r.get(at(ANNOTATIONS.timeoutRequest));
  if (timeout !== undefined) {
    const d = duration(timeout);
    if (d !== undefined) {
      out.timeout = d;
      r.consume(at(ANNOTATIONS.timeoutRequest));
    } else r.notCarried(at(ANNOTATIONS.timeoutRequest), `${String(timeout)} is not a duration Linkerd reads`);
  }
  const http = r.get(at(ANNOTATIONS.retryHttp));
  const limit = r.get(at(ANNOTATIONS.retryLimit));
  const perTry = r.get(at(ANNOTATIONS.retryTimeout));
  if (http !== undefined || limit !== undefined) {
    const on: RetryCondition[] = [];
    const dropped: string[] = [];
    for (const t of typeof http === 'string'
      ? http
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : []) {
      const c = RETRY_TOKENS[t];
      if (c) on.push(c);
      else dropped.push(t);
    }
    if (dropped.length)
      r.notCarried(
        at(ANNOTATIONS.retryHttp),
        `the retry conditions ${dropped.join(', ')} have no spec form (the spec's HTTP conditions on Linkerd are 5xx, gateway-error and retriable-4xx = 409)`,
      );
    else if (http !== undefined) r.consume(at(ANNOTATIONS.retryHttp));
    // Linkerd's default limit is 1 retry (reference/retries).
    const n = limit === undefined ? 1 : Number(limit);
    if (limit !== undefined) r.consume(at(ANNOTATIONS.retryLimit));
    if (on.length && Number.isInteger(n) && n >= 0 && n <= 10) {
      const retries: Retries = { attempts: n, on };
      const d = duration(perTry);
      if (d !== undefined) {
        retries.perTryTimeout = d;
        r.consume(at(ANNOTATIONS.retryTimeout));
      }
      if (n > 0) out.retries = retries;
    } else if (!on.length && http === undefined) {
      r.notCarried(
        at(ANNOTATIONS.retryLimit),
        'without `retry.linkerd.io/http` Linkerd retries no HTTP response',
      );
    } else if (on.length)
      r.notCarried(at(ANNOTATIONS.retryLimit), `the spec allows 0 to 10 retries, not ${String(limit)}`);
  }
  return out;
}

/** Service-level route policy, applied to the routes of the service after they are read. */
const servicePolicy = new WeakMap<ImportContext, Map<string, Pick<Route, 'timeout' | 'retries'>>>();

function readServiceAnnotations(ctx: ImportContext): void {
  const policies = new Map<string, Pick<Route, 'timeout' | 'retries'>>();
  servicePolicy.set(ctx, policies);
  for (const s of ctx.workloads.all()) {
    if (!s.source) continue;
    const r = ctx.reader(s.source);
    const policy = routeAnnotations(r);
    if (policy.timeout !== undefined || policy.retries) policies.set(s.id, policy);
    const od = readFailureAccrual(r);
    if (od) {
      const draft = ctx.service(s.namespace, s.name);
      draft.spec.resilience = { ...draft.spec.resilience, outlierDetection: od };
      draft.managed = true;
      if (s.source.object.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'meshc')
        r.approximated(
          ['metadata', 'annotations', ANNOTATIONS.accrual],
          `Linkerd reads failure accrual from the Service's annotations, so meshc now emits the Service ${s.name} itself (kubernetesService: managed); remove it from your application's manifests`,
          'Or set kubernetesService: external and drop resilience.outlierDetection in the imported spec.',
        );
    }
  }
}

/**
 * Timeouts and retries annotated on a Service apply to the requests of routes that do not set their own, and
 * without any HTTPRoute to every request: a catch-all route to the service itself carries them.
 */
function applyServiceRoutePolicy(ctx: ImportContext): void {
  for (const [id, policy] of servicePolicy.get(ctx) ?? []) {
    const [ns, name] = id.split('/') as [string, string];
    const draft = ctx.service(ns, name);
    const routes = draft.spec.routes;
    if (!routes?.length) {
      draft.spec.routes = [{ backends: [{ service: name }], ...policy }];
      continue;
    }
    for (const route of routes) {
      if (route.timeout === undefined && policy.timeout !== undefined) route.timeout = policy.timeout;
      if (!route.retries && policy.retries) route.retries = policy.retries;
    }
    if (routes[routes.length - 1]!.match) routes.push({ backends: [{ service: name }], ...policy });
  }
}

function readFailureAccrual(
  r: FieldReader,
): NonNullable<NonNullable<ServiceDraft['spec']['resilience']>['outlierDetection']> | undefined {
  const at = (k: string): DataPath => ['metadata', 'annotations', k];
  const mode = r.get(at(ANNOTATIONS.accrual));
  if (mode === undefined) return undefined;
  if (mode !== 'consecutive') {
    r.notCarried(at(ANNOTATIONS.accrual), `the failure-accrual mode ${String(mode)} has no spec form`);
    return undefined;
  }
  r.consume(at(ANNOTATIONS.accrual));
  const od: NonNullable<NonNullable<ServiceDraft['spec']['resilience']>['outlierDetection']> = {};
  const max = r.get(at(ANNOTATIONS.accrualMaxFailures));
  if (max !== undefined) {
    const n = Number(max);
    if (Number.isInteger(n) && n >= 1) {
      od.consecutiveErrors = n;
      r.consume(at(ANNOTATIONS.accrualMaxFailures));
    }
  }
  const minPenalty = duration(r.get(at(ANNOTATIONS.accrualMinPenalty)));
  if (minPenalty !== undefined) {
    od.baseEjectionTime = minPenalty;
    r.consume(at(ANNOTATIONS.accrualMinPenalty));
  }
  const maxPenalty = r.get(at(ANNOTATIONS.accrualMaxPenalty));
  if (maxPenalty !== undefined) {
    // meshc raises the maximum penalty to the minimum when that is longer than Linkerd's default 1m.
    const ms = parseDuration(String(maxPenalty));
    const minMs = minPenalty !== undefined ? parseDuration(minPenalty)! : 1000;
    if (ms === Math.max(minMs, DEFAULT_MAX_PENALTY_MS)) r.consume(at(ANNOTATIONS.accrualMaxPenalty));
  }
  if (!Object.keys(od).length) {
    // Linkerd's defaults (7 failures, 1s): the spec needs a field, and those are Linkerd's.
    od.consecutiveErrors = 7;
  }
  return od;
}

// --- authorization ---------------------------------------------------------------------------------------------

interface Caller {
  readonly any: boolean;
  readonly from: string[];
  /** How `any` was said: any network (unauthenticated callers too), or any meshed identity. */
  readonly anyOf?: 'network' | 'mesh';
}

/** The ports a Server selects, on the Service it stands for. */
interface ServerInfo {
  readonly source: SourcedObject;
  readonly service: KnownService;
  readonly port?: number;
}

const ANY_NETWORKS = new Set(['0.0.0.0/0', '::/0']);

/** `<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>` */
const IDENTITY = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\.linkerd\.(.+)$/;

function readAuthorization(
  objects: readonly SourcedObject[],
  ctx: ImportContext,
  defaults: NamespaceDefaults,
): void {
  const byKind = (k: string) => objects.filter((o) => o.object.kind === k);
  const key = (o: SourcedObject) => `${o.object.metadata.namespace ?? 'default'}/${o.object.metadata.name}`;
  const servers = new Map<string, ServerInfo>();
  for (const o of byKind('Server')) {
    const r = ctx.reader(o);
    const labels = stringRecord(r.get(['spec', 'podSelector', 'matchLabels']));
    const found: ReturnType<typeof serviceOfSelector> = labels
      ? serviceOfSelector(ctx, r.namespace, labels)
      : { exact: false };
    if (!labels || !found.service) {
      r.report(
        'IMPORT_NO_SERVICE',
        [],
        `The pods ${r.ref} selects match no Kubernetes Service of the input; it is not carried.`,
        'Import the Kubernetes Services with the mesh objects.',
      );
      continue;
    }
    r.consume(['spec', 'podSelector']);
    if (!found.exact)
      r.approximated(
        ['spec', 'podSelector'],
        `it selects part of the pods of ${found.service.name}; its policy was applied to the whole service`,
      );
    const service: KnownService = ctx.workloads.service(found.service.namespace, found.service.name) ?? {
      ...found.service,
      ports: [],
      selector: { app: found.service.name },
    };
    const port = r.get(['spec', 'port']);
    const svcPort =
      typeof port === 'number'
        ? service.ports.find((p) => p.port === port)
        : (service.ports.find((p) => p.name === port) ?? portByTarget(service, port));
    if (svcPort) r.consume(['spec', 'port']);
    else
      r.approximated(
        ['spec', 'port'],
        `port ${String(port)} is no port of Service ${service.name}; the policy was applied to every port`,
      );
    const proto = r.get(['spec', 'proxyProtocol']);
    if (proto !== undefined) r.consume(['spec', 'proxyProtocol']);
    servers.set(key(o), { source: o, service, ...(svcPort ? { port: svcPort.port } : {}) });
  }

  // Who each Server and each inbound route admits.
  const serverCallers = new Map<string, Caller[]>();
  const routeCallers = new Map<string, Caller[]>();
  const authn = new Map<string, SourcedObject>();
  for (const o of [...byKind('MeshTLSAuthentication'), ...byKind('NetworkAuthentication')])
    authn.set(`${o.object.kind} ${key(o)}`, o);
  const usedAuthn = new Set<string>();
  const policyTargets: { reader: FieldReader; kind: 'Server' | 'HTTPRoute'; key: string }[] = [];

  for (const o of byKind('AuthorizationPolicy')) {
    const r = ctx.reader(o);
    const target = r.get(['spec', 'targetRef']);
    if (
      !isRecord(target) ||
      typeof target.name !== 'string' ||
      !['Server', 'HTTPRoute'].includes(String(target.kind))
    ) {
      r.report(
        'IMPORT_NOT_CARRIED',
        [],
        `${r.ref} is not carried: only policies that target a Server or an inbound HTTPRoute have a spec form (access rules belong to one service).`,
      );
      continue;
    }
    r.consume(['spec', 'targetRef']);
    const callers: Caller[] = [];
    let ok = true;
    asArray(r.get(['spec', 'requiredAuthenticationRefs'])).forEach((ref, i) => {
      const at = ['spec', 'requiredAuthenticationRefs', i];
      const c = isRecord(ref) ? authenticationCallers(ref, r, at, ctx, authn, usedAuthn) : undefined;
      if (c) callers.push(c);
      else ok = false;
    });
    // Why an authentication admits nobody is reported at the authentication itself.
    r.consume(['spec', 'requiredAuthenticationRefs']);
    if (!ok || !callers.length) {
      if (!callers.length && ok)
        r.notCarried(
          ['spec', 'requiredAuthenticationRefs'],
          'a policy without authentications admits nobody',
        );
      continue;
    }
    r.consume(['spec', 'requiredAuthenticationRefs']);
    // Several required authentications must all hold: an identity list AND "any network" is the list.
    const identity = callers.filter((c) => !c.any);
    const combined: Caller =
      identity.length > 1
        ? { any: false, from: identity[0]!.from.filter((x) => identity.every((c) => c.from.includes(x))) }
        : (identity[0] ?? callers[0]!);
    const ns = typeof target.namespace === 'string' ? target.namespace : r.namespace;
    const map = target.kind === 'Server' ? serverCallers : routeCallers;
    // A route is named with its API group: Linkerd reads policy.linkerd.io and Gateway API HTTPRoutes alike.
    const k =
      target.kind === 'Server'
        ? `${ns}/${target.name}`
        : routeKey(typeof target.group === 'string' ? target.group : '', ns, target.name);
    map.set(k, [...(map.get(k) ?? []), combined]);
    policyTargets.push({ reader: r, kind: target.kind === 'Server' ? 'Server' : 'HTTPRoute', key: k });
  }

  for (const o of byKind('ServerAuthorization')) {
    const r = ctx.reader(o);
    const name = r.get(['spec', 'server', 'name']);
    if (typeof name !== 'string') {
      r.notCarried(['spec', 'server'], 'only a ServerAuthorization naming its Server has a spec form');
      continue;
    }
    r.consume(['spec', 'server', 'name']);
    const client = r.get(['spec', 'client']);
    const from: string[] = [];
    let any = false;
    if (isRecord(client) && client.unauthenticated === true) {
      any = true;
      r.consume(['spec', 'client', 'unauthenticated']);
    }
    const mtls = isRecord(client) && isRecord(client.meshTLS) ? client.meshTLS : undefined;
    asArray(mtls?.serviceAccounts).forEach((sa, i) => {
      const at = ['spec', 'client', 'meshTLS', 'serviceAccounts', i];
      if (!isRecord(sa) || typeof sa.name !== 'string') return;
      const c = callerFor(ctx, typeof sa.namespace === 'string' ? sa.namespace : r.namespace, sa.name, r, at);
      if (c !== undefined) from.push(c);
    });
    asArray(mtls?.identities).forEach((id, i) => {
      const c = callerOfIdentity(ctx, id, r, ['spec', 'client', 'meshTLS', 'identities', i]);
      if (c === '*') any = true;
      else if (c !== undefined) from.push(c);
    });
    if (mtls?.unauthenticatedTLS === true)
      r.notCarried(
        ['spec', 'client', 'meshTLS', 'unauthenticatedTLS'],
        'the spec has no caller "any TLS client"',
      );
    if (!any && !from.length) continue;
    const k = `${r.namespace}/${name}`;
    serverCallers.set(k, [...(serverCallers.get(k) ?? []), { any, from }]);
  }

  for (const [k, o] of authn)
    if (!usedAuthn.has(k))
      ctx
        .reader(o)
        .report(
          'IMPORT_NOT_CARRIED',
          [],
          `${ctx.reader(o).ref} is not carried: no AuthorizationPolicy of the input uses it.`,
        );

  // Inbound routes (policy.linkerd.io or Gateway API HTTPRoutes with a Server parent).
  // Whether what a policy targets is in the input (when it is, but not carried, that is reported there).
  const serverKeys = new Set(byKind('Server').map(key));
  const routeKeys = new Set(
    byKind('HTTPRoute').map((o) =>
      routeKey(apiGroupOf(o.object), ctx.reader(o).namespace, o.object.metadata.name),
    ),
  );
  // A Server with proxyProtocol gRPC takes its routes from GRPCRoutes, and no HTTPRoute (policy-controller
  // `inbound.rs`, `to_server`); any other Server the reverse.
  const isGrpc = (k: string) =>
    servers.has(k) && ctx.reader(servers.get(k)!.source).get(['spec', 'proxyProtocol']) === 'gRPC';
  const grpcRouted = readGrpcRoutes(byKind('GRPCRoute'), ctx, servers, isGrpc);
  const routes = readInboundRoutes(byKind('HTTPRoute'), ctx, servers);
  const routesOf = new Map<string, InboundRoute[]>();
  for (const route of routes)
    for (const s of route.servers) {
      if (!isGrpc(s.key)) routesOf.set(s.key, [...(routesOf.get(s.key) ?? []), route]);
      else
        route.reader.notCarried(
          s.at,
          'Linkerd authorizes the requests of a Server with proxyProtocol gRPC by its GRPCRoutes, and uses no HTTPRoute there',
        );
    }
  const routed = (k: string) => routesOf.has(k) || grpcRouted.has(k);

  for (const t of policyTargets) {
    if ((t.kind === 'Server' ? serverKeys : routeKeys).has(t.key)) continue;
    t.reader.notCarried(
      ['spec', 'targetRef'],
      t.kind === 'Server'
        ? 'the Server it targets is not in the input'
        : 'the HTTPRoute it targets (by group and name) is not an inbound route of the input, so Linkerd applies the policy to no request',
    );
  }

  // Who each Server admits, as access rules.
  const serverRules = new Map<string, AccessRule[]>();
  for (const [k, s] of servers) {
    const own = serverCallers.get(k) ?? [];
    const attached = routesOf.get(k) ?? [];
    // Its GRPCRoutes are not carried (said at each): nobody is admitted on the Server.
    if (grpcRouted.has(k)) {
      serverRules.set(k, []);
      continue;
    }
    if (!attached.length) {
      // No route: Linkerd's default route takes every request, with the Server's authorizations.
      serverRules.set(
        k,
        own.flatMap((c) => {
          const from = c.any ? ['*'] : c.from;
          return from.length ? [{ from }] : [];
        }),
      );
      continue;
    }
    const policy = ctx.reader(s.source).get(['spec', 'accessPolicy']);
    const byPolicy = POLICY_CALLERS.get(policy);
    const serverWide = [...own, ...(byPolicy ? [byPolicy] : [])];
    serverRules.set(k, routedRules(k, attached, serverWide, routeCallers));
  }

  // How each Server's authorizations said "anyone" (its own policies, its routes' policies, its accessPolicy
  // where its routes carry it).
  const serverAny = new Map<string, ('network' | 'mesh' | undefined)[]>();
  for (const [k, s] of servers) {
    const mine = [...(serverCallers.get(k) ?? [])];
    for (const route of routesOf.get(k) ?? []) mine.push(...(routeCallers.get(route.key) ?? []));
    const policy = ctx.reader(s.source).get(['spec', 'accessPolicy']);
    const byPolicy = POLICY_CALLERS.get(policy);
    if (routesOf.has(k) && byPolicy) mine.push(byPolicy);
    serverAny.set(
      k,
      mine.filter((c) => c.any).map((c) => c.anyOf),
    );
  }

  // Per service: the access rules of every Server; the same for each port, else reported.
  const perService = new Map<
    string,
    { service: KnownService; ports: Map<string, AccessRule[]>; servers: ServerInfo[] }
  >();
  for (const [k, s] of servers) {
    const e = perService.get(s.service.id) ?? {
      service: s.service,
      ports: new Map<string, AccessRule[]>(),
      servers: [] as ServerInfo[],
    };
    e.servers.push(s);
    const portKey = String(s.port ?? '*');
    e.ports.set(portKey, [...(e.ports.get(portKey) ?? []), ...(serverRules.get(k) ?? [])]);
    perService.set(s.service.id, e);
  }
  for (const e of perService.values()) {
    const draft = ctx.service(e.service.namespace, e.service.name);
    const first = e.servers[0]!;
    const name = e.service.name;
    const policies = e.servers.map((s) => ctx.reader(s.source).get(['spec', 'accessPolicy']) ?? 'deny');
    const hasRules = [...e.ports.values()].some((l) => l.length);
    const anyRouted = e.servers.some((s) => routed(key(s.source)));
    const modes = new Set(policies);
    // The service's ports no Server selects: Linkerd applies the default policy there (with its probe route).
    const uncovered = e.ports.has('*')
      ? []
      : e.service.ports.filter((p) => !e.ports.has(String(p.port))).map((p) => p.port);
    const fallback = uncovered.length ? portDefault(e.service.namespace, defaults) : undefined;
    const fallbackMode =
      fallback?.anyOf === 'mesh' ? 'strict' : fallback?.anyOf === 'network' ? 'permissive' : undefined;
    // Without inbound routes a Server's default admits on every request: the service's mTLS mode says the same,
    // for every port; where ports without a Server have another default, the stricter mode of the two.
    if (
      !hasRules &&
      !anyRouted &&
      modes.size === 1 &&
      (policies[0] === 'all-authenticated' || policies[0] === 'all-unauthenticated') &&
      (!fallback || fallbackMode)
    ) {
      for (const s of e.servers) ctx.reader(s.source).consume(['spec', 'accessPolicy']);
      const own = policies[0] === 'all-authenticated' ? 'strict' : 'permissive';
      const mode = fallbackMode === 'strict' ? 'strict' : own;
      draft.spec.mtls = mode;
      draft.from.set('mtls', first.source);
      if (fallbackMode && fallbackMode !== own) {
        const servers = e.servers.flatMap((x) => (x.port !== undefined ? [x.port] : []));
        ctx
          .reader(first.source)
          .approximated(
            ['spec', 'port'],
            `Linkerd authorizes per port: the Servers of ${name} on ${portList(servers)} admit ${own === 'strict' ? 'any meshed caller' : 'any caller'} (${String(policies[0])}), and no Server selects ${portList(uncovered)}, where Linkerd applies ${fallback!.what}, which admits ${fallback!.admits}; the service's mTLS mode applies to every port, so the stricter one was kept (mtls: ${mode}), and ${portList(mode === own ? uncovered : servers)} admit${(mode === own ? uncovered : servers).length > 1 ? '' : 's'} less`,
          );
      }
      continue;
    }
    for (const s of e.servers) {
      const r = ctx.reader(s.source);
      const policy = r.get(['spec', 'accessPolicy']) ?? 'deny';
      const carried = policy === 'deny' || (routesOf.has(key(s.source)) && POLICY_CALLERS.has(policy));
      if (!carried)
        r.notCarried(
          ['spec', 'accessPolicy'],
          grpcRouted.has(key(s.source))
            ? 'its GRPCRoutes are not carried (said at each), so the imported access rules admit nobody on this Server'
            : routesOf.has(key(s.source))
              ? `the default ${String(policy)} on a Server with inbound routes has no spec form (all-authenticated and all-unauthenticated have, as the caller \`*\` on the routes' requests); the imported access rules deny every other caller`
              : !hasRules && fallback
                ? `a default other than deny on a Server has a spec form only as the service's mTLS mode, which applies to every port, and ${portList(uncovered)} of ${name}, which no Server selects, ha${uncovered.length > 1 ? 've' : 's'} ${fallback.what}, which admits ${fallback.admits}; the imported access rules deny every caller`
                : 'a default other than deny on a Server with authorizations has no spec form; the imported access rules deny every other caller',
        );
      else r.consume(['spec', 'accessPolicy']);
    }
    const asSet = (l: readonly AccessRule[]) => JSON.stringify(l.map((x) => JSON.stringify(x)).sort());
    const byPort = [...e.ports].map(([port, list]) => ({ port, list: dedupe(list) }));
    const serversSame = byPort.every((x) => asSet(x.list) === asSet(byPort[0]!.list));
    // meshc's access rules apply to every port of a service: where the ports differ (the Servers, or the default
    // policy of the ports no Server selects), only what every port admits is kept (the import admits less, never
    // more).
    const lists = [...byPort.map((x) => x.list), ...(fallback ? [[...fallback.rules]] : [])];
    const same = lists.every((l) => asSet(l) === asSet(lists[0]!));
    const kept = same ? lists[0]! : dedupe(lists.reduce(intersectRules));
    addAccess(draft, kept);
    draft.from.set('access', first.source);
    // meshc admits "anyone" by network under permissive mTLS and by any meshed identity under strict: the
    // form says the service's mode where it differs from the environment's.
    const anyOf = new Set(
      e.servers
        .flatMap((s) => serverAny.get(key(s.source)) ?? [])
        .filter((x): x is 'network' | 'mesh' => !!x),
    );
    if (anyOf.size === 1) {
      const mode = anyOf.has('network') ? 'permissive' : 'strict';
      if (mode !== (ctx.environment.mtls ?? 'permissive')) draft.spec.mtls = mode;
    }
    // The ports without a Server admit any meshed caller only: a `*` kept for every port must mean that there.
    const strictened =
      fallback?.anyOf === 'mesh' &&
      kept.some((r) => r.from.includes('*')) &&
      (draft.spec.mtls ?? ctx.environment.mtls ?? 'permissive') !== 'strict';
    if (strictened) draft.spec.mtls = 'strict';
    if (!same || strictened) {
      const where = (list: readonly AccessRule[]) => asSet(list) !== asSet(kept) || strictened;
      const less = [
        ...byPort.filter((x) => x.port !== '*' && where(x.list)).map((x) => Number(x.port)),
        ...(fallback && asSet(fallback.rules) !== asSet(kept) ? uncovered : []),
      ].sort((a, b) => a - b);
      const parts = [
        ...(serversSame
          ? []
          : [
              `the Servers of ${name} admit different callers (or requests) per port (${byPort
                .map((x) => `${x.port === '*' ? 'every port' : `port ${x.port}`}: ${describeRules(x.list)}`)
                .join('; ')})`,
            ]),
        ...(fallback
          ? [
              `no Server selects ${portList(uncovered)} of ${name}, where Linkerd applies ${fallback.what}, which admits ${fallback.admits}`,
            ]
          : []),
      ];
      ctx
        .reader(first.source)
        .approximated(
          ['spec', 'port'],
          `Linkerd authorizes per port: ${parts.join(', and ')}; meshc's access rules apply to every port of a service, so only what every port admits was kept (${describeRules(kept)}${strictened ? ', with mtls: strict, so that `*` is any meshed caller as there' : ''}), and the import admits less${less.length ? ` on ${portList(less)}` : ''}`,
          'Widen the imported access by hand if those ports should admit more (it then applies to every port), or keep per-port authorization with an Environment `patches` entry on the rendered Servers.',
        );
    }
    if ((draft.spec.mtls ?? ctx.environment.mtls ?? 'permissive') !== 'strict')
      for (const s of e.servers)
        if (
          routesOf.has(key(s.source)) &&
          ctx.reader(s.source).get(['spec', 'accessPolicy']) === 'all-authenticated'
        )
          ctx
            .reader(s.source)
            .approximated(
              ['spec', 'accessPolicy'],
              "all-authenticated (any meshed identity) became the caller `*` on its routes' requests, which under permissive mTLS also admits unauthenticated callers",
            );
    // Linkerd's default probe route (GET on the pod's probe paths, from its probe networks, unauthenticated)
    // exists on a Server only while no route is attached to it (policy-controller `inbound/index.rs`,
    // `default_inbound_http_routes`): it is not an object of the input to filter, but meshc's render of access
    // rules without methods or paths (or of `access: []`) attaches no route, so Linkerd adds it back there.
    const rendersRoutes = kept.some((r) => r.from.length && (r.methods?.length || r.paths?.length));
    if (!rendersRoutes)
      for (const s of e.servers) {
        const attached = routesOf.get(key(s.source)) ?? [];
        const tcp = e.service.ports.find((p) => p.port === s.port)?.protocol === 'tcp';
        if (!attached.length || tcp) continue;
        const names = [...new Set(attached.map((x) => x.reader.ref))].sort();
        ctx
          .reader(s.source)
          .approximated(
            ['spec', 'port'],
            `it has inbound routes (${names.join(', ')}), so Linkerd authorizes no kubelet probe on it by itself (its default probe route, GET on the pod's probe paths from the probe networks, unauthenticated, exists only while no route is attached); meshc renders no inbound route for the imported access (${kept.length ? 'its rules name no methods or paths' : 'access: []'}), so on the rendered Server Linkerd adds that probe route back and admits those probes${s.port !== undefined ? ` on port ${s.port}` : ''} if the pods have HTTP probes there`,
            "Nothing to do if the pods' probes should pass (on the cluster they needed a route that admits them); if they must stay refused, keep an inbound route on the Server with an Environment `patches` entry.",
          );
      }
  }
}

/** Access rules as the messages say them: their callers, or no caller. */
function describeRules(rules: readonly AccessRule[]): string {
  const callers = [...new Set(rules.flatMap((r) => r.from))];
  if (!callers.length) return 'no caller';
  const narrowed = rules.some((r) => r.methods?.length || r.paths?.length);
  return `${callers.includes('*') ? 'any caller' : callers.join(', ')}${narrowed ? ' (on some requests)' : ''}`;
}

function portByTarget(service: KnownService, port: unknown): { port: number } | undefined {
  const src = service.source?.object.spec as { ports?: unknown } | undefined;
  const p = asArray(src?.ports).find((x) => isRecord(x) && x.targetPort === port);
  return isRecord(p) && typeof p.port === 'number' ? { port: p.port } : undefined;
}

function dedupe(rules: readonly AccessRule[]): AccessRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const k = JSON.stringify(r);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

// --- inbound routes --------------------------------------------------------------------------------------------

/**
 * Linkerd's inbound routes (linkerd2 policy-controller `inbound/index.rs`, linkerd2-proxy `server-policy`): once an
 * HTTPRoute (policy.linkerd.io or Gateway API) names a Server as its parent, the Server's default route is gone. A
 * request no route of the Server matches is refused (404); any other is authorized by the one route Linkerd picks
 * for it (the best-scoring match, and for a route with hostnames, first on its hosts): by that route's policies
 * and by the Server's own (its AuthorizationPolicies and ServerAuthorizations, and an `accessPolicy` other than
 * deny), which are part of every route's.
 *
 * meshc's access rules are OR-ed and cannot say "except": the rule of a route's match admits only the callers
 * that every other route which may take some of its requests admits too. What that leaves out is reported: the
 * import admits less than the cluster did, never more.
 */

/** What an AuthorizationPolicy's `targetRef` names: a route by its API group, namespace and name. */
const routeKey = (group: string, namespace: string, name: string) =>
  `${group.toLowerCase()} ${namespace}/${name}`;

/** The callers a Server's `accessPolicy` admits on its routes' requests, for the defaults with a spec form. */
const POLICY_CALLERS: ReadonlyMap<unknown, Caller> = new Map([
  ['all-unauthenticated', { any: true, from: [], anyOf: 'network' } as Caller],
  ['all-authenticated', { any: true, from: [], anyOf: 'mesh' } as Caller],
]);

interface InboundEntry {
  /** The match as Linkerd scores it, to tell which route takes a request. */
  readonly match: RouteMatch;
  /** What an access rule carries of it: every request, a method and paths, or nothing (reported where it is read). */
  readonly access: { method?: HttpMethod; paths?: string[] } | 'all' | undefined;
  /** The match (or the rule without matches), where a report about it goes. */
  readonly at: DataPath;
}

interface InboundRoute {
  readonly reader: FieldReader;
  /** {@link routeKey} */
  readonly key: string;
  /** The Servers of the input it is attached to: key (`namespace/name`) and parentRef. */
  readonly servers: readonly { readonly key: string; readonly at: DataPath }[];
  /** Read here only (not by the outbound import too): what it does not carry is said here. */
  readonly readHere: boolean;
  readonly entries: readonly InboundEntry[];
  /** It has hostnames: on those hosts it comes before every route without. */
  readonly hosts: boolean;
}

/**
 * A parent reference of `route` to a Linkerd Server (policy.linkerd.io, case aside, as Linkerd compares them). A
 * parentRef without group has its CRD's default: policy.linkerd.io in Linkerd's HTTPRoute, Gateway API's own group
 * in Gateway API's, where `kind: Server` then names no Linkerd Server.
 */
function isServerRef(p: unknown, route: K8sObject): p is Record<string, unknown> & { name: string } {
  if (!isRecord(p) || typeof p.kind !== 'string' || typeof p.name !== 'string') return false;
  const group = typeof p.group === 'string' ? p.group : apiGroupOf(route);
  return p.kind.toLowerCase() === 'server' && group.toLowerCase() === POLICY_GROUP;
}

const parentRefsOf = (o: K8sObject) => asArray((o.spec as { parentRefs?: unknown } | undefined)?.parentRefs);

/** An HTTPRoute (policy.linkerd.io or Gateway API) with a Server parent. */
function isInboundRoute(o: K8sObject): boolean {
  if (o.kind !== 'HTTPRoute' || (apiGroupOf(o) !== POLICY_GROUP && !isGatewayApiRoute(o))) return false;
  return parentRefsOf(o).some((p) => isServerRef(p, o));
}

/** A Gateway API GRPCRoute with a Server parent. */
function isInboundGrpcRoute(o: K8sObject): boolean {
  return (
    o.kind === 'GRPCRoute' &&
    o.apiVersion.startsWith('gateway.networking.k8s.io/') &&
    parentRefsOf(o).some((p) => isServerRef(p, o))
  );
}

/**
 * GRPCRoutes attached to Servers: none is carried (access rules do not name gRPC methods here). On a Server with
 * proxyProtocol gRPC they decide who reaches which method, so nobody is admitted there (the import admits less);
 * on any other Server Linkerd does not use them. The keys of the gRPC Servers with GRPCRoutes.
 */
function readGrpcRoutes(
  objects: readonly SourcedObject[],
  ctx: ImportContext,
  servers: ReadonlyMap<string, ServerInfo>,
  isGrpc: (k: string) => boolean,
): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const r = ctx.reader(o);
    const keys = parentRefsOf(o.object)
      .filter((p) => isServerRef(p, o.object))
      .map((p) => `${r.namespace}/${(p as { name: string }).name}`);
    const grpc = keys.filter(isGrpc);
    for (const k of grpc) out.add(k);
    const names = (list: readonly string[]) => list.map((k) => k.slice(k.indexOf('/') + 1)).join(', ');
    r.report(
      'IMPORT_NOT_CARRIED',
      [],
      grpc.length
        ? `${r.ref} is not carried: access rules do not name gRPC methods, and on its Server ${names(grpc)} (proxyProtocol gRPC) Linkerd refuses what no GRPCRoute matches and authorizes the rest by its route; the import admits nobody there (it admits less).`
        : `${r.ref} is not carried: Linkerd uses GRPCRoutes only on a Server with proxyProtocol gRPC, and its Server ${names(keys)} ${keys.some((k) => servers.has(k)) ? 'is not one' : 'is not in the input (or fits no Service)'}.`,
    );
  }
  return out;
}

/**
 * The HTTPRoutes the outbound import reads: Gateway API routes (Service or Gateway parents) and policy.linkerd.io
 * ones with a Service parent, but not a Gateway API route whose parents are all Servers (inbound only).
 */
function readByOutbound(o: K8sObject): boolean {
  const parents = parentRefsOf(o);
  if (parents.length && parents.every((p) => isServerRef(p, o))) return false;
  return isGatewayApiRoute(o) || isOutboundPolicyRoute(o);
}

const ANY_MATCH: RouteMatch = { headers: [], query: [] };

/** An inbound route match as Linkerd scores it (types Linkerd does not know read as "any value"). */
function linkerdMatch(m: unknown): RouteMatch {
  if (!isRecord(m)) return ANY_MATCH;
  const value = (x: Record<string, unknown>): StringMatch =>
    x.type === undefined || x.type === 'Exact'
      ? { type: 'exact', value: String(x.value) }
      : { type: 'regex', value: x.type === 'RegularExpression' ? String(x.value) : '.*' };
  const named = (list: unknown, lower: boolean) =>
    asArray(list)
      .filter(isRecord)
      .map((x) => ({ name: lower ? String(x.name).toLowerCase() : String(x.name), match: value(x) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const p = isRecord(m.path) ? m.path : undefined;
  const type = p?.type ?? 'PathPrefix';
  const v = typeof p?.value === 'string' ? p.value : '/';
  const path: StringMatch | undefined =
    type === 'Exact'
      ? { type: 'exact', value: v }
      : type === 'PathPrefix'
        ? v === '/'
          ? undefined
          : { type: 'prefix', value: v }
        : { type: 'regex', value: type === 'RegularExpression' ? v : '.*' };
  return {
    headers: named(m.headers, true),
    query: named(m.queryParams, false),
    ...(path ? { path } : {}),
    ...(typeof m.method === 'string' ? { method: m.method as HttpMethod } : {}),
  };
}

/** A regular-expression path of a form access rules carry: `^P.*$` (string prefix P) or `^.*S$` (suffix S). */
function regexForm(value: string): { prefix?: string; suffix?: string } | undefined {
  const literal = '((?:[^\\\\^$.|?*+()[\\]{}]|\\\\[\\\\^$.|?*+()[\\]{}])*)';
  const prefix = new RegExp(`^\\^${literal}\\.\\*\\$$`).exec(value);
  if (prefix) return { prefix: prefix[1]!.replace(/\\(.)/g, '$1') };
  const suffix = new RegExp(`^\\^\\.\\*${literal}\\$$`).exec(value);
  if (suffix) return { suffix: suffix[1]!.replace(/\\(.)/g, '$1') };
  return undefined;
}

/**
 * Some request may match both (false only when provably disjoint): route-precedence's `mayOverlap`, which takes
 * any two regular expressions to meet, told apart for the prefix and suffix forms (`^P.*$`, `^.*S$`) meshc renders.
 */
function mayMeet(a: RouteMatch, b: RouteMatch): boolean {
  const pathOnly = (m: RouteMatch) => ({ ...m, path: undefined });
  if (!mayOverlap(pathOnly(a), pathOnly(b))) return false;
  const [pa, pb] = [a.path, b.path];
  const fa = pa?.type === 'regex' ? regexForm(pa.value) : undefined;
  const fb = pb?.type === 'regex' ? regexForm(pb.value) : undefined;
  if (!pa || !pb || (!fa && !fb) || (pa.type === 'regex' && !fa) || (pb.type === 'regex' && !fb))
    return mayOverlap(a, b);
  const meet = (f: { prefix?: string; suffix?: string }, o: StringMatch): boolean => {
    const g = o.type === 'regex' ? regexForm(o.value)! : undefined;
    if (f.prefix !== undefined) {
      const p = f.prefix;
      if (o.type === 'exact') return o.value.startsWith(p);
      if (g?.prefix !== undefined) return p.startsWith(g.prefix) || g.prefix.startsWith(p);
      if (g) return true; // a prefix and a suffix: P + S
      // A segment-wise prefix Q (requests Q and Q/..., trailing slashes trimmed).
      const q = o.value.replace(/\/+$/, '') || '/';
      return q === '/' || q.startsWith(p) || p === q || p.startsWith(`${q}/`);
    }
    const sfx = f.suffix!;
    if (o.type === 'exact') return o.value.endsWith(sfx);
    if (g?.suffix !== undefined) return sfx.endsWith(g.suffix) || g.suffix.endsWith(sfx);
    return true;
  };
  return fa ? meet(fa, pb) : meet(fb!, pa);
}

/**
 * The inbound routes of the input, each with the Servers it is attached to and its match entries. A route the
 * outbound import reads too (it also has a Service or Gateway parent: its matches become the service's routes)
 * carries nothing here, nor does a route with hostnames: their matches still decide which route takes a request,
 * and what their callers lose is reported at their Server parents (routedRules) or hostnames.
 */
function readInboundRoutes(
  objects: readonly SourcedObject[],
  ctx: ImportContext,
  servers: ReadonlyMap<string, ServerInfo>,
): InboundRoute[] {
  const out: InboundRoute[] = [];
  for (const o of objects) {
    const r = ctx.reader(o);
    const elsewhere = readByOutbound(o.object);
    const parents: { key: string; at: DataPath }[] = [];
    const serverRefs: DataPath[] = [];
    let invalid: DataPath | undefined;
    asArray(r.get(['spec', 'parentRefs'])).forEach((p, i) => {
      const at = ['spec', 'parentRefs', i];
      if (isServerRef(p, o.object)) serverRefs.push(at);
      if (!isServerRef(p, o.object)) {
        if (!elsewhere)
          r.notCarried(
            at,
            'the parent of a policy.linkerd.io HTTPRoute has a spec form as a Service (an outbound route) or a Server (an inbound route)',
          );
        return;
      }
      if (
        p.port !== undefined ||
        p.sectionName !== undefined ||
        (p.namespace !== undefined && p.namespace !== r.namespace)
      )
        invalid ??= at;
      else parents.push({ key: `${r.namespace}/${p.name}`, at });
    });
    if (invalid) {
      // Linkerd ignores the whole route (policy-controller `inbound/routes.rs`), and so does the import.
      if (!elsewhere) {
        r.report(
          'IMPORT_NOT_CARRIED',
          invalid,
          `${r.ref} is not carried: Linkerd ignores an inbound route whose Server parent names a port, a section or another namespace.`,
        );
        r.consume([]);
      } else
        // The outbound side (its Service or Gateway parents) is read there; as an inbound route it does nothing.
        for (const at of serverRefs)
          r.notCarried(
            at,
            'Linkerd ignores the route as an inbound route, since a Server parent of it names a port, a section or another namespace: it authorizes nothing on its Servers, and neither does the imported spec',
          );
      continue;
    }
    if (!parents.length) {
      if (!elsewhere)
        r.report(
          'IMPORT_NOT_CARRIED',
          [],
          `${r.ref} is not carried: a policy.linkerd.io HTTPRoute has a spec form as an outbound route (Service parent) or an inbound route (Server parent).`,
        );
      continue;
    }
    const hosts = asArray(r.get(['spec', 'hostnames'])).length > 0;
    const grants = !elsewhere && !hosts;
    const entries: InboundEntry[] = [];
    const rules = r.get(['spec', 'rules']);
    // Without rules, Gateway API's default: one rule that matches every request.
    if (rules === undefined)
      entries.push({ match: ANY_MATCH, access: grants ? 'all' : undefined, at: ['spec'] });
    asArray(rules).forEach((rule, i) => {
      const at = ['spec', 'rules', i];
      const matches = isRecord(rule) ? asArray(rule.matches) : [];
      if (!matches.length) entries.push({ match: ANY_MATCH, access: grants ? 'all' : undefined, at });
      matches.forEach((m, j) => {
        const mat = [...at, 'matches', j];
        entries.push({
          match: linkerdMatch(m),
          access: grants ? inboundEntry(r, mat, m) : undefined,
          at: mat,
        });
      });
      if (elsewhere) return;
      if (isRecord(rule) && rule.filters !== undefined)
        r.notCarried([...at, 'filters'], 'inbound route filters have no spec form');
      r.consume([...at, 'matches']);
    });
    if (!elsewhere) {
      for (const p of parents) r.consume(p.at);
      if (hosts)
        r.notCarried(
          ['spec', 'hostnames'],
          "access rules name no hosts: the route's authorizations (its policies' and its Server's) were left out, so it admits less",
        );
    }
    // A route the outbound import reads too: its Server parents are said here (routedRules, for the known ones).
    for (const p of parents)
      if (!servers.has(p.key))
        r.report(
          'IMPORT_NO_SERVICE',
          p.at,
          `The Server ${p.key.slice(p.key.indexOf('/') + 1)} of ${r.ref} is not in the input (or fits no Service); the route is not carried for it.`,
        );
    const known = parents.filter(
      (p, i) => servers.has(p.key) && parents.findIndex((x) => x.key === p.key) === i,
    );
    if (!known.length) continue;
    out.push({
      reader: r,
      key: routeKey(apiGroupOf(o.object), r.namespace, o.object.metadata.name),
      servers: known,
      readHere: !elsewhere,
      entries,
      hosts,
    });
  }
  return out;
}

/** Callers of several authorizations (OR) as one: anyone, or identities. */
function unionCallers(list: readonly Caller[]): Caller {
  return list.some((c) => c.any)
    ? { any: true, from: [] }
    : { any: false, from: [...new Set(list.flatMap((c) => c.from))] };
}

function intersectCallers(a: Caller, b: Caller): Caller {
  if (a.any) return b;
  if (b.any) return a;
  return { any: false, from: a.from.filter((x) => b.from.includes(x)) };
}

const nobody = (c: Caller) => !c.any && !c.from.length;
const describeCallers = (c: Caller) => (c.any ? 'any caller' : c.from.join(', ') || 'no one');

/**
 * The access rules of a Server with inbound routes (see above): each carried match admits the callers of its
 * route and of the Server, less those that another route which may take some of its requests does not admit.
 */
function routedRules(
  serverKey: string,
  attached: readonly InboundRoute[],
  serverWide: readonly Caller[],
  routeCallers: ReadonlyMap<string, Caller[]>,
): AccessRule[] {
  const server = unionCallers(serverWide);
  const ownOf = (route: InboundRoute) => unionCallers(routeCallers.get(route.key) ?? []);
  // The Server's callers' rules first, then the routes' own (as meshc renders them: a round trip keeps its routes).
  const groups: {
    server: boolean;
    from: string[];
    all: boolean;
    entries: { method?: HttpMethod; paths?: string[] }[];
  }[] = [];
  const add = (server: boolean, c: Caller, access: NonNullable<InboundEntry['access']>) => {
    if (nobody(c)) return;
    const from = c.any ? ['*'] : c.from;
    let g = groups.find((x) => x.server === server && JSON.stringify(x.from) === JSON.stringify(from));
    if (!g) groups.push((g = { server, from, all: false, entries: [] }));
    if (access === 'all') g.all = true;
    else g.entries.push(access);
  };
  // Another route's match `x` takes none of e's requests when a match `y` (of a route without hostnames) holds
  // every request of both and scores strictly better than `x` on each: those requests go to `y`, or further.
  const plain = attached.flatMap((r) => (r.hosts ? [] : r.entries.map((y) => y.match)));
  const shadowed = (e: RouteMatch, x: RouteMatch) =>
    [conjunction(e, x), conjunction(x, e)].some(
      (c) => c !== undefined && plain.some((y) => y !== x && covers(y, c) && wins(y, x, false)),
    );
  for (const route of attached) {
    const own = ownOf(route);
    // A route that is an outbound one too (a Service or Gateway parent): its matches are the service's routes, and
    // access rules do not carry it; on this Server it still takes its requests, which nobody is admitted to then.
    if (!route.readHere) {
      const before = unionCallers([server, own]);
      const at = route.servers.find((x) => x.key === serverKey)?.at;
      if (at && nobody(before)) route.reader.consume(at);
      else if (at)
        route.reader.notCarried(
          at,
          `Linkerd also uses it as an inbound route of Server ${serverKey.slice(serverKey.indexOf('/') + 1)}, where it takes the requests it matches and authorizes them by its policies and the Server's; access rules do not carry a route that also has a Service or Gateway parent (its matches became the service's routes), so none of its callers (${describeCallers(before)}) was kept for those requests (another imported access rule may still admit some of them there) and it admits less`,
          'Split the route: one with the Service parent (outbound routing), one with the Server parent (authorization), and import again; or add the access rule by hand.',
        );
      continue;
    }
    for (const e of route.entries) {
      if (e.access === undefined) continue;
      // The Server's callers are admitted by every route: only the route's own can lose requests to another.
      add(true, server, e.access);
      let kept = own;
      const takers: string[] = [];
      for (const other of attached) {
        if (other === route || nobody(kept)) continue;
        const theirs = unionCallers([server, ownOf(other)]);
        for (const x of other.entries) {
          if (!mayMeet(e.match, x.match)) continue;
          if (!other.hosts && (wins(e.match, x.match, false) || shadowed(e.match, x.match))) continue;
          const next = intersectCallers(kept, theirs);
          if (
            (next.any !== kept.any || next.from.length !== kept.from.length) &&
            !takers.includes(other.reader.ref)
          )
            takers.push(other.reader.ref);
          kept = next;
        }
      }
      const before = unionCallers([server, own]);
      const after = unionCallers([server, kept]);
      if (before.any !== after.any || before.from.length !== after.from.length) {
        const why = `${takers.join(' and ')} may take some of its requests (Linkerd authorizes a request by the route with the best-scoring match, and by a route with hostnames first on its hosts) and ${takers.length > 1 ? 'do' : 'does'} not admit every caller it admits; access rules cannot leave those requests out`;
        if (nobody(after))
          route.reader.notCarried(
            e.at,
            `${why}, so none of its callers (${describeCallers(before)}) was kept and it admits less`,
          );
        else
          route.reader.approximated(
            e.at,
            `${why}, so its callers were narrowed from ${describeCallers(before)} to ${describeCallers(after)} and it admits less`,
          );
      }
      add(false, kept, e.access);
    }
  }
  return [...groups.filter((g) => g.server), ...groups.filter((g) => !g.server)].flatMap((g) =>
    g.all ? [{ from: g.from }] : mergeEntries(g.entries).map((x) => ({ from: g.from, ...x })),
  );
}

/** Requests and callers both rule lists admit (each list an OR of rules). */
function intersectRules(a: readonly AccessRule[], b: readonly AccessRule[]): AccessRule[] {
  const out: AccessRule[] = [];
  for (const x of a)
    for (const y of b) {
      const from = x.from.includes('*')
        ? y.from
        : y.from.includes('*')
          ? x.from
          : x.from.filter((c) => y.from.includes(c));
      const methods = !x.methods
        ? y.methods
        : !y.methods
          ? x.methods
          : x.methods.filter((m) => y.methods!.includes(m));
      const paths = !x.paths
        ? y.paths
        : !y.paths
          ? x.paths
          : x.paths.flatMap((p) => y.paths!.flatMap((q) => pathMeet(p, q)));
      if (!from.length || methods?.length === 0 || paths?.length === 0) continue;
      out.push({ from, ...(methods ? { methods } : {}), ...(paths ? { paths: [...new Set(paths)] } : {}) });
    }
  return out;
}

/**
 * The paths both access paths match, as an access path (`/exact`, `/prefix*`, `*suffix`, `*`); none when they are
 * disjoint, and when a prefix meets a suffix (no one access path says both: left out, so the rule admits less).
 */
function pathMeet(p: string, q: string): string[] {
  const kind = (x: string) =>
    x === '*' ? 'all' : x.endsWith('*') ? 'prefix' : x.startsWith('*') ? 'suffix' : 'exact';
  const matches = (x: string, path: string) => {
    const k = kind(x);
    if (k === 'all') return true;
    if (k === 'prefix') return path.startsWith(x.slice(0, -1));
    if (k === 'suffix') return path.endsWith(x.slice(1));
    return path === x;
  };
  const [kp, kq] = [kind(p), kind(q)];
  if (kp === 'all') return [q];
  if (kq === 'all') return [p];
  if (kp === 'exact') return matches(q, p) ? [p] : [];
  if (kq === 'exact') return matches(p, q) ? [q] : [];
  if (kp !== kq) return [];
  // Both prefixes (or both suffixes): the longer, when it lies inside the shorter.
  const [long, short] = p.length >= q.length ? [p, q] : [q, p];
  return kp === 'prefix'
    ? long.startsWith(short.slice(0, -1))
      ? [long]
      : []
    : long.endsWith(short.slice(1))
      ? [long]
      : [];
}

/** Entries with the same method share one rule (their paths OR); entries without path but a method likewise. */
function mergeEntries(
  entries: readonly { method?: HttpMethod; paths?: string[] }[],
): { methods?: HttpMethod[]; paths?: string[] }[] {
  const byMethod = new Map<string, { methods?: HttpMethod[]; paths?: string[] }>();
  const out: { methods?: HttpMethod[]; paths?: string[] }[] = [];
  for (const e of entries) {
    const k = e.method ?? '';
    const existing = byMethod.get(k);
    if (existing && e.paths && existing.paths) {
      for (const p of e.paths) if (!existing.paths.includes(p)) existing.paths.push(p);
      continue;
    }
    const rule = {
      ...(e.method ? { methods: [e.method] } : {}),
      ...(e.paths ? { paths: [...e.paths] } : {}),
    };
    byMethod.set(k, rule);
    out.push(rule);
  }
  return out;
}

/** One inbound route match as a method and paths; `all` when it matches every request. */
function inboundEntry(
  r: FieldReader,
  at: DataPath,
  m: unknown,
): { method?: HttpMethod; paths?: string[] } | 'all' | undefined {
  if (!isRecord(m)) return undefined;
  const out: { method?: HttpMethod; paths?: string[] } = {};
  // In a fixed order (the file's carries no meaning): the field reported is the same whatever the order.
  for (const [k, v] of entriesInOrder(m, ['method', 'path'])) {
    if (k === 'method' && isMethod(v)) out.method = v;
    else if (k === 'path' && isRecord(v) && typeof v.value === 'string') {
      const type = v.type ?? 'PathPrefix';
      const value = v.value;
      if (type === 'Exact') out.paths = [value];
      else if (type === 'PathPrefix') {
        if (value === '/') continue;
        // Segment-wise: `/authors/` matches `/authors` too (Linkerd trims trailing slashes).
        const base = value.endsWith('/') ? value.slice(0, -1) : value;
        out.paths = [base, `${base}/*`];
      } else if (type === 'RegularExpression') {
        const form = regexForm(value);
        if (form?.prefix !== undefined) out.paths = [`${form.prefix}*`];
        else if (form?.suffix !== undefined) out.paths = [`*${form.suffix}`];
        else {
          r.notCarried(
            [...at, k],
            'a regular-expression path has a spec form only as a prefix (`^P.*$`) or a suffix (`^.*S$`); the entry was left out, so the route admits less',
          );
          return undefined;
        }
      } else {
        r.notCarried([...at, k], `a ${String(type)} path has no spec form; the entry was left out`);
        return undefined;
      }
      if (!out.paths.every(isAccessPath)) {
        r.notCarried([...at, k], `${NOT_ACCESS_PATH}; the entry was left out, so the route admits less`);
        return undefined;
      }
    } else {
      r.notCarried(
        [...at, k],
        `\`${k}\` of an inbound route has no spec form (access rules narrow by method and path); the entry was left out, so the route admits less`,
      );
      return undefined;
    }
  }
  if (!out.method && !out.paths) return 'all';
  return out;
}

function callerFor(
  ctx: ImportContext,
  namespace: string,
  sa: string,
  r: FieldReader,
  at: DataPath,
): string | undefined {
  const found = ctx.workloads.byServiceAccount(namespace, sa);
  if (!found.length) {
    // As for Istio principals: a service named after the account stands for the caller (reported as assumed).
    if (isDnsLabel(sa)) {
      ctx.service(namespace, sa, r.source);
      r.consume(at);
      return `${namespace}/${sa}`;
    }
    r.report(
      'IMPORT_NO_SERVICE',
      at,
      `The service account ${namespace}/${sa} in ${r.ref} is the identity of no Service of the input; that caller is not carried.`,
      "Import the caller's Service and Deployment too (its pods' serviceAccountName names the identity).",
    );
    return undefined;
  }
  const s = [...found].sort((a, b) => (a.name < b.name ? -1 : 1))[0]!;
  r.consume(at);
  return `${s.namespace}/${s.name}`;
}

function callerOfIdentity(ctx: ImportContext, id: unknown, r: FieldReader, at: DataPath): string | undefined {
  if (id === '*') {
    r.consume(at);
    return '*';
  }
  const m = typeof id === 'string' ? IDENTITY.exec(id) : null;
  // Every identity of the ingress namespace: meshc admits the ingress by itself for a service with `ingress`.
  if (m && m[1] === '*' && m[2] === ctx.environment.ingress?.namespace) {
    r.consume(at);
    return undefined;
  }
  if (!m || m[1] === '*') {
    r.notCarried(
      at,
      `the identity ${String(id)} names no one service account (only \`<sa>.<ns>.serviceaccount.identity.linkerd.<domain>\` and \`*\` have a spec form)`,
    );
    return undefined;
  }
  const [, sa, ns, domain] = m;
  if (ctx.environment.trustDomain === undefined && domain !== 'cluster.local')
    ctx.environment.trustDomain = domain!;
  else if ((ctx.environment.trustDomain ?? 'cluster.local') !== domain) {
    r.notCarried(at, `its trust domain ${domain!} differs from the environment's`);
    return undefined;
  }
  return callerFor(ctx, ns!, sa!, r, at);
}

function authenticationCallers(
  ref: Record<string, unknown>,
  r: FieldReader,
  at: DataPath,
  ctx: ImportContext,
  authn: ReadonlyMap<string, SourcedObject>,
  used: Set<string>,
): Caller | undefined {
  const ns = typeof ref.namespace === 'string' ? ref.namespace : r.namespace;
  if (ref.kind === 'ServiceAccount' && typeof ref.name === 'string') {
    const c = callerFor(ctx, ns, ref.name, r, at);
    return c === undefined ? undefined : { any: false, from: [c] };
  }
  const k = `${String(ref.kind)} ${ns}/${String(ref.name)}`;
  const o = authn.get(k);
  if (!o) {
    r.notCarried(at, `the ${String(ref.kind)} ${ns}/${String(ref.name)} is not in the input`);
    return undefined;
  }
  used.add(k);
  const a = ctx.reader(o);
  if (o.object.kind === 'NetworkAuthentication') {
    const cidrs = asArray(a.get(['spec', 'networks'])).map((n) => (isRecord(n) ? n.cidr : undefined));
    const anyNet =
      cidrs.length > 0 &&
      cidrs.every((c) => typeof c === 'string' && ANY_NETWORKS.has(c)) &&
      !asArray(a.get(['spec', 'networks'])).some((n) => isRecord(n) && n.except !== undefined);
    if (!anyNet) {
      a.notCarried(
        ['spec', 'networks'],
        'the spec admits callers by identity, or anyone (`*`); networks other than 0.0.0.0/0 and ::/0 have no spec form',
      );
      return undefined;
    }
    a.consume(['spec', 'networks']);
    return { any: true, from: [], anyOf: 'network' };
  }
  const from: string[] = [];
  let any = false;
  asArray(a.get(['spec', 'identities'])).forEach((id, i) => {
    const c = callerOfIdentity(ctx, id, a, ['spec', 'identities', i]);
    if (c === '*') any = true;
    else if (c !== undefined) from.push(c);
  });
  asArray(a.get(['spec', 'identityRefs'])).forEach((x, i) => {
    const p = ['spec', 'identityRefs', i];
    if (isRecord(x) && x.kind === 'ServiceAccount' && typeof x.name === 'string') {
      const c = callerFor(ctx, typeof x.namespace === 'string' ? x.namespace : a.namespace, x.name, a, p);
      if (c !== undefined) from.push(c);
    } else a.notCarried(p, 'only ServiceAccount identity references have a spec form');
  });
  if (!any && !from.length) return undefined;
  // `*` in a MeshTLSAuthentication is any meshed identity: the spec's `*` also admits plaintext callers
  // unless mTLS is strict.
  if (any && ctx.environment.mtls !== 'strict')
    a.approximated(
      ['spec', 'identities'],
      '`*` (any meshed identity) became the caller `*`, which under permissive mTLS also admits unauthenticated callers',
    );
  return { any, from, ...(any ? { anyOf: 'mesh' as const } : {}) };
}
