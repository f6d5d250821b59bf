import type { FeatureId } from '../features.ts';
import type { Capability } from '../types.ts';
import { TRACING_SINCE } from './constants.ts';

const exact = (note?: string): Capability =>
  note === undefined ? { support: 'exact' } : { support: 'exact', note };
const approximate = (note: string, since?: string): Capability =>
  since === undefined ? { support: 'approximate', note } : { support: 'approximate', note, since };
const unsupported = (note: string): Capability => ({ support: 'unsupported', note });

/** An exact cell with the values Linkerd refuses (or warns about) where they are written. */
const limited = (limits: string, note?: string): Capability =>
  note === undefined ? { support: 'exact', limits } : { support: 'exact', note, limits };

/** Routes Linkerd cannot carry at all (outbound HTTPRoutes). */
const HTTP_ROUTES =
  'routes on a service without an http, http2 or grpc port are refused (HTTPRoutes apply to HTTP traffic only)';
/**
 * Route fields on the TCP ports of a service with HTTP ports too (diagnostics.ts, checkTcpRoutes): meshc writes
 * no TCPRoute, so their connections reach every pod of the service.
 */
const TCP_PORTS =
  'warned about on a service with TCP ports too (meshc writes no TCPRoute: their connections reach every pod of the service)';
/** Linkerd picks the most specific route (http-route.ts orderRoutes), meshc means the first that matches. */
const ORDER =
  "a warning at a later route that Linkerd's most-specific-match choice may pick over an earlier one it overlaps";
/** Linkerd's policy controller compiles regexes with Rust's regex crate (linkerd2 policy-controller admission). */
const RUST_REGEX = "a regular expression Rust's regex syntax refuses (a literal `{`, `\\Q…\\E`) is refused";
/** The http crate's HeaderValue, which Linkerd's policy controller parses every header value with. */
const ASCII_VALUES = 'a header value that is not visible ASCII is refused';

/**
 * What Linkerd (2.16+) expresses, per feature id of FEATURES. Data only: the validator, `meshc matrix` and the
 * README read it. Value-level limits (a retry condition, a dropped outlier field, a route order Linkerd's
 * specificity cannot keep) are reported by the backend at the value, and said in the cell (`limits`, or the
 * note of a cell that is not exact).
 */
export const LINKERD_CAPABILITIES: Readonly<Record<FeatureId, Capability>> = {
  versions: limited(
    'a version whose Service `<name>-<version>` would be longer than 63 characters is refused',
    'one Service `<name>-<version>` per version (selector + version labels), HTTPRoute backendRefs',
  ),
  'route.weights': limited(
    `${HTTP_ROUTES}, and so are routes needing more than 16 rules, 64 match entries in a rule or 128 in all in one HTTPRoute (Gateway API's limits); ${TCP_PORTS}`,
    'HTTPRoute backendRefs[].weight',
  ),
  'route.backends': limited(
    `${HTTP_ROUTES}; ${TCP_PORTS}`,
    'backendRefs to other Services (ReferenceGrant in the target namespace when it differs); port: the parent port when the target has it, else its first port',
  ),
  'match.headers': limited(
    `${RUST_REGEX}, and so is ${ASCII_VALUES.replace('a header value', 'an exact value')}; ${ORDER}`,
    'Exact / RegularExpression (a prefix as `^prefix.*$`)',
  ),
  'match.query': limited(ORDER, 'queryParams Exact'),
  'match.query.regex': limited(
    `${RUST_REGEX}; ${ORDER}`,
    'queryParams RegularExpression (Rust regex syntax; the whole value must match)',
  ),
  'match.path': limited(ORDER, 'Exact / PathPrefix (segment-wise in both)'),
  'match.path.regex': limited(
    `${RUST_REGEX}; ${ORDER}`,
    'RegularExpression, written `^(?:…)$` so that it must match the whole path (Rust regex syntax)',
  ),
  'match.method': limited(ORDER),
  'route.timeout': limited(
    TCP_PORTS,
    "`timeout.linkerd.io/request` on the rule's HTTPRoute (the whole request, retries included)",
  ),
  'route.retries': {
    ...approximate(
      "`retry.linkerd.io/http` + `retry.linkerd.io/limit` on the rule's HTTPRoute: `5xx`, `gateway-error` and `retriable-4xx` (as `409`) are expressed; `connect-failure`, `reset`, `refused-stream` and the gRPC conditions have no HTTPRoute token and are refused at the condition; Linkerd never retries requests with bodies over 64 KiB",
    ),
    limits: TCP_PORTS,
  },
  'route.retries.perTryTimeout': exact('`retry.linkerd.io/timeout`'),
  'route.fault.delay': unsupported('Linkerd has no fault injection'),
  'route.fault.abort': unsupported(
    'Linkerd has no fault injection; its documented workaround (a weighted backend Service that always fails) needs a workload meshc does not deploy',
  ),
  'route.fault.withTimeoutOrRetries': unsupported('Linkerd has no fault injection'),
  'route.mirror': unsupported('the policy controller rejects RequestMirror filters'),
  'route.headers.request': limited(
    `${ASCII_VALUES} (set, add); ${TCP_PORTS}`,
    'RequestHeaderModifier filter',
  ),
  'route.headers.response': limited(
    `${ASCII_VALUES} (set, add); ${TCP_PORTS}`,
    'ResponseHeaderModifier filter (on gateway.networking.k8s.io HTTPRoutes)',
  ),
  'resilience.outlierDetection': approximate(
    "`balancer.linkerd.io/failure-accrual: consecutive` on the Service clients call: consecutiveErrors → max-failures, baseEjectionTime → min-penalty (later penalties back off up to max-penalty, 1m or the min penalty); no interval and no max ejection percent (a warning names them when set); applies to requests addressed to this Service, not to other services' `backends` sending here; needs `kubernetesService: managed`; refused on a service whose ports are all tcp (Linkerd accrues failures on HTTP and gRPC traffic only)",
  ),
  'resilience.connectionPool': unsupported(
    'Linkerd has no per-destination connection or pending-request limits',
  ),
  'resilience.loadBalancer': unsupported('Linkerd always balances by latency (EWMA, power of two choices)'),
  'resilience.consistentHash': unsupported('Linkerd has no consistent-hash load balancing'),
  access: limited(
    'two services of a namespace that select the same pods on one port and both carry Servers (access rules, or an mtls of their own) are refused (Linkerd 2.16 and 2.17 refuse the second Server, later versions apply the older one only)',
    'Server per port (accessPolicy: deny) + AuthorizationPolicy + MeshTLSAuthentication (`<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>`); `*` = NetworkAuthentication 0.0.0.0/0, ::/0 (permissive) or any meshed identity (strict)',
  ),
  'access.l7': approximate(
    "inbound HTTPRoutes (policy.linkerd.io/v1beta3) on the port's Server plus a catch-all route: Linkerd then stops authorizing kubelet probes on that port implicitly and meshc does not know the probe paths, so probe on a port not listed in `ports`; rules that overlap only by nested paths may be decided by one rule (a warning names them); more than 128 matches continue in further inbound routes with the same authorization",
  ),
  'mtls.service': approximate(
    "Server `accessPolicy` (all-authenticated / all-unauthenticated) on each listed port; ports the pods serve outside `ports` keep the namespace default (the pod annotation belongs to the workload's manifests)",
  ),
  ingress: limited(
    "a warning at each exposed service that admits the ingress by its mesh identity (`access`, or strict mTLS) when the ingress namespace is the control plane's (`linkerd`, which is never injected): an unmeshed ingress controller is refused",
    "the environment's Gateway API class (Gateway + HTTPRoute to the root Service); mesh the ingress controller (`linkerd.io/inject: enabled`, or `ingress` where Linkerd documents it); with `access`, every identity of the ingress namespace is admitted with each rule's methods and paths, and the ingress namespace meshc creates is annotated `linkerd.io/inject: enabled`",
  ),
  'ingress.routed': approximate(
    "the service's HTTPRoutes apply to the gateway hop only when the meshed controller sends to the Service address, not straight to the endpoints",
  ),
  kubernetesService: exact(),
  rollout: limited(
    "a route of another service to a rolled-out one (`routes[].backends`) reaches its primary pods only: Flagger's routing is not applied to it (a warning at the backend)",
    'Flagger provider `gatewayapi:v1beta1`: Flagger generates the HTTPRoute attached to the Service <name> and the primary/canary Services; checks through MetricTemplates over the Linkerd proxy metrics',
  ),

  'rollout.ab': exact('analysis.match: headers and queryParams, as HTTPRoute matches'),
  'rollout.ab.alternatives': exact('one HTTPRoute match per entry'),
  'rollout.ab.query': exact('HTTPRoute queryParams'),
  'rollout.ab.prefix': unsupported(
    "Flagger's Gateway API router takes exact and regex header and query matches only",
  ),
  'rollout.bluegreen': exact(),
  'rollout.tcp': unsupported("Flagger's Gateway API router generates HTTPRoutes only"),
  'rollout.grpc': exact(
    "Canary service.appProtocol: the first port's protocol, `kubernetes.io/h2c` for http2 and grpc from 2.18 (the only HTTP/2 value Linkerd reads), which Flagger copies onto its Services' first port (Linkerd routes HTTP/2 and gRPC with the HTTPRoute)",
  ),
  'rollout.timeout': unsupported(
    "Flagger's Gateway API router does not carry service.timeout into the HTTPRoute it generates",
  ),
  'rollout.retries': unsupported(
    "Flagger's Gateway API router does not carry service.retries into the HTTPRoute it generates",
  ),
  'rollout.headers': exact('Canary service.headers (HTTPRoute header modifier filters)'),
  'rollout.resilience': unsupported(
    "Linkerd's failure accrual is set on the Service, and Flagger generates the rolled-out service's Services",
  ),
  'rollout.access': exact(
    'one Server (and its authorizations) for the canary pods and one for the primary pods',
  ),
  'rollout.mtls': exact(),
  'rollout.ingress': approximate(
    "ingress traffic is shifted to the canary only when the meshed ingress controller sends it to the Service address (Flagger's HTTPRoute is attached to the Service); sent to the endpoints, it reaches Flagger's primary pods only: a service reached only through the ingress then gets no requests on its canary, and without a load test (`rollout.webhooks`) every check of `rollout.metrics` finds no values and halts the analysis: Flagger rolls back after `threshold` of them",
  ),
  'mesh.mtls.strict': exact(
    '`config.linkerd.io/default-inbound-policy: all-authenticated` on every namespace meshc deploys (read when a proxy starts: restart pods after a change)',
  ),
  'mesh.mtls.permissive': exact(
    "`config.linkerd.io/default-inbound-policy: all-unauthenticated` (Linkerd's default)",
  ),
  'mesh.mtls.off': unsupported('mTLS between meshed pods is always on in Linkerd'),
  'mesh.install': limited(
    "install.values that contradict a value meshc sets on purpose (identityTrustDomain, identity.externalCA, identity.issuer.scheme, the webhooks' externalSecret / injectCaFrom, proxy.tracing enabled / endpoint) are refused at the value",
    'Helm charts linkerd-crds then linkerd-control-plane from https://helm.linkerd.io/edge; cert-manager (webhook certificates) and the Gateway API CRDs are prerequisites; heartbeatSchedule pinned per environment',
  ),
  'mesh.trust.certManager': exact(
    'ten-year trust anchor Certificate (from the issuer; rotated by hand, the previous anchor kept in the Bundle meanwhile), CA ClusterIssuer, identity issuer Certificate `linkerd-identity-issuer` (kubernetes.io/tls) and trust-manager (v0.13.0+) Bundle `linkerd-identity-trust-roots`',
  ),
  'mesh.trust.existingSecret': limited(
    'a secret not named `linkerd-identity-issuer` is refused (the identity controller reads that one only)',
    'the identity issuer secret `linkerd-identity-issuer` (kubernetes.io/tls) in linkerd; the ConfigMap `linkerd-identity-trust-roots` must be provided with it',
  ),
  'mesh.trust.builtIn': unsupported(
    'the linkerd-control-plane chart does not generate its trust anchor (only the `linkerd install` CLI does); use `trust.certManager`',
  ),
  'mesh.trust.vault': unsupported(
    'Linkerd does not read Vault itself; use `trust.certManager` with a cert-manager Vault issuer',
  ),
  'mesh.trust.sds': unsupported(
    'the linkerd-identity controller issues every proxy certificate; Linkerd does not take identities from SPIRE over SDS',
  ),
  'mesh.trust.file': unsupported(
    'the linkerd-identity controller issues every proxy certificate; Linkerd proxies do not read certificates from mounted files',
  ),
  'mesh.trust.acm': unsupported(
    'the linkerd-identity controller needs its issuer key in the cluster; an ACM Private CA cannot be its issuer through meshc',
  ),
  'mesh.ingress.gatewayApi': exact('Gateway API CRDs must be installed separately'),
  'mesh.ingress.native': unsupported('Linkerd has no ingress gateway of its own; use `api: gateway-api`'),
  'mesh.ingress.tls': exact(
    "the Gateway's HTTPS listener on 443 with the certificate Secret, and an HTTPRoute redirecting port 80 to HTTPS (RequestRedirect, a core Gateway API filter the gateway class's controller implements)",
  ),
  'observability.prometheusOperator': approximate(
    "PodMonitors linkerd-proxy (container linkerd-proxy, port linkerd-admin) and linkerd-controller (admin ports of 2.16–2.18 and 2.19+ names), as the chart renders them; unlike Istio's metrics port, the proxy admin port follows the default inbound policy: with `mtls: strict` an unmeshed Prometheus is refused (mesh it, or authorize it on port 4191)",
  ),
  'observability.annotations': unsupported(
    'Linkerd does not annotate proxies for annotation-based scraping; use prometheus-operator',
  ),
  'observability.dashboards': exact(),
  'observability.tracing': approximate(
    '`proxy.tracing` values of the linkerd-control-plane chart (needs mesh.install; OTLP, so `opentelemetry` only); proxies join the traces applications propagate: the sampling percentage is not used; the collector must be meshed: its namespace comes from the endpoint host, its service account from install.values (proxy.tracing.collector.meshIdentity.serviceAccountName, refused without it); before chart 2026.7.1 a mesh.trustDomain other than the cluster domain is refused (the chart names the collector by clusterDomain)',
    TRACING_SINCE,
  ),
};
