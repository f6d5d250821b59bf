import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HTTP_PATH, accessPathProblem, httpPathProblem, isHttpPath } from './formats.ts';

describe('httpPathProblem', () => {
  it('accepts the paths of real routes', () => {
    for (const p of [
      '/',
      '/api',
      '/api/v1/',
      '/productpage',
      "/a-b_c.d~e!$&'()*+,;=:@",
      '/caf%C3%A9',
      '/a.b/.c/..d',
    ])
      expect(httpPathProblem(p), p).toBeUndefined();
  });

  it('says what is wrong with each path the Gateway API refuses', () => {
    expect(httpPathProblem('api')).toBe('does not start with "/"');
    expect(httpPathProblem('/api//v1')).toBe('has an empty segment ("//")');
    expect(httpPathProblem('/api/./v1')).toBe('has a "." segment');
    expect(httpPathProblem('/api/.')).toBe('has a "." segment');
    expect(httpPathProblem('/api/../v1')).toBe('has a ".." segment');
    expect(httpPathProblem('/api/..')).toBe('has a ".." segment');
    expect(httpPathProblem('/a%2Fb')).toBe('has an escaped "/" ("%2F")');
    expect(httpPathProblem('/a%2fb')).toBe('has an escaped "/" ("%2F")');
    expect(httpPathProblem('/a b')).toBe(
      'has the character " ", which a URL path carries only escaped (%XX)',
    );
    expect(httpPathProblem('/a#b')).toBe(
      'has the character "#", which a URL path carries only escaped (%XX)',
    );
    expect(httpPathProblem('/a?b')).toBe(
      'has the character "?", which a URL path carries only escaped (%XX)',
    );
    expect(httpPathProblem('/café')).toBe(
      'has the character "é", which a URL path carries only escaped (%XX)',
    );
    expect(httpPathProblem('/😀')).toBe(
      'has the character "😀", which a URL path carries only escaped (%XX)',
    );
    expect(httpPathProblem('/a%zz')).toBe('has a "%" that does not start a %XX escape');
    expect(httpPathProblem('/a%')).toBe('has a "%" that does not start a %XX escape');
    expect(httpPathProblem(`/${'a'.repeat(MAX_HTTP_PATH)}`)).toBe(
      `is longer than ${MAX_HTTP_PATH} characters`,
    );
  });

  // The CEL rules of Gateway API's HTTPRoute path match (Exact and PathPrefix), written out as upstream writes
  // them: a path is accepted exactly when every rule holds.
  const gatewayApiAccepts = (v: string) =>
    v.startsWith('/') &&
    v.length <= 1024 &&
    !v.includes('//') &&
    !v.includes('/./') &&
    !v.includes('/../') &&
    !v.includes('%2f') &&
    !v.includes('%2F') &&
    !v.includes('#') &&
    !v.endsWith('/..') &&
    !v.endsWith('/.') &&
    /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/.test(v);

  it('accepts exactly what the Gateway API accepts', () => {
    const piece = fc.constantFrom(
      '/',
      '//',
      '.',
      '..',
      '/./',
      '/../',
      'a',
      'Z9',
      '-_~',
      '%2f',
      '%2F',
      '%41',
      '%',
      '%g1',
      ' ',
      '#',
      '?',
      'é',
      ':@!$',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const v = `/${parts.join('')}`;
        expect(isHttpPath(v), v).toBe(gatewayApiAccepts(v));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('accessPathProblem', () => {
  it('accepts the four forms with URL paths, and a wildcard cutting a segment', () => {
    for (const p of [
      '*',
      '*.png',
      '*/health',
      '*.',
      '/',
      '/reviews',
      '/reviews/',
      '/reviews/*',
      '/*',
      '/static/.*',
      '/static/..*',
      '/caf%C3%A9/*',
    ])
      expect(accessPathProblem(p), p).toBeUndefined();
  });

  it('refuses a query, a fragment, dot segments, empty segments and escaped slashes in the path part', () => {
    expect(accessPathProblem('/a?b=1')).toBe(
      'has the character "?", which a URL path carries only escaped (%XX)',
    );
    expect(accessPathProblem('/c#frag')).toBe(
      'has the character "#", which a URL path carries only escaped (%XX)',
    );
    expect(accessPathProblem('/d/../e')).toBe('has a ".." segment');
    expect(accessPathProblem('/d/./*')).toBe('has a "." segment');
    expect(accessPathProblem('/d//*')).toBe('has an empty segment ("//")');
    expect(accessPathProblem('/a%2Fb*')).toBe('has an escaped "/" ("%2F")');
    expect(accessPathProblem('*?x=1')).toBe(
      'has the character "?", which a URL path carries only escaped (%XX)',
    );
    expect(accessPathProblem('*/../x')).toBe('has a ".." segment');
    expect(accessPathProblem('*/.')).toBe('has a "." segment');
    expect(accessPathProblem('*a b')).toBe(
      'has the character " ", which a URL path carries only escaped (%XX)',
    );
    expect(accessPathProblem(`/${'a'.repeat(MAX_HTTP_PATH)}`)).toBe(
      `is longer than ${MAX_HTTP_PATH} characters`,
    );
  });

  it("leaves the forms the schema's pattern refuses to it", () => {
    for (const p of ['**', 'a', '/a*b', '/a**', '*a*', '']) expect(accessPathProblem(p), p).toBeUndefined();
  });
});
