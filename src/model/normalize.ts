import { spread } from '../core/shapes.ts';
import type { DataPath } from '../core/location.ts';
import { parseDuration } from '../core/duration.ts';
import type { ServiceSpecData, ServiceView } from '../spec/view.ts';
import { serviceRefId } from '../core/service-ref.ts';
import { accessPaths } from './access-path.ts';
import { resolveRollout } from './rollout.ts';
import { withSchemaDefaults } from '../schema/defaults.ts';
import type {
  AccessRule,
  Caller,
  Destination,
  Duration,
  HeaderOps,
  HttpMethod,
  KubernetesServiceMode,
  LoadBalancer,
  MtlsMode,
  OriginFn,
  Resilience,
  ResolvedService,
  RetryCondition,
  Route,
  RouteMatch,
  SimpleLoadBalancer,
  StringMatch,
} from './types.ts';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

type MatchSpec = { readonly exact?: string; readonly prefix?: string; readonly regex?: string };

function stringMatch(m: MatchSpec | undefined): StringMatch | undefined {
  if (!m) return undefined;
  const [type, value] = Object.entries(m)[0] ?? [];
  return type === undefined || value === undefined ? undefined : { type: type as StringMatch['type'], value };
}

function namedMatches(map: Readonly<Record<string, MatchSpec>> | undefined) {
  return Object.entries(map ?? {})
    .map(([name, m]) => ({ name, match: stringMatch(m)! }))
    .sort(byName);
}

function headerOps(
  h: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined,
): HeaderOps | undefined {
  if (!h) return undefined;
  const pairs = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort(byName);
  return { set: pairs(h.set), add: pairs(h.add), remove: [...(h.remove ?? [])] };
}

/** A service spec after applyServiceDefaults: its mTLS mode may be the environment's (`off` included). */
export type ServiceSpecWithDefaults = Omit<ServiceSpecData, 'mtls'> & { readonly mtls: MtlsMode };

/**
 * A service spec with every default applied: the schema's `default`s (withSchemaDefaults), then what depends
 * on context: selector and service account from the name, mTLS from the environment, the weight of a lone
 * backend. What policies see, and what the rest of the model is read from: the one place defaults are applied.
 */
export function applyServiceDefaults(
  name: string,
  spec: ServiceSpecData,
  envMtls: MtlsMode,
): ServiceSpecWithDefaults {
  const s = withSchemaDefaults('Service', spec);
  return spread(s, {
    selector: s.selector ?? { app: name },
    serviceAccount: serviceAccountOf(name, s),
    mtls: s.mtls ?? envMtls,
    ...(s.routes
      ? {
          routes: s.routes.map((r) =>
            r.backends?.length === 1 && r.backends[0]!.weight === undefined
              ? spread(r, { backends: [spread(r.backends[0]!, { weight: 100 })] })
              : r,
          ),
        }
      : {}),
  });
}

/** A service's service account: its own, else its name. */
function serviceAccountOf(name: string, spec: ServiceSpecData): string {
  return spec.serviceAccount ?? name;
}

/** A value the schema (or applyServiceDefaults) gives a default: absent here is a bug of meshc. */
function defaulted<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} has no default applied`);
  return value;
}

export interface ResolveContext {
  /** Every service visible to this one (same environment), by id. */
  readonly services: ReadonlyMap<string, ServiceView>;
  readonly envMtls: MtlsMode;
}

/** ServiceView (validated) → ResolvedService. Pure; assumes the rules found no error. */
export function resolveService(view: ServiceView, ctx: ResolveContext): ResolvedService {
  const spec = applyServiceDefaults(view.name, view.spec, ctx.envMtls);
  const origin: OriginFn = (path: DataPath, mode) => view.at(path, mode);
  // A destination of the service itself, member by member: an object literal that starts with a spread and
  // has members after it (`{ ...self, weight }`) gets a hidden class of its own in V8 (Node 20), one per
  // route destination of the fleet, where literals share one.
  const own = (weight: number, at: DataPath, version?: string): Destination =>
    version === undefined
      ? { serviceId: view.id, namespace: view.namespace, service: view.name, weight, at }
      : { serviceId: view.id, namespace: view.namespace, service: view.name, version, weight, at };
  const routes: Route[] = (spec.routes ?? []).map((r, index) => {
    let destinations: Destination[];
    const at: DataPath = ['routes', index];
    if (typeof r.to === 'string') destinations = [own(100, [...at, 'to'], r.to)];
    else if (r.to)
      destinations = Object.entries(r.to)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([version, weight]) => own(weight, [...at, 'to', version], version));
    else if (r.backends)
      destinations = r.backends.map((b, j) => {
        const id = serviceRefId(b.service, view.namespace);
        const [namespace, service] = id.split('/') as [string, string];
        return {
          serviceId: id,
          namespace,
          service,
          ...(b.version !== undefined ? { version: b.version } : {}),
          weight: defaulted(b.weight, 'backends[].weight'),
          at: [...at, 'backends', j],
        };
      });
    else destinations = [own(100, at)];
    const matches: RouteMatch[] = (r.match ?? []).map((m) => ({
      headers: namedMatches(m.headers),
      query: namedMatches(m.query),
      ...(m.path ? { path: stringMatch(m.path)! } : {}),
      ...(m.method ? { method: m.method as HttpMethod } : {}),
    }));
    const route: Route = {
      index,
      ...(r.name !== undefined ? { name: r.name } : {}),
      matches,
      destinations,
      ...(r.timeout !== undefined ? { timeout: duration(r.timeout) } : {}),
      ...(r.retries
        ? {
            retries: {
              attempts: r.retries.attempts,
              ...(r.retries.perTryTimeout ? { perTryTimeout: duration(r.retries.perTryTimeout) } : {}),
              on: [...defaulted(r.retries.on, 'retries.on')] as RetryCondition[],
            },
          }
        : {}),
      ...(r.fault
        ? {
            fault: {
              ...(r.fault.delay
                ? {
                    delay: {
                      duration: duration(r.fault.delay.duration),
                      percent: defaulted(r.fault.delay.percent, 'fault.delay.percent'),
                    },
                  }
                : {}),
              ...(r.fault.abort
                ? {
                    abort: {
                      status: r.fault.abort.status,
                      percent: defaulted(r.fault.abort.percent, 'fault.abort.percent'),
                    },
                  }
                : {}),
            },
          }
        : {}),
      ...(r.mirror
        ? {
            mirror: {
              serviceId: view.id,
              namespace: view.namespace,
              service: view.name,
              version: r.mirror.to,
              percent: defaulted(r.mirror.percent, 'mirror.percent'),
            },
          }
        : {}),
      ...(r.headers
        ? {
            headers: {
              ...(r.headers.request ? { request: headerOps(r.headers.request)! } : {}),
              ...(r.headers.response ? { response: headerOps(r.headers.response)! } : {}),
            },
          }
        : {}),
    };
    return route;
  });
  const last = routes[routes.length - 1];
  if (last && last.matches.length > 0)
    routes.push({
      index: routes.length,
      implicit: true,
      matches: [],
      destinations: [own(100, ['routes'])],
    });

  const res = (spec.resilience ?? {}) as {
    outlierDetection?: {
      consecutiveErrors?: number;
      interval?: string;
      baseEjectionTime?: string;
      maxEjectionPercent?: number;
    };
    connectionPool?: Resilience['connectionPool'];
    loadBalancer?: string | { consistentHash: { header: string } };
  };
  const lb: LoadBalancer | undefined =
    res.loadBalancer === undefined
      ? undefined
      : typeof res.loadBalancer === 'string'
        ? { type: res.loadBalancer as SimpleLoadBalancer }
        : { type: 'consistent-hash', header: res.loadBalancer.consistentHash.header };
  const resilience: Resilience = {
    ...(res.outlierDetection ? { outlierDetection: outlierDetection(res.outlierDetection) } : {}),
    ...(res.connectionPool ? { connectionPool: { ...res.connectionPool } } : {}),
    ...(lb ? { loadBalancer: lb } : {}),
  };

  const access: AccessRule[] | undefined = spec.access?.map((a, index) => {
    const from: Caller[] = a.from.map((ref, specIndex): Caller => {
      if (ref === '*') return { kind: 'any', specIndex };
      const id = serviceRefId(ref, view.namespace);
      const target = ctx.services.get(id);
      const [namespace, name] = id.split('/') as [string, string];
      return {
        kind: 'service',
        serviceId: id,
        namespace,
        name,
        serviceAccount: serviceAccountOf(name, target?.spec ?? ({} as ServiceSpecData)),
        specIndex,
      };
    });
    // A caller named twice is kept once, at its first spec position.
    const unique = new Map<string, Caller>();
    for (const c of from) {
      const key = c.kind === 'any' ? '' : c.serviceId;
      if (!unique.has(key)) unique.set(key, c);
    }
    return {
      index,
      from: [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c),
      methods: [...new Set(a.methods ?? [])].sort() as HttpMethod[],
      paths: accessPaths(a.paths ?? []),
    };
  });

  return {
    id: view.id,
    namespace: view.namespace,
    name: view.name,
    ports: spec.ports.map((p) => ({
      name: p.name,
      port: p.port,
      protocol: defaulted(p.protocol, 'ports[].protocol') as ResolvedService['ports'][number]['protocol'],
    })),
    selector: { ...defaulted(spec.selector, 'selector') },
    serviceAccount: defaulted(spec.serviceAccount, 'serviceAccount'),
    versions: Object.entries(spec.versions ?? {})
      .map(([name, v]) => ({ name, labels: { ...v.labels } }))
      .sort(byName),
    routes,
    resilience,
    ...(access ? { access } : {}),
    mtls: defaulted(spec.mtls, 'mtls') as MtlsMode,
    mtlsOverride: view.spec.mtls !== undefined,
    ...(spec.ingress
      ? {
          ingress: {
            hosts: [...spec.ingress.hosts],
            paths: defaulted(spec.ingress.paths, 'ingress.paths').map((p) => stringMatch(p)!),
          },
        }
      : {}),
    kubernetesService: defaulted(spec.kubernetesService, 'kubernetesService') as KubernetesServiceMode,
    ...(spec.rollout
      ? {
          rollout: resolveRollout(spec.rollout, view.name, defaulted(spec.selector, 'selector'), duration),
        }
      : {}),
    spec: spec as unknown as Readonly<Record<string, unknown>>,
    origin,
  };
}

/**
 * A spec duration as the model carries it. The validator has refused every duration that does not parse,
 * so one that does not parse here is a bug of meshc, not of the spec.
 */
export function duration(text: string): Duration {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new Error(`internal: unvalidated duration ${JSON.stringify(text)} reached the model`);
  return { ms, text };
}

function outlierDetection(od: {
  consecutiveErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
}): NonNullable<Resilience['outlierDetection']> {
  return {
    ...(od.consecutiveErrors !== undefined ? { consecutiveErrors: od.consecutiveErrors } : {}),
    ...(od.interval !== undefined ? { interval: duration(od.interval) } : {}),
    ...(od.baseEjectionTime !== undefined ? { baseEjectionTime: duration(od.baseEjectionTime) } : {}),
    ...(od.maxEjectionPercent !== undefined ? { maxEjectionPercent: od.maxEjectionPercent } : {}),
  };
}
