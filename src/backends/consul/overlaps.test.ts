import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { competes } from '../../drift/drift.ts';
import { CONSUL_OVERLAPS } from './overlaps.ts';

const [rule] = CONSUL_OVERLAPS;
const entry = (kind: string, name: string, namespace: string, spec: unknown = {}): K8sObject => ({
  apiVersion: 'consul.hashicorp.com/v1alpha1',
  kind,
  metadata: { name, namespace },
  spec,
});
const clash = (a: K8sObject, b: K8sObject) =>
  rule!.claims(a).some((x) => rule!.claims(b).some((y) => competes(x, y)));

describe('Consul overlap rules', () => {
  it('the same kind and Consul name, in any Kubernetes namespace, is the same config entry', () => {
    expect(
      clash(entry('ServiceRouter', 'ledger', 'payments'), entry('ServiceRouter', 'ledger', 'billing')),
    ).toBe(true);
    expect(
      clash(entry('ServiceRouter', 'ledger', 'payments'), entry('ServiceSplitter', 'ledger', 'payments')),
    ).toBe(false);
    expect(
      clash(entry('ServiceRouter', 'ledger', 'payments'), entry('ServiceRouter', 'api', 'payments')),
    ).toBe(false);
  });

  it('ServiceIntentions are named by their destination; Mesh and ProxyDefaults are singletons', () => {
    expect(
      clash(
        entry('ServiceIntentions', 'ledger-intentions', 'payments', { destination: { name: 'ledger' } }),
        entry('ServiceIntentions', 'allow-api', 'payments', { destination: { name: 'ledger' } }),
      ),
    ).toBe(true);
    expect(
      clash(entry('ProxyDefaults', 'global', 'consul'), entry('ProxyDefaults', 'global', 'default')),
    ).toBe(true);
    expect(rule!.claims(entry('Mesh', 'mesh', 'consul'))).toEqual([{ key: 'Mesh config entry mesh' }]);
  });
});
