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
import { mayOverlap, wins } from '../shared/route-precedence.ts';

/**
 * `meshc import` for Linkerd: the inverse of the Linkerd backend (see its README for the forward mapping).
 * Outbound HTTPRoutes (Gateway API, or policy.linkerd.io with a Service parent) → `routes`, with the
 * `timeout.linkerd.io` / `retry.linkerd.io` annotations; failure-accrual annotations on a Service →
 * `resilience.outlierDetection`; Server + AuthorizationPolicy + MeshTLSAuthentication / NetworkAuthentication
 * (and inbound HTTPRoutes, and the older ServerAuthorization) → `access`; a Server's `accessPolicy` without
 * authorizations → `mtls`; the namespaces' default inbound policy → the Environment's `mtls`.
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
    return detected && isGatewayApiObject(o);
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
      objects.filter((o) => isGatewayApiRoute(o.object) || isOutboundPolicyRoute(o.object)),
      ctx,
      { mesh: 'Linkerd', annotations: routeAnnotations, wins, mayOverlap },
    );
    applyServiceRoutePolicy(ctx);
    readAuthorization(
      objects.filter((o) => apiGroupOf(o.object) === POLICY_GROUP && !isOutboundPolicyRoute(o.object)),
      ctx,
    );
    const handled = new Set([
      'Server',
      'ServerAuthorization',
      'AuthorizationPolicy',
      'MeshTLSAuthentication',
      'NetworkAuthentication',
      'HTTPRoute',
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

function readAuthorization(objects: readonly SourcedObject[], ctx: ImportContext): void {
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
    const k = `${ns}/${target.name as string}`;
    map.set(k, [...(map.get(k) ?? []), combined]);
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

  // Inbound routes: their matches narrow their callers to methods and paths.
  const routeRules = new Map<string, AccessRule[]>();
  const routeServer = new Map<string, string>();
  for (const o of byKind('HTTPRoute')) {
    const r = ctx.reader(o);
    const parent = asArray(r.get(['spec', 'parentRefs'])).find((p) => isRecord(p) && p.kind === 'Server') as
      Record<string, unknown> | undefined;
    if (!parent || typeof parent.name !== 'string') {
      r.report(
        'IMPORT_NOT_CARRIED',
        [],
        `${r.ref} is not carried: a policy.linkerd.io HTTPRoute has a spec form as an outbound route (Service parent) or an inbound route (Server parent).`,
      );
      continue;
    }
    r.consume(['spec', 'parentRefs']);
    const server = servers.get(`${r.namespace}/${parent.name}`);
    routeServer.set(`${r.namespace}/${o.object.metadata.name}`, `${r.namespace}/${parent.name}`);
    const callers = routeCallers.get(`${r.namespace}/${o.object.metadata.name}`) ?? [];
    const entries: { method?: HttpMethod; paths?: string[] }[] = [];
    let catchAll = false;
    asArray(r.get(['spec', 'rules'])).forEach((rule, i) => {
      const matches = isRecord(rule) ? asArray(rule.matches) : [];
      if (!matches.length) catchAll = true;
      matches.forEach((m, j) => {
        const at = ['spec', 'rules', i, 'matches', j];
        const e = inboundEntry(r, at, m);
        if (e === 'all') catchAll = true;
        else if (e) entries.push(e);
      });
      if (isRecord(rule) && rule.filters !== undefined)
        r.notCarried(['spec', 'rules', i, 'filters'], 'inbound route filters have no spec form');
      r.consume(['spec', 'rules', i, 'matches']);
    });
    if (!server) {
      r.report(
        'IMPORT_NO_SERVICE',
        ['spec', 'parentRefs'],
        `The Server ${String(parent.name)} of ${r.ref} is not in the input (or fits no Service); the route is not carried.`,
      );
      continue;
    }
    // A catch-all route without a policy of its own only keeps unmatched requests on the Server's policies.
    if (catchAll && !callers.length) continue;
    const rules: AccessRule[] = [];
    for (const c of callers) {
      const from = c.any ? ['*'] : c.from;
      if (!from.length) continue;
      if (catchAll) rules.push({ from });
      else rules.push(...mergeEntries(entries).map((e) => ({ from, ...e })));
    }
    const k = `${server.service.id}@${server.port ?? ''}`;
    routeRules.set(k, [...(routeRules.get(k) ?? []), ...rules]);
  }

  // How each Server's authorizations said "anyone" (its own policies and its routes' policies).
  const serverAny = new Map<string, ('network' | 'mesh' | undefined)[]>();
  for (const [k] of servers) {
    const mine = [...(serverCallers.get(k) ?? [])];
    for (const [rk, rc] of routeCallers) if (routeServer.get(rk) === k) mine.push(...rc);
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
    const rules = [
      ...(serverCallers.get(k) ?? []).flatMap((c) =>
        (c.any ? ['*'] : c.from).length ? [{ from: c.any ? ['*'] : c.from }] : [],
      ),
      ...(routeRules.get(`${s.service.id}@${s.port ?? ''}`) ?? []),
    ];
    const portKey = String(s.port ?? '*');
    e.ports.set(portKey, [...(e.ports.get(portKey) ?? []), ...rules]);
    perService.set(s.service.id, e);
  }
  for (const e of perService.values()) {
    const draft = ctx.service(e.service.namespace, e.service.name);
    const first = e.servers[0]!;
    const policies = e.servers.map((s) => ctx.reader(s.source).get(['spec', 'accessPolicy']) ?? 'deny');
    const hasRules = [...e.ports.values()].some((l) => l.length);
    const modes = new Set(policies);
    if (
      !hasRules &&
      modes.size === 1 &&
      (policies[0] === 'all-authenticated' || policies[0] === 'all-unauthenticated')
    ) {
      for (const s of e.servers) ctx.reader(s.source).consume(['spec', 'accessPolicy']);
      draft.spec.mtls = policies[0] === 'all-authenticated' ? 'strict' : 'permissive';
      draft.from.set('mtls', first.source);
      continue;
    }
    if (![...modes].every((m) => m === 'deny')) {
      for (const s of e.servers) {
        const r = ctx.reader(s.source);
        if ((r.get(['spec', 'accessPolicy']) ?? 'deny') !== 'deny')
          r.notCarried(
            ['spec', 'accessPolicy'],
            'a default other than deny on a Server with authorizations has no spec form; the imported access rules deny every other caller',
          );
      }
    }
    for (const s of e.servers) ctx.reader(s.source).consume(['spec', 'accessPolicy']);
    const lists = [...e.ports.values()].map(dedupe);
    const covered = e.service.ports.every((p) => e.ports.has(String(p.port))) || e.ports.has('*');
    const same = lists.every((l) => JSON.stringify(l) === JSON.stringify(lists[0]));
    if (!same || !covered)
      ctx
        .reader(first.source)
        .approximated(
          ['spec', 'port'],
          `the Servers of ${e.service.name} ${!covered ? 'do not cover all of its ports' : 'admit different callers per port'}; meshc's access rules apply to every port of a service, so the rules of all its Servers were joined`,
        );
    addAccess(draft, dedupe(lists.flat()));
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
  }
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
        const prefix = /^\^((?:[^\\^$.|?*+()[\]{}]|\\[\\^$.|?*+()[\]{}])*)\.\*\$$/.exec(value);
        const suffix = /^\^\.\*((?:[^\\^$.|?*+()[\]{}]|\\[\\^$.|?*+()[\]{}])*)\$$/.exec(value);
        if (prefix) out.paths = [`${prefix[1]!.replace(/\\(.)/g, '$1')}*`];
        else if (suffix) out.paths = [`*${suffix[1]!.replace(/\\(.)/g, '$1')}`];
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
