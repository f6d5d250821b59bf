import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { LINKERD_OVERLAPS } from './overlaps.ts';

const rule = (kind: string) => LINKERD_OVERLAPS.find((r) => r.kinds.includes(kind))!;
const obj = (apiVersion: string, kind: string, spec: unknown): K8sObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'emojivoto' },
  spec,
});

describe('Linkerd overlap rules', () => {
  it('routes claim their Service parent (either API group), or a Gateway per hostname', () => {
    const routes = rule('policy.linkerd.io/HTTPRoute');
    expect(routes.kinds).toContain('gateway.networking.k8s.io/HTTPRoute');
    expect(
      routes.claims(
        obj('policy.linkerd.io/v1beta3', 'HTTPRoute', {
          parentRefs: [{ group: 'core', kind: 'Service', name: 'web-svc', port: 80 }],
        }),
      ),
    ).toEqual([{ key: 'Service emojivoto/web-svc' }]);
    expect(
      routes.claims(
        obj('gateway.networking.k8s.io/v1', 'HTTPRoute', {
          hostnames: ['a.example.com'],
          parentRefs: [{ name: 'public', namespace: 'ingress' }],
        }),
      ),
    ).toEqual([{ key: 'Gateway ingress/public for host a.example.com' }]);
  });

  it('Server: the port of the pods its podSelector picks', () => {
    expect(
      rule('policy.linkerd.io/Server').claims(
        obj('policy.linkerd.io/v1beta3', 'Server', {
          port: 'grpc',
          podSelector: { matchLabels: { app: 'voting-svc' } },
        }),
      ),
    ).toEqual([{ key: 'port grpc of the pods in namespace emojivoto', selector: { app: 'voting-svc' } }]);
  });

  it('AuthorizationPolicy: its target; a Namespace target covers every target of the namespace', () => {
    const ap = rule('policy.linkerd.io/AuthorizationPolicy');
    expect(
      ap.claims(
        obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', {
          targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' },
        }),
      ),
    ).toEqual([{ key: 'authorization in namespace emojivoto', selector: { target: 'Server/voting-grpc' } }]);
    expect(
      ap.claims(
        obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', {
          targetRef: { kind: 'Namespace', name: 'emojivoto' },
        }),
      ),
    ).toEqual([{ key: 'authorization in namespace emojivoto' }]);
  });
});
