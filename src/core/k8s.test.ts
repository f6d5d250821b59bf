import { describe, expect, it } from 'vitest';
import { objectFileName, resourceId, type K8sObject } from './k8s.ts';

const object = (name: string, apiVersion = 'networking.istio.io/v1'): K8sObject => ({
  apiVersion,
  kind: 'VirtualService',
  metadata: { name, namespace: 'shop' },
});

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe('resourceId and objectFileName', () => {
  it('name an object by its group, version, kind, namespace and name (kustomize build -o file names)', () => {
    expect(resourceId(object('Reviews'))).toBe('networking.istio.io/v1/VirtualService/shop/Reviews');
    expect(objectFileName(object('Reviews'))).toBe('networking.istio.io_v1_virtualservice_reviews.yaml');
    expect(objectFileName(object('reviews', 'v1'))).toBe('v1_virtualservice_reviews.yaml');
  });

  it('follow an object that is still being built; answer a frozen one as computed the first time', () => {
    const o = object('a') as { metadata: { name: string } } & K8sObject;
    expect([resourceId(o), objectFileName(o)]).toEqual([
      'networking.istio.io/v1/VirtualService/shop/a',
      'networking.istio.io_v1_virtualservice_a.yaml',
    ]);
    o.metadata.name = 'b';
    expect([resourceId(o), objectFileName(o)]).toEqual([
      'networking.istio.io/v1/VirtualService/shop/b',
      'networking.istio.io_v1_virtualservice_b.yaml',
    ]);
    // Frozen at the top only, its metadata can still change: not remembered either.
    const top = Object.freeze({ ...object('c'), metadata: { name: 'c', namespace: 'shop' } });
    expect(objectFileName(top)).toBe('networking.istio.io_v1_virtualservice_c.yaml');
    top.metadata.name = 'd';
    expect(objectFileName(top)).toBe('networking.istio.io_v1_virtualservice_d.yaml');
    expect(resourceId(top)).toBe('networking.istio.io/v1/VirtualService/shop/d');
    const frozen = deepFreeze(object('e'));
    for (let i = 0; i < 3; i++) {
      expect(resourceId(frozen)).toBe(resourceId(object('e')));
      expect(objectFileName(frozen)).toBe(objectFileName(object('e')));
    }
  });
});
