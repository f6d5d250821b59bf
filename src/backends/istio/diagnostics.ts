import { isIP } from 'node:net';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { isPlainObject } from '../shared/merge.ts';
import { CACERTS } from './certificate.ts';
import { chartHasValidationFailurePolicy } from './charts.ts';
import { ISTIO_SYSTEM } from './constants.ts';
import { httpPorts } from './virtual-service.ts';
import { routeRef } from '../../core/names.ts';

/**
 * Environment values that Istio cannot accept (the shared emit skeleton checks the version): a plug-in CA
 * secret not named `cacerts`, tracing without the install that registers its collector, a trust domain in the
 * chart values that differs from `mesh.trustDomain`. Each service's values are {@link checkServiceValues}'s.
 */
export function checkEnvironment(env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const trust = env.mesh.trust;
  if (trust?.type === 'existing-secret' && trust.name !== CACERTS) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Istio reads its plug-in CA only from a secret named "${CACERTS}" in istio-system, not "${trust.name}".`,
      hint: `Name the secret "${CACERTS}" (istio.io: "Plug in CA Certificates"; istiod mounts secret cacerts).`,
      location: env.origin(['mesh', 'trust', 'existingSecret', 'name']),
    });
  }
  if (env.mesh.observability.tracing && !env.mesh.install) {
    // The Telemetry object names a provider; the collector address lives only in meshConfig.extensionProviders.
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Istio reads tracing collectors only from meshConfig.extensionProviders (istiod's mesh config), and environment ${env.name} does not install the control plane (no mesh.install), so the collector endpoint would be lost.`,
      hint: 'Set mesh.install so that meshc registers the collector in the istiod values, or remove observability.tracing and configure tracing in your own install (Istio: "Configure tracing using the Telemetry API").',
      location: env.origin(['mesh', 'observability', 'tracing']),
    });
  }
  const values = env.mesh.install?.values;
  const meshConfig = isPlainObject(values) ? values.meshConfig : undefined;
  const userDomain = isPlainObject(meshConfig) ? meshConfig.trustDomain : undefined;
  if (userDomain !== undefined && userDomain !== env.mesh.trustDomain) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `install.values sets meshConfig.trustDomain to ${JSON.stringify(userDomain)}, but mesh.trustDomain is "${env.mesh.trustDomain}": every principal meshc writes into AuthorizationPolicies uses mesh.trustDomain, so no caller would match.`,
      hint: `Set mesh.trustDomain to ${JSON.stringify(userDomain)} and remove meshConfig.trustDomain from install.values (meshc sets it from mesh.trustDomain).`,
      location: env.origin(['mesh', 'install', 'values', 'meshConfig', 'trustDomain']),
    });
  }
  const userRoot = isPlainObject(meshConfig) ? meshConfig.rootNamespace : undefined;
  if (userRoot !== undefined && userRoot !== ISTIO_SYSTEM) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `install.values sets meshConfig.rootNamespace to ${JSON.stringify(userRoot)}, but meshc writes the mesh-wide PeerAuthentication "default" and Telemetry "mesh-default" into ${ISTIO_SYSTEM}: outside istiod's root namespace they would only apply to ${ISTIO_SYSTEM}, not to the mesh.`,
      hint: `Remove meshConfig.rootNamespace from install.values (meshc's mesh-wide objects need Istio's default root namespace, ${ISTIO_SYSTEM}).`,
      location: env.origin(['mesh', 'install', 'values', 'meshConfig', 'rootNamespace']),
    });
  }
  const revision = isPlainObject(values) ? values.revision : undefined;
  if (revision !== undefined && revision !== null && revision !== '') {
    // The base chart's istiod-default-validator calls the Service `istiod` (defaultRevision "default"), which
    // only the default revision's istiod chart renders; with `base.validationFailurePolicy: Fail` every write
    // of an Istio object is refused, with older charts it is not validated at all.
    const validator = chartHasValidationFailurePolicy(env.mesh.install!.chartVersion)
      ? 'refuses every Istio object meshc writes'
      : 'never validates Istio objects';
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `install.values sets revision ${JSON.stringify(revision)}, but meshc installs Istio's default revision: a revisioned istiod renders no sidecar injector for the \`istio-injection: enabled\` label meshc puts on application namespaces (no pod would get a sidecar), and the base chart's istiod-default-validator calls the Service istiod, which a revisioned install does not have, so it ${validator}.`,
      hint: 'Remove revision from install.values: meshc installs and labels for the default revision (revision-based control-plane upgrades are not supported).',
      location: env.origin(['mesh', 'install', 'values', 'revision']),
    });
  }
  return out;
}

/**
 * The values of one service Istio cannot accept, in environment `env`: access rules that mTLS `off` makes
 * unmatchable (and an exposed service that admits no caller), HTTP features of routes on TCP ports (refused on
 * a TCP-only service, warned about beside HTTP ports), values istiod's webhook refuses. The backend runs it with the service's objects, so that a namespace an incremental
 * render takes reports what the previous render recorded of it (BackendOutput.residue).
 */
export function checkServiceValues(s: ResolvedService, env: ResolvedEnvironment): Diagnostic[] {
  return [
    ...checkRootNamespace(s, env),
    ...checkServiceAccess(s, env),
    ...checkTcpRoutes(s),
    ...checkTcpL7(s),
    ...checkWebhookLimits(s),
    ...checkSpecWebhookLimits(s, env),
  ];
}

/**
 * istiod's root namespace: `install.values.meshConfig.rootNamespace` when set (an error of its own unless it is
 * istio-system, see checkEnvironment), else istio-system.
 */
export function istioRootNamespace(env: ResolvedEnvironment): string {
  const values = env.mesh.install?.values;
  const meshConfig = isPlainObject(values) ? values.meshConfig : undefined;
  const root = isPlainObject(meshConfig) ? meshConfig.rootNamespace : undefined;
  return typeof root === 'string' && root !== '' ? root : ISTIO_SYSTEM;
}

/**
 * A service in istiod's root namespace: its policies would be mesh-wide. istiod reads AuthorizationPolicies of
 * the root namespace for the workloads of every namespace (`pilot/pkg/model/authorization.go` looks up
 * `[rootNamespace, workloadNamespace]`), so the service's selector would put its ALLOW policy on every pod with
 * those labels in the mesh; and it ignores a PeerAuthentication with a selector there (ComposePeerAuthentication
 * takes only namespace-wide policies from the root namespace), so the service's own `mtls` would not apply
 * (when it differs from the environment's). Both are refused at their key. A service with neither is refused at
 * its spec: meshc would make the root namespace an application namespace (labelled for injection), and with
 * `trust.certManager` it already creates istio-system ahead of the charts, for the `cacerts` Certificate.
 */
export function checkRootNamespace(s: ResolvedService, env: ResolvedEnvironment): Diagnostic[] {
  const root = istioRootNamespace(env);
  if (s.namespace !== root) return [];
  const out: Diagnostic[] = [];
  const move = `Deploy the service in an application namespace: ${root} is Istio's root namespace, where policies are mesh-wide.`;
  if (s.access)
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Service ${s.id} is in Istio's root namespace ${root}, where an AuthorizationPolicy's selector matches pods of every namespace: its access rules would also decide who may call any other workload with the labels ${selectorText(s.selector)}.`,
      hint: `${move} Or remove \`access\` for this environment with an override.`,
      location: s.origin(['access'], 'key'),
    });
  // The same mode as the environment's is what istiod applies anyway (the mesh-wide PeerAuthentication).
  if (s.mtlsOverride && s.mtls !== env.mesh.mtls)
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Service ${s.id} is in Istio's root namespace ${root}, where istiod ignores a PeerAuthentication with a workload selector: its mtls ${s.mtls} would not apply, the environment's ${env.mesh.mtls} would.`,
      hint: `${move} Or remove \`mtls\` from the service for this environment.`,
      location: s.origin(['mtls'], 'key'),
    });
  // Without either, the service would still make the root namespace one of the environment's application
  // namespaces: meshc would write it, labelled for sidecar injection (every pod there that does not opt out would
  // get a sidecar, and an install of Istio outside meshc would find its namespace taken over), and deploy it like
  // any other. With trust.certManager meshc already creates istio-system ahead of the charts, for cacerts.
  if (!out.length)
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message:
        root === ISTIO_SYSTEM && env.mesh.trust?.type === 'cert-manager'
          ? `Service ${s.id} is in Istio's root namespace ${root}, which meshc creates ahead of the charts for the cacerts Certificate of trust.certManager: it cannot also be an application namespace (labelled for sidecar injection).`
          : `Service ${s.id} is in Istio's root namespace ${root}: meshc would make it an application namespace, labelled for sidecar injection (every pod there that does not opt out would get a sidecar), and policies there are mesh-wide.`,
      hint: move,
      location: s.origin([], 'key'),
    });
  return out;
}

const selectorText = (selector: Readonly<Record<string, string>>): string =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * With mTLS `off` a request carries no peer identity, so an access rule naming callers by principal can never
 * match (the callers would all be denied): an error at each such rule. Rules with `*` (any caller) and
 * `access: []` mean the same without mTLS. The rule admitting the ingress gateway is principal-based too, but
 * it only grants what the access rules grant: when they all use `*` the ingress is admitted by them, otherwise
 * a rule naming services is already reported. An exposed service with `access: []` is closed through the
 * ingress too: a warning says so.
 */
export function checkServiceAccess(s: ResolvedService, env: ResolvedEnvironment): Diagnostic[] {
  if (!s.access) return [];
  const out: Diagnostic[] = [];
  const exposed = s.ingress !== undefined && env.mesh.ingress !== undefined;
  if (exposed && !s.access.some((r) => r.from.length)) {
    out.push({
      code: 'MESH_INGRESS_UNREACHABLE',
      severity: 'warning',
      message: `Service ${s.id} is exposed through the ingress, but its access rules allow no caller: every request through the ingress gateway is denied too.`,
      hint: 'Add an access rule with the methods and paths the ingress may reach (the gateway gets exactly what the rules grant), or remove ingress.',
      location: s.origin(['ingress'], 'key'),
    });
  }
  if (s.mtls !== 'off') return out;
  const where = s.mtlsOverride ? `its mtls is off` : `environment ${env.name} sets mtls: off`;
  for (const rule of s.access) {
    if (!rule.from.some((c) => c.kind === 'service')) continue;
    out.push({
      code: 'MESH_ACCESS_WITHOUT_MTLS',
      severity: 'error',
      message: `The access rule access[${rule.index}] of service ${s.id} names callers by their identity, but ${where}: plaintext requests carry no identity, so Istio would deny these callers${exposed ? ' and the ingress gateway' : ''}.`,
      hint: 'Use mtls: permissive or strict for this service, or allow the callers with from: ["*"].',
      location: s.origin(['access', rule.index, 'from']),
    });
  }
  return out;
}

/**
 * What Istio applies to HTTP traffic only, on a service with a TCP port: the methods and paths of an access
 * rule, and a consistent hash by request header.
 *
 * - istiod builds the RBAC filter of a TCP filter chain without the HTTP-only keys of an ALLOW rule: a rule
 *   with `methods` or `paths` is skipped there ("skipped rule … on TCP filter chain", `pilot/pkg/security/authz/
 *   builder/builder.go`; `model/generator.go`: "is HTTP only"), so its callers are denied on TCP ports.
 * - A TCP proxy gets a hash policy only for `useSourceIp` (`pilot/pkg/networking/core/networkfilter.go`
 *   `maybeSetHashPolicy`): the ring hash of a TCP port picks a pod per connection, whatever the header.
 *
 * An error on a service with only TCP ports (nothing of it would apply), a warning on one with HTTP ports too.
 */
export function checkTcpL7(s: ResolvedService): Diagnostic[] {
  const tcp = s.ports.filter((p) => p.protocol === 'tcp');
  if (!tcp.length) return [];
  const only = httpPorts(s).length === 0;
  const severity = only ? 'error' : 'warning';
  const code = only ? 'MESH_CONSTRAINT' : 'MESH_APPROXIMATE_FEATURE';
  const names = tcp.map((p) => `${p.name} (${p.port})`).join(', ');
  const where = only
    ? `${s.id} has only TCP ports`
    : `${s.id} has the TCP port${tcp.length > 1 ? 's' : ''} ${names}`;
  const out: Diagnostic[] = [];
  for (const rule of s.access ?? []) {
    if (!rule.from.length) continue;
    for (const field of ['methods', 'paths'] as const) {
      if (!rule[field].length) continue;
      out.push({
        code,
        severity,
        message: `Istio checks methods and paths only on HTTP, HTTP/2 and gRPC ports; ${where}, where istiod skips the access rule access[${rule.index}] and denies its callers${only ? '' : ' (on its HTTP ports the rule applies)'}.`,
        hint: only
          ? 'Declare the port protocol (http, http2, grpc) if the traffic is HTTP, or allow these callers without methods and paths.'
          : 'Allow the callers of the TCP ports in a rule without methods and paths, or split the TCP ports into a service of their own.',
        location: s.origin(['access', rule.index, field], 'key'),
      });
    }
  }
  const lb = s.resilience.loadBalancer;
  if (lb?.type === 'consistent-hash')
    out.push({
      code,
      severity,
      message: `Istio hashes request headers for HTTP, HTTP/2 and gRPC ports only; ${where}, where the ring hash load balancer picks a pod per connection instead of hashing the header ${lb.header}.`,
      hint: only
        ? 'Declare the port protocol (http, http2, grpc) if the traffic is HTTP, or choose another loadBalancer for this environment with an override.'
        : 'Expect no stickiness on the TCP ports, or split them into a service of their own.',
      location: s.origin(['resilience', 'loadBalancer', 'consistentHash'], 'key'),
    });
  return out;
}

/** Route fields Istio can only apply to HTTP traffic (`http[]` routes), by their spec key. */
const HTTP_ONLY_FIELDS = ['match', 'timeout', 'retries', 'fault', 'mirror', 'headers'] as const;

/**
 * A TCP port gets a `tcp[]` route carrying only the weighted destinations of the route that takes every
 * request (virtual-service.ts, tcpRoutes): the HTTP features of the routes (matches, timeouts, retries, faults,
 * mirroring, header changes) cannot apply to its connections. On a service without an HTTP port each is
 * refused at its key instead of being emitted into `http[]` routes Istio never applies to TCP traffic; on one
 * with HTTP ports too each is warned about at its key (it applies on the HTTP ports, not on the TCP ones), as
 * App Mesh does. The weights are carried, so neither `to` nor `backends` is reported. Flagger routes a
 * rolled-out service, and `retries: {attempts: 0}` asks for no retries, which is what a TCP port gets.
 */
export function checkTcpRoutes(s: ResolvedService): Diagnostic[] {
  const only = httpPorts(s).length === 0;
  const tcp = s.ports.filter((p) => p.protocol === 'tcp');
  if (!only && (s.rollout || !tcp.length)) return [];
  const names = tcp.map((p) => `${p.name} (${p.port})`).join(', ');
  const out: Diagnostic[] = [];
  for (const r of s.routes) {
    if (r.implicit) continue;
    const present = {
      match: r.matches.length > 0,
      timeout: r.timeout !== undefined,
      retries: r.retries !== undefined && (only || r.retries.attempts > 0),
      fault: r.fault !== undefined,
      mirror: r.mirror !== undefined,
      headers: r.headers !== undefined,
    };
    for (const field of HTTP_ONLY_FIELDS)
      if (present[field])
        out.push(
          only
            ? {
                code: 'MESH_CONSTRAINT',
                severity: 'error',
                message: `Service ${s.id} has only TCP ports, and Istio routes TCP traffic by weight only: \`${field}\` of ${routeRef(r)} cannot apply.`,
                hint: 'Declare the port protocol (http, http2, grpc) if the traffic is HTTP, or keep only weighted destinations (`to` / `backends`) in one route without `match`.',
                location: s.origin(['routes', r.index, field], 'key'),
              }
            : {
                code: 'MESH_APPROXIMATE_FEATURE',
                severity: 'warning',
                message: `Service ${s.id} has the TCP port${tcp.length > 1 ? 's' : ''} ${names}, and Istio routes TCP traffic by weight only: \`${field}\` of ${routeRef(r)} applies on its HTTP ports, not to the connections of ${tcp.length > 1 ? 'those ports' : 'that port'}, which take the weights of the route without \`match\`.`,
                hint: 'Declare the port protocol (http, http2, grpc) if its traffic is HTTP, or split the TCP ports into a service of their own; otherwise its connections go by the weights of the route without `match`.',
                location: s.origin(['routes', r.index, field], 'key'),
              },
        );
  }
  return out;
}

/** Istio's smallest non-zero fault percentage (istiod's webhook: 0, or 0.0001..100). */
const MIN_FAULT_PERCENT = 0.0001;

/**
 * Route values Istio's validating webhook refuses although the spec allows them, each at its key: a fault
 * percentage between 0 and 0.0001, and a `host` header in a response header change or a request header removal
 * (istiod: "cannot set Host header"; the request's host is set with `set`).
 */
export function checkWebhookLimits(s: ResolvedService): Diagnostic[] {
  const out: Diagnostic[] = [];
  const refuse = (message: string, hint: string, path: (string | number)[], at: 'key' | 'value' = 'value') =>
    out.push({ code: 'MESH_CONSTRAINT', severity: 'error', message, hint, location: s.origin(path, at) });
  for (const r of s.routes) {
    if (r.implicit) continue;
    for (const kind of ['delay', 'abort'] as const) {
      const f = r.fault?.[kind];
      if (f && f.percent > 0 && f.percent < MIN_FAULT_PERCENT)
        refuse(
          `Istio refuses a fault percentage between 0 and ${MIN_FAULT_PERCENT} (${routeRef(r)} of service ${s.id}: ${f.percent}).`,
          `Use 0 or at least ${MIN_FAULT_PERCENT}.`,
          ['routes', r.index, 'fault', kind, 'percent'],
        );
    }
    for (const side of ['request', 'response'] as const) {
      const ops = r.headers?.[side];
      if (!ops) continue;
      const named = [
        ...(side === 'response' ? ops.set.map((h, i) => ({ name: h.name, path: ['set', h.name], i })) : []),
        ...(side === 'response' ? ops.add.map((h, i) => ({ name: h.name, path: ['add', h.name], i })) : []),
        ...ops.remove.map((name, i) => ({ name, path: ['remove', i], i })),
      ];
      for (const h of named)
        if (h.name.toLowerCase() === 'host')
          refuse(
            `Istio cannot ${h.path[0] === 'remove' ? 'remove' : 'change'} the ${side} header "${h.name}" (${routeRef(r)} of service ${s.id}).`,
            side === 'request'
              ? 'Set the request host with headers.request.set instead of removing it.'
              : 'Remove this header change: Istio refuses Host among response header changes.',
            ['routes', r.index, 'headers', side, ...h.path],
            h.path[0] === 'remove' ? 'value' : 'key',
          );
    }
  }
  return out;
}

/** Istio's longest regular expression (istiod's webhook: Envoy's RE2 program size, approximated by length). */
const MAX_REGEX_LENGTH = 1024;

const records = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => isPlainObject(x)) : [];

/**
 * Spec values istiod's webhook refuses, found in the resolved spec at their own position: a regular expression
 * over 1024 characters (route and rollout matches); an access path with `{` or `}` (Istio reads them as path
 * templates, `{*}` / `{**}`, and refuses any other brace); and, with the native ingress API, an ingress host
 * without a dot or whose last label is all digits (the Gateway refuses short names, the VirtualService and
 * the Gateway a numeric top-level domain, an IP address aside).
 */
export function checkSpecWebhookLimits(s: ResolvedService, env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const refuse = (message: string, hint: string, path: (string | number)[]) =>
    out.push({ code: 'MESH_CONSTRAINT', severity: 'error', message, hint, location: s.origin(path) });
  const regexAt = (value: unknown, path: (string | number)[]) => {
    if (isPlainObject(value) && typeof value.regex === 'string' && value.regex.length > MAX_REGEX_LENGTH)
      refuse(
        `Istio refuses a regular expression longer than ${MAX_REGEX_LENGTH} characters (${value.regex.length}) in service ${s.id}.`,
        'Shorten the expression, or split the match into several match entries.',
        [...path, 'regex'],
      );
  };
  const matchesAt = (matches: unknown, at: (string | number)[]) =>
    records(matches).forEach((m, j) => {
      regexAt(m.path, [...at, j, 'path']);
      for (const key of ['headers', 'query'])
        if (isPlainObject(m[key]))
          for (const [name, v] of Object.entries(m[key])) regexAt(v, [...at, j, key, name]);
    });
  records(s.spec.routes).forEach((r, i) => matchesAt(r.match, ['routes', i, 'match']));
  if (isPlainObject(s.spec.rollout)) matchesAt(s.spec.rollout.match, ['rollout', 'match']);
  records(s.spec.access).forEach((rule, i) => {
    const paths = Array.isArray(rule.paths) ? rule.paths : [];
    paths.forEach((p, k) => {
      if (typeof p === 'string' && /[{}]/.test(p))
        refuse(
          `Istio reads "{" and "}" in an AuthorizationPolicy path as a path template ({*} or {**} as a whole segment) and refuses the path ${JSON.stringify(p)} of service ${s.id}.`,
          'Use a prefix (`/api/*`) instead of a brace in the path.',
          ['access', i, 'paths', k],
        );
    });
  });
  const ingress = isPlainObject(s.spec.ingress) ? s.spec.ingress : undefined;
  if (ingress && env.mesh.ingress?.api === 'native') {
    const hosts = Array.isArray(ingress.hosts) ? ingress.hosts : [];
    hosts.forEach((h, k) => {
      if (typeof h !== 'string') return;
      const tld = h.slice(h.lastIndexOf('.') + 1);
      if (!h.includes('.'))
        refuse(
          `Istio's Gateway refuses the short host name ${JSON.stringify(h)} (service ${s.id}): a host must be a fully qualified name.`,
          'Use a fully qualified host name (with a dot), or the Gateway API (mesh.ingress.api: gateway-api).',
          ['ingress', 'hosts', k],
        );
      else if (/^\d+$/.test(tld) && isIP(h) === 0)
        refuse(
          `Istio refuses the host ${JSON.stringify(h)} (service ${s.id}): its top-level domain is all digits.`,
          'Use a host name whose last label has a letter.',
          ['ingress', 'hosts', k],
        );
    });
  }
  return out;
}
