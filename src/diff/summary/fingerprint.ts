/**
 * The content of environments and services with the orders that do not matter removed: what tells a
 * renamed environment from a new one, and whether a service changed at all. Pure.
 */
import type { Duration, ResolvedEnvironment, ResolvedService, Route } from '../../model/types.ts';
import { ANYONE, calleeAccess, effective } from '../access.ts';
import { stableJson } from '../noise.ts';
import { cmp } from './describe.ts';

/** Everything about an environment except its name (and spec positions). */
export function environmentFingerprint(e: ResolvedEnvironment): string {
  return stableJson({
    cluster: e.cluster,
    mesh: e.mesh,
    gitops: e.gitops,
    patches: e.patches,
    services: e.services.map(serviceShape),
  });
}

/** The parts of a service that matter, with the orders that do not matter removed. */
export function serviceShape(s: ResolvedService): unknown {
  const access = calleeAccess(s);
  return {
    id: s.id,
    ports: [...s.ports].sort((a, b) => cmp(a.name, b.name)),
    selector: s.selector,
    serviceAccount: s.serviceAccount,
    versions: s.versions,
    routes: explicitRoutes(s).map(routeShape),
    resilience: s.resilience,
    access: access.controlled
      ? [...new Set([ANYONE, ...access.callers.keys()])].sort().map((c) => [c, effective(access, c)])
      : 'open',
    mtls: s.mtls,
    ingress: s.ingress
      ? {
          hosts: [...new Set(s.ingress.hosts)].sort(),
          paths: s.ingress.paths.map(stableJson).sort(),
        }
      : null,
    kubernetesService: s.kubernetesService,
    rollout: s.rollout ?? null,
  };
}

function routeShape(r: Route): unknown {
  return {
    name: r.name ?? null,
    matches: r.matches.map(stableJson).sort(),
    destinations: r.destinations,
    timeout: r.timeout === undefined ? null : durationKey(r.timeout),
    retries: r.retries
      ? {
          ...r.retries,
          perTryTimeout: r.retries.perTryTimeout ? durationKey(r.retries.perTryTimeout) : null,
        }
      : null,
    fault: r.fault ?? null,
    mirror: r.mirror ?? null,
    headers: r.headers ?? null,
  };
}

/** A duration as its length, so `1s` and `1000ms` compare equal. */
export function durationKey(d: Duration): number {
  return d.ms;
}

/** The routes the spec writes (not the catch-all meshc appends). */
export function explicitRoutes(s: ResolvedService): Route[] {
  return s.routes.filter((r) => !r.implicit);
}
