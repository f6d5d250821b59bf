import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compile.ts';
import type { SourceFile } from '../../parse/source.ts';
import { specArb } from '../../../test/helpers/spec-arbitrary.ts';
import { expectSharedEqualsAlone, generatedServiceIds } from '../../../test/helpers/emit-memo.ts';
import { EmitMemo } from './emit-memo.ts';
import { ISTIO_ENV, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);

describe('EmitMemo', () => {
  it('each environment emitted with a memo shared by all of them equals its emit without one', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const { plans } = compile(spec.files, { until: 'plan' });
        expectSharedEqualsAlone(plans);
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

/** A caller as an access rule names it from `namespace` (`name` in the same namespace, else `ns/name`). */
const ref = (id: string, namespace: string) => (id.startsWith(`${namespace}/`) ? id.split('/')[1]! : id);

/**
 * An override of one service that changes what its mTLS mode means to a backend: a mode of its own (a
 * per-workload policy), a rule admitting any caller (Linkerd's NetworkAuthentication unless strict), a rule
 * admitting named callers only, another service account.
 */
function mtlsOverrideArb(id: string, ids: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const namespace = id.split('/')[0]!;
  const others = ids.filter((x) => x !== id).map((x) => ref(x, namespace));
  return fc.oneof(
    fc.constantFrom('strict', 'permissive').map((mtls) => ({ mtls })),
    fc.constant({ access: [{ from: ['*'] }] }),
    fc.constant({ access: [{ from: ['*'], methods: ['GET'] }] }),
    ...(others.length ? [fc.constantFrom(...others).map((o) => ({ access: [{ from: [o] }] }))] : []),
    fc.constant({ serviceAccount: 'sa-b' }),
  );
}

/** Service documents where the services `stars` admit any caller (a rule `from: ["*"]` first). */
function withStars(text: string, stars: readonly string[]): string {
  return parseAllDocuments(text)
    .map((d) => {
      const doc = d.toJS() as { metadata: Record<string, string>; spec: { access?: unknown[] } };
      if (stars.includes(`${doc.metadata.namespace}/${doc.metadata.name}`))
        doc.spec.access = [{ from: ['*'] }, ...(doc.spec.access ?? [])];
      return stringify(doc);
    })
    .join('---\n');
}

/**
 * A generated spec (test/helpers/spec-arbitrary.ts, Istio and Linkerd) where some services admit any caller
 * and each environment has a twin on the same mesh in another mTLS mode (`off` too on Istio), and a third of
 * the environments override a few services (their own mode, callers `*` or named, the service account): the
 * model hands the environments of another mode copies of the services they share otherwise, which the
 * backends take as their representatives.
 */
const mixedMtlsSpecArb: fc.Arbitrary<readonly SourceFile[]> = specArb.chain((spec) => {
  const ids = generatedServiceIds(spec.files);
  const generated = spec.files.filter((f) => f.path.startsWith('environments/'));
  const modesOf = (mesh: string) =>
    mesh === 'istio' ? ['strict', 'permissive', 'off'] : ['strict', 'permissive'];
  const envShape = (mesh: string) =>
    fc.record({
      mtls: fc.constantFrom(...modesOf(mesh)),
      // Mostly none: an override makes the service, and those it names as callers, objects of their own.
      overrides: fc.oneof(
        { arbitrary: fc.constant([]), weight: 2 },
        fc
          .uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 2 })
          .chain((chosen) =>
            fc.tuple(...chosen.map((id) => mtlsOverrideArb(id, ids).map((o) => [id, o] as const))),
          ),
      ),
    });
  const meshOf = (f: SourceFile) => (parse(f.text) as { spec: { mesh: { type: string } } }).spec.mesh.type;
  return fc
    .tuple(
      // Services that admit any caller in every environment (Linkerd's objects then depend on the mode).
      fc.subarray(ids),
      fc.tuple(...generated.map((f) => fc.tuple(fc.boolean(), envShape(meshOf(f)), envShape(meshOf(f))))),
    )
    .map(([stars, shapes]) => {
      const services = spec.files
        .filter((f) => f.path.startsWith('services/'))
        .map((f) => ({ path: f.path, text: withStars(f.text, stars) }));
      const environments = generated.flatMap((f, i) => {
        const [keepMode, own, twin] = shapes[i]!;
        const doc = parse(f.text) as {
          metadata: { name: string };
          spec: Record<string, unknown> & { cluster: string; mesh: Record<string, unknown> };
        };
        const shaped = (name: string, shape: typeof own, mtls: unknown) => {
          const d = structuredClone(doc);
          d.metadata.name = name;
          d.spec.cluster = `${name}-1`;
          d.spec.mesh = { ...d.spec.mesh, mtls };
          if (shape.overrides.length) d.spec.overrides = Object.fromEntries(shape.overrides);
          return { path: `environments/${name}.yaml`, text: stringify(d) };
        };
        // The twin in another mode than the environment's (twin.mtls, or the next mode if they are alike).
        const mode = keepMode ? String(doc.spec.mesh.mtls) : own.mtls;
        const modes = modesOf(String(doc.spec.mesh.type));
        const twinMode = twin.mtls !== mode ? twin.mtls : modes[(modes.indexOf(mode) + 1) % modes.length];
        return [shaped(doc.metadata.name, own, mode), shaped(`${doc.metadata.name}-twin`, twin, twinMode)];
      });
      // Loader order: meshc.yaml, then by path.
      const rest = [
        ...spec.files.filter((f) => !generated.includes(f) && !f.path.startsWith('services/')),
        ...services,
        ...environments,
      ].slice(1);
      rest.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return [spec.files[0]!, ...rest];
    });
});

describe('EmitMemo across mTLS modes (representatives)', () => {
  it('environments of mixed mTLS modes emitted with a shared memo equal their emit without one', () => {
    fc.assert(
      fc.property(mixedMtlsSpecArb, (files) => {
        const { plans } = compile(files, { until: 'plan' });
        // Every environment is planned (no capability error drops them): the property is not vacuous.
        expect(plans.length).toBe(files.filter((f) => f.path.startsWith('environments/')).length);
        expectSharedEqualsAlone(plans);
      }),
      { numRuns: 2 * RUNS },
    );
  });

  it.each([
    // Istio: the environment's mode is the mesh-wide PeerAuthentication only; every service is shared.
    ['istio', 'type: istio, version: "1.24"', ['front', 'back', 'pub']],
    // Linkerd: pub admits any caller, a NetworkAuthentication under permissive, a MeshTLSAuthentication `*`
    // under strict: computed again; the others are shared.
    ['linkerd', 'type: linkerd, version: "2.18"', ['front', 'back']],
    // Consul: the mode is the Mesh object's; a service's own only where it sets one (back's ServiceDefaults).
    ['consul', 'type: consul, version: "1.21"', ['front', 'back', 'pub']],
  ])(
    '%s: an environment of another mTLS mode computes anew only the services whose objects depend on the mode',
    (_mesh, meshLine, shared) => {
      const services = dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: front, namespace: shop }
        spec:
          ports: [{ name: http, port: 8080 }]
          routes: [{ backends: [{ service: back }] }]
          access: [{ from: [pub] }]
        ---
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: back, namespace: shop }
        spec:
          ports: [{ name: http, port: 9090 }, { name: admin, port: 9901 }]
          mtls: permissive
        ---
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: pub, namespace: shop }
        spec:
          ports: [{ name: http, port: 8000 }]
          access: [{ from: ["*"] }]
      `;
      const env = (name: string, mtls: string) =>
        ISTIO_ENV.replace('type: istio, version: "1.24"', meshLine)
          .replace('name: prod', `name: ${name}`)
          .replace('prod-1', `${name}-1`)
          .replace('mtls: strict', `mtls: ${mtls}`);
      const r = compileInline(
        { 'services.yaml': services, 'a.yaml': env('a', 'strict'), 'b.yaml': env('b', 'permissive') },
        { until: 'plan' },
      );
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const [a, b] = r.plans;
      const service = (p: typeof a, name: string) => p!.env.services.find((s) => s.name === name)!;
      // The model gives b its own copies of front and pub (another default mtls); back sets its mode.
      expect(service(b, 'front')).not.toBe(service(a, 'front'));
      expect(service(b, 'pub')).not.toBe(service(a, 'pub'));
      expect(service(b, 'back')).toBe(service(a, 'back'));
      const memo = new EmitMemo();
      const get = memo.get.bind(memo);
      const computed: string[] = [];
      memo.get = (owner, key, index, compute) =>
        get(owner, key, index, (i) => (computed.push((owner as { name: string }).name), compute(i)));
      const outputs = [a!, b!].map((p) => {
        const sharedOut = p.backend.emit(p.env, { toolVersion: 't', memo });
        const alone = p.backend.emit(p.env, { toolVersion: 't' });
        expect(JSON.stringify([...sharedOut.namespaces]), p.env.name).toBe(
          JSON.stringify([...alone.namespaces]),
        );
        expect(JSON.stringify(sharedOut.diagnostics), p.env.name).toBe(JSON.stringify(alone.diagnostics));
        return JSON.stringify(
          sharedOut.namespaces.get('shop')!.filter((o) => o.metadata.name.startsWith('pub')),
        );
      });
      // Each service once in a; in b only those that depend on the mode.
      const anew = ['front', 'back', 'pub'].filter((n) => !shared.includes(n));
      expect(computed.slice(0, 3).sort(), 'a').toEqual(['back', 'front', 'pub']);
      expect(computed.slice(3), 'b').toEqual(anew);
      // Where pub is computed again, its objects do differ between the modes.
      if (anew.includes('pub')) expect(outputs[0]).not.toBe(outputs[1]);
      // Copies the model does not make today, which a backend must tell apart all the same: every service of
      // b in the other mode, back (which sets its mode) included.
      const flip = { strict: 'permissive', permissive: 'strict', off: 'strict' } as const;
      const c = { ...b!.env, services: b!.env.services.map((s) => ({ ...s, mtls: flip[s.mtls] })) };
      const sharedOut = b!.backend.emit(c, { toolVersion: 't', memo });
      const alone = b!.backend.emit(c, { toolVersion: 't' });
      expect(JSON.stringify([...sharedOut.namespaces]), 'c').toBe(JSON.stringify([...alone.namespaces]));
      expect(JSON.stringify(sharedOut.diagnostics), 'c').toBe(JSON.stringify(alone.diagnostics));
    },
  );
});
