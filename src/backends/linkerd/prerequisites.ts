/**
 * What a cluster needs before a Linkerd environment's first sync, from what the environment uses: data for
 * `meshc build` (comments at the top) and the README's deployment section.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import { isOlderThan } from '../shared/names.ts';
import {
  ingressTlsPrerequisites,
  issuerInWords,
  observabilityPrerequisites,
} from '../shared/prerequisites.ts';
import type { ClusterPrerequisite } from '../types.ts';
import { LINKERD_NS } from './constants.ts';
import { CERT_MANAGER_NS, ISSUER_SECRET, TRUST_ROOTS } from './trust.ts';

/**
 * The Gateway API versions each Linkerd version works with (linkerd.io "Gateway API support",
 * `2-edge/features/gateway-api.md`, compatibility table: 2.15–2.17 take 0.7 to 1.1.1, 2.18–2.19 take 1.1.1
 * to 1.2.1, 2.20 takes 1.2.1 to 1.5.1, ignoring route objects that use fields newer than 1.2.1: linkerd2
 * 073d36350, which meshc's HTTPRoutes do not), narrowed to releases that serve
 * `gateway.networking.k8s.io/v1` HTTPRoute (1.0.0 and later), which meshc emits.
 */
export function linkerdGatewayApi(version: string): string {
  if (isOlderThan(version, '2.18')) return 'Gateway API CRDs v1.0.0 to v1.1.1 (HTTPRoute, GRPCRoute)';
  if (isOlderThan(version, '2.20')) return 'Gateway API CRDs v1.1.1 to v1.2.1 (HTTPRoute, GRPCRoute)';
  return 'Gateway API CRDs v1.2.1 to v1.5.1 (HTTPRoute, GRPCRoute)';
}

/**
 * The first trust-manager release whose Bundle takes a label-selector source that matches nothing (the
 * previous-anchor source, empty outside a rotation): up to v0.12.x such a source fails the whole Bundle
 * ("no PEM certificates", cert-manager/trust-manager#426, fixed by e7049f0 in v0.13.0).
 */
export const TRUST_MANAGER_MIN = 'v0.13.0';

export function linkerdPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const m = env.mesh;
  const out: ClusterPrerequisite[] = [];
  if (!m.install)
    out.push({
      what: `Linkerd ${m.version} control plane (in ${LINKERD_NS}), installed outside meshc`,
      why: '`mesh.install` is not set',
    });
  out.push({
    what: linkerdGatewayApi(m.version),
    why: `meshc's Linkerd routes are Gateway API HTTPRoutes; the linkerd-crds chart is kept from installing them`,
  });
  const certManagerFor: string[] = [];
  if (m.install) certManagerFor.push('the control-plane webhook certificates (`mesh.install`)');
  if (m.trust?.type === 'cert-manager')
    certManagerFor.push('the trust anchor and identity issuer (`mesh.trust.certManager`)');
  if (m.ingress?.tls?.type === 'cert-manager')
    certManagerFor.push('the ingress certificate (`mesh.ingress.tls.certManager`)');
  if (certManagerFor.length > 0) out.push({ what: 'cert-manager', why: certManagerFor.join('; ') });
  if (m.trust?.type === 'cert-manager') {
    out.push({
      what: `${issuerInWords(m.trust.kind, m.trust.issuer, CERT_MANAGER_NS)} (cert-manager)`,
      why: '`mesh.trust.certManager`: it issues the trust anchor',
    });
    out.push({
      what: `trust-manager ${TRUST_MANAGER_MIN} or later, with its trust namespace \`${CERT_MANAGER_NS}\``,
      why: `\`mesh.trust.certManager\`: its Bundle copies the trust anchor into the ConfigMap \`${TRUST_ROOTS}\`; older releases fail the Bundle on its previous-anchor source, which matches nothing outside a rotation`,
    });
  } else if (m.trust?.type === 'existing-secret') {
    out.push({
      what: `Secret \`${ISSUER_SECRET}\` (kubernetes.io/tls: tls.crt, tls.key, ca.crt) and ConfigMap \`${TRUST_ROOTS}\` (key ca-bundle.crt) in ${LINKERD_NS}`,
      why: '`mesh.trust.existingSecret`: the identity controller reads them when it starts',
    });
  }
  out.push(...ingressTlsPrerequisites(m, true));
  if (m.ingress)
    out.push({
      what: `a Gateway API ingress controller serving GatewayClass \`${m.ingress.className}\``,
      why: '`mesh.ingress`: Linkerd has no ingress of its own',
    });
  out.push(...observabilityPrerequisites(m, ['PodMonitor']));
  return out;
}
