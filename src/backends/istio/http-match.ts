import type { RouteMatch, StringMatch } from '../../model/types.ts';

/** An Istio `StringMatch`: `{exact}`, `{prefix}` or `{regex}`. */
export function stringMatch(m: StringMatch): Record<string, string> {
  return { [m.type]: m.value };
}

/**
 * Istio `uri` matches for a neutral path match. meshc prefixes are segment-wise (`/api` matches `/api` and
 * `/api/x`, not `/apis`) but Istio's `prefix` is a plain string prefix, so `/api` becomes two alternatives,
 * `exact: /api` and `prefix: /api/`. A prefix that is `/` or ends in `/` is already segment-aligned.
 */
export function uriMatches(path: StringMatch): Record<string, string>[] {
  if (path.type !== 'prefix' || path.value.endsWith('/')) return [stringMatch(path)];
  return [{ exact: path.value }, { prefix: `${path.value}/` }];
}

/** True when a match entry has no condition, i.e. matches every request. */
export function isCatchAll(m: RouteMatch): boolean {
  return !m.headers.length && !m.query.length && !m.path && !m.method;
}

/**
 * One neutral match entry as Istio `HTTPMatchRequest`s (OR'ed): usually one, two when a segment-wise prefix
 * expands, each carrying the same header, query and method conditions.
 */
export function httpMatchRequests(m: RouteMatch): Record<string, unknown>[] {
  const common: Record<string, unknown> = {};
  if (m.headers.length)
    common.headers = Object.fromEntries(m.headers.map((h) => [h.name, stringMatch(h.match)]));
  if (m.query.length)
    common.queryParams = Object.fromEntries(m.query.map((q) => [q.name, stringMatch(q.match)]));
  if (m.method) common.method = { exact: m.method };
  if (!m.path) return [common];
  return uriMatches(m.path).map((uri) => ({ uri, ...common }));
}

/**
 * `http[].match` of a route: undefined when the route matches every request (no entries, or one entry
 * without conditions), so the Istio route has no `match` at all.
 */
export function httpMatches(matches: readonly RouteMatch[]): Record<string, unknown>[] | undefined {
  if (!matches.length || matches.some(isCatchAll)) return undefined;
  return matches.flatMap(httpMatchRequests);
}
