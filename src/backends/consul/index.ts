import { represented } from '../shared/emit-memo.ts';
import { Residue, takenFindings } from '../shared/residue.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { buildRootService } from '../shared/kubernetes-service.ts';
import { meshBackend } from '../shared/skeleton.ts';
import type { Backend, BackendOutput, EmitContext } from '../types.ts';
import { CONSUL_CAPABILITIES } from './capabilities.ts';
import type { ServiceIndex } from './chain.ts';
import { CONSUL_PEER, buildChain, wholeTargets } from './chain.ts';
import { buildCharts } from './charts.ts';
import { CONSUL_CHART_VERSIONS } from './chart-versions.ts';
import { CONSUL_NS, MIN_VERSION } from './constants.ts';
import { buildGrafanaDashboards } from './dashboards.ts';
import { checkEnvironment, checkService } from './diagnostics.ts';
import { CONSUL_DIFF_NOISE } from './diff-noise.ts';
import { consulImporter } from './import.ts';
import { CONSUL_OVERLAPS } from './overlaps.ts';
import { CONSUL_DISCOVERY } from './discovery.ts';
import { INGRESS_SOURCE, buildIngress } from './ingress.ts';
import { buildIntentions } from './intentions.ts';
import { buildMesh, buildProxyDefaults } from './mesh.ts';
import { buildPodMonitor } from './monitors.ts';
import { buildNamespace } from './namespace.ts';
import { consulPrerequisites } from './prerequisites.ts';
import { buildResolver, buildServiceDefaults, callerIds, upstreamOverride } from './services.ts';

/** The Consul backend (Consul on Kubernetes 1.16+, Community Edition: config entry CRDs, the API gateway). */
export const consul: Backend = meshBackend({
  mesh: 'consul',
  title: 'Consul',
  minVersion: MIN_VERSION,
  minVersionReason:
    'its built-in API gateway serves Gateway API Gateways, and ServiceDefaults take mutualTLSMode, both new in 1.16',
  systemNamespace: CONSUL_NS,
  capabilities: CONSUL_CAPABILITIES,
  chartVersions: CONSUL_CHART_VERSIONS,
  kinds: {
    // Mesh and ProxyDefaults first (permissive mTLS must be allowed before a service asks for it), then each
    // service's protocol (ServiceDefaults) before the chain entries that need an L7 protocol.
    config: ['Mesh', 'ProxyDefaults', 'ServiceDefaults', 'ServiceResolver', 'ServiceSplitter'],
    routes: ['ServiceRouter'],
    policies: ['ServiceIntentions'],
  },
  diffNoise: CONSUL_DIFF_NOISE,
  overlaps: CONSUL_OVERLAPS,
  discovery: CONSUL_DISCOVERY,
  namespace: (name) => buildNamespace(name),
  emit: emitConsul,
  // What its builders read of a route target or a callee (CONSUL_PEER), and what decides, over the whole
  // environment, whose ServiceDefaults carry a service's resilience (`access`: its callers) and whether a
  // route sends to a service as a whole (`routes`).
  exports: [...CONSUL_PEER, 'access', 'routes'],
  // Of the routes, only the services they send to as a whole (what wholeTargets makes of this service's own).
  peerView: (s) => ({
    id: s.id,
    resilience: s.resilience,
    serviceAccount: s.serviceAccount,
    access: s.access ?? null,
    whole: [...wholeTargets(new Map([[s.id, s]]))].sort(),
  }),
  prerequisites: consulPrerequisites,
  importer: consulImporter,
});

function emitConsul(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
  ctx: EmitContext,
): Omit<BackendOutput, 'namespaces'> {
  const services = new Map(env.services.map((s) => [s.id, s]));
  const ingress = buildIngress(env);
  // Resilience is written into the ServiceDefaults of each known caller (Consul's upstreamConfig): the
  // callees each service carries the overrides of, in the environment's order. A reverse relation (a caller
  // does not name its callees), so it is part of each service's memo key; the callees themselves are read
  // through the index inside serviceObjects, so their identity is checked like every other read.
  const calleesOf = new Map<string, string[]>();
  for (const callee of env.services)
    for (const id of callerIds(callee)) {
      const list = calleesOf.get(id);
      if (list) list.push(callee.id);
      else calleesOf.set(id, [callee.id]);
    }
  // Whether a route of any service sends to a service as a whole: a read of the whole index, computed once
  // here and handed to each service as one boolean of its key.
  const whole = wholeTargets(services);
  // serviceObjects reads the service, the index and these settings of the environment.
  const exposing = env.mesh.ingress !== undefined;
  const key = `consul\0${env.mesh.version}\0${exposing ? 'ingress' : ''}`;
  const memo = ctx.memo;
  // With a memo, each service and the index are taken as their representatives (EmitMemo.representative),
  // so that environments of another mTLS mode share the results too. Sound here: no builder of serviceObjects
  // reads `spec`, nor the `mtls` of a service it finds in the index; a service's own `mtls` is read only
  // where the service sets it (`mtlsOverride`: ServiceDefaults `mutualTLSMode`).
  const seen = represented(env.services, services, memo, (s) => s.mtlsOverride);
  const index = seen.index;
  const own = seen.services.map((s) => {
    // A namespace the render takes with what the previous render recorded of it (its services' findings):
    // only the findings checkEnvironment groups across the environment are computed (checkService).
    if (ctx.taken?.has(s.namespace)) return { objects: [], diagnostics: [], checks: checkService(s, index) };
    const callees = calleesOf.get(s.id) ?? [];
    const isWhole = whole.has(s.id);
    const compute = (recorded: ServiceIndex) =>
      serviceObjects(s, recorded, callees, isWhole, env.mesh.version, exposing);
    // A namespace the render takes from the previous one (`only`) without a record: its services' findings
    // are still wanted, their objects are not (and are not interned).
    const wanted = !ctx.only || ctx.only.has(s.namespace);
    const memoKey = `${key}\0${isWhole ? 'whole' : ''}\0${callees.join('\0')}${wanted ? '' : '\0unwanted'}`;
    return memo
      ? memo.get(s, memoKey, index, (recorded) => {
          const r = compute(recorded);
          return { ...r, objects: wanted ? memo.keep(r.objects) : [] };
        })
      : compute(index);
  });
  const diagnostics: Diagnostic[] = [
    ...checkEnvironment(env, (_s, i) => own[i]!.checks),
    ...ingress.diagnostics,
  ];
  // What each namespace's services found (checkEnvironment's findings aside), for a later render to take.
  const residue = new Residue();
  env.services.forEach((s, i) => {
    if (ctx.taken?.has(s.namespace)) return;
    const route = ingress.routes.get(s.id);
    namespaces.get(s.namespace)?.push(...own[i]!.objects, ...(route ? [route] : []));
    diagnostics.push(...own[i]!.diagnostics);
    residue.add(s.namespace, own[i]!.diagnostics);
  });
  diagnostics.push(...takenFindings(ctx));
  const obs = env.mesh.observability;
  const system = [
    buildMesh(env),
    buildProxyDefaults(obs),
    ...ingress.system,
    ...(obs.metrics === 'prometheus-operator' ? [buildPodMonitor()] : []),
    ...(obs.dashboards ? buildGrafanaDashboards() : []),
  ].filter((o): o is K8sObject => o !== undefined);
  return {
    system,
    charts: buildCharts(env),
    diagnostics,
    residue: residue.output(),
  };
}

/**
 * The objects and findings of one service (its ingress route aside): a function of the service, what it
 * reads of the index (its route targets, its callers, the callees whose resilience it carries), the ids of
 * those callees, whether some route sends to it as a whole, the Consul version and whether the environment
 * has an ingress gateway. `checks` are its findings that checkEnvironment lists, `diagnostics` the others.
 */
function serviceObjects(
  s: ResolvedService,
  services: ServiceIndex,
  callees: readonly string[],
  whole: boolean,
  version: string,
  exposing: boolean,
): { objects: readonly K8sObject[]; diagnostics: readonly Diagnostic[]; checks: readonly Diagnostic[] } {
  const overrides: Record<string, unknown>[] = [];
  for (const id of callees) {
    const o = upstreamOverride(services.get(id)!);
    if (o) overrides.push(o);
  }
  const resolver = buildResolver(s);
  const chain = buildChain(s, services, whole, version);
  const intentions = buildIntentions(s, exposing && s.ingress !== undefined ? INGRESS_SOURCE : undefined);
  const root = buildRootService(s);
  return {
    objects: [
      ...(root ? [root] : []),
      buildServiceDefaults(s, overrides),
      ...(resolver.object ? [resolver.object] : []),
      ...chain.objects,
      intentions.object,
    ],
    diagnostics: [...resolver.diagnostics, ...chain.diagnostics, ...intentions.diagnostics],
    checks: checkService(s, services),
  };
}
