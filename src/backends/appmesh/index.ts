import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { buildRootService, buildVersionService } from '../shared/kubernetes-service.ts';
import { meshBackend } from '../shared/skeleton.ts';
import type { Backend, BackendOutput } from '../types.ts';
import { APPMESH_CAPABILITIES } from './capabilities.ts';
import { buildCharts } from './charts.ts';
import { APPMESH_INGRESS_NS, APPMESH_NS, MIN_VERSION } from './constants.ts';
import { checkEnvironment } from './diagnostics.ts';
import { APPMESH_DIFF_NOISE } from './diff-noise.ts';
import { APPMESH_OVERLAPS } from './overlaps.ts';
import { APPMESH_DISCOVERY } from './discovery.ts';
import { appmeshImporter } from './import.ts';
import { buildIngress } from './ingress.ts';
import { backendsOf } from './model.ts';
import { buildMesh, buildNamespace, meshName } from './mesh.ts';
import { buildEnvoyPodMonitor } from './monitors.ts';
import { appmeshPrerequisites } from './prerequisites.ts';
import { appmeshTrust, type Identity } from './tls.ts';
import { APPMESH_ROLLOUT, appmeshRolloutObjects } from './rollout.ts';
import { buildVirtualNodes } from './virtual-node.ts';
import { buildVirtualRouter, buildVirtualService, listenerTimeouts } from './virtual-router.ts';

/**
 * The AWS App Mesh backend (controller 1.13+, `appmesh.k8s.aws/v1beta2`). App Mesh reached its end of support
 * on 2026-09-30: every environment says so, once, with the command that previews the move to another mesh.
 */
export const appmesh: Backend = meshBackend({
  mesh: 'appmesh',
  title: 'App Mesh',
  minVersion: MIN_VERSION,
  minVersionReason:
    "the controller's last release line (1.13, chart appmesh-controller 1.13.x); meshc validates its objects against that release's CRDs",
  systemNamespace: APPMESH_NS,
  ingressNamespace: APPMESH_INGRESS_NS,
  capabilities: APPMESH_CAPABILITIES,
  kinds: {
    // The Mesh first, nodes before the routers that target them. VirtualService (Istio's kind name too) shares
    // the routes rank: after the routers it names, and GatewayRoutes after the VirtualGateway and the
    // VirtualServices they target.
    config: ['Mesh', 'VirtualNode', 'VirtualRouter'],
    gateways: ['VirtualGateway'],
    routes: ['VirtualService', 'GatewayRoute'],
  },
  diffNoise: APPMESH_DIFF_NOISE,
  overlaps: APPMESH_OVERLAPS,
  discovery: APPMESH_DISCOVERY,
  namespace: (name, env) => buildNamespace(name, meshName(env)),
  emit: emitAppMesh,
  prerequisites: appmeshPrerequisites,
  rollout: APPMESH_ROLLOUT,
  importer: appmeshImporter,
});

/**
 * The identities a service's listeners accept under SDS trust: the callers its access rules name (and the
 * ingress gateway when it is exposed). Absent when any caller may connect (no rules, or a `*` rule).
 */
function allowedCallers(
  env: ResolvedEnvironment,
  gateway: Identity | undefined,
): Map<string, readonly Identity[]> {
  const out = new Map<string, readonly Identity[]>();
  if (appmeshTrust(env)?.type !== 'sds') return out;
  for (const s of env.services) {
    if (!s.access || s.access.some((r) => r.from.some((c) => c.kind === 'any'))) continue;
    const ids: Identity[] = [];
    for (const r of s.access)
      for (const c of r.from)
        if (c.kind === 'service') ids.push({ namespace: c.namespace, serviceAccount: c.serviceAccount });
    if (s.ingress && gateway) ids.push(gateway);
    const unique = new Map(ids.map((i) => [`${i.namespace}/${i.serviceAccount}`, i]));
    out.set(
      s.id,
      [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i),
    );
  }
  return out;
}

function emitAppMesh(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
): Omit<BackendOutput, 'namespaces'> {
  const services = new Map<string, ResolvedService>(env.services.map((s) => [s.id, s]));
  const trust = appmeshTrust(env);
  const ingress = buildIngress(env, meshName(env), trust, services);
  const diagnostics: Diagnostic[] = [...checkEnvironment(env, services), ...ingress.diagnostics];
  const ctx = {
    services,
    trust,
    trustDomain: env.mesh.trustDomain,
    backends: backendsOf(env),
    listenerTimeouts: listenerTimeouts(env.services, services),
    allowedCallers: allowedCallers(env, ingress.gateway?.identity),
  };
  for (const s of env.services) {
    if (s.rollout) {
      // Flagger generates the service's Services, VirtualNodes, VirtualRouter and VirtualService.
      namespaces
        .get(s.namespace)
        ?.push(
          ...appmeshRolloutObjects(s, ctx.backends.get(s.id) ?? []),
          ...(ingress.routes.get(s.id) ?? []),
        );
      continue;
    }
    const root = buildRootService(s);
    namespaces
      .get(s.namespace)
      ?.push(
        ...(root ? [root] : []),
        ...s.versions.map((v) => buildVersionService(s, v)),
        ...buildVirtualNodes(s, ctx),
        buildVirtualRouter(s, services),
        buildVirtualService(s),
        ...(ingress.routes.get(s.id) ?? []),
      );
  }
  const obs = env.mesh.observability;
  return {
    system: [
      buildMesh(env),
      ...ingress.system,
      ...(obs.metrics === 'prometheus-operator' ? [buildEnvoyPodMonitor()] : []),
    ],
    charts: buildCharts(env),
    diagnostics,
  };
}
