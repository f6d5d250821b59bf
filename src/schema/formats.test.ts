import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HTTP_PATH, httpPathProblem, isHttpPath } from './formats.ts';

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
