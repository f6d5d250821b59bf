import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ExportList } from '../../model/exports.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { EmitMemo } from '../shared/emit-memo.ts';
import { buildRootService, buildVersionService } from '../shared/kubernetes-service.ts';
import { meshBackend } from '../shared/skeleton.ts';
import type { Backend, BackendOutput, EmitContext } from '../types.ts';
import { APPMESH_CAPABILITIES } from './capabilities.ts';
import { buildCharts } from './charts.ts';
import { APPMESH_CHART_VERSIONS } from './chart-versions.ts';
import { APPMESH_INGRESS_NS, APPMESH_NS, MIN_VERSION } from './constants.ts';
import { checkEnvironment, checkRoutedAccess, checkService } from './diagnostics.ts';
import { APPMESH_DIFF_NOISE } from './diff-noise.ts';
import { APPMESH_OVERLAPS } from './overlaps.ts';
import { APPMESH_DISCOVERY } from './discovery.ts';
import { appmeshImporter } from './import.ts';
import { buildIngress } from './ingress.ts';
import { APPMESH_PEER, backendsOf, nodesOf } from './model.ts';
import { buildMesh, buildNamespace, meshName } from './mesh.ts';
import { buildEnvoyPodMonitor } from './monitors.ts';
import { appmeshPrerequisites } from './prerequisites.ts';
import { appmeshTrust, type AppMeshTrust, type Identity } from './tls.ts';
import { APPMESH_ROLLOUT, appmeshRolloutObjects, canaryBackends, virtualServiceArns } from './rollout.ts';
import { buildVirtualNodes } from './virtual-node.ts';
import {
  buildVirtualRouter,
  buildVirtualService,
  listenerTimeouts,
  type ServiceIndex,
} from './virtual-router.ts';

/** What App Mesh's objects of one namespace read of the services of others (Backend.exports). */
const APPMESH_EXPORTS = [...APPMESH_PEER, 'access'] as const satisfies ExportList;

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
  chartVersions: APPMESH_CHART_VERSIONS,
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
  // What its builders read of the services a node lists as backends or a route reaches (APPMESH_PEER), and
  // what decides, over the whole environment, which services a node lists (`access`: who may call whom).
  exports: APPMESH_EXPORTS,
  // Those members, and whether the service is rolled out: a Canary names a VirtualService of another namespace
  // by its ARN, whose awsName is Flagger's for a rolled-out service (rollout.ts, canaryBackends).
  peerView: (s) => ({
    ...Object.fromEntries(APPMESH_EXPORTS.map((m) => [m, s[m]])),
    rollout: s.rollout !== undefined,
  }),
  prerequisites: appmeshPrerequisites,
  rollout: APPMESH_ROLLOUT,
  importer: appmeshImporter,
});

function emitAppMesh(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
  ctx: EmitContext,
): Omit<BackendOutput, 'namespaces'> {
  const services = new Map(env.services.map((s) => [s.id, s]));
  const trust = appmeshTrust(env);
  const memo = ctx.memo;
  const ingress = buildIngress(env, meshName(env), trust, services, memo);
  // A service's findings read the service and the index only.
  const check = (s: ResolvedService) =>
    memo
      ? memo.get(s, 'appmesh-check', services, (index) => checkService(s, index))
      : checkService(s, services);
  const diagnostics: Diagnostic[] = [
    ...checkEnvironment(env, check),
    ...ingress.diagnostics,
    ...checkRoutedAccess(env, trust, ingress.gateway?.identity),
  ];
  const settings: ServiceSettings = {
    trust,
    trustDomain: env.mesh.trustDomain,
    gateway: ingress.gateway?.identity,
  };
  // serviceObjects reads the service, the index, these settings and two values the whole environment
  // decides for the service (its backends: who admits it; its nodes' listener timeouts: who routes to them
  // with a long timeout). All of them but the service and the index are in the key.
  const settingsKey = JSON.stringify([
    settings.trustDomain,
    settings.trust ?? null,
    settings.gateway ? [settings.gateway.namespace, settings.gateway.serviceAccount] : null,
  ]);
  const backends = backendsOf(env);
  const arns = virtualServiceArns(env);
  const timeouts = listenerTimeouts(env.services, services);
  for (const s of env.services) {
    // A namespace the render takes from the previous one: no objects wanted, and serviceObjects finds nothing
    // (the findings are checkEnvironment's, of every service).
    if (ctx.only && !ctx.only.has(s.namespace)) continue;
    const own: ServiceInputs = {
      backends: s.rollout
        ? canaryBackends(s, backends.get(s.id) ?? [], arns)
        : (backends.get(s.id) ?? []).map((b) => b.id),
      timeouts: nodesOf(s).map((n) => timeouts.get(`${n.namespace}/${n.name}`)),
    };
    // The backends are ids or (a Canary's) names and ARNs, which may hold anything the chart values do: as JSON.
    // A timeout is a number or empty: the key is unambiguous.
    const key = `appmesh\0${settingsKey}\0${JSON.stringify(own.backends)}\0${own.timeouts.join(' ')}`;
    const objects = memo
      ? memo.get(s, key, services, (index) => memo.keep(serviceObjects(s, own, settings, index, memo)))
      : serviceObjects(s, own, settings, services, undefined);
    namespaces.get(s.namespace)?.push(...objects, ...(ingress.routes.get(s.id) ?? []));
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

/** The mesh settings of the environment a service's objects read. */
interface ServiceSettings {
  readonly trust: AppMeshTrust | undefined;
  readonly trustDomain: string;
  readonly gateway: Identity | undefined;
}

/**
 * What the environment as a whole decides for one service: see NodeContext. A rolled-out service's `backends`
 * are its Canary's instead (rollout.ts, canaryBackends: names in its namespace, ARNs elsewhere).
 */
interface ServiceInputs {
  readonly backends: readonly string[];
  readonly timeouts: readonly (number | undefined)[];
}

/**
 * The objects of one service in its namespace (its GatewayRoutes aside): a function of the service, its
 * inputs, the settings and the other services it reads from the index. `memo` only shares the backends'
 * reachable nodes (reachableNodesOf), which read the index through `services` too.
 */
function serviceObjects(
  s: ResolvedService,
  own: ServiceInputs,
  settings: ServiceSettings,
  services: ServiceIndex,
  memo: EmitMemo | undefined,
): readonly K8sObject[] {
  if (s.rollout)
    // Flagger generates the service's Services, VirtualNodes, VirtualRouter and VirtualService.
    return appmeshRolloutObjects(s, own.backends);
  const root = buildRootService(s);
  return [
    ...(root ? [root] : []),
    ...s.versions.map((v) => buildVersionService(s, v)),
    ...buildVirtualNodes(s, { ...settings, ...own, services, memo }),
    buildVirtualRouter(s, services),
    buildVirtualService(s),
  ];
}
