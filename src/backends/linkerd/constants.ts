import type { MtlsMode, Port } from '../../model/types.ts';
import type { Duration } from '../../model/types.ts';
import type { AppProtocolOf } from '../shared/kubernetes-service.ts';
import { isOlderThan } from '../shared/names.ts';

export const LINKERD_NS = 'linkerd';
export const MIN_VERSION = '2.16';
/** First version whose control-plane chart configures native proxy tracing (`proxy.tracing.*`). */
export const TRACING_SINCE = '2.19';
/**
 * First version whose policy controller reads a Service port's `appProtocol` (linkerd2
 * `policy-controller/core/src/outbound.rs`, `FromStr for AppProtocol`): `http` is HTTP/1, `kubernetes.io/h2c`
 * HTTP/2, `linkerd.io/tcp` and `linkerd.io/opaque` opaque, and any other value (`grpc`, `http2`, `tcp`) is
 * Unknown, which the outbound policy serves as opaque TCP: no HTTPRoute, retry, timeout or failure accrual
 * applies to it. 2.16 and 2.17 ignore `appProtocol` and detect the protocol.
 */
export const APP_PROTOCOL_SINCE = '2.18';
/** The `appProtocol` Linkerd 2.18+ reads as HTTP/2 (the Kubernetes name of HTTP/2 over cleartext). */
export const H2C = 'kubernetes.io/h2c';

/**
 * A port's `appProtocol` on Linkerd `version`: from 2.18, `kubernetes.io/h2c` for `http2` and `grpc` ports
 * (gRPC is HTTP/2 to Linkerd, and the only HTTP/2 value it knows), the protocol as written otherwise.
 */
export function linkerdAppProtocol(version: string): AppProtocolOf {
  return appProtocols(readsAppProtocol(version));
}

/** linkerdAppProtocol of a version that reads `appProtocol` (`h2c`) or does not. */
export function appProtocols(h2c: boolean): AppProtocolOf {
  return h2c ? h2cAppProtocol : asWritten;
}

/** Whether Linkerd `version` reads `appProtocol` (APP_PROTOCOL_SINCE). */
export function readsAppProtocol(version: string): boolean {
  return !isOlderThan(version, APP_PROTOCOL_SINCE);
}

const asWritten = (p: Port): string => p.protocol;
const h2cAppProtocol = (p: Port): string =>
  p.protocol === 'http2' || p.protocol === 'grpc' ? H2C : p.protocol;

export const POLICY_GROUP = 'policy.linkerd.io';
/** Server and the inbound (policy) HTTPRoute. */
export const POLICY_V1BETA3 = 'policy.linkerd.io/v1beta3';
/** AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication. */
export const POLICY_V1ALPHA1 = 'policy.linkerd.io/v1alpha1';

export const INJECT_ANNOTATION = 'linkerd.io/inject';
export const DEFAULT_INBOUND_POLICY_ANNOTATION = 'config.linkerd.io/default-inbound-policy';

/** Outbound policy annotations of Linkerd 2.16+ (on a Service, an HTTPRoute or a GRPCRoute). */
export const ANNOTATIONS = {
  timeoutRequest: 'timeout.linkerd.io/request',
  retryHttp: 'retry.linkerd.io/http',
  retryLimit: 'retry.linkerd.io/limit',
  retryTimeout: 'retry.linkerd.io/timeout',
  accrual: 'balancer.linkerd.io/failure-accrual',
  accrualMaxFailures: 'balancer.linkerd.io/failure-accrual-consecutive-max-failures',
  accrualMinPenalty: 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty',
  accrualMaxPenalty: 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty',
} as const;

/** Linkerd's default maximum failure-accrual penalty (`…-consecutive-max-penalty`), reference/circuit-breaking. */
export const DEFAULT_MAX_PENALTY_MS = 60_000;

/**
 * The default inbound policy that expresses a neutral mTLS mode: `strict` admits meshed (mTLS-authenticated)
 * clients only, `permissive` admits plaintext too. Linkerd has no `off`: mTLS between meshed pods is always on.
 */
export function inboundPolicy(mode: MtlsMode): 'all-authenticated' | 'all-unauthenticated' {
  return mode === 'strict' ? 'all-authenticated' : 'all-unauthenticated';
}

/**
 * Linkerd's mTLS identity of a service account, in the environment's identity trust domain
 * (`mesh.trustDomain`, the chart value `identityTrustDomain`; `cluster.local` by default):
 * `<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>` (linkerd2 `controller/identity/domain.go`).
 */
export function identity(namespace: string, serviceAccount: string, trustDomain: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${LINKERD_NS}.${trustDomain}`;
}

/** Every mTLS identity of one namespace (MeshTLSAuthentication accepts a `*.` prefix). */
export function namespaceIdentities(namespace: string, trustDomain: string): string {
  return `*.${namespace}.serviceaccount.identity.${LINKERD_NS}.${trustDomain}`;
}

const UNITS: readonly (readonly [string, number])[] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * A Go-style duration as Linkerd's annotations parse it: one integer and one unit (`1m30s` → `90s`,
 * `1.5s` → `1500ms`), with the largest unit that divides it. meshc durations are whole milliseconds.
 */
export function linkerdDuration(duration: Duration): string {
  return formatMs(Math.round(duration.ms));
}

export function formatMs(ms: number): string {
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
