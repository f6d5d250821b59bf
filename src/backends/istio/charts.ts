import type { ChartRelease, RuntimeField } from '../types.ts';
import type { Observability, ResolvedEnvironment } from '../../model/types.ts';
import type { Values } from '../shared/merge.ts';
import { deepMerge, isPlainObject } from '../shared/merge.ts';
import { qualifyServiceHost } from '../shared/names.ts';
import {
  INGRESS_GATEWAY_RELEASE,
  INGRESS_GATEWAY_SELECTOR,
  ISTIO_SYSTEM,
  tracingProviderName,
} from './constants.ts';

export const ISTIO_REPO = {
  repoName: 'istio',
  repoUrl: 'https://istio-release.storage.googleapis.com/charts',
} as const;

/**
 * Argo CD renders charts with `helm template`; istiod flips its validation webhooks' `failurePolicy` from
 * Ignore to Fail at runtime, which shows as drift. Both the base and the istiod chart read this value.
 */
const VALIDATION_FAIL = { base: { validationFailurePolicy: 'Fail' } } as const;

/**
 * The control-plane releases, in install order: `istio-base` (CRDs), `istiod`, and with `ingress.api: native`
 * the `gateway` chart as `istio-ingressgateway`. Empty unless `mesh.install` is set.
 */
export function buildCharts(env: ResolvedEnvironment): ChartRelease[] {
  const install = env.mesh.install;
  if (!install) return [];
  const common = { ...ISTIO_REPO, version: install.chartVersion };
  const charts: ChartRelease[] = [
    {
      name: 'istio-base',
      chart: 'base',
      namespace: ISTIO_SYSTEM,
      values: deepMerge({}, VALIDATION_FAIL),
      dependsOn: [],
      ...webhookDrift(install.chartVersion, 'istiod-default-validator'),
      ...common,
    },
    {
      name: 'istiod',
      chart: 'istiod',
      namespace: ISTIO_SYSTEM,
      values: istiodValues(env.mesh.observability, install.values, env.mesh.trustDomain),
      dependsOn: ['istio-base'],
      ...webhookDrift(install.chartVersion, istiodValidatorName(install.values)),
      ...common,
    },
  ];
  const ingress = env.mesh.ingress;
  if (ingress?.api === 'native') {
    charts.push({
      name: INGRESS_GATEWAY_RELEASE,
      chart: 'gateway',
      namespace: ingress.namespace,
      // Pinned rather than derived from the release name, so the Gateway selector and the principal allowed by
      // AuthorizationPolicies hold whatever release name the GitOps engine ends up using.
      values: { labels: { ...INGRESS_GATEWAY_SELECTOR }, serviceAccount: { name: INGRESS_GATEWAY_RELEASE } },
      dependsOn: ['istiod'],
      ...common,
    });
  }
  return charts;
}

/**
 * istiod values: meshc's (the trust domain every emitted principal uses, no default retries, the tracing
 * provider, the webhook drift fix) with the user's `install.values` deep-merged over them; the user wins on
 * conflicts (a different `meshConfig.trustDomain` is an error of its own, see diagnostics.ts).
 * `meshConfig.extensionProviders` is merged by provider name, so adding a provider of one's own does not drop
 * meshc's tracing provider.
 */
export function istiodValues(
  observability: Observability,
  user: Readonly<Values>,
  trustDomain: string,
): Values {
  const providers = extensionProviders(observability);
  const meshc: Values = {
    meshConfig: {
      trustDomain,
      defaultHttpRetryPolicy: { attempts: 0 },
      ...(providers.length ? { extensionProviders: providers } : {}),
    },
    ...VALIDATION_FAIL,
  };
  const merged = deepMerge(meshc, user);
  const mesh = merged.meshConfig;
  // After the merge the list is the user's when they set one (arrays replace), else a copy of meshc's.
  if (providers.length && isPlainObject(mesh) && Array.isArray(mesh.extensionProviders)) {
    mesh.extensionProviders = mergeByName(providers, mesh.extensionProviders);
  }
  return merged;
}

/** meshc's tracing extension provider, `meshc-<provider>` (referenced by the Telemetry object). */
export function extensionProviders(observability: Observability): Values[] {
  const t = observability.tracing;
  if (!t) return [];
  const target = { service: qualifyServiceHost(t.host), port: t.port };
  return [{ name: tracingProviderName(t.provider), [t.provider]: target }];
}

/** meshc's entries the user does not redefine (by `name`), then the user's entries. */
function mergeByName(meshc: readonly Values[], user: readonly unknown[]): unknown[] {
  const userNames = new Set(user.map((u) => (isPlainObject(u) ? u.name : undefined)));
  return [...meshc.filter((p) => !userNames.has(p.name)), ...user];
}

// ---- Argo CD and the validation webhooks' failurePolicy (istio/istio#52785) ----

/**
 * Whether the `base` and `istiod` charts of this version read `base.validationFailurePolicy` (meshc sets it
 * to Fail, so the webhook is rendered as it runs): added in 1.28.6, 1.29.2 and 1.30.0. Older charts render
 * `failurePolicy: Ignore` on a fresh install and istiod patches it to Fail once its webhook serves, which
 * Argo CD (rendering with `helm template`) shows as drift on every sync. An unparsable version counts as old.
 */
export function chartHasValidationFailurePolicy(chartVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(chartVersion);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 1) return major > 1;
  return minor >= 30 || (minor === 29 && patch >= 2) || (minor === 28 && patch >= 6);
}

/** The istiod chart's ValidatingWebhookConfiguration: `istio-validator[-<revision>]-istio-system`. */
function istiodValidatorName(user: Readonly<Values>): string {
  const rev = typeof user.revision === 'string' && user.revision !== '' ? `-${user.revision}` : '';
  return `istio-validator${rev}-${ISTIO_SYSTEM}`;
}

/**
 * For chart versions without `base.validationFailurePolicy`: the webhook's failurePolicy (each of the two
 * configurations holds one webhook) as a field the cluster changes at run time.
 */
function webhookDrift(chartVersion: string, name: string): { runtimeFields?: RuntimeField[] } {
  if (chartHasValidationFailurePolicy(chartVersion)) return {};
  return {
    runtimeFields: [
      {
        group: 'admissionregistration.k8s.io',
        kind: 'ValidatingWebhookConfiguration',
        name,
        pointer: '/webhooks/0/failurePolicy',
        reason:
          'the chart renders Ignore and istiod sets Fail once its validation webhook serves (istio/istio#52785)',
      },
    ],
  };
}
