import { codePointName } from '../../core/printable.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService, Route } from '../../model/types.ts';
import { routeRef } from '../../core/names.ts';
import { checkVersionServiceNames } from '../shared/derived-names.ts';
import { isOlderThan } from '../shared/names.ts';
import { fullMatchRegex } from '../shared/gamma.ts';
import type { Values } from '../shared/merge.ts';
import { isPlainObject } from '../shared/merge.ts';
import { hasServers } from './authorization.ts';
import { collectorNamespace, contradictedValues, pinnedValues } from './charts.ts';
import { TRACING_SINCE } from './constants.ts';
import { rustRegexError } from './rust-regex.ts';
import { httpRetryToken, UNEXPRESSIBLE_RETRY } from './route-policy.ts';
import { checkDroppedOutlierFields, checkOutlierDetection } from './services.ts';
import { ISSUER_SECRET, TRUST_ROOTS } from './trust.ts';
import { selectsLabels } from '../../core/selectors.ts';

/** Why Linkerd needs the per-version Services (services.ts buildServices, gamma.ts backendRef). */
const LINKERD_VERSION_SERVICES =
  'Linkerd routes by Gateway API HTTPRoutes, whose backendRefs name a Service per version.';

/**
 * Values Linkerd cannot take as they are, found from the values themselves (the capability table speaks per
 * feature, these per value; the version is checked by the shared emit skeleton): the issuer secret's name, tracing without an install or with a
 * Zipkin collector, retry conditions Linkerd has no token for, outlier-detection fields it drops, per-version Service names
 * longer than a Service name may be. Those of one service alone are {@link checkServiceValues}'s, which the
 * backend runs with the service's objects (so that a namespace an incremental render takes reports what the
 * previous render recorded of it: `taken`, EmitContext.taken, whose overlapping Servers are not looked for again).
 */
export function checkEnvironment(
  env: ResolvedEnvironment,
  taken?: ReadonlyMap<string, unknown>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const trust = env.mesh.trust;
  if (trust?.type === 'existing-secret' && trust.name !== ISSUER_SECRET) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd's identity controller reads its issuer only from a secret named "${ISSUER_SECRET}" in linkerd, not "${trust.name}".`,
      hint: `Name the secret "${ISSUER_SECRET}" (type kubernetes.io/tls, keys tls.crt, tls.key, ca.crt) and provide the ConfigMap "${TRUST_ROOTS}" (key ca-bundle.crt) next to it (Linkerd docs: "Installing Linkerd with Helm", identity.issuer.scheme kubernetes.io/tls).`,
      location: env.origin(['mesh', 'trust', 'existingSecret', 'name']),
    });
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing && !isOlderThan(env.mesh.version, TRACING_SINCE)) {
    if (!env.mesh.install) {
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `Linkerd configures proxy tracing in the linkerd-control-plane chart values (proxy.tracing), and environment ${env.name} does not install the control plane (no mesh.install).`,
        hint: 'Set mesh.install so that meshc renders the chart values, or remove observability.tracing and set proxy.tracing in your own install.',
        location: env.origin(['mesh', 'observability', 'tracing']),
      });
    }
    if (tracing.provider !== 'opentelemetry') {
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Linkerd proxies export traces over OTLP only; the ${tracing.provider} provider is not expressible.`,
        hint: 'Use `provider: opentelemetry` with an OTLP collector endpoint (an OpenTelemetry Collector can forward to Zipkin).',
        location: env.origin(['mesh', 'observability', 'tracing', 'provider']),
      });
    }
    if (env.mesh.install) out.push(...checkCollectorIdentity(env, env.mesh.install));
  }
  if (env.mesh.install) {
    for (const c of contradictedValues(pinnedValues(env), env.mesh.install.values)) {
      const key = c.at.join('.');
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `install.values sets ${key} to ${shown(c.value)}, but meshc sets ${c.pinned.path.join('.')} to ${JSON.stringify(c.pinned.value)} in the linkerd-control-plane values on purpose: ${c.pinned.why}.`,
        hint: `${c.pinned.instead}.`,
        location: env.origin(['mesh', 'install', 'values', ...c.at]),
      });
    }
  }
  out.push(...checkDroppedOutlierFields(env.services));
  // Servers overlap within a namespace only: a namespace taken from the previous render had none there.
  out.push(
    ...checkOverlappingServers(
      taken?.size ? env.services.filter((s) => !taken.has(s.namespace)) : env.services,
    ),
  );
  return out;
}

/** A user value in a message: a scalar as written, a list or map by its kind only. */
const shown = (v: unknown): string =>
  Array.isArray(v) ? 'a list' : isPlainObject(v) ? 'a map' : (JSON.stringify(v) ?? String(v));

/** The keys of the tracing collector's mesh identity in the linkerd-control-plane values. */
const MESH_IDENTITY = ['proxy', 'tracing', 'collector', 'meshIdentity'] as const;

/**
 * Linkerd 2.19+ proxies export traces only to a meshed collector, whose identity the chart builds from
 * `proxy.tracing.collector.meshIdentity.{serviceAccountName, namespace}` and fails to render without either
 * (linkerd2 `charts/partials/templates/_proxy.tpl`). meshc takes the namespace from the collector's host
 * (`<service>.<namespace>`); no spec field gives the service account, and Linkerd documents no default: each
 * missing one is an error at `observability.tracing` unless `install.values` sets it. The chart also builds
 * that identity with `clusterDomain` where every issued identity uses the trust domain (fixed in chart
 * 2026.7.1, linkerd2 #15404): with an older chart, a `mesh.trustDomain` other than the cluster domain makes
 * every proxy refuse the collector's certificate, so no trace is exported (an error too).
 */
function checkCollectorIdentity(env: ResolvedEnvironment, install: { chartVersion: string; values: Values }) {
  const out: Diagnostic[] = [];
  const tracing = env.mesh.observability.tracing!;
  const at = env.origin(['mesh', 'observability', 'tracing']);
  let identity: unknown = install.values;
  for (const key of MESH_IDENTITY) identity = isPlainObject(identity) ? identity[key] : undefined;
  const given = (key: string) => {
    const v = isPlainObject(identity) ? identity[key] : undefined;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const path = `install.values.${MESH_IDENTITY.join('.')}`;
  const namespace = given('namespace') ?? collectorNamespace(tracing.host);
  if (given('serviceAccountName') === undefined)
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd proxies export traces only to a meshed collector, whose service account the linkerd-control-plane chart must be given (${MESH_IDENTITY.join('.')}.serviceAccountName; the chart fails to render without it), and no spec field says which service account the collector at ${tracing.host} runs as.`,
      hint: `Set mesh.${path}.serviceAccountName to the collector's service account${namespace !== undefined ? ` (its namespace, ${namespace}, is taken from the host)` : ''}, and mesh the collector's namespace.`,
      location: at,
    });
  if (namespace === undefined)
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd proxies export traces only to a meshed collector, whose namespace the linkerd-control-plane chart must be given (${MESH_IDENTITY.join('.')}.namespace; the chart fails to render without it), and the host of the collector endpoint, ${tracing.host}, is not a Service name of the form <service>.<namespace>.`,
      hint: `Write the endpoint's host as <service>.<namespace> (or <service>.<namespace>.svc.<cluster domain>), or set mesh.${path}.namespace to the collector's namespace.`,
      location: env.origin(['mesh', 'observability', 'tracing', 'endpoint']),
    });
  const clusterDomain =
    typeof install.values.clusterDomain === 'string' ? install.values.clusterDomain : 'cluster.local';
  if (env.mesh.trustDomain !== clusterDomain && !collectorIdentityFixed(install.chartVersion))
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `The linkerd-control-plane chart ${install.chartVersion} names the tracing collector's identity with the cluster domain (…serviceaccount.identity.linkerd.${clusterDomain}), while every identity Linkerd issues uses mesh.trustDomain (${env.mesh.trustDomain}): the proxies would refuse the collector's certificate and export no trace.`,
      hint: `Install chart ${COLLECTOR_IDENTITY_FIXED.join('.')} or later (edge-26.7.1, linkerd2 #15404), keep mesh.trustDomain equal to the cluster domain, or remove observability.tracing for this environment with an override.`,
      location: at,
    });
  return out;
}

/** The first linkerd-control-plane chart (edge calendar version) that builds the collector's identity from the trust domain. */
const COLLECTOR_IDENTITY_FIXED = [2026, 7, 1] as const;

/** Whether an edge chart version (`YYYY.M.N`) is COLLECTOR_IDENTITY_FIXED or later; false for anything else. */
export function collectorIdentityFixed(chartVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(chartVersion.trim());
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (const [i, f] of COLLECTOR_IDENTITY_FIXED.entries()) if (v[i]! !== f) return v[i]! > f;
  return true;
}

/** The values of one service Linkerd cannot take (checkEnvironment's list), found from the service alone. */
export function checkServiceValues(s: ResolvedService): Diagnostic[] {
  return [
    ...checkVersionServiceNames(s, 'Linkerd', LINKERD_VERSION_SERVICES),
    ...checkRetries(s),
    ...checkMatchValues(s),
    ...checkOutlierDetection(s),
    ...checkTcpRoutes(s),
  ];
}

/** Route fields Linkerd applies through HTTPRoutes only, by their spec key (faults and mirroring are refused). */
const HTTP_ROUTE_FIELDS = ['match', 'timeout', 'retries', 'headers'] as const;

/**
 * A service with HTTP and TCP ports: meshc attaches its HTTPRoutes to the HTTP ports only (http-route.ts) and
 * writes no TCPRoute, so the connections of a TCP port go to the endpoints of the service's own Service (every
 * pod it selects), whatever its routes say: the outbound policy of that port has no route of meshc's, only
 * Linkerd's default route to that Service (linkerd2 `policy-controller/grpc/src/outbound.rs`, 2.16-2.20: opaque
 * from 2.18, which reads `appProtocol: tcp` as unknown; 2.16 and 2.17 detect the protocol, and find no HTTPRoute
 * attached to the port). Linkerd 2.17+ would route it by a TCPRoute, which meshc does not write. A warning at
 * each route field that applies on the HTTP ports only: the destinations (`to` / `backends`) of a route without
 * `match` that sends elsewhere than the whole service (its weights), and the match, timeout, retries and header
 * changes of every route. A service with only TCP ports has its routes refused (buildOutboundRoutes); Flagger routes a
 * rolled-out service; `retries: {attempts: 0}` asks for no retries, which is what a TCP port gets.
 */
export function checkTcpRoutes(s: ResolvedService): Diagnostic[] {
  if (s.rollout) return [];
  const tcp = s.ports.filter((p) => p.protocol === 'tcp');
  if (!tcp.length || tcp.length === s.ports.length) return [];
  const names = tcp.map((p) => `${p.name} (${p.port})`).join(', ');
  const which = tcp.length > 1 ? 'those ports' : 'that port';
  const warn = (r: Route, field: string, what: string): Diagnostic => ({
    code: 'MESH_APPROXIMATE_FEATURE',
    severity: 'warning',
    message: `Service ${s.id} has the TCP port${tcp.length > 1 ? 's' : ''} ${names}, and meshc attaches Linkerd's HTTPRoutes to the HTTP ports only (it writes no TCPRoute): ${what} of ${routeRef(r)} ${field === 'to' || field === 'backends' ? 'apply' : 'applies'} on its HTTP ports, not to the connections of ${which}, which go to every pod of Service ${s.name}.`,
    hint: 'Declare the port protocol (http, http2, grpc) if its traffic is HTTP; otherwise its connections reach every pod the service selects, whatever its routes say.',
    location: s.origin(['routes', r.index, field], 'key'),
  });
  const out: Diagnostic[] = [];
  for (const r of s.routes) {
    if (r.implicit) continue;
    const spread = r.destinations.some((d) => d.serviceId !== s.id || d.version !== undefined);
    const key = r.destinations.map((d) => d.at[2]).find((k) => k === 'to' || k === 'backends');
    if (!r.matches.length && spread && key) out.push(warn(r, key, `the weights (\`${key}\`)`));
    const present = {
      match: r.matches.length > 0,
      timeout: r.timeout !== undefined,
      retries: r.retries !== undefined && r.retries.attempts > 0,
      headers: r.headers !== undefined,
    };
    for (const field of HTTP_ROUTE_FIELDS) if (present[field]) out.push(warn(r, field, `\`${field}\``));
  }
  return out;
}

/**
 * Two services of one namespace that carry Servers (access rules or their own mTLS mode) for one port number
 * of the same pods: one's selector holds the other's labels, so the pods the narrower one selects are the
 * other's too. Linkerd authorizes per pod and port through one Server: 2.16 and 2.17 refuse the second Server
 * at admission (linkerd2 policy-controller `Validate<ServerSpec>`), and later versions apply the older one
 * only, so the other service's access rules (or mTLS mode) would silently not apply. An error at the later
 * service, naming the earlier one.
 */
export function checkOverlappingServers(services: readonly ResolvedService[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const withServers = services.filter(hasServers);
  // One selector holds the other's labels only if they share a label, or one of them is empty (every pod).
  // So each service is compared with the earlier ones that share a label with it, or select every pod (all
  // earlier ones of its namespace when it selects every pod itself), not with every earlier one: a fleet's
  // render stays linear in its services. The order (earliest match first) is the pairwise one.
  const byLabel = new Map<string, number[]>();
  const byNamespace = new Map<string, number[]>();
  const selectAll = new Map<string, number[]>();
  const labelKey = (ns: string, k: string, v: string) => `${ns}\0${k}\0${v}`;
  const add = (m: Map<string, number[]>, key: string, j: number) => {
    const list = m.get(key);
    if (list) list.push(j);
    else m.set(key, [j]);
  };
  withServers.forEach((b, j) => {
    const labels = Object.entries(b.selector);
    const candidates = new Set<number>(selectAll.get(b.namespace));
    if (labels.length === 0) for (const i of byNamespace.get(b.namespace) ?? []) candidates.add(i);
    for (const [k, v] of labels)
      for (const i of byLabel.get(labelKey(b.namespace, k, v)) ?? []) candidates.add(i);
    for (const i of [...candidates].sort((x, y) => x - y)) {
      const a = withServers[i]!;
      // One selector's labels all among the other's: every pod the narrower selects, the wider selects too.
      if (!selectsLabels(a.selector, b.selector) && !selectsLabels(b.selector, a.selector)) continue;
      const port = b.ports.find((p) => a.ports.some((q) => q.port === p.port));
      if (port === undefined) continue;
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `Linkerd authorizes requests per pod and port, and ${a.id} and ${b.id} select the same pods on port ${port.port}: each would get a Server for them, which Linkerd 2.16 and 2.17 refuse and later versions resolve by applying the older Server only, so the access rules (or mTLS mode) of one service would not apply.`,
        hint: `Give the two services selectors that pick different pods, or keep access rules and per-service mtls on one of them only.`,
        location: b.spec.selector !== undefined ? b.origin(['selector']) : b.origin(['metadata', 'name']),
      });
      break;
    }
    add(byNamespace, b.namespace, j);
    if (labels.length === 0) add(selectAll, b.namespace, j);
    for (const [k, v] of labels) add(byLabel, labelKey(b.namespace, k, v), j);
  });
  return out;
}

/** Retry conditions without a Linkerd token: an error each, at the condition. */
export function checkRetries(service: ResolvedService): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of service.routes) {
    if (!r.retries || r.retries.attempts === 0) continue;
    r.retries.on.forEach((condition, i) => {
      if (httpRetryToken(condition) !== undefined) return;
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Linkerd cannot retry on ${condition} (${service.id}): ${UNEXPRESSIBLE_RETRY[condition] ?? 'no such condition'}.`,
        hint: 'Linkerd retries on `5xx`, `gateway-error` and `retriable-4xx` (409). Remove the condition for this environment with an override (a list in an override replaces the whole list).',
        location: service.origin(['routes', r.index, 'retries', 'on', i]),
      });
    });
  }
  return out;
}

/**
 * Why the http crate (`HeaderValue::from_str`, which Linkerd's policy controller parses every header value
 * with) refuses a header value: only visible ASCII and tab are taken.
 */
export function headerValueProblem(value: string): string | undefined {
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c === 9 || (c >= 32 && c <= 126)) continue;
    return c < 32 || c === 127
      ? `a control character (${codePointName(c)})`
      : `a non-ASCII character (${ch})`;
  }
  return undefined;
}

const WEBHOOK = "Linkerd's policy controller refuses the whole HTTPRoute at admission";

/**
 * Route values Linkerd's admission webhook refuses (linkerd2 `policy-controller/k8s/index/src/routes/http.rs`,
 * called by `admission.rs`), an error each at the value: a regular expression Rust's `regex` crate does not
 * parse (RE2 takes more: a literal `{`, `\Q…\E`; meshc emits `regex` values as RE2 full matches, `^(?:R)$`),
 * and a header value, matched exactly or set / added, that is not visible ASCII.
 */
export function checkMatchValues(service: ResolvedService): Diagnostic[] {
  const out: Diagnostic[] = [];
  const regex = (value: string, path: (string | number)[], what: string) => {
    const why = rustRegexError(fullMatchRegex(value));
    if (why === undefined) return;
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `${WEBHOOK}: it compiles ${what} of ${service.id} with Rust's regex syntax, which refuses ${JSON.stringify(value)} (${why}).`,
      hint: 'Escape braces and other literal punctuation with a backslash (`\\{id\\}`); Rust has no `\\Q…\\E`, `\\C` or `{,n}`, and reads `{` only as a counted repetition.',
      location: service.origin(path),
    });
  };
  const value = (text: string, path: (string | number)[], what: string) => {
    const why = headerValueProblem(text);
    if (why === undefined) return;
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `${WEBHOOK}: ${what} of ${service.id} has ${why}, and Linkerd takes header values of visible ASCII only.`,
      hint: 'Write the value in visible ASCII (percent-encode or transliterate other characters), or remove it for this environment with an override.',
      location: service.origin(path),
    });
  };
  for (const r of service.routes) {
    if (r.implicit) continue;
    r.matches.forEach((m, j) => {
      const at = ['routes', r.index, 'match', j];
      for (const h of m.headers) {
        if (h.match.type === 'regex')
          regex(h.match.value, [...at, 'headers', h.name, 'regex'], `the header ${h.name} regex`);
        if (h.match.type === 'exact')
          value(h.match.value, [...at, 'headers', h.name, 'exact'], `the header ${h.name} match`);
      }
      for (const q of m.query)
        if (q.match.type === 'regex')
          regex(q.match.value, [...at, 'query', q.name, 'regex'], `the query parameter ${q.name} regex`);
      if (m.path?.type === 'regex') regex(m.path.value, [...at, 'path', 'regex'], 'the path regex');
    });
    for (const side of ['request', 'response'] as const)
      for (const op of ['set', 'add'] as const)
        for (const h of r.headers?.[side]?.[op] ?? [])
          value(
            h.value,
            ['routes', r.index, 'headers', side, op, h.name],
            `the ${side} header ${h.name} (${op})`,
          );
  }
  return out;
}
