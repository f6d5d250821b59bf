import type { DataPath } from '../core/location.ts';
import type { ResolvedEnvironment, ResolvedService } from '../model/types.ts';

/**
 * Every spec feature that changes output. Backends declare, per feature, whether their mesh expresses it
 * exactly, approximately or not at all; the validator, `meshc matrix` and the README all read that data.
 * `usedBy` returns the spec paths (inside `spec`) where a service or environment uses the feature.
 */
interface FeatureBase {
  readonly id: string;
  readonly title: string;
  /** SPEC.md field the feature corresponds to. */
  readonly field: string;
}

export type Feature =
  | (FeatureBase & { readonly scope: 'service'; readonly usedBy: (s: ResolvedService) => DataPath[] })
  | (FeatureBase & {
      readonly scope: 'environment';
      readonly usedBy: (env: ResolvedEnvironment) => DataPath[];
    });

const routes = (
  s: ResolvedService,
  pick: (r: ResolvedService['routes'][number]) => DataPath | DataPath[] | undefined,
): DataPath[] =>
  s.routes.flatMap((r) => {
    const p = pick(r);
    if (!p) return [];
    const list = (Array.isArray(p[0]) ? p : [p]) as DataPath[];
    return list.map((sub) => ['routes', r.index, ...sub]);
  });

const matches = (
  s: ResolvedService,
  pick: (m: ResolvedService['routes'][number]['matches'][number]) => string | undefined,
): DataPath[] =>
  s.routes.flatMap((r) =>
    r.matches.flatMap((m, i) => {
      const field = pick(m);
      return field ? [['routes', r.index, 'match', i, field] as DataPath] : [];
    }),
  );

const env =
  (path: DataPath, used: (e: ResolvedEnvironment) => boolean) =>
  (e: ResolvedEnvironment): DataPath[] =>
    used(e) ? [path] : [];

/**
 * Every feature, in matrix order. `as const` keeps each `id` a literal, so {@link FeatureId} is the union of
 * them and a backend's `capabilities` (a `Record<FeatureId, Capability>`) that forgets or misspells one does
 * not compile.
 */
export const FEATURES = [
  {
    id: 'versions',
    title: 'Version subsets',
    field: 'Service.versions',
    scope: 'service',
    usedBy: (s) => (s.versions.length ? [['versions']] : []),
  },
  {
    id: 'route.weights',
    title: 'Weighted traffic split',
    field: 'routes[].to / backends[].weight',
    scope: 'service',
    usedBy: (s) =>
      routes(s, (r) =>
        r.destinations.length > 1
          ? [r.destinations.some((d) => d.serviceId !== s.id) ? 'backends' : 'to']
          : undefined,
      ),
  },
  {
    id: 'route.backends',
    title: 'Routing to other services',
    field: 'routes[].backends',
    scope: 'service',
    usedBy: (s) =>
      routes(s, (r) => (r.destinations.some((d) => d.serviceId !== s.id) ? ['backends'] : undefined)),
  },
  {
    id: 'match.headers',
    title: 'Header match (exact, prefix, regex)',
    field: 'routes[].match[].headers',
    scope: 'service',
    usedBy: (s) => matches(s, (m) => (m.headers.length ? 'headers' : undefined)),
  },
  {
    id: 'match.query',
    title: 'Query parameter match (exact)',
    field: 'routes[].match[].query',
    scope: 'service',
    usedBy: (s) => matches(s, (m) => (m.query.some((q) => q.match.type !== 'regex') ? 'query' : undefined)),
  },
  {
    id: 'match.query.regex',
    title: 'Query parameter match (regex)',
    field: 'routes[].match[].query.*.regex',
    scope: 'service',
    // At each parameter matched by regex (its key), as the other matches point at their field.
    usedBy: (s) =>
      s.routes.flatMap((r) =>
        r.matches.flatMap((m, i) =>
          m.query
            .filter((q) => q.match.type === 'regex')
            .map((q) => ['routes', r.index, 'match', i, 'query', q.name] as DataPath),
        ),
      ),
  },
  {
    id: 'match.path',
    title: 'Path match (exact, segment prefix)',
    field: 'routes[].match[].path',
    scope: 'service',
    usedBy: (s) => matches(s, (m) => (m.path && m.path.type !== 'regex' ? 'path' : undefined)),
  },
  {
    id: 'match.path.regex',
    title: 'Path match (regex)',
    field: 'routes[].match[].path.regex',
    scope: 'service',
    usedBy: (s) => matches(s, (m) => (m.path?.type === 'regex' ? 'path' : undefined)),
  },
  {
    id: 'match.method',
    title: 'Method match',
    field: 'routes[].match[].method',
    scope: 'service',
    usedBy: (s) => matches(s, (m) => (m.method ? 'method' : undefined)),
  },
  {
    id: 'route.timeout',
    title: 'Request timeout',
    field: 'routes[].timeout',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.timeout ? ['timeout'] : undefined)),
  },
  {
    id: 'route.retries',
    title: 'Retries (attempts, conditions)',
    field: 'routes[].retries',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.retries ? ['retries'] : undefined)),
  },
  {
    id: 'route.retries.perTryTimeout',
    title: 'Per-try timeout',
    field: 'routes[].retries.perTryTimeout',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.retries?.perTryTimeout ? ['retries', 'perTryTimeout'] : undefined)),
  },
  {
    id: 'route.fault.delay',
    title: 'Fault injection: delay',
    field: 'routes[].fault.delay',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.fault?.delay ? ['fault', 'delay'] : undefined)),
  },
  {
    id: 'route.fault.abort',
    title: 'Fault injection: abort',
    field: 'routes[].fault.abort',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.fault?.abort ? ['fault', 'abort'] : undefined)),
  },
  {
    id: 'route.fault.withTimeoutOrRetries',
    title: 'Fault injection together with timeout or retries on one route',
    field: 'routes[].fault + timeout/retries',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.fault && (r.timeout || r.retries) ? ['fault'] : undefined)),
  },
  {
    id: 'route.mirror',
    title: 'Traffic mirroring',
    field: 'routes[].mirror',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.mirror ? ['mirror'] : undefined)),
  },
  {
    id: 'route.headers.request',
    title: 'Request header set/add/remove',
    field: 'routes[].headers.request',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.headers?.request ? ['headers', 'request'] : undefined)),
  },
  {
    id: 'route.headers.response',
    title: 'Response header set/add/remove',
    field: 'routes[].headers.response',
    scope: 'service',
    usedBy: (s) => routes(s, (r) => (r.headers?.response ? ['headers', 'response'] : undefined)),
  },
  {
    id: 'resilience.outlierDetection',
    title: 'Outlier detection (circuit breaking)',
    field: 'resilience.outlierDetection',
    scope: 'service',
    usedBy: (s) => (s.resilience.outlierDetection ? [['resilience', 'outlierDetection']] : []),
  },
  {
    id: 'resilience.connectionPool',
    title: 'Connection pool limits',
    field: 'resilience.connectionPool',
    scope: 'service',
    usedBy: (s) => (s.resilience.connectionPool ? [['resilience', 'connectionPool']] : []),
  },
  {
    id: 'resilience.loadBalancer',
    title: 'Load-balancer algorithm',
    field: 'resilience.loadBalancer',
    scope: 'service',
    usedBy: (s) =>
      s.resilience.loadBalancer && s.resilience.loadBalancer.type !== 'consistent-hash'
        ? [['resilience', 'loadBalancer']]
        : [],
  },
  {
    id: 'resilience.consistentHash',
    title: 'Consistent-hash load balancing',
    field: 'resilience.loadBalancer.consistentHash',
    scope: 'service',
    usedBy: (s) =>
      s.resilience.loadBalancer?.type === 'consistent-hash' ? [['resilience', 'loadBalancer']] : [],
  },
  {
    id: 'access',
    title: 'Access policy (who may call)',
    field: 'access[].from',
    scope: 'service',
    usedBy: (s) => (s.access ? [['access']] : []),
  },
  {
    id: 'access.l7',
    title: 'Access narrowed by method and path',
    field: 'access[].methods / paths',
    scope: 'service',
    usedBy: (s) =>
      (s.access ?? []).flatMap((a) =>
        a.methods.length || a.paths.length
          ? [['access', a.index, a.methods.length ? 'methods' : 'paths'] as DataPath]
          : [],
      ),
  },
  {
    id: 'mtls.service',
    title: 'Per-service mTLS mode',
    field: 'Service.mtls',
    scope: 'service',
    usedBy: (s) => (s.mtlsOverride ? [['mtls']] : []),
  },
  {
    id: 'ingress',
    title: 'Ingress (hosts, paths)',
    field: 'Service.ingress',
    scope: 'service',
    usedBy: (s) => (s.ingress ? [['ingress']] : []),
  },
  {
    id: 'ingress.routed',
    title: 'Routes applied to ingress traffic',
    field: 'Service.ingress + routes',
    scope: 'service',
    usedBy: (s) => (s.ingress && s.routes.some((r) => !r.implicit) ? [['ingress']] : []),
  },
  {
    id: 'kubernetesService',
    title: 'Root Kubernetes Service (managed)',
    field: 'Service.kubernetesService',
    scope: 'service',
    usedBy: (s) => (s.kubernetesService === 'managed' ? [['kubernetesService']] : []),
  },
  {
    id: 'rollout',
    title: 'Progressive delivery (Flagger canary)',
    field: 'Service.rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout ? [['rollout']] : []),
  },
  {
    id: 'rollout.ab',
    title: 'Progressive delivery: A/B testing',
    field: 'rollout.strategy: ab',
    scope: 'service',
    usedBy: (s) => (s.rollout?.strategy === 'ab' ? [['rollout', 'match']] : []),
  },
  {
    id: 'rollout.ab.alternatives',
    title: 'Progressive delivery: A/B conditions in alternatives (OR)',
    field: 'rollout.match (several entries)',
    scope: 'service',
    usedBy: (s) =>
      s.rollout?.strategy === 'ab' ? s.rollout.match.slice(1).map((_, i) => ['rollout', 'match', i + 1]) : [],
  },
  {
    id: 'rollout.ab.query',
    title: 'Progressive delivery: A/B by query parameter',
    field: 'rollout.match[].query',
    scope: 'service',
    usedBy: (s) =>
      s.rollout?.strategy === 'ab'
        ? s.rollout.match.flatMap((m, i) => (m.query.length ? [['rollout', 'match', i, 'query']] : []))
        : [],
  },
  {
    id: 'rollout.ab.prefix',
    title: 'Progressive delivery: A/B by prefix',
    field: 'rollout.match[] prefix',
    scope: 'service',
    usedBy: (s) =>
      s.rollout?.strategy === 'ab'
        ? s.rollout.match.flatMap((m, i) =>
            (['headers', 'query'] as const)
              .filter((f) => m[f].some((x) => x.match.type === 'prefix'))
              .map((f) => ['rollout', 'match', i, f]),
          )
        : [],
  },
  {
    id: 'rollout.bluegreen',
    title: 'Progressive delivery: blue/green',
    field: 'rollout.strategy: bluegreen',
    scope: 'service',
    usedBy: (s) => (s.rollout?.strategy === 'bluegreen' ? [['rollout', 'strategy']] : []),
  },
  {
    id: 'rollout.tcp',
    title: 'Progressive delivery: TCP',
    field: 'rollout with a tcp first port',
    scope: 'service',
    usedBy: (s) => (s.rollout && s.ports[0]?.protocol === 'tcp' ? [['ports', 0, 'protocol']] : []),
  },
  {
    id: 'rollout.grpc',
    title: 'Progressive delivery: HTTP/2 and gRPC',
    field: 'rollout with an http2 or grpc first port',
    scope: 'service',
    usedBy: (s) =>
      s.rollout && (s.ports[0]?.protocol === 'grpc' || s.ports[0]?.protocol === 'http2')
        ? [['ports', 0, 'protocol']]
        : [],
  },
  {
    id: 'rollout.timeout',
    title: 'Progressive delivery: request timeout',
    field: 'routes[].timeout with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout ? routes(s, (r) => (r.timeout ? ['timeout'] : undefined)) : []),
  },
  {
    id: 'rollout.retries',
    title: 'Progressive delivery: retries',
    field: 'routes[].retries with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout ? routes(s, (r) => (r.retries ? ['retries'] : undefined)) : []),
  },
  {
    id: 'rollout.headers',
    title: 'Progressive delivery: header changes',
    field: 'routes[].headers with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout ? routes(s, (r) => (r.headers ? ['headers'] : undefined)) : []),
  },
  {
    id: 'rollout.resilience',
    title: 'Progressive delivery: resilience',
    field: 'resilience with rollout',
    scope: 'service',
    usedBy: (s) =>
      s.rollout
        ? (['outlierDetection', 'connectionPool', 'loadBalancer'] as const)
            .filter((k) => s.resilience[k] !== undefined)
            .map((k) => ['resilience', k])
        : [],
  },
  {
    id: 'rollout.access',
    title: 'Progressive delivery: access rules',
    field: 'access with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout && s.access ? [['access']] : []),
  },
  {
    id: 'rollout.mtls',
    title: 'Progressive delivery: mTLS',
    field: 'mtls (strict or permissive) with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout && s.mtls !== 'off' ? [['rollout']] : []),
  },
  {
    id: 'rollout.ingress',
    title: 'Progressive delivery: ingress',
    field: 'ingress with rollout',
    scope: 'service',
    usedBy: (s) => (s.rollout && s.ingress ? [['ingress']] : []),
  },
  {
    id: 'mesh.mtls.strict',
    title: 'Mesh-wide mTLS: strict',
    field: 'mesh.mtls: strict',
    scope: 'environment',
    usedBy: env(['mesh', 'mtls'], (e) => e.mesh.mtls === 'strict'),
  },
  {
    id: 'mesh.mtls.permissive',
    title: 'Mesh-wide mTLS: permissive',
    field: 'mesh.mtls: permissive',
    scope: 'environment',
    usedBy: env(['mesh', 'mtls'], (e) => e.mesh.mtls === 'permissive'),
  },
  {
    id: 'mesh.mtls.off',
    title: 'Mesh-wide mTLS: off',
    field: 'mesh.mtls: off',
    scope: 'environment',
    usedBy: env(['mesh', 'mtls'], (e) => e.mesh.mtls === 'off'),
  },
  {
    id: 'mesh.install',
    title: 'Control-plane install (Helm via GitOps)',
    field: 'mesh.install',
    scope: 'environment',
    usedBy: env(['mesh', 'install'], (e) => !!e.mesh.install),
  },
  {
    id: 'mesh.trust.certManager',
    title: 'Trust from cert-manager',
    field: 'mesh.trust.certManager',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'certManager'], (e) => e.mesh.trust?.type === 'cert-manager'),
  },
  {
    id: 'mesh.trust.existingSecret',
    title: 'Trust from an existing secret',
    field: 'mesh.trust.existingSecret',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'existingSecret'], (e) => e.mesh.trust?.type === 'existing-secret'),
  },
  {
    id: 'mesh.trust.builtIn',
    title: "Trust from the mesh's built-in CA",
    field: 'mesh.trust.builtIn',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'builtIn'], (e) => e.mesh.trust?.type === 'built-in'),
  },
  {
    id: 'mesh.trust.vault',
    title: 'Trust from a Vault PKI',
    field: 'mesh.trust.vault',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'vault'], (e) => e.mesh.trust?.type === 'vault'),
  },
  {
    id: 'mesh.trust.sds',
    title: 'Trust from SPIRE over SDS',
    field: 'mesh.trust.sds',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'sds'], (e) => e.mesh.trust?.type === 'sds'),
  },
  {
    id: 'mesh.trust.file',
    title: 'Trust from mounted certificate files',
    field: 'mesh.trust.file',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'file'], (e) => e.mesh.trust?.type === 'file'),
  },
  {
    id: 'mesh.trust.acm',
    title: 'Trust from AWS Certificate Manager',
    field: 'mesh.trust.acm',
    scope: 'environment',
    usedBy: env(['mesh', 'trust', 'acm'], (e) => e.mesh.trust?.type === 'acm'),
  },
  {
    id: 'mesh.ingress.gatewayApi',
    title: 'Ingress through Gateway API',
    field: 'mesh.ingress.api: gateway-api',
    scope: 'environment',
    usedBy: env(
      ['mesh', 'ingress'],
      (e) => e.mesh.ingress?.api === 'gateway-api' && e.services.some((s) => s.ingress),
    ),
  },
  {
    id: 'mesh.ingress.native',
    title: "Ingress through the mesh's own gateway API",
    field: 'mesh.ingress.api: native',
    scope: 'environment',
    usedBy: env(
      ['mesh', 'ingress', 'api'],
      (e) => e.mesh.ingress?.api === 'native' && e.services.some((s) => s.ingress),
    ),
  },
  {
    id: 'mesh.ingress.tls',
    title: 'Ingress TLS (HTTPS, HTTP redirected to it)',
    field: 'mesh.ingress.tls',
    scope: 'environment',
    // As the ingress API rows: a use only when a service is exposed (without one, no gateway is rendered).
    usedBy: env(
      ['mesh', 'ingress', 'tls'],
      (e) => !!e.mesh.ingress?.tls && e.services.some((s) => s.ingress),
    ),
  },
  {
    id: 'observability.prometheusOperator',
    title: 'Metrics: Prometheus Operator monitors',
    field: 'observability.metrics: prometheus-operator',
    scope: 'environment',
    usedBy: env(
      ['mesh', 'observability', 'metrics'],
      (e) => e.mesh.observability.metrics === 'prometheus-operator',
    ),
  },
  {
    id: 'observability.annotations',
    title: 'Metrics: scrape annotations',
    field: 'observability.metrics: annotations',
    scope: 'environment',
    usedBy: env(['mesh', 'observability', 'metrics'], (e) => e.mesh.observability.metrics === 'annotations'),
  },
  {
    id: 'observability.dashboards',
    title: 'Official Grafana dashboards',
    field: 'observability.dashboards',
    scope: 'environment',
    usedBy: env(['mesh', 'observability', 'dashboards'], (e) => e.mesh.observability.dashboards),
  },
  {
    id: 'observability.tracing',
    title: 'Distributed tracing',
    field: 'observability.tracing',
    scope: 'environment',
    usedBy: env(['mesh', 'observability', 'tracing'], (e) => !!e.mesh.observability.tracing),
  },
] as const satisfies readonly Feature[];

/** The id of a feature of {@link FEATURES}: a closed union, checked by the compiler. */
export type FeatureId = (typeof FEATURES)[number]['id'];

/** Whether `id` names a feature of {@link FEATURES} (for ids read at run time, e.g. from a test table). */
export function isFeatureId(id: string): id is FeatureId {
  return FEATURES.some((f) => f.id === id);
}

export function featureById(id: string): Feature | undefined {
  return FEATURES.find((f) => f.id === id);
}
