import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { buildRootService } from '../shared/kubernetes-service.ts';
import { meshBackend } from '../shared/skeleton.ts';
import type { Backend, BackendOutput } from '../types.ts';
import { CONSUL_CAPABILITIES } from './capabilities.ts';
import type { ServiceIndex } from './chain.ts';
import { buildChain, wholeTargets } from './chain.ts';
import { buildCharts } from './charts.ts';
import { CONSUL_NS, MIN_VERSION } from './constants.ts';
import { buildGrafanaDashboards } from './dashboards.ts';
import { checkEnvironment } from './diagnostics.ts';
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
import { buildResolver, buildServiceDefaults, knownCallers, upstreamOverride } from './services.ts';

/** The Consul backend (Consul on Kubernetes 1.16+, Community Edition: config entry CRDs, the API gateway). */
export const consul: Backend = meshBackend({
  mesh: 'consul',
  title: 'Consul',
  minVersion: MIN_VERSION,
  minVersionReason:
    'its built-in API gateway serves Gateway API Gateways, and ServiceDefaults take mutualTLSMode, both new in 1.16',
  systemNamespace: CONSUL_NS,
  capabilities: CONSUL_CAPABILITIES,
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
  prerequisites: consulPrerequisites,
  importer: consulImporter,
});

function emitConsul(
  env: ResolvedEnvironment,
  namespaces: ReadonlyMap<string, K8sObject[]>,
): Omit<BackendOutput, 'namespaces'> {
  const services: ServiceIndex = new Map(env.services.map((s) => [s.id, s]));
  const ingress = buildIngress(env);
  const diagnostics: Diagnostic[] = [...checkEnvironment(env, services), ...ingress.diagnostics];
  // Resilience is written into the ServiceDefaults of each known caller (Consul's upstreamConfig).
  const overrides = new Map<string, Record<string, unknown>[]>();
  for (const callee of env.services) {
    const o = upstreamOverride(callee);
    if (!o) continue;
    for (const caller of knownCallers(callee, services))
      overrides.set(caller.id, [...(overrides.get(caller.id) ?? []), o]);
  }
  const whole = wholeTargets(services);
  for (const s of env.services) {
    const resolver = buildResolver(s);
    const chain = buildChain(s, services, whole, env.mesh.version);
    const exposed = s.ingress !== undefined && env.mesh.ingress !== undefined;
    const intentions = buildIntentions(s, exposed ? INGRESS_SOURCE : undefined);
    const route = ingress.routes.get(s.id);
    namespaces
      .get(s.namespace)
      ?.push(
        ...[buildRootService(s)].filter((o): o is K8sObject => o !== undefined),
        buildServiceDefaults(s, overrides.get(s.id) ?? []),
        ...(resolver.object ? [resolver.object] : []),
        ...chain.objects,
        intentions.object,
        ...(route ? [route] : []),
      );
    diagnostics.push(...resolver.diagnostics, ...chain.diagnostics, ...intentions.diagnostics);
  }
  const obs = env.mesh.observability;
  const system = [
    buildMesh(env),
    buildProxyDefaults(obs),
    ...ingress.system,
    ...(obs.metrics === 'prometheus-operator' ? [buildPodMonitor()] : []),
    ...(obs.dashboards ? buildGrafanaDashboards() : []),
  ].filter((o): o is K8sObject => o !== undefined);
  return { system, charts: buildCharts(env), diagnostics };
}
