/**
 * App Mesh: what a TCP port's tcpRoute cannot carry of the routes, services whose VirtualNodes can select the
 * same pods (the injector refuses such a pod), and an `accountId` written as a YAML number. Each through the
 * whole pipeline, at the node the finding names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import type { ResolvedService } from '../src/model/types.ts';
import { virtualServiceArns } from '../src/backends/appmesh/rollout.ts';
import { nodeSelectors } from '../src/backends/appmesh/node-overlaps.ts';
import { selectorMeetings, selectorsMeet, type Labels, type SelectorClaim } from '../src/core/selectors.ts';
import { makeService } from './helpers/model-factory.ts';
import { compileInline } from './helpers/spec-tree.ts';

type Compiled = ReturnType<typeof compileInline>;

/** An App Mesh environment `am`; `values`: lines added under `mesh.install.values` (indented 8). */
function environment(values: string[] = []): string {
  return [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    'metadata: { name: am }',
    'spec:',
    '  cluster: am-1',
    '  mesh:',
    '    type: appmesh',
    "    version: '1.13'",
    '    mtls: permissive',
    '    install:',
    "      chartVersion: '1.13.3'",
    '      values:',
    '        region: eu-west-1',
    ...values,
    '        serviceAccount:',
    '          annotations:',
    '            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/appmesh-controller',
    '    trust: { sds: {} }',
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    '',
  ].join('\n');
}

/** A Service `shop/<name>`; `ports`: its ports line; `body`: lines added to its `spec` (indented 2). */
const service = (name: string, body: string[] = [], ports = '[{ name: http, port: 8080, protocol: http }]') =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: shop }`,
    'spec:',
    `  ports: ${ports}`,
    ...body,
    '',
  ].join('\n');

const TCP = '[{ name: db, port: 5432, protocol: tcp }]';
const MIXED = '[{ name: http, port: 8080, protocol: http }, { name: db, port: 5432, protocol: tcp }]';

const compileShop = (files: Record<string, string>, values?: string[]) =>
  compileInline({ 'environments/am.yaml': environment(values), ...files });
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const at = (d: Diagnostic) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`;
/** `file:line:col` of the first `token` on the first line of `text` holding `after` (1-based). */
function place(file: string, text: string, after: string, token: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(after));
  const col = lines[line]!.indexOf(token, lines[line]!.indexOf(after)) + 1;
  return `${file}:${line + 1}:${col}`;
}
const objects = (r: Compiled) => {
  const render = r.emitted!.renders.find((x) => x.env.name === 'am')!;
  return [...render.output.system, ...[...render.output.namespaces.values()].flat()];
};
const find = (r: Compiled, kind: string, name: string): K8sObject =>
  objects(r).find((o) => o.kind === kind && o.metadata.name === name)!;

// --- 1. Route fields on TCP ports ------------------------------------------------------------------------------

describe('routes of a service with TCP ports', () => {
  const routes = [
    '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
    '  routes:',
    '    - name: canary',
    "      match: [{ headers: { x-canary: { exact: '1' } } }]",
    '      to: v2',
    '    - to: { v1: 90, v2: 10 }',
    '      timeout: 5s',
    '      retries: { attempts: 2 }',
  ];

  it('are refused field by field on a service with only TCP ports: its tcpRoute carries the weights only', () => {
    const text = service('db', routes, TCP);
    const r = compileShop({ 'services/db.yaml': text });
    const tcp = errors(r.diagnostics).filter((d) => d.message.includes('routes TCP traffic by weight only'));
    // Before: no finding, and the match, the timeout and the retries were left out of the VirtualRouter.
    expect(tcp.map((d) => [d.code, at(d)])).toEqual([
      ['MESH_CONSTRAINT', place('services/db.yaml', text, 'match:', 'match')],
      ['MESH_CONSTRAINT', place('services/db.yaml', text, 'timeout:', 'timeout')],
      ['MESH_CONSTRAINT', place('services/db.yaml', text, 'retries:', 'retries')],
    ]);
    expect(tcp[0]!.message).toBe(
      'Service shop/db has only TCP ports, and App Mesh routes TCP traffic by weight only (a tcpRoute matches the port only): `match` of route canary cannot apply.',
    );
    // The timeout is not carried as the tcpRoute's idle timeout: a different meaning, said so.
    expect(tcp[1]!.message).toContain("a tcpRoute's only timeout is `idle`");
    expect(tcp[2]!.message).toContain('a tcpRoute has no retry policy');
    expect(errors(r.diagnostics).filter((d) => !tcp.includes(d))).toEqual([]);
  });

  it('are warned about field by field on a service with HTTP ports too: they apply on those only', () => {
    const text = service('db', routes, MIXED);
    const r = compileShop({ 'services/db.yaml': text });
    expect(errors(r.diagnostics)).toEqual([]);
    const tcp = r.diagnostics.filter((d) => d.message.includes('routes TCP traffic by weight only'));
    expect(tcp.map((d) => [d.severity, d.code, at(d)])).toEqual([
      ['warning', 'MESH_APPROXIMATE_FEATURE', place('services/db.yaml', text, 'match:', 'match')],
      ['warning', 'MESH_APPROXIMATE_FEATURE', place('services/db.yaml', text, 'timeout:', 'timeout')],
      ['warning', 'MESH_APPROXIMATE_FEATURE', place('services/db.yaml', text, 'retries:', 'retries')],
    ]);
    expect(tcp[0]!.message).toContain('Service shop/db has the TCP port db (5432)');
    expect(tcp[0]!.message).toContain('`match` of route canary applies on its HTTP ports');
    // The HTTP port carries them all; the TCP port the weights of the route without match.
    const router = find(r, 'VirtualRouter', 'db').spec as {
      routes: { name: string; httpRoute?: Record<string, unknown>; tcpRoute?: Record<string, unknown> }[];
    };
    expect(router.routes.map((x) => [x.name, x.httpRoute ? 'http' : 'tcp'])).toEqual([
      ['canary-8080', 'http'],
      ['route-1-8080', 'http'],
      ['route-1-5432', 'tcp'],
    ]);
    expect(router.routes[1]!.httpRoute).toMatchObject({ timeout: { perRequest: { unit: 's', value: 5 } } });
    expect(router.routes[2]!.tcpRoute).toEqual({
      action: {
        weightedTargets: [
          { virtualNodeRef: { name: 'db-v1' }, weight: 90, port: 5432 },
          { virtualNodeRef: { name: 'db-v2' }, weight: 10, port: 5432 },
        ],
      },
      match: { port: 5432 },
    });
  });

  it('carry weighted destinations alone without a finding (`attempts: 0` asks for no retries: none)', () => {
    const r = compileShop({
      'services/db.yaml': service(
        'db',
        [
          '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
          '  routes: [{ to: { v1: 90, v2: 10 }, retries: { attempts: 0 } }]',
        ],
        TCP,
      ),
    });
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.message.includes('TCP'))).toEqual([]);
    const router = find(r, 'VirtualRouter', 'db').spec as { routes: { tcpRoute: unknown }[] };
    expect(router.routes.map((x) => x.tcpRoute)).toEqual([
      {
        action: {
          weightedTargets: [
            { virtualNodeRef: { name: 'db-v1' }, weight: 90 },
            { virtualNodeRef: { name: 'db-v2' }, weight: 10 },
          ],
        },
      },
    ]);
  });
});

// --- 2. Services whose VirtualNodes can select the same pods ---------------------------------------------------

describe('services whose VirtualNodes can select the same pods', () => {
  it('are refused at the later selector, without access or mtls (the injector refuses such a pod)', () => {
    const api = service('api', ['  selector: { app: api }']);
    const admin = service('api-admin', ['  selector: { app: api, role: admin }']);
    const r = compileShop({
      'services/api.yaml': api,
      'services/api-admin.yaml': admin,
    });
    const found = errors(r.diagnostics);
    // Before: none (validate's SERVICE_SELECTOR_OVERLAP wants access or mtls), and every pod of api-admin
    // was refused by the injector ("found multiple matching VirtualNodes for pod").
    expect(found.map((d) => [d.code, at(d)])).toEqual([
      ['MESH_CONSTRAINT', place('services/api-admin.yaml', admin, 'selector:', '{')],
    ]);
    expect(found[0]!.message).toBe(
      'Services shop/api and shop/api-admin can select the same pods (their VirtualNodes select {app: api} and {app: api, role: admin}, which require no label to differ), and App Mesh\'s injector refuses a pod that two VirtualNodes select ("found multiple matching VirtualNodes for pod"): such a pod would never start.',
    );
    expect(found[0]!.related?.map((x) => [x.message, at(x as Diagnostic)])).toEqual([
      ['the selector of shop/api', place('services/api.yaml', api, 'selector:', '{')],
    ]);
  });

  it("compare the version nodes: a version's pods may be another service's", () => {
    const other = service('shadow', ['  selector: { version: v1 }']);
    const r = compileShop({
      'services/reviews.yaml': service('reviews', [
        '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
      ]),
      'services/shadow.yaml': other,
    });
    const found = errors(r.diagnostics);
    expect(found.map((d) => at(d))).toEqual([place('services/shadow.yaml', other, 'selector:', '{')]);
    expect(found[0]!.message).toContain(
      'their VirtualNodes select {app: reviews, version: v1} and {version: v1}',
    );
  });

  it('leave services that differ in a label, and services of other namespaces, alone', () => {
    const r = compileInline({
      'environments/am.yaml': environment(),
      'services/a.yaml': service('a', ['  selector: { app: a, tier: web }']),
      'services/b.yaml': service('b', ['  selector: { app: b, tier: web }']),
      'services/c.yaml': service('c', ['  selector: { app: a, tier: web }']).replace(
        'namespace: shop',
        'namespace: other',
      ),
    });
    expect(errors(r.diagnostics)).toEqual([]);
  });

  it("take a rolled-out service's VirtualNodes as Flagger writes them", () => {
    const s = makeService({
      selector: { app: 'web', tier: 'front' },
      rollout: { target: { kind: 'Deployment', name: 'web' } } as never,
    });
    expect(nodeSelectors(s)).toEqual([{ app: 'web' }, { app: 'web-primary' }]);
    expect(
      nodeSelectors(
        makeService({ selector: { app: 'web' }, versions: [{ name: 'v1', labels: { version: 'v1' } }] }),
      ),
    ).toEqual([{ app: 'web', version: 'v1' }]);
  });

  it('finds, for each service, the earliest earlier service it meets, as comparing every pair does', () => {
    const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'version'), fc.constantFrom('a', 'b'), {
      minKeys: 1,
    });
    const fleet = fc.array(
      fc.record({
        namespace: fc.constantFrom('x', 'y'),
        selectors: fc.array(labels, { maxLength: 3 }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fleet, (entries) => {
        const claims: SelectorClaim<ResolvedService>[] = entries.map((e, i) => ({
          service: makeService({ id: `${e.namespace}/s${i}`, namespace: e.namespace, name: `s${i}` }),
          selectors: e.selectors,
        }));
        const got = selectorMeetings(claims).map((m) => [m.earlier.id, m.later.id]);
        const expected: string[][] = [];
        claims.forEach((b, j) => {
          const a = claims
            .slice(0, j)
            .find(
              (a) =>
                a.service.namespace === b.service.namespace &&
                a.selectors.some((x: Labels) => b.selectors.some((y) => selectorsMeet(x, y))),
            );
          if (a) expected.push([a.service.id, b.service.id]);
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

// --- 3. accountId ---------------------------------------------------------------------------------------------

describe('mesh.install.values.accountId', () => {
  const values = (line: string) => [`        ${line}`];
  const web = () => ({ 'services/web.yaml': service('web') });

  it('is refused at the value when written as a YAML number (its leading zeros are lost)', () => {
    const text = environment(values('accountId: 012345678901'));
    const r = compileInline({ 'environments/am.yaml': text, ...web() });
    const found = errors(r.diagnostics);
    // Before: no finding; ARNs and the chart's --aws-account-id took 12345678901.
    expect(found.map((d) => [d.code, at(d)])).toEqual([
      ['MESH_CONSTRAINT', place('environments/am.yaml', text, 'accountId:', '0')],
    ]);
    expect(found[0]!.message).toContain('is a YAML number (12345678901)');
    expect(found[0]!.hint).toContain("Quote it (`accountId: '012345678901'`)");
    // No ARN is made of it (nor of the role's account instead).
    const planned = compileInline({ 'environments/am.yaml': text, ...web() }, { until: 'plan' });
    expect(virtualServiceArns(planned.model!.environments[0]!)).toEqual({
      missing: 'mesh.install.values.accountId of environment am is no account id',
      reported: true,
    });
  });

  it('is refused when it is not 12 digits, and taken as written when it is', () => {
    const short = environment(values("accountId: '12345'"));
    expect(
      errors(compileInline({ 'environments/am.yaml': short, ...web() }).diagnostics).map((d) => at(d)),
    ).toEqual([place('environments/am.yaml', short, 'accountId:', "'")]);
    const r = compileInline({
      'environments/am.yaml': environment(values("accountId: '012345678901'")),
      ...web(),
    });
    expect(errors(r.diagnostics)).toEqual([]);
    expect(virtualServiceArns(r.emitted!.renders[0]!.env)).toEqual({
      prefix: 'arn:aws:appmesh:eu-west-1:012345678901:mesh/am/virtualService/',
    });
  });
});
