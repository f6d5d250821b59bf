/**
 * fast-check arbitraries for VALID meshc spec repositories: random namespaces and services (ports,
 * versions, routes with matches, weights, backends, timeouts, retries, header changes, access rules,
 * resilience, per-service mTLS) and one to three environments, each on Istio or Linkerd, deployed by Flux
 * or Argo CD, with or without a namespace filter. Features a mesh of the spec cannot express (Linkerd has
 * no fault injection, mirroring, connection pools, ...) are generated only when no environment runs that
 * mesh, so that every generated spec compiles without an error: the properties over them test what meshc
 * does with valid input, not how it refuses invalid input (test/properties.test.ts does that).
 *
 * The spec is returned as source files (in-memory, in the order the loader gives them: `meshc.yaml` first,
 * then by path), written from plain objects by the `yaml` package.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { SourceFile } from '../../src/parse/source.ts';

type Mesh = 'istio' | 'linkerd';

const API_VERSION = 'meshc.dev/v1alpha1';
const NAMESPACES = ['shop', 'pay'] as const;
const SERVICE_NAMES = ['web', 'api', 'cart', 'auth'] as const;
const MESH_VERSIONS: Record<Mesh, readonly string[]> = {
  istio: ['1.22', '1.24', '1.26'],
  linkerd: ['2.16', '2.18'],
};
/** Retry conditions every mesh expresses (Linkerd's HTTPRoute retries have no token for the others). */
const RETRY_ON_ALL = ['5xx', 'gateway-error'] as const;
const RETRY_ON_ISTIO = [...RETRY_ON_ALL, 'connect-failure', 'reset', 'retriable-4xx'] as const;
const DURATIONS = ['250ms', '1s', '2s', '10s', '1m30s'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

export interface EnvironmentShape {
  readonly name: string;
  readonly mesh: Mesh;
  readonly version: string;
  readonly mtls: 'strict' | 'permissive';
  readonly engine: 'flux' | 'argocd';
  /** The namespaces deployed there (`undefined`: all). */
  readonly namespaces: readonly string[] | undefined;
}

/** Weights that are integers >= 0 summing to 100, one per key. */
function weightsArb<K extends string>(keys: readonly K[]): fc.Arbitrary<Record<K, number>> {
  return fc
    .array(fc.integer({ min: 0, max: 100 }), { minLength: keys.length - 1, maxLength: keys.length - 1 })
    .map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), 100];
      return Object.fromEntries(keys.map((k, i) => [k, points[i + 1]! - points[i]!])) as Record<K, number>;
    });
}

const environmentsArb: fc.Arbitrary<EnvironmentShape[]> = fc
  .uniqueArray(fc.constantFrom('prod', 'staging', 'dev'), { minLength: 1, maxLength: 3 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        fc.constantFrom<Mesh>('istio', 'linkerd').chain((mesh) =>
          fc.record({
            name: fc.constant(name),
            mesh: fc.constant(mesh),
            version: fc.constantFrom(...MESH_VERSIONS[mesh]),
            mtls: fc.constantFrom('strict' as const, 'permissive' as const),
            engine: fc.constantFrom('flux' as const, 'argocd' as const),
            namespaces: fc.option(fc.subarray([...NAMESPACES], { minLength: 1 }), { nil: undefined }),
          }),
        ),
      ),
    ),
  );

interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

/** The header changes of a route (names lower case: both meshes take them as written). */
const headerOpsArb = fc.record(
  {
    set: fc.dictionary(fc.constantFrom('x-env', 'x-route'), fc.constantFrom('prod', 'a', '1'), {
      minKeys: 1,
    }),
    add: fc.dictionary(fc.constantFrom('x-trace', 'x-added'), fc.constantFrom('1', 'yes'), { minKeys: 1 }),
    remove: fc.uniqueArray(fc.constantFrom('x-debug', 'x-internal'), { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const matchArb = fc
  .record(
    {
      headers: fc.dictionary(
        fc.constantFrom('end-user', 'x-canary', 'user-agent'),
        fc.oneof(
          fc.constantFrom('jason', 'qa', 'insider').map((exact) => ({ exact })),
          fc.constantFrom('mobile/', 'bot-').map((prefix) => ({ prefix })),
          fc.constantFrom('^qa-[a-z0-9]+$', '^(a|b)$').map((regex) => ({ regex })),
        ),
        { minKeys: 1, maxKeys: 2 },
      ),
      path: fc.oneof(
        fc.constantFrom('/api', '/v2').map((prefix) => ({ prefix })),
        fc.constantFrom('/health', '/api/items').map((exact) => ({ exact })),
      ),
      method: fc.constantFrom(...METHODS),
    },
    { requiredKeys: [] },
  )
  .filter((m) => Object.keys(m).length > 0);

function routeArb(
  self: ServiceRef,
  versions: readonly string[],
  peers: readonly ServiceRef[],
  istioOnly: boolean,
  last: boolean,
  index: number,
): fc.Arbitrary<Record<string, unknown>> {
  const sameNamespace = peers.filter((p) => p.namespace === self.namespace);
  const dest: fc.Arbitrary<Record<string, unknown>> =
    versions.length > 0
      ? fc.oneof(
          fc.constantFrom(...versions).map((to) => ({ to })),
          fc
            .subarray([...versions], { minLength: 1 })
            .chain((vs) => weightsArb(vs))
            .map((to) => ({ to })),
        )
      : fc
          .subarray(sameNamespace, { minLength: 1, maxLength: Math.min(2, sameNamespace.length) })
          .chain((ps) =>
            weightsArb(ps.map((p) => p.name)).map((w) => ({
              backends: ps.map((p) =>
                ps.length === 1 ? { service: p.name } : { service: p.name, weight: w[p.name] },
              ),
            })),
          );
  const mirrorArb =
    istioOnly && versions.length > 0
      ? fc.record({ to: fc.constantFrom(...versions), percent: fc.integer({ min: 0, max: 100 }) })
      : fc.constant(undefined);
  return fc
    .record({
      dest,
      match: last
        ? fc.option(fc.array(matchArb, { minLength: 1, maxLength: 2 }), { nil: undefined })
        : fc.array(matchArb, { minLength: 1, maxLength: 2 }),
      named: fc.boolean(),
      timeout: fc.option(fc.constantFrom(...DURATIONS), { nil: undefined }),
      retries: fc.option(
        fc.record(
          {
            attempts: fc.integer({ min: 0, max: 5 }),
            perTryTimeout: fc.constantFrom(...DURATIONS),
            on: fc.subarray([...(istioOnly ? RETRY_ON_ISTIO : RETRY_ON_ALL)], { minLength: 1 }),
          },
          { requiredKeys: ['attempts'] },
        ),
        { nil: undefined },
      ),
      headers: fc.option(fc.record({ request: headerOpsArb, response: headerOpsArb }, { requiredKeys: [] }), {
        nil: undefined,
      }),
      fault: istioOnly
        ? fc.option(
            fc.record(
              {
                delay: fc.record({
                  duration: fc.constantFrom(...DURATIONS),
                  percent: fc.integer({ min: 0, max: 100 }),
                }),
                abort: fc.record({
                  status: fc.constantFrom(500, 503),
                  percent: fc.integer({ min: 0, max: 100 }),
                }),
              },
              { requiredKeys: ['abort'] },
            ),
            { nil: undefined },
          )
        : fc.constant(undefined),
      mirror: fc.option(mirrorArb, { nil: undefined }),
    })
    .map(({ dest, match, named, ...rest }) =>
      clean({ ...(named ? { name: `r${index}` } : {}), ...(match ? { match } : {}), ...dest, ...rest }),
    );
}

/** Drops `undefined` values (the YAML writer would print them as null). */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function serviceArb(
  self: ServiceRef,
  all: readonly ServiceRef[],
  istioOnly: boolean,
  portIndex: number,
): fc.Arbitrary<Record<string, unknown>> {
  const callers = [
    '*',
    ...all
      .filter((s) => s !== self)
      .map((s) => (s.namespace === self.namespace ? s.name : `${s.namespace}/${s.name}`)),
  ];
  return fc
    .record({
      protocol: fc.constantFrom('http', 'http2', 'grpc'),
      versions: fc.constantFrom([], ['v1'], ['v1', 'v2'], ['v1', 'v2', 'v3']),
      routeCount: fc.integer({ min: 0, max: 3 }),
      access: fc.option(
        fc.array(
          fc.record(
            {
              from: fc.subarray(callers, { minLength: 1, maxLength: Math.min(3, callers.length) }),
              methods: fc.subarray([...METHODS], { minLength: 1, maxLength: 2 }),
              paths: fc.subarray(['/api/*', '/health', '/items/*'], { minLength: 1, maxLength: 2 }),
            },
            { requiredKeys: ['from'] },
          ),
          { minLength: 1, maxLength: 2 },
        ),
        { nil: undefined },
      ),
      mtls: fc.option(fc.constantFrom('strict', 'permissive'), { nil: undefined }),
      outlier: fc.option(
        fc.record({
          consecutiveErrors: fc.integer({ min: 1, max: 10 }),
          baseEjectionTime: fc.constantFrom('30s', '1m'),
        }),
        { nil: undefined },
      ),
      pool: istioOnly
        ? fc.option(fc.record({ maxConnections: fc.integer({ min: 1, max: 500 }) }), { nil: undefined })
        : fc.constant(undefined),
      loadBalancer: istioOnly
        ? fc.option(fc.constantFrom('round-robin', 'least-request', 'random'), { nil: undefined })
        : fc.constant(undefined),
    })
    .chain((s) =>
      fc
        .tuple(
          ...Array.from({ length: s.routeCount }, (_, i) =>
            routeArb(self, s.versions, all, istioOnly, i === s.routeCount - 1, i),
          ),
        )
        .map((routes) => {
          const resilience = clean({
            outlierDetection: s.outlier,
            connectionPool: s.pool,
            loadBalancer: s.loadBalancer,
          });
          return {
            apiVersion: API_VERSION,
            kind: 'Service',
            metadata: { name: self.name, namespace: self.namespace },
            spec: clean({
              ports: [{ name: 'http', port: 8000 + portIndex, protocol: s.protocol }],
              versions:
                s.versions.length > 0
                  ? Object.fromEntries(s.versions.map((v) => [v, { labels: { version: v } }]))
                  : undefined,
              routes: routes.length > 0 ? routes : undefined,
              access: s.access,
              mtls: s.mtls,
              resilience: Object.keys(resilience).length > 0 ? resilience : undefined,
            }),
          };
        }),
    );
}

function environmentDoc(e: EnvironmentShape): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'Environment',
    metadata: { name: e.name },
    spec: clean({
      cluster: `${e.name}-1`,
      mesh: { type: e.mesh, version: e.version, mtls: e.mtls },
      gitops: { engine: e.engine, repo: 'https://github.com/acme/mesh.git', path: 'rendered' },
      namespaces: e.namespaces,
    }),
  };
}

const yamlText = (docs: readonly unknown[]) => docs.map((d) => stringify(d)).join('---\n');

/** A generated spec: its files (loader order) and what it was built from. */
export interface GeneratedSpec {
  readonly files: readonly SourceFile[];
  readonly environments: readonly EnvironmentShape[];
}

export const specArb: fc.Arbitrary<GeneratedSpec> = fc
  .record({
    environments: environmentsArb,
    services: fc.uniqueArray(
      fc.record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...SERVICE_NAMES) }),
      { minLength: 1, maxLength: 5, selector: (s) => `${s.namespace}/${s.name}` },
    ),
    /** One file per namespace (multi-document) instead of one per service. */
    grouped: fc.boolean(),
  })
  .chain(({ environments, services, grouped }) => {
    const istioOnly = environments.every((e) => e.mesh === 'istio');
    return fc
      .tuple(...services.map((s, i) => serviceArb(s, services, istioOnly, i)))
      .map((docs): GeneratedSpec => {
        const project = {
          apiVersion: API_VERSION,
          kind: 'Project',
          metadata: { name: 'generated' },
          spec: { include: ['services/**/*.yaml', 'environments/*.yaml'] },
        };
        const files: SourceFile[] = [{ path: 'meshc.yaml', text: stringify(project) }];
        const byFile = new Map<string, unknown[]>();
        services.forEach((s, i) => {
          const file = grouped ? `services/${s.namespace}.yaml` : `services/${s.namespace}/${s.name}.yaml`;
          byFile.set(file, [...(byFile.get(file) ?? []), docs[i]]);
        });
        for (const [p, d] of byFile) files.push({ path: p, text: yamlText(d) });
        for (const e of environments)
          files.push({ path: `environments/${e.name}.yaml`, text: stringify(environmentDoc(e)) });
        const rest = files.slice(1).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        return { files: [files[0]!, ...rest], environments };
      });
  });
