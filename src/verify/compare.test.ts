import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import { compareBuild, fieldDifferences } from './compare.ts';
import { kustomizeError } from './verify.ts';

const dr = (simple: string, extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec: { host: 'reviews', trafficPolicy: { loadBalancer: { simple } }, ...extra },
});
const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } };

describe('compareBuild', () => {
  it('finds nothing when the build has the same objects, in any order and key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({ spec: dr('RANDOM').spec, metadata: dr('RANDOM').metadata }),
    );
    expect(
      compareBuild(
        [ns, dr('RANDOM')],
        [{ ...reordered, kind: 'DestinationRule', apiVersion: 'networking.istio.io/v1' }, ns],
      ),
    ).toEqual([]);
  });

  it('names missing, extra and changed objects, and the changed fields as JSON Pointers', () => {
    const extra = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'bookinfo' } };
    const d = compareBuild([ns, dr('LEAST_REQUEST')], [dr('RANDOM', { 'a/b': [1, 2] }), extra]);
    expect(d).toEqual([
      {
        kind: 'changed',
        id: 'networking.istio.io/v1/DestinationRule/bookinfo/reviews',
        object: 'networking.istio.io/v1 DestinationRule bookinfo/reviews',
        fields: [
          { pointer: '/spec/a~1b', rendered: undefined, built: [1, 2] },
          { pointer: '/spec/trafficPolicy/loadBalancer/simple', rendered: 'LEAST_REQUEST', built: 'RANDOM' },
        ],
      },
      { kind: 'extra', id: 'v1/ConfigMap/bookinfo/x', object: 'v1 ConfigMap bookinfo/x' },
      { kind: 'missing', id: 'v1/Namespace//bookinfo', object: 'v1 Namespace bookinfo' },
    ]);
  });

  it('compares lists by position when their lengths agree, else as a whole', () => {
    expect(fieldDifferences({ a: [1, 2, 3] }, { a: [1, 5, 3] })).toEqual([
      { pointer: '/a/1', rendered: 2, built: 5 },
    ]);
    expect(fieldDifferences({ a: [1, 2] }, { a: [1] })).toEqual([
      { pointer: '/a', rendered: [1, 2], built: [1] },
    ]);
  });
});

describe('kustomizeError', () => {
  it("drops kubectl's log prefix and wrapper and the output directory's absolute path", () => {
    const stderr =
      'E1206 08:38:25.628637     782 run.go:72] "command failed" err="accumulating resources: lstat /srv/example/out/overlays/a/missing.yaml: no such file"\n';
    expect(kustomizeError(stderr, '/srv/example/out')).toBe(
      'accumulating resources: lstat overlays/a/missing.yaml: no such file',
    );
    expect(kustomizeError('Error: no kustomization file found\n', '/x')).toBe('no kustomization file found');
  });
});
