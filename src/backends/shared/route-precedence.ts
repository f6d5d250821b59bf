import type { RouteMatch, StringMatch } from '../../model/types.ts';

/**
 * meshc routes are ordered: the first rule whose match matches wins. Gateway API implementations (Linkerd) do not
 * read HTTPRoute rules in order: for each request it takes the matching rule with the best score, comparing
 * (1) the number of path characters matched (an exact or regex path counts the whole request path, a prefix
 * its own length without trailing `/`, no path counts 1), then (2) whether a method is matched, (3) the number
 * of header matches, (4) the number of query matches. A tie goes to the rule listed first in the same
 * HTTPRoute, and between HTTPRoutes to the older object: a creation timestamp GitOps does not control
 * (linkerd2-proxy `linkerd/http/route/src/http/match.rs`, `lib.rs`).
 *
 * `orderRoutes` rewrites the match entries of meshc's routes so that Linkerd's choice is meshc's choice:
 * 1. an entry that an earlier route already covers is unreachable in meshc's semantics and is dropped;
 * 2. when a later route's entry `b` would beat an earlier route's entry `a` on requests matching both, the
 *    earlier route gets one more entry `a ∧ b` (a's conditions plus b's), which matches those requests at
 *    least as specifically as `b` and wins (unless a route before the earlier one already takes those
 *    requests); this repeats until nothing changes.
 * Pairs it cannot settle are returned as conflicts (the backend reports them as approximations).
 */

export interface OrderedRoute {
  /** Index of the route in the input. */
  readonly index: number;
  /** The HTTPRoute object the route's rule is emitted in: ties only resolve by rule order inside one object. */
  readonly group: string;
  /** The entries to emit (an empty list: the rule matches every request, `matches` omitted). */
  readonly matches: readonly RouteMatch[];
  /** False when every entry of the route is covered by earlier routes: the rule is not emitted. */
  readonly reachable: boolean;
}

export interface OrderConflict {
  /** Route (input index) whose requests Linkerd may send elsewhere. */
  readonly earlier: number;
  /** The route that may take them. */
  readonly later: number;
  /** Position of the later route's match entry in its `match` list, when it is one the user wrote. */
  readonly laterMatch?: number;
}

export interface RouteInput {
  readonly group: string;
  /** OR of entries; empty = matches every request. */
  readonly matches: readonly RouteMatch[];
}

/** Upper bound of match entries per route (Gateway API allows 64 matches per rule). */
export const MAX_MATCHES = 64;

interface Entry {
  readonly match: RouteMatch;
  /** Index in the route's own `match` list for entries the user wrote; undefined for derived ones. */
  readonly origin?: number;
}

const ANY: RouteMatch = { headers: [], query: [] };

export function orderRoutes(routes: readonly RouteInput[]): {
  routes: OrderedRoute[];
  conflicts: OrderConflict[];
} {
  const entries: Entry[][] = routes.map((r) =>
    r.matches.length ? r.matches.map((match, i) => ({ match, origin: i })) : [{ match: ANY }],
  );
  const same = (i: number, j: number) => routes[i]!.group === routes[j]!.group;
  // Requests an entry of a route before `i` matches are that route's in meshc's semantics: route `i` need not
  // (and must not) claim them. An entry `a ∧ b` it claimed anyway would tie with that earlier entry across
  // HTTPRoutes, a tie that only the objects' creation times break.
  const takenBefore = (i: number, m: RouteMatch) => {
    for (let k = 0; k < i; k++) if (entries[k]!.some((e) => covers(e.match, m))) return true;
    return false;
  };

  // 1. Entries covered by an earlier route never win in meshc: drop them.
  for (let j = 0; j < entries.length; j++) entries[j] = entries[j]!.filter((b) => !takenBefore(j, b.match));

  // 2. Lift the earlier route's conditions over every later entry that would beat it, until nothing changes.
  for (let changed = true, rounds = 0; changed && rounds < 32; rounds++) {
    changed = false;
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        for (const a of [...entries[i]!]) {
          for (const b of entries[j]!) {
            if (!mayOverlap(a.match, b.match) || wins(a.match, b.match, same(i, j))) continue;
            const c = conjunction(a.match, b.match);
            if (!c || !wins(c, b.match, same(i, j)) || entries[i]!.length >= MAX_MATCHES) continue;
            if (entries[i]!.some((e) => sameMatch(e.match, c)) || takenBefore(i, c)) continue;
            entries[i]!.push({ match: c });
            changed = true;
          }
        }
      }
    }
  }

  // 3. What is left: a later entry that beats an earlier one on requests no lifted entry covers.
  const conflicts: OrderConflict[] = [];
  for (let j = 0; j < entries.length; j++) {
    for (const b of entries[j]!) {
      for (let i = 0; i < j; i++) {
        const unsettled = entries[i]!.some((a) => {
          if (!mayOverlap(a.match, b.match) || wins(a.match, b.match, same(i, j))) return false;
          const c = conjunction(a.match, b.match);
          if (c && takenBefore(i, c)) return false;
          return !c || !entries[i]!.some((x) => covers(x.match, c) && wins(x.match, b.match, same(i, j)));
        });
        if (
          unsettled &&
          !conflicts.some((k) => k.earlier === i && k.later === j && k.laterMatch === b.origin)
        )
          conflicts.push({
            earlier: i,
            later: j,
            ...(b.origin !== undefined ? { laterMatch: b.origin } : {}),
          });
      }
    }
  }

  return {
    routes: routes.map((r, index) => {
      const list = entries[index]!;
      return {
        index,
        group: r.group,
        matches: list.some((e) => isAny(e.match)) ? [] : list.map((e) => e.match),
        reachable: list.length > 0,
      };
    }),
    conflicts,
  };
}

// --- Linkerd's score ------------------------------------------------------------------------------------------

type Cmp = 'gt' | 'eq' | 'lt' | 'ge' | 'le';

function trimSlash(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

/** Characters a prefix path match scores (Linkerd: the prefix without trailing `/`; `/` scores 1). */
function prefixScore(p: string): number {
  return trimSlash(p).length;
}

/** True when the regex (read as JavaScript, close enough to decide this) matches the whole of `value`. */
function regexMatches(regex: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${regex})$`).test(value);
  } catch {
    return true; // cannot tell: assume it may
  }
}

/**
 * How `a`'s path score compares with `b`'s on a request that both match. Regex paths score the request path's
 * length, so against a prefix or no path they tie only on the one path where the lengths meet.
 */
function comparePath(a: StringMatch | undefined, b: StringMatch | undefined): Cmp {
  const kind = (p: StringMatch | undefined) => p?.type ?? 'none';
  const ka = kind(a);
  const kb = kind(b);
  if (ka === 'none' && kb === 'none') return 'eq';
  if (ka === 'regex' && kb === 'regex') return 'eq';
  if (ka === 'exact' && (kb === 'exact' || kb === 'regex')) return 'eq';
  if (ka === 'regex' && kb === 'exact') return 'eq';
  if (ka === 'none') return invert(comparePath(b, a));
  if (kb === 'none') {
    if (ka === 'prefix') return prefixScore(a!.value) > 1 ? 'gt' : 'eq';
    if (ka === 'exact') return a!.value.length > 1 ? 'gt' : 'eq';
    return regexMatches(a!.value, '/') ? 'ge' : 'gt'; // regex: ties only on `/`
  }
  if (ka === 'prefix' && kb === 'prefix') {
    const [x, y] = [prefixScore(a!.value), prefixScore(b!.value)];
    return x > y ? 'gt' : x < y ? 'lt' : 'eq';
  }
  if (ka === 'exact' && kb === 'prefix') return a!.value.length > prefixScore(b!.value) ? 'gt' : 'eq';
  if (ka === 'prefix' && kb === 'exact') return invert(comparePath(b, a));
  if (ka === 'regex' && kb === 'prefix') return regexMatches(a!.value, trimSlash(b!.value)) ? 'ge' : 'gt';
  return invert(comparePath(b, a)); // prefix vs regex
}

function invert(c: Cmp): Cmp {
  return c === 'gt' ? 'lt' : c === 'lt' ? 'gt' : c === 'ge' ? 'le' : c === 'le' ? 'ge' : 'eq';
}

function compareRest(a: RouteMatch, b: RouteMatch): 'gt' | 'eq' | 'lt' {
  const ra = [a.method ? 1 : 0, a.headers.length, a.query.length];
  const rb = [b.method ? 1 : 0, b.headers.length, b.query.length];
  for (let k = 0; k < ra.length; k++) {
    if (ra[k]! > rb[k]!) return 'gt';
    if (ra[k]! < rb[k]!) return 'lt';
  }
  return 'eq';
}

/**
 * True when Linkerd picks `a` over `b` for every request both match: a strictly better score, or a tie that
 * resolves by rule order (`a`'s rule comes first, so only inside the same HTTPRoute object).
 */
export function wins(a: RouteMatch, b: RouteMatch, sameObject: boolean): boolean {
  const path = comparePath(a.path, b.path);
  if (path === 'gt') return true;
  if (path === 'lt' || path === 'le') return false;
  const rest = compareRest(a, b);
  if (rest === 'gt') return true;
  if (rest === 'lt') return false;
  return sameObject;
}

// --- Sets of requests ------------------------------------------------------------------------------------------

function isAny(m: RouteMatch): boolean {
  return !m.path && !m.method && !m.headers.length && !m.query.length;
}

/** `path` lies inside the segment-wise prefix `prefix` (Linkerd trims trailing slashes on both). */
function underPrefix(path: string, prefix: string): boolean {
  const p = trimSlash(prefix);
  if (p === '/') return true;
  const t = trimSlash(path);
  return t === p || t.startsWith(`${p}/`);
}

function sameString(a: StringMatch, b: StringMatch): boolean {
  return a.type === b.type && a.value === b.value;
}

/** Values matching `inner` all match `outer` (provably; regexes only when identical). */
function valueCovers(outer: StringMatch, inner: StringMatch): boolean {
  if (sameString(outer, inner)) return true;
  if (outer.type === 'prefix' && inner.type === 'exact') return inner.value.startsWith(outer.value);
  if (outer.type === 'prefix' && inner.type === 'prefix') return inner.value.startsWith(outer.value);
  return false;
}

/** Two value conditions on the same name can hold together (conservative: true unless provably not). */
function valuesMayOverlap(a: StringMatch, b: StringMatch): boolean {
  if (a.type === 'exact' && b.type === 'exact') return a.value === b.value;
  if (a.type === 'exact' && b.type === 'prefix') return a.value.startsWith(b.value);
  if (a.type === 'prefix' && b.type === 'exact') return b.value.startsWith(a.value);
  if (a.type === 'prefix' && b.type === 'prefix')
    return a.value.startsWith(b.value) || b.value.startsWith(a.value);
  if (a.type === 'exact' && b.type === 'regex') return regexMatches(b.value, a.value);
  if (a.type === 'regex' && b.type === 'exact') return regexMatches(a.value, b.value);
  return true;
}

function pathCovers(outer: StringMatch | undefined, inner: StringMatch | undefined): boolean {
  if (!outer) return true;
  if (outer.type === 'prefix' && trimSlash(outer.value) === '/') return true;
  if (!inner) return false;
  if (sameString(outer, inner)) return true;
  if (outer.type === 'prefix' && (inner.type === 'exact' || inner.type === 'prefix'))
    return underPrefix(inner.value, outer.value);
  return false;
}

function pathsMayOverlap(a: StringMatch | undefined, b: StringMatch | undefined): boolean {
  if (!a || !b) return true;
  if (a.type === 'exact' && b.type === 'exact') return a.value === b.value;
  if (a.type === 'exact' && b.type === 'prefix') return underPrefix(a.value, b.value);
  if (a.type === 'prefix' && b.type === 'exact') return underPrefix(b.value, a.value);
  if (a.type === 'prefix' && b.type === 'prefix')
    return underPrefix(a.value, b.value) || underPrefix(b.value, a.value);
  if (a.type === 'exact' && b.type === 'regex') return regexMatches(b.value, a.value);
  if (a.type === 'regex' && b.type === 'exact') return regexMatches(a.value, b.value);
  return true;
}

type Named = RouteMatch['headers'];

function namedCovers(outer: Named, inner: Named): boolean {
  return outer.every((o) => inner.some((i) => i.name === o.name && valueCovers(o.match, i.match)));
}

function namedMayOverlap(a: Named, b: Named): boolean {
  return a.every((x) => b.every((y) => x.name !== y.name || valuesMayOverlap(x.match, y.match)));
}

/**
 * Every request `inner` matches, `outer` matches too (provable cases only). A header or query value is read
 * as one value per name: a request repeating a header with several values is outside this model.
 */
export function covers(outer: RouteMatch, inner: RouteMatch): boolean {
  if (outer.method && outer.method !== inner.method) return false;
  return (
    pathCovers(outer.path, inner.path) &&
    namedCovers(outer.headers, inner.headers) &&
    namedCovers(outer.query, inner.query)
  );
}

/** Some request may match both (false only when provably disjoint). */
export function mayOverlap(a: RouteMatch, b: RouteMatch): boolean {
  if (a.method && b.method && a.method !== b.method) return false;
  return (
    pathsMayOverlap(a.path, b.path) &&
    namedMayOverlap(a.headers, b.headers) &&
    namedMayOverlap(a.query, b.query)
  );
}

function sameMatch(a: RouteMatch, b: RouteMatch): boolean {
  return covers(a, b) && covers(b, a) && JSON.stringify(a) === JSON.stringify(b);
}

function mergeNamed(a: Named, b: Named): Named {
  const names = new Map(a.map((x) => [x.name, x] as const));
  for (const y of b) if (!names.has(y.name)) names.set(y.name, y);
  return [...names.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/**
 * An entry `c` with `a ∧ b ⊆ c ⊆ a`: a's conditions plus b's (a's value wins for a name both constrain, which
 * keeps `c` inside `a`). Its path is the more specific one when that is still inside `a`: b's path when `a`
 * has none or b's lies inside a's prefix, else a's own. Undefined when a's prefix meets b's regex (no single
 * path match expresses both).
 */
export function conjunction(a: RouteMatch, b: RouteMatch): RouteMatch | undefined {
  let path: StringMatch | undefined;
  if (!a.path || (a.path.type === 'prefix' && trimSlash(a.path.value) === '/')) path = b.path ?? a.path;
  else if (!b.path || a.path.type === 'exact' || a.path.type === 'regex') path = a.path;
  else if (b.path.type === 'regex') return undefined;
  else path = pathCovers(a.path, b.path) ? b.path : a.path;
  const method = a.method ?? b.method;
  return {
    headers: mergeNamed(a.headers, b.headers),
    query: mergeNamed(a.query, b.query),
    ...(path ? { path } : {}),
    ...(method ? { method } : {}),
  };
}
