import { represented } from '../shared/emit-memo.ts';
import { Residue, takenFindings } from '../shared/residue.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { ServiceIndex } from '../shared/gamma.ts';
import { GAMMA_EXPORTS, buildServiceReferenceGrant } from '../shared/gamma.ts';
import type { Backend, BackendOutput, EmitContext } from '../types.ts';
import { linkerdImporter } from './import.ts';
import { meshBackend } from '../shared/skeleton.ts';
import { accessReadsMtls, buildAccess } from './authorization.ts';
import { LINKERD_CAPABILITIES } from './capabilities.ts';
import { LINKERD_DIFF_NOISE } from './diff-noise.ts';
import { buildCharts } from './charts.ts';
import { LINKERD_CHART_VERSIONS } from './chart-versions.ts';
import { linkerdPrerequisites } from './prerequisites.ts';
import { LINKERD_NS, MIN_VERSION, appProtocols, readsAppProtocol } from './constants.ts';
import { buildGrafanaDashboards } from './dashboards.ts';
import { checkEnvironment, checkServiceValues } from './diagnostics.ts';
import { buildOutboundRoutes } from './http-route.ts';
import { buildIngress } from './ingress.ts';
import { buildControllerPodMonitor, buildProxyPodMonitor } from './monitors.ts';
import { buildNamespace } from './namespace.ts';
import { buildServices } from './services.ts';
import { LINKERD_ROLLOUT, linkerdRolloutObjects } from './rollout.ts';
import { buildControlPlaneNamespace, buildTrustObjects, buildWebhookCertificates } from './trust.ts';
import { LINKERD_OVERLAPS } from './overlaps.ts';
import { LINKERD_DISCOVERY } from './discovery.ts';

/** The Linkerd backend (Linkerd 2.16+, edge releases included: Gateway API routing, policy.linkerd.io authorization). */
export const linkerd: Backend = meshBackend({
  mesh: 'linkerd',
  title: 'Linkerd',
  minVersion: MIN_VERSION,
  systemNamespace: LINKERD_NS,
  capabilities: LINKERD_CAPABILITIES,
  chartVersions: LINKERD_CHART_VERSIONS,
  kinds: {
    config: ['Server', 'ServiceProfile'],
    policies: [
      'AuthorizationPolicy',
      'MeshTLSAuthentication',
      'NetworkAuthentication',
      'ServerAuthorization',
    ],
  },
  diffNoise: LINKERD_DIFF_NOISE,
  minVersionReason:
    'it configures retries and timeouts with the annotations of 2.16 and Servers with policy.linkerd.io/v1beta3',
  namespace: (name, env) => buildNamespace(name, env.mesh.mtls),
  emit: emitLinkerd,
  // The ports of the services its routes send to (GAMMA backendRefs), and the routes of every service: a
  // namespace that routes reach from another holds a ReferenceGrant for each namespace they come from.
  exports: [...GAMMA_EXPORTS, 'routes'],
  // Of the routes, only the namespaces they reach (and whether the service has routes of its own: a rollout's
  // are Flagger's, and routes need an HTTP port).
  peerView: (s) => ({
    id: s.id,
    ports: s.ports,
    rollout: s.rollout !== undefined,
    reaches: [
      ...new Set(
        s.routes.flatMap((r) => r.destinations.map((d) => d.namespace)).filter((ns) => ns !== s.namespace),
      ),
    ].sort(),
  }),
  prerequisites: linkerdPrerequisites,
  importer: linkerdImporter,
  overlaps: LINKERD_OVERLAPS,
  discovery: LINKERD_DISCOVERY,
  rollout: LINKERD_ROLLOUT,
});

function emitLinkerd(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
  ctx: EmitContext,
): Omit<BackendOutput, 'namespaces'> {
  const ingress = buildIngress(env);
  const services = new Map(env.services.map((s) => [s.id, s]));
  const diagnostics: Diagnostic[] = [...checkEnvironment(env, ctx.taken), ...ingress.diagnostics];
  const grants = new Map<string, { from: string; to: string }>();
  // serviceObjects reads the service, the index and these three settings of the environment.
  const gatewayNamespace = env.mesh.ingress?.namespace;
  const h2c = readsAppProtocol(env.mesh.version);
  const key = `linkerd\0${env.mesh.trustDomain}\0${gatewayNamespace ?? ''}${h2c ? '\0h2c' : ''}`;
  const memo = ctx.memo;
  // With a memo, each service and the index are taken as their representatives (EmitMemo.representative),
  // so that environments of another mTLS mode share the results too. Sound here: no builder of serviceObjects
  // reads `spec`; the only reader of `mtls` is buildAccess, of the service itself (or its primaryView, which
  // carries the same `mtls`, `mtlsOverride` and `access`), where accessReadsMtls says (then the representative
  // has the same `mtls`); of the services found in the index, only `ports` are read (backendRef ports).
  const seen = represented(env.services, services, memo, accessReadsMtls);
  // What each namespace's services found and reach, for a later render to take.
  const residue = new Residue();
  for (const [i, s] of seen.services.entries()) {
    // A namespace the render takes with what the previous render recorded of it (findings, reaches): below.
    if (ctx.taken?.has(s.namespace)) continue;
    // The checks of the service's values, of the service itself (not its representative).
    const checks = checkServiceValues(env.services[i]!);
    const ingressRoute = ingress.routes.get(s.id);
    // A namespace the render takes from the previous one (`only`) without a record: its services' findings
    // and the namespaces their routes reach are still wanted, their objects are not (and are not interned).
    const wanted = !ctx.only || ctx.only.has(s.namespace);
    const own = memo
      ? memo.get(s, wanted ? key : `${key}\0unwanted`, seen.index, (recorded) => {
          const r = serviceObjects(s, env.mesh.trustDomain, gatewayNamespace, h2c, recorded);
          return wanted ? { ...r, objects: memo.keep(r.objects) } : { ...r, objects: [] };
        })
      : serviceObjects(s, env.mesh.trustDomain, gatewayNamespace, h2c, seen.index);
    namespaces.get(s.namespace)?.push(...own.objects, ...(ingressRoute ? [ingressRoute] : []));
    diagnostics.push(...checks, ...own.diagnostics);
    residue.add(s.namespace, [...checks, ...own.diagnostics], own.crossNamespaceTargets);
    for (const to of own.crossNamespaceTargets) grants.set(`${s.namespace}/${to}`, { from: s.namespace, to });
  }
  diagnostics.push(...takenFindings(ctx));
  for (const [from, taken] of ctx.taken ?? [])
    for (const to of taken.reaches) grants.set(`${from}/${to}`, { from, to });
  for (const { from, to } of grants.values()) namespaces.get(to)?.push(buildServiceReferenceGrant(from, to));
  return {
    // linkerd-control-plane starts only once its issuer secret, trust roots and webhook certificates exist.
    prerequisites: [
      ...(env.mesh.install
        ? [
            buildControlPlaneNamespace(env.mesh.install.values.cniEnabled === true),
            ...buildWebhookCertificates(),
          ]
        : []),
      ...buildTrustObjects(env.mesh.trust, env.mesh.trustDomain),
    ],
    system: systemObjects(env, ingress.system),
    charts: buildCharts(env),
    diagnostics,
    residue: residue.output(),
  };
}

/**
 * The objects and findings of one service (the ingress route aside): a function of the service, the other
 * services it reads from the index, the trust domain, the ingress gateway's namespace (the environment's,
 * when it has one) and whether the version reads `appProtocol` (`h2c`: Linkerd 2.18+, where HTTP/2 and gRPC
 * ports must say `kubernetes.io/h2c`, constants.ts `linkerdAppProtocol`).
 */
function serviceObjects(
  s: ResolvedService,
  trustDomain: string,
  gatewayNamespace: string | undefined,
  h2c: boolean,
  services: ServiceIndex,
): {
  objects: readonly K8sObject[];
  diagnostics: readonly Diagnostic[];
  crossNamespaceTargets: readonly string[];
} {
  const exposedThrough = s.ingress ? gatewayNamespace : undefined;
  const accessOptions = {
    trustDomain,
    ...(exposedThrough !== undefined ? { ingressNamespace: exposedThrough } : {}),
  };
  const appProtocol = appProtocols(h2c);
  if (s.rollout) {
    // Flagger generates the service's Services and HTTPRoute: the Canary and the access objects only.
    const rollout = linkerdRolloutObjects(s, accessOptions, appProtocol);
    return { objects: rollout.objects, diagnostics: rollout.diagnostics, crossNamespaceTargets: [] };
  }
  const routes = buildOutboundRoutes(s, services);
  const access = buildAccess(s, accessOptions);
  return {
    objects: [...buildServices(s, appProtocol), ...routes.routes, ...access.objects],
    diagnostics: [...routes.diagnostics, ...access.diagnostics],
    crossNamespaceTargets: [...routes.crossNamespaceTargets],
  };
}

/** Mesh-wide objects: ingress, metrics, dashboards. */
function systemObjects(env: ResolvedEnvironment, ingress: readonly K8sObject[]): K8sObject[] {
  const obs = env.mesh.observability;
  return [
    ...ingress,
    ...(obs.metrics === 'prometheus-operator' ? [buildProxyPodMonitor(), buildControllerPodMonitor()] : []),
    ...(obs.dashboards ? buildGrafanaDashboards() : []),
  ];
}
