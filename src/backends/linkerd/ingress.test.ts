import { describe, expect, it } from 'vitest';
import { caller, makeAccessRule, makeEnvironment, makeService } from '../../../test/helpers/model-factory.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildIngress } from './ingress.ts';

const INGRESS = { hosts: ['bookinfo.example.com'], paths: [] };
const env = (
  services: ResolvedService[],
  namespace = 'ingress',
  mtls: 'strict' | 'permissive' = 'permissive',
) =>
  makeEnvironment({
    services,
    mesh: {
      type: 'linkerd',
      version: '2.18',
      mtls,
      ingress: { className: 'envoy', api: 'gateway-api', namespace },
    },
  });
const nsOf = (objs: readonly K8sObject[], name: string) =>
  objs.find((o) => o.kind === 'Namespace' && o.metadata.name === name);
const guarded = makeService({
  ingress: INGRESS,
  access: [makeAccessRule({ from: [caller('bookinfo/productpage')], methods: ['GET'] })],
});

describe('Linkerd ingress', () => {
  it('meshes the ingress namespace meshc creates when access relies on the ingress identity', () => {
    const out = buildIngress(env([guarded]));
    expect(nsOf(out.system, 'ingress')?.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
    expect(out.diagnostics).toEqual([]);
  });

  it('strict mTLS relies on it too (all-authenticated refuses a plaintext controller)', () => {
    const open = makeService({ ingress: INGRESS, mtls: 'strict' });
    const out = buildIngress(env([open], 'ingress', 'strict'));
    expect(nsOf(out.system, 'ingress')?.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
  });

  it('leaves the namespace alone when nothing relies on the identity', () => {
    const open = makeService({ ingress: INGRESS, mtls: 'permissive' });
    const out = buildIngress(env([open]));
    expect(nsOf(out.system, 'ingress')?.metadata.annotations).toBeUndefined();
  });

  it("warns at the service's ingress when meshc does not mesh the ingress namespace (the control plane's)", () => {
    const out = buildIngress(env([guarded], 'linkerd'));
    expect(nsOf(out.system, 'linkerd')).toBeUndefined();
    expect(out.diagnostics.map((d) => `${d.severity} ${d.code} ${d.location?.file}`)).toEqual([
      'warning MESH_INGRESS_NOT_MESHED services/reviews.yaml#/ingress',
    ]);
  });

  it('an application namespace as ingress namespace is meshed already: no warning', () => {
    const out = buildIngress(env([guarded], 'bookinfo'));
    expect(out.diagnostics).toEqual([]);
  });
});
