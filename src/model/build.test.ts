import { describe, expect, it } from 'vitest';
import type { ResolvedService } from './types.ts';
import { ISTIO_ENV, compileInline, dedent } from '../../test/helpers/spec-tree.ts';

const services = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ratings, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
    access: [{ from: [reviews] }]
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: catalog, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
`;

const env = (name: string, extra = '') =>
  ISTIO_ENV.replace('name: prod', `name: ${name}`).replace('prod-1', `${name}-1`) + extra;

describe('buildModel resolves a service once for the environments that see it alike', () => {
  it('shares the resolved service across environments, and resolves again what an override or a caller changes', () => {
    const r = compileInline(
      {
        'services.yaml': services,
        'a.yaml': env('a'),
        'b.yaml': env('b'),
        // c gives reviews another service account: ratings' access rule names it, so ratings differs too.
        'c.yaml': env('c', '  overrides:\n    shop/reviews: { serviceAccount: reviews-c }\n'),
        // d runs permissive mTLS: every service's mtls differs.
        'd.yaml': env('d').replace('mtls: strict', 'mtls: permissive'),
      },
      { until: 'plan' },
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const byEnv = new Map(
      r.model!.environments.map((e) => [e.name, new Map(e.services.map((s) => [s.name, s]))]),
    );
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => byEnv.get(n)!);
    for (const name of ['ratings', 'reviews', 'catalog']) expect(b!.get(name)).toBe(a!.get(name));
    expect(c!.get('catalog')).toBe(a!.get('catalog'));
    expect(c!.get('reviews')).not.toBe(a!.get('reviews'));
    expect(c!.get('reviews')!.serviceAccount).toBe('reviews-c');
    expect(c!.get('ratings')).not.toBe(a!.get('ratings'));
    const callers = (s: ResolvedService) =>
      s.access!.flatMap((rule) => rule.from.map((f) => (f.kind === 'service' ? f.serviceAccount : '*')));
    expect(callers(c!.get('ratings')!)).toEqual(['reviews-c']);
    expect(callers(a!.get('ratings')!)).toEqual(['reviews']);
    for (const name of ['ratings', 'reviews', 'catalog']) {
      expect(d!.get(name)).not.toBe(a!.get(name));
      expect(d!.get(name)!.mtls).toBe('permissive');
    }
  });
});

describe('resolved routes', () => {
  it('share V8 hidden classes across services (a fleet of destinations is not a fleet of classes)', async () => {
    const { setFlagsFromString } = await import('node:v8');
    setFlagsFromString('--allow-natives-syntax');
    const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
      a: object,
      b: object,
    ) => boolean;
    const fleet = Array.from(
      { length: 40 },
      (_, i) => dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: svc-${i}, namespace: shop }
        spec:
          ports: [{ name: http, port: 8080 }]
          versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
          routes:
            - match: [{ headers: { x-canary: { exact: "1" } } }]
              to: v2
              mirror: { to: v1, percent: 5 }
            - to: { v1: 90, v2: 10 }
      `,
    ).join('---\n');
    const r = compileInline({ 'services.yaml': fleet, 'a.yaml': env('a') }, { until: 'plan' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const services = r.model!.environments[0]!.services;
    expect(services.length).toBe(40);
    const [first, last] = [services[0]!, services.at(-1)!];
    // One version (`to: v2`), weighted versions, the mirror.
    expect(haveSameMap(first.routes[0]!.destinations[0]!, last.routes[0]!.destinations[0]!)).toBe(true);
    expect(haveSameMap(first.routes[1]!.destinations[1]!, last.routes[1]!.destinations[1]!)).toBe(true);
    expect(haveSameMap(first.routes[0]!.mirror!, last.routes[0]!.mirror!)).toBe(true);
  });
});

describe('the migration preview (meshOverride)', () => {
  /** A Linkerd environment at `version` that traces (Linkerd configures tracing from 2.19). */
  const linkerd = (version: string) => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: staging }
    spec:
      cluster: staging-1
      mesh:
        type: linkerd
        version: "${version}"
        mtls: permissive
        observability:
          tracing: { provider: opentelemetry, endpoint: "otel-collector.observability:4317", sampling: 10 }
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `;
  const tracingRefused = (r: ReturnType<typeof compileInline>) =>
    r.diagnostics.some((d) => d.code === 'MESH_UNSUPPORTED_FEATURE' && /tracing/.test(d.message));

  it('applies the version to an environment already on the mesh, as to one on another mesh', () => {
    const at = (version: string, meshOverride?: { type: 'linkerd' | 'istio'; version: string }) =>
      compileInline(
        { 'services.yaml': services, 'staging.yaml': linkerd(version) },
        { until: 'plan', ...(meshOverride ? { meshOverride } : {}) },
      );
    expect(tracingRefused(at('2.18'))).toBe(true);
    const newer = at('2.18', { type: 'linkerd', version: '2.20' });
    expect(tracingRefused(newer)).toBe(false);
    expect(newer.model!.environments[0]!.mesh).toMatchObject({ type: 'linkerd', version: '2.20' });
    // `--mesh linkerd` without a version: the oldest meshc supports, for a Linkerd 2.19 environment too.
    expect(tracingRefused(at('2.19'))).toBe(false);
    expect(tracingRefused(at('2.19', { type: 'linkerd', version: '2.16' }))).toBe(true);
    const other = at('2.18', { type: 'istio', version: '1.24' });
    expect(other.model!.environments[0]!.mesh).toMatchObject({ type: 'istio', version: '1.24' });
  });
});
