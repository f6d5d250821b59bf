import type { FeatureId } from '../features.ts';
import type { Capability } from '../types.ts';

const exact = (note?: string): Capability =>
  note === undefined ? { support: 'exact' } : { support: 'exact', note };
const approximate = (note: string): Capability => ({ support: 'approximate', note });
const unsupported = (note: string): Capability => ({ support: 'unsupported', note });

/** An exact cell with the values Consul refuses (or warns about) where they are written. */
const limited = (limits: string, note?: string): Capability =>
  note === undefined ? { support: 'exact', limits } : { support: 'exact', note, limits };

/** Consul's discovery chain (routers, splitters) is L7 only: it meshes a service's first port. */
const L7_ROUTES =
  'routes on a service whose meshed (first) port is tcp are refused (Consul routes and splits HTTP, HTTP/2 and gRPC only)';

const ENTERPRISE_FAULTS =
  'fault injection is Consul Enterprise only (the builtin/fault-injection Envoy extension, 1.18+); meshc renders Community Edition';
const CALLERS =
  "declared on each caller (Consul is client-centric here): `upstreamConfig.overrides[]` in the ServiceDefaults of every service the callee's `access` names; any other caller (every caller of a service without `access`, a `*` caller, the ingress gateway) keeps Consul's defaults (a warning when no caller is named). A caller applies its settings for a service to every cluster of that service's discovery chain: a service reached through another's route gets the routing service's settings on that path, and a caller of both holds two settings for its cluster, of which Consul keeps one in no fixed order (a warning at the route's backend when they differ)";

/**
 * What Consul on Kubernetes (consul-k8s, Consul 1.16+, Community Edition) expresses, per feature id of
 * FEATURES. Data only: the validator, `meshc matrix` and the README read it. Value-level limits (retry
 * conditions before 1.18, requests per connection, colliding Consul names) are reported at the value, and said
 * in the cell (`limits`, or the note of a cell that is not exact).
 */
export const CONSUL_CAPABILITIES: Readonly<Record<FeatureId, Capability>> = {
  versions: limited(
    'a version label whose key a metadata filter cannot name (not a letter, then letters, digits and _) is refused',
    'ServiceResolver subsets filtering on `Service.Meta.<label>` (pods carry `consul.hashicorp.com/service-meta-<label>`); no defaultSubset: a request naming no version reaches every instance',
  ),
  'route.weights': limited(
    `${L7_ROUTES}, and so is a weighted route whose splitter name \`<serviceAccount>--<route>\` would be longer than 253 characters`,
    "ServiceSplitter splits: the service's own splitter for its default route, a splitter-only service `<name>--<route>` for a matched route",
  ),
  'route.backends': limited(
    `${L7_ROUTES}, and so is a destination whose meshed port speaks another protocol than the routing service's (Consul compiles a discovery chain for one protocol)`,
    "destinations name the other service's Consul name (its service account; Consul Community Edition has one namespace)",
  ),
  'match.headers': exact('ServiceRouter header exact / prefix / regex (RE2)'),
  'match.query': exact('queryParam exact'),
  'match.query.regex': exact('queryParam regex (RE2, whole value)'),
  'match.path': exact('pathExact; a segment-wise prefix as pathExact + pathPrefix with a trailing slash'),
  'match.path.regex': exact('pathRegex (RE2, whole path)'),
  'match.method': exact('methods'),
  'route.timeout': exact('router destination requestTimeout (the whole request, retries included)'),
  'route.retries': limited(
    "before 1.18, a ServiceRouter retries on status codes (5xx, gateway-error, retriable-4xx as retryOnStatusCodes) and connect-failure only: `reset`, `refused-stream` and the gRPC conditions are refused at the condition, and 5xx and gateway-error retry on those responses only, not also on resets and failed connections as Envoy's own do (a warning at the condition)",
    'router destination numRetries, retryOnConnectFailure and, from 1.18, retryOn',
  ),
  'route.retries.perTryTimeout': unsupported(
    'Consul has no per-try timeout (router destinations have requestTimeout and idleTimeout only)',
  ),
  'route.fault.delay': unsupported(ENTERPRISE_FAULTS),
  'route.fault.abort': unsupported(ENTERPRISE_FAULTS),
  'route.fault.withTimeoutOrRetries': unsupported(ENTERPRISE_FAULTS),
  'route.mirror': unsupported(
    'Consul has no traffic mirroring (no mirror field in ServiceRouter or ServiceSplitter)',
  ),
  'route.headers.request': exact(
    'requestHeaders (add, set, remove) on the router destination or on each split',
  ),
  'route.headers.response': exact(
    'responseHeaders (add, set, remove) on the router destination or on each split',
  ),
  'resilience.outlierDetection': approximate(
    `passiveHealthCheck (maxFailures = consecutiveErrors, counted as consecutive 5xx; interval, baseEjectionTime, maxEjectionPercent) ${CALLERS}`,
  ),
  'resilience.connectionPool': approximate(
    `limits.maxConnections and maxPendingRequests ${CALLERS}; no requests-per-connection limit (refused unless 0)`,
  ),
  'resilience.loadBalancer': exact('ServiceResolver loadBalancer.policy round_robin, least_request, random'),
  'resilience.consistentHash': limited(
    'refused on a service whose meshed (first) port is tcp: Consul hashes request headers in HTTP routes only',
    'ServiceResolver loadBalancer ring_hash with a header hash policy',
  ),
  access: exact(
    'ServiceIntentions per destination: one source per caller (its Consul name, the service account), `*` denied unless a rule allows `*`; no access: `*` allowed. The decision never falls to the ACL default policy',
  ),
  'access.l7': limited(
    'refused on a service whose meshed (first) port is tcp: Consul checks methods and paths on HTTP, HTTP/2 and gRPC services only',
    'L7 permissions (pathExact / pathPrefix / pathRegex AND methods), then a final deny; a named source also carries what `*` grants (Consul picks the most specific source)',
  ),
  'mtls.service': approximate(
    "`permissive`: ServiceDefaults mutualTLSMode permissive + Mesh allowEnablingPermissiveMutualTLS (transparent-proxy pods only); Consul does not check intentions on the plaintext connections it then admits, so `access` stops binding plaintext callers of that service; `strict` is Consul's default",
  ),
  ingress: exact(
    'Consul API gateway: Gateway of `mesh.ingress.className` (the chart creates GatewayClass `consul`) + HTTPRoute to the root Service; intentions admit the gateway (Consul service `meshc-ingress`) with what `access` grants',
  ),
  'ingress.routed': approximate(
    "the API gateway sends to the service's splitter and resolver (default weights, subsets), not through its ServiceRouter: matched routes, timeouts and retries apply inside the mesh only",
  ),
  kubernetesService: limited(
    "two services of a namespace whose selectors can select the same pod are refused, `external` ones too: consul-k8s registers a pod once for each Kubernetes Service selecting it, and the pod's connect-init refuses to start when it is registered as two Consul services (with `consul.hashicorp.com/connect-service`, the two registrations overwrite each other's cluster IP)",
  ),
  rollout: unsupported('Flagger has no Consul provider'),
  'rollout.ab': unsupported('Flagger has no Consul provider'),
  'rollout.ab.alternatives': unsupported('Flagger has no Consul provider'),
  'rollout.ab.query': unsupported('Flagger has no Consul provider'),
  'rollout.ab.prefix': unsupported('Flagger has no Consul provider'),
  'rollout.bluegreen': unsupported('Flagger has no Consul provider'),
  'rollout.tcp': unsupported('Flagger has no Consul provider'),
  'rollout.grpc': unsupported('Flagger has no Consul provider'),
  'rollout.timeout': unsupported('Flagger has no Consul provider'),
  'rollout.retries': unsupported('Flagger has no Consul provider'),
  'rollout.headers': unsupported('Flagger has no Consul provider'),
  'rollout.resilience': unsupported('Flagger has no Consul provider'),
  'rollout.access': unsupported('Flagger has no Consul provider'),
  'rollout.mtls': unsupported('Flagger has no Consul provider'),
  'rollout.ingress': unsupported('Flagger has no Consul provider'),
  'mesh.mtls.strict': exact("Consul's default: sidecars accept mTLS connections only"),
  'mesh.mtls.permissive': approximate(
    "not turned on mesh-wide: Consul's plaintext admission (mutualTLSMode permissive) stops intention checks for those connections; meshed callers are unaffected, unmeshed callers are refused as under strict; opt a service in with `mtls: permissive`",
  ),
  'mesh.mtls.off': unsupported('mTLS between Consul sidecars is always on'),
  'mesh.install': exact(
    'Helm chart consul from https://helm.releases.hashicorp.com with ACLs, TLS, connect injection and the API gateway; Gateway API CRDs are a prerequisite',
  ),
  'mesh.trust.certManager': unsupported(
    "Consul's Connect CA providers are built-in, Vault and AWS Private CA: none reads a cert-manager certificate; use `trust.builtIn` or `trust.vault`",
  ),
  'mesh.trust.existingSecret': approximate(
    'the Secret must hold a Consul configuration file setting connect.ca_config (root_cert, private_key), loaded by the servers (server.extraVolumes); Consul reads CA settings when the cluster first bootstraps only (later changes: `consul connect ca set-config`)',
  ),
  'mesh.trust.builtIn': exact(
    "Consul's built-in CA provider (the default) generates its root when the servers bootstrap",
  ),
  'mesh.trust.vault': approximate(
    'global.secretsBackend.vault.connectCA (the servers log in with their Kubernetes service account and `serverRole`); Consul reads CA settings when the cluster first bootstraps only (later changes: `consul connect ca set-config`); the chart also needs the Vault paths of its TLS CA and ACL bootstrap token in `install.values`',
  ),
  'mesh.trust.sds': unsupported(
    "Consul's connect CA issues every sidecar's leaf certificate over xDS; SPIRE cannot supply them",
  ),
  'mesh.trust.file': unsupported(
    "Consul's sidecars get their leaf certificates from the Consul servers over xDS, not from mounted files",
  ),
  'mesh.trust.acm': unsupported(
    "Consul's AWS ACM Private CA provider (connect `ca_provider = aws-pca`) is not configured by meshc; use builtIn or vault",
  ),
  'mesh.ingress.gatewayApi': exact(
    "Gateway API CRDs are a prerequisite (standard channel v1.0.0 to v1.5.x, or later releases without their TCPRoute CRD, which serves v1 only: consul-k8s watches TCPRoute as v1alpha2, from the chart where it installs it); the chart's bundled v0.6.2 copy is turned off",
  ),
  'mesh.ingress.native': unsupported(
    "Consul's own ingress (the IngressGateway config entry) is deprecated in favour of the API gateway; use `api: gateway-api`",
  ),
  'mesh.ingress.tls': approximate(
    'the API gateway serves HTTPS on 443 with the certificate Secret, but does not implement Gateway API RequestRedirect filters (consul-k8s translates header modifiers and URL rewrites only): plain HTTP on port 80 is not redirected to HTTPS, no route serves it (meshc writes no redirect route, which would send to no service); redirect HTTP in front of the gateway (load balancer or CDN), or accept that port 80 answers nothing',
  ),
  'observability.prometheusOperator': exact(
    "PodMonitor consul-dataplane: each injected pod's Envoy metrics on the port and path of its prometheus.io annotations (20200, /metrics); the chart's metrics must be on (mesh.install sets them)",
  ),
  'observability.annotations': exact(
    'chart values global.metrics.enabled + connectInject.metrics.defaultEnabled: consul-k8s annotates injected pods (prometheus.io/scrape, port 20200, path /metrics)',
  ),
  'observability.dashboards': approximate(
    "grafana.com dashboard 13396 only: HashiCorp's other dashboards (hashicorp/consul `grafana/`) are not published on grafana.com",
  ),
  'observability.tracing': approximate(
    "Zipkin only: ProxyDefaults `global` envoy_tracing_json + a static collector cluster, read by proxies when they start, and envoy_listener_tracing_json: every sidecar's HTTP listeners (inbound and outbound) trace the sampling percentage of the requests no caller decided on (random_sampling; without it Consul samples none); the API gateway's listeners keep Consul's 0 %",
  ),
};
