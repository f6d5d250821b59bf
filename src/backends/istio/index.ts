import { represented } from '../shared/emit-memo.ts';
import { Residue, takenFindings } from '../shared/residue.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { MANAGED_BY_LABELS } from '../shared/labels.ts';
import type { Backend, BackendOutput, EmitContext } from '../types.ts';
import { istioImporter } from './import.ts';
import { meshBackend } from '../shared/skeleton.ts';
import { buildRootService } from '../shared/kubernetes-service.ts';
import { buildAuthorizationPolicy } from './authorization-policy.ts';
import { ISTIO_CAPABILITIES } from './capabilities.ts';
import { ISTIO_DIFF_NOISE } from './diff-noise.ts';
import { buildCaCertificate } from './certificate.ts';
import { buildCharts } from './charts.ts';
import { ISTIO_CHART_VERSIONS } from './chart-versions.ts';
import { istioPrerequisites } from './prerequisites.ts';
import { ISTIO_SYSTEM, MIN_VERSION, ingressGatewayPrincipal } from './constants.ts';
import { buildGrafanaDashboards } from './dashboards.ts';
import { buildDestinationRule } from './destination-rule.ts';
import { checkEnvironment, checkServiceValues } from './diagnostics.ts';
import { buildIngress } from './ingress.ts';
import { buildPodMonitor, buildServiceMonitor } from './monitors.ts';
import { buildNamespace } from './namespace.ts';
import { buildMeshPeerAuthentication, buildServicePeerAuthentication } from './peer-authentication.ts';
import { buildTelemetry } from './telemetry.ts';
import { ISTIO_ROLLOUT, istioRolloutObjects } from './rollout.ts';
import type { ServiceIndex } from './virtual-service.ts';
import { ISTIO_EXPORTS, buildVirtualService } from './virtual-service.ts';
import { ISTIO_OVERLAPS } from './overlaps.ts';
import { ISTIO_DISCOVERY } from './discovery.ts';

/** The Istio backend (sidecar mode, Istio 1.22+: networking/security/telemetry.istio.io v1). */
export const istio: Backend = meshBackend({
  mesh: 'istio',
  title: 'Istio',
  minVersion: MIN_VERSION,
  systemNamespace: ISTIO_SYSTEM,
  // The namespace of Istio's gateway chart install instructions (istio.io "Installing Gateways").
  ingressNamespace: 'istio-ingress',
  capabilities: ISTIO_CAPABILITIES,
  chartVersions: ISTIO_CHART_VERSIONS,
  kinds: {
    config: [
      'PeerAuthentication',
      'Sidecar',
      'ServiceEntry',
      'WorkloadEntry',
      'WorkloadGroup',
      'DestinationRule',
      'EnvoyFilter',
      'WasmPlugin',
      'Telemetry',
    ],
    routes: ['VirtualService'],
    policies: ['RequestAuthentication', 'AuthorizationPolicy'],
  },
  diffNoise: ISTIO_DIFF_NOISE,
  minVersionReason: 'it emits the v1 APIs of networking, security and telemetry.istio.io',
  namespace: (name) => buildNamespace(name),
  emit: emitIstio,
  exports: ISTIO_EXPORTS,
  prerequisites: istioPrerequisites,
  importer: istioImporter,
  overlaps: ISTIO_OVERLAPS,
  discovery: ISTIO_DISCOVERY,
  rollout: ISTIO_ROLLOUT,
});

function emitIstio(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
  ctx: EmitContext,
): Omit<BackendOutput, 'namespaces'> {
  const ingress = buildIngress(env);
  const services = new Map(env.services.map((s) => [s.id, s]));
  // serviceObjects reads the service, the index and these two settings of the environment.
  const ingressPrincipal = env.mesh.ingress
    ? ingressGatewayPrincipal(env.mesh.ingress, env.mesh.trustDomain)
    : undefined;
  const key = `istio\0${env.mesh.trustDomain}\0${ingressPrincipal ?? ''}`;
  const memo = ctx.memo;
  // With a memo, each service and the index are taken as their representatives (EmitMemo.representative),
  // so that environments of another mTLS mode share the results too. Sound here: no builder of serviceObjects
  // reads `spec`, and the only reader of `mtls` is buildServicePeerAuthentication, of the service itself (or
  // its primaryView, which carries the same `mtls` and `mtlsOverride`) and only where the service sets it
  // (`mtlsOverride`); of the services found in the index, only `ports` are read (VirtualService ports). The
  // environment's mode reaches the output through the mesh-wide PeerAuthentication only (systemObjects).
  const seen = represented(env.services, services, memo, (s) => s.mtlsOverride);
  for (const s of seen.services) {
    // A namespace the render takes from the previous one: its objects are not wanted (they have no
    // findings of their own).
    if (ctx.only && !ctx.only.has(s.namespace)) continue;
    const route = ingress.routes.get(s.id);
    const objects = memo
      ? memo.get(s, key, seen.index, (recorded) =>
          memo.keep(serviceObjects(s, env.mesh.trustDomain, ingressPrincipal, recorded)),
        )
      : serviceObjects(s, env.mesh.trustDomain, ingressPrincipal, seen.index);
    namespaces.get(s.namespace)?.push(...objects, ...(route ? [route] : []));
  }
  const diagnostics: Diagnostic[] = [...checkEnvironment(env), ...ingress.diagnostics, ...takenFindings(ctx)];
  // What each namespace's services found, for a later render to take: the checks of their values, but in a
  // namespace the render takes with what the previous render recorded of it.
  const residue = new Residue();
  for (const s of env.services) {
    if (ctx.taken?.has(s.namespace)) continue;
    const checks = checkServiceValues(s, env);
    diagnostics.push(...checks);
    residue.add(s.namespace, checks);
  }
  const ca = buildCaCertificate(env.mesh.trust);
  return {
    // istiod reads `cacerts` when it starts (else it signs with a self-made root): the Certificate, and
    // the namespace it lives in, come before the charts.
    prerequisites: ca ? [controlPlaneNamespace(), ca] : [],
    system: systemObjects(env, ingress.system),
    charts: buildCharts(env),
    diagnostics,
    residue: residue.output(),
  };
}

/**
 * The objects of one service, in its namespace: a function of the service, the other services it reads from
 * the index, the trust domain and the ingress gateway's principal (the environment's, when it has one).
 */
function serviceObjects(
  s: ResolvedService,
  trustDomain: string,
  gatewayPrincipal: string | undefined,
  services: ServiceIndex,
): readonly K8sObject[] {
  const ingressPrincipal = s.ingress ? gatewayPrincipal : undefined;
  if (s.rollout) return istioRolloutObjects(s, trustDomain, ingressPrincipal);
  return [
    buildRootService(s),
    buildDestinationRule(s),
    buildVirtualService(s, services),
    buildServicePeerAuthentication(s),
    buildAuthorizationPolicy(s, trustDomain, ingressPrincipal),
  ].filter((o): o is K8sObject => o !== undefined);
}

/** The control-plane namespace, created ahead of the charts for the objects they need (no injection label). */
function controlPlaneNamespace(): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ISTIO_SYSTEM, labels: { ...MANAGED_BY_LABELS } },
  };
}

/** Mesh-wide objects: mTLS default, ingress gateway, metrics, dashboards, tracing. */
function systemObjects(env: ResolvedEnvironment, ingress: readonly K8sObject[]): K8sObject[] {
  const obs = env.mesh.observability;
  return [
    buildMeshPeerAuthentication(env.mesh.mtls),
    ...ingress,
    ...(obs.metrics === 'prometheus-operator' ? [buildPodMonitor(), buildServiceMonitor()] : []),
    ...(obs.dashboards ? buildGrafanaDashboards() : []),
    // The Telemetry names meshc's extension provider, which only exists with the install (else an error).
    env.mesh.install ? buildTelemetry(obs) : undefined,
  ].filter((o): o is K8sObject => o !== undefined);
}
