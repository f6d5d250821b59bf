import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compile.ts';
import { specArb } from '../../../test/helpers/spec-arbitrary.ts';
import { EmitMemo } from './emit-memo.ts';
import { ISTIO_ENV, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);

describe('EmitMemo', () => {
  it('each environment emitted with a memo shared by all of them equals its emit without one', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const { plans } = compile(spec.files, { until: 'plan' });
        const memo = new EmitMemo();
        // Twice over, so that every environment also meets the results of those emitted after it.
        for (const round of [1, 2])
          for (const { env, backend } of plans) {
            const shared = backend.emit(env, { toolVersion: 't', memo });
            const alone = backend.emit(env, { toolVersion: 't' });
            expect(JSON.stringify([...shared.namespaces]), `${env.name}, round ${round}`).toBe(
              JSON.stringify([...alone.namespaces]),
            );
            expect(JSON.stringify(shared.diagnostics)).toBe(JSON.stringify(alone.diagnostics));
          }
      }),
      { numRuns: RUNS },
    );
  });

  it('reuses a result only where every read of the index gives the same answer', () => {
    const memo = new EmitMemo();
    const owner = {};
    const a = { n: 1 };
    const b = { n: 2 };
    let calls = 0;
    const read = (index: ReadonlyMap<string, object>) => (calls++, [index.get('x'), index.has('y')]);
    const first = memo.get(owner, 'k', new Map([['x', a]]), read);
    expect(memo.get(owner, 'k', new Map([['x', a]]), read)).toBe(first);
    expect(calls).toBe(1);
    memo.get(owner, 'k', new Map([['x', b]]), read); // another object under x
    memo.get(
      owner,
      'k',
      new Map<string, object>([
        ['x', a],
        ['y', b],
      ]),
      read,
    ); // y now present
    memo.get(owner, 'other key', new Map([['x', a]]), read);
    expect(calls).toBe(4);
    // A function that iterates the index is reused with that very index only.
    const all = (index: ReadonlyMap<string, object>) => (calls++, [...index.keys()]);
    const index = new Map([['x', a]]);
    memo.get(owner, 'all', index, all);
    memo.get(owner, 'all', index, all);
    memo.get(owner, 'all', new Map([['x', a]]), all);
    expect(calls).toBe(6);
  });

  it.each([
    ['istio', (t: string) => t],
    ['linkerd', (t: string) => t.replace('type: istio, version: "1.24"', 'type: linkerd, version: "2.18"')],
  ])(
    '%s: tells apart what an environment changes around an unchanged service (a target it reads, the trust domain)',
    (_mesh, onMesh) => {
      const services = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: front, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080 }]
        routes: [{ backends: [{ service: back }] }]
        access: [{ from: [client] }]
      ---
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: client, namespace: shop }
      spec:
        ports: [{ name: http, port: 8000 }]
      ---
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: back, namespace: shop }
      spec:
        ports: [{ name: http, port: 9090 }, { name: admin, port: 9901 }]
    `;
      const env = (name: string, extra: string) =>
        onMesh(ISTIO_ENV).replace('name: prod', `name: ${name}`).replace('prod-1', `${name}-1`) + extra;
      const r = compileInline(
        {
          'services.yaml': services,
          'a.yaml': env('a', ''),
          // b: another port on the target front routes to (front itself is untouched).
          'b.yaml': env(
            'b',
            '  overrides:\n    shop/back: { ports: [{ name: http, port: 9191 }, { name: admin, port: 9901 }] }\n',
          ),
          // c: another trust domain.
          'c.yaml': env('c', '').replace('mtls: strict', 'mtls: strict, trustDomain: corp.example'),
        },
        { until: 'plan' },
      );
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const memo = new EmitMemo();
      const fronts = r.plans.map(({ env: e, backend }) => {
        const shared = backend.emit(e, { toolVersion: 't', memo });
        const alone = backend.emit(e, { toolVersion: 't' });
        expect(JSON.stringify([...shared.namespaces])).toBe(JSON.stringify([...alone.namespaces]));
        return JSON.stringify(shared.namespaces.get('shop')!.filter((o) => o.metadata.name === 'front'));
      });
      // The front service is one object in all three environments, yet its objects differ in b and c.
      const front = (name: string) =>
        r.model!.environments.find((e) => e.name === name)!.services.find((s) => s.name === 'front');
      expect(front('b')).toBe(front('a'));
      expect(front('c')).toBe(front('a'));
      expect(new Set(fronts).size).toBe(3);
    },
  );
});
