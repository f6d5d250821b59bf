import { describe, expect, it } from 'vitest';
import { buildGrafanaDashboards } from './dashboards.ts';
import { buildPodMonitor, buildServiceMonitor } from './monitors.ts';
import { buildTelemetry } from './telemetry.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

describe('Prometheus Operator monitors', () => {
  it('PodMonitor envoy-stats-monitor keeps istio-proxy and scrapes the annotated port', () => {
    const pm = buildPodMonitor();
    expect(pm.metadata).toEqual({
      name: 'envoy-stats-monitor',
      namespace: 'istio-system',
      labels: { monitoring: 'istio-proxies', release: 'istio', ...LABELS },
    });
    const spec = pm.spec as { podMetricsEndpoints: { relabelings: unknown[] }[] } & Record<string, unknown>;
    expect(spec.namespaceSelector).toEqual({ any: true });
    expect(spec.selector).toEqual({
      matchExpressions: [{ key: 'istio-prometheus-ignore', operator: 'DoesNotExist' }],
    });
    const ep = spec.podMetricsEndpoints[0];
    expect(ep).toMatchObject({ path: '/stats/prometheus', interval: '15s' });
    expect(ep?.relabelings[0]).toEqual({
      action: 'keep',
      sourceLabels: ['__meta_kubernetes_pod_container_name'],
      regex: 'istio-proxy',
    });
    expect(ep?.relabelings).toContainEqual({
      action: 'replace',
      regex: '(\\d+);((([0-9]+?)(\\.|$)){4})',
      replacement: '$2:$1',
      sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
      targetLabel: '__address__',
    });
  });

  it('ServiceMonitor istio-component-monitor scrapes istiod', () => {
    expect(buildServiceMonitor()).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: 'istio-component-monitor',
        namespace: 'istio-system',
        labels: { monitoring: 'istio-components', release: 'istio', ...LABELS },
      },
      spec: {
        jobLabel: 'istio',
        targetLabels: ['app'],
        selector: { matchExpressions: [{ key: 'istio', operator: 'In', values: ['pilot'] }] },
        namespaceSelector: { any: true },
        endpoints: [{ port: 'http-monitoring', interval: '15s' }],
      },
    });
  });
});

describe('Grafana dashboards', () => {
  it('one GrafanaDashboard per official grafana.com id, each pinned to a revision', () => {
    const dashboards = buildGrafanaDashboards();
    expect(
      dashboards.map((d) => [
        d.metadata.name,
        (d.spec as { grafanaCom: { id: number; revision: number } }).grafanaCom,
      ]),
    ).toEqual([
      ['istio-mesh', { id: 7639, revision: 300 }],
      ['istio-service', { id: 7636, revision: 300 }],
      ['istio-workload', { id: 7630, revision: 300 }],
      ['istio-performance', { id: 11829, revision: 300 }],
      ['istio-control-plane', { id: 7645, revision: 300 }],
    ]);
    expect(dashboards[0]).toEqual({
      apiVersion: 'grafana.integreatly.org/v1beta1',
      kind: 'GrafanaDashboard',
      metadata: { name: 'istio-mesh', namespace: 'istio-system', labels: LABELS },
      spec: {
        instanceSelector: { matchLabels: { dashboards: 'grafana' } },
        grafanaCom: { id: 7639, revision: 300 },
        folder: 'Istio',
        allowCrossNamespaceImport: true,
      },
    });
  });
});

describe('tracing Telemetry', () => {
  it('emits nothing without tracing', () => {
    expect(buildTelemetry({ metrics: 'none', dashboards: false })).toBeUndefined();
  });

  it('selects meshc-<provider> with an explicit sampling percentage', () => {
    const t = buildTelemetry({
      metrics: 'none',
      dashboards: false,
      tracing: { provider: 'opentelemetry', host: 'otel-collector.observability', port: 4317, sampling: 10 },
    });
    expect(t).toEqual({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'mesh-default', namespace: 'istio-system', labels: LABELS },
      spec: { tracing: [{ providers: [{ name: 'meshc-opentelemetry' }], randomSamplingPercentage: 10 }] },
    });
  });

  it('keeps a sampling of 0 explicit', () => {
    const t = buildTelemetry({
      metrics: 'none',
      dashboards: false,
      tracing: { provider: 'zipkin', host: 'zipkin.tracing', port: 9411, sampling: 0 },
    });
    expect(t?.spec).toEqual({
      tracing: [{ providers: [{ name: 'meshc-zipkin' }], randomSamplingPercentage: 0 }],
    });
  });
});
