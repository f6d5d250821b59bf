/**
 * The lines about a service's routes: routes added, removed and reordered, and per route its
 * destinations and weights, matches, timeout, retries, fault injection, mirroring and header edits.
 * Routes are paired by name, unnamed ones by their rank among the unnamed. Pure.
 */
import type { DataPath } from '../../core/location.ts';
import { routeRef } from '../../core/names.ts';
import type {
  Destination,
  Duration,
  HeaderOps,
  ResolvedService,
  Route,
  RouteMatch,
} from '../../model/types.ts';
import { stableJson } from '../noise.ts';
import { describeStringMatch } from './describe.ts';
import { durationKey, explicitRoutes } from './fingerprint.ts';
import type { Add } from './lines.ts';

/** Routes are matched by name; unnamed ones by their rank among the unnamed routes. */
function routeKeys(routes: readonly Route[]): Map<Route, string> {
  let unnamed = 0;
  return new Map(routes.map((r) => [r, r.name !== undefined ? `name:${r.name}` : `unnamed:${unnamed++}`]));
}

/** The catch-all route (the last one, without a match) is "the service's traffic": no route qualifier. */
function qualifier(s: ResolvedService, r: Route): string {
  const routes = explicitRoutes(s);
  const isCatchAll = r.matches.length === 0 && routes[routes.length - 1] === r;
  return isCatchAll ? '' : `${routeRef(r)}: `;
}

export function summarizeRoutes(
  b: ResolvedService,
  h: ResolvedService,
  add: Add,
  show: (id: string) => string,
): void {
  const br = explicitRoutes(b);
  const hr = explicitRoutes(h);
  const bKey = routeKeys(br);
  const hKey = routeKeys(hr);
  const routeKey = (r: Route) => bKey.get(r) ?? hKey.get(r)!;
  const bByKey = new Map(br.map((r) => [routeKey(r), r] as const));
  const hKeys = new Set(hr.map(routeKey));
  const dest = (s: ResolvedService, d: Pick<Destination, 'serviceId' | 'version'>) =>
    d.serviceId === s.id
      ? (d.version ?? `${show(s.id)} (all versions)`)
      : `${show(d.serviceId)}${d.version ? ` ${d.version}` : ''}`;

  for (const r of hr) {
    const o = bByKey.get(routeKey(r));
    const q = qualifier(h, r);
    const path: DataPath = ['routes', r.index];
    if (!o) {
      add('routes', `${routeRef(r)} added (${describeRoute(h, r, dest)})`, path);
      continue;
    }
    // destinations and weights
    const key = (d: Destination) => `${d.serviceId}|${d.version ?? ''}`;
    const od = new Map(o.destinations.map((d) => [key(d), d] as const));
    const nd = new Map(r.destinations.map((d) => [key(d), d] as const));
    r.destinations.forEach((d) => {
      const was = od.get(key(d));
      if (!was) add('weights', `${q}${dest(h, d)} weight 0 → ${d.weight} (new destination)`, d.at);
      else if (was.weight !== d.weight)
        add('weights', `${q}${dest(h, d)} weight ${was.weight} → ${d.weight}`, d.at);
    });
    for (const d of o.destinations)
      if (!nd.has(key(d)))
        // At the head route's own `to` or `backends` (the removed one has no head position).
        add(
          'weights',
          `${q}${dest(b, d)} weight ${d.weight} → 0 (destination removed)`,
          r.destinations[0]?.at.slice(0, 3) ?? path,
        );
    // matches
    const om = o.matches.map(describeMatch).sort();
    const nm = r.matches.map(describeMatch).sort();
    if (stableJson(om) !== stableJson(nm))
      add(
        'routes',
        `${routeRef(r)}: match ${om.join(' or ') || 'any request'} → ${nm.join(' or ') || 'any request'}`,
        [...path, 'match'],
      );
    // timeout, retries, fault, mirror, headers
    if (!sameDuration(o.timeout, r.timeout))
      add('timeout', `${q}timeout ${o.timeout?.text ?? 'none'} → ${r.timeout?.text ?? 'none'}`, [
        ...path,
        'timeout',
      ]);
    if (retriesKey(o.retries) !== retriesKey(r.retries))
      add('retries', `${q}retries ${describeRetries(o.retries)} → ${describeRetries(r.retries)}`, [
        ...path,
        'retries',
      ]);
    if (stableJson(o.fault) !== stableJson(r.fault))
      add('fault', `${q}fault ${describeFault(o.fault)} → ${describeFault(r.fault)}`, [...path, 'fault']);
    const mirror = (s: ResolvedService, m: Route['mirror']) =>
      m ? `${m.percent}% to ${dest(s, m)}` : 'none';
    if (stableJson(o.mirror) !== stableJson(r.mirror))
      add('mirror', `${q}mirror ${mirror(b, o.mirror)} → ${mirror(h, r.mirror)}`, [...path, 'mirror']);
    for (const dir of ['request', 'response'] as const) {
      const x = describeHeaderOps(o.headers?.[dir]);
      const y = describeHeaderOps(r.headers?.[dir]);
      if (x !== y) add('headers', `${q}${dir} headers ${x} → ${y}`, [...path, 'headers', dir]);
    }
  }
  for (const o of br) if (!hKeys.has(routeKey(o))) add('routes', `${routeRef(o)} removed`, ['routes']);
  // first match wins: the order of the routes both sides have matters
  const order = (routes: Route[], keep: (k: string) => boolean) => routes.map(routeKey).filter(keep);
  const ob = order(br, (k) => hKeys.has(k));
  const oh = order(hr, (k) => bByKey.has(k));
  if (stableJson(ob) !== stableJson(oh)) {
    // Each side's routes named as everywhere (routeRef): by name, else by their place on that side.
    const names = (routes: Route[], keys: string[]) => {
      const label = new Map(routes.map((r) => [routeKey(r), routeRef(r)] as const));
      return keys.map((k) => label.get(k) ?? k).join(', ');
    };
    add('routes', `routes reordered: ${names(br, ob)} → ${names(hr, oh)} (the first matching route wins)`, [
      'routes',
    ]);
  }
}

function describeRoute(
  s: ResolvedService,
  r: Route,
  dest: (s: ResolvedService, d: Destination) => string,
): string {
  const to = r.destinations
    .map((d) => (r.destinations.length > 1 ? `${dest(s, d)} ${d.weight}%` : dest(s, d)))
    .join(', ');
  return r.matches.length ? `${r.matches.map(describeMatch).join(' or ')} → ${to}` : `→ ${to}`;
}

function sameDuration(a: Duration | undefined, b: Duration | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ms === b.ms;
}

export function describeMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(`path ${describeStringMatch(m.path)}`);
  for (const h of m.headers) parts.push(`header ${h.name}=${describeStringMatch(h.match)}`);
  for (const q of m.query) parts.push(`query ${q.name}=${describeStringMatch(q.match)}`);
  return parts.length ? parts.join(' ') : 'any request';
}

function retriesKey(r: Route['retries']): string {
  return r
    ? stableJson({ ...r, perTryTimeout: r.perTryTimeout ? durationKey(r.perTryTimeout) : null })
    : 'none';
}

function describeRetries(r: Route['retries']): string {
  if (!r) return 'none';
  return `${r.attempts}${r.perTryTimeout ? ` × ${r.perTryTimeout.text}` : ''} on ${r.on.join(', ')}`;
}

function describeFault(f: Route['fault']): string {
  if (!f || (!f.delay && !f.abort)) return 'none';
  const parts: string[] = [];
  if (f.delay) parts.push(`delay ${f.delay.duration.text} for ${f.delay.percent}%`);
  if (f.abort) parts.push(`abort ${f.abort.status} for ${f.abort.percent}%`);
  return parts.join(', ');
}

function describeHeaderOps(h: HeaderOps | undefined): string {
  if (!h) return 'none';
  const parts: string[] = [];
  if (h.set.length) parts.push(`set ${h.set.map((x) => `${x.name}=${x.value}`).join(', ')}`);
  if (h.add.length) parts.push(`add ${h.add.map((x) => `${x.name}=${x.value}`).join(', ')}`);
  if (h.remove.length) parts.push(`remove ${[...h.remove].sort().join(', ')}`);
  return parts.join('; ') || 'none';
}
