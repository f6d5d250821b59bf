/**
 * When a live Istio object competes with one meshc rendered (`meshc drift`'s unmanaged overlap).
 *
 * - VirtualService: Istio merges the VirtualServices of one host only for gateways, and even there the
 *   order of their routes is undefined; for sidecars (`mesh`) a second VirtualService of a host is ignored
 *   or wins depending on its age (istio.io "Traffic Management Problems", "Multiple virtual services and
 *   destination rules for the same host"). Claim: each host on each gateway it binds (`spec.gateways`,
 *   default `mesh`). A short host name `reviews` is `reviews.<namespace>.svc.cluster.local`; names with a
 *   dot, `*` and IP addresses are taken as written (istio/istio `ResolveShortnameToFQDN`, which uses the
 *   mesh's domain; meshc assumes `cluster.local`).
 * - DestinationRule: one per host takes effect (the oldest); claim: the host.
 * - AuthorizationPolicy, PeerAuthentication, RequestAuthentication: every policy selecting a workload applies
 *   to it (ALLOW policies add up, so another one widens access; PeerAuthentication: the oldest of equal
 *   scope wins). Claim: the workloads of the namespace the selector picks (no selector: all of them);
 *   `targetRefs` (waypoints, gateways): the object referred to (istio/api `security/v1/authorization_policy.proto`,
 *   `peer_authentication.proto`).
 * - Gateway API routes: on the same parent (../shared/overlaps.ts).
 */
import type { K8sObject } from '../../core/k8s.ts';
import type { OverlapClaim, OverlapRule } from '../types.ts';
import { matchLabels, records, routeParentRule, specOf, strings } from '../shared/overlaps.ts';

/** The FQDN of a host as Istio reads it in an object of namespace `ns`. */
export function istioHost(host: string, ns: string): string {
  return host === '*' || host.includes('.') || host.includes(':') ? host : `${host}.${ns}.svc.cluster.local`;
}

/** A gateway reference as Istio reads it: `mesh`, or `<namespace>/<name>`. */
function gatewayRef(ref: string, ns: string): string {
  return ref === 'mesh' || ref.includes('/') ? ref : `${ns}/${ref}`;
}

function workloadClaims(obj: K8sObject): OverlapClaim[] {
  const spec = specOf(obj);
  const ns = obj.metadata.namespace ?? 'default';
  const targets = records(spec.targetRefs ?? (spec.targetRef !== undefined ? [spec.targetRef] : []));
  if (targets.length > 0)
    return targets.map((t) => ({
      key: `${String(t.kind)} ${typeof t.namespace === 'string' ? t.namespace : ns}/${String(t.name)}`,
    }));
  const selector = matchLabels(spec.selector);
  return [
    {
      key: `workloads in namespace ${ns}`,
      ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
    },
  ];
}

export const ISTIO_OVERLAPS: readonly OverlapRule[] = [
  {
    kinds: ['networking.istio.io/VirtualService'],
    what: 'the same host',
    claims(obj) {
      const spec = specOf(obj);
      const ns = obj.metadata.namespace ?? 'default';
      const gateways = strings(spec.gateways);
      const out: OverlapClaim[] = [];
      for (const gw of gateways.length > 0 ? gateways : ['mesh'])
        for (const host of strings(spec.hosts))
          out.push({ key: `host ${istioHost(host, ns)} on ${gatewayRef(gw, ns)}` });
      return out;
    },
  },
  {
    kinds: ['networking.istio.io/DestinationRule'],
    what: 'the same host',
    claims(obj) {
      const host = specOf(obj).host;
      return typeof host === 'string'
        ? [{ key: `host ${istioHost(host, obj.metadata.namespace ?? 'default')}` }]
        : [];
    },
  },
  { kinds: ['security.istio.io/AuthorizationPolicy'], what: 'the same workloads', claims: workloadClaims },
  { kinds: ['security.istio.io/PeerAuthentication'], what: 'the same workloads', claims: workloadClaims },
  { kinds: ['security.istio.io/RequestAuthentication'], what: 'the same workloads', claims: workloadClaims },
  routeParentRule(['gateway.networking.k8s.io/HTTPRoute', 'gateway.networking.k8s.io/GRPCRoute']),
];
