/** Prerequisite entries every backend lists the same way (see each backend's prerequisites.ts). */
import type { MeshSettings } from '../../model/types.ts';
import type { ClusterPrerequisite } from '../types.ts';

/** "the ClusterIssuer `x`" / "the Issuer `x` in ns": a cert-manager issuer reference in words. */
export function issuerInWords(kind: 'Issuer' | 'ClusterIssuer', issuer: string, namespace?: string): string {
  return `the ${kind} \`${issuer}\`${kind === 'Issuer' && namespace ? ` in ${namespace}` : ''}`;
}

/** The ingress certificate's issuer (cert-manager) or Secret, when `mesh.ingress.tls` is set. */
export function ingressTlsPrerequisites(m: MeshSettings, certManagerListed: boolean): ClusterPrerequisite[] {
  const tls = m.ingress?.tls;
  if (tls?.type === 'cert-manager') {
    const issuer = issuerInWords(tls.kind, tls.issuer, m.ingress?.namespace);
    return [
      {
        what: certManagerListed ? `${issuer} (cert-manager)` : `cert-manager, with ${issuer}`,
        why: '`mesh.ingress.tls.certManager`: it issues the ingress certificate',
      },
    ];
  }
  if (tls?.type === 'secret')
    return [
      {
        what: `Secret \`${tls.secretName}\` (kubernetes.io/tls) in ${m.ingress?.namespace ?? 'the ingress namespace'}`,
        why: '`mesh.ingress.tls.secretName`: the HTTPS listener serves it',
      },
    ];
  return [];
}

/** The Prometheus Operator and grafana-operator CRDs that the observability objects need. */
export function observabilityPrerequisites(
  m: MeshSettings,
  monitorKinds: readonly string[],
): ClusterPrerequisite[] {
  const out: ClusterPrerequisite[] = [];
  if (m.observability.metrics === 'prometheus-operator')
    out.push({
      what: `Prometheus Operator CRDs (monitoring.coreos.com/v1 ${monitorKinds.join(', ')}) and a Prometheus that selects them`,
      why: '`observability.metrics: prometheus-operator`',
    });
  if (m.observability.dashboards)
    out.push({
      what: 'grafana-operator CRDs (grafana.integreatly.org/v1beta1 GrafanaDashboard) and a Grafana labelled `dashboards: grafana`',
      why: '`observability.dashboards`',
    });
  return out;
}
