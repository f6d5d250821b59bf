/**
 * The App Mesh backend with the EmitMemo (shared/emit-memo.ts): a service's objects and findings computed for
 * one environment are reused in another only where the key (mesh settings, the service's backends and its
 * nodes' listener timeouts) and every read of the service index answer alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import { EmitMemo } from '../shared/emit-memo.ts';
import type { Backend } from '../types.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { RecordingMap } from '../../core/recording-map.ts';
import { spiffeId, type NodeRef } from './model.ts';
import { reachableNodes, reachableNodesOf } from './virtual-router.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 60 : 25);

const NAMESPACES = ['shop', 'pay'] as const;
const NAMES = ['web', 'api', 'cart', 'db'] as const;
const CTX = { toolVersion: 't' };

/** A Service document in namespace shop; `spec` is its indented body. */
const service = (name: string, spec: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec:\n${spec}`;

/**
 * An App Mesh Environment named `name` on cluster `name-1`: mTLS strict with SDS trust unless `mtls` says
 * otherwise (then without trust), `mesh` appended inside the mesh mapping, `extra` (indented spec members) after.
 */
function appmeshEnv(name: string, o: { mtls?: string; mesh?: string; extra?: string } = {}): string {
  const tls = o.mtls === undefined ? 'mtls: strict, trust: { sds: {} }' : `mtls: ${o.mtls}`;
  return (
    dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Environment
      metadata: { name: ${name} }
      spec:
        cluster: ${name}-1
        mesh: { type: appmesh, version: "1.13", ${tls}${o.mesh ?? ''} }
        gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
    ` + (o.extra ?? '')
  );
}

type Doc = Record<string, unknown>;
interface Svc {
  readonly namespace: string;
  readonly name: string;
}

const omitUndefined = (o: Doc): Doc =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Routes of `self` (versions `versions`): to its versions or to other services, some with long timeouts. */
function routesArb(self: Svc, versions: readonly string[], all: readonly Svc[], tcp: boolean) {
  const ref = (t: Svc) => (t.namespace === self.namespace ? t.name : `${t.namespace}/${t.name}`);
  const dest: fc.Arbitrary<Doc> = fc.oneof(
    ...(versions.length
      ? [
          fc.constantFrom(...versions).map((to) => ({ to })),
          fc
            .integer({ min: 0, max: 100 })
            .map((w) => (versions.length === 1 ? { to: { v1: 100 } } : { to: { v1: w, v2: 100 - w } })),
        ]
      : []),
    fc.subarray([...all], { minLength: 1, maxLength: 2 }).chain((ts) =>
      fc.integer({ min: 0, max: 100 }).map((w) => ({
        backends:
          ts.length === 1
            ? [{ service: ref(ts[0]!) }]
            : [
                { service: ref(ts[0]!), weight: w },
                { service: ref(ts[1]!), weight: 100 - w },
              ],
      })),
    ),
  );
  const route = (last: boolean, i: number) =>
    fc
      .record({
        dest,
        timeout: fc.option(fc.constantFrom('2s', '20s', '1m'), { nil: undefined }),
        retries: fc.option(
          fc.record({
            attempts: fc.integer({ min: 0, max: 3 }),
            on: fc.subarray(['5xx', 'gateway-error', 'connect-failure'], { minLength: 1 }),
          }),
          { nil: undefined },
        ),
        header: fc.constantFrom('qa', 'beta'),
      })
      .map(({ dest: d, header, ...rest }) =>
        omitUndefined({
          name: `r${i}`,
          ...(last ? {} : { match: [{ headers: { 'x-user': { exact: header } } }] }),
          ...d,
          ...rest,
        }),
      );
  // TCP ports take one route without matches.
  const count = tcp ? fc.integer({ min: 0, max: 1 }) : fc.constantFrom(0, 1, 1, 2);
  return count.chain((n) =>
    n ? fc.tuple(...Array.from({ length: n }, (_, i) => route(i === n - 1, i))) : fc.constant(undefined),
  );
}

function accessArb(self: Svc, all: readonly Svc[]) {
  const callers = ['*', ...all.filter((s) => s !== self).map((s) => `${s.namespace}/${s.name}`)];
  return fc.option(
    fc.array(
      fc.record({ from: fc.subarray(callers, { minLength: 1, maxLength: Math.min(3, callers.length) }) }),
      { minLength: 1, maxLength: 2 },
    ),
    { nil: undefined },
  );
}

/** What an environment may override of a service: one to three of its fields, anew. */
function fieldsArb(self: Svc, versions: readonly string[], all: readonly Svc[], index: number) {
  const protocol = fc.constantFrom('http', 'http2', 'grpc', 'tcp');
  return protocol.chain((p) =>
    fc.record(
      {
        // The port numbers vary too: a caller's router names the target's port when the target has several.
        ports: fc
          .tuple(fc.boolean(), fc.constantFrom(8000, 8100))
          .map(([two, base]) => [
            { name: 'main', port: base + index, protocol: p },
            ...(two ? [{ name: 'admin', port: 9000 + index, protocol: 'http' }] : []),
          ]),
        routes: routesArb(self, versions, all, p === 'tcp'),
        access: accessArb(self, all),
        mtls: fc.option(fc.constantFrom('strict', 'permissive'), { nil: undefined }),
        resilience: fc.option(
          fc.record(
            {
              outlierDetection: fc.record({ consecutiveErrors: fc.integer({ min: 1, max: 9 }) }),
              connectionPool: fc.record({ maxConnections: fc.integer({ min: 1, max: 100 }) }),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
        ingress: fc.option(
          fc.constantFrom('a', 'b').map((h) => ({ hosts: [`${self.name}-${h}.example.com`] })),
          { nil: undefined },
        ),
      },
      { requiredKeys: ['ports'] },
    ),
  );
}

/**
 * A valid App Mesh spec: a few services over two namespaces, and two or three environments that differ by
 * their mesh settings (mTLS, trust, trust domain, ingress gateway) and by overrides of a few fields of a few
 * services (another target's ports or routes, another caller's access or timeout, ...).
 */
const appmeshSpecArb = fc
  .uniqueArray(fc.record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...NAMES) }), {
    minLength: 2,
    maxLength: 6,
    selector: (s) => `${s.namespace}/${s.name}`,
  })
  .chain((all) =>
    fc.record({
      services: fc.tuple(
        ...all.map((self, i) =>
          fc
            .constantFrom([], ['v1'], ['v1', 'v2'])
            .chain((versions) => fieldsArb(self, versions, all, i).map((spec) => ({ self, versions, spec }))),
        ),
      ),
      environments: fc.uniqueArray(fc.constantFrom('prod', 'staging', 'dev'), { minLength: 2, maxLength: 3 }),
    }),
  )
  .chain(({ services, environments }) =>
    fc
      .tuple(
        ...environments.map((name) =>
          fc.record({
            name: fc.constant(name),
            // Each setting takes its first value most often, so that environments often see a service
            // alike and the memo is used; SDS trust's client policies name what each backend's routes reach.
            mtls: fc.constantFrom('strict', 'strict', 'strict', 'permissive', 'off'),
            trust: fc.constantFrom(
              { sds: {} },
              { sds: {} },
              { sds: {} },
              undefined,
              { file: { certificateChain: '/c/chain.pem', privateKey: '/c/key.pem', caBundle: '/c/ca.pem' } },
              {
                acm: {
                  certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/a',
                  certificateAuthorityArns: [
                    'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/b',
                  ],
                },
              },
            ),
            trustDomain: fc.constantFrom(undefined, undefined, undefined, 'corp.example'),
            gateway: fc.constantFrom('gw', 'gw', 'gw', undefined, 'edge'),
            overrides: fc.array(
              fc.constantFrom(...services.keys()).chain((i) =>
                fieldsArb(
                  services[i]!.self,
                  services[i]!.versions,
                  services.map((s) => s.self),
                  i,
                ).chain((fields) =>
                  fc
                    .subarray(Object.keys(fields), {
                      minLength: 1,
                      maxLength: Math.min(3, Object.keys(fields).length),
                    })
                    .map((keys) => ({
                      i,
                      patch: Object.fromEntries(keys.map((k) => [k, (fields as Doc)[k] ?? null])),
                    })),
                ),
              ),
              { minLength: 1, maxLength: 4 },
            ),
          }),
        ),
      )
      .map((envs) => {
        const files: Record<string, string> = {};
        services.forEach(({ self, versions, spec }) => {
          files[`services/${self.namespace}-${self.name}.yaml`] = stringify({
            apiVersion: 'meshc.dev/v1alpha1',
            kind: 'Service',
            metadata: self,
            spec: omitUndefined({
              ...spec,
              versions: versions.length
                ? Object.fromEntries(versions.map((v) => [v, { labels: { version: v } }]))
                : undefined,
            }),
          });
        });
        for (const e of envs) {
          const overrides: Record<string, Doc> = {};
          for (const { i, patch } of e.overrides) {
            const s = services[i]!.self;
            overrides[`${s.namespace}/${s.name}`] = { ...overrides[`${s.namespace}/${s.name}`], ...patch };
          }
          files[`environments/${e.name}.yaml`] = stringify({
            apiVersion: 'meshc.dev/v1alpha1',
            kind: 'Environment',
            metadata: { name: e.name },
            spec: omitUndefined({
              cluster: `${e.name}-1`,
              mesh: omitUndefined({
                type: 'appmesh',
                version: '1.13',
                mtls: e.mtls,
                trust: e.trust,
                trustDomain: e.trustDomain,
                ingress: e.gateway ? { className: e.gateway, api: 'native' } : undefined,
              }),
              gitops: { engine: 'flux', repo: 'https://github.com/acme/mesh.git' },
              overrides: Object.keys(overrides).length ? overrides : undefined,
            }),
          });
        }
        return files;
      }),
  );

/** An environment's emit with a memo and without one, as comparable text. */
function emitBoth(backend: Backend, env: ResolvedEnvironment, memo: EmitMemo) {
  const text = (o: ReturnType<Backend['emit']>) =>
    JSON.stringify([[...o.namespaces], o.system, o.diagnostics.map(located)]);
  return { shared: text(backend.emit(env, { ...CTX, memo })), alone: text(backend.emit(env, CTX)) };
}
/** A finding with its location read (locations are lazy). */
const located = (d: Diagnostic) => ({ ...d, location: d.location && { ...d.location } });

describe('App Mesh with the EmitMemo', () => {
  it('each environment emitted with a memo shared by all of them equals its emit without one', () => {
    let planned = 0;
    fc.assert(
      fc.property(appmeshSpecArb, (files) => {
        const r = compileInline(files, { until: 'plan' });
        if (!r.plans.length) return;
        planned++;
        const memo = new EmitMemo();
        // Twice over, so that every environment also meets the results of those emitted after it.
        for (const round of [1, 2])
          for (const { env, backend } of r.plans) {
            const { shared, alone } = emitBoth(backend, env, memo);
            expect(shared, `${env.name}, round ${round}`).toBe(alone);
          }
      }),
      { numRuns: RUNS },
    );
    // Most generated specs are valid (a spec with an error has no plans to emit).
    expect(planned).toBeGreaterThan(RUNS / 2);
  });

  it('tells apart what an environment changes around an unchanged service', () => {
    const services = [
      // front routes to back, may call back (back admits it) and client (no rules), and is called by client.
      service(
        'front',
        '  ports: [{ name: http, port: 8080 }]\n  routes: [{ backends: [{ service: back }] }]\n  access: [{ from: [client] }]\n',
      ),
      service('client', '  ports: [{ name: http, port: 8000 }]\n'),
      service(
        'back',
        '  ports: [{ name: http, port: 9090 }, { name: admin, port: 9901 }]\n  access: [{ from: [front] }]\n',
      ),
      service('other', '  ports: [{ name: http, port: 7070 }]\n  access: [{ from: [client] }]\n'),
      // edge routes to front with a timeout under App Mesh's 15s default; front may not call it.
      service(
        'edge',
        '  ports: [{ name: http, port: 6060 }]\n  routes: [{ backends: [{ service: front }], timeout: 5s }]\n  access: [{ from: [client] }]\n',
      ),
      // fan routes to every pod of wide (one target per version), which front may not call.
      service(
        'fan',
        '  ports: [{ name: http, port: 5050 }]\n  routes: [{ backends: [{ service: wide }] }]\n  access: [{ from: [client] }]\n',
      ),
      service(
        'wide',
        '  ports: [{ name: http, port: 4040 }]\n  versions: { v1: { labels: { version: v1 } } }\n  access: [{ from: [fan] }]\n',
      ),
    ].join('---\n');
    const versions = Array.from({ length: 11 }, (_, i) => `v${i}: { labels: { version: v${i} } }`).join(', ');
    const env = (name: string, extra = '', mesh = '') => appmeshEnv(name, { mesh, extra });
    const overrides = (o: string) => `  overrides:\n    ${o}\n`;
    const r = compileInline(
      {
        'services.yaml': services,
        'a.yaml': env('a'),
        // b: another port on the target front routes to (read from the index).
        'b.yaml': env(
          'b',
          overrides('shop/back: { ports: [{ name: http, port: 9191 }, { name: admin, port: 9901 }] }'),
        ),
        // c: another service admits front (its backends, in the key).
        'c.yaml': env('c', overrides('shop/other: { access: [{ from: [front] }] }')),
        // d: a route to front with a timeout over 15s (its listener timeout, in the key).
        'd.yaml': env(
          'd',
          overrides('shop/edge: { routes: [{ backends: [{ service: front }], timeout: 30s }] }'),
        ),
        // e: another trust domain (the settings, in the key).
        'e.yaml': env('e', '', ', trustDomain: corp.example'),
        // f: a target with 11 versions: fan's route has 11 weighted targets, one more than App Mesh takes (a
        // finding of fan, read from the index by its check).
        'f.yaml': env('f', overrides(`shop/wide: { versions: { ${versions} } }`)),
      },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const memo = new EmitMemo();
    const emitted = new Map(
      r.plans.map(({ env: e, backend }) => {
        const { shared, alone } = emitBoth(backend, e, memo);
        expect(shared, e.name).toBe(alone);
        return [e.name, backend.emit(e, { ...CTX, memo })];
      }),
    );
    const objectsOf = (env: string, name: string) =>
      emitted
        .get(env)!
        .namespaces.get('shop')!
        .filter((o) => o.metadata.name.startsWith(name) && o.kind !== 'Namespace');
    // front and fan are one object each in all six environments, yet front's objects differ in a to e, and
    // fan has a finding in f only.
    const resolved = (env: string, name: string) =>
      r.model!.environments.find((e) => e.name === env)!.services.find((s) => s.name === name);
    for (const env of ['b', 'c', 'd', 'e', 'f']) {
      expect(resolved(env, 'front'), env).toBe(resolved('a', 'front'));
      expect(resolved(env, 'fan'), env).toBe(resolved('a', 'fan'));
    }
    expect(
      new Set(['a', 'b', 'c', 'd', 'e'].map((env) => JSON.stringify(objectsOf(env, 'front')))).size,
    ).toBe(5);
    const fanFindings = (env: string) =>
      emitted
        .get(env)!
        .diagnostics.filter((d) => d.message.startsWith('shop/fan:'))
        .map((d) => d.message);
    expect(fanFindings('a')).toEqual([]);
    expect(fanFindings('f')).toEqual([
      'shop/fan: an App Mesh route has at most 10 weighted targets, this one 11.',
    ]);
    // Where the environments see a service alike, its objects are the same objects.
    objectsOf('f', 'front').forEach((o, i) => expect(o).toBe(objectsOf('a', 'front')[i]));
  });
});

describe('App Mesh with the EmitMemo: rolled-out services', () => {
  it("a Canary's backends follow the services that admit it, environment by environment", () => {
    const services = [
      service(
        'cart',
        '  ports: [{ name: http, port: 8080 }]\n  rollout: { strategy: canary, interval: 30s, threshold: 5, stepWeight: 10, maxWeight: 50 }\n',
      ),
      service('api', '  ports: [{ name: http, port: 8000 }]\n  access: [{ from: [web] }]\n'),
      service('web', '  ports: [{ name: http, port: 7000 }]\n  access: [{ from: [api] }]\n'),
    ].join('---\n');
    const env = (name: string, extra = '') =>
      appmeshEnv(name, {
        mtls: '"off"',
        extra:
          '  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }\n' +
          extra,
      });
    const r = compileInline(
      {
        'services.yaml': services,
        'a.yaml': env('a'),
        // b: api admits cart too (cart's backends, in the key).
        'b.yaml': env('b', '  overrides:\n    shop/api: { access: [{ from: [web, cart] }] }\n'),
        'c.yaml': env('c'),
      },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const memo = new EmitMemo();
    const canaries = new Map(
      r.plans.map(({ env: e, backend }) => {
        const { shared, alone } = emitBoth(backend, e, memo);
        expect(shared, e.name).toBe(alone);
        const out = backend.emit(e, { ...CTX, memo });
        return [e.name, out.namespaces.get('shop')!.find((o) => o.kind === 'Canary')!];
      }),
    );
    const backendsOf = (env: string) =>
      (canaries.get(env)!.spec as { service: { backends?: string[] } }).service.backends;
    expect(backendsOf('a')).toEqual(['cart']);
    expect(backendsOf('b')).toEqual(['api', 'cart']);
    expect(canaries.get('c')).toBe(canaries.get('a'));
  });
});

/** Node lists as comparable values: names, and the very service and version objects. */
const nodesAlike = (a: readonly NodeRef[], b: readonly NodeRef[]) =>
  a.length === b.length &&
  a.every(
    (n, i) =>
      n.namespace === b[i]!.namespace &&
      n.name === b[i]!.name &&
      n.service === b[i]!.service &&
      n.version === b[i]!.version,
  );

describe('App Mesh: reachable nodes computed once (reachableNodesOf)', () => {
  it('answers as reachableNodes in every environment, with a memo shared by all, without one, and inside another entry', () => {
    fc.assert(
      fc.property(appmeshSpecArb, (files) => {
        const r = compileInline(files, { until: 'plan' });
        const memo = new EmitMemo();
        for (const round of [1, 2])
          for (const { env } of r.plans) {
            const index = new Map(env.services.map((s) => [s.id, s]));
            for (const s of env.services) {
              const direct = reachableNodes(s, index);
              const what = `${env.name} ${s.id}, round ${round}`;
              expect(nodesAlike(reachableNodesOf(s, index, memo), direct), what).toBe(true);
              expect(nodesAlike(reachableNodesOf(s, index, undefined), direct), what).toBe(true);
              // Inside another memo entry's computation (a recording index), the shared answer records every
              // read reachableNodes makes, with the same answers: that entry is reused only where they hold.
              const shared = new RecordingMap<ResolvedService>(index);
              const alone = new RecordingMap<ResolvedService>(index);
              expect(nodesAlike(reachableNodesOf(s, shared, memo), reachableNodes(s, alone)), what).toBe(
                true,
              );
              for (const [id, v] of alone.gets)
                expect(
                  shared.gets.some(([i, w]) => i === id && w === v),
                  `${what}: read of ${id}`,
                ).toBe(true);
              expect(shared.whole || alone.whole).toBe(false);
            }
          }
      }),
      { numRuns: RUNS },
    );
  });

  it("each caller's client policy names what the backend's routes reach in that environment", () => {
    let checked = 0;
    fc.assert(
      fc.property(appmeshSpecArb, (files) => {
        const r = compileInline(files, { until: 'plan' });
        const memo = new EmitMemo();
        for (const { env, backend } of r.plans) {
          const index = new Map(env.services.map((s) => [s.id, s]));
          const out = backend.emit(env, { ...CTX, memo });
          for (const objects of out.namespaces.values())
            for (const o of objects) {
              if (o.kind !== 'VirtualNode') continue;
              const backends = ((o.spec as Doc).backends ?? []) as Doc[];
              for (const b of backends) {
                const vs = b.virtualService as Doc;
                const ref = vs.virtualServiceRef as { name: string; namespace?: string };
                const target = index.get(`${ref.namespace ?? o.metadata.namespace}/${ref.name}`)!;
                const tls = (vs.clientPolicy as Doc | undefined)?.tls as Doc | undefined;
                const sans = (
                  (tls?.validation as Doc | undefined)?.subjectAlternativeNames as Doc | undefined
                )?.match as { exact: string[] } | undefined;
                if (env.mesh.trust?.type !== 'sds' || target.mtls === 'off') {
                  expect(sans).toBeUndefined();
                  continue;
                }
                checked++;
                const expected = [
                  ...new Set(
                    reachableNodes(target, index).map((n) =>
                      spiffeId(env.mesh.trustDomain, n.namespace, n.service.serviceAccount),
                    ),
                  ),
                ].sort();
                expect(sans?.exact, `${env.name} ${o.metadata.name} → ${target.id}`).toEqual(expected);
              }
            }
        }
      }),
      { numRuns: RUNS },
    );
    expect(checked).toBeGreaterThan(0);
  });

  it("a backend shared by two environments is reached anew where its target's identity differs", () => {
    const env = (name: string, extra = '') => appmeshEnv(name, { extra });
    const r = compileInline(
      {
        // client calls front (no rules); front routes to back. In b, back runs as another service account:
        // client and front are the same objects in a and b, and client's policy for front must follow back.
        'services.yaml': [
          service('client', '  ports: [{ name: http, port: 8000 }]\n'),
          service(
            'front',
            '  ports: [{ name: http, port: 8080 }]\n  routes: [{ backends: [{ service: back }] }]\n',
          ),
          service('back', '  ports: [{ name: http, port: 9090 }]\n  serviceAccount: back\n'),
        ].join('---\n'),
        'a.yaml': env('a'),
        'b.yaml': env('b', '  overrides:\n    shop/back: { serviceAccount: back-b }\n'),
      },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const resolved = (e: string, name: string) =>
      r.model!.environments.find((x) => x.name === e)!.services.find((s) => s.name === name)!;
    expect(resolved('b', 'client')).toBe(resolved('a', 'client'));
    expect(resolved('b', 'front')).toBe(resolved('a', 'front'));
    expect(resolved('b', 'back')).not.toBe(resolved('a', 'back'));
    const memo = new EmitMemo();
    const sansOf = (e: string) => {
      const { env, backend } = r.plans.find((p) => p.env.name === e)!;
      const node = backend
        .emit(env, { ...CTX, memo })
        .namespaces.get('shop')!
        .find((o) => o.kind === 'VirtualNode' && o.metadata.name === 'client')!;
      const front = ((node.spec as Doc).backends as Doc[])
        .map((b) => b.virtualService as Doc)
        .find((vs) => (vs.virtualServiceRef as Doc).name === 'front')!;
      return JSON.stringify((front.clientPolicy as Doc).tls);
    };
    expect(sansOf('a')).toContain('spiffe://cluster.local/ns/shop/sa/back"');
    expect(sansOf('b')).toContain('spiffe://cluster.local/ns/shop/sa/back-b"');
    expect(sansOf('a')).not.toContain('back-b');
  });
});
