import type { Retries, Route } from '../../model/types.ts';
import { ANNOTATIONS, linkerdDuration } from './constants.ts';

/**
 * Retry conditions of the spec as Linkerd's `retry.linkerd.io/http` tokens (linkerd2
 * `policy-controller/k8s/index/src/outbound/index/http.rs`, `parse_http_retry`: `5xx`, `gateway-error`, a
 * status code or an `xxx-yyy` range). `undefined`: not expressible on an HTTPRoute.
 */
const HTTP_RETRY_TOKENS: Readonly<Record<string, string | undefined>> = {
  '5xx': '5xx',
  'gateway-error': 'gateway-error',
  'retriable-4xx': '409',
};

/** Why a retry condition has no Linkerd form (shown at the condition). */
export const UNEXPRESSIBLE_RETRY: Readonly<Record<string, string>> = {
  'connect-failure':
    'Linkerd retries on response status only (`retry.linkerd.io/http`); it has no connect-failure condition',
  reset:
    'Linkerd retries on response status only (`retry.linkerd.io/http`); it has no stream-reset condition',
  'refused-stream':
    'Linkerd retries on response status only (`retry.linkerd.io/http`); it has no refused-stream condition',
  cancelled: 'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes',
  'deadline-exceeded':
    'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes',
  internal: 'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes',
  'resource-exhausted':
    'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes',
  unavailable: 'gRPC retry conditions need a GRPCRoute (`retry.linkerd.io/grpc`); meshc emits HTTPRoutes',
};

/** The Linkerd token of a retry condition, or undefined when it has none. */
export function httpRetryToken(condition: string): string | undefined {
  return HTTP_RETRY_TOKENS[condition];
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
