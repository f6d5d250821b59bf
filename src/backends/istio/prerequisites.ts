/**
 * What a cluster needs before an Istio environment's first sync, from what the environment uses: data for
 * `meshc build` (comments at the top) and the README's deployment section.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import type { ClusterPrerequisite } from '../types.ts';
import {
  ingressTlsPrerequisites,
  issuerInWords,
  observabilityPrerequisites,
} from '../shared/prerequisites.ts';
import { CACERTS } from './certificate.ts';
import { ISTIO_SYSTEM } from './constants.ts';

/**
 * The Gateway API release each Istio minor version is built against (`sigs.k8s.io/gateway-api` in
 * istio/istio's go.mod at the release tag), the standard-channel CRDs Istio's docs install with it.
 */
export const ISTIO_GATEWAY_API: readonly (readonly [istio: string, gatewayApi: string])[] = [
  ['1.22', 'v1.1.0'],
  ['1.23', 'v1.1.0'],
  ['1.24', 'v1.2.0'],
  ['1.25', 'v1.2.1'],
  ['1.26', 'v1.3.0'],
  ['1.27', 'v1.3.0'],
  ['1.28', 'v1.4.0'],
  ['1.29', 'v1.4.0'],
  ['1.30', 'v1.5.1'],
];

/** The Gateway API CRDs for an Istio version (`major.minor`); newer than the table: its last entry or later. */
export function istioGatewayApi(version: string): string {
  const exact = ISTIO_GATEWAY_API.find(([v]) => v === version);
  if (exact) return `Gateway API CRDs ${exact[1]} (standard channel)`;
  const last = ISTIO_GATEWAY_API[ISTIO_GATEWAY_API.length - 1]!;
  return `Gateway API CRDs (standard channel) in the version Istio ${version} documents (${last[1]} or later)`;
}

export function istioPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const m = env.mesh;
  const out: ClusterPrerequisite[] = [];
  if (!m.install)
    out.push({
      what: `Istio ${m.version} control plane (istiod in ${ISTIO_SYSTEM}), installed outside meshc`,
      why: '`mesh.install` is not set',
    });
  if (m.ingress?.api === 'gateway-api')
    out.push({
      what: istioGatewayApi(m.version),
      why: '`mesh.ingress` with `api: gateway-api`',
    });
  if (m.trust?.type === 'cert-manager')
    out.push({
      what: `cert-manager, with ${issuerInWords(m.trust.kind, m.trust.issuer, ISTIO_SYSTEM)}`,
      why: `\`mesh.trust.certManager\`: it issues Istio's intermediate CA into the Secret \`${CACERTS}\``,
    });
  else if (m.trust?.type === 'existing-secret')
    out.push({
      what: `Secret \`${CACERTS}\` in ${ISTIO_SYSTEM} (Istio's plug-in CA: ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem)`,
      why: '`mesh.trust.existingSecret`: istiod reads it when it starts',
    });
  out.push(...ingressTlsPrerequisites(m, m.trust?.type === 'cert-manager'));
  out.push(...observabilityPrerequisites(m, ['PodMonitor', 'ServiceMonitor']));
  return out;
}
