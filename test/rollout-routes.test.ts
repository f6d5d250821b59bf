/**
 * A rolled-out service among others (Flagger v1.44.0, App Mesh controller v1.13.3): a route of another service
 * to it (never shifted by Flagger on Istio and Linkerd; a VirtualNode that does not exist on App Mesh), the
 * Canary's backends in other namespaces on App Mesh (Flagger takes names of its namespace or ARNs), and the
 * target's name against the selector on App Mesh (Flagger's VirtualNodes select the pods by the target's name).
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { shardKeys } from '../src/plan/shards.ts';
import { validateObjects } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { codesAt, compileInline, dedent } from './helpers/spec-tree.ts';

type Compiled = ReturnType<typeof compileInline>;

const FLAGGER =
  '  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }\n';

const env = (name: string, mesh: string, version: string, mtls = 'permissive') =>
  dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: ${name} }
    spec:
      cluster: ${name}-1
      mesh: { type: ${mesh}, version: "${version}", mtls: ${mtls} }
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  ` + FLAGGER;

/** An App Mesh environment `am` installing the controller with these chart values (lines indented 8). */
const appmeshInstalled = (...values: string[]) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    'metadata: { name: am }',
    'spec:',
    '  cluster: am-1',
    '  mesh:',
    '    type: appmesh',
    "    version: '1.13'",
    '    mtls: off',
    '    install:',
    "      chartVersion: '1.13.3'",
    '      values:',
    ...values.map((v) => `        ${v}`),
    '    trust: { sds: {} }',
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    FLAGGER,
  ].join('\n');

const REGION = 'region: eu-west-1';
const ROLE = (arn: string) => `serviceAccount: { annotations: { eks.amazonaws.com/role-arn: "${arn}" } }`;

/** A Service `<namespace>/<name>` with one HTTP port; `body`: lines added to its `spec` (indented 2). */
const svc = (name: string, namespace: string, ...body: string[]) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: ${namespace} }`,
    'spec:',
    '  ports: [{ name: http, port: 8080 }]',
    ...body.map((l) => `  ${l}`),
    '',
  ].join('\n');

const ROLLOUT = 'rollout: { stepWeight: 10 }';
const errors = (r: Compiled) => r.diagnostics.filter((d) => d.severity === 'error');
const warnings = (r: Compiled, code: string) =>
  r.diagnostics.filter((d) => d.severity === 'warning' && d.code === code);
const objectsOf = (r: Compiled, envName: string): K8sObject[] => {
  const render = r.emitted!.renders.find((x) => x.env.name === envName)!;
  return [...render.output.namespaces.values()].flat();
};
const find = (objs: readonly K8sObject[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name)!;
const backendsOf = (canary: K8sObject) =>
  (canary.spec as { service: { backends?: string[] } }).service.backends;
const at = (d: Pick<Diagnostic, 'location'>) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`;

describe('a route of another service to a rolled-out service', () => {
  // api routes its first route to web (rolled out) and to cart (not), its second to web alone.
  const files = {
    'web.yaml': svc('web', 'shop', ROLLOUT),
    'cart.yaml': svc('cart', 'shop'),
    'api.yaml': svc(
      'api',
      'shop',
      'routes:',
      '  - match: [{ path: { prefix: /a } }]',
      '    backends: [{ service: web, weight: 50 }, { service: cart, weight: 50 }]',
      '  - backends: [{ service: shop/web }]',
    ),
  };

  it('Istio and Linkerd: a warning at each backend naming it (Flagger never shifts those requests)', () => {
    for (const [mesh, version] of [
      ['istio', '1.24'],
      ['linkerd', '2.16'],
    ] as const) {
      const r = compileInline({ 'env.yaml': env(mesh, mesh, version), ...files }, { until: 'emit' });
      expect(errors(r), mesh).toEqual([]);
      const found = r.diagnostics.filter((d) => d.pointer?.startsWith('/spec/routes/'));
      expect(codesAt({ diagnostics: found }), mesh).toEqual([
        'MESH_APPROXIMATE_FEATURE api.yaml:8:18',
        'MESH_APPROXIMATE_FEATURE api.yaml:9:18',
      ]);
      expect(found.map((d) => d.pointer)).toEqual(['/spec/routes/0/backends/0', '/spec/routes/1/backends/0']);
      expect(found[0]!.message).toBe(
        'The requests shop/api routes to shop/web never reach its canary: a mesh applies the route of shop/api alone, not the routing Flagger generates for the rollout of shop/web, and sends them to the Service web, which Flagger points at the primary pods.',
      );
      expect(found[0]!.related).toEqual([
        {
          message: 'the rollout of shop/web',
          location: expect.objectContaining({ file: 'web.yaml', line: 6 }),
        },
      ]);
      // What the warning rests on: meshc's route goes to the Service web itself, not through Flagger's routing.
      const objs = objectsOf(r, mesh);
      const route = JSON.stringify(find(objs, mesh === 'istio' ? 'VirtualService' : 'HTTPRoute', 'api'));
      expect(route, mesh).toContain(
        mesh === 'istio' ? '"host":"web.shop.svc.cluster.local"' : '"kind":"Service","name":"web"',
      );
    }
  });

  it('no warning without the rollout, and none for a rolled-out service itself (ROLLOUT_CONFLICT there)', () => {
    const plain = compileInline({
      'env.yaml': env('istio', 'istio', '1.24'),
      ...files,
      'web.yaml': svc('web', 'shop'),
    });
    expect(warnings(plain, 'MESH_APPROXIMATE_FEATURE')).toEqual([]);
    const rolled = compileInline({
      'env.yaml': env('istio', 'istio', '1.24'),
      'web.yaml': svc('web', 'shop', ROLLOUT),
      'api.yaml': svc('api', 'shop', 'routes: [{ backends: [{ service: web }] }]', ROLLOUT),
    });
    expect(codesAt(rolled)).toEqual(['ROLLOUT_CONFLICT api.yaml:6:14']);
  });

  it("App Mesh: an error at each backend naming it (the VirtualNode the caller's router targets never exists)", () => {
    const r = compileInline({ 'env.yaml': env('am', 'appmesh', '1.13', 'off'), ...files });
    expect(codesAt({ diagnostics: errors(r) })).toEqual([
      'MESH_UNSUPPORTED_FEATURE api.yaml:8:18',
      'MESH_UNSUPPORTED_FEATURE api.yaml:9:18',
    ]);
    expect(errors(r)[0]!.message).toBe(
      'App Mesh cannot route requests of shop/api to shop/web, which Flagger rolls out: a VirtualRouter route targets VirtualNodes, and Flagger generates only web-primary and web-canary, weighted in its own VirtualRouter web, so the VirtualNode web this route would target never exists (environment am).',
    );
    // Without the rollout, the router targets web's own VirtualNode, which meshc emits.
    const plain = compileInline(
      { 'env.yaml': env('am', 'appmesh', '1.13', 'off'), ...files, 'web.yaml': svc('web', 'shop') },
      { until: 'emit' },
    );
    expect(errors(plain)).toEqual([]);
    const objs = objectsOf(plain, 'am');
    expect(JSON.stringify(find(objs, 'VirtualRouter', 'api'))).toContain('"virtualNodeRef":{"name":"web"}');
    expect(find(objs, 'VirtualNode', 'web')).toBeDefined();
  });
});

describe("App Mesh: a Canary's backends in other namespaces", () => {
  // web (shop) is rolled out; db (data) admits it by name, cache (data) admits everyone, and queue (jobs) is
  // rolled out too and admits everyone; cart is in web's own namespace.
  const files = {
    'web.yaml': svc('web', 'shop', ROLLOUT),
    'cart.yaml': svc('cart', 'shop'),
    'db.yaml': svc('db', 'data', 'access: [{ from: [cache, shop/web] }]'),
    'cache.yaml': svc('cache', 'data'),
    'queue.yaml': svc('queue', 'jobs', ROLLOUT),
  };
  /** db admitting web alone. */
  const db = svc('db', 'data', 'access: [{ from: [shop/web] }]');

  it("are listed by ARN: meshc's VirtualServices by their cluster DNS name, Flagger's by <name>.<namespace>", () => {
    const r = compileInline(
      {
        'env.yaml': appmeshInstalled(REGION, ROLE('arn:aws:iam::111122223333:role/appmesh-controller')),
        ...files,
      },
      { until: 'emit' },
    );
    expect(errors(r)).toEqual([]);
    const objs = objectsOf(r, 'am');
    const arn = (name: string) => `arn:aws:appmesh:eu-west-1:111122223333:mesh/am/virtualService/${name}`;
    expect(backendsOf(find(objs, 'Canary', 'web'))).toEqual([
      arn('cache.data.svc.cluster.local'),
      arn('db.data.svc.cluster.local'),
      arn('queue.jobs'),
      'cart',
      'web',
    ]);
    // db does not admit queue: not listed.
    expect(backendsOf(find(objs, 'Canary', 'queue'))).toEqual([
      arn('cache.data.svc.cluster.local'),
      'queue',
      arn('cart.shop.svc.cluster.local'),
      arn('web.shop'),
    ]);
    // The VirtualService the ARN names is the one meshc emits for db.
    expect((find(objs, 'VirtualService', 'db').spec as { awsName: string }).awsName).toBe(
      'db.data.svc.cluster.local',
    );
  });

  it("follow a callee's rollout in another namespace, which the shard keys of an incremental render see", () => {
    const env = appmeshInstalled(REGION, ROLE('arn:aws:iam::111122223333:role/appmesh-controller'));
    const compiled = (queue: string) =>
      compileInline({ 'env.yaml': env, 'web.yaml': files['web.yaml'], 'queue.yaml': queue });
    const rolled = compiled(files['queue.yaml']);
    const plain = compiled(svc('queue', 'jobs'));
    expect(backendsOf(find(objectsOf(rolled, 'am'), 'Canary', 'web'))).toContain(
      'arn:aws:appmesh:eu-west-1:111122223333:mesh/am/virtualService/queue.jobs',
    );
    expect(backendsOf(find(objectsOf(plain, 'am'), 'Canary', 'web'))).toContain(
      'arn:aws:appmesh:eu-west-1:111122223333:mesh/am/virtualService/queue.jobs.svc.cluster.local',
    );
    // Namespace shop's files depend on queue's rollout: an incremental render must not take them from a
    // render where queue's rollout was otherwise (what namespace jobs' own key cannot say for shop).
    expect(shardKeys(rolled.plans, 't').global).not.toBe(shardKeys(plain.plans, 't').global);
  });

  it("take the controller's account (accountId, else its role's) and the role's partition", () => {
    const canary = (values: string[]) =>
      backendsOf(
        find(
          objectsOf(
            compileInline(
              { 'env.yaml': appmeshInstalled(...values), 'web.yaml': files['web.yaml'], 'db.yaml': db },
              { until: 'emit' },
            ),
            'am',
          ),
          'Canary',
          'web',
        ),
      );
    expect(canary([REGION, ROLE('arn:aws:iam::111122223333:role/c'), 'accountId: "444455556666"'])).toEqual([
      'arn:aws:appmesh:eu-west-1:444455556666:mesh/am/virtualService/db.data.svc.cluster.local',
      'web',
    ]);
    expect(canary(['region: cn-north-1', ROLE('arn:aws-cn:iam::111122223333:role/c')])).toEqual([
      'arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/am/virtualService/db.data.svc.cluster.local',
      'web',
    ]);
  });

  it('are errors where meshc cannot write the ARN: at the access entry naming the service, else at the rollout', () => {
    const r = compileInline({ 'env.yaml': env('am', 'appmesh', '1.13', 'off'), ...files });
    const found = errors(r);
    expect(codesAt({ diagnostics: found })).toEqual([
      'MESH_CONSTRAINT db.yaml:6:28',
      'MESH_CONSTRAINT queue.yaml:6:3',
      'MESH_CONSTRAINT web.yaml:6:3',
    ]);
    expect(found[0]!.message).toBe(
      "The Canary of shop/web cannot list data/db, whose access admits it, as a backend (environment am): Flagger names the backends of its VirtualNodes by VirtualService name in the Canary's namespace or by ARN, and meshc writes the ARN from the AWS region and account of the Mesh: environment am does not install the controller (mesh.install), where the AWS region and account of its Mesh are set.",
    );
    expect(found[2]!.message).toMatch(
      /^The Canary of shop\/web cannot list the services of other namespaces it may call \(data\/cache and 1 more service\) as backends/,
    );
    expect(found[2]!.related!.map((x) => `${x.message} ${at(x)}`)).toEqual([
      'data/cache admits every caller cache.yaml:4:1',
      'jobs/queue admits every caller queue.yaml:4:1',
    ]);
    // A role ARN naming no account, and no accountId: said at the same places.
    const bad = compileInline({
      'env.yaml': appmeshInstalled(REGION, ROLE('arn:aws:iam::role/appmesh-controller')),
      'web.yaml': files['web.yaml'],
      'db.yaml': db,
    });
    expect(codesAt({ diagnostics: errors(bad) })).toEqual(['MESH_CONSTRAINT db.yaml:6:21']);
    expect(errors(bad)[0]!.message).toMatch(
      /gives no `accountId`, and the controller's role ARN names no account/,
    );
    // An install without its region is reported at mesh.install alone.
    const noRegion = compileInline({
      'env.yaml': appmeshInstalled(ROLE('arn:aws:iam::111122223333:role/c')),
      'web.yaml': files['web.yaml'],
      'db.yaml': db,
    });
    expect(errors(noRegion).map((d) => d.code)).toEqual(['APPMESH_INSTALL_VALUE_MISSING']);
  });
});

describe('App Mesh: the rollout target and the selector', () => {
  const target = 'rollout: { stepWeight: 10, target: { kind: Deployment, name: web-v1 } }';
  it("an error at rollout.target.name when it is not the selector's value (Flagger's VirtualNodes select by it)", () => {
    const r = compileInline({
      'env.yaml': env('am', 'appmesh', '1.13', 'off'),
      'web.yaml': svc('web', 'shop', 'selector: { app: web }', target),
    });
    expect(codesAt({ diagnostics: errors(r) })).toEqual(['MESH_CONSTRAINT web.yaml:7:64']);
    expect(errors(r)[0]!.message).toBe(
      "Flagger's App Mesh VirtualNodes for shop/web select the pods `app: web-v1-primary` and `app: web-v1` (after the target's name), but Flagger labels the primary pods `app: web-primary` and the canary pods keep `app: web` (the selector's value): no VirtualNode selects them, and App Mesh's injector refuses such pods.",
    );
    expect(errors(r)[0]!.hint).toBe(
      'Set rollout.target.name to web (renaming the workload), or select the pods by `app: web-v1` (on the workload too).',
    );
    // The label Flagger rewrites is the first of app, name, app.kubernetes.io/name in the selector.
    const named = compileInline({
      'env.yaml': env('am', 'appmesh', '1.13', 'off'),
      'web.yaml': svc('web', 'shop', 'selector: { name: web-v1, app.kubernetes.io/name: web }', target),
    });
    expect(errors(named)).toEqual([]);
    // The default target (the service's name) against a selector of another value: at the selector's value.
    const byDefault = compileInline({
      'env.yaml': env('am', 'appmesh', '1.13', 'off'),
      'web.yaml': svc('web', 'shop', 'selector: { app: storefront }', ROLLOUT),
    });
    expect(codesAt({ diagnostics: errors(byDefault) })).toEqual(['MESH_CONSTRAINT web.yaml:6:20']);
    // Istio and Linkerd route by Services that select the label's value: any target name works.
    for (const [mesh, version] of [
      ['istio', '1.24'],
      ['linkerd', '2.16'],
    ] as const) {
      const other = compileInline({
        'env.yaml': env(mesh, mesh, version),
        'web.yaml': svc('web', 'shop', 'selector: { app: web }', target),
      });
      expect(errors(other), mesh).toEqual([]);
    }
  });
});

describeWithShared("App Mesh Canaries with ARN backends against Flagger's CRD", () => {
  it('are valid', () => {
    const r = compileInline(
      {
        'env.yaml': appmeshInstalled(REGION, ROLE('arn:aws:iam::111122223333:role/appmesh-controller')),
        'web.yaml': svc('web', 'shop', ROLLOUT),
        'db.yaml': svc('db', 'data', 'access: [{ from: [shop/web] }]'),
      },
      { until: 'emit' },
    );
    const canary = find(objectsOf(r, 'am'), 'Canary', 'web');
    expect(backendsOf(canary)).toHaveLength(2);
    expect(validateObjects([canary])).toEqual([]);
  });
});
