import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { ISTIO_OVERLAPS, istioHost } from './overlaps.ts';

const rule = (kind: string) => ISTIO_OVERLAPS.find((r) => r.kinds.includes(kind))!;
const obj = (apiVersion: string, kind: string, spec: unknown, namespace = 'bookinfo'): K8sObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace },
  spec,
});

describe('Istio overlap rules', () => {
  it('short host names are FQDNs of the object namespace; names with a dot stay as written', () => {
    expect(istioHost('reviews', 'bookinfo')).toBe('reviews.bookinfo.svc.cluster.local');
    expect(istioHost('reviews.bookinfo.svc.cluster.local', 'other')).toBe(
      'reviews.bookinfo.svc.cluster.local',
    );
    expect(istioHost('api.example.com', 'bookinfo')).toBe('api.example.com');
    expect(istioHost('*', 'bookinfo')).toBe('*');
    expect(istioHost('2001:db8::1', 'bookinfo')).toBe('2001:db8::1');
  });

  it('VirtualService: every host on every gateway it binds (default mesh)', () => {
    const vs = rule('networking.istio.io/VirtualService');
    expect(
      vs.claims(obj('networking.istio.io/v1', 'VirtualService', { hosts: ['reviews', 'a.example.com'] })),
    ).toEqual([
      { key: 'host reviews.bookinfo.svc.cluster.local on mesh' },
      { key: 'host a.example.com on mesh' },
    ]);
    expect(
      vs.claims(
        obj('networking.istio.io/v1', 'VirtualService', {
          hosts: ['a.example.com'],
          gateways: ['public', 'istio-ingress/edge', 'mesh'],
        }),
      ),
    ).toEqual([
      { key: 'host a.example.com on bookinfo/public' },
      { key: 'host a.example.com on istio-ingress/edge' },
      { key: 'host a.example.com on mesh' },
    ]);
  });

  it('DestinationRule: its host; policies: the workloads they select, or their targetRefs', () => {
    expect(
      rule('networking.istio.io/DestinationRule').claims(
        obj('networking.istio.io/v1', 'DestinationRule', { host: 'reviews' }),
      ),
    ).toEqual([{ key: 'host reviews.bookinfo.svc.cluster.local' }]);
    const ap = rule('security.istio.io/AuthorizationPolicy');
    expect(
      ap.claims(
        obj('security.istio.io/v1', 'AuthorizationPolicy', { selector: { matchLabels: { app: 'reviews' } } }),
      ),
    ).toEqual([{ key: 'workloads in namespace bookinfo', selector: { app: 'reviews' } }]);
    expect(ap.claims(obj('security.istio.io/v1', 'AuthorizationPolicy', {}))).toEqual([
      { key: 'workloads in namespace bookinfo' },
    ]);
    expect(
      ap.claims(
        obj('security.istio.io/v1', 'AuthorizationPolicy', {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }],
        }),
      ),
    ).toEqual([{ key: 'Gateway bookinfo/waypoint' }]);
    expect(
      rule('security.istio.io/PeerAuthentication').claims(
        obj('security.istio.io/v1', 'PeerAuthentication', { mtls: { mode: 'STRICT' } }, 'istio-system'),
      ),
    ).toEqual([{ key: 'workloads in namespace istio-system' }]);
  });
});
