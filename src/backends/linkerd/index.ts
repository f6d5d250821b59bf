import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import type { ServiceIndex } from '../shared/gamma.ts';
import { buildServiceReferenceGrant } from '../shared/gamma.ts';
import type { Backend, BackendOutput } from '../types.ts';
import { linkerdImporter } from './import.ts';
import { meshBackend } from '../shared/skeleton.ts';
import { buildAccess } from './authorization.ts';
import { LINKERD_CAPABILITIES } from './capabilities.ts';
import { LINKERD_DIFF_NOISE } from './diff-noise.ts';
import { buildCharts } from './charts.ts';
import { linkerdPrerequisites } from './prerequisites.ts';
import { LINKERD_NS, MIN_VERSION } from './constants.ts';
import { buildGrafanaDashboards } from './dashboards.ts';
import { checkEnvironment } from './diagnostics.ts';
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
  prerequisites: linkerdPrerequisites,
  importer: linkerdImporter,
  overlaps: LINKERD_OVERLAPS,
  discovery: LINKERD_DISCOVERY,
  rollout: LINKERD_ROLLOUT,
});

function emitLinkerd(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
): Omit<BackendOutput, 'namespaces'> {
  const ingress = buildIngress(env);
  const services: ServiceIndex = new Map(env.services.map((s) => [s.id, s]));
  const diagnostics: Diagnostic[] = [...checkEnvironment(env), ...ingress.diagnostics];
  const grants = new Map<string, { from: string; to: string }>();
  for (const s of env.services) {
    const exposedThrough = s.ingress && env.mesh.ingress ? env.mesh.ingress.namespace : undefined;
    const accessOptions = {
      trustDomain: env.mesh.trustDomain,
      ...(exposedThrough !== undefined ? { ingressNamespace: exposedThrough } : {}),
    };
    const ingressRoute = ingress.routes.get(s.id);
    if (s.rollout) {
      // Flagger generates the service's Services and HTTPRoute: the Canary and the access objects only.
      const rollout = linkerdRolloutObjects(s, accessOptions);
      namespaces.get(s.namespace)?.push(...rollout.objects, ...(ingressRoute ? [ingressRoute] : []));
      diagnostics.push(...rollout.diagnostics);
      continue;
    }
    const routes = buildOutboundRoutes(s, services);
    const access = buildAccess(s, accessOptions);
    namespaces
      .get(s.namespace)
      ?.push(
        ...buildServices(s),
        ...routes.routes,
        ...access.objects,
        ...(ingressRoute ? [ingressRoute] : []),
      );
    diagnostics.push(...routes.diagnostics, ...access.diagnostics);
    for (const to of routes.crossNamespaceTargets)
      grants.set(`${s.namespace}/${to}`, { from: s.namespace, to });
  }
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
