import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { buildCanary } from '../shared/flagger.ts';
import { serviceFqdn } from '../shared/names.ts';
import type { RolloutSupport } from '../types.ts';
import { controllerRoleArn } from './charts.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './constants.ts';
import { meshName } from './mesh.ts';
import { HTTP_RETRY_EVENT } from './virtual-router.ts';

/**
 * Flagger's `appmesh:v1beta2` provider (fluxcd/flagger `pkg/router/appmesh_v1beta2.go`): it generates the
 * VirtualNodes `<name>-primary` / `<name>-canary` (backends from the Canary's `service.backends`, VirtualServices
 * of the Canary's namespace by name), the VirtualRouters and VirtualServices `<name>` and `<name>-canary`, with
 * the Canary's timeout and retries on the routes. `retryOn` is a comma-separated list of App Mesh HTTP retry
 * events; Flagger defaults it to `gateway-error`.
 */
export const APPMESH_ROLLOUT: RolloutSupport = {
  provider: 'appmesh:v1beta2',
  carries: { timeout: true, retries: true, headers: false },
  retryOn: (r) => {
    const on = r.on.length ? r.on : (['refused-stream'] as const);
    const events = [...new Set(on.flatMap((c) => (HTTP_RETRY_EVENT[c] ? [HTTP_RETRY_EVENT[c]] : [])))];
    return events.length ? events.join(',') : undefined;
  },
};

/**
 * How a Canary names the VirtualServices of other namespaces in an environment: the ARN prefix of its Mesh's
 * VirtualServices, or what meshc lacks to write it (`reported`: an APPMESH_INSTALL_VALUE_MISSING error already
 * says so).
 */
export type VirtualServiceArns =
  { readonly prefix: string } | { readonly missing: string; readonly reported: boolean };

/** An AWS account id: a string of 12 digits, leading zeros included. */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{12}$/.test(value);
}

/** An IAM role ARN: its partition and account. */
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/./;

/**
 * The ARN prefix of the VirtualServices of the environment's Mesh,
 * `arn:<partition>:appmesh:<region>:<account>:mesh/<mesh>/virtualService/`, from the controller's chart values:
 * `region`; the account the controller runs as, `accountId` (the chart's `--aws-account-id`) else the account
 * of its IAM role (IRSA; the controller otherwise asks STS, which answers the role's account: controller v1.13.3
 * `pkg/aws/cloud.go`), and the partition of that role (else of the region). The Mesh's awsName is its name
 * (the controller's webhook defaults it so).
 */
export function virtualServiceArns(env: ResolvedEnvironment): VirtualServiceArns {
  const install = env.mesh.install;
  if (!install)
    return {
      missing: `environment ${env.name} does not install the controller (mesh.install), where the AWS region and account of its Mesh are set`,
      reported: false,
    };
  const region = install.values.region;
  const role = controllerRoleArn(install.values);
  const accountId = install.values.accountId;
  const parsed = role ? ROLE_ARN.exec(role) : null;
  // An accountId that is no account id (a YAML number, which lost its leading zeros) is refused at the value
  // (diagnostics.ts, checkAccountId): no ARN is written from it, nor from the role's account instead.
  if (accountId !== undefined && accountId !== null && accountId !== '' && !isAccountId(accountId))
    return {
      missing: `mesh.install.values.accountId of environment ${env.name} is no account id`,
      reported: true,
    };
  const account = typeof accountId === 'string' && accountId ? accountId : parsed?.[2];
  if (typeof region !== 'string' || !region || (!account && !role))
    return { missing: `mesh.install.values of environment ${env.name} lacks them`, reported: true };
  if (!account)
    return {
      missing: `mesh.install.values of environment ${env.name} gives no \`accountId\`, and the controller's role ARN names no account (\`arn:<partition>:iam::<12 digits>:role/<name>\`)`,
      reported: false,
    };
  const partition =
    parsed?.[1] ??
    (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');
  return {
    prefix: `arn:${partition}:appmesh:${region}:${account}:mesh/${meshName(env)}/virtualService/`,
  };
}

/**
 * The awsName of a service's VirtualService: meshc's is the cluster DNS name (virtual-router.ts,
 * buildVirtualService); Flagger's, for a rolled-out service, has none, which the controller's webhook defaults
 * to `<name>.<namespace>` (controller v1.13.3 `webhooks/appmesh/virtualservice_mutator.go`).
 */
function virtualServiceAwsName(s: Pick<ResolvedService, 'name' | 'namespace' | 'rollout'>): string {
  return s.rollout ? `${s.name}.${s.namespace}` : serviceFqdn(s.namespace, s.name);
}

/**
 * The Canary's `service.backends` for the services a rolled-out service may call (backendsOf, in id order):
 * Flagger writes an entry starting with `arn:aws` as a VirtualService ARN and any other as the name of a
 * VirtualService of the Canary's namespace (`reconcileVirtualNode`, v1.44.0). So a service of its namespace is
 * named, one of another namespace is given by ARN (the controller reads the VirtualService's awsName from it:
 * controller v1.13.3 `pkg/conversions/arns_conversion.go`). Without the ARN prefix those are left out, each an
 * error (rollout-checks.ts, checkCanaryBackends; or the install's missing values, APPMESH_INSTALL_VALUE_MISSING).
 */
export function canaryBackends(
  s: Pick<ResolvedService, 'namespace'>,
  backends: readonly Pick<ResolvedService, 'namespace' | 'name' | 'rollout'>[],
  arns: VirtualServiceArns,
): string[] {
  return backends.flatMap((b) =>
    b.namespace === s.namespace
      ? [b.name]
      : 'prefix' in arns
        ? [`${arns.prefix}${virtualServiceAwsName(b)}`]
        : [],
  );
}

/**
 * A rolled-out service's objects on App Mesh: the Canary only, listing as `backends` the VirtualServices it may
 * call (canaryBackends). No Service, VirtualNode, VirtualRouter or VirtualService: Flagger generates them.
 *
 * The Canary's retries always carry a `perTryTimeout`: Flagger's App Mesh router makes a missing one 250ms
 * (`makeRetryPolicy`, which reads it with Go's time.ParseDuration), where meshc's own routers take the route
 * timeout, else App Mesh's 15s request default (virtual-router.ts, retryPolicy).
 */
export function appmeshRolloutObjects(s: ResolvedService, backends: readonly string[]): K8sObject[] {
  const canary = buildCanary(s, APPMESH_ROLLOUT, backends.length ? { backends: [...backends] } : {});
  const spec = canary.spec as Record<string, unknown> & { service: Record<string, unknown> };
  const service = spec.service;
  const retries = service.retries as Record<string, unknown> | undefined;
  if (!retries || retries.perTryTimeout !== undefined) return [canary];
  const route = s.routes.find((r) => !r.implicit);
  const perTryTimeout = route?.timeout?.text ?? `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`;
  const { attempts, ...rest } = retries;
  return [
    {
      ...canary,
      spec: { ...spec, service: { ...service, retries: { attempts, perTryTimeout, ...rest } } },
    },
  ];
}
