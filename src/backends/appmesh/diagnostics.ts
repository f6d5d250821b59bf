import { manyPlaces, type Diagnostic } from '../../core/diagnostic.ts';
import { routeRef } from '../../core/names.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { checkVersionServiceNames } from '../shared/derived-names.ts';
import { isPlainObject, type Values } from '../shared/merge.ts';
import { controllerRoleArn, controllerValues } from './charts.ts';
import { END_OF_SUPPORT } from './constants.ts';
import { nativeIngressTls } from './ingress.ts';
import { listenerProtocol } from './model.ts';
import { checkNodeOverlaps } from './node-overlaps.ts';
import { isAccountId, virtualServiceArns } from './rollout.ts';
import { checkCanaryBackends, checkRolloutTarget, checkRoutesToRollouts } from './rollout-checks.ts';
import { appmeshTrust, type AppMeshTrust, type Identity } from './tls.ts';
import { portRouteShapes, unexpressibleRetry, type ServiceIndex } from './virtual-router.ts';

/**
 * Once per App Mesh environment, at `mesh.type`: App Mesh is past its end of support, and how to preview the
 * move to another mesh from the same spec.
 */
export function endOfSupport(env: ResolvedEnvironment): Diagnostic {
  return {
    code: 'APPMESH_END_OF_SUPPORT',
    severity: 'warning',
    message: `AWS App Mesh reached its end of support on ${END_OF_SUPPORT}; environment ${env.name} still renders for it.`,
    hint: `Preview the move: \`meshc validate --env ${env.name} --mesh istio|linkerd|consul\` reports what the same spec needs on that mesh (\`meshc matrix\` lists the differences).`,
    location: env.origin(['mesh', 'type']),
  };
}

/**
 * Values App Mesh cannot take as they are (the capability table speaks per feature, these per value): a
 * strict service without a client-verifying trust source, install values only the user knows (and an
 * `accountId` that is no account id), tracing the controller cannot export, routes to a rolled-out service and a
 * Canary's backends it cannot name, services whose VirtualNodes can select the same pod, retry conditions
 * without an App Mesh form, route fields a TCP port cannot carry, `attempts: 0` under Flagger, a rollout target
 * Flagger's VirtualNodes miss, connection-pool fields App Mesh lacks, App Mesh's limits on targets and
 * priorities. `check` gives each service's own findings (checkService over the environment's index, or a memo
 * of it).
 */
export function checkEnvironment(
  env: ResolvedEnvironment,
  check: (s: ResolvedService) => readonly Diagnostic[],
): Diagnostic[] {
  const out: Diagnostic[] = [endOfSupport(env)];
  const trust = appmeshTrust(env);
  const canVerifyClients = trust?.type === 'sds' || trust?.type === 'file';
  if (env.mesh.mtls === 'strict' && !canVerifyClients)
    out.push(trustRequired(env.origin(['mesh', 'mtls']), `environment ${env.name}`, trust?.type === 'acm'));
  for (const s of env.services)
    if (s.mtlsOverride && s.mtls === 'strict' && !canVerifyClients && env.mesh.mtls !== 'strict')
      out.push(trustRequired(s.origin(['mtls']), s.id, trust?.type === 'acm'));
  const install = env.mesh.install;
  if (install) {
    const region = install.values.region;
    if (typeof region !== 'string' || !region)
      out.push(installValue(env, 'region', 'the AWS region of the cluster (for example `eu-west-1`)'));
    if (!controllerRoleArn(install.values))
      out.push(
        installValue(
          env,
          'serviceAccount.annotations["eks.amazonaws.com/role-arn"]',
          "the ARN of the controller's IAM role (IRSA), created outside Kubernetes with the controller's IAM policy",
        ),
      );
    const account = checkAccountId(env, install.values.accountId);
    if (account) out.push(account);
  }
  if (trust?.type === 'file' && nativeIngressTls(env))
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `The ingress gateway of environment ${env.name} reads its client certificate from ${trust.certificateChain} and ${trust.privateKey} (mesh.trust.file), and App Mesh's injector mounts the \`appmesh.k8s.aws/secretMounts\` Secrets into the pods of VirtualNodes only, not into the gateway's Envoy.`,
      hint: "Mount the certificate Secret into the gateway's Envoy container at those paths in its Deployment yourself (the appmesh-gateway chart 0.1.5 has no volume values: patch its Deployment, for example with a Helm post-renderer), or use `mesh.trust.sds`, which the injector sets up for the gateway too.",
      location: env.origin(['mesh', 'trust', 'file']),
    });
  const accessRules = env.services.filter((s) => s.access);
  if (accessRules.length) {
    // The Mesh's egress filter follows from the first `access` anywhere in the environment (mesh.ts).
    const { listed, counted } = manyPlaces(accessRules, 'service');
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `The Mesh of environment ${env.name} drops egress to hosts outside the mesh (\`egressFilter: DROP_ALL\`) because ${accessRules[0]!.id}${counted} ${accessRules.length === 1 ? 'restricts its' : 'restrict their'} callers (\`access\`): every meshed pod of the environment then reaches only the VirtualServices it lists as backends.`,
      hint: 'Let traffic to hosts outside the mesh bypass Envoy (pod annotations `appmesh.k8s.aws/egressIgnoredIPs` / `egressIgnoredPorts`) or give each a VirtualNode and VirtualService outside meshc; without `access` on any service of this environment the Mesh keeps `ALLOW_ALL`.',
      location: env.origin(['mesh'], 'key'),
      related: listed.map((s) => ({
        message: `${s.id} restricts its callers`,
        location: s.origin(['access']),
      })),
    });
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing) {
    // The chart passes the sampling rate to X-Ray only (eks-charts appmesh-controller 1.13.3
    // templates/deployment.yaml: `--xray-sampling-rate` under `tracing.provider: x-ray`; the Jaeger and Datadog
    // flags take an address and a port); the controller has no sampling setting for them (pkg/inject/config.go).
    const provider = install ? chartTracingProvider(env, install.values) : undefined;
    if (install && tracing.provider === 'zipkin' && provider !== 'x-ray')
      out.push({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `App Mesh does not apply observability.tracing.sampling (${tracing.sampling}%) of environment ${env.name}: the appmesh-controller chart passes a sampling rate to X-Ray only, and its Envoys trace to ${TRACER[provider ?? 'jaeger'] ?? provider} at the Envoy image's own rate.`,
        hint: 'Sample in the trace pipeline instead (for example a sampling processor of an OpenTelemetry Collector in front of the Zipkin endpoint): the Envoys send every trace they sample at their own rate.',
        location: env.origin(['mesh', 'observability', 'tracing', 'sampling']),
      });
    if (!install)
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `App Mesh configures Envoy tracing in the appmesh-controller chart values (tracing.*), and environment ${env.name} does not install the controller (no mesh.install).`,
        hint: 'Set mesh.install so that meshc renders the chart values, or remove observability.tracing and set tracing in your own install.',
        location: env.origin(['mesh', 'observability', 'tracing']),
      });
    if (tracing.provider !== 'zipkin')
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `The App Mesh controller's Envoys trace to X-Ray, Jaeger (Zipkin protocol) or Datadog; the ${tracing.provider} provider is not expressible.`,
        hint: 'Use `provider: zipkin` with a Jaeger or Zipkin collector (an OpenTelemetry Collector with a Zipkin receiver works too).',
        location: env.origin(['mesh', 'observability', 'tracing', 'provider']),
      });
  }
  // Flagger's App Mesh router and the services around a rolled-out one (rollout-checks.ts).
  out.push(...checkRoutesToRollouts(env), ...checkCanaryBackends(env, virtualServiceArns(env)));
  // Services whose VirtualNodes can select the same pod (node-overlaps.ts).
  out.push(...checkNodeOverlaps(env));
  for (const s of env.services) out.push(...check(s));
  return out;
}

/**
 * `accountId` of the install values, which the chart passes as `--aws-account-id={{ .Values.accountId }}`
 * (eks-charts appmesh-controller 1.13.3 templates/deployment.yaml) and meshc writes into the VirtualService ARNs
 * of Canaries (rollout.ts, virtualServiceArns). An account id is a string of 12 digits: as a YAML number it loses
 * its leading zeros (`012345678901` is 12345678901), and Helm, which reads numbers in values as float64, would
 * print a 12-digit one as `1.23456789012e+11` in the flag. An error at the value, for a number and for a string
 * that is not 12 digits; absent or empty (the chart's default, `""`), nothing to check.
 */
export function checkAccountId(env: ResolvedEnvironment, accountId: unknown): Diagnostic | undefined {
  if (accountId === undefined || accountId === null || accountId === '') return undefined;
  if (isAccountId(accountId)) return undefined;
  const number = typeof accountId === 'number';
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: number
      ? `mesh.install.values.accountId of environment ${env.name} is a YAML number (${accountId}), and an AWS account id is a string of 12 digits: a number loses its leading zeros, and Helm would print a 12-digit one in scientific notation in the controller's --aws-account-id flag.`
      : `mesh.install.values.accountId of environment ${env.name} is not an AWS account id (a string of 12 digits).`,
    hint: number
      ? "Quote it (`accountId: '012345678901'`), with all 12 digits."
      : 'Write the 12 digits of the account the controller runs in, quoted, or remove accountId (the controller then asks AWS STS, and meshc takes the account of the IAM role ARN).',
    location: env.origin(['mesh', 'install', 'values', 'accountId']),
  };
}

/** The chart's tracing providers by name (eks-charts appmesh-controller values.yaml `tracing.provider`). */
const TRACER: Readonly<Record<string, string>> = { jaeger: 'Jaeger', datadog: 'Datadog', 'x-ray': 'X-Ray' };

/** `tracing.provider` of the appmesh-controller values meshc renders (the user's values over meshc's). */
function chartTracingProvider(env: ResolvedEnvironment, user: Readonly<Values>): string | undefined {
  const tracing = controllerValues(env, user).tracing;
  return isPlainObject(tracing) && typeof tracing.provider === 'string' ? tracing.provider : undefined;
}

function trustRequired(location: Diagnostic['location'], what: string, acm: boolean): Diagnostic {
  return {
    code: 'APPMESH_TRUST_REQUIRED',
    severity: 'error',
    message: acm
      ? `App Mesh listeners cannot verify client certificates against ACM, so strict mTLS (${what}) needs another trust source.`
      : `Strict mTLS on App Mesh (${what}) needs a certificate source for every listener and client, and the environment has no mesh.trust App Mesh reads.`,
    hint: 'Set `mesh.trust.sds: {}` (SPIRE over SDS) or `mesh.trust.file` (mounted certificate files), or use `mtls: permissive`.',
    ...(location ? { location } : {}),
  };
}

function installValue(env: ResolvedEnvironment, key: string, what: string): Diagnostic {
  return {
    code: 'APPMESH_INSTALL_VALUE_MISSING',
    severity: 'error',
    message: `The appmesh-controller chart needs ${what}, and mesh.install.values of environment ${env.name} does not set \`${key}\`.`,
    hint: `Set \`${key}\` in mesh.install.values; meshc writes references only, never credentials.`,
    location: env.origin(['mesh', 'install']),
  };
}

/** The findings of one service: a function of the service and of the services it reads from `services`. */
export function checkService(s: ResolvedService, services: ServiceIndex): Diagnostic[] {
  const out: Diagnostic[] = checkVersionServiceNames(
    s,
    'App Mesh',
    'App Mesh gives each version a VirtualNode whose DNS service discovery is a Kubernetes Service per version.',
  );
  out.push(...checkRolloutTarget(s), ...checkTcpRoutes(s));
  for (const r of s.routes) {
    // Flagger's App Mesh router writes `maxRetries: max(attempts, 1)` (fluxcd/flagger pkg/router/appmesh_v1beta2.go,
    // makeRetryPolicy): a rolled-out service cannot turn retries off.
    if (s.rollout && r.retries?.attempts === 0)
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Flagger's App Mesh router retries at least once: the Canary of ${s.id} would get maxRetries 1 for \`attempts: 0\`.`,
        hint: "Set attempts to 1 or more, or remove `retries` for this environment with an override (App Mesh's default retry policy then applies).",
        location: s.origin(['routes', r.index, 'retries', 'attempts']),
      });
    if (r.retries && r.retries.attempts > 0)
      r.retries.on.forEach((c, i) => {
        // Flagger's App Mesh router writes `retryOn` as httpRetryEvents only, never tcpRetryEvents
        // (pkg/router/appmesh_v1beta2.go, makeRetryPolicy, v1.44.0).
        if (s.rollout && c === 'connect-failure') {
          out.push({
            code: 'MESH_UNSUPPORTED_FEATURE',
            severity: 'error',
            message: `Flagger's App Mesh router cannot retry on connect-failure (${s.id}): it writes the Canary's retryOn as HTTP retry events only, and App Mesh's connection-error is a TCP retry event.`,
            hint: 'Remove connect-failure from the conditions of this rolled-out service for this environment with an override (`refused-stream` and the HTTP conditions are carried).',
            location: s.origin(['routes', r.index, 'retries', 'on', i]),
          });
          return;
        }
        const why = unexpressibleRetry(c, r.retries!.on);
        if (why)
          out.push({
            code: 'MESH_UNSUPPORTED_FEATURE',
            severity: 'error',
            message: `App Mesh cannot retry on ${c} (${s.id}): ${why}.`,
            hint: 'App Mesh retries on `5xx` (server-error), `gateway-error`, `retriable-4xx` (client-error, 409), `refused-stream` (stream-error) and `connect-failure` (connection-error). Remove the condition for this environment with an override.',
            location: s.origin(['routes', r.index, 'retries', 'on', i]),
          });
      });
    // A query parameter matched by regex is refused by the capability table (`match.query.regex`), with the
    // environment's other refused features, before the backend runs.
    r.matches.forEach((m, i) => {
      for (const [field, n] of [
        ['headers', m.headers.length],
        ['query', m.query.length],
      ] as const)
        if (n > 10)
          out.push(
            limit(
              s,
              ['routes', r.index, 'match', i, field],
              `App Mesh matches at most 10 ${field} per route`,
            ),
          );
    });
  }
  for (const p of s.ports) {
    // The routes' shapes only (portRouteShapes): the router builds their bodies once, in serviceObjects.
    const routes = portRouteShapes(s, p, services);
    if (routes.length > 1001)
      out.push(
        limit(
          s,
          ['routes'],
          `App Mesh route priorities end at 1000, and port ${p.port} needs ${routes.length} routes`,
        ),
      );
    for (const { route, targets } of routes) {
      if (targets > 10 && !route.implicit)
        out.push(
          limit(
            s,
            ['routes', route.index],
            `an App Mesh route has at most 10 weighted targets, this one ${targets}`,
          ),
        );
    }
  }
  const cp = s.resilience.connectionPool;
  if (cp) {
    if (cp.maxConnections === undefined || cp.maxConnections < 1)
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `App Mesh connection pools are sized by their maximum connections (HTTP/2: requests), which ${s.id} does not set.`,
        hint: 'Set connectionPool.maxConnections (at least 1), or remove connectionPool for this environment with an override.',
        location: s.origin(['resilience', 'connectionPool']),
      });
    if (cp.maxRequestsPerConnection)
      out.push({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `App Mesh ignores connectionPool.maxRequestsPerConnection of ${s.id}: its connection pools have no per-connection request limit.`,
        hint: 'Remove connectionPool.maxRequestsPerConnection for this environment with an override to silence this warning.',
        location: s.origin(['resilience', 'connectionPool', 'maxRequestsPerConnection']),
      });
    if (cp.maxPendingRequests && !s.ports.some((p) => p.protocol === 'http'))
      out.push({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `App Mesh ignores connectionPool.maxPendingRequests of ${s.id}: only HTTP/1 listeners have a pending-request limit.`,
        hint: 'Remove connectionPool.maxPendingRequests for this environment with an override to silence this warning.',
        location: s.origin(['resilience', 'connectionPool', 'maxPendingRequests']),
      });
  }
  return out;
}

/**
 * Route fields an App Mesh `tcpRoute` has no place for, each with why. A tcpRoute has weighted targets, a
 * `match` on the port only and an idle timeout only (controller v1.13.3 `apis/appmesh/v1beta2/
 * virtualrouter_types.go`, TCPRoute, TCPRouteMatch; `types.go` TCPTimeout). The idle timeout is not the spec's
 * request timeout: it closes a connection after a time without traffic, and never stops a request whose bytes
 * keep flowing. Faults, mirroring and header changes are refused on every App Mesh route by the capability table.
 */
const TCP_ROUTE_LACKS = {
  match: 'a tcpRoute matches the port only',
  timeout:
    "a tcpRoute's only timeout is `idle`, which closes a connection after a time without traffic, not a request that takes longer",
  retries: 'a tcpRoute has no retry policy',
} as const;

/**
 * A TCP port of a service gets one tcpRoute, with the weighted targets of the route that takes every request
 * (virtual-router.ts, portRoutes): the matches, timeouts and retries of its routes cannot apply there. As on
 * Istio (which routes TCP by weight only too), each is refused at its key on a service with only TCP ports
 * (nothing of it would apply), and warned about on one with HTTP ports too (it applies on those, not on the
 * TCP ones). Flagger routes a rolled-out service (its TCP ports are `rollout.tcp`'s).
 */
export function checkTcpRoutes(s: ResolvedService): Diagnostic[] {
  if (s.rollout) return [];
  const tcp = s.ports.filter((p) => listenerProtocol(p) === 'tcp');
  if (!tcp.length) return [];
  const only = tcp.length === s.ports.length;
  const names = tcp.map((p) => `${p.name} (${p.port})`).join(', ');
  const out: Diagnostic[] = [];
  for (const r of s.routes) {
    if (r.implicit) continue;
    // `attempts: 0` asks for no retries, which is what a tcpRoute does.
    const present = {
      match: r.matches.length > 0,
      timeout: r.timeout !== undefined,
      retries: r.retries !== undefined && r.retries.attempts > 0,
    };
    for (const field of ['match', 'timeout', 'retries'] as const) {
      if (!present[field]) continue;
      out.push(
        only
          ? {
              code: 'MESH_CONSTRAINT',
              severity: 'error',
              message: `Service ${s.id} has only TCP ports, and App Mesh routes TCP traffic by weight only (${TCP_ROUTE_LACKS[field]}): \`${field}\` of ${routeRef(r)} cannot apply.`,
              hint: 'Declare the port protocol (http, http2, grpc) if the traffic is HTTP, or keep only weighted destinations (`to` / `backends`) in one route without `match`.',
              location: s.origin(['routes', r.index, field], 'key'),
            }
          : {
              code: 'MESH_APPROXIMATE_FEATURE',
              severity: 'warning',
              message: `Service ${s.id} has the TCP port${tcp.length > 1 ? 's' : ''} ${names}, and App Mesh routes TCP traffic by weight only (${TCP_ROUTE_LACKS[field]}): \`${field}\` of ${routeRef(r)} applies on its HTTP ports, not to the connections of ${tcp.length > 1 ? 'those ports' : 'that port'}, which take the weights of the route without \`match\`.`,
              hint: 'Declare the port protocol (http, http2, grpc) if its traffic is HTTP; otherwise its connections go by the weights of the route without `match` (a service of its own for the TCP ports would select the same pods, which App Mesh refuses).',
              location: s.origin(['routes', r.index, field], 'key'),
            },
      );
    }
  }
  return out;
}

function limit(s: ResolvedService, path: (string | number)[], why: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `${s.id}: ${why}.`,
    hint: 'Split the route, or express it with fewer alternatives for this environment with an override.',
    location: s.origin(path),
  };
}

/**
 * Routing to another service (`routes[].backends`) against that service's `access`. A caller's Envoy sends the
 * requests a route gives another service's VirtualNode to that node's pods itself, with its own certificate;
 * App Mesh checks the caller's `backends` against the VirtualService it dialed only. So for every caller of the
 * routing service (its `access`, or every service of the environment; the ingress gateway too when the service
 * is exposed) that the target's `access` does not admit:
 *
 * - under SDS trust, with the target's listeners verifying clients (mTLS not `off`), the target's listener
 *   accepts only the SPIFFE IDs its access names, and refuses the caller's TLS handshake: as the other meshes
 *   deny it (Istio's AuthorizationPolicy, Linkerd's and Consul's authorization check the caller's identity at the
 *   target whatever routed the request there);
 * - otherwise nothing checks the caller at the target: App Mesh lets it reach a service whose access does not
 *   admit it, which the other meshes deny.
 *
 * Either way a warning at the destination (`routes[i].backends[j]`), naming the callers; meshc never widens the
 * target's access by itself. One pass over the routes: a route's callers are counted from the rules (an open
 * service is called by every service), not listed pair by pair.
 */
export function checkRoutedAccess(
  env: ResolvedEnvironment,
  trust: AppMeshTrust | undefined,
  gateway: Identity | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const inEnv = new Map(env.services.map((s) => [s.id, s]));
  const named = (s: ResolvedService): Set<string> | undefined => {
    if (!s.access || s.access.some((r) => r.from.some((c) => c.kind === 'any'))) return undefined;
    const ids = new Set<string>();
    for (const r of s.access)
      for (const c of r.from) if (c.kind === 'service' && inEnv.has(c.serviceId)) ids.add(c.serviceId);
    return ids;
  };
  for (const s of env.services) {
    if (s.rollout) continue;
    const callers = named(s);
    const viaGateway = !!(s.ingress && gateway);
    for (const r of s.routes)
      for (const d of r.destinations) {
        if (d.serviceId === s.id) continue;
        const target = inEnv.get(d.serviceId);
        if (!target) continue;
        const admitted = named(target);
        if (!admitted) continue;
        // The callers of `s` the target's access does not name, the first few of them by id, and how many.
        const refused: string[] = [];
        let count = 0;
        if (callers)
          for (const id of [...callers].sort()) {
            if (admitted.has(id)) continue;
            count++;
            if (refused.length < 3) refused.push(id);
          }
        else {
          count = env.services.length - admitted.size;
          for (const c of env.services) {
            if (refused.length >= 3) break;
            if (!admitted.has(c.id)) refused.push(c.id);
          }
        }
        const gatewayRefused = viaGateway && !target.ingress;
        if (!count && !gatewayRefused) continue;
        const who = [
          ...refused,
          ...(count > refused.length ? [`${count - refused.length} more`] : []),
          ...(gatewayRefused ? ['the ingress gateway'] : []),
        ];
        const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who[who.length - 1]}` : who[0]!;
        // A permissive listener also takes plaintext, which a caller sends when the service it dials is `off`.
        const verified =
          trust?.type === 'sds' && target.mtls !== 'off' && (s.mtls !== 'off' || target.mtls === 'strict');
        out.push({
          code: 'MESH_APPROXIMATE_FEATURE',
          severity: 'warning',
          message: verified
            ? `${target.id}'s listeners refuse the requests ${s.id} routes to it from callers its access does not admit (${list}): their Envoys connect to ${target.id}'s pods themselves, and those accept only the SPIFFE IDs of the callers ${target.id}'s access names (environment ${env.name}).`
            : `${target.id}'s access does not apply to the requests ${s.id} routes to it: callers it does not admit (${list}) reach it through ${s.id}, since App Mesh checks a caller against the VirtualService it dials only (environment ${env.name}).`,
          hint: verified
            ? `Add those callers to ${target.id}'s access if they may reach it (other meshes deny them too), or route to a service that admits them.`
            : `Add those callers to ${target.id}'s access if they may reach it, or route elsewhere; with \`mesh.trust.sds\` and mTLS, ${target.id}'s listeners would refuse them, as other meshes deny them.`,
          location: s.origin(d.at),
        });
      }
  }
  return out;
}
