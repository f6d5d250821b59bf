import { describe, expect, it } from 'vitest';
import { exact, makeMatch, prefix, regex } from '../../../test/helpers/model-factory.ts';
import type { RouteMatch } from '../../model/types.ts';
import { conjunction, covers, mayOverlap, orderRoutes, wins } from './route-precedence.ts';

const header = (name: string, value: string) => ({ name, match: exact(value) });
const jason = makeMatch({ headers: [header('end-user', 'jason')] });
const api = makeMatch({ path: prefix('/api') });
const any: RouteMatch = makeMatch();

describe("Linkerd's score", () => {
  it('a longer path beats headers; a method beats headers; headers beat query parameters', () => {
    expect(wins(api, jason, false)).toBe(true);
    expect(wins(jason, api, false)).toBe(false);
    expect(wins(makeMatch({ method: 'GET' }), jason, false)).toBe(true);
    expect(wins(jason, makeMatch({ query: [header('q', '1')] }), false)).toBe(true);
  });

  it('an exact path and a prefix of the same length tie (Linkerd compares lengths only)', () => {
    expect(wins(makeMatch({ path: exact('/api') }), api, false)).toBe(false);
    expect(wins(makeMatch({ path: exact('/api') }), api, true)).toBe(true);
    expect(wins(makeMatch({ path: exact('/api/x') }), api, false)).toBe(true);
  });

  it('a regex path scores the whole request path: it ties a catch-all only if it can match `/`', () => {
    expect(wins(makeMatch({ path: regex('/reviews/[0-9]+') }), any, false)).toBe(true);
    expect(wins(makeMatch({ path: regex('/.*') }), any, false)).toBe(false);
    expect(wins(makeMatch({ path: regex('/api.*') }), api, false)).toBe(false); // ties on `/api` itself
    expect(wins(makeMatch({ path: regex('/api/.+') }), api, false)).toBe(true);
  });

  it('ties resolve by rule order only inside one HTTPRoute object', () => {
    const other = makeMatch({ headers: [header('x-b', '1')] });
    expect(wins(jason, other, true)).toBe(true);
    expect(wins(jason, other, false)).toBe(false);
  });
});

describe('sets of requests', () => {
  it('covers: fewer conditions cover more; segment-wise prefixes; values', () => {
    expect(covers(any, jason)).toBe(true);
    expect(covers(api, makeMatch({ path: exact('/api/x') }))).toBe(true);
    expect(covers(api, makeMatch({ path: prefix('/apis') }))).toBe(false);
    expect(
      covers(
        makeMatch({ headers: [{ name: 'ua', match: prefix('mobile/') }] }),
        makeMatch({ headers: [header('ua', 'mobile/1')] }),
      ),
    ).toBe(true);
    expect(covers(makeMatch({ path: regex('/a.*') }), makeMatch({ path: exact('/ab') }))).toBe(false); // provable cases only
  });

  it('mayOverlap: different methods, exact values or disjoint paths cannot overlap', () => {
    expect(mayOverlap(makeMatch({ method: 'GET' }), makeMatch({ method: 'POST' }))).toBe(false);
    expect(mayOverlap(jason, makeMatch({ headers: [header('end-user', 'bob')] }))).toBe(false);
    expect(mayOverlap(api, makeMatch({ path: prefix('/web') }))).toBe(false);
    expect(mayOverlap(makeMatch({ path: exact('/x') }), makeMatch({ path: regex('/y+') }))).toBe(false);
    expect(mayOverlap(jason, api)).toBe(true);
  });

  it('conjunction: a ∧ b ⊆ c ⊆ a', () => {
    expect(conjunction(jason, api)).toEqual({ headers: jason.headers, query: [], path: prefix('/api') });
    expect(conjunction(api, makeMatch({ path: prefix('/api/v1'), method: 'GET' }))).toEqual({
      headers: [],
      query: [],
      path: prefix('/api/v1'),
      method: 'GET',
    });
    expect(conjunction(api, makeMatch({ path: regex('/api/[0-9]+') }))).toBeUndefined();
    // a's own value wins for a name both constrain (c stays inside a)
    expect(
      conjunction(jason, makeMatch({ headers: [{ name: 'end-user', match: regex('.*') }] }))?.headers,
    ).toEqual(jason.headers);
  });
});

describe('orderRoutes', () => {
  it('leaves routes alone when the first match is already the most specific', () => {
    const r = orderRoutes([
      { group: 'g', matches: [jason] },
      { group: 'g', matches: [] },
    ]);
    expect(r.conflicts).toEqual([]);
    expect(r.routes.map((x) => x.matches)).toEqual([[jason], []]);
  });

  it('lifts an earlier header route over a later, longer path: jason keeps /api', () => {
    const r = orderRoutes([
      { group: 'a', matches: [jason] },
      { group: 'b', matches: [api] },
      { group: 'b', matches: [] },
    ]);
    expect(r.conflicts).toEqual([]);
    expect(r.routes[0]!.matches).toEqual([
      jason,
      { headers: jason.headers, query: [], path: prefix('/api') },
    ]);
    expect(r.routes[1]!.matches).toEqual([api]);
  });

  it('drops entries an earlier route covers and routes left without entries', () => {
    const r = orderRoutes([
      { group: 'g', matches: [api] },
      { group: 'g', matches: [makeMatch({ path: exact('/api/x') }), jason] },
      { group: 'g', matches: [makeMatch({ path: prefix('/api/v1') })] },
      { group: 'g', matches: [] },
    ]);
    expect(r.routes.map((x) => x.reachable)).toEqual([true, true, false, true]);
    expect(r.routes[1]!.matches).toEqual([jason]);
  });

  it('relies on rule order for ties inside one object, and reports them across objects', () => {
    const other = makeMatch({ headers: [header('x-b', '1')] });
    expect(
      orderRoutes([
        { group: 'g', matches: [jason] },
        { group: 'g', matches: [other] },
      ]).conflicts,
    ).toEqual([]);
    // Across objects the conjunction (2 headers) settles it.
    expect(
      orderRoutes([
        { group: 'a', matches: [jason] },
        { group: 'b', matches: [other] },
      ]).conflicts,
    ).toEqual([]);
    // Same header name, regex against exact: no single entry expresses both, nor wins.
    const qa = makeMatch({ headers: [{ name: 'end-user', match: regex('.*son') }] });
    expect(
      orderRoutes([
        { group: 'a', matches: [qa] },
        { group: 'b', matches: [jason] },
      ]).conflicts,
    ).toEqual([{ earlier: 0, later: 1, laterMatch: 0 }]);
  });

  // Found by the import round trip (test/import-roundtrip.test.ts): the second route lifted its header over the
  // third's, though the first route already takes those requests. The lifted entry then tied the first route's
  // across HTTPRoutes, and Linkerd would pick by the objects' creation times.
  it('does not claim for a route what an earlier route already takes', () => {
    const both = makeMatch({ headers: [header('end-user', 'jason'), header('x-canary', 'jason')] });
    const canary = makeMatch({ headers: [header('x-canary', 'jason')] });
    const r = orderRoutes([
      { group: 'a', matches: [both] },
      { group: 'b', matches: [jason] },
      { group: 'a', matches: [canary] },
    ]);
    expect(r.routes.map((x) => x.matches)).toEqual([[both], [jason], [canary]]);
    expect(r.conflicts).toEqual([]);
  });

  it('reports what it cannot express: an earlier prefix against a later regex', () => {
    const r = orderRoutes([
      { group: 'g', matches: [makeMatch({ path: prefix('/reviews'), headers: [header('x', '1')] })] },
      { group: 'g', matches: [makeMatch({ path: regex('/reviews/[0-9]+'), method: 'GET' })] },
      { group: 'g', matches: [] },
    ]);
    expect(r.conflicts).toEqual([{ earlier: 0, later: 1, laterMatch: 0 }]);
  });
});
