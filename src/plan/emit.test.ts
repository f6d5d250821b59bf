/**
 * ObjectPool's sharing of equal subtrees (SubtreeTable) and EmitMemo.keep: memory savings that must change
 * nothing a later stage can see but identity. The pool's first-member semantics are property-tested in
 * test/diff-shared.test.ts; the golden trees are rendered without sharing (their fleets are small), so the
 * rendered tree with and without sharing is compared here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../core/canonical.ts';
import type { K8sObject } from '../core/k8s.ts';
import { EmitMemo } from '../backends/shared/emit-memo.ts';
import { compile, type CompileCache } from '../compile.ts';
import type { SourceFile } from '../parse/source.ts';
// @ts-expect-error: a plain ES module without types
import { MESHES, syntheticSpec } from '../../scripts/synthetic-spec.mjs';
import { specArb } from '../../test/helpers/spec-arbitrary.ts';
import { ObjectPool, SHARE_FROM } from './emit.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 100 : 30);

/** Every mapping and array under `v` (not `v` itself), depth first. */
function nodesUnder(v: unknown, out: object[] = []): object[] {
  if (v === null || typeof v !== 'object') return out;
  for (const x of Object.values(v)) {
    if (x !== null && typeof x === 'object') {
      out.push(x);
      nodesUnder(x, out);
    }
  }
  return out;
}

function deeplyFrozen(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozen);
}

// Small alphabets, so that generated objects repeat their parts, and values that collide on purpose: the
// table hashes children, not keys, so {a: 1} and {b: 1} share a hash and must stay apart.
const leafArb = fc.oneof(
  fc.constantFrom('x', 'y', '1', ''),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 40),
  fc.boolean(),
  fc.constant(null),
);
const { tree: valueArb } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('tree'), { maxKeys: 3 }),
  ),
}));
const objectArb = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constantFrom('ConfigMap', 'Service'),
  metadata: fc.record({ name: fc.constantFrom('a', 'b', 'c'), namespace: fc.constant('x') }),
  spec: valueArb,
}) as fc.Arbitrary<K8sObject>;

describe('ObjectPool sharing equal subtrees', () => {
  it('gives the same members as a pool that does not share, equal subtrees identical, every member deeply frozen', () => {
    fc.assert(
      fc.property(fc.array(objectArb, { maxLength: 12 }), (objects) => {
        const sharing = new ObjectPool(0);
        const plain = new ObjectPool(Infinity);
        const shared = objects.map((o) => sharing.intern(o));
        const unshared = objects.map((o) => plain.intern(o));
        for (let i = 0; i < objects.length; i++) {
          // The same canonical form, as JSON text and structurally ("__proto__" members included).
          expect(JSON.stringify(shared[i])).toBe(JSON.stringify(canonicalize(objects[i]!)));
          expect(shared[i]).toStrictEqual(unshared[i]);
          expect(deeplyFrozen(shared[i])).toBe(true);
          // An input interned again gets the same member; two inputs share a member exactly when they do
          // in the pool without sharing.
          expect(sharing.intern(objects[i]!)).toBe(shared[i]);
          for (let j = 0; j < i; j++) expect(shared[i] === shared[j]).toBe(unshared[i] === unshared[j]);
        }
        // One node per distinct value: two nodes with the same JSON text are one (JSON text tells 0 from
        // -0 as alike, as the pool does; keys are in canonical order, so equal values print alike).
        const byText = new Map<string, object>();
        for (const m of new Set(shared))
          for (const n of nodesUnder(m)) {
            const text = `${Array.isArray(n) ? 'a' : 'o'}${JSON.stringify(n)}${JSON.stringify(Object.keys(n))}`;
            const first = byText.get(text);
            if (first === undefined) byText.set(text, n);
            else expect(n).toBe(first);
          }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps a "__proto__" member as data, and tells mappings with equal values under other keys apart', () => {
    const pool = new ObjectPool(0);
    const withProto = JSON.parse(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"},"data":{"__proto__":{"a":"1"},"b":{"a":"1"}}}',
    ) as K8sObject;
    const got = pool.intern(withProto) as K8sObject & { data: Record<string, unknown> };
    expect(Object.getPrototypeOf(got.data)).toBe(Object.prototype);
    expect(Object.keys(got.data)).toEqual(['__proto__', 'b']);
    expect(Object.getOwnPropertyDescriptor(got.data, '__proto__')?.value).toBe(got.data.b);
    // A "__proto__" member whose value the table had already: replaced as data, not set as the prototype.
    const first = pool.intern({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'q' },
      data: { x: { a: '2' } },
    });
    const again = pool.intern(
      JSON.parse(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"r"},"data":{"__proto__":{"a":"2"}}}',
      ) as K8sObject,
    ) as K8sObject & { data: Record<string, unknown> };
    expect(Object.getPrototypeOf(again.data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(again.data, '__proto__')?.value).toBe(
      (first as unknown as { data: { x: object } }).data.x,
    );

    const a = pool.intern({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { x: { k: '1' } },
    });
    const b = pool.intern({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b' },
      data: { x: { l: '1' } },
    });
    const c = pool.intern({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { x: { k: '1' } },
    });
    const x = (o: K8sObject) => (o as unknown as { data: { x: object } }).data.x;
    expect(x(a)).not.toBe(x(b));
    expect(x(b)).toEqual({ l: '1' });
    expect(x(c)).toBe(x(a));
  });

  it('shares from its shareFrom-th member on, not before', () => {
    const pool = new ObjectPool(3);
    const obj = (name: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { team: 'payments' } },
    });
    const [m1, m2, m3, m4, m5] = ['a', 'b', 'c', 'd', 'e'].map((n) => pool.intern(obj(n)));
    const labels = (o: K8sObject | undefined) => o!.metadata.labels;
    expect(labels(m1)).not.toBe(labels(m2));
    expect(labels(m2)).not.toBe(labels(m3));
    // The table starts with the third member: the fourth is the first to find an equal subtree in it.
    expect(labels(m4)).toBe(labels(m5));
    expect(labels(m4)).not.toBe(labels(m3));
    expect(SHARE_FROM).toBeGreaterThan(0);
  });
});

describe('EmitMemo.keep', () => {
  it("gives the pool's members, so the backend's objects are not what the memo keeps", () => {
    const pool = new ObjectPool();
    const memo = new EmitMemo(pool);
    const raw: K8sObject = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } };
    const [kept] = memo.keep([raw]);
    expect(kept).not.toBe(raw);
    expect(kept).toBe(pool.intern(raw));
    expect(pool.intern(kept!)).toBe(kept);
    expect(Object.isFrozen(kept)).toBe(true);
    // Without a pool: the objects as they are, in a list of the memo's own.
    const list = [raw];
    const plain = new EmitMemo().keep(list);
    expect(plain).toEqual([raw]);
    expect(plain).not.toBe(list);
    expect(plain[0]).toBe(raw);
  });
});

/** Nodes met again in another of the distinct objects the environments emitted. */
function repeatedNodes(c: ReturnType<typeof compile>): number {
  const members = new Set<K8sObject>();
  for (const r of c.emitted!.renders)
    for (const list of r.output.namespaces.values()) for (const o of list) members.add(o);
  const seen = new Set<object>();
  let repeated = 0;
  for (const m of members)
    for (const n of nodesUnder(m)) {
      if (seen.has(n)) repeated++;
      seen.add(n);
    }
  return repeated;
}

describe('a render with sharing', () => {
  const sources = (mesh: string): SourceFile[] =>
    Object.entries(
      syntheticSpec({ services: 60, environments: 3, mesh, shape: 'realistic' }) as Record<string, string>,
    ).map(([path, text]) => ({ path, text }));

  it.each(MESHES as string[])('is the same tree as without, for %s', (mesh) => {
    const files = sources(mesh);
    const objects = new ObjectPool(0);
    const cache: CompileCache = { parsed: new Map(), objects, emitted: new EmitMemo(objects) };
    const shared = compile(files, { cache });
    const plainPool = new ObjectPool(Infinity);
    const plain = compile(files, {
      cache: { parsed: new Map(), objects: plainPool, emitted: new EmitMemo(plainPool) },
    });
    expect(shared.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(shared.tree?.files.length).toBeGreaterThan(100);
    expect(shared.tree?.files).toEqual(plain.tree?.files);
    expect(JSON.stringify(shared.allDiagnostics)).toBe(JSON.stringify(plain.allDiagnostics));
    // The sharing happened: subtrees that are one object in two members.
    expect(repeatedNodes(shared)).toBeGreaterThan(repeatedNodes(plain) + 100);
  });

  it('is the same tree, findings and builds as without, for generated specs of every mesh', () => {
    const withPool = (files: readonly SourceFile[], pool: ObjectPool) =>
      compile(files, { cache: { parsed: new Map(), objects: pool, emitted: new EmitMemo(pool) } });
    fc.assert(
      fc.property(specArb, (spec) => {
        const shared = withPool(spec.files, new ObjectPool(0));
        const plain = withPool(spec.files, new ObjectPool(Infinity));
        expect(JSON.stringify(shared.allDiagnostics)).toBe(JSON.stringify(plain.allDiagnostics));
        expect(shared.tree?.files).toEqual(plain.tree?.files);
        expect(shared.tree?.builds).toEqual(plain.tree?.builds);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
