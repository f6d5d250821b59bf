/**
 * The Consul backend under the EmitMemo (src/backends/shared/emit-memo.ts): each service's objects and findings
 * are emitted once for the environments that see it alike. Consul's per-service objects read more of the
 * environment than Istio's or Linkerd's: the callees whose resilience a caller's ServiceDefaults carries (a
 * reverse relation: part of the key, the callees read through the index), route targets (read through the
 * index), whether some route sends to the service as a whole (part of the key) and the Consul version.
 */
import fc from 'fast-check';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compile.ts';
import type { SourceFile } from '../../parse/source.ts';
import { specArb } from '../../../test/helpers/spec-arbitrary.ts';
import { expectSharedEqualsAlone, generatedServiceIds } from '../../../test/helpers/emit-memo.ts';
import { compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import { EmitMemo } from '../shared/emit-memo.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 20);

/** A caller as an access rule names it from `namespace` (`name` in the same namespace, else `ns/name`). */
const ref = (id: string, namespace: string) => (id.startsWith(`${namespace}/`) ? id.split('/')[1]! : id);

/**
 * An override of one service that changes what its neighbours read (some of): its Consul name, whom it lets
 * call it (and so whose ServiceDefaults carry its resilience), its resilience, its routes (and so which
 * services are sent to as a whole), its protocol, its exposure.
 */
function overrideArb(id: string, ids: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const namespace = id.split('/')[0]!;
  const others = ids.filter((x) => x !== id).map((x) => ref(x, namespace));
  const sameNamespace = others.filter((x) => !x.includes('/'));
  const none = fc.constant(null);
  return fc
    .record(
      {
        serviceAccount: fc.constantFrom('sa-a', 'sa-b'),
        access: others.length
          ? fc.oneof(
              none,
              fc.subarray(others, { minLength: 1 }).map((from) => [{ from }]),
            )
          : none,
        resilience: fc.oneof(
          none,
          fc.integer({ min: 1, max: 9 }).map((consecutiveErrors) => ({
            outlierDetection: { consecutiveErrors },
            connectionPool: { maxConnections: 10 },
          })),
        ),
        routes: sameNamespace.length
          ? fc.oneof(
              none,
              fc.constantFrom(...sameNamespace).map((service) => [{ backends: [{ service }] }]),
            )
          : none,
        ports: fc.constant([{ name: 'tcp', port: 7000, protocol: 'tcp' }]),
        // An error where the environment has no ingress gateway, which emit reports.
        ingress: fc.constant({ hosts: [`${id.replace('/', '-')}.example.com`] }),
      },
      { requiredKeys: [] },
    )
    .filter((o) => Object.keys(o).length > 0);
}

/**
 * Service documents without what Consul cannot express (fault injection, mirroring, per-try timeouts), the
 * service `exposed` (if any) exposed through the ingress gateway.
 */
function consulServices(text: string, exposed: string | undefined): string {
  return parseAllDocuments(text)
    .map((d) => {
      const doc = d.toJS() as {
        metadata: Record<string, string>;
        spec: Record<string, unknown> & { routes?: Record<string, unknown>[] };
      };
      for (const r of doc.spec.routes ?? []) {
        delete r.fault;
        delete r.mirror;
        if (r.retries) delete (r.retries as Record<string, unknown>).perTryTimeout;
      }
      if (`${doc.metadata.namespace}/${doc.metadata.name}` === exposed)
        doc.spec.ingress = { hosts: ['exposed.example.com'] };
      return stringify(doc);
    })
    .join('---\n');
}

/**
 * A generated spec (test/helpers/spec-arbitrary.ts) moved to Consul: at least two environments, each in
 * either mTLS mode (the model gives a permissive environment copies of the services), mostly one Consul version (some environments on another, before or after 1.18, when ServiceRouter
 * retries changed), with or without an ingress gateway (a service exposed through it is an error where there
 * is none), and with overrides of some services. Environments that differ little, so that services are
 * shared between them and what tells them apart is what their neighbours change.
 */
const consulSpecArb: fc.Arbitrary<readonly SourceFile[]> = specArb.chain((spec) => {
  const ids = generatedServiceIds(spec.files);
  const generated = spec.files.filter((f) => f.path.startsWith('environments/'));
  // At least two environments, so that there is something to share.
  const environments =
    generated.length > 1
      ? generated
      : [
          ...generated,
          {
            path: 'environments/qa.yaml',
            text: generated[0]!.text.replace(/(name|cluster): (prod|staging|dev)\b/g, '$1: qa'),
          },
        ];
  const versionArb = fc.constantFrom('1.16', '1.17', '1.18', '1.21');
  return fc
    .record({
      version: versionArb,
      exposed: fc.option(fc.constantFrom(...ids), { nil: undefined }),
      shapes: fc.tuple(
        ...environments.map(() =>
          fc.record({
            version: fc.option(versionArb, { nil: undefined, freq: 3 }),
            mtls: fc.constantFrom('strict', 'permissive'),
            ingress: fc.boolean(),
            overrides: fc
              .uniqueArray(fc.constantFrom(...ids), { maxLength: 4 })
              .chain((chosen) =>
                fc.tuple(...chosen.map((id) => overrideArb(id, ids).map((o) => [id, o] as const))),
              ),
          }),
        ),
      ),
    })
    .map(({ version, exposed, shapes }) =>
      // Loader order: meshc.yaml, then by path (the generated environments are last, qa after them).
      [...spec.files.filter((f) => !generated.includes(f)), ...environments].map((f) => {
        if (f.path.startsWith('services/')) return { path: f.path, text: consulServices(f.text, exposed) };
        const i = environments.indexOf(f);
        if (i < 0) return f;
        const doc = parse(f.text) as { spec: Record<string, unknown> & { mesh: Record<string, unknown> } };
        const shape = shapes[i]!;
        doc.spec.mesh = {
          ...doc.spec.mesh,
          type: 'consul',
          version: shape.version ?? version,
          mtls: shape.mtls,
          ...(shape.ingress ? { ingress: { className: 'consul' } } : {}),
        };
        if (shape.overrides.length) doc.spec.overrides = Object.fromEntries(shape.overrides);
        return { path: f.path, text: stringify(doc) };
      }),
    );
});

describe('Consul under the EmitMemo', () => {
  it('each environment emitted with a memo shared by all of them equals its emit without one', () => {
    fc.assert(
      fc.property(consulSpecArb, (files) => {
        const { plans } = compile(files, { until: 'plan' });
        // Every environment is planned (no capability error drops them): the property is not vacuous.
        expect(plans.length).toBe(files.filter((f) => f.path.startsWith('environments/')).length);
        expectSharedEqualsAlone(plans, 'consul');
      }),
      { numRuns: RUNS },
    );
  });

  it('tells apart what an environment changes around an unchanged service (its callees, targets, whole, version)', () => {
    const services = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: front, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080 }]
        versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
        routes:
          - match: [{ headers: { x-canary: { exact: "1" } } }]
            backends: [{ service: back }]
            retries: { attempts: 2, on: [5xx] }
          - to: { v1: 50, v2: 50 }
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
        ports: [{ name: http, port: 9090 }]
        access: [{ from: [front] }]
        resilience: { outlierDetection: { consecutiveErrors: 5 } }
    `;
    const env = (name: string, version: string, overrides: string) =>
      dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Environment
        metadata: { name: ${name} }
        spec:
          cluster: ${name}-1
          mesh: { type: consul, version: "${version}", mtls: strict }
          gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      ` + (overrides ? `  overrides:\n    ${overrides}\n` : '');
    const r = compileInline(
      {
        'services.yaml': services,
        'a.yaml': env('a', '1.21', ''),
        // b: back no longer names front as a caller: front's ServiceDefaults carry no resilience of it.
        'b.yaml': env('b', '1.21', 'shop/back: { access: [{ from: [client] }] }'),
        // c: back's resilience (front still its caller): the callee front carries reads differently.
        'c.yaml': env(
          'c',
          '1.21',
          'shop/back: { resilience: { outlierDetection: { consecutiveErrors: 7 } } }',
        ),
        // d: back's Consul name: front's router targets it under another name.
        'd.yaml': env('d', '1.21', 'shop/back: { serviceAccount: back-sa }'),
        // e: client sends to front as a whole: front's own split moves to a splitter of its own.
        'e.yaml': env('e', '1.21', 'shop/client: { routes: [{ backends: [{ service: front }] }] }'),
        // f: a Consul version before 1.18 writes front's retries as status codes.
        'f.yaml': env('f', '1.16', ''),
      },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const memo = new EmitMemo();
    const fronts = r.plans.map(({ env: e, backend }) => {
      const shared = backend.emit(e, { toolVersion: 't', memo });
      const alone = backend.emit(e, { toolVersion: 't' });
      expect(JSON.stringify([...shared.namespaces]), e.name).toBe(JSON.stringify([...alone.namespaces]));
      expect(JSON.stringify(shared.diagnostics), e.name).toBe(JSON.stringify(alone.diagnostics));
      return JSON.stringify(
        shared.namespaces.get('shop')!.filter((o) => o.metadata.name.startsWith('front')),
      );
    });
    // The front service is one object in all six environments, yet its objects differ in each.
    const front = (name: string) =>
      r.model!.environments.find((e) => e.name === name)!.services.find((s) => s.name === 'front');
    for (const name of ['b', 'c', 'd', 'e', 'f']) expect(front(name), name).toBe(front('a'));
    expect(new Set(fronts).size).toBe(6);
  });

  it('an environment of another mTLS mode reuses the results of the services it sees alike', () => {
    const services = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: front, namespace: shop }
      spec:
        ports: [{ name: http, port: 8080 }]
        routes: [{ backends: [{ service: back }] }]
        access: [{ from: [back] }]
        resilience: { outlierDetection: { consecutiveErrors: 5 } }
      ---
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: back, namespace: shop }
      spec:
        ports: [{ name: http, port: 9090 }]
        mtls: permissive
    `;
    const env = (name: string, mtls: string) =>
      dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Environment
        metadata: { name: ${name} }
        spec:
          cluster: ${name}-1
          mesh: { type: consul, version: "1.21", mtls: ${mtls} }
          gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      `;
    const r = compileInline(
      { 'services.yaml': services, 'a.yaml': env('a', 'strict'), 'b.yaml': env('b', 'permissive') },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const [a, b] = r.plans;
    const front = (p: typeof a) => p!.env.services.find((s) => s.name === 'front')!;
    // The model gives b its own copy of front (another default mtls); back sets its mode, so it is one object.
    expect(front(b)).not.toBe(front(a));
    expect(front(b).mtls).toBe('permissive');
    const memo = new EmitMemo();
    const get = memo.get.bind(memo);
    let computed = 0;
    memo.get = (owner, key, index, compute) => get(owner, key, index, (i) => (computed++, compute(i)));
    for (const p of [a!, b!]) {
      const shared = p.backend.emit(p.env, { toolVersion: 't', memo });
      const alone = p.backend.emit(p.env, { toolVersion: 't' });
      expect(JSON.stringify([...shared.namespaces]), p.env.name).toBe(JSON.stringify([...alone.namespaces]));
      expect(JSON.stringify(shared.diagnostics), p.env.name).toBe(JSON.stringify(alone.diagnostics));
      // Both services once, in a; nothing anew in b.
      expect(computed, p.env.name).toBe(2);
    }
  });
});
