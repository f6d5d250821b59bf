import type { Route } from '../../model/types.ts';
/** Naming helpers shared by the mesh backends: DNS names, per-version Service names, version comparison. */

export const CLUSTER_DOMAIN = 'cluster.local';

/** `<name>.<namespace>.svc.cluster.local`: the host meshes use for a Kubernetes Service. */
export function serviceFqdn(namespace: string, name: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * A collector or service host as written in the spec (`otel-collector.observability`), made fully qualified
 * when it is a Kubernetes Service short name: `<name>.<namespace>` and `<name>.<namespace>.svc` get the
 * cluster domain; anything else (an FQDN, an external name, a bare name) is returned unchanged.
 */
export function qualifyServiceHost(host: string): string {
  const labels = host.split('.');
  if (labels.length === 2) return `${host}.svc.${CLUSTER_DOMAIN}`;
  if (labels.length === 3 && labels[2] === 'svc') return `${host}.${CLUSTER_DOMAIN}`;
  return host;
}

/** Name of the per-version Service of `service` (meshes without subsets route to these). */
export function versionServiceName(service: string, version: string): string {
  return `${service}-${version}`;
}

/** `[major, minor]` of a `major.minor[.patch]` version string; NaN parts for anything unparsable. */
export function parseMajorMinor(version: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [Number.NaN, Number.NaN];
}

/** True when `version` (`major.minor`) is older than `min` (`major.minor`). Unparsable versions are never older. */
export function isOlderThan(version: string, min: string): boolean {
  const [a, b] = parseMajorMinor(version);
  const [c, d] = parseMajorMinor(min);
  if ([a, b, c, d].some((n) => Number.isNaN(n))) return false;
  return a !== c ? a < c : b < d;
}

/** Distinct values in first-seen order. */
export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/**
 * The name a route gives the objects or entries built from it (a mesh's route entry or route object
 * names): its own `name`, `default` for meshc's implicit default route, else `route-<index>`.
 */
export function routeObjectName(route: Route): string {
  if (route.implicit) return 'default';
  return route.name ?? `route-${route.index}`;
}
