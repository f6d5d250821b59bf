import type { DataPath } from '../../src/core/location.ts';
/**
 * Small factories for the resolved model, for backend unit tests: every required field gets a sensible
 * default and any field can be overridden. `origin` returns a dummy Location whose `file` ends with the
 * JSON Pointer of the requested path (`<file>#/mesh/version`), so tests can assert where a diagnostic points.
 */
import type { Location } from '../../src/core/location.ts';
import { toPointer } from '../../src/core/location.ts';
import { parseAccessPath } from '../../src/model/access-path.ts';
import type {
  GitOpsSettings,
  AccessRule,
  CallerTarget,
  Destination,
  MeshSettings,
  OriginFn,
  ResolvedEnvironment,
  ResolvedService,
  Route,
  RouteMatch,
  StringMatch,
} from '../../src/model/types.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An origin function for a file: line/col 1:1, `file` = `<file>#<pointer of the path>`. */
export function makeOrigin(file: string): OriginFn {
  return (path) => dummyLocation(`${file}#${toPointer(path)}`);
}

export function dummyLocation(file = 'spec.yaml'): Location {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 };
}

/** A Service `namespace/name` (defaults `bookinfo/reviews`) with one http port 9080 and nothing else. */
export function makeService(overrides: Partial<ResolvedService> = {}): ResolvedService {
  const namespace = overrides.namespace ?? 'bookinfo';
  const name = overrides.name ?? 'reviews';
  const base: Mutable<ResolvedService> = {
    id: `${namespace}/${name}`,
    namespace,
    name,
    ports: [{ name: 'http', port: 9080, protocol: 'http' }],
    selector: { app: name },
    serviceAccount: name,
    versions: [],
    routes: [],
    resilience: {},
    mtls: 'strict',
    mtlsOverride: false,
    kubernetesService: 'managed',
    spec: {},
    origin: makeOrigin(`services/${name}.yaml`),
  };
  return { ...base, ...overrides };
}

/** `versions` from names: `{ name, labels: { version: name } }`. */
export function makeVersions(...names: string[]): ResolvedService['versions'] {
  return names.map((name) => ({ name, labels: { version: name } }));
}

/** A route at `index` (default 0) with no match and no destinations unless given. */
export function makeRoute(overrides: Partial<Route> = {}): Route {
  return { index: 0, matches: [], destinations: [], ...overrides };
}

/** A match entry; every condition empty unless given. */
export function makeMatch(overrides: Partial<RouteMatch> = {}): RouteMatch {
  return { headers: [], query: [], ...overrides };
}

export function exact(value: string): StringMatch {
  return { type: 'exact', value };
}
export function prefix(value: string): StringMatch {
  return { type: 'prefix', value };
}
export function regex(value: string): StringMatch {
  return { type: 'regex', value };
}

/**
 * A destination `namespace/service` (optionally one version) with a weight (default 100), named in the spec
 * at `at` (default: the first route).
 */
export function dest(
  serviceId: string,
  version?: string,
  weight = 100,
  at: DataPath = ['routes', 0],
): Destination {
  const [namespace = '', service = ''] = serviceId.split('/');
  return version === undefined
    ? { serviceId, namespace, service, weight, at }
    : { serviceId, namespace, service, version, weight, at };
}

/** A caller: `'*'` for any, else the service `namespace/name` with its service account (default = name). */
export function caller(serviceId: string, serviceAccount?: string): CallerTarget {
  if (serviceId === '*') return { kind: 'any' };
  const [namespace = '', name = ''] = serviceId.split('/');
  return { kind: 'service', serviceId, namespace, name, serviceAccount: serviceAccount ?? name };
}

/**
 * An access rule; `paths` as the spec writes them, parsed one by one and kept in the given order; a caller
 * without `specIndex` gets its position in `from`.
 */
export type AccessRuleOverrides = Omit<Partial<AccessRule>, 'paths' | 'from'> & {
  readonly from?: readonly (CallerTarget & { readonly specIndex?: number })[];
  readonly paths?: readonly string[];
};

export function makeAccessRule(overrides: AccessRuleOverrides = {}): AccessRule {
  const { paths = [], from = [], ...rest } = overrides;
  return {
    index: 0,
    methods: [],
    ...rest,
    from: from.map((c, i) => ({ ...c, specIndex: c.specIndex ?? i })),
    paths: paths.map(parseAccessPath),
  };
}

/** Flux GitOps settings with meshc's defaults; `overrides` replace fields. */
export function makeGitOps(overrides: Partial<GitOpsSettings> = {}): GitOpsSettings {
  return {
    engine: 'flux',
    repo: 'https://example.com/mesh-config.git',
    branch: 'main',
    path: 'rendered',
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc' },
    ...overrides,
  };
}

/** An Environment `test` on cluster `c1` running Istio 1.30, strict mTLS, Flux, with the given services. */
export function makeEnvironment(
  overrides: Partial<Omit<ResolvedEnvironment, 'mesh'>> & { mesh?: Partial<MeshSettings> } = {},
): ResolvedEnvironment {
  const { mesh, ...rest } = overrides;
  const services = rest.services ?? [];
  const base: Mutable<ResolvedEnvironment> = {
    name: 'test',
    cluster: 'c1',
    mesh: {
      type: 'istio',
      version: '1.30',
      mtls: 'strict',
      trustDomain: 'cluster.local',
      observability: { metrics: 'none', dashboards: false },
      ...mesh,
    },
    gitops: makeGitOps(),
    namespaces: [...new Set(services.map((s) => s.namespace))].sort(),
    services,
    patches: [],
    spec: {},
    origin: makeOrigin('environments/test.yaml'),
  };
  return { ...base, ...rest };
}
