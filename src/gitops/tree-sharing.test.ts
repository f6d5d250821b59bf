/**
 * The gitops and render stages' fast paths for objects that environments render alike (one canonical
 * object per distinct object, overlays compared with their base by reference): the tree is the same whether
 * the backends hand equal objects as one shared reference (as a per-service emit cache does), as separate
 * fresh objects, or as copies with other key orders and undefined members, as when no two environments'
 * objects are equal (no fast path taken). And the tree rendered a shard at a time is the tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import type { ObjectPatch } from '../model/types.ts';
import { buildGitOpsTree } from '../../test/helpers/gitops-tree.ts';
import { env, output, systemObjects } from './fixture.test.ts';
import { prepareEnvironment } from './environment.ts';
import { layoutGitOpsTree, type EnvRender } from './tree.ts';
import { renderGitOpsTree } from '../render/tree.ts';

/** One object of a namespace, in one of a few variants (a variant is an environment's override). */
interface Slot {
  readonly ns: string;
  readonly kind: 'VirtualService' | 'DestinationRule' | 'Namespace';
  readonly name: string;
}

const SLOTS: readonly Slot[] = [
  { ns: 'a', kind: 'Namespace', name: 'a' },
  { ns: 'a', kind: 'VirtualService', name: 'x' },
  { ns: 'a', kind: 'VirtualService', name: 'y' },
  { ns: 'a', kind: 'DestinationRule', name: 'x' },
  { ns: 'b', kind: 'Namespace', name: 'b' },
  { ns: 'b', kind: 'VirtualService', name: 'x' },
  { ns: 'b', kind: 'DestinationRule', name: 'z' },
];

function build(slot: Slot, variant: number): K8sObject {
  if (slot.kind === 'Namespace')
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: slot.name, labels: { 'istio-injection': variant === 0 ? 'enabled' : 'disabled' } },
    };
  const metadata = {
    name: slot.name,
    namespace: slot.ns,
    labels: { app: slot.name, tier: `t${variant % 2}` },
  };
  if (slot.kind === 'DestinationRule')
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata,
      spec: { host: slot.name, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1' }] },
    };
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata,
    spec: {
      hosts: [slot.name],
      http: [
        {
          route: [
            { destination: { host: slot.name, subset: 'v1' }, weight: 100 - 10 * variant },
            { destination: { host: slot.name, subset: 'v2' }, weight: 10 * variant },
          ],
          ...(variant === 2 ? { timeout: '5s' } : {}),
        },
      ],
      // A null item: a copy with `undefined` there is equal in the canonical form but not to jsonEqual.
      extra: [null, variant],
    },
  };
}

/** A copy with every mapping's keys reversed and undefined members added; array nulls become undefined. */
function noisyCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => (x === null ? undefined : noisyCopy(x)));
  const out: Record<string, unknown> = { zz: undefined };
  for (const k of Object.keys(v).reverse()) out[k] = noisyCopy((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * `distinct`: the reference, taking none of the fast paths: every environment's objects differ from every
 * other environment's (`jsonEqual`) in a way their canonical form erases (an `undefined` item where the
 * others have `null`), so no canonical object is shared and every overlay object is diffed field by field.
 */
type Mode = 'shared' | 'fresh' | 'noisy' | 'distinct';

/** Every object carries MARKS; in `distinct` mode, environment `i` has `undefined` at position `i`. */
const MARKS = 4;

function marked(o: K8sObject, env: number | undefined): K8sObject {
  const marks: unknown[] = new Array<unknown>(MARKS).fill(null);
  if (env !== undefined) marks[env] = undefined;
  return { ...o, marks };
}

interface EnvPlan {
  readonly cluster: string;
  readonly engine: 'flux' | 'argocd';
  /** Per slot: the variant, or -1 for absent. */
  readonly variants: readonly number[];
  readonly systemVariant: number;
  readonly patch: boolean;
}

const envPlan = fc.record({
  cluster: fc.constantFrom('c1', 'c2', 'c3'),
  engine: fc.constantFrom('flux' as const, 'argocd' as const),
  variants: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: SLOTS.length, maxLength: SLOTS.length }),
  systemVariant: fc.integer({ min: 0, max: 1 }),
  patch: fc.boolean(),
});

function renders(plans: readonly EnvPlan[], mode: Mode): EnvRender[] {
  const pool = new Map<string, K8sObject>();
  const makeShared = (key: string, f: () => K8sObject): K8sObject => {
    if (mode === 'fresh') return f();
    if (mode === 'noisy') return noisyCopy(f()) as K8sObject;
    let o = pool.get(key);
    if (o === undefined) pool.set(key, (o = f()));
    return o;
  };
  return plans.map((p, i) => {
    const name = `env-${i}`;
    const make = (key: string, f: () => K8sObject): K8sObject => {
      if (mode === 'distinct') return marked(f(), i);
      return makeShared(key, () => marked(f(), undefined));
    };
    const namespaces: Record<string, K8sObject[]> = {};
    SLOTS.forEach((slot, s) => {
      const v = p.variants[s] as number;
      if (v < 0) return;
      (namespaces[slot.ns] ??= []).push(make(`${s}:${v}`, () => build(slot, v)));
    });
    const system = systemObjects().map((o, k) =>
      make(`system:${k}:${p.systemVariant}`, () =>
        p.systemVariant === 1 && o.kind === 'PeerAuthentication'
          ? { ...o, spec: { mtls: { mode: 'PERMISSIVE' } } }
          : o,
      ),
    );
    const patches: ObjectPatch[] = p.patch
      ? [
          {
            index: 0,
            target: { kind: 'VirtualService', name: 'x', namespace: 'a' },
            ops: [{ op: 'add', path: '/metadata/annotations', value: { patched: name } }],
          },
        ]
      : [];
    return {
      env: env(name, p.cluster, { engine: p.engine }, Object.keys(namespaces).sort(), patches),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output(namespaces, system),
    };
  });
}

describe('the tree from shared, fresh and reordered objects', () => {
  it('is the same, file for file, build for build, diagnostic for diagnostic (property)', () => {
    fc.assert(
      fc.property(fc.array(envPlan, { minLength: 1, maxLength: 4 }), (plans) => {
        const layout = layoutGitOpsTree(renders(plans, 'distinct'));
        const reference = renderGitOpsTree(layout);
        for (const mode of ['fresh', 'shared', 'noisy'] as const) {
          const tree = buildGitOpsTree(renders(plans, mode));
          expect(tree.files).toEqual(reference.files);
          expect(JSON.stringify([...tree.builds])).toBe(JSON.stringify([...reference.builds]));
          expect(tree.diagnostics).toEqual(reference.diagnostics);
        }
        // And each environment's namespaces as that environment renders them alone (no object shared with
        // another environment): what kustomize builds of its overlays.
        for (const render of renders(plans, 'fresh')) {
          const alone = prepareEnvironment(render);
          for (const ns of alone.namespaces) {
            const built = reference.builds.get(`overlays/${render.env.name}/${ns}`);
            expect(JSON.stringify(built)).toBe(JSON.stringify(alone.dirs.get(ns)));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
