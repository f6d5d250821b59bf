/**
 * When a live Linkerd object competes with one meshc rendered (`meshc drift`'s unmanaged overlap).
 *
 * - HTTPRoute / GRPCRoute (Gateway API, and Linkerd's own `policy.linkerd.io` HTTPRoute, which the proxy
 *   reads alike): routes on the same Service parent are merged, a conflict going to the oldest route
 *   (linkerd/website `2-edge/reference/httproute.md`, "Route precedence"). Claim: the parent.
 * - Server: a pod port selected by two Servers takes the oldest (linkerd/website
 *   `2-edge/reference/authorization-policy.md`, Server). Claim: the port, for the pods the `podSelector`
 *   picks.
 * - AuthorizationPolicy: policies on the same target add up (any one authorizes), so another one widens
 *   access; one that targets the Namespace applies to every Server in it. Claim: the target.
 */
import type { OverlapRule } from '../types.ts';
import { matchLabels, routeParentRule, specOf } from '../shared/overlaps.ts';

const POLICY = 'policy.linkerd.io';

export const LINKERD_OVERLAPS: readonly OverlapRule[] = [
  routeParentRule([
    'gateway.networking.k8s.io/HTTPRoute',
    'gateway.networking.k8s.io/GRPCRoute',
    `${POLICY}/HTTPRoute`,
  ]),
  {
    kinds: [`${POLICY}/Server`],
    what: 'the same pod port',
    claims(obj) {
      const spec = specOf(obj);
      const ns = obj.metadata.namespace ?? 'default';
      if (spec.port === undefined) return [];
      const selector = matchLabels(spec.podSelector);
      return [
        {
          key: `port ${String(spec.port)} of the pods in namespace ${ns}`,
          ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
        },
      ];
    },
  },
  {
    kinds: [`${POLICY}/AuthorizationPolicy`],
    what: 'the same target',
    claims(obj) {
      const target = specOf(obj).targetRef as { kind?: unknown; name?: unknown } | undefined;
      const ns = obj.metadata.namespace ?? 'default';
      if (!target || typeof target.kind !== 'string') return [];
      // A Namespace target covers every target in it: no selector. Others are told apart by a pseudo-label.
      if (target.kind === 'Namespace') return [{ key: `authorization in namespace ${ns}` }];
      return [
        {
          key: `authorization in namespace ${ns}`,
          selector: { target: `${target.kind}/${String(target.name)}` },
        },
      ];
    },
  },
];
