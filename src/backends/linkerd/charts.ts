import { createHash } from 'node:crypto';
import type { ResolvedEnvironment } from '../../model/types.ts';
import type { Values } from '../shared/merge.ts';
import { deepMerge, isPlainObject } from '../shared/merge.ts';
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
    // linkerd/linkerd2 charts/linkerd-crds/templates/: the CRDs are templates, without the keep annotation.
    {
      name: 'linkerd-crds',
      chart: 'linkerd-crds',
      values: { ...NO_GATEWAY_API },
      dependsOn: [],
      templatedCrds: true,
      ...common,
    },
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
 * linkerd-control-plane values: meshc's, with the user's `install.values` deep-merged over them (user wins,
 * except on the keys of {@link pinnedValues}, which the diagnostics refuse to see contradicted).
 * - `identity.issuer.scheme: kubernetes.io/tls`, `identity.externalCA: true`: the issuer secret and the
 *   trust-roots ConfigMap come from outside the chart (cert-manager and trust-manager, or the user's
 *   existing secret), so no private key is rendered from values.
 * - `<webhook>.externalSecret: true` + `injectCaFrom`: webhook certificates from cert-manager (see
 *   `buildWebhookCertificates`) instead of `genSelfSignedCert` on every render.
 * - `identityTrustDomain`: the environment's `mesh.trustDomain`, the domain of every identity meshc writes into
 *   authorization policies (the chart's default is `clusterDomain`, `cluster.local`).
 * - `heartbeatSchedule`: a fixed daily time derived from the environment's name ({@link heartbeatSchedule});
 *   the chart otherwise schedules the heartbeat CronJob ten minutes after each render, so every `helm
 *   template` (Argo CD's refresh) changes it.
 * - `proxy.tracing` (2.19+) when the environment traces: OTLP export to the collector, and the namespace of
 *   the collector's mesh identity when the collector's host names it (`<service>.<namespace>`, see
 *   {@link collectorNamespace}); its service account comes from `install.values` (no spec field gives it).
 */
export function controlPlaneValues(env: ResolvedEnvironment, user: Readonly<Values>): Values {
  return deepMerge(meshcValues(env), user);
}

/** meshc's own linkerd-control-plane values (controlPlaneValues), before the user's. */
function meshcValues(env: ResolvedEnvironment): Values {
  const meshc: Values = {
    identityTrustDomain: env.mesh.trustDomain,
    identity: { externalCA: true, issuer: { scheme: 'kubernetes.io/tls' } },
    ...Object.fromEntries(
      WEBHOOKS.map((w) => [w.value, { externalSecret: true, injectCaFrom: `${LINKERD_NS}/${w.name}` }]),
    ),
    heartbeatSchedule: heartbeatSchedule(env.name),
  };
  const tracing = env.mesh.observability.tracing;
  if (tracing && !isOlderThan(env.mesh.version, TRACING_SINCE)) {
    const namespace = collectorNamespace(tracing.host);
    meshc.proxy = {
      tracing: {
        enabled: true,
        collector: {
          endpoint: `${tracing.host}:${tracing.port}`,
          ...(namespace !== undefined ? { meshIdentity: { namespace } } : {}),
        },
      },
    };
  }
  return meshc;
}

/**
 * The heartbeat CronJob's schedule: a daily minute and hour derived from the environment's name (SHA-256), so
 * that each render gives the same schedule and clusters do not all call at once, as the chart's own
 * render-time choice intends.
 */
export function heartbeatSchedule(envName: string): string {
  const n = createHash('sha256').update(envName).digest().readUInt32BE(0);
  return `${n % 60} ${Math.floor(n / 60) % 24} * * *`;
}

/**
 * The namespace of the collector a tracing host names by cluster DNS (`<service>.<namespace>`, optionally
 * followed by `.svc` and the cluster domain), or undefined for any other host (an IP address, an external name).
 */
export function collectorNamespace(host: string): string | undefined {
  const labels = host.split('.');
  if (labels.some((l) => l === '') || /^[0-9.]+$/.test(host) || host.includes(':')) return undefined;
  return labels.length === 2 || (labels.length >= 3 && labels[2] === 'svc') ? labels[1] : undefined;
}

/** A linkerd-control-plane value meshc sets for a reason, which `install.values` must not contradict. */
export interface PinnedValue {
  /** The key's path in the values. */
  readonly path: readonly string[];
  readonly value: unknown;
  /** What a different value breaks. */
  readonly why: string;
  /** How to get what the user wants instead (the spec field that decides the value). */
  readonly instead: string;
}

/**
 * The linkerd-control-plane values meshc sets on purpose (meshcValues), each with what another value would
 * break: the identity trust domain every MeshTLSAuthentication uses, the external issuer and trust roots, the
 * webhook certificates from cert-manager, and the proxies' tracing. The heartbeat schedule and the tracing
 * collector's mesh identity are left to the user.
 */
export function pinnedValues(env: ResolvedEnvironment): PinnedValue[] {
  const trustVia =
    'mesh.trust decides where the issuer and the trust roots come from (certManager, or existingSecret with the ConfigMap linkerd-identity-trust-roots)';
  const out: PinnedValue[] = [
    {
      path: ['identityTrustDomain'],
      value: env.mesh.trustDomain,
      why: 'every identity meshc writes into MeshTLSAuthentications uses mesh.trustDomain, so no caller would match',
      instead:
        'Set mesh.trustDomain to the trust domain you want and remove identityTrustDomain from install.values',
    },
    {
      path: ['identity', 'externalCA'],
      value: true,
      why: 'the chart would render its own ConfigMap linkerd-identity-trust-roots from identityTrustAnchorsPEM, fighting the one trust-manager (or you) provides',
      instead: `Remove it from install.values: ${trustVia}`,
    },
    {
      path: ['identity', 'issuer', 'scheme'],
      value: 'kubernetes.io/tls',
      why: 'the chart would render the issuer Secret linkerd-identity-issuer from identity.issuer.tls (a private key in git), fighting the one cert-manager (or you) provides',
      instead: `Remove it from install.values: ${trustVia}`,
    },
  ];
  for (const w of WEBHOOKS) {
    out.push(
      {
        path: [w.value, 'externalSecret'],
        value: true,
        why: `the chart would mint the ${w.name} certificate with genSelfSignedCert on every render (a new one on each Argo CD sync), fighting cert-manager's Certificate ${w.name}`,
        instead: `Remove it from install.values: meshc issues the webhook certificates from cert-manager whenever mesh.install is set`,
      },
      {
        path: [w.value, 'injectCaFrom'],
        value: `${LINKERD_NS}/${w.name}`,
        why: `the webhook's caBundle must come from the Certificate ${LINKERD_NS}/${w.name} that signs its serving certificate, or the API server refuses to call it`,
        instead: `Remove it from install.values: meshc issues the webhook certificates from cert-manager whenever mesh.install is set`,
      },
    );
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing && !isOlderThan(env.mesh.version, TRACING_SINCE)) {
    const instead = 'Set observability.tracing (or remove it) and remove this key from install.values';
    out.push(
      {
        path: ['proxy', 'tracing', 'enabled'],
        value: true,
        why: 'observability.tracing asks the proxies to export traces',
        instead,
      },
      {
        path: ['proxy', 'tracing', 'collector', 'endpoint'],
        value: `${tracing.host}:${tracing.port}`,
        why: 'observability.tracing names the collector (host and port)',
        instead,
      },
    );
  }
  return out;
}

/**
 * The pinned values `user` contradicts: each with the path of the user's value that overrides it (the key
 * itself, or a value on the way that is not a map, which replaces everything under it) and that value.
 */
export function contradictedValues(
  pinned: readonly PinnedValue[],
  user: Readonly<Values>,
): { pinned: PinnedValue; at: readonly string[]; value: unknown }[] {
  const out: { pinned: PinnedValue; at: readonly string[]; value: unknown }[] = [];
  for (const p of pinned) {
    let node: unknown = user;
    for (const [i, key] of p.path.entries()) {
      if (!isPlainObject(node) || !(key in node)) break;
      const value = node[key];
      const last = i === p.path.length - 1;
      if (last ? value !== p.value : !isPlainObject(value)) {
        out.push({ pinned: p, at: p.path.slice(0, i + 1), value });
        break;
      }
      node = value;
    }
  }
  // One finding per user value (a map replaced on the way contradicts every key under it).
  const seen = new Set<string>();
  return out.filter((c) => {
    const key = JSON.stringify(c.at);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
