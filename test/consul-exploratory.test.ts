/**
 * Consul findings of an exploratory run, compiled from spec YAML so that each finding is checked at the node it
 * names: a route to a service of another protocol (Consul refuses the chain), a routed backend that gets the
 * routing service's resilience, `5xx` before Consul 1.18, a consistent hash on a TCP service, and the listener
 * tracing that carries the sampling percentage.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { codesAt, compileInline, dedent } from './helpers/spec-tree.ts';

const env = (version = '1.21', tracing = '') => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh:
      type: consul
      version: "${version}"
      mtls: strict${tracing}
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

const service = (name: string, protocol: string, body = '') =>
  dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ${name}, namespace: shop }
  spec:
    ports: [{ name: main, port: 8080, protocol: ${protocol} }]
` + body;

/** Diagnostics of the spec, with `code file:line:col` of each. */
function compileShop(files: Record<string, string>, version?: string, tracing?: string) {
  const out = compileInline({ 'environments/prod.yaml': env(version, tracing), ...files });
  const all = out.diagnostics as readonly Diagnostic[];
  return { out, all, at: codesAt(out) };
}

/** `code services/<file>:line:col` of the first `token` on the first line of `text` holding `after`. */
function at(code: string, file: string, text: string, after: string, token: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(after));
  const col = lines[line]!.indexOf(token, lines[line]!.indexOf(after)) + 1;
  return `${code} services/${file}:${line + 1}:${col}`;
}

describe('a route to a service of another protocol', () => {
  const web = (backend: string) =>
    service(
      'web',
      'http',
      dedent`
        routes:
          - name: data
            match: [{ path: { prefix: /data } }]
            backends: [{ service: ${backend} }]
      `
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );

  it('is refused at the backend that names it: Consul compiles a chain for one protocol', () => {
    for (const [backend, protocol] of [
      ['db', 'tcp'],
      ['rpc', 'grpc'],
      ['h2', 'http2'],
    ] as const) {
      const text = web(backend);
      const { all, at: where } = compileShop({
        'services/web.yaml': text,
        [`services/${backend}.yaml`]: service(backend, protocol),
      });
      const refused = all.filter((d) => d.message.includes('inconsistent protocols'));
      expect(refused.map((d) => `${d.severity} ${d.code}`)).toEqual(['error MESH_CONSTRAINT']);
      expect(refused[0]!.message).toContain(
        `shop/${backend}, which speaks ${protocol} where shop/web speaks http`,
      );
      expect(where).toContain(at('MESH_CONSTRAINT', 'web.yaml', text, 'backends:', backend));
    }
  });

  it('passes when both speak the same protocol', () => {
    const { all } = compileShop({
      'services/web.yaml': web('api'),
      'services/api.yaml': service('api', 'http'),
    });
    expect(all.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('a routed backend gets the resilience of the routing service', () => {
  const reviews = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      versions:
        v1: { labels: { version: v1 } }
      routes:
        - name: canary
          backends:
            - { service: reviews, version: v1, weight: 90 }
            - { service: reviews-next, weight: 10 }
      resilience:
        outlierDetection: { consecutiveErrors: 5 }
      access:
        - from: [productpage]
  `;
  const next = (resilience = '') => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews-next, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      access:
        - from: [productpage]${resilience}
  `;
  const files = (resilience?: string) => ({
    'services/reviews.yaml': reviews,
    'services/reviews-next.yaml': next(resilience),
    'services/productpage.yaml': service('productpage', 'http'),
  });

  it('warns at the backend, naming the caller of both whose cluster of the backend gets two settings', () => {
    const { all, at: where } = compileShop(files());
    const w = all.filter((d) => d.message.includes('discovery chain reaches'));
    expect(w.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning MESH_APPROXIMATE_FEATURE']);
    expect(w[0]!.message).toContain(
      'what route canary of shop/reviews sends to shop/reviews-next gets the outlier detection and connection limits of shop/reviews (outlierDetection), not those of shop/reviews-next (none).',
    );
    expect(w[0]!.message).toContain('shop/productpage calls both');
    expect(where).toContain(
      at('MESH_APPROXIMATE_FEATURE', 'reviews.yaml', reviews, 'service: reviews-next', 'reviews-next'),
    );
  });

  it('says nothing when the backend declares the same settings', () => {
    const same = '\n  resilience:\n    outlierDetection: { consecutiveErrors: 5 }';
    const { all } = compileShop(files(same));
    expect(all.filter((d) => d.message.includes('discovery chain reaches'))).toEqual([]);
  });
});

describe('retries before Consul 1.18', () => {
  const web = (on: string) =>
    service(
      'web',
      'http',
      `  routes:\n    - name: default\n      backends: [{ service: web }]\n      retries: { attempts: 2, on: [${on}] }\n`,
    );

  it('5xx and gateway-error as status codes lose the resets Envoy retries on: a warning at the condition', () => {
    const text = web('connect-failure, 5xx, gateway-error, retriable-4xx');
    const { all, at: where } = compileShop({ 'services/web.yaml': text }, '1.17');
    const w = all.filter((d) => d.message.includes('retryOnStatusCodes'));
    expect(w.map((d) => d.message.split(' as retryOnStatusCodes')[0])).toEqual([
      'Consul 1.17 writes the retry condition 5xx of route default of shop/web',
      'Consul 1.17 writes the retry condition gateway-error of route default of shop/web',
    ]);
    expect(w.every((d) => d.severity === 'warning' && d.code === 'MESH_APPROXIMATE_FEATURE')).toBe(true);
    // connect-failure is in `on`: only the resets are lost.
    expect(w[0]!.message).not.toContain('connection fails');
    expect(where).toContain(at('MESH_APPROXIMATE_FEATURE', 'web.yaml', text, 'on: [', '5xx'));
    expect(where).toContain(at('MESH_APPROXIMATE_FEATURE', 'web.yaml', text, 'on: [', 'gateway-error'));
  });

  it('from 1.18 retryOn takes them as Envoy means them', () => {
    const { all } = compileShop({ 'services/web.yaml': web('5xx, gateway-error') }, '1.18');
    expect(all.filter((d) => d.message.includes('retryOnStatusCodes'))).toEqual([]);
  });
});

describe('a consistent hash', () => {
  const lb = '  resilience:\n    loadBalancer: { consistentHash: { header: x-user } }\n';

  it('is refused on a TCP service: Consul hashes headers in HTTP routes only', () => {
    const text = service('db', 'tcp', lb);
    const { all, at: where } = compileShop({ 'services/db.yaml': text });
    const refused = all.filter((d) => d.message.includes('hashes request headers'));
    expect(refused.map((d) => `${d.severity} ${d.code}`)).toEqual(['error MESH_CONSTRAINT']);
    expect(where).toContain(at('MESH_CONSTRAINT', 'db.yaml', text, 'loadBalancer:', '{ consistentHash'));
  });

  it('is kept on an HTTP service', () => {
    const { all } = compileShop({ 'services/web.yaml': service('web', 'http', lb) });
    expect(all.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('tracing', () => {
  // Indented for the template of `env` (dedent takes two spaces off every line).
  const tracing =
    '\n      observability:\n        tracing: { provider: zipkin, endpoint: "zipkin.observability:9411", sampling: 10 }';

  it("sets the sidecars' listener sampling to the spec's percentage (Consul's own is 0 %)", () => {
    const { out } = compileShop({ 'services/web.yaml': service('web', 'http') }, '1.21', tracing);
    const pd = out.emitted!.renders[0]!.output.system.find((o) => o.kind === 'ProxyDefaults') as unknown as {
      spec: { config: Record<string, string> };
    };
    const listener = JSON.parse(pd.spec.config.envoy_listener_tracing_json!) as Record<string, unknown>;
    expect(listener).toMatchObject({
      '@type':
        'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing',
      random_sampling: { value: 10 },
      provider: { name: 'envoy.tracers.zipkin', typed_config: { collector_cluster: 'meshc_zipkin' } },
    });
    // The capability warning no longer says the percentage is not applied.
    const warning = out.diagnostics.find((d) => d.message.includes('distributed tracing'));
    expect(warning?.hint).toContain('random_sampling');
    expect(warning?.hint).not.toContain('not applied');
  });
});
