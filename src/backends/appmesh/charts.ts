import type { ResolvedEnvironment } from '../../model/types.ts';
import { deepMerge, isPlainObject, type Values } from '../shared/merge.ts';
import type { ChartRelease } from '../types.ts';
import { APPMESH_NS, EKS_REPO, GATEWAY_CHART } from './constants.ts';
import { appmeshTrust } from './tls.ts';

/**
 * appmesh-controller values: meshc's, with the user's `install.values` deep-merged over them (user wins).
 * - `enableCertManager: true`: the webhook certificate comes from cert-manager (the chart renders its own
 *   self-signed Issuer and Certificate) instead of `genCA` at every render, which Argo CD would see as a new
 *   certificate on every sync.
 * - `sds.enabled: true` with `mesh.trust.sds` (Envoy reads certificates from the SPIRE agent's socket).
 * - `tracing` (Jaeger, through Envoy's Zipkin tracer) with `observability.tracing` (provider `zipkin`).
 * The AWS region (`region`) and the controller's IAM role (`serviceAccount.annotations`
 * `eks.amazonaws.com/role-arn`) are the user's: `install.values` must set them (checked by the diagnostics).
 */
export function controllerValues(env: ResolvedEnvironment, user: Readonly<Values>): Values {
  const meshc: Values = { enableCertManager: true };
  if (appmeshTrust(env)?.type === 'sds') meshc.sds = { enabled: true };
  const tracing = env.mesh.observability.tracing;
  if (tracing?.provider === 'zipkin')
    meshc.tracing = {
      enabled: true,
      provider: 'jaeger',
      address: tracing.host,
      port: tracing.port,
      samplingRate: tracing.sampling / 100,
    };
  return deepMerge(meshc, user);
}

/** The IAM role ARN of the controller, if `install.values` sets it. */
export function controllerRoleArn(values: Readonly<Values>): string | undefined {
  const sa = values.serviceAccount;
  const annotations = isPlainObject(sa) ? sa.annotations : undefined;
  const arn = isPlainObject(annotations) ? annotations['eks.amazonaws.com/role-arn'] : undefined;
  return typeof arn === 'string' && arn ? arn : undefined;
}

/**
 * The releases, in install order: `appmesh-controller` (its CRDs are in the chart's `crds/`, which Flux
 * replaces on upgrade with `crds: CreateReplace`) in appmesh-system, version `install.chartVersion`; and, when
 * services are exposed through the native ingress, eks-charts `appmesh-gateway` in the ingress namespace for the
 * gateway's Envoy Deployment and LoadBalancer Service (`fullnameOverride: <className>`; its own VirtualGateway
 * off, meshc emits it). Empty unless `mesh.install` is set.
 */
export function buildCharts(env: ResolvedEnvironment, withGateway: boolean): ChartRelease[] {
  const install = env.mesh.install;
  if (!install) return [];
  const out: ChartRelease[] = [
    {
      name: 'appmesh-controller',
      ...EKS_REPO,
      chart: 'appmesh-controller',
      version: install.chartVersion,
      namespace: APPMESH_NS,
      values: controllerValues(env, install.values),
      dependsOn: [],
    },
  ];
  const ingress = env.mesh.ingress;
  if (withGateway && ingress)
    out.push({
      name: 'appmesh-gateway',
      ...EKS_REPO,
      chart: GATEWAY_CHART.chart,
      version: GATEWAY_CHART.version,
      namespace: ingress.namespace,
      values: { fullnameOverride: ingress.className, appmesh: { gateway: false } },
      dependsOn: ['appmesh-controller'],
    });
  return out;
}
