import type { Retries, RetryCondition, Route } from '../../model/types.ts';
import { ANNOTATIONS, linkerdDuration } from './constants.ts';

const STATUS_ONLY = (what: string) =>
  `Linkerd retries on response status only (\`retry.linkerd.io/http\`); it has no ${what} condition`;
const GRPC_ONLY = 'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes';

/**
 * Every retry condition of the spec, as Linkerd's `retry.linkerd.io/http` token (linkerd2
 * `policy-controller/k8s/index/src/outbound/index/http.rs`, `parse_http_retry`: `5xx`, `gateway-error`, a
 * status code or an `xxx-yyy` range), or why it has none. Keyed by the schema's `RetryCondition` union: a new
 * condition in the schema does not compile until it is decided here.
 */
const RETRY_FORMS: Readonly<Record<RetryCondition, { readonly token: string } | { readonly why: string }>> = {
  '5xx': { token: '5xx' },
  'gateway-error': { token: 'gateway-error' },
  'retriable-4xx': { token: '409' },
  'connect-failure': { why: STATUS_ONLY('connect-failure') },
  reset: { why: STATUS_ONLY('stream-reset') },
  'refused-stream': { why: STATUS_ONLY('refused-stream') },
  cancelled: { why: GRPC_ONLY },
  'deadline-exceeded': { why: GRPC_ONLY },
  internal: { why: GRPC_ONLY },
  'resource-exhausted': { why: GRPC_ONLY },
  unavailable: { why: GRPC_ONLY },
};

/** Why a retry condition has no Linkerd form (shown at the condition). */
export const UNEXPRESSIBLE_RETRY: Readonly<Partial<Record<RetryCondition, string>>> = Object.fromEntries(
  Object.entries(RETRY_FORMS).flatMap(([c, f]) => ('why' in f ? [[c, f.why]] : [])),
);

/** The Linkerd token of a retry condition, or undefined when it has none. */
export function httpRetryToken(condition: RetryCondition): string | undefined {
  const form = RETRY_FORMS[condition];
  return 'token' in form ? form.token : undefined;
}

/**
 * The outbound policy annotations of one route (2.16+, on the route's HTTPRoute): `timeout.linkerd.io/request`
 * from `timeout` (the whole request, retries included, as meshc's `timeout`), and with retries
 * `retry.linkerd.io/http` (the expressible conditions, in spec order), `retry.linkerd.io/limit` (`attempts`:
 * retries after the first try) and `retry.linkerd.io/timeout` (`perTryTimeout`). No retry annotation at all
 * when `attempts` is 0 or no condition is expressible: Linkerd retries only when told to, which is meshc's
 * neutral default. Durations are rewritten as one integer and one unit, the only form Linkerd parses.
 */
export function routeAnnotations(route: Pick<Route, 'timeout' | 'retries'>): Record<string, string> {
  const out: Record<string, string> = {};
  if (route.timeout !== undefined) out[ANNOTATIONS.timeoutRequest] = linkerdDuration(route.timeout);
  Object.assign(out, retryAnnotations(route.retries));
  return out;
}

export function retryAnnotations(retries: Retries | undefined): Record<string, string> {
  if (!retries || retries.attempts === 0) return {};
  const tokens = [...new Set(retries.on.map(httpRetryToken).filter((t): t is string => t !== undefined))];
  if (!tokens.length) return {};
  const out: Record<string, string> = {
    [ANNOTATIONS.retryHttp]: tokens.join(','),
    [ANNOTATIONS.retryLimit]: String(retries.attempts),
  };
  if (retries.perTryTimeout !== undefined)
    out[ANNOTATIONS.retryTimeout] = linkerdDuration(retries.perTryTimeout);
  return out;
}

/** The key that puts routes with the same annotations in the same HTTPRoute object. */
export function policyKey(route: Pick<Route, 'timeout' | 'retries'>): string {
  return JSON.stringify(Object.entries(routeAnnotations(route)).sort());
}
