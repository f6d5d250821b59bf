/**
 * meshc's Istio output against Istio's validating webhook (test/helpers/admission-istio.ts), at the edges of the
 * spec that reach the webhook's checks: retries with zero attempts, per-try timeouts, tiny fault percentages,
 * Host header changes, header values with `%` or control characters. Each spec is either refused by meshc at
 * its key (MESH_CONSTRAINT) or compiles to objects that validateObject (schema, CEL, webhook) admits.
 */
import { expect, it } from 'vitest';
import { describeWithShared } from './helpers/shared.ts';
import { validateObject } from './helpers/crds.ts';
import { ISTIO_ENV, codesAt, compileInline, dedent } from './helpers/spec-tree.ts';

/** The Service shop/reviews (versions v1, v2) with `routes` (YAML lines under `spec:`). */
const reviews = (routes: string) =>
  dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: shop }
  spec:
    ports: [{ name: http, port: 9080 }]
    versions:
      v1: { labels: { version: v1 } }
      v2: { labels: { version: v2 } }
` +
  '\n' +
  routes
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function compileRoutes(routes: string) {
  const out = compileInline({
    'environments/prod.yaml': ISTIO_ENV,
    'services/reviews.yaml': reviews(routes),
  });
  const objects = (out.emitted?.renders ?? []).flatMap((r) => [
    ...[...r.output.namespaces.values()].flat(),
    ...r.output.system,
  ]) as unknown as Record<string, unknown>[];
  const errors = codesAt(out).filter((c) => !c.startsWith('MESH_APPROXIMATION'));
  return { out, objects, errors, refused: objects.flatMap((o) => validateObject(o)) };
}

/** `MESH_CONSTRAINT <file>:<line>:<col>` of the first occurrence of `token` after `after` in the Service file. */
function constraintAt(routes: string, after: string, token: string): string {
  const lines = reviews(routes).split('\n');
  const line = lines.findIndex((l) => l.includes(after));
  const col = lines[line]!.indexOf(token, lines[line]!.indexOf(after)) + 1;
  return `MESH_CONSTRAINT services/reviews.yaml:${line + 1}:${col}`;
}

const vsHttp = (objects: Record<string, unknown>[]) => {
  const vs = objects.find((o) => o.kind === 'VirtualService') as {
    spec: { http: Record<string, unknown>[] };
  };
  return vs.spec.http;
};

describeWithShared('retries with attempts: 0 on Istio', () => {
  it('emit attempts: 0 alone (the conditions, defaulted or given, mean nothing without retries), which the webhook admits', () => {
    for (const retries of ['{ attempts: 0 }', '{ attempts: 0, on: [5xx, reset] }']) {
      const { objects, errors, refused } = compileRoutes(`routes:\n  - to: v1\n    retries: ${retries}`);
      expect(errors, retries).toEqual([]);
      expect(refused, retries).toEqual([]);
      expect(vsHttp(objects)[0]!.retries, retries).toEqual({ attempts: 0 });
    }
  });
  it('keep perTryTimeout and retryOn with attempts above 0', () => {
    const { objects, refused } = compileRoutes(
      `routes:\n  - to: v1\n    retries: { attempts: 1, perTryTimeout: 2s, on: [5xx] }`,
    );
    expect(refused).toEqual([]);
    expect(vsHttp(objects)[0]!.retries).toEqual({ attempts: 1, perTryTimeout: '2s', retryOn: '5xx' });
  });
  it('make a perTryTimeout with attempts: 0 the route timeout when it is shorter (it bounds the single attempt), which the webhook admits', () => {
    for (const [extra, timeout] of [
      ['', '1s'],
      ['timeout: 500ms\n    ', '500ms'],
      ['timeout: 3s\n    ', '1s'],
    ] as const) {
      const { objects, errors, refused } = compileRoutes(
        `routes:\n  - to: v1\n    ${extra}retries: { attempts: 0, perTryTimeout: 1s }`,
      );
      expect(errors, extra).toEqual([]);
      expect(refused, extra).toEqual([]);
      expect(vsHttp(objects)[0], extra).toMatchObject({ timeout, retries: { attempts: 0 } });
    }
  });
});

describeWithShared(
  'retries with attempts: 0 in a Flagger Canary on Istio (Flagger copies them into its VirtualService)',
  () => {
    const ENV = ISTIO_ENV.replace(
      '  gitops:',
      '  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }\n  gitops:',
    );
    const service = (retries: string) =>
      dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      routes: [{ retries: ${retries} }]
      rollout: { strategy: canary, stepWeight: 10, maxWeight: 50, metrics: { successRate: 99 } }
  `;
    it('carry attempts: 0 alone, which the webhook admits in the VirtualService Flagger generates', () => {
      for (const retries of [
        '{ attempts: 0 }',
        '{ attempts: 0, on: [5xx] }',
        '{ attempts: 0, perTryTimeout: 2s }',
        '{ attempts: 2, on: [5xx] }',
      ]) {
        const out = compileInline({
          'environments/prod.yaml': ENV,
          'services/reviews.yaml': service(retries),
        });
        expect(
          codesAt(out).filter((c) => !c.startsWith('MESH_APPROXIMATION')),
          retries,
        ).toEqual([]);
        const canary = (out.emitted?.renders ?? [])
          .flatMap((r) => [...r.output.namespaces.values()].flat())
          .find((o) => o.kind === 'Canary') as unknown as {
          spec: { service: { retries: Record<string, unknown>; timeout?: string } };
        };
        const copied = canary.spec.service.retries;
        expect(copied, retries).toEqual(
          retries.includes('attempts: 0') ? { attempts: 0 } : { attempts: 2, retryOn: '5xx' },
        );
        expect(canary.spec.service.timeout, retries).toBe(retries.includes('2s') ? '2s' : undefined);
        // The VirtualService Flagger's istio router writes: the Canary's retries on its single http route.
        const vs = {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'reviews', namespace: 'shop' },
          spec: {
            hosts: ['reviews'],
            http: [
              {
                route: [
                  { destination: { host: 'reviews-primary' }, weight: 100 },
                  { destination: { host: 'reviews-canary' }, weight: 0 },
                ],
                retries: copied,
              },
            ],
          },
        };
        expect(validateObject(vs), retries).toEqual([]);
      }
    });
  },
);

describeWithShared('fault percentages on Istio', () => {
  it('refuse a percentage between 0 and 0.0001 at the percent, and admit 0 and 0.0001', () => {
    const abort = `routes:\n  - to: v1\n    fault: { abort: { status: 500, percent: 0.00005 } }`;
    expect(compileRoutes(abort).errors).toEqual([constraintAt(abort, 'fault', '0.00005')]);
    const delay = `routes:\n  - to: v1\n    fault: { delay: { duration: 1s, percent: 0.00001 } }`;
    expect(compileRoutes(delay).errors).toEqual([constraintAt(delay, 'fault', '0.00001')]);
    for (const percent of ['0', '0.0001', '100']) {
      const r = compileRoutes(
        `routes:\n  - to: v1\n    fault: { abort: { status: 500, percent: ${percent} } }`,
      );
      expect(r.errors, percent).toEqual([]);
      expect(r.refused, percent).toEqual([]);
    }
  });
});

describeWithShared('Host header changes on Istio', () => {
  it('refuse host among response header changes and request removals, at the header', () => {
    const set = `routes:\n  - to: v1\n    headers: { response: { set: { Host: a } } }`;
    expect(compileRoutes(set).errors).toEqual([constraintAt(set, 'headers', 'Host')]);
    const add = `routes:\n  - to: v1\n    headers: { response: { add: { host: a } } }`;
    expect(compileRoutes(add).errors).toEqual([constraintAt(add, 'headers', 'host')]);
    const remove = `routes:\n  - to: v1\n    headers: { request: { remove: [x-a, host] } }`;
    expect(compileRoutes(remove).errors).toEqual([constraintAt(remove, 'headers', 'host')]);
  });
  it('admit a request set of host (an authority rewrite) and other header names', () => {
    const r = compileRoutes(
      `routes:\n  - to: v1\n    headers: { request: { set: { host: a.example.com }, remove: [x-host] }, response: { remove: [x-host] } }`,
    );
    expect(r.errors).toEqual([]);
    expect(r.refused).toEqual([]);
  });
});

describeWithShared('regular expressions, access paths and native ingress hosts on Istio', () => {
  it('refuse a match regex over 1024 characters at the regex, and admit 1024', () => {
    const long = `routes:\n  - match: [{ path: { regex: "/${'a'.repeat(1024)}" } }]\n    to: v1`;
    expect(compileRoutes(long).errors).toEqual([constraintAt(long, 'regex', '"/')]);
    const header = `routes:\n  - match: [{ headers: { x-a: { regex: "${'a'.repeat(1025)}" } } }]\n    to: v1`;
    expect(compileRoutes(header).errors).toEqual([constraintAt(header, 'regex', '"a')]);
    // In a second match of a second route, under query: each at its own regex.
    const query = `routes:\n  - to: v1\n    match: [{ path: { prefix: /a } }]\n  - match: [{ path: { prefix: /b } }, { query: { q: { exact: x }, r: { regex: "${'b'.repeat(1025)}" } } }]\n    to: v2`;
    expect(compileRoutes(query).errors).toEqual([constraintAt(query, 'regex', '"b')]);
    const edge = compileRoutes(
      `routes:\n  - match: [{ path: { regex: "/${'a'.repeat(1023)}" } }]\n    to: v1`,
    );
    expect(edge.errors).toEqual([]);
    expect(edge.refused).toEqual([]);
  });
  it('refuse an access path with a brace at the path (Istio path templates), and admit a prefix', () => {
    const braces = `access: [{ from: ["*"], paths: [/api/x, "/api/{id}"] }]`;
    // An unescaped brace is refused for every mesh by the spec's access-path format (a URL path carries it only
    // escaped), at the same node where Istio's own check (its path templates) would refuse it.
    expect(compileRoutes(braces).errors).toEqual([
      constraintAt(braces, 'access', '"/api/{id}"').replace('MESH_CONSTRAINT', 'SCHEMA_CONSTRAINT'),
    ]);
    const ok = compileRoutes(`access: [{ from: ["*"], paths: ["/api/*"] }]`);
    expect(ok.errors).toEqual([]);
    expect(ok.refused).toEqual([]);
  });
  it('with the native ingress API, refuse a short host or an all-digit top-level domain at the host, and admit an IP and a wildcard', () => {
    const env = ISTIO_ENV.replace(
      'mtls: strict }',
      'mtls: strict, ingress: { className: istio, api: native, namespace: edge } }',
    );
    const compileIngress = (hosts: string) => {
      const body = `ingress: { hosts: [${hosts}], paths: [{ prefix: / }] }`;
      const out = compileInline({ 'environments/prod.yaml': env, 'services/reviews.yaml': reviews(body) });
      const objects = (out.emitted?.renders ?? []).flatMap((r) => [
        ...[...r.output.namespaces.values()].flat(),
        ...r.output.system,
      ]);
      return { body, errors: codesAt(out), refused: objects.flatMap((o) => validateObject(o)) };
    };
    for (const host of ['shop', 'shop.123']) {
      const r = compileIngress(`a.example.com, ${host}`);
      expect(r.errors, host).toEqual([constraintAt(r.body, 'ingress', host)]);
    }
    for (const host of ['"10.0.0.1"', '"*.example.com"', 'shop.example.com']) {
      const r = compileIngress(host);
      expect(r.errors, host).toEqual([]);
      expect(r.refused, host).toEqual([]);
    }
  });
});

describeWithShared('header values on Istio', () => {
  // The spec's header values are literals; Envoy reads `%` as the start of a variable, so meshc writes `%%`.
  it('a literal % is written as %% (Envoy: a literal %), which the webhook admits', () => {
    const r = compileRoutes(`routes:\n  - to: v1\n    headers: { request: { set: { x-share: "50%" } } }`);
    expect(r.errors).toEqual([]);
    expect(r.refused).toEqual([]);
    expect(vsHttp(r.objects)[0]!.headers).toEqual({ request: { set: { 'x-share': '50%%' } } });
  });
  // HTTP allows no control character in a header value (a tab aside): the spec refuses it, for every mesh.
  it('a header value with a control character is refused by the spec, where it is written', () => {
    const r = compileRoutes(`routes:\n  - to: v1\n    headers: { request: { set: { x-a: "a\\u0001b" } } }`);
    expect(r.out.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'SCHEMA_CONSTRAINT The value of the header x-a holds the control character U+0001, which HTTP does not allow in a header value.',
    ]);
    expect(r.objects).toEqual([]);
  });
});
