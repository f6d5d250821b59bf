/**
 * Routes of a service with HTTP and TCP ports, on Istio and Linkerd: what of them applies on the HTTP ports
 * only is warned about at its key, naming the TCP ports. Istio gives a TCP port the weights of the route
 * without `match` (a `tcp[]` route), nothing else; meshc gives Linkerd no route for a TCP port at all (no
 * TCPRoute), so even those weights do not apply there. Through the whole pipeline, at the node the finding
 * names.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import type { ResolvedService } from '../src/model/types.ts';
import { checkTcpRoutes as istioTcpRoutes } from '../src/backends/istio/diagnostics.ts';
import { checkTcpRoutes as linkerdTcpRoutes } from '../src/backends/linkerd/diagnostics.ts';
import { dest, makeRoute, makeService, makeVersions } from './helpers/model-factory.ts';
import { compileInline } from './helpers/spec-tree.ts';

type Compiled = ReturnType<typeof compileInline>;

const MESHES = {
  istio: '{ type: istio, version: "1.24", mtls: strict }',
  linkerd: '{ type: linkerd, version: "2.18", mtls: strict }',
} as const;

const environment = (mesh: keyof typeof MESHES) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    'metadata: { name: prod }',
    'spec:',
    '  cluster: prod-1',
    `  mesh: ${MESHES[mesh]}`,
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    '',
  ].join('\n');

/** A Service `shop/<name>`; `ports`: its ports line; `body`: lines added to its `spec` (indented 2). */
const service = (name: string, body: string[] = [], ports = MIXED) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: shop }`,
    'spec:',
    `  ports: ${ports}`,
    '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
    ...body,
    '',
  ].join('\n');

const MIXED = '[{ name: http, port: 8080, protocol: http }, { name: db, port: 5432, protocol: tcp }]';
const HTTP = '[{ name: http, port: 8080, protocol: http }]';

const compileShop = (mesh: keyof typeof MESHES, files: Record<string, string>) =>
  compileInline({ 'environments/prod.yaml': environment(mesh), ...files });
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const tcpFindings = (ds: readonly Diagnostic[]) => ds.filter((d) => d.message.includes('has the TCP port'));
const at = (d: Diagnostic) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`;
/** `file:line:col` of the first `token` on the first line of `text` holding `after` (1-based). */
function place(file: string, text: string, after: string, token: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(after));
  const col = lines[line]!.indexOf(token, lines[line]!.indexOf(after)) + 1;
  return `${file}:${line + 1}:${col}`;
}
const objects = (r: Compiled) => {
  const render = r.emitted!.renders.find((x) => x.env.name === 'prod')!;
  return [...render.output.system, ...[...render.output.namespaces.values()].flat()];
};
const find = (r: Compiled, kind: string, name: string): K8sObject | undefined =>
  objects(r).find((o) => o.kind === kind && o.metadata.name === name);

/** The unit form: a mixed-port `shop/db` with versions and `routes`. */
const unit = (overrides: Partial<ResolvedService> = {}) =>
  makeService({
    namespace: 'shop',
    name: 'db',
    ports: [
      { name: 'http', port: 8080, protocol: 'http' },
      { name: 'db', port: 5432, protocol: 'tcp' },
    ],
    versions: makeVersions('v1', 'v2'),
    routes: [
      makeRoute({
        destinations: [
          dest('shop/db', 'v1', 90, ['routes', 0, 'to', 'v1']),
          dest('shop/db', 'v2', 10, ['routes', 0, 'to', 'v2']),
        ],
        retries: { attempts: 2, on: ['5xx'] },
      }),
    ],
    ...overrides,
  });
const rolledOut = { rollout: {} as NonNullable<ResolvedService['rollout']> };

// --- Istio ------------------------------------------------------------------------------------------------------

describe('Istio: route fields on the TCP ports of a service with HTTP ports', () => {
  const routes = [
    '  routes:',
    '    - name: canary',
    "      match: [{ headers: { x-canary: { exact: '1' } } }]",
    '      to: v2',
    '    - to: { v1: 90, v2: 10 }',
    '      timeout: 5s',
    '      retries: { attempts: 2 }',
    '      fault: { delay: { duration: 1s, percent: 5 } }',
    '      mirror: { to: v2, percent: 10 }',
    '      headers: { request: { set: { x-env: prod } } }',
  ];

  it('are warned about field by field, naming the TCP port; the weights, which the tcp route carries, are not', () => {
    const text = service('db', routes);
    const r = compileShop('istio', { 'services/db.yaml': text });
    expect(errors(r.diagnostics)).toEqual([]);
    const tcp = tcpFindings(r.diagnostics);
    // Before: no finding at all, and the TCP port silently got the weights only.
    expect(tcp.map((d) => [d.severity, d.code, at(d)])).toEqual(
      ['match', 'timeout', 'retries', 'fault', 'mirror', 'headers'].map((field) => [
        'warning',
        'MESH_APPROXIMATE_FEATURE',
        place('services/db.yaml', text, field === 'headers' ? 'headers: { request' : `${field}:`, field),
      ]),
    );
    expect(tcp[0]!.message).toBe(
      'Service shop/db has the TCP port db (5432), and Istio routes TCP traffic by weight only: `match` of route canary applies on its HTTP ports, not to the connections of that port, which take the weights of the route without `match`.',
    );
    expect(tcp[1]!.message).toContain('`timeout` of routes[1] applies on its HTTP ports');
    // What the TCP port does get: the catch-all's weights, on its own port.
    const vs = find(r, 'VirtualService', 'db')!.spec as {
      tcp: { match: unknown; route: { weight: number }[] }[];
    };
    expect(vs.tcp).toHaveLength(1);
    expect(vs.tcp[0]!.match).toEqual([{ port: 5432 }]);
    expect(vs.tcp[0]!.route.map((x) => x.weight)).toEqual([90, 10]);
  });

  it('names every TCP port, and says nothing of `retries: {attempts: 0}` (a TCP port does not retry either)', () => {
    const text = service(
      'db',
      ['  routes:', '    - to: { v1: 90, v2: 10 }', '      timeout: 5s', '      retries: { attempts: 0 }'],
      '[{ name: http, port: 8080, protocol: http }, { name: pg, port: 5432, protocol: tcp }, { name: redis, port: 6379, protocol: tcp }]',
    );
    const r = compileShop('istio', { 'services/db.yaml': text });
    const tcp = tcpFindings(r.diagnostics);
    expect(tcp.map(at)).toEqual([place('services/db.yaml', text, 'timeout:', 'timeout')]);
    expect(tcp[0]!.message).toContain('has the TCP ports pg (5432), redis (6379)');
    expect(tcp[0]!.message).toContain('not to the connections of those ports');
  });

  it('says nothing of a service with HTTP ports only', () => {
    const r = compileShop('istio', { 'services/db.yaml': service('db', routes, HTTP) });
    expect(tcpFindings(r.diagnostics)).toEqual([]);
  });

  it('leaves rolled-out services to Flagger, and still refuses the fields on a TCP-only service', () => {
    expect(istioTcpRoutes(unit({ routes: [makeRoute({ timeout: undefined })] }))).toEqual([]);
    expect(istioTcpRoutes(unit())).toHaveLength(1);
    expect(istioTcpRoutes({ ...unit(), ...rolledOut })).toEqual([]);
    const only = istioTcpRoutes(unit({ ports: [{ name: 'db', port: 5432, protocol: 'tcp' }] }));
    expect(only.map((d) => [d.severity, d.code])).toEqual([['error', 'MESH_CONSTRAINT']]);
    expect(only[0]!.message).toContain('has only TCP ports');
  });
});

// --- Linkerd ----------------------------------------------------------------------------------------------------

describe('Linkerd: route fields on the TCP ports of a service with HTTP ports', () => {
  const routes = [
    '  routes:',
    '    - name: canary',
    "      match: [{ headers: { x-canary: { exact: '1' } } }]",
    '      to: v2',
    '    - to: { v1: 90, v2: 10 }',
    '      timeout: 5s',
    '      retries: { attempts: 2 }',
    '      headers: { request: { set: { x-env: prod } } }',
  ];

  it('are warned about field by field, the weights too: no route applies to the TCP port', () => {
    const text = service('db', routes);
    const r = compileShop('linkerd', { 'services/db.yaml': text });
    expect(errors(r.diagnostics)).toEqual([]);
    const tcp = tcpFindings(r.diagnostics);
    // Before: no finding at all, while the TCP port's connections went to every pod of Service db.
    expect(tcp.map((d) => [d.severity, d.code, at(d)])).toEqual(
      [
        ['match:', 'match'],
        ['to: { v1', 'to'],
        ['timeout:', 'timeout'],
        ['retries:', 'retries'],
        ['headers: { request', 'headers'],
      ].map(([after, token]) => [
        'warning',
        'MESH_APPROXIMATE_FEATURE',
        place('services/db.yaml', text, after!, token!),
      ]),
    );
    expect(tcp[1]!.message).toBe(
      "Service shop/db has the TCP port db (5432), and meshc attaches Linkerd's HTTPRoutes to the HTTP ports only (it writes no TCPRoute): the weights (`to`) of routes[1] apply on its HTTP ports, not to the connections of that port, which go to every pod of Service db.",
    );
    expect(tcp[0]!.message).toContain('`match` of route canary applies on its HTTP ports');
    // What is written: HTTPRoutes whose parent is the HTTP port only, and no route for the TCP port.
    const parents = objects(r)
      .filter((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === 'shop')
      .flatMap((o) => (o.spec as { parentRefs: { port: number }[] }).parentRefs.map((p) => p.port));
    expect(parents.length).toBeGreaterThan(0);
    expect(new Set(parents)).toEqual(new Set([8080]));
    expect(objects(r).filter((o) => o.kind === 'TCPRoute')).toEqual([]);
  });

  it('warns at `backends` of a catch-all to other services, not at a route to the whole service', () => {
    const other = service('store', [], HTTP);
    const text = service('db', [
      '  routes:',
      '    - name: moved',
      '      backends: [{ service: store, weight: 100 }]',
    ]);
    const r = compileShop('linkerd', { 'services/db.yaml': text, 'services/store.yaml': other });
    const tcp = tcpFindings(r.diagnostics);
    expect(tcp.map(at)).toEqual([place('services/db.yaml', text, 'backends:', 'backends')]);
    expect(tcp[0]!.message).toContain('the weights (`backends`) of route moved apply on its HTTP ports');

    // A route to the whole service sends the HTTP ports where the TCP port goes anyway: only its timeout differs;
    // `attempts: 0` is what the TCP port does.
    const plain = service('db', ['  routes:', '    - timeout: 5s', '      retries: { attempts: 0 }']);
    const p = compileShop('linkerd', { 'services/db.yaml': plain });
    expect(tcpFindings(p.diagnostics).map(at)).toEqual([
      place('services/db.yaml', plain, 'timeout:', 'timeout'),
    ]);
  });

  it('says nothing of a service with HTTP ports only, and leaves TCP-only services to the existing refusal', () => {
    expect(
      tcpFindings(compileShop('linkerd', { 'services/db.yaml': service('db', routes, HTTP) }).diagnostics),
    ).toEqual([]);
    const only = compileShop('linkerd', {
      'services/db.yaml': service('db', routes, '[{ name: db, port: 5432, protocol: tcp }]'),
    });
    expect(tcpFindings(only.diagnostics)).toEqual([]);
    expect(errors(only.diagnostics).map((d) => d.message)).toContain(
      'Service shop/db has routes but no http, http2 or grpc port: Linkerd applies HTTPRoutes to HTTP traffic only.',
    );
  });

  it('leaves rolled-out services to Flagger', () => {
    expect(linkerdTcpRoutes(unit()).map((d) => d.location)).toHaveLength(2);
    expect(linkerdTcpRoutes({ ...unit(), ...rolledOut })).toEqual([]);
  });
});
