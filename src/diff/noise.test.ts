import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import { BACKENDS } from '../backends/registry.ts';
import { DEFAULT_VALUES, UNORDERED_LISTS, normalizeForDiff } from './noise.ts';

/** An object of `group/Kind` with `value` at `path` (`[]` segments become one-item lists). */
function objectWith(gk: string, path: string, value: unknown): K8sObject {
  const slash = gk.lastIndexOf('/');
  const [group, kind] = slash < 0 ? ['', gk] : [gk.slice(0, slash), gk.slice(slash + 1)];
  let v = value;
  for (const seg of path.split('.').reverse()) {
    const list = seg.endsWith('[]');
    const key = list ? seg.slice(0, -2) : seg;
    v = { [key]: list ? [v] : v };
  }
  const top = v as { spec?: unknown; metadata?: Record<string, unknown> };
  return {
    apiVersion: group === '' ? 'v1' : `${group}/v1`,
    kind,
    ...top,
    metadata: { name: 'x', namespace: 'ns', ...(top.metadata ?? {}) },
  } as K8sObject;
}

describe('diff noise tables from the backends', () => {
  it("reach the filter: every backend's unordered lists compare as sets", () => {
    for (const b of BACKENDS)
      for (const [gk, paths] of Object.entries(b.diffNoise?.unorderedLists ?? {})) {
        expect(UNORDERED_LISTS[gk], `${b.mesh} ${gk}`).toEqual(expect.arrayContaining([...paths]));
        for (const p of paths) {
          const items = [{ n: 'b' }, { n: 'a' }];
          expect(normalizeForDiff(objectWith(gk, p, items)), `${b.mesh} ${gk} ${p}`).toEqual(
            normalizeForDiff(objectWith(gk, p, [...items].reverse())),
          );
        }
      }
  });

  it("reach the filter: every backend's server-filled defaults count as absent", () => {
    for (const b of BACKENDS)
      for (const [gk, fields] of Object.entries(b.diffNoise?.defaultValues ?? {}))
        for (const [p, value] of Object.entries(fields)) {
          expect(DEFAULT_VALUES[gk]?.[p], `${b.mesh} ${gk} ${p}`).toEqual(value);
          const cut = p.lastIndexOf('.');
          const parent = p.slice(0, cut);
          const field = p.slice(cut + 1);
          expect(normalizeForDiff(objectWith(gk, parent, { [field]: value, keep: 1 }))).toEqual(
            normalizeForDiff(objectWith(gk, parent, { keep: 1 })),
          );
        }
  });

  it("compares an Istio DestinationRule's named subsets as a set (a reordered live list is no drift)", () => {
    const rule = (names: string[]): K8sObject =>
      ({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'reviews', namespace: 'shop' },
        spec: { host: 'reviews', subsets: names.map((n) => ({ name: n, labels: { version: n } })) },
      }) as K8sObject;
    expect(normalizeForDiff(rule(['v2', 'v1']))).toEqual(normalizeForDiff(rule(['v1', 'v2'])));
    expect(normalizeForDiff(rule(['v1', 'v3']))).not.toEqual(normalizeForDiff(rule(['v1', 'v2'])));
  });

  it('keeps the order of a list no table names', () => {
    const gk = 'gateway.networking.k8s.io/HTTPRoute';
    const items = [{ n: 'b' }, { n: 'a' }];
    expect(normalizeForDiff(objectWith(gk, 'spec.rules', items))).not.toEqual(
      normalizeForDiff(objectWith(gk, 'spec.rules', [...items].reverse())),
    );
  });
});
