/**
 * The model fixtures every backend's tests start from, built on model-factory.ts: the bookinfo services
 * (reviews with versions and routes, productpage exposed through ingress with access rules, `shop/web` in a
 * second namespace), a service with several ports, the full resilience block, and one fully configured
 * environment (ingress, trust, chart install, observability) for every registered backend.
 *
 * Each builder takes overrides, so a test states only what it changes. A new backend adds its entry to
 * FULL_MESH (src/backends/fixtures.test.ts fails until it does) and its tests begin from the same services.
 */
import type {
  AccessRule,
  MeshSettings,
  MeshType,
  ResolvedEnvironment,
  ResolvedService,
  Resilience,
  Route,
  RouteMatch,
  HeaderOps,
  Port,
} from '../../src/model/types.ts';
import type { AccessRuleOverrides } from './model-factory.ts';
import {
  caller,
  dest,
  exact,
  makeAccessRule,
  makeEnvironment,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
  prefix,
} from './model-factory.ts';
import { duration } from '../../src/model/normalize.ts';
import type { BackendOutput } from '../../src/backends/types.ts';
import type { K8sObject } from '../../src/core/k8s.ts';

// --- Ports -------------------------------------------------------------------------------------------------------

/** The ports the fixtures use, by name. */
export const PORTS = {
  http: { name: 'http', port: 9080, protocol: 'http' },
  http8080: { name: 'http', port: 8080, protocol: 'http' },
  grpc: { name: 'grpc', port: 9090, protocol: 'grpc' },
  db: { name: 'db', port: 5432, protocol: 'tcp' },
} as const satisfies Record<string, Port>;

/** A service (default `bookinfo/reviews`) with several ports: by default http 9080, grpc 9090 and tcp 5432. */
export function multiPortService(
  overrides: Partial<ResolvedService> = {},
  ports: readonly Port[] = [PORTS.http, PORTS.grpc, PORTS.db],
): ResolvedService {
  return makeService({ ports: [...ports], ...overrides });
}

// --- Routes ------------------------------------------------------------------------------------------------------

/** The match of the bookinfo `jason` route: header `end-user` exactly `jason`. */
export function jasonMatch(): RouteMatch {
  return makeMatch({ headers: [{ name: 'end-user', match: exact('jason') }] });
}

/** Route 0 `jason`: requests of the user jason go to `bookinfo/reviews` version v2. */
export function jasonRoute(overrides: Partial<Route> = {}): Route {
  return makeRoute({
    name: 'jason',
    matches: [jasonMatch()],
    destinations: [dest('bookinfo/reviews', 'v2')],
    ...overrides,
  });
}

/** The implicit default route (at `index`, default 1) to every pod of `bookinfo/reviews`. */
export function implicitRoute(index = 1): Route {
  return makeRoute({ index, implicit: true, destinations: [dest('bookinfo/reviews')] });
}

/** Route 1: 90 % to reviews v1, 10 % to `shop/web`, timeout 10s, two retries on 5xx. */
export function splitRoute(overrides: Partial<Route> = {}): Route {
  return makeRoute({
    index: 1,
    destinations: [dest('bookinfo/reviews', 'v1', 90), dest('shop/web', undefined, 10)],
    timeout: duration('10s'),
    retries: { attempts: 2, on: ['5xx'] },
    ...overrides,
  });
}

/** Header operations on request and response, as a route carries them. */
export function headerOperations(response: Partial<HeaderOps> = {}): Route['headers'] {
  return {
    request: {
      set: [{ name: 'x-env', value: 'prod' }],
      add: [{ name: 'x-trace', value: '1' }],
      remove: ['x-debug'],
    },
    response: { set: [], add: [], remove: ['server'], ...response },
  };
}

/**
 * Route 2 of `bookinfo/reviews` with every route feature: 90/10 to v1/v2, timeout 10s, three retries with a
 * per-try timeout on four conditions, fault delay and abort, a mirror to v3 of `mirrorPercent` of the requests,
 * and header operations (`headers` replaces them).
 */
export function everyFeatureRoute(
  mirrorPercent: number,
  headers: Route['headers'] = headerOperations(),
): Route {
  return makeRoute({
    index: 2,
    destinations: [dest('bookinfo/reviews', 'v1', 90), dest('bookinfo/reviews', 'v2', 10)],
    timeout: duration('10s'),
    retries: {
      attempts: 3,
      perTryTimeout: duration('2s'),
      on: ['5xx', 'gateway-error', 'connect-failure', 'reset'],
    },
    fault: { delay: { duration: duration('7s'), percent: 100 }, abort: { status: 500, percent: 10 } },
    mirror: {
      serviceId: 'bookinfo/reviews',
      namespace: 'bookinfo',
      service: 'reviews',
      version: 'v3',
      percent: mirrorPercent,
    },
    headers,
  });
}

// --- Resilience --------------------------------------------------------------------------------------------------

/** Outlier detection, connection pool and the given load balancer: every resilience field set. */
export function fullResilience(loadBalancer: NonNullable<Resilience['loadBalancer']>): Resilience {
  return {
    outlierDetection: {
      consecutiveErrors: 5,
      interval: duration('10s'),
      baseEjectionTime: duration('30s'),
      maxEjectionPercent: 50,
    },
    connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequestsPerConnection: 1 },
    loadBalancer,
  };
}

// --- Access ------------------------------------------------------------------------------------------------------

/** Rule 0: `bookinfo/productpage` may GET `/reviews/*`. */
export function productpageReadsReviews(overrides: AccessRuleOverrides = {}): AccessRule {
  return makeAccessRule({
    from: [caller('bookinfo/productpage')],
    methods: ['GET'],
    paths: ['/reviews/*'],
    ...overrides,
  });
}

// --- Services ----------------------------------------------------------------------------------------------------

/** `bookinfo/reviews` with versions v1 and v2, the `jason` route and the implicit default route. */
export function bookinfoReviews(overrides: Partial<ResolvedService> = {}): ResolvedService {
  return makeService({
    versions: makeVersions('v1', 'v2'),
    routes: [jasonRoute(), implicitRoute()],
    ...overrides,
  });
}

/** `bookinfo/productpage`, exposed: ingress host `bookinfo.example.com`, path prefix `/productpage`. */
export function exposedProductpage(overrides: Partial<ResolvedService> = {}): ResolvedService {
  return makeService({
    name: 'productpage',
    ingress: { hosts: ['bookinfo.example.com'], paths: [prefix('/productpage')] },
    ...overrides,
  });
}

/** `shop/web`: a plain service in a second namespace. */
export function shopWeb(overrides: Partial<ResolvedService> = {}): ResolvedService {
  return makeService({ namespace: 'shop', name: 'web', ...overrides });
}

/**
 * The bookinfo set every backend's emit test uses: reviews (jason to v2, then 90/10 split to v1 and `shop/web`
 * with timeout and retries; outlier detection; productpage may GET `/reviews/*`), productpage (exposed, open to
 * every caller) and `shop/web`, in the order productpage, reviews, web.
 */
export function bookinfoServices(
  overrides: { reviews?: Partial<ResolvedService>; productpage?: Partial<ResolvedService> } = {},
): ResolvedService[] {
  return [
    exposedProductpage({ access: [makeAccessRule({ from: [caller('*')] })], ...overrides.productpage }),
    bookinfoReviews({
      routes: [jasonRoute(), splitRoute()],
      resilience: { outlierDetection: { consecutiveErrors: 5, baseEjectionTime: duration('30s') } },
      access: [productpageReadsReviews()],
      ...overrides.reviews,
    }),
    shopWeb(),
  ];
}

// --- Environments ------------------------------------------------------------------------------------------------

type MeshOverrides = Partial<MeshSettings>;

/**
 * The fully configured mesh of every registered backend: its type and a supported version, strict mTLS, an
 * ingress, cert-manager trust with a ClusterIssuer, a pinned chart, Prometheus Operator metrics, dashboards
 * and OpenTelemetry tracing.
 */
export const FULL_MESH: Readonly<Partial<Record<MeshType, MeshSettings>>> = {
  istio: fullMeshSettings('istio', '1.30', 'istio', 'istio-ingress', '1.30.3'),
  // Linkerd: the chart needs the tracing collector's service account (its namespace comes from the host).
  linkerd: {
    ...fullMeshSettings('linkerd', '2.19', 'nginx', 'ingress', '2025.10.7'),
    install: {
      chartVersion: '2025.10.7',
      values: {
        proxy: { tracing: { collector: { meshIdentity: { serviceAccountName: 'otel-collector' } } } },
      },
    },
  },
  // Consul: its own CA and a Zipkin tracer (it can neither read cert-manager trust nor export OTLP).
  consul: {
    ...fullMeshSettings('consul', '1.21', 'consul', 'ingress', '1.7.2'),
    trust: { type: 'built-in' },
    observability: {
      metrics: 'prometheus-operator',
      dashboards: true,
      tracing: { provider: 'zipkin', host: 'zipkin.observability', port: 9411, sampling: 10 },
    },
  },
  // App Mesh takes no cert-manager trust, no Gateway API and no OpenTelemetry: SPIRE over SDS, its own
  // VirtualGateway, Jaeger (Zipkin); the chart needs the region and the controller's IAM role ARN.
  appmesh: {
    ...fullMeshSettings('appmesh', '1.13', 'bookinfo-gateway', 'appmesh-ingress', '1.13.3'),
    ingress: { className: 'bookinfo-gateway', api: 'native', namespace: 'appmesh-ingress' },
    trust: { type: 'sds' },
    install: {
      chartVersion: '1.13.3',
      values: {
        region: 'eu-west-1',
        serviceAccount: {
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/appmesh-controller' },
        },
      },
    },
    observability: {
      metrics: 'prometheus-operator',
      dashboards: false,
      tracing: { provider: 'zipkin', host: 'appmesh-jaeger.appmesh-system', port: 9411, sampling: 5 },
    },
  },
};

function fullMeshSettings(
  type: MeshType,
  version: string,
  className: string,
  ingressNamespace: string,
  chartVersion: string,
): MeshSettings {
  return {
    type,
    version,
    mtls: 'strict',
    trustDomain: 'cluster.local',
    ingress: { className, api: 'gateway-api', namespace: ingressNamespace },
    trust: { type: 'cert-manager', issuer: 'mesh-root', kind: 'ClusterIssuer' },
    install: { chartVersion, values: {} },
    observability: {
      metrics: 'prometheus-operator',
      dashboards: true,
      tracing: { provider: 'opentelemetry', host: 'otel-collector.observability', port: 4317, sampling: 10 },
    },
  };
}

/** FULL_MESH of `mesh`, with `overrides` replacing whole fields; a mesh without an entry is an error. */
export function fullMesh(mesh: MeshType | string, overrides: MeshOverrides = {}): MeshSettings {
  const settings = FULL_MESH[mesh as MeshType];
  if (!settings) throw new Error(`test/helpers/backend-fixtures.ts: no FULL_MESH entry for mesh '${mesh}'`);
  return { ...settings, ...overrides };
}

type Ingress = NonNullable<MeshSettings['ingress']>;

/** The ingress of FULL_MESH[mesh] (Gateway API, the mesh's ingress namespace), with `overrides`. */
export function meshIngress(mesh: MeshType | string, overrides: Partial<Ingress> = {}): Ingress {
  const ingress = fullMesh(mesh).ingress;
  if (!ingress) throw new Error(`test/helpers/backend-fixtures.ts: FULL_MESH['${mesh}'] has no ingress`);
  return { ...ingress, ...overrides };
}

/**
 * The environment `test` on the fully configured `mesh` (FULL_MESH, `mesh` replacing whole fields), with the
 * given services (default: bookinfoServices()) and any other environment field overridden.
 */
export function meshEnvironment(
  mesh: MeshType | string,
  overrides: Partial<Omit<ResolvedEnvironment, 'mesh'>> & { mesh?: MeshOverrides } = {},
): ResolvedEnvironment {
  const { mesh: meshOverrides, ...rest } = overrides;
  return makeEnvironment({ services: bookinfoServices(), ...rest, mesh: fullMesh(mesh, meshOverrides) });
}

/** Every object of a backend's output: the namespaces' objects, then the prerequisites, then the mesh-wide ones. */
export function emittedObjects(out: BackendOutput): K8sObject[] {
  return [...[...out.namespaces.values()].flat(), ...(out.prerequisites ?? []), ...out.system];
}
