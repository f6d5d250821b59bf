import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import { OWNED_HEADER } from '../core/output.ts';
import { canonicalize } from '../core/canonical.ts';
import { compareObjects, kindRank, KIND_RANK, UNKNOWN_KIND_RANK } from '../backends/kind-order.ts';
import { renderMultiDoc, renderObjectFile } from './canonical.ts';

const obj = (
  kind: string,
  name: string,
  extra: Partial<K8sObject> = {},
  apiVersion = 'v1',
  namespace?: string,
): K8sObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
  ...extra,
});

describe('canonicalize', () => {
  it('orders the top level, metadata and every nested mapping', () => {
    const input = {
      spec: { z: 1, a: { d: [{ y: 1, b: 2 }], c: 3 }, B: 0 },
      metadata: {
        uid: 'u',
        annotations: { b: '1', a: '2' },
        labels: { z: 'z', a: 'a' },
        namespace: 'ns',
        name: 'n',
      },
      kind: 'Service',
      data: { k: 'v' },
      apiVersion: 'v1',
    } as unknown as K8sObject;
    const c = canonicalize(input);
    expect(Object.keys(c)).toEqual(['apiVersion', 'kind', 'metadata', 'data', 'spec']);
    expect(Object.keys(c.metadata)).toEqual(['name', 'namespace', 'labels', 'annotations', 'uid']);
    expect(Object.keys(c.metadata.labels!)).toEqual(['a', 'z']);
    expect(Object.keys(c.spec as object)).toEqual(['B', 'a', 'z']);
    expect((c.spec as { a: { d: object[] } }).a.d.map((o) => Object.keys(o))).toEqual([['b', 'y']]);
  });

  it('drops undefined, keeps null, keeps array order and does not touch the input', () => {
    const input = obj('ConfigMap', 'x', {
      data: { b: undefined, a: null },
      list: [3, undefined, 1],
    } as Partial<K8sObject>);
    const before = structuredClone(input);
    const c = canonicalize(input);
    expect(c.data).toEqual({ a: null });
    expect(Object.keys(c.data as object)).toEqual(['a']);
    expect(c.list).toEqual([3, null, 1]);
    expect(input).toEqual(before);
    expect(c.metadata).not.toBe(input.metadata);
  });

  it('sorts by UTF-16 code unit, not by locale or code point', () => {
    const c = canonicalize(obj('ConfigMap', 'x', { data: { b: 1, B: 2, é: 3, _: 4, a: 5, ｚ: 6, '😀': 7 } }));
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF5A.
    expect(Object.keys(c.data as object)).toEqual(['B', '_', 'a', 'b', 'é', '😀', 'ｚ']);
  });

  it('keeps a "__proto__" key as data', () => {
    const data = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>;
    const c = canonicalize(obj('ConfigMap', 'x', { data }));
    expect(Object.keys(c.data as object)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(c.data)).toBe(Object.prototype);
  });

  it('is idempotent and independent of input key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }), (spec) => {
        const a = canonicalize(obj('X', 'n', { spec }));
        const reversed = Object.fromEntries(Object.entries(spec).reverse());
        expect(JSON.stringify(canonicalize(a))).toBe(JSON.stringify(a));
        expect(JSON.stringify(canonicalize(obj('X', 'n', { spec: reversed })))).toBe(JSON.stringify(a));
      }),
      { numRuns: 300 },
    );
  });
  it('orders every mapping as Object.keys().sort() does, small mappings and large', () => {
    // canonicalize sorts small mappings itself (core/canonical.ts sortedKeys); the reference is the default sort.
    const keyArb = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 3 }),
      fc.constantFrom('a', 'B', '_', '10', '2'),
    );
    const mapArb = fc.dictionary(keyArb, fc.integer(), { maxKeys: 40 });
    // The reference: a mapping built by inserting the keys in Object.keys().sort() order (JavaScript still
    // enumerates array-index keys first, as canonicalize's comment says).
    const ordered = (v: unknown): unknown => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const built: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort())
        Object.defineProperty(built, k, {
          value: ordered((v as Record<string, unknown>)[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return Object.keys(built).map((k) => [k, built[k]]);
    };
    fc.assert(
      fc.property(
        fc.array(mapArb, { maxLength: 3 }),
        fc.dictionary(keyArb, mapArb, { maxKeys: 20 }),
        (list, spec) => {
          const c = canonicalize(obj('X', 'n', { spec, list } as Partial<K8sObject>));
          const got = (v: unknown): unknown =>
            v === null || typeof v !== 'object' || Array.isArray(v)
              ? v
              : Object.keys(v).map((k) => [k, got((v as Record<string, unknown>)[k])]);
          expect(got(c.spec)).toEqual(ordered(spec));
          expect((c.list as unknown[]).map(got)).toEqual(list.map(ordered));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('compareObjects', () => {
  it('orders by kind rank, then apiVersion, kind, namespace, name; unknown kinds last, alphabetically', () => {
    const objs = [
      obj('Zeta', 'a', {}, 'a.example/v1'),
      obj('VirtualService', 'b', {}, 'networking.istio.io/v1', 'ns'),
      obj('Alpha', 'a', {}, 'z.example/v1'),
      obj('VirtualService', 'a', {}, 'networking.istio.io/v1', 'ns'),
      obj('VirtualService', 'a', {}, 'appmesh.k8s.aws/v1beta2', 'ns'),
      obj('Kustomization', 'k', {}, 'kustomize.toolkit.fluxcd.io/v1', 'flux-system'),
      obj('Deployment', 'd', {}, 'apps/v1', 'ns'),
      obj('Service', 'b', {}, 'v1', 'b'),
      obj('Service', 'b', {}, 'v1', 'a'),
      obj('Namespace', 'ns'),
      obj('CustomResourceDefinition', 'x', {}, 'apiextensions.k8s.io/v1'),
      obj('AuthorizationPolicy', 'p', {}, 'security.istio.io/v1', 'ns'),
      obj('DestinationRule', 'r', {}, 'networking.istio.io/v1', 'ns'),
      obj('ValidatingWebhookConfiguration', 'w', {}, 'admissionregistration.k8s.io/v1'),
    ];
    const ids = [...objs]
      .sort(compareObjects)
      .map((o) => `${o.kind}/${o.apiVersion}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(ids).toEqual([
      'Namespace/v1//ns',
      'CustomResourceDefinition/apiextensions.k8s.io/v1//x',
      'Service/v1/a/b',
      'Service/v1/b/b',
      'Deployment/apps/v1/ns/d',
      'DestinationRule/networking.istio.io/v1/ns/r',
      'VirtualService/appmesh.k8s.aws/v1beta2/ns/a',
      'VirtualService/networking.istio.io/v1/ns/a',
      'VirtualService/networking.istio.io/v1/ns/b',
      'AuthorizationPolicy/security.istio.io/v1/ns/p',
      'Kustomization/kustomize.toolkit.fluxcd.io/v1/flux-system/k',
      'ValidatingWebhookConfiguration/admissionregistration.k8s.io/v1//w',
      'Alpha/z.example/v1//a',
      'Zeta/a.example/v1//a',
    ]);
  });

  it('ranks prototype property names as unknown kinds', () => {
    expect(kindRank('constructor')).toBe(UNKNOWN_KIND_RANK);
    expect(kindRank('toString')).toBe(UNKNOWN_KIND_RANK);
    expect(kindRank('Namespace')).toBe(0);
    expect(new Set(Object.values(KIND_RANK)).size).toBe(Object.keys(KIND_RANK).length);
  });
});

describe('renderObjectFile', () => {
  const o = obj('ConfigMap', 'cfg', { data: { enabled: 'true' } }, 'v1', 'ns');

  it('writes the owned header, the caller header and the canonical YAML', () => {
    expect(renderObjectFile({ data: o.data, ...o }, '# source: meshc environment prod')).toBe(
      [
        OWNED_HEADER,
        '# source: meshc environment prod',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: cfg',
        '  namespace: ns',
        'data:',
        '  enabled: "true"',
        '',
      ].join('\n'),
    );
    expect(renderObjectFile(o, '')).toBe(
      `${OWNED_HEADER}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ns\ndata:\n  enabled: "true"\n`,
    );
    expect(renderObjectFile(o, `${OWNED_HEADER}\n# x`)).toBe(renderObjectFile(o, '# x'));
  });

  it('refuses a header that is not made of comment lines', () => {
    expect(() => renderObjectFile(o, 'source: x')).toThrow(/comment/);
    expect(() => renderObjectFile(o, '# a\nb: c')).toThrow(/comment/);
  });
});

describe('renderMultiDoc', () => {
  it('sorts, canonicalizes and separates documents, without comments', () => {
    const text = renderMultiDoc([
      obj('Service', 's', { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }, 'v1', 'ns'),
      obj('Namespace', 'ns', { metadata: { labels: { 'istio-injection': 'enabled' }, name: 'ns' } }),
    ]);
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: ns',
        '  labels:',
        '    istio-injection: enabled',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: s',
        '  namespace: ns',
        'spec:',
        '  ports:',
        '  - port: 80',
        '  type: ClusterIP',
        '',
      ].join('\n'),
    );
    expect(jsYaml.loadAll(text)).toHaveLength(2);
    expect(renderMultiDoc([])).toBe('');
  });

  it('does not depend on the input order', () => {
    const objs = [
      obj('Service', 'a'),
      obj('Service', 'b'),
      obj('Deployment', 'a', {}, 'apps/v1'),
      obj('Foo', 'x', {}, 'x/v1'),
    ];
    expect(renderMultiDoc([...objs].reverse())).toBe(renderMultiDoc(objs));
  });
});
