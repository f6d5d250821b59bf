import type { FeatureId } from '../features.ts';
import type { Capability } from '../types.ts';

const exact = (note?: string): Capability =>
  note === undefined ? { support: 'exact' } : { support: 'exact', note };
const approximate = (note: string): Capability => ({ support: 'approximate', note });
const unsupported = (note: string): Capability => ({ support: 'unsupported', note });

/** An exact cell with the values App Mesh refuses (or warns about) where they are written. */
const limited = (limits: string, note?: string): Capability =>
  note === undefined ? { support: 'exact', limits } : { support: 'exact', note, limits };

/**
 * A route field a TCP port's tcpRoute cannot carry (diagnostics.ts, checkTcpRoutes): a TCP port gets one
 * tcpRoute, with the weights of the route without `match`.
 */
const TCP_ONLY = 'refused on a service whose ports are all TCP, warned about with TCP ports too';
const TCP_MATCH = `matches are ${TCP_ONLY} (a tcpRoute matches the port only)`;

/**
 * What AWS App Mesh (controller 1.13+, `appmesh.k8s.aws/v1beta2`) expresses, per feature id of FEATURES. Data
 * only: the validator, `meshc matrix` and the README read it. Value-level limits (a retry condition, a regex
 * query match, a pool field) are reported by the backend at the value, and said in the cell (`limits`, or the
 * note of a cell that is not exact).
 */
export const APPMESH_CAPABILITIES: Readonly<Record<FeatureId, Capability>> = {
  versions: {
    ...approximate(
      'one VirtualNode per version (pod selector = service selector + version labels; DNS discovery through the per-version Service `<name>-<version>`); a pod that matches no version is refused by the injector; a destination without a version is split evenly over the version nodes, not by pod count',
    ),
    limits:
      "a version whose Service `<name>-<version>` would be longer than 63 characters is refused, and so are two services of a namespace whose VirtualNodes (one per version, else one for the service's selector) can select the same pod, `access` or not: the injector refuses a pod two VirtualNodes select",
  },
  'route.weights': limited(
    'a route with more than 10 weighted targets is refused, and so is a port needing more than 1001 routes (App Mesh route priorities end at 1000)',
    'VirtualRouter route weightedTargets (integers, relative)',
  ),
  'route.backends': approximate(
    "weightedTargets to the other service's VirtualNodes (port: the router's port when the target has it, else its first). App Mesh checks the caller's `backends` against the VirtualService dialed only, and the caller's Envoy connects to the target's pods itself: under SDS trust with mTLS, the target's listeners accept only the callers its `access` names, so requests from callers it does not admit are refused (as other meshes deny them); otherwise the target's `access` does not apply to traffic routed to it. Either way a warning at the destination names those callers",
  ),
  'match.headers': limited(
    `a match entry with more than 10 headers is refused (App Mesh matches at most 10 per route); ${TCP_MATCH}`,
    'headers[].match exact / prefix / regex',
  ),
  'match.query': limited(
    `a match entry with more than 10 query parameters is refused (App Mesh matches at most 10 per route); ${TCP_MATCH}`,
    'queryParameters[].match.exact',
  ),
  'match.query.regex': unsupported(
    'App Mesh matches query parameters by exact value only (queryParameters[].match has no regex; Istio, Linkerd and Consul can)',
  ),
  'match.path': limited(
    TCP_MATCH,
    'path.exact; a segment-wise prefix becomes path.exact + prefix with trailing slash',
  ),
  'match.path.regex': limited(TCP_MATCH, 'path.regex (Envoy: the whole path must match)'),
  'match.method': limited(TCP_MATCH),
  'route.timeout': approximate(
    `route timeout.perRequest; a route without one keeps App Mesh's 15s default (other meshes: none), and a timeout over 15s is also set on the target nodes' listeners, but the caller's own listener keeps its 15s default; ${TCP_ONLY} (a tcpRoute has an idle timeout only, not a request timeout)`,
  ),
  'route.retries': approximate(
    "retryPolicy: 5xx → server-error, gateway-error, retriable-4xx → client-error (409), refused-stream → stream-error, connect-failure → tcpRetryEvents connection-error; `reset` only with 5xx or gateway-error (they include it); gRPC conditions are refused; without a per-try timeout, perRetryTimeout is the route timeout (else 15s); `attempts: 0` is maxRetries 0, and so is a route without `retries`: an explicit policy replaces App Mesh's default retry policy (for accounts whose first mesh is from 2020-07-29 or later: up to 2 retries on HTTP 503, gRPC UNAVAILABLE, connection failures and refused streams), so App Mesh retries only where `retries` asks for it, as the other meshes do; the routes of a rolled-out service are Flagger's, which keep that default without `retries`; " +
      `${TCP_ONLY} (a tcpRoute has no retry policy)`,
  ),
  'route.retries.perTryTimeout': exact('retryPolicy.perRetryTimeout'),
  'route.fault.delay': unsupported('App Mesh has no fault injection (Istio has; Consul Enterprise too)'),
  'route.fault.abort': unsupported('App Mesh has no fault injection (Istio has; Consul Enterprise too)'),
  'route.fault.withTimeoutOrRetries': unsupported('App Mesh has no fault injection'),
  'route.mirror': unsupported('App Mesh has no traffic mirroring (Istio has)'),
  'route.headers.request': unsupported(
    'App Mesh routes cannot add, set or remove headers (Istio, Linkerd and Consul can); gateway routes only rewrite the host and path',
  ),
  'route.headers.response': unsupported(
    'App Mesh routes cannot add, set or remove headers (Istio, Linkerd and Consul can)',
  ),
  'resilience.outlierDetection': approximate(
    "outlierDetection on the HTTP listeners of every node: consecutiveErrors → maxServerErrors (5xx); App Mesh requires all four fields, so the missing ones get Envoy's defaults (5 errors, 10s interval, 30s ejection, 10%)",
  ),
  'resilience.connectionPool': approximate(
    'connectionPool on the listeners: HTTP/1 maxConnections + maxPendingRequests, HTTP/2 and gRPC maxRequests ← maxConnections (concurrent requests), TCP maxConnections; no per-connection request limit (a warning); maxConnections is required',
  ),
  'resilience.loadBalancer': unsupported(
    'App Mesh has no load-balancer setting: Envoy balances round robin (Istio and Consul can choose)',
  ),
  'resilience.consistentHash': unsupported(
    'App Mesh has no consistent-hash load balancing (Istio and Consul have)',
  ),
  access: approximate(
    "the callers' `backends` lists (each meshc service lists the services that admit it), the Mesh's egress filter DROP_ALL; under mTLS with SDS trust, listeners also accept only the allowed callers' SPIFFE IDs. Unlike a server-side deny: `*` admits the meshed services of this environment (a pod meshc does not know has no VirtualNode), an unmeshed caller is stopped only by a strict listener, and the ingress gateway reaches every exposed service whatever its rules",
  ),
  'access.l7': unsupported(
    "App Mesh has no server-side authorization: a caller's backends admit every method and path (Istio, Linkerd and Consul can narrow them)",
  ),
  'mtls.service': limited(
    '`strict` is refused without mesh.trust sds or file (listeners verify client certificates against those only; APPMESH_TRUST_REQUIRED)',
    "the service's listeners' tls.mode",
  ),
  ingress: limited(
    "an HTTP/2 or gRPC service exposed next to HTTP ones is refused at its port (the gateway has one listener); a service exposed with `mtls: off` next to ones using TLS is refused (the gateway has one client policy); a warning where a wildcard host's longer path takes requests Gateway API gives a more specific host",
    'VirtualGateway `<className>` (one listener, 8088: HTTP/2 when every exposed service is HTTP/2 or gRPC, else HTTP) + GatewayRoutes per host and path (`*.example.com` as the hostname suffix `.example.com`; prefixes kept: defaultPrefix DISABLED); App Mesh orders them by priority, path first: on one path an exact host comes first',
  ),
  'ingress.routed': exact(
    'gateway routes target the VirtualService, so the service routes apply to ingress traffic',
  ),
  kubernetesService: exact(
    'the VirtualService name resolves through the root Service; clients dial `<name>.<namespace>.svc.cluster.local`',
  ),
  rollout: approximate(
    "Flagger provider `appmesh:v1beta2` generates the VirtualNodes <name>-primary and <name>-canary, and the VirtualRouter and VirtualService <name> without an awsName (the controller defaults it to <name>.<namespace>, not the cluster DNS name meshc uses): clients must dial <name>.<namespace>. Flagger's routes have a retryPolicy only when the route has `retries`, and at least 1 retry: without `retries`, App Mesh's default retry policy (2 retries on HTTP 503, gRPC UNAVAILABLE, connection failures and refused streams) applies to a rolled-out service, and meshc cannot turn it off. The Canary lists the VirtualServices the service may call by name in its namespace and by ARN in others (built from mesh.install.values `region` and the controller's account: refused without them). Flagger's VirtualNodes select the pods by the target's name, which must be the selector's value of the label Flagger rewrites (refused otherwise), and Flagger generates no VirtualNode <name>: a route of another service to the rolled-out one (`routes[].backends`) is refused",
  ),
  'rollout.ab': exact('analysis.match: headers (App Mesh route header matches)'),
  'rollout.ab.alternatives': unsupported(
    "Flagger's App Mesh router puts the headers of every match entry on one route, so all of them must match: use one entry",
  ),
  'rollout.ab.query': unsupported("Flagger's App Mesh router matches headers only"),
  'rollout.ab.prefix': exact(),
  'rollout.bluegreen': exact(),
  'rollout.tcp': unsupported(
    "Flagger's App Mesh router generates HTTP (or, for a port named grpc, gRPC) listeners and routes only",
  ),
  'rollout.grpc': unsupported(
    "Flagger's App Mesh router generates HTTP routes only, on an HTTP listener (a gRPC listener when the port name holds grpc, which App Mesh refuses to pair with HTTP routes)",
  ),
  'rollout.timeout': exact('Canary service.timeout'),
  'rollout.retries': limited(
    "`attempts: 0` is refused at the value (Flagger's App Mesh router writes at least 1 retry, and no retryPolicy without `retries`, so App Mesh's default retry policy then applies), and so is `connect-failure` (Flagger writes HTTP retry events only, and App Mesh's connection-error is a TCP one), as are the conditions App Mesh cannot retry on without a rollout (the gRPC ones)",
    "Canary service.retries, with perTryTimeout the route timeout (else 15s) where the spec sets none (Flagger's App Mesh router would make it 250ms)",
  ),
  'rollout.headers': unsupported('App Mesh routes cannot change headers'),
  'rollout.resilience': unsupported("Flagger's VirtualNodes carry no outlier detection or connection pools"),
  'rollout.access': unsupported(
    "App Mesh access is the backends and TLS validation of meshc's VirtualNodes; Flagger generates the rolled-out service's VirtualNodes without them",
  ),
  'rollout.mtls': unsupported("Flagger's VirtualNodes have no listener TLS"),
  'rollout.ingress': approximate(
    'the GatewayRoute targets the VirtualService <name>, which Flagger generates',
  ),
  'mesh.mtls.strict': approximate(
    "listener tls.mode STRICT with client-certificate validation, and client policies on every backend (needs mesh.trust sds or file); only pods a VirtualNode selects (meshc's services) hold mesh certificates, so other pods are refused, and kubelet HTTP probes on a strict port fail (the kubelet has no certificate: use exec or TCP probes, or a port outside `ports`)",
  ),
  'mesh.mtls.permissive': approximate(
    "listener tls.mode PERMISSIVE, clients send mTLS; without mesh.trust, App Mesh's default applies: plaintext between Envoys, no identities",
  ),
  'mesh.mtls.off': exact("no listener TLS (App Mesh's default)"),
  'mesh.install': limited(
    "refused without `region` and the controller's IAM role ARN (`serviceAccount.annotations` `eks.amazonaws.com/role-arn`) in install.values (APPMESH_INSTALL_VALUE_MISSING); an `accountId` that is not a quoted string of 12 digits is refused (a YAML number loses its leading zeros, and Helm prints a 12-digit one in scientific notation)",
    'eks-charts appmesh-controller (CRDs in the chart, webhook certificate from cert-manager); region and IAM role ARN come from install.values',
  ),
  'mesh.trust.certManager': unsupported(
    'App Mesh has no mesh CA for cert-manager to sign; use mesh.trust sds, file or acm',
  ),
  'mesh.trust.existingSecret': unsupported(
    'App Mesh has no mesh CA secret; mount certificates with mesh.trust.file, or use sds or acm',
  ),
  'mesh.trust.sds': exact(
    'SPIFFE IDs `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>` and the trust domain bundle over SDS (controller value sds.enabled)',
  ),
  'mesh.trust.file': limited(
    "a warning when the native ingress gateway speaks TLS to the services it exposes: the injector mounts `appmesh.k8s.aws/secretMounts` into meshed pods only, so the gateway's Deployment must mount the files itself",
    'certificate, key and CA bundle paths on every listener and client policy; the files are mounted by the pods (`appmesh.k8s.aws/secretMounts` for meshed pods)',
  ),
  'mesh.trust.acm': approximate(
    'the ACM certificate on every listener and the ACM PCAs in client policies: server authentication only, clients present no certificate (strict mTLS needs sds or file)',
  ),
  'mesh.trust.builtIn': unsupported(
    'App Mesh has no certificate authority of its own; the proxies take certificates from SPIRE (sds), mounted files or ACM',
  ),
  'mesh.trust.vault': unsupported(
    'App Mesh does not read Vault; issue the certificates through SPIRE (sds) or mount them as files (file)',
  ),
  'mesh.ingress.gatewayApi': unsupported(
    'App Mesh implements no Gateway API; use `mesh.ingress.api: native` (VirtualGateway)',
  ),
  'mesh.ingress.native': exact(
    'VirtualGateway + GatewayRoute; the gateway Envoy from eks-charts appmesh-gateway',
  ),
  'mesh.ingress.tls': unsupported(
    "meshc does not configure TLS on App Mesh's VirtualGateway, whose listener reads certificates from files, SDS or ACM, not from a Kubernetes Secret; terminate HTTPS at the gateway's load balancer (an NLB with an ACM certificate, through the appmesh-gateway chart's service annotations)",
  ),
  'observability.prometheusOperator': exact(
    "PodMonitor appmesh-envoy: /stats/prometheus on the admin port 9901 of every envoy container, named `stats` where the injector adds it and `http-admin` on the appmesh-gateway chart's ingress gateway",
  ),
  'observability.annotations': unsupported(
    "App Mesh's injector adds no scrape annotations; use prometheus-operator",
  ),
  'observability.dashboards': unsupported(
    'the App Mesh dashboards (eks-charts appmesh-grafana) have no grafana.com ids for grafana-operator to import',
  ),
  'observability.tracing': approximate(
    "appmesh-controller values tracing.* (needs mesh.install): provider `zipkin` as Jaeger (Envoy Zipkin tracer); `sampling` is not applied (the chart passes a rate to X-Ray only, a warning at the value), the Envoys keep their image's rate; OpenTelemetry is refused; restart meshed pods after a change",
  ),
};
