import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { buildControllerPodMonitor, buildProxyPodMonitor } from './monitors.ts';

/** One scrape target candidate: a container port of a pod in the `linkerd` namespace. */
interface Target {
  readonly container: string;
  readonly port: string;
}

/**
 * The container ports of the control plane's pods, per Linkerd version (linkerd-control-plane chart
 * `templates/{destination,identity,proxy-injector}.yaml` and the proxy partial `_proxy.tpl`, at the
 * `version-2.X` tags). Every pod also runs a proxy (`linkerd-proxy`, ports `linkerd-proxy` and `linkerd-admin`).
 */
const PORTS_218: readonly Target[] = [
  { container: 'destination', port: 'grpc' },
  { container: 'destination', port: 'admin-http' },
  { container: 'sp-validator', port: 'sp-validator' },
  { container: 'sp-validator', port: 'admin-http' },
  { container: 'policy', port: 'grpc' },
  { container: 'policy', port: 'admin-http' },
  { container: 'policy', port: 'policy-https' },
  { container: 'identity', port: 'grpc' },
  { container: 'identity', port: 'admin-http' },
  { container: 'proxy-injector', port: 'proxy-injector' },
  { container: 'proxy-injector', port: 'admin-http' },
];
const PORTS_219: readonly Target[] = [
  { container: 'destination', port: 'dest-grpc' },
  { container: 'destination', port: 'dest-admin' },
  { container: 'sp-validator', port: 'sp-validator' },
  { container: 'sp-validator', port: 'spval-admin' },
  { container: 'policy', port: 'policy-grpc' },
  { container: 'policy', port: 'policy-admin' },
  { container: 'policy', port: 'policy-https' },
  { container: 'identity', port: 'ident-grpc' },
  { container: 'identity', port: 'ident-admin' },
  { container: 'proxy-injector', port: 'proxy-injector' },
  { container: 'proxy-injector', port: 'injector-admin' },
];
const PROXY: readonly Target[] = [
  { container: 'linkerd-proxy', port: 'linkerd-proxy' },
  { container: 'linkerd-proxy', port: 'linkerd-admin' },
];
const VERSIONS: Readonly<Record<string, readonly Target[]>> = {
  '2.16': PORTS_218,
  '2.17': PORTS_218,
  '2.18': PORTS_218,
  '2.19': PORTS_219,
  '2.20': PORTS_219,
};
const ADMIN: Readonly<Record<string, string>> = { '2.16': 'admin-http', '2.19': '-admin' };

/**
 * Prometheus' keep/drop relabelling of one target: source label values joined by `;`, matched by the fully
 * anchored regex (RE2 and JavaScript agree on the expressions used here).
 */
function scraped(monitor: K8sObject, t: Target): boolean {
  const labels: Record<string, string> = {
    __meta_kubernetes_pod_container_name: t.container,
    __meta_kubernetes_pod_container_port_name: t.port,
    __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: 'linkerd',
  };
  const endpoint = (monitor.spec as { podMetricsEndpoints: { relabelings: Record<string, unknown>[] }[] })
    .podMetricsEndpoints[0]!;
  for (const r of endpoint.relabelings) {
    if (r.action !== 'keep' && r.action !== 'drop') continue;
    const value = (r.sourceLabels as string[]).map((l) => labels[l] ?? '').join(';');
    const matches = new RegExp(`^(?:${String(r.regex)})$`).test(value);
    if (r.action === 'keep' ? !matches : matches) return false;
  }
  return true;
}

describe('PodMonitors', () => {
  it.each(Object.entries(VERSIONS))(
    'Linkerd %s: the controller monitor scrapes the admin port of every component, nothing else',
    (version, ports) => {
      const monitor = buildControllerPodMonitor();
      const kept = [...ports, ...PROXY].filter((t) => scraped(monitor, t));
      expect(kept.map((t) => t.container)).toEqual([
        'destination',
        'sp-validator',
        'policy',
        'identity',
        'proxy-injector',
      ]);
      const suffix = version < '2.19' ? ADMIN['2.16']! : ADMIN['2.19']!;
      for (const t of kept) expect(t.port.endsWith(suffix), `${version} ${t.port}`).toBe(true);
    },
  );

  it.each(Object.keys(VERSIONS))('Linkerd %s: the proxy monitor scrapes the proxies only', (version) => {
    const monitor = buildProxyPodMonitor();
    expect([...VERSIONS[version]!, ...PROXY].filter((t) => scraped(monitor, t))).toEqual([
      { container: 'linkerd-proxy', port: 'linkerd-admin' },
    ]);
  });
});
