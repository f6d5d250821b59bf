import type { ResolvedEnvironment, Trust } from '../../model/types.ts';
import type { Values } from '../shared/merge.ts';
import { deepMerge } from '../shared/merge.ts';
import type { ChartRelease, RuntimeField } from '../types.ts';
import { isOlderThan } from '../shared/names.ts';
import { CONSUL_NS, MIN_VERSION } from './constants.ts';

export const CONSUL_REPO = { repoName: 'hashicorp', repoUrl: 'https://helm.releases.hashicorp.com' } as const;

/**
 * The Consul minor of each consul chart minor (the default image of each hashicorp/consul-k8s tag,
 * `charts/consul/values.yaml`): chart 1.0 ships Consul 1.14, … 1.7 and 1.8 ship 1.21, 1.9 ships 1.22, 2.0
 * ships 2.0. The one table of both directions: chart-versions.ts places a chart version with it, and
 * {@link CHART_FOR_CONSUL} reads it the other way round.
 */
export const CONSUL_OF_CHART: readonly (readonly [chart: string, consul: string])[] = [
  ['1.0', '1.14'],
  ['1.1', '1.15'],
  ['1.2', '1.16'],
  ['1.3', '1.17'],
  ['1.4', '1.18'],
  ['1.5', '1.19'],
  ['1.6', '1.20'],
  ['1.7', '1.21'],
  ['1.8', '1.21'],
  ['1.9', '1.22'],
  ['2.0', '2.0'],
];

/**
 * The consul chart version of each Consul minor version meshc renders (MIN_VERSION on): the first chart minor
 * that ships it ({@link CONSUL_OF_CHART}), e.g. chart 1.2 for Consul 1.16, 1.7 for 1.21, 1.9 for 1.22.
 */
export const CHART_FOR_CONSUL: readonly (readonly [consul: string, chart: string])[] = CONSUL_OF_CHART.filter(
  ([, consul], i) =>
    !isOlderThan(consul, MIN_VERSION) && CONSUL_OF_CHART.findIndex(([, c]) => c === consul) === i,
).map(([chart, consul]) => [consul, chart] as const);

/**
 * The control plane: one release of the `consul` chart (servers, injector, controllers, webhooks and Consul's
 * own CRDs, as templates, so they upgrade with the chart), in `consul`. Empty unless `mesh.install` is set.
 */
export function buildCharts(env: ResolvedEnvironment): ChartRelease[] {
  const install = env.mesh.install;
  if (!install) return [];
  return [
    {
      name: 'consul',
      chart: 'consul',
      ...CONSUL_REPO,
      version: install.chartVersion,
      namespace: CONSUL_NS,
      values: consulValues(env, install.values),
      dependsOn: [],
      runtimeFields: WEBHOOK_CA_BUNDLES,
      // hashicorp/consul-k8s charts/consul/templates/crd-*.yaml: templates, without the keep annotation.
      templatedCrds: true,
    },
  ];
}

/**
 * The chart's webhook-cert-manager writes the CA of the certificates it mints into the `caBundle` of every
 * webhook of the `consul-connect-injector` Mutating and Validating WebhookConfigurations (consul-k8s
 * `control-plane/helper/webhook-configuration/webhook_configuration.go`); the chart renders them empty. Up to
 * 17 mutating and 3 validating webhooks (chart 2.0; 16 and 0–2 in 1.x): an index a chart version does not have
 * matches nothing.
 */
export const WEBHOOK_CA_BUNDLES: readonly RuntimeField[] = [
  ...(
    [
      ['MutatingWebhookConfiguration', 17],
      ['ValidatingWebhookConfiguration', 3],
    ] as const
  ).flatMap(([kind, count]) =>
    Array.from({ length: count }, (_, i) => ({
      group: 'admissionregistration.k8s.io',
      kind,
      name: 'consul-connect-injector',
      pointer: `/webhooks/${i}/clientConfig/caBundle`,
      reason: "the chart's webhook-cert-manager injects the CA of the webhook certificates it mints",
    })),
  ),
];

/**
 * meshc's values, with the user's `install.values` deep-merged over them (user wins):
 * - `global.acls.manageSystemACLs`: ACLs on, so the default for traffic no intention decides is deny (meshc's
 *   intentions never leave a decision to that default, see intentions.ts);
 * - `global.tls`: TLS for Consul's own RPC and HTTPS (auto-encrypt);
 * - `connectInject.enabled`, `default: false`: pods join the mesh by their `consul.hashicorp.com/connect-inject`
 *   annotation (backend README);
 * - `connectInject.apiGateway.manageExternalCRDs: false`: every chart up to 2.0 bundles the Gateway API CRDs of
 *   v0.6.2, which do not serve the `gateway.networking.k8s.io/v1` objects meshc writes; the Gateway API CRDs
 *   are a prerequisite (prerequisites.ts). `manageNonStandardCRDs` makes the chart install its TCPRoute CRD
 *   (v1alpha2, which the controller watches; the only template it gates) in chart 1.2.2+, 1.3.8+, 1.4.5+, 1.5.3+
 *   and 1.6+ (`tcpRouteSource`);
 * - metrics: `global.metrics.enabled` and `connectInject.metrics.defaultEnabled` (the dataplane serves Envoy's
 *   metrics on 20200 and annotates pods for Prometheus) unless `observability.metrics: none`;
 * - `global.argocd.enabled` for Argo CD (Argo CD hook annotations on the ACL init job; chart 1.4+);
 * - trust: the built-in CA needs nothing; Vault sets `global.secretsBackend.vault` (connect CA provider).
 */
export function consulValues(env: ResolvedEnvironment, user: Readonly<Values>): Values {
  const metrics = env.mesh.observability.metrics !== 'none';
  const global: Values = {
    name: 'consul',
    tls: { enabled: true, enableAutoEncrypt: true },
    acls: { manageSystemACLs: true },
    ...(metrics ? { metrics: { enabled: true } } : {}),
    ...(env.gitops.engine === 'argocd' ? { argocd: { enabled: true } } : {}),
    ...trustValues(env.mesh.trust),
  };
  const meshc: Values = {
    global,
    connectInject: {
      enabled: true,
      default: false,
      apiGateway: { manageExternalCRDs: false, manageNonStandardCRDs: true },
      ...(metrics ? { metrics: { defaultEnabled: true } } : {}),
    },
    ...(env.mesh.trust?.type === 'existing-secret'
      ? { server: { extraVolumes: [{ type: 'secret', name: env.mesh.trust.name, load: true }] } }
      : {}),
  };
  return deepMerge(meshc, user);
}

function trustValues(trust: Trust | undefined): Values {
  if (trust?.type !== 'vault') return {};
  return {
    secretsBackend: {
      vault: {
        enabled: true,
        consulServerRole: trust.serverRole,
        ...(trust.caSecret ? { ca: { secretName: trust.caSecret.name, secretKey: trust.caSecret.key } } : {}),
        connectCA: {
          address: trust.address,
          authMethodPath: trust.authMethodPath,
          rootPKIPath: trust.rootPKIPath,
          intermediatePKIPath: trust.intermediatePKIPath,
        },
      },
    },
  };
}

/**
 * Values the chart `fail`s without when Vault is its secrets backend with TLS and managed ACLs on (consul
 * chart templates server-statefulset, client-daemonset, server-acl-init-job): they name Vault paths and roles of
 * the user's Vault setup, which meshc cannot choose.
 */
export const VAULT_REQUIRED_VALUES: readonly (readonly string[])[] = [
  ['global', 'tls', 'caCert', 'secretName'],
  ['global', 'secretsBackend', 'vault', 'consulCARole'],
  ['global', 'secretsBackend', 'vault', 'manageSystemACLsRole'],
  ['global', 'acls', 'bootstrapToken', 'secretName'],
];

export function valueAt(values: Readonly<Values>, path: readonly string[]): unknown {
  let v: unknown = values;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Values)[k];
  }
  return v;
}
