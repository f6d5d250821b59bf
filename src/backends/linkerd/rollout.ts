import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildCanary, primaryView } from '../shared/flagger.ts';
import type { AppProtocolOf } from '../shared/kubernetes-service.ts';
import { objectMeta } from '../shared/labels.ts';
import type { RolloutSupport } from '../types.ts';
import type { AccessOptions, AccessOutput } from './authorization.ts';
import { buildAccess } from './authorization.ts';

/** The Linkerd checks of a canary, as Flagger's Linkerd guide defines them (MetricTemplates over linkerd-viz). */
export const LINKERD_SUCCESS_RATE = 'linkerd-success-rate';
export const LINKERD_LATENCY = 'linkerd-latency';

/**
 * The MetricTemplates of one namespace: the request success rate (percent of responses not classified as
 * failures) and the 99th-percentile latency (milliseconds) of the target's pods, from the Linkerd proxies'
 * `response_total` and `response_latency_ms_bucket` (fluxcd/flagger docs/gitbook/tutorials/linkerd-progressive-delivery.md).
 */
function linkerdMetricTemplates(namespace: string, metricsServer: string): K8sObject[] {
  const provider = { type: 'prometheus', address: metricsServer };
  const sel = (extra: string) =>
    `namespace="{{ namespace }}", deployment=~"{{ target }}",${extra} direction="{{ variables.direction }}"`;
  return [
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: objectMeta(LINKERD_SUCCESS_RATE, namespace),
      spec: {
        provider,
        query:
          `sum(rate(response_total{${sel(' classification!="failure",')}}[{{ interval }}]))` +
          ` / sum(rate(response_total{${sel('')}}[{{ interval }}])) * 100`,
      },
    },
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: objectMeta(LINKERD_LATENCY, namespace),
      spec: {
        provider,
        query: `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{${sel('')}}[{{ interval }}])) by (le))`,
      },
    },
  ];
}

/**
 * Flagger on Linkerd goes through Gateway API (`gatewayapi:v1beta1`, fluxcd/flagger `pkg/router/gateway_api_v1beta1.go`):
 * it generates an HTTPRoute whose parent is the Service `<name>` itself (GAMMA), splitting between
 * `<name>-primary` and `<name>-canary`. That router carries header changes and matches, not timeouts or retries.
 * Flagger's built-in checks read no Linkerd metric on that provider, so the checks are MetricTemplates.
 */
export const LINKERD_ROLLOUT: RolloutSupport = {
  provider: 'gatewayapi:v1beta1',
  carries: { timeout: false, retries: false, headers: true },
  gatewayRefs: (s) => [
    { name: s.name, namespace: s.namespace, group: 'core', kind: 'Service', port: s.ports[0]!.port },
  ],
  metricTemplates: {
    successRate: { name: LINKERD_SUCCESS_RATE, templateVariables: { direction: 'inbound' } },
    latency: { name: LINKERD_LATENCY, templateVariables: { direction: 'inbound' } },
    objects: linkerdMetricTemplates,
  },
  metricsServerAccess: linkerdVizAccess,
};

/** The namespace linkerd-viz installs into, with its Prometheus (`prometheus`) and that Prometheus' Server. */
const LINKERD_VIZ_NS = 'linkerd-viz';

/**
 * The namespace of a Kubernetes Service a URL names by cluster DNS (`<service>.<namespace>`, optionally
 * followed by `.svc` and the cluster domain), or undefined for any other host.
 */
function serviceNamespaceOf(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const labels = host.split('.');
  return labels.length === 2 || (labels.length >= 3 && labels[2] === 'svc') ? labels[1] : undefined;
}

/**
 * linkerd-viz's Prometheus admits only the clients its Server `prometheus-admin` authorizes: Flagger's chart
 * authorizes Flagger's service account there (`linkerdAuthPolicy`, templates/authorizationpolicy.yaml: a
 * policy.linkerd.io AuthorizationPolicy in `linkerdAuthPolicy.namespace`), as Flagger's Linkerd guide installs
 * it. Only for a metrics server in linkerd-viz's namespace: elsewhere that namespace and Server need not
 * exist, and the chart's install would fail on the missing namespace.
 */
function linkerdVizAccess(metricsServer: string) {
  const namespace = serviceNamespaceOf(metricsServer);
  if (namespace !== LINKERD_VIZ_NS) return undefined;
  return {
    values: { linkerdAuthPolicy: { create: true, namespace } },
    prerequisite: {
      what: `linkerd-viz in \`${namespace}\`, with its Prometheus and that Prometheus' Server \`prometheus-admin\``,
      why: `\`rollouts.flagger.metricsServer\` is linkerd-viz's Prometheus: Flagger's chart authorizes Flagger on that Server (\`linkerdAuthPolicy\`)`,
    },
  };
}

/**
 * A rolled-out service's objects on Linkerd: its Canary, and its Servers and authorizations twice, for the
 * canary pods and for Flagger's primary pods. No Service or HTTPRoute of its own: Flagger generates them.
 * The Canary's `service.appProtocol` is the first port's as `appProtocol` gives it (constants.ts
 * `linkerdAppProtocol`): Flagger copies it verbatim onto the first port of the Services it generates
 * (fluxcd/flagger `pkg/router/kubernetes_default.go`), where Linkerd 2.18+ reads it.
 */
export function linkerdRolloutObjects(
  s: ResolvedService,
  options: AccessOptions,
  appProtocol?: AppProtocolOf,
): AccessOutput {
  const canary = buildAccess(s, options);
  const primary = buildAccess(primaryView(s), options);
  const service = appProtocol ? { appProtocol: appProtocol(s.ports[0]!) } : {};
  // The primary's findings are the canary's (same rules, same spec nodes): reported once.
  return {
    objects: [buildCanary(s, LINKERD_ROLLOUT, service), ...canary.objects, ...primary.objects],
    diagnostics: canary.diagnostics,
  };
}
