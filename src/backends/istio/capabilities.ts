import type { FeatureId } from '../features.ts';
import type { Capability } from '../types.ts';

const exact = (note?: string): Capability =>
  note === undefined ? { support: 'exact' } : { support: 'exact', note };

const approximate = (note: string): Capability => ({ support: 'approximate', note });

const unsupported = (note: string): Capability => ({ support: 'unsupported', note });

/** An exact cell with the values Istio refuses (or warns about) where they are written. */
const limited = (limits: string, note?: string): Capability =>
  note === undefined ? { support: 'exact', limits } : { support: 'exact', note, limits };

/** istiod's validating webhook on regular expressions (the RE2 program size, approximated by length). */
const LONG_REGEX = "a regular expression over 1024 characters is refused (istiod's webhook)";
const FAULT_PERCENT = "a percentage between 0 and 0.0001 is refused (istiod's webhook: 0, or 0.0001 to 100)";
/**
 * A route field a TCP port's `tcp[]` route cannot carry (diagnostics.ts, checkTcpRoutes): a TCP port gets the
 * weights of the route without `match` only.
 */
const TCP_PORTS =
  'refused on a service whose ports are all TCP, warned about with TCP ports too (a TCP port gets only the weights of the route without `match`)';

/**
 * What Istio (1.22+) expresses, per feature id of FEATURES. Data only: the validator, `meshc matrix` and the
 * README read it. Value-level limits (what istiod's webhook refuses) are reported by the backend at the value,
 * and said in the cell (`limits`, or the note of a cell that is not exact).
 */
export const ISTIO_CAPABILITIES: Readonly<Record<FeatureId, Capability>> = {
  versions: exact('DestinationRule subsets'),
  'route.weights': exact('VirtualService route[].weight'),
  'route.backends': exact('destinations on other hosts, with port.number when the target has several ports'),
  'match.headers': limited(LONG_REGEX),
  'match.query': exact('queryParams exact'),
  'match.query.regex': limited(LONG_REGEX, 'queryParams regex (RE2, whole value)'),
  'match.path': exact('segment-wise prefix emitted as exact + prefix with trailing slash'),
  'match.path.regex': limited(LONG_REGEX, 'uri.regex (RE2)'),
  'match.method': exact(),
  'route.timeout': limited(TCP_PORTS),
  'route.retries': limited(
    TCP_PORTS,
    'retries.retryOn is the comma-joined `on` list; routes without retries get attempts: 0',
  ),
  'route.retries.perTryTimeout': exact(),
  'route.fault.delay': limited(`${FAULT_PERCENT}; ${TCP_PORTS}`),
  'route.fault.abort': limited(`${FAULT_PERCENT}; ${TCP_PORTS}`),
  'route.fault.withTimeoutOrRetries': approximate(
    "the timeout and retries are kept, but the fault is injected before routing: an aborted request is answered by the caller's sidecar and never retried, and an injected delay does not count against the timeout or perTryTimeout",
  ),
  'route.mirror': limited(TCP_PORTS, 'mirror + mirrorPercentage'),
  'route.headers.request': limited(
    `removing the \`host\` header is refused (istiod: "cannot set Host header"; set it instead); ${TCP_PORTS}`,
  ),
  'route.headers.response': limited(
    `setting, adding or removing the \`host\` header is refused (istiod's webhook); ${TCP_PORTS}`,
  ),
  'resilience.outlierDetection': exact('consecutiveErrors is emitted as consecutive5xxErrors'),
  'resilience.connectionPool': exact(),
  'resilience.loadBalancer': exact(),
  'resilience.consistentHash': limited(
    'refused on a service whose ports are all TCP, warned about with TCP ports too (a TCP proxy hashes only the source IP)',
    'consistentHash.httpHeaderName',
  ),
  access: limited(
    'a rule naming callers of a service whose mtls is off is refused (plaintext requests carry no identity, so the callers would all be denied); a service in the root namespace (istio-system) is refused (its AuthorizationPolicy would select pods of every namespace)',
    'AuthorizationPolicy (ALLOW); access: [] denies every request',
  ),
  'access.l7': limited(
    'a path with `{` or `}` is refused (Istio reads them as path templates, `{*}` and `{**}` as whole segments only); methods and paths are refused on a service whose ports are all TCP, and warned about on one with TCP ports too (istiod skips such an ALLOW rule on a TCP filter chain, denying its callers there)',
  ),
  'mtls.service': limited(
    "refused in the root namespace when it differs from the environment's mode (istiod ignores a PeerAuthentication with a selector there)",
    'PeerAuthentication with a workload selector',
  ),
  ingress: exact('Gateway API Gateway + HTTPRoute, or Istio Gateway + VirtualService'),
  'ingress.routed': approximate(
    'ingress traffic goes from the gateway to the root Service: the service routes (weights, subsets, retries) apply to traffic inside the mesh only',
  ),
  kubernetesService: exact(),
  rollout: limited(
    "a route of another service to a rolled-out one (`routes[].backends`) reaches its primary pods only: Flagger's routing is not applied to it (a warning at the backend)",
    'Flagger provider `istio`: Flagger generates the VirtualService and the primary/canary DestinationRules and Services',
  ),

  'rollout.ab': limited(LONG_REGEX, 'analysis.match: headers and queryParams'),
  'rollout.ab.alternatives': exact('one VirtualService match per entry'),
  'rollout.ab.query': exact('queryParams'),
  'rollout.ab.prefix': exact(),
  'rollout.bluegreen': exact(),
  'rollout.tcp': exact('Canary service.appProtocol: tcp (Flagger shifts the VirtualService tcp routes)'),
  'rollout.grpc': exact(
    "Canary service.appProtocol: the port's protocol, which Flagger gives the Services it generates",
  ),
  'rollout.timeout': exact('Canary service.timeout'),
  'rollout.retries': exact('Canary service.retries'),
  'rollout.headers': exact('Canary service.headers'),
  'rollout.resilience': exact(
    "Canary service.trafficPolicy, on Flagger's primary and canary DestinationRules",
  ),
  'rollout.access': exact('one AuthorizationPolicy for the canary pods and one for the primary pods'),
  'rollout.mtls': exact('a per-service PeerAuthentication selects the primary pods too'),
  'rollout.ingress': approximate(
    'ingress traffic reaches the Service <name>, which Flagger points at the primary pods: only traffic inside the mesh is shifted to the canary, so a service reached only through the ingress gets no requests on its canary, and without a load test (`rollout.webhooks`) every check of `rollout.metrics` finds no values and halts the analysis: Flagger rolls back after `threshold` of them',
  ),
  'mesh.mtls.strict': exact(),
  'mesh.mtls.permissive': exact(),
  'mesh.mtls.off': exact('DISABLE (sidecar mode only)'),
  'mesh.install': limited(
    "`meshConfig.trustDomain` in install.values other than mesh.trustDomain is refused (meshc sets it from mesh.trustDomain, which every principal uses); `revision` is refused (meshc installs and labels for the default revision); `meshConfig.rootNamespace` other than istio-system is refused (meshc's mesh-wide objects live in istio-system)",
    'Helm charts base, istiod and, for native ingress, gateway',
  ),
  'mesh.trust.certManager': limited(
    'a service in istio-system is refused (meshc creates the namespace ahead of the charts for cacerts)',
    'cert-manager Certificate writing the cacerts secret',
  ),
  'mesh.trust.existingSecret': limited(
    'a secret not named `cacerts` is refused (istiod mounts the secret cacerts)',
    'the plug-in CA secret `cacerts` in istio-system',
  ),
  'mesh.trust.builtIn': exact(
    'no `cacerts` secret: istiod generates a self-signed root into the Secret istio-ca-secret when it first starts',
  ),
  'mesh.trust.vault': unsupported(
    'istiod does not read Vault itself; use `trust.certManager` with a cert-manager Vault issuer (or istio-csr)',
  ),
  'mesh.trust.sds': unsupported(
    'istiod is the CA of an Istio mesh (or istio-csr in front of cert-manager); meshc does not configure SPIRE for Istio',
  ),
  'mesh.trust.file': unsupported(
    'Istio workload certificates come from istiod, not from files mounted into each proxy; use certManager or existingSecret for the CA',
  ),
  'mesh.trust.acm': unsupported(
    'istiod cannot sign with an ACM Private CA through meshc; use certManager (an ACM PCA issuer for cert-manager exists) or existingSecret',
  ),
  'mesh.ingress.gatewayApi': exact('Gateway API CRDs must be installed separately'),
  'mesh.ingress.native': limited(
    'an ingress host without a dot, or whose last label is all digits (an IP address aside), is refused (the Gateway and VirtualService webhooks); overlapping path prefixes of different services on one host are warned about (istiod joins their routes in no fixed order)',
    'Istio Gateway + VirtualService',
  ),
  'mesh.ingress.tls': exact(
    'Gateway API: an HTTPS listener on 443 with the certificate Secret and an HTTPRoute redirecting port 80 to HTTPS; Istio Gateway: a SIMPLE TLS server on 443 (credentialName) and httpsRedirect on port 80',
  ),
  'observability.prometheusOperator': exact(
    'PodMonitor envoy-stats-monitor + ServiceMonitor istio-component-monitor',
  ),
  'observability.annotations': exact("Istio's default (merged metrics on 15020); nothing extra is emitted"),
  'observability.dashboards': exact(),
  'observability.tracing': limited(
    'refused without mesh.install: the collector is registered in the istiod values (meshConfig.extensionProviders)',
    'Telemetry + meshConfig.extensionProviders, registered through mesh.install',
  ),
};
