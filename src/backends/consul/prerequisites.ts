/**
 * What a cluster needs before a Consul environment's first sync, from what the environment uses: data for
 * `meshc build` (comments at the top) and the README's deployment section.
 */
import type { ResolvedEnvironment } from '../../model/types.ts';
import type { Values } from '../shared/merge.ts';
import { ingressTlsPrerequisites, observabilityPrerequisites } from '../shared/prerequisites.ts';
import type { ClusterPrerequisite } from '../types.ts';
import { CHART_FOR_CONSUL, consulValues, valueAt } from './charts.ts';
import { CONSUL_NS } from './constants.ts';

/**
 * Where the TCPRoute CRD the consul-k8s gateway controller watches comes from. Every consul-k8s 1.x and 2.0
 * controller watches TCPRoute as `gateway.networking.k8s.io/v1alpha2` (1.x: unconditionally, through gateway-api
 * 0.7.1; 2.0: when `global.crds.enableTcpRoute`, the default, turns on `-enabe-tcp-route`), and its chart templates
 * a v1alpha2-only TCPRoute CRD (v0.6.2, experimental channel) when `manageExternalCRDs` or, in some patch
 * releases only, `manageNonStandardCRDs` is on: meshc turns the first off and the second on (charts.ts). That
 * `or` arrived in chart 1.2.2, 1.3.8, 1.4.5 and 1.5.3 (1.2.0–1.2.1, 1.3.0–1.3.7, 1.4.0–1.4.4, 1.5.0–1.5.1 template
 * it with `manageExternalCRDs` only); 2.0 also needs `global.installK8sNetworkingCRDs` (on by default).
 * `chart`: the chart installs it; `prerequisite`: the controller watches it and the chart does not install it;
 * `none`: the controller does not watch TCPRoute. (hashicorp/consul-k8s `charts/consul/templates/
 * crd-tcproutes-external.yaml` and `crd-tcproutes.yaml` at each tag; `connect-inject-deployment.yaml` at v2.0.3.)
 */
export type TcpRouteSource = 'chart' | 'prerequisite' | 'none';

export function tcpRouteSource(chartVersion: string, values: Readonly<Values>): TcpRouteSource {
  const flag = (path: string, fallback: boolean): boolean => {
    const v = valueAt(values, path.split('.'));
    return typeof v === 'boolean' ? v : fallback;
  };
  const [major = NaN, minor = NaN, patch = NaN] = chartVersion.split(/[.-]/).map(Number);
  const managed =
    flag('connectInject.apiGateway.manageExternalCRDs', true) ||
    (flag('connectInject.apiGateway.manageNonStandardCRDs', false) &&
      nonStandardTcpRoute(major, minor, patch));
  if (!(major >= 2)) return managed ? 'chart' : 'prerequisite';
  // 2.0: the controller watches TCPRoute, and the chart templates its CRD, under the same condition.
  const watched = flag('global.openshift.enabled', false)
    ? !flag('global.openshift.isOcpGreaterthan4_18', false) &&
      flag('global.openshift.crds.enableTcpRoute', false)
    : flag('global.crds.enableTcpRoute', true);
  if (!watched) return 'none';
  return managed && flag('global.installK8sNetworkingCRDs', true) ? 'chart' : 'prerequisite';
}

/** Whether a consul chart version templates its TCPRoute CRD with `manageNonStandardCRDs` alone (see above). */
function nonStandardTcpRoute(major: number, minor: number, patch: number): boolean {
  if (major !== 1) return major > 1;
  if (minor >= 6) return true;
  const since = ({ 2: 2, 3: 8, 4: 5, 5: 3 } as Readonly<Record<number, number>>)[minor];
  return since !== undefined && patch >= since;
}

/** The Gateway API release whose standard channel first has TCPRoute (serving `v1` only, `v1alpha2` not served). */
export const GATEWAY_API_STANDARD_TCPROUTE = 'v1.6.0';

/**
 * The Gateway API CRDs a Consul environment needs, installed by the platform (decided once for Consul): every
 * consul chart up to 2.0 bundles the v0.6.2 CRDs, which serve `v1beta1` only, while meshc writes
 * `gateway.networking.k8s.io/v1`; the chart is therefore told not to install them
 * (`connectInject.apiGateway.manageExternalCRDs: false`). consul-k8s 1.x reads GatewayClasses, Gateways, HTTPRoutes
 * and ReferenceGrants as `v1beta1` (gateway-api 0.7.1), which standard-channel releases from v1.0.0 on still serve;
 * 2.0 reads them as `v1` (ReferenceGrant `v1beta1`). From v1.6.0 the standard channel also has TCPRoute, serving
 * `v1` only: where the chart installs its own TCPRoute CRD, two owners of one CRD fail (Flux: Helm does not take
 * over an object it did not create; Argo CD: applying the chart's v1alpha2-only copy removes a version the API
 * server has stored); where the chart does not, consul-k8s needs one that serves `v1alpha2`, which only the
 * experimental channel has. `source`: where the TCPRoute CRD comes from (`tcpRouteSource`); without `mesh.install`
 * the chart is not meshc's to know.
 */
export function consulGatewayApi(source: TcpRouteSource | 'unknown'): string {
  const four = 'GatewayClass, Gateway, HTTPRoute and ReferenceGrant';
  const served = 'Gateway and HTTPRoute served as v1 and v1beta1';
  if (source === 'none') return `Gateway API CRDs v1.0.0 or later, standard channel (${four}; ${served})`;
  const upTo = `Gateway API CRDs v1.0.0 to v1.5.x, standard channel (${four}; ${served}), or of a later release those four CRDs only`;
  if (source === 'chart')
    return `${upTo}, without the TCPRoute CRD its standard channel has from ${GATEWAY_API_STANDARD_TCPROUTE} (v1 only): the consul chart installs the TCPRoute CRD its controller watches (v1alpha2)`;
  const later = `(from ${GATEWAY_API_STANDARD_TCPROUTE} the standard channel's TCPRoute serves v1 only)`;
  if (source === 'prerequisite')
    return `${upTo} ${later}; plus the experimental channel's TCPRoute CRD, serving the v1alpha2 consul-k8s watches (this consul chart does not install it)`;
  return `${upTo} ${later}; plus a TCPRoute CRD serving the v1alpha2 consul-k8s watches: the consul chart's own with connectInject.apiGateway.manageNonStandardCRDs (chart 1.2.2+, 1.3.8+, 1.4.5+, 1.5.3+, 1.6+), else the experimental channel's`;
}

/** Why the standard channel's TCPRoute CRD must stay out when the consul chart installs its own, per engine. */
function tcpRouteConflict(source: TcpRouteSource | 'unknown', engine: 'flux' | 'argocd'): string {
  if (source === 'unknown')
    return "; a consul chart that installs its own TCPRoute CRD fails next to the standard channel's (Helm does not take over objects it did not create)";
  if (source !== 'chart') return '';
  return engine === 'flux'
    ? "; next to the standard channel's TCPRoute CRD, Flux's consul HelmRelease fails (Helm does not take over objects it did not create)"
    : "; next to the standard channel's TCPRoute CRD, the consul Application fails to sync: the API server refuses the chart's v1alpha2-only copy once v1 is a stored version";
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
  const source = m.install
    ? tcpRouteSource(m.install.chartVersion, consulValues(env, m.install.values))
    : 'unknown';
  out.push({
    what: consulGatewayApi(source),
    why: `the consul-k8s controllers watch them, and meshc's ingress objects are gateway.networking.k8s.io/v1; the chart's own copy (v0.6.2) is turned off${tcpRouteConflict(source, env.gitops.engine)}`,
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
