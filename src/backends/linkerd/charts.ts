import type { ResolvedEnvironment } from '../../model/types.ts';
import type { Values } from '../shared/merge.ts';
import { deepMerge } from '../shared/merge.ts';
import { isOlderThan } from '../shared/names.ts';
import type { ChartRelease } from '../types.ts';
import { LINKERD_NS, TRACING_SINCE } from './constants.ts';
import { WEBHOOKS } from './trust.ts';

/** Open-source Linkerd publishes edge releases only; `stable` stops at 2.14. */
export const LINKERD_REPO = { repoName: 'linkerd-edge', repoUrl: 'https://helm.linkerd.io/edge' } as const;

/**
 * linkerd-crds values that keep the chart away from the Gateway API CRDs: they are a prerequisite of meshc's
 * Linkerd environments at every version (meshc emits `gateway.networking.k8s.io/v1` HTTPRoutes and Gateways,
 * and the environment's ingress controller needs them too), so the chart must not install a second copy. Up to
 * 2.17 the chart installs them unless `enable*Routes` are false, in 2.18 unless `installGatewayAPI` is false;
 * from 2.19 these are the defaults. Keys a chart version does not know are ignored.
 */
export const NO_GATEWAY_API = {
  installGatewayAPI: false,
  enableHttpRoutes: false,
  enableTlsRoutes: false,
  enableTcpRoutes: false,
} as const;

/**
 * The control-plane releases, in install order: `linkerd-crds`, then `linkerd-control-plane`, both in
 * `linkerd`, version `install.chartVersion` (the edge chart version, e.g. `2025.4.4` for version-2.18). Empty
 * unless `mesh.install` is set.
 */
export function buildCharts(env: ResolvedEnvironment): ChartRelease[] {
  const install = env.mesh.install;
  if (!install) return [];
  const common = { ...LINKERD_REPO, version: install.chartVersion, namespace: LINKERD_NS };
  return [
    { name: 'linkerd-crds', chart: 'linkerd-crds', values: { ...NO_GATEWAY_API }, dependsOn: [], ...common },
    {
      name: 'linkerd-control-plane',
      chart: 'linkerd-control-plane',
      values: controlPlaneValues(env, install.values),
      dependsOn: ['linkerd-crds'],
      ...common,
    },
  ];
}

/**
 * linkerd-control-plane values: meshc's, with the user's `install.values` deep-merged over them (user wins).
 * - `identity.issuer.scheme: kubernetes.io/tls`, `identity.externalCA: true`: the issuer secret and the
 *   trust-roots ConfigMap come from outside the chart (cert-manager and trust-manager, or the user's
 *   existing secret), so no private key is rendered from values.
 * - `<webhook>.externalSecret: true` + `injectCaFrom`: webhook certificates from cert-manager (see
 *   `buildWebhookCertificates`) instead of `genSelfSignedCert` on every render.
 * - `identityTrustDomain`: the environment's `mesh.trustDomain`, the domain of every identity meshc writes into
 *   authorization policies (the chart's default is `clusterDomain`, `cluster.local`).
 * - `proxy.tracing` (2.19+) when the environment traces: OTLP export to the collector.
 */
export function controlPlaneValues(env: ResolvedEnvironment, user: Readonly<Values>): Values {
  const meshc: Values = {
    identityTrustDomain: env.mesh.trustDomain,
    identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } },
    ...Object.fromEntries(
      WEBHOOKS.map((w) => [w.value, { externalSecret: true, injectCaFrom: `${LINKERD_NS}/${w.name}` }]),
    ),
  };
  const tracing = env.mesh.observability.tracing;
  if (tracing && !isOlderThan(env.mesh.version, TRACING_SINCE)) {
    meshc.proxy = {
      tracing: { enabled: true, collector: { endpoint: `${tracing.host}:${tracing.port}` } },
    };
  }
  return deepMerge(meshc, user);
}
