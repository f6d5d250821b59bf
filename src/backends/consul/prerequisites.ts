/**
 * What a cluster needs before a Consul environment's first sync, from what the environment uses: data for
 * `meshc build` (comments at the top) and the README's deployment section.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import { isOlderThan } from '../shared/names.ts';
import { ingressTlsPrerequisites, observabilityPrerequisites } from '../shared/prerequisites.ts';
import type { ClusterPrerequisite } from '../types.ts';
import { CHART_FOR_CONSUL } from './charts.ts';
import { CONSUL_NS } from './constants.ts';

/**
 * The Gateway API CRDs a Consul environment needs, installed by the platform (decided once for Consul): every
 * consul chart up to 2.0 bundles the v0.6.2 CRDs, which serve `v1beta1` only, while meshc writes
 * `gateway.networking.k8s.io/v1`; the chart is therefore told not to install them
 * (`connectInject.apiGateway.manageExternalCRDs: false`). consul-k8s 1.x reads Gateways and HTTPRoutes as
 * `v1beta1` (its controller is built on gateway-api 0.7.1), which standard-channel releases from v1.0.0 on still
 * serve. Charts before 1.4 (Consul 1.16, 1.17) cannot install the TCPRoute CRD their controller watches on its own.
 */
export function consulGatewayApi(version: string): string {
  const base =
    'Gateway API CRDs v1.0.0 or later (standard channel: Gateway and HTTPRoute served as v1 and v1beta1)';
  return isOlderThan(version, '1.18') ? `${base}, plus the experimental-channel TCPRoute CRD` : base;
}

export function consulPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const m = env.mesh;
  const out: ClusterPrerequisite[] = [];
  if (!m.install) {
    const chart = CHART_FOR_CONSUL.find(([v]) => v === m.version)?.[1];
    out.push({
      what: `Consul ${m.version} on Kubernetes (consul chart${chart ? ` ${chart}.x` : ''}, in ${CONSUL_NS}), installed outside meshc with connectInject.enabled, global.acls.manageSystemACLs and global.tls.enabled${m.observability.metrics !== 'none' ? ', global.metrics.enabled and connectInject.metrics.defaultEnabled' : ''}`,
      why: '`mesh.install` is not set',
    });
  }
  out.push({
    what: consulGatewayApi(m.version),
    why: "the consul-k8s controllers watch them, and meshc's ingress objects are gateway.networking.k8s.io/v1; the chart's own copy (v0.6.2) is turned off",
  });
  if (m.trust?.type === 'vault') {
    const t = m.trust;
    out.push({
      what: `Vault at ${t.address} with the PKI secrets engines \`${t.rootPKIPath}\` and \`${t.intermediatePKIPath}\`, the Kubernetes auth method at \`${t.authMethodPath}\`, and the role \`${t.serverRole}\` bound to the Consul servers' service account`,
      why: "`mesh.trust.vault`: Consul's Vault CA provider signs the mesh certificates there",
    });
    if (t.caSecret)
      out.push({
        what: `Secret \`${t.caSecret.name}\` (key \`${t.caSecret.key}\`) in ${CONSUL_NS}: the CA of Vault's TLS certificate`,
        why: '`mesh.trust.vault.caSecret`',
      });
  } else if (m.trust?.type === 'existing-secret') {
    out.push({
      what: `Secret \`${m.trust.name}\` in ${CONSUL_NS} holding a Consul configuration file (JSON) that sets connect.ca_config.root_cert and private_key`,
      why: '`mesh.trust.existingSecret`: the servers load it (server.extraVolumes, load: true) when the cluster first bootstraps',
    });
  }
  out.push(...ingressTlsPrerequisites(m, false));
  out.push(...observabilityPrerequisites(m, ['PodMonitor']));
  return out;
}
