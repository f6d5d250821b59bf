/**
 * Which services of an environment render an object, for the conflicts that name the sources of an object
 * (conflicts.ts). The backends do not record where each object comes from, so the object says it: a service
 * renders an object of its namespace named after it (`reviews`, `reviews-v1`, `reviews.jason`), and one that
 * names its host (`reviews.bookinfo.svc.cluster.local`) or one of its ingress hosts (a Gateway's listeners,
 * the ingress certificate). An object that names no service (mesh-wide policy, telemetry) comes from the
 * environment's own settings. Only computed for a conflict: an index per environment, built on first use.
 */
import type { K8sObject } from '../core/k8s.ts';
import type { DataPath, Location } from '../core/location.ts';
import type { ResolvedEnvironment, ResolvedService } from '../model/types.ts';

/** A service that renders an object, why it is taken for one, and the node of its spec that says so. */
export interface ObjectSource {
  readonly service: ResolvedService;
  /** How the object names the service, for messages: `named after it`, `ingress host shop.example.com`. */
  readonly why: string;
  /** The node inside the service's `spec` (an ingress host), or `[]`: the service's `spec` itself. */
  readonly path: DataPath;
}

type Named = ObjectSource;

interface SourceIndex {
  /** A string an object may hold (a host name, an ingress host) → the services it names. */
  readonly strings: ReadonlyMap<string, readonly Named[]>;
  /** Namespace → its services, longest name first (`reviews-next` before `reviews`). */
  readonly namespaces: ReadonlyMap<string, readonly ResolvedService[]>;
}

const INDEXES = new WeakMap<ResolvedEnvironment, SourceIndex>();

function indexOf(env: ResolvedEnvironment): SourceIndex {
  const known = INDEXES.get(env);
  if (known) return known;
  const strings = new Map<string, Named[]>();
  const namespaces = new Map<string, ResolvedService[]>();
  const add = (key: string, named: Named) => {
    const list = strings.get(key);
    if (!list) strings.set(key, [named]);
    else if (!list.some((n) => n.service === named.service)) list.push(named);
  };
  for (const s of env.services) {
    for (const host of [`${s.name}.${s.namespace}.svc.cluster.local`, `${s.name}.${s.namespace}.svc`])
      add(host, { service: s, why: `host ${host}`, path: [] });
    s.ingress?.hosts.forEach((host, i) =>
      add(host, { service: s, why: `ingress host ${host}`, path: ['ingress', 'hosts', i] }),
    );
    const list = namespaces.get(s.namespace) ?? [];
    list.push(s);
    namespaces.set(s.namespace, list);
  }
  for (const list of namespaces.values()) list.sort((a, b) => b.name.length - a.name.length);
  const index = { strings, namespaces };
  INDEXES.set(env, index);
  return index;
}

/** Characters that end a service's name inside the name of an object derived from it. */
const DERIVED = new Set(['-', '.']);

/**
 * The services of `env` that render `obj`, the one it is named after first, then those whose hosts it holds,
 * in the order it holds them. Empty: the object names no service of the environment.
 */
export function objectSources(env: ResolvedEnvironment, obj: K8sObject): ObjectSource[] {
  const index = indexOf(env);
  const found: Named[] = [];
  const seen = new Set<ResolvedService>();
  const { name, namespace } = obj.metadata;
  if (namespace !== undefined) {
    const owner = index.namespaces
      .get(namespace)
      ?.find((s) => name === s.name || (name.startsWith(s.name) && DERIVED.has(name.charAt(s.name.length))));
    if (owner) {
      found.push({ service: owner, why: 'named after it', path: [] });
      seen.add(owner);
    }
  }
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const named of index.strings.get(value) ?? [])
        if (!seen.has(named.service)) {
          seen.add(named.service);
          found.push(named);
        }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const [key, value] of Object.entries(obj)) if (key !== 'metadata') visit(value);
  return found;
}

/**
 * The sources of an object of the cluster directory, which are the GitOps engine's objects: those an object
 * names (objectSources), else, for the object that deploys the overlay of an application namespace
 * (`<environment>-<namespace>`, one of `namespaces`), the services of that namespace.
 */
export function clusterObjectSources(
  env: ResolvedEnvironment,
  obj: K8sObject,
  namespaces: readonly string[],
): ObjectSource[] {
  const named = objectSources(env, obj);
  if (named.length > 0) return named;
  const ns = namespaces.find((n) => obj.metadata.name === `${env.name}-${n}`);
  if (ns === undefined) return [];
  return env.services
    .filter((s) => s.namespace === ns)
    .map((service) => ({ service, why: `namespace ${ns}`, path: [] }));
}

/** Where a source is: its ingress host, or the key of the service's `spec`. */
export function sourceLocation(source: ObjectSource): Location {
  return source.service.origin(source.path, source.path.length ? 'value' : 'key');
}

/** The sources of an object in words: `bookinfo/reviews (ingress host shop.example.com) and 2 more services`. */
export function describeSources(sources: readonly ObjectSource[]): string {
  const shown = sources.slice(0, 2).map((s) => `${s.service.id} (${s.why})`);
  const more = sources.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more service${more === 1 ? '' : 's'}`;
  return shown.join(' and ');
}
