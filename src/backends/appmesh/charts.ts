import type { ResolvedEnvironment } from '../../model/types.ts';
import { deepMerge, isPlainObject, type Values } from '../shared/merge.ts';
import type { ChartRelease, RuntimeField } from '../types.ts';
import { APPMESH_NS, EKS_REPO } from './constants.ts';
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
 * The release: `appmesh-controller` (its CRDs are in the chart's `crds/`, which Flux replaces on upgrade with
 * `crds: CreateReplace`) in appmesh-system, version `install.chartVersion`. Empty unless `mesh.install` is set.
 *
 * The ingress gateway's Envoy workload is not a release here: its pods are refused by the controller's injector
 * until the VirtualGateway selecting them exists, and the VirtualGateway (a custom resource of this chart) is
 * applied after the install, so a release waiting for its pods would never become ready. It is a prerequisite
 * applied after meshc's mesh-wide objects (see prerequisites.ts).
 */
export function buildCharts(env: ResolvedEnvironment): ChartRelease[] {
  const install = env.mesh.install;
  if (!install) return [];
  return [
    {
      name: 'appmesh-controller',
      ...EKS_REPO,
      chart: 'appmesh-controller',
      version: install.chartVersion,
      namespace: APPMESH_NS,
      values: controllerValues(env, install.values),
      dependsOn: [],
      runtimeFields: webhookCaBundles(),
    },
  ];
}

/**
 * The webhook configurations of the chart (release `appmesh-controller`, so that is their name prefix) carry a
 * placeholder `caBundle` (`Cg==`) with `enableCertManager`, which cert-manager's CA injector replaces: one
 * mutating webhook per App Mesh resource (7) plus the pod injector, one validating webhook per resource
 * (eks-charts `stable/appmesh-controller/templates/webhook.yaml`, `webhookconfig.yaml`).
 */
export function webhookCaBundles(): RuntimeField[] {
  const reason =
    "cert-manager's CA injector writes the CA of the webhook certificate over the chart's placeholder";
  const field = (kind: string, name: string, i: number): RuntimeField => ({
    group: 'admissionregistration.k8s.io',
    kind,
    name,
    pointer: `/webhooks/${i}/clientConfig/caBundle`,
    reason,
  });
  return [
    ...Array.from({ length: 8 }, (_, i) =>
      field('MutatingWebhookConfiguration', 'appmesh-controller-mutating-webhook-configuration', i),
    ),
    ...Array.from({ length: 7 }, (_, i) =>
      field('ValidatingWebhookConfiguration', 'appmesh-controller-validating-webhook-configuration', i),
    ),
  ];
}
