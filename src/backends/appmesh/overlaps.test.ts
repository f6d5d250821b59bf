import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { APPMESH_OVERLAPS } from './overlaps.ts';

const rule = (kind: string) => APPMESH_OVERLAPS.find((r) => r.kinds.includes(`appmesh.k8s.aws/${kind}`))!;
const obj = (kind: string, name: string, spec: unknown): K8sObject => ({
  apiVersion: 'appmesh.k8s.aws/v1beta2',
  kind,
  metadata: { name, namespace: 'howto' },
  spec,
});

describe('App Mesh overlap rules', () => {
  it('VirtualNode: the pods its podSelector picks in its namespace', () => {
    expect(
      rule('VirtualNode').claims(
        obj('VirtualNode', 'blue', { podSelector: { matchLabels: { app: 'color', version: 'blue' } } }),
      ),
    ).toEqual([{ key: 'application pods in namespace howto', selector: { app: 'color', version: 'blue' } }]);
    expect(rule('VirtualNode').claims(obj('VirtualNode', 'all', {}))).toEqual([
      { key: 'application pods in namespace howto' },
    ]);
  });

  it('VirtualService: its awsName, by default name.namespace', () => {
    expect(rule('VirtualService').claims(obj('VirtualService', 'color', {}))).toEqual([
      { key: 'virtual service color.howto' },
    ]);
    expect(
      rule('VirtualService').claims(obj('VirtualService', 'color2', { awsName: 'color.howto' })),
    ).toEqual([{ key: 'virtual service color.howto' }]);
  });
});
