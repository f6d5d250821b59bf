/**
 * What a cluster needs before an App Mesh environment's first sync, from what the environment uses: data for
 * `meshc build` (comments at the top) and the README's deployment section. AWS-side resources (IAM roles, ACM,
 * SPIRE registration) are never Kubernetes objects meshc writes.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import { observabilityPrerequisites } from '../shared/prerequisites.ts';
import type { ClusterPrerequisite } from '../types.ts';
import { APPMESH_NS, GATEWAY_CHART } from './constants.ts';
import { GATEWAY_POD_LABEL, nativeIngressTls } from './ingress.ts';
import { appmeshTrust } from './tls.ts';

export function appmeshPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const m = env.mesh;
  const out: ClusterPrerequisite[] = [];
  if (!m.install)
    out.push({
      what: `App Mesh controller ${m.version} (eks-charts appmesh-controller, in ${APPMESH_NS}) and its CRDs, installed outside meshc`,
      why: '`mesh.install` is not set',
    });
  else {
    out.push({
      what: `an IAM role with the App Mesh controller's IAM policy, trusted (IRSA) by the ServiceAccount ${APPMESH_NS}/appmesh-controller; its ARN in \`mesh.install.values.serviceAccount.annotations\``,
      why: '`mesh.install`: the controller creates the App Mesh resources through the AWS API',
    });
    out.push({
      what: 'cert-manager',
      why: '`mesh.install`: the chart takes its webhook certificate from cert-manager (`enableCertManager: true`)',
    });
  }
  out.push({
    what: 'IAM permission `appmesh:StreamAggregatedResources` for the ServiceAccount of every meshed pod (IRSA), the ingress gateway included',
    why: 'every Envoy streams its configuration from the App Mesh API',
  });
  const trust = appmeshTrust(env);
  if (trust?.type === 'sds')
    out.push({
      what: `SPIRE server and agent (eks-charts appmesh-spire-server, appmesh-spire-agent) for trust domain \`${m.trustDomain}\`, with a registration entry \`spiffe://${m.trustDomain}/ns/<namespace>/sa/<serviceAccount>\` for every meshed ServiceAccount`,
      why: '`mesh.trust.sds`: Envoy fetches its certificate and the trust bundle from the SPIRE agent',
    });
  else if (trust?.type === 'file') {
    out.push({
      what: `Secrets with the certificate chain, key and CA bundle, mounted into the Envoy of every meshed pod at ${trust.certificateChain}, ${trust.privateKey} and ${trust.caBundle} (pod annotation \`appmesh.k8s.aws/secretMounts: <secret>:<directory>\`, which the controller's injector applies to the pods of VirtualNodes)`,
      why: '`mesh.trust.file`: listeners and clients read those files',
    });
    if (m.ingress && nativeIngressTls(env))
      out.push({
        what: `the same certificate chain, key and CA bundle at ${trust.certificateChain}, ${trust.privateKey} and ${trust.caBundle} in the \`envoy\` container of the ingress gateway in ${m.ingress.namespace}, mounted by its Deployment (a Secret volume and volumeMount): the injector does not apply \`appmesh.k8s.aws/secretMounts\` to VirtualGateway pods, and the appmesh-gateway chart ${GATEWAY_CHART.version} has no volume values (patch its Deployment, for example with a Helm post-renderer)`,
        why: "`mesh.trust.file` with `mesh.ingress.api: native`: the VirtualGateway's client policy reads those files",
      });
  } else if (trust?.type === 'acm')
    out.push({
      what: `the ACM certificate ${trust.certificateArn} and the ACM Private CAs ${trust.certificateAuthorityArns.join(', ')}, with IAM permission for every Envoy to export the certificate and read the CA certificates`,
      why: '`mesh.trust.acm`',
    });
  const ingress = m.ingress;
  if (ingress && ingress.api === 'native' && env.services.some((s) => s.ingress))
    out.push({
      what: `the gateway's Envoy Deployment and LoadBalancer Service in ${ingress.namespace}, pods labelled \`${GATEWAY_POD_LABEL}: ${ingress.className}\`, listening on 8088 (for example eks-charts ${GATEWAY_CHART.chart} ${GATEWAY_CHART.version} with \`fullnameOverride: ${ingress.className}\` and \`appmesh.gateway: false\`), applied after meshc's mesh-wide objects`,
      why: "`mesh.ingress.api: native`: meshc emits the VirtualGateway and GatewayRoutes; the controller's injector refuses the gateway's pods until that VirtualGateway exists",
    });
  out.push(...observabilityPrerequisites(m, ['PodMonitor']));
  return out;
}
