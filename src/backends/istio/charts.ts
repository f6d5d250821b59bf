import type { ChartRelease } from '../types.ts';
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
      ...common,
    },
    {
      name: 'istiod',
      chart: 'istiod',
      namespace: ISTIO_SYSTEM,
      values: istiodValues(env.mesh.observability, install.values, env.mesh.trustDomain),
      dependsOn: ['istio-base'],
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
