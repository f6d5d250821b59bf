/**
 * Progressive delivery (issue 15): `Service.rollout` compiled for every mesh. The rules and their positions,
 * the Canary of each provider (valid against Flagger's CRD), what meshc stops emitting for a rolled-out service,
 * the access objects that select Flagger's primary pods too, Flagger's chart, and the same rollout block meaning
 * the same on Istio, Linkerd and App Mesh (refused on Consul).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import type { AccessPath, AccessRule } from '../src/model/types.ts';
import { compileDir } from '../src/pipeline.ts';
import { codesAt, compileInline, dedent } from './helpers/spec-tree.ts';
import { validateObjects } from './helpers/crds.ts';
import { linkerd } from '../src/backends/linkerd/index.ts';
import { describeWithShared, repoRoot } from './helpers/shared.ts';

const env = (name: string, mesh: string, version: string, mtls = 'permissive') => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: ${name} }
  spec:
    cluster: ${name}-1
    mesh: { type: ${mesh}, version: "${version}", mtls: ${mtls} }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
    rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }
`;

const ROLLOUT = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
    access: [{ from: [productpage] }]
    rollout:
      strategy: canary
      interval: 30s
      threshold: 5
      stepWeight: 10
      maxWeight: 50
      metrics: { successRate: 99, latency: 500ms }
      webhooks:
        - name: load-test
          type: rollout
          url: http://flagger-loadtester.test/
          timeout: 5s
          metadata: { cmd: "hey -z 1m -q 10 -c 2 http://reviews-canary.bookinfo:9080/" }
`;
const PRODUCTPAGE = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: productpage, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
`;

function emitted(files: Record<string, string>) {
  const r = compileInline(files, { until: 'emit' });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toEqual([]);
  return r.emitted!.renders;
}

function objectsOf(files: Record<string, string>, envName: string): K8sObject[] {
  const render = emitted(files).find((x) => x.env.name === envName)!;
  return [...render.output.namespaces.values()].flat();
}

const canaryOf = (objs: readonly K8sObject[]) =>
  objs.find((o) => o.kind === 'Canary' && o.metadata.name === 'reviews')!;

describe('rollout rules', () => {
  /** The codes and positions of a service whose spec adds `lines` (2-space indented) to its port. */
  const check = (rollout: string, ...lines: string[]) =>
    codesAt(
      compileInline({
        'env.yaml': env('prod', 'istio', '1.24'),
        'p.yaml': PRODUCTPAGE,
        'r.yaml': [
          'apiVersion: meshc.dev/v1alpha1',
          'kind: Service',
          'metadata: { name: reviews, namespace: bookinfo }',
          'spec:',
          '  ports: [{ name: http, port: 9080 }]',
          `  rollout: ${rollout}`,
          ...lines.map((l) => `  ${l}`),
          '',
        ].join('\n'),
      }),
    );

  it('stepWeight above maxWeight is an error at stepWeight', () => {
    expect(check('{ stepWeight: 60, maxWeight: 50 }')).toEqual(['ROLLOUT_STEP_ABOVE_MAX r.yaml:6:26']);
  });
  it("an interval below Flagger's 10s minimum is an error at interval", () => {
    expect(check('{ stepWeight: 10, interval: 5s }')).toEqual(['ROLLOUT_INTERVAL_TOO_SHORT r.yaml:6:40']);
  });
  it('ab and bluegreen need iterations; match only for ab; canary needs stepWeight', () => {
    expect(check('{ strategy: bluegreen }')).toEqual(['ROLLOUT_STRATEGY_FIELD r.yaml:6:24']);
    expect(check('{ strategy: ab, iterations: 10 }')).toEqual(['ROLLOUT_STRATEGY_FIELD r.yaml:6:24']);
    expect(
      check('{ strategy: bluegreen, iterations: 3, match: [{ headers: { x: { exact: "1" } } }] }'),
    ).toEqual(['ROLLOUT_STRATEGY_FIELD r.yaml:6:50']);
    expect(check('{ interval: 1m }')).toEqual(['ROLLOUT_STRATEGY_FIELD r.yaml:6:3']);
    expect(check('{ strategy: canary, stepWeight: 5, iterations: 3 }')).toEqual([
      'ROLLOUT_STRATEGY_FIELD r.yaml:6:47',
    ]);
  });
  it('metric thresholds out of range are schema errors at the value', () => {
    expect(check('{ stepWeight: 5, metrics: { successRate: 101 } }')).toHaveLength(1);
    expect(check('{ stepWeight: 5, metrics: { successRate: 101 } }')[0]).toMatch(
      /^PERCENT_RANGE r\.yaml:6:53$/,
    );
  });
  it('versions, matched or weighted routes and mirrors cannot go with a rollout', () => {
    expect(
      check(
        '{ stepWeight: 5 }',
        'versions: { v1: { labels: { version: v1 } } }',
        'routes: [{ to: v1, mirror: { to: v1 } }, { timeout: 1s }]',
      ),
    ).toEqual([
      'ROLLOUT_CONFLICT r.yaml:7:3',
      'ROLLOUT_CONFLICT r.yaml:8:14',
      'ROLLOUT_CONFLICT r.yaml:8:22',
      'ROLLOUT_CONFLICT r.yaml:8:44',
      'ROUTE_UNREACHABLE r.yaml:8:44',
    ]);
  });
  it('a TCP service cannot be A/B tested; Linkerd and App Mesh refuse a TCP rollout', () => {
    expect(check('{ strategy: ab, iterations: 3, match: [{ headers: { x: { exact: "1" } } }] }')).toEqual([]);
    const tcp = (rollout: string, e = 'istio') =>
      codesAt(
        compileInline(
          only(e, {
            'r.yaml': [
              'apiVersion: meshc.dev/v1alpha1',
              'kind: Service',
              'metadata: { name: reviews, namespace: bookinfo }',
              'spec:',
              '  ports: [{ name: db, port: 5432, protocol: tcp }]',
              `  rollout: ${rollout}`,
              '',
            ].join('\n'),
          }),
        ),
      ).filter((c) => !c.startsWith('MESH_APPROXIMATE'));
    expect(tcp('{ strategy: ab, iterations: 3, match: [{ headers: { x: { exact: "1" } } }] }')).toEqual([
      'ROLLOUT_CONFLICT r.yaml:6:24',
    ]);
    expect(tcp('{ stepWeight: 10 }')).toEqual([]);
    expect(tcp('{ stepWeight: 10 }', 'linkerd')).toEqual(['MESH_UNSUPPORTED_FEATURE r.yaml:5:35']);
  });
  it("an HTTP/2 or gRPC first port: the Canary carries the protocol to Flagger's Services; App Mesh refuses", () => {
    const svc = (protocol: string) =>
      [
        'apiVersion: meshc.dev/v1alpha1',
        'kind: Service',
        'metadata: { name: reviews, namespace: bookinfo }',
        'spec:',
        `  ports: [{ name: api, port: 9080, protocol: ${protocol} }]`,
        '  rollout: { stepWeight: 10 }',
        '',
      ].join('\n');
    for (const protocol of ['grpc', 'http2']) {
      for (const mesh of ['istio', 'linkerd']) {
        const canary = canaryOf(objectsOf(only(mesh, { 'r.yaml': svc(protocol) }), mesh));
        expect((canary.spec as { service: { appProtocol?: string } }).service.appProtocol, mesh).toBe(
          protocol,
        );
      }
      // The warnings aside (approximations, and App Mesh's end of support, which the backend reports with
      // the refusals).
      const refused = codesAt(compileInline(only('appmesh', { 'r.yaml': svc(protocol) }))).filter(
        (c) => !c.startsWith('MESH_APPROXIMATE') && !c.startsWith('APPMESH_END_OF_SUPPORT'),
      );
      expect(refused, protocol).toEqual(['MESH_UNSUPPORTED_FEATURE r.yaml:5:36']);
    }
    // An HTTP/1 first port too: Flagger's Services say `http`, as meshc's own Services do.
    for (const mesh of ['istio', 'linkerd', 'appmesh']) {
      const http = canaryOf(objectsOf(only(mesh, { 'r.yaml': svc('http') }), mesh));
      expect((http.spec as { service: { appProtocol?: string } }).service.appProtocol, mesh).toBe('http');
    }
    const own = objectsOf(only('istio', {}), 'istio').find(
      (o) => o.kind === 'Service' && o.metadata.name === 'productpage',
    )!;
    expect((own.spec as { ports: { appProtocol: string }[] }).ports[0]!.appProtocol).toBe('http');
  });
  it('a selector without a label Flagger rewrites is an error at the selector', () => {
    expect(check('{ stepWeight: 5 }', 'selector: { tier: reviews }')).toEqual([
      'ROLLOUT_SELECTOR_LABEL r.yaml:7:13',
    ]);
  });
  it('rollout without Environment.rollouts is an error at the rollout', () => {
    const r = compileInline({
      'env.yaml': env('prod', 'istio', '1.24').replace(/ {2}rollouts:.*\n/, ''),
      'p.yaml': PRODUCTPAGE,
      'r.yaml': ROLLOUT,
    });
    expect(codesAt(r)).toEqual(['ROLLOUT_WITHOUT_FLAGGER r.yaml:7:3']);
  });
  it("a service named like a Service Flagger generates for another's rollout is an error at its name", () => {
    const named = (name: string, extra = '') =>
      [
        'apiVersion: meshc.dev/v1alpha1',
        'kind: Service',
        `metadata: { name: ${name}, namespace: bookinfo }`,
        'spec:',
        '  ports: [{ name: http, port: 9080 }]',
        extra,
      ].join('\n');
    // reviews-primary with access rules: its AuthorizationPolicy is also the one of reviews' primary pods.
    const r = compileInline({
      'env.yaml': env('prod', 'istio', '1.24'),
      'p.yaml': PRODUCTPAGE,
      'r.yaml': ROLLOUT,
      'c.yaml': named('reviews-canary'),
      'pr.yaml': named('reviews-primary', '  access: [{ from: [productpage] }]\n'),
      // Another namespace, and another suffix: no collision.
      'o.yaml': named('reviews-canary').replace('namespace: bookinfo', 'namespace: other'),
      'n.yaml': named('reviews-next'),
    });
    expect(codesAt(r)).toEqual(['RENDER_CONFLICT c.yaml:3:19', 'RENDER_CONFLICT pr.yaml:3:19']);
    const [canary, primary] = r.diagnostics;
    expect(canary!.message).toMatch(
      /^Service bookinfo\/reviews-canary is named like the Service reviews-canary that Flagger generates for the rollout of bookinfo\/reviews: /,
    );
    expect(canary!.pointer).toBe('/metadata/name');
    expect(canary!.related).toEqual([
      {
        message: 'the rollout of bookinfo/reviews',
        location: expect.objectContaining({ file: 'r.yaml', line: 7 }),
      },
    ]);
    expect(primary!.message).toContain('access and mTLS objects of the primary pods of bookinfo/reviews');
  });
  it('an override that adds a rollout takes the names in its environment only', () => {
    const r = compileInline({
      'prod.yaml':
        env('prod', 'istio', '1.24') +
        '  overrides:\n    bookinfo/productpage: { rollout: { stepWeight: 10 } }\n',
      'dev.yaml': env('dev', 'istio', '1.24'),
      'p.yaml': PRODUCTPAGE,
      'p-canary.yaml': PRODUCTPAGE.replace('name: productpage', 'name: productpage-canary'),
    });
    expect(codesAt(r)).toEqual(['RENDER_CONFLICT p-canary.yaml:3:19']);
    expect(r.diagnostics[0]!.related![0]!.location!.file).toBe('prod.yaml');
    // An override of the service that has the name changes nothing of that: still its name, as it is.
    const both = compileInline({
      'prod.yaml':
        env('prod', 'istio', '1.24') +
        '  overrides:\n    bookinfo/productpage: { rollout: { stepWeight: 10 } }\n' +
        '    bookinfo/productpage-canary: { mtls: strict }\n',
      'p.yaml': PRODUCTPAGE,
      'p-canary.yaml': PRODUCTPAGE.replace('name: productpage', 'name: productpage-canary'),
    });
    expect(codesAt(both)).toEqual(['RENDER_CONFLICT p-canary.yaml:3:19']);
    expect(both.diagnostics[0]!.message).toMatch(/^Service bookinfo\/productpage-canary is named like/);
  });
  it('ingress next to a rollout: the warning says the canary gets no ingress traffic, and what follows', () => {
    for (const [mesh, version, className] of [
      ['istio', '1.24', 'istio'],
      ['linkerd', '2.16', 'nginx'],
    ] as const) {
      const r = compileInline({
        'env.yaml': env('prod', mesh, version).replace(
          /mtls: permissive \}/,
          `mtls: permissive, ingress: { className: ${className} } }`,
        ),
        'p.yaml': PRODUCTPAGE,
        'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, '  ingress: { hosts: [reviews.example.com] }\n'),
      });
      const w = r.diagnostics.find(
        (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.pointer === '/spec/ingress',
      );
      expect(w?.message, mesh).toMatch(/progressive delivery: ingress/);
      expect(w!.hint).toMatch(
        /reached only through the ingress (then )?gets no requests on its canary, and without a load test \(`rollout\.webhooks`\) every check of `rollout\.metrics` finds no values and halts the analysis: Flagger rolls back after `threshold` of them$/,
      );
    }
  });
  it('Consul refuses rollout at the node, naming the meshes that can', () => {
    const r = compileInline({
      'env.yaml': env('c', 'consul', '1.21'),
      'p.yaml': PRODUCTPAGE,
      'r.yaml': ROLLOUT,
    });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(codesAt({ diagnostics: errors })).toContain('MESH_UNSUPPORTED_FEATURE r.yaml:7:3');
    const first = errors.find((d) => d.pointer === '/spec/rollout')!;
    expect(first.message).toMatch(
      /Consul cannot express progressive delivery.*Flagger has no Consul provider/,
    );
    expect(first.hint).toMatch(/Istio, Linkerd, App Mesh/);
  });
});

const ENVS: Record<string, string> = {
  istio: env('istio', 'istio', '1.24'),
  linkerd: env('linkerd', 'linkerd', '2.16'),
  appmesh: env('appmesh', 'appmesh', '1.13', 'off'),
};
const ALL = { ...ENVS, 'p.yaml': PRODUCTPAGE };
/** The spec files of one environment (the others left out, so that what one mesh refuses does not stop the rest). */
const only = (e: string, files: Record<string, string>) => ({
  [`${e}.yaml`]: ENVS[e]!,
  'p.yaml': PRODUCTPAGE,
  ...files,
});

describe('A/B conditions each provider cannot carry', () => {
  const ab = (match: string) =>
    ROLLOUT.replace(/ {2}access:.*\n/, '').replace(
      /strategy: canary[\s\S]*?maxWeight: 50\n/,
      `strategy: ab\n    iterations: 5\n    match: ${match}\n`,
    );
  const refused = (e: string, match: string) =>
    compileInline(only(e, { 'r.yaml': ab(match) }))
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.code} ${d.pointer}`);
  it('App Mesh: one entry of header conditions', () => {
    expect(
      refused('appmesh', '[{ headers: { x: { exact: "1" } } }, { query: { q: { exact: "1" } } }]'),
    ).toEqual([
      'MESH_UNSUPPORTED_FEATURE /spec/rollout/match/1',
      'MESH_UNSUPPORTED_FEATURE /spec/rollout/match/1/query',
    ]);
    expect(refused('appmesh', '[{ headers: { x: { prefix: "a" } } }]')).toEqual([]);
  });
  it('Linkerd: exact and regex only', () => {
    expect(
      refused('linkerd', '[{ headers: { x: { prefix: "a" } } }, { query: { q: { exact: "1" } } }]'),
    ).toEqual(['MESH_UNSUPPORTED_FEATURE /spec/rollout/match/0/headers']);
  });
});

describe('the Canary per mesh', () => {
  it('Istio: provider istio, no Service/DestinationRule/VirtualService of its own, policies for both pod sets', () => {
    const objs = objectsOf(only('istio', {}), 'istio');
    const withRollout = objectsOf(only('istio', { 'r.yaml': ROLLOUT }), 'istio');
    const reviews = withRollout.filter((o) => String(o.metadata.name).startsWith('reviews'));
    expect(reviews.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/reviews',
      'AuthorizationPolicy/reviews-primary',
      'Canary/reviews',
    ]);
    const ap = (name: string) =>
      withRollout.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === name)!.spec as {
        selector: { matchLabels: Record<string, string> };
      };
    expect(ap('reviews').selector.matchLabels).toEqual({ app: 'reviews' });
    expect(ap('reviews-primary').selector.matchLabels).toEqual({ app: 'reviews-primary' });
    expect(canaryOf(withRollout).spec).toMatchObject({
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews' },
      service: { port: 9080, retries: { attempts: 0 } },
    });
    expect(objs.some((o) => o.kind === 'Canary')).toBe(false);
  });

  it('Linkerd: Gateway API provider, the Service as parent, MetricTemplates over the proxies', () => {
    const objs = objectsOf(only('linkerd', { 'r.yaml': ROLLOUT }), 'linkerd');
    const canary = canaryOf(objs);
    expect(canary.spec).toMatchObject({
      provider: 'gatewayapi:v1beta1',
      service: {
        port: 9080,
        gatewayRefs: [{ name: 'reviews', namespace: 'bookinfo', group: 'core', kind: 'Service', port: 9080 }],
      },
    });
    const metrics = (canary.spec as { analysis: { metrics: { templateRef: { name: string } }[] } }).analysis
      .metrics;
    expect((canary.spec as { service: { name?: string } }).service.name).toBeUndefined();
    for (const m of metrics)
      expect(objs.some((o) => o.kind === 'MetricTemplate' && o.metadata.name === m.templateRef.name)).toBe(
        true,
      );
    expect(objs.some((o) => o.kind === 'Service' && o.metadata.name === 'reviews')).toBe(false);
    expect(objs.some((o) => o.kind === 'HTTPRoute' && String(o.metadata.name).startsWith('reviews'))).toBe(
      false,
    );
    const servers = objs.filter((o) => o.kind === 'Server' && String(o.metadata.name).startsWith('reviews'));
    expect(servers.map((s) => (s.spec as { podSelector: unknown }).podSelector)).toEqual([
      { matchLabels: { app: 'reviews' } },
      { matchLabels: { app: 'reviews-primary' } },
    ]);
  });

  it('App Mesh: provider appmesh:v1beta2, backends of its namespace, no node, router or VirtualService', () => {
    const r = compileInline({ ...ALL, 'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, '') }, { until: 'emit' });
    const objs = [
      ...r.emitted!.renders.find((x) => x.env.name === 'appmesh')!.output.namespaces.values(),
    ].flat();
    expect(canaryOf(objs).spec).toMatchObject({
      provider: 'appmesh:v1beta2',
      service: { port: 9080, backends: ['productpage', 'reviews'] },
    });
    expect(objs.filter((o) => String(o.metadata.name).startsWith('reviews')).map((o) => o.kind)).toEqual([
      'Canary',
    ]);
  });

  it("Flagger's chart comes after the mesh's, with the provider and the metrics server", () => {
    for (const render of emitted({ ...ALL, 'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, '') })) {
      const flagger = render.output.charts.find((c) => c.name === 'flagger')!;
      expect(flagger).toMatchObject({
        repoUrl: 'https://flagger.app',
        chart: 'flagger',
        version: '1.44.0',
        namespace: 'flagger-system',
        values: { metricsServer: 'http://prometheus.monitoring:9090' },
      });
      expect(flagger.values.meshProvider).toBe(
        (canaryOf([...render.output.namespaces.values()].flat()).spec as { provider: string }).provider,
      );
      expect(render.output.charts.at(-1)).toBe(flagger);
      // A Prometheus outside linkerd-viz: no authorization in linkerd-viz's namespace, which need not exist.
      expect(flagger.values.linkerdAuthPolicy).toBeUndefined();
    }
  });

  it("Linkerd: Flagger's chart authorizes Flagger on linkerd-viz's Prometheus when it queries that one", () => {
    const viz = (metricsServer: string) => {
      const files = only('linkerd', { 'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, '') });
      files['linkerd.yaml'] = files['linkerd.yaml']!.replace(
        'http://prometheus.monitoring:9090',
        metricsServer,
      );
      const render = emitted(files)[0]!;
      return {
        values: render.output.charts.find((c) => c.name === 'flagger')!.values.linkerdAuthPolicy,
        prerequisites: linkerd.prerequisites!(render.env).map((p) => p.what),
      };
    };
    for (const server of [
      'http://prometheus.linkerd-viz:9090',
      'http://prometheus.linkerd-viz.svc:9090',
      'http://prometheus.linkerd-viz.svc.cluster.local:9090/',
    ]) {
      const { values, prerequisites } = viz(server);
      expect(values, server).toEqual({ create: true, namespace: 'linkerd-viz' });
      expect(prerequisites).toContain(
        "linkerd-viz in `linkerd-viz`, with its Prometheus and that Prometheus' Server `prometheus-admin`",
      );
    }
    for (const server of [
      'http://prometheus.monitoring:9090',
      'http://linkerd-viz:9090',
      'https://prom.linkerd-viz.example.com',
    ]) {
      const { values, prerequisites } = viz(server);
      expect(values, server).toBeUndefined();
      expect(prerequisites.join('\n')).not.toContain('linkerd-viz in');
    }
  });
});

/** What a Canary means, provider aside: the target, the port, the analysis, the checks by kind, the webhooks. */
function meaning(canary: K8sObject) {
  const spec = canary.spec as {
    targetRef: unknown;
    service: { port: number };
    analysis: {
      metrics?: { name: string; templateRef?: { name: string }; thresholdRange: unknown; interval: string }[];
      [k: string]: unknown;
    };
  };
  const { metrics, ...analysis } = spec.analysis;
  return {
    target: spec.targetRef,
    port: spec.service.port,
    analysis,
    // A check is the success rate or the latency, whichever query (built-in or template) computes it.
    checks: (metrics ?? []).map((m) => ({
      kind: /success/.test(m.templateRef?.name ?? m.name) ? 'success-rate' : 'latency',
      thresholdRange: m.thresholdRange,
      interval: m.interval,
    })),
  };
}

describe('one rollout block, three meshes', () => {
  const files = { ...ALL, 'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, '') };
  it('compiles to Canaries that mean the same on Istio, Linkerd and App Mesh', () => {
    const [a, b, c] = ['istio', 'linkerd', 'appmesh'].map((e) => meaning(canaryOf(objectsOf(files, e))));
    expect(a).toEqual(b);
    expect(b).toEqual(c);
    expect(a!.analysis).toMatchObject({ interval: '30s', threshold: 5, stepWeight: 10, maxWeight: 50 });
    expect(a!.checks).toEqual([
      { kind: 'success-rate', thresholdRange: { min: 99 }, interval: '1m' },
      { kind: 'latency', thresholdRange: { max: 500 }, interval: '1m' },
    ]);
  });
});

describeWithShared('Flagger objects against the CRD', () => {
  it('every Canary and MetricTemplate of every mesh is valid (unknown fields are errors)', () => {
    const ab = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: ratings, namespace: bookinfo }
      spec:
        ports: [{ name: http, port: 9080 }, { name: grpc, port: 9090, protocol: grpc }]
        routes: [{ timeout: 3s, retries: { attempts: 2, perTryTimeout: 1s, on: [5xx, reset] } }]
        rollout:
          strategy: ab
          iterations: 10
          target: { kind: Deployment, name: ratings-v2 }
          match: [{ headers: { x-canary: { exact: insider } } }, { query: { beta: { exact: "1" } } }]
          metrics: { successRate: 99.5 }
          webhooks: [{ name: gate, type: confirm-rollout, url: "http://flagger-loadtester.test/gate/check" }]
    `;
    const objs = ['istio', 'linkerd', 'appmesh'].flatMap((e) =>
      objectsOf(
        only(e, {
          'r.yaml': ROLLOUT.replace(/ {2}access:.*\n/, ''),
          // Flagger's Gateway API router carries no timeout or retries (refused on Linkerd); its App Mesh
          // router matches one entry of headers (refused otherwise), and its VirtualNodes select the pods by
          // the target's name (the selector's value must be it).
          'ab.yaml':
            e === 'linkerd'
              ? ab.replace(/^ {2}routes:.*\n/m, '')
              : e === 'appmesh'
                ? ab
                    .replace(/, \{ query: \{ beta: \{ exact: "1" \} \} \}/, '')
                    .replace(/^ {2}ports:/m, '  selector: { app: ratings-v2 }\n  ports:')
                : ab,
        }),
        e,
      ),
    );
    const flagger = objs.filter((o) => o.apiVersion.startsWith('flagger.app/'));
    // A target named otherwise than the service: Flagger's Services keep the service's name.
    for (const c of flagger.filter((o) => o.kind === 'Canary' && o.metadata.name === 'ratings'))
      expect((c.spec as { service: { name: string } }).service.name).toBe('ratings');
    expect(flagger.length).toBeGreaterThanOrEqual(8);
    expect(validateObjects(flagger)).toEqual([]);
  });
});

describe('examples/bookinfo: the load tests reach the canaries', () => {
  const admits = (p: AccessPath, path: string) =>
    !p.match ||
    (p.match.type === 'exact'
      ? path === p.match.value
      : p.match.type === 'prefix'
        ? path.startsWith(p.match.value)
        : path.endsWith(p.match.value));
  it("each load tester is a service the rolled-out service's access admits, and takes Flagger's plaintext", async () => {
    const r = await compileDir(path.join(repoRoot, 'examples/bookinfo'));
    const tested: string[] = [];
    for (const e of r.model!.environments)
      for (const s of e.services)
        for (const w of s.rollout?.webhooks ?? []) {
          const cmd = w.metadata.find((m) => m.name === 'cmd')?.value;
          if (cmd === undefined) continue;
          const url = new URL(w.url);
          const [name, namespace] = url.hostname.split('.');
          const tester = e.services.find((t) => t.name === name && t.namespace === namespace);
          expect(tester, `${e.name}: ${w.url}`).toBeDefined();
          expect(tester!.ports.map((p) => p.port)).toContain(Number(url.port || 80));
          // Flagger runs outside the mesh and calls the load tester in plaintext.
          expect(tester!.mtls, `${e.name}: ${tester!.id}`).toBe('permissive');
          // The load test's requests (hey: GET) to the canary, from the load tester's identity.
          const target = new URL(/https?:\/\/\S+/.exec(cmd)![0]);
          expect(target.hostname).toBe(`${s.name}-canary.${s.namespace}`);
          const everyone: AccessRule = {
            index: 0,
            from: [{ kind: 'any', specIndex: 0 }],
            methods: [],
            paths: [],
          };
          const admitted = (s.access ?? [everyone]).some(
            (rule) =>
              rule.from.some((c) => c.kind === 'any' || c.serviceId === tester!.id) &&
              (rule.methods.length === 0 || rule.methods.includes('GET')) &&
              (rule.paths.length === 0 || rule.paths.some((p) => admits(p, target.pathname))),
          );
          expect(admitted, `${e.name}: ${s.id} admits ${tester!.id}`).toBe(true);
          tested.push(`${e.name}: ${s.id}`);
        }
    expect(tested).toEqual(['prod: bookinfo/details', 'staging: bookinfo/details']);
  });
});
