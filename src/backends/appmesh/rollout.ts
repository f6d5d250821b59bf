import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildCanary } from '../shared/flagger.ts';
import type { RolloutSupport } from '../types.ts';
import type { Peer } from './model.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './constants.ts';
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
 * A rolled-out service's objects on App Mesh: the Canary only, listing as `backends` the VirtualServices of its
 * own namespace it may call (Flagger's backends name VirtualServices of the Canary's namespace). No Service,
 * VirtualNode, VirtualRouter or VirtualService: Flagger generates them.
 *
 * The Canary's retries always carry a `perTryTimeout`: Flagger's App Mesh router makes a missing one 250ms
 * (`makeRetryPolicy`, which reads it with Go's time.ParseDuration), where meshc's own routers take the route
 * timeout, else App Mesh's 15s request default (virtual-router.ts, retryPolicy).
 */
export function appmeshRolloutObjects(
  s: ResolvedService,
  backends: readonly Pick<Peer, 'namespace' | 'name'>[],
): K8sObject[] {
  const names = backends.filter((b) => b.namespace === s.namespace).map((b) => b.name);
  const canary = buildCanary(s, APPMESH_ROLLOUT, names.length ? { backends: names } : {});
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
