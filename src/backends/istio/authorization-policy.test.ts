import { describe, expect, it } from 'vitest';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import { buildAuthorizationPolicy } from './authorization-policy.ts';
import { ingressGatewayPrincipal } from './constants.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

describe('buildAuthorizationPolicy', () => {
  it('emits nothing without access', () => {
    expect(buildAuthorizationPolicy(makeService())).toBeUndefined();
  });

  it('allows the callers by principal, narrowed by methods and paths', () => {
    const s = makeService({
      selector: { app: 'reviews', tier: 'backend' },
      access: [
        makeAccessRule({
          from: [caller('bookinfo/productpage', 'bookinfo-productpage'), caller('shop/checkout')],
          methods: ['GET'],
          paths: ['/reviews/*'],
        }),
        makeAccessRule({ index: 1, from: [caller('bookinfo/ratings')], methods: ['GET', 'POST'] }),
      ],
    });
    expect(buildAuthorizationPolicy(s)).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
      spec: {
        selector: { matchLabels: { app: 'reviews', tier: 'backend' } },
        action: 'ALLOW',
        rules: [
          {
            from: [
              {
                source: {
                  principals: [
                    'cluster.local/ns/bookinfo/sa/bookinfo-productpage',
                    'cluster.local/ns/shop/sa/checkout',
                  ],
                },
              },
            ],
            to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }],
          },
          {
            from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/ratings'] } }],
            to: [{ operation: { methods: ['GET', 'POST'] } }],
          },
        ],
      },
    });
  });

  it('a rule with "*" among its callers has no from (any caller, authenticated or not)', () => {
    const s = makeService({
      access: [makeAccessRule({ from: [caller('*'), caller('bookinfo/productpage')], paths: ['/health'] })],
    });
    expect((buildAuthorizationPolicy(s)?.spec as { rules: unknown }).rules).toEqual([
      { to: [{ operation: { paths: ['/health'] } }] },
    ]);
  });

  it('deduplicates callers sharing a service account', () => {
    const s = makeService({
      access: [makeAccessRule({ from: [caller('bookinfo/a', 'shared'), caller('bookinfo/b', 'shared')] })],
    });
    expect((buildAuthorizationPolicy(s)?.spec as { rules: unknown }).rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/shared'] } }] },
    ]);
  });

  it('access: [] is a policy without rules, which Istio reads as deny all', () => {
    expect(buildAuthorizationPolicy(makeService({ access: [] }))?.spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
    });
  });

  it('adds the ingress gateway principal for an exposed service', () => {
    const gw = ingressGatewayPrincipal({
      className: 'istio',
      api: 'gateway-api',
      namespace: 'istio-ingress',
    });
    expect(gw).toBe('cluster.local/ns/istio-ingress/sa/meshc-ingress-istio');
    expect(ingressGatewayPrincipal({ className: 'istio', api: 'native', namespace: 'istio-ingress' })).toBe(
      'cluster.local/ns/istio-ingress/sa/istio-ingressgateway',
    );
    const s = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })] });
    expect((buildAuthorizationPolicy(s, gw)?.spec as { rules: unknown }).rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/productpage'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/meshc-ingress-istio'] } }] },
    ]);
    expect(
      (buildAuthorizationPolicy(makeService({ access: [] }), gw)?.spec as { rules: unknown }).rules,
    ).toEqual([{ from: [{ source: { principals: [gw] } }] }]);
  });
});
