import type { Duration } from '../../model/types.ts';

/** The namespace of the App Mesh controller (eks-charts `appmesh-controller` README). */
export const APPMESH_NS = 'appmesh-system';
/** Default namespace of the ingress gateway (VirtualGateway, its Envoy Deployment and Service). */
export const APPMESH_INGRESS_NS = 'appmesh-ingress';
/**
 * Oldest controller version meshc renders: the last release line (chart `appmesh-controller` 1.13.x), whose
 * CRDs (`../shared/crds/appmesh`, controller v1.13.3) every emitted object is validated against.
 */
export const MIN_VERSION = '1.13';

export const APPMESH_API = 'appmesh.k8s.aws/v1beta2';

/** Namespace label the Mesh's namespaceSelector matches (the walkthroughs' `mesh: <name>`). */
export const MESH_LABEL = 'mesh';
/** Namespace label that turns on Envoy injection (controller `docs/reference/injector.md`). */
export const INJECT_LABEL = 'appmesh.k8s.aws/sidecarInjectorWebhook';

/** The eks-charts Helm repository. */
export const EKS_REPO = { repoName: 'eks', repoUrl: 'https://aws.github.io/eks-charts' } as const;
/** eks-charts `stable/appmesh-gateway`: the Envoy Deployment and Service of a VirtualGateway. */
export const GATEWAY_CHART = { chart: 'appmesh-gateway', version: '0.1.5' } as const;

/** `install.values` keys meshc reads (the chart's own keys; see charts.ts). */
export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Port of the gateway's Envoy listener (eks-charts `appmesh-gateway`: containerPort 8088). */
export const GATEWAY_PORT = 8088;
/** The name of the gateway Envoy's admin port (9901) in eks-charts `appmesh-gateway` (templates/deployment.yaml). */
export const GATEWAY_ADMIN_PORT_NAME = 'http-admin';
/** Envoy's admin port, where `/stats/prometheus` is served (controller value `sidecar.envoyAdminAccessPort`). */
export const ENVOY_ADMIN_PORT = 9901;

/** App Mesh's default per-request timeout of a listener (AWS user guide, "Envoy defaults set by App Mesh"). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** The date App Mesh reached its end of support (AWS App Mesh user guide banner). */
export const END_OF_SUPPORT = '2026-09-30';

/** An App Mesh duration `{unit: s|ms, value}`: seconds when whole, else milliseconds. */
export function appmeshDuration(d: Duration | number): { unit: 's' | 'ms'; value: number } {
  const ms = Math.round(typeof d === 'number' ? d : d.ms);
  return ms % 1000 === 0 ? { unit: 's', value: ms / 1000 } : { unit: 'ms', value: ms };
}
