import { describe, expect, it } from 'vitest';
import { dest, exact, makeMatch, makeService, prefix, regex } from '../../../test/helpers/model-factory.ts';
import {
  backendRef,
  buildServiceReferenceGrant,
  escapeRegex,
  fullMatchRegex,
  headerModifierFilters,
  httpRouteMatch,
  httpRouteMatches,
  pathMatch,
  serviceParentRef,
  valueMatch,
} from './gamma.ts';

describe('GAMMA building blocks', () => {
  it('parentRef to a Service port', () => {
    expect(serviceParentRef('reviews', 9080)).toEqual({
      group: '',
      kind: 'Service',
      name: 'reviews',
      port: 9080,
    });
  });

  it('regexes: literal escaping and whole-value matching', () => {
    expect(escapeRegex('a.b*c(d)[e]{f}|g^h$i\\j+k?')).toBe(
      'a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\\\j\\+k\\?',
    );
    expect(fullMatchRegex('^/reviews/[0-9]+$')).toBe('^/reviews/[0-9]+$');
    expect(fullMatchRegex('a|ab')).toBe('^(?:a|ab)$');
    expect(fullMatchRegex('^a|b$')).toBe('^(?:^a|b$)$');
    expect(fullMatchRegex('^a\\$')).toBe('^(?:^a\\$)$');
  });

  it('value and path matches', () => {
    expect(valueMatch(exact('x'))).toEqual({ type: 'Exact', value: 'x' });
    expect(valueMatch(prefix('mobile/1.0'))).toEqual({
      type: 'RegularExpression',
      value: '^mobile/1\\.0.*$',
    });
    expect(valueMatch(regex('v[12]'))).toEqual({ type: 'RegularExpression', value: '^(?:v[12])$' });
    expect(pathMatch(prefix('/api'))).toEqual({ type: 'PathPrefix', value: '/api' });
    // Without a path, the path the API server fills in is written out (PathPrefix /, every path).
    expect(httpRouteMatch(makeMatch())).toEqual({ path: { type: 'PathPrefix', value: '/' } });
    expect(httpRouteMatch(makeMatch({ method: 'GET' }))).toEqual({
      path: { type: 'PathPrefix', value: '/' },
      method: 'GET',
    });
    expect(httpRouteMatches([])).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(httpRouteMatches([makeMatch({ path: prefix('/api') })])).toEqual([
      { path: { type: 'PathPrefix', value: '/api' } },
    ]);
  });

  it('header filters: empty operations left out', () => {
    expect(headerModifierFilters(undefined)).toEqual([]);
    expect(headerModifierFilters({ request: { set: [], add: [], remove: [] } })).toEqual([]);
  });

  it('backendRef: per-version Service, namespace only across namespaces, target port', () => {
    const services = new Map([
      [
        'next/api',
        makeService({
          namespace: 'next',
          name: 'api',
          ports: [{ name: 'http', port: 8080, protocol: 'http' }],
        }),
      ],
    ]);
    expect(backendRef(dest('bookinfo/reviews', 'v1', 90), 'bookinfo', 9080, services)).toEqual({
      kind: 'Service',
      group: '',
      name: 'reviews-v1',
      port: 9080,
      weight: 90,
    });
    expect(backendRef(dest('next/api', undefined, 10), 'bookinfo', 9080, services)).toEqual({
      kind: 'Service',
      group: '',
      name: 'api',
      namespace: 'next',
      port: 8080,
      weight: 10,
    });
  });

  it('ReferenceGrant for HTTPRoutes of one namespace to Services of another', () => {
    expect(buildServiceReferenceGrant('bookinfo', 'next')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: {
        name: 'bookinfo-httproutes',
        namespace: 'next',
        labels: { 'app.kubernetes.io/managed-by': 'meshc' },
      },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'bookinfo' }],
        to: [{ group: '', kind: 'Service' }],
      },
    });
  });
});
