/**
 * meshc's Consul output at the edges of the spec that reach consul-k8s' webhook and Consul's own validation
 * (test/helpers/admission-consul.ts): version label keys, empty header and query values, and a route that names
 * one backend twice. Each spec is either refused where it is written (MESH_CONSTRAINT) or renders objects that
 * validateObject, and so the webhook model, accepts.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { isKustomizeConfig, validateObjects } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { PROJECT } from './helpers/spec-tree.ts';

const ENV = `apiVersion: meshc.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  cluster: prod-1
  mesh: { type: consul, version: "1.21", mtls: strict }
  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;
const HEAD = `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  ports: [{ name: http, port: 8080, protocol: http }]
`;
const API = `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: api, namespace: shop }
spec:
  ports: [{ name: http, port: 8080, protocol: http }]
`;

interface Outcome {
  readonly errors: readonly Diagnostic[];
  readonly violations: readonly string[];
  readonly objects: readonly Record<string, unknown>[];
}

/** Compile web (with `body` under its spec) and api; the errors, else every object rendered, validated. */
function outcome(body: string, env = ENV): Outcome {
  const files = {
    'meshc.yaml': PROJECT,
    'environments/prod.yaml': env,
    'services/web.yaml': HEAD + body,
    'services/api.yaml': API,
  };
  const compiled = compile(Object.entries(files).map(([path, text]) => ({ path, text })));
  const errors = [
    ...compiled.diagnostics,
    ...(compiled.emitted?.diagnostics ?? []),
    ...(compiled.tree?.diagnostics ?? []),
  ].filter((d) => d.severity === 'error');
  if (errors.length) return { errors, violations: [], objects: [] };
  const objects = [...compiled.tree!.builds.values()].flat();
  for (const r of compiled.emitted!.renders) objects.push(...buildEnvironment(r));
  const cluster = objects.filter((o) => !isKustomizeConfig(o));
  return { errors: [], violations: [...new Set(validateObjects(cluster))], objects: cluster as never };
}

const versions = (key: string) =>
  `  versions:\n    v1: { labels: { ${key}: v1 } }\n    v2: { labels: { ${key}: v2 } }\n  routes:\n    - to: { v1: 50, v2: 50 }\n`;

describeWithShared('Consul output and the Consul webhook, at the edges of the spec', () => {
  it('a version label key that a filter can name (letter first; letters, digits, _) renders admitted resolvers', () => {
    for (const key of ['version', 'track_2', 'V']) {
      const o = outcome(versions(key));
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations).toEqual([]);
    }
  });

  it('a version label key with - or a leading digit is refused at the key (the resolver filter would not parse)', () => {
    for (const key of ['app-version', '9ver']) {
      const o = outcome(versions(key));
      expect(o.violations).toEqual([]);
      const at = o.errors.filter(
        (d) => d.code === 'MESH_CONSTRAINT' && d.location?.file === 'services/web.yaml',
      );
      expect(at.map((d) => d.location?.line).sort(), key).toEqual([7, 8]);
      expect(at[0]!.message).toContain(`"${key}"`);
    }
  });

  it('an empty exact header or query value renders a match Consul accepts', () => {
    for (const match of ['{ headers: { x-a: { exact: "" } } }', '{ query: { a: { exact: "" } } }']) {
      const o = outcome(
        `  versions:\n    v1: { labels: { version: v1 } }\n  routes:\n    - match: [${match}]\n      to: v1\n    - to: v1\n`,
      );
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations, match).toEqual([]);
    }
  });

  it('a weighted route that names one backend twice renders a splitter Consul accepts, the weights added up', () => {
    for (const routes of [
      '  routes:\n    - match: [{ headers: { x-a: { exact: "1" } } }]\n      backends: [{ service: api, weight: 30 }, { service: api, weight: 30 }, { service: web, weight: 40 }]\n    - to: { }\n',
      '  routes:\n    - backends: [{ service: api, weight: 30 }, { service: web, weight: 40 }, { service: api, weight: 30 }]\n',
    ]) {
      const o = outcome(routes.replace('    - to: { }\n', ''));
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations).toEqual([]);
      const splitters = o.objects.filter((x) => x.kind === 'ServiceSplitter');
      // The same splitter appears in the environment's build and in its GitOps tree.
      expect(splitters.length).toBeGreaterThan(0);
      for (const splitter of splitters)
        expect((splitter.spec as { splits: unknown[] }).splits).toEqual([
          { weight: 60, service: 'api' },
          { weight: 40, service: 'web' },
        ]);
    }
  });

  it('property: a spec at these edges is refused (MESH_CONSTRAINT, MESH_UNSUPPORTED_FEATURE) or renders only objects Consul admits', () => {
    const stringMatch = fc.oneof(
      fc.constantFrom('', '1', 'a b', 'Mozilla/5.0').map((exact) => ({ exact })),
      fc.constantFrom('a', 'x-').map((prefix) => ({ prefix })),
      fc.constantFrom('^(1|true)$', '.*').map((regex) => ({ regex })),
    );
    const queryMatch = fc.oneof(
      fc.constantFrom('', '1').map((exact) => ({ exact })),
      fc.constantFrom('1.*').map((regex) => ({ regex })),
    );
    const match = fc
      .record(
        {
          headers: fc.dictionary(fc.constantFrom('x-a', 'user-agent'), stringMatch, {
            minKeys: 1,
            maxKeys: 2,
          }),
          query: fc.dictionary(fc.constantFrom('a', 'debug'), queryMatch, { minKeys: 1, maxKeys: 2 }),
          path: fc.oneof(
            fc.constantFrom('/', '/api', '/api/').map((prefix) => ({ prefix })),
            fc.constantFrom('/x').map((exact) => ({ exact })),
            fc.constantFrom('/v[0-9]+/.*').map((regex) => ({ regex })),
          ),
          method: fc.constantFrom('GET', 'POST', 'PATCH'),
        },
        { requiredKeys: [] },
      )
      .filter((m) => Object.keys(m).length > 0);
    const backend = fc.record(
      { service: fc.constantFrom('api', 'web'), version: fc.constantFrom(undefined, 'v1', 'v2') },
      { requiredKeys: ['service'] },
    );
    const backends = fc.array(backend, { minLength: 2, maxLength: 3 }).map((bs) => {
      const share = Math.floor(100 / bs.length);
      return bs.map((b, i) => ({
        service: b.service,
        ...(b.version && b.service === 'web' ? { version: b.version } : {}),
        weight: i === 0 ? 100 - share * (bs.length - 1) : share,
      }));
    });
    const route = fc.record(
      {
        match: fc.array(match, { minLength: 1, maxLength: 2 }),
        backends,
        timeout: fc.constantFrom('1s', '250ms'),
        retries: fc.record({
          attempts: fc.integer({ min: 0, max: 3 }),
          on: fc.uniqueArray(
            fc.constantFrom('5xx', 'connect-failure', 'reset', 'unavailable', 'retriable-4xx'),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
        }),
      },
      { requiredKeys: ['match', 'backends'] },
    );
    const access = fc.array(
      fc.record(
        {
          from: fc.uniqueArray(fc.constantFrom('api', '*'), { minLength: 1, maxLength: 2 }),
          methods: fc.uniqueArray(fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE'), {
            minLength: 1,
            maxLength: 3,
          }),
          paths: fc.uniqueArray(fc.constantFrom('/x', '/api/*', '*.json', '*', '/'), {
            minLength: 1,
            maxLength: 3,
          }),
        },
        { requiredKeys: ['from'] },
      ),
      { maxLength: 2 },
    );
    const spec = fc.record(
      {
        labelKey: fc.constantFrom('version', 'track_2', 'app-version', '9ver', 'V'),
        routes: fc.array(route, { maxLength: 2 }),
        catchAll: fc.oneof(
          backends.map((b) => ({ backends: b })),
          fc.constantFrom({ to: 'v1' }, { to: { v1: 50, v2: 50 } }),
        ),
        access,
        maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
        loadBalancer: fc.constantFrom('round-robin', 'least-request', 'random', {
          consistentHash: { header: 'x-user' },
        }),
        mtls: fc.constantFrom(undefined, 'permissive'),
        version: fc.constantFrom('1.16', '1.21'),
      },
      { requiredKeys: ['labelKey', 'routes', 'catchAll', 'version'] },
    );
    fc.assert(
      fc.property(spec, (s) => {
        const body = {
          versions: { v1: { labels: { [s.labelKey]: 'v1' } }, v2: { labels: { [s.labelKey]: 'v2' } } },
          routes: [...s.routes, s.catchAll],
          ...(s.access ? { access: s.access } : {}),
          resilience: {
            outlierDetection: { consecutiveErrors: 5, maxEjectionPercent: s.maxEjectionPercent },
            ...(s.loadBalancer ? { loadBalancer: s.loadBalancer } : {}),
          },
          ...(s.mtls ? { mtls: s.mtls } : {}),
        };
        const yaml = stringify({ spec: body }).replace(/^spec:\n/, '');
        const o = outcome(yaml, ENV.replace('"1.21"', `"${s.version}"`));
        const unexpected = o.errors.filter(
          (d) => d.code !== 'MESH_CONSTRAINT' && d.code !== 'MESH_UNSUPPORTED_FEATURE',
        );
        expect(
          unexpected.map((d) => `${d.code} ${d.message}`),
          yaml,
        ).toEqual([]);
        expect(o.violations, yaml).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
