import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { checkVersionServiceNames } from '../shared/derived-names.ts';
import { controllerRoleArn } from './charts.ts';
import { END_OF_SUPPORT } from './constants.ts';
import { appmeshTrust } from './tls.ts';
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
 * strict service without a client-verifying trust source, install values only the user knows, tracing the
 * controller cannot export, retry conditions without an App Mesh form, `attempts: 0` under Flagger,
 * connection-pool fields App Mesh lacks, App Mesh's limits on targets and priorities. `check` gives each service's
 * own findings (checkService over the environment's index, or a memo of it).
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
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing) {
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
  for (const s of env.services) out.push(...check(s));
  return out;
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

function limit(s: ResolvedService, path: (string | number)[], why: string): Diagnostic {
  return {
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `${s.id}: ${why}.`,
    hint: 'Split the route, or express it with fewer alternatives for this environment with an override.',
    location: s.origin(path),
  };
}
