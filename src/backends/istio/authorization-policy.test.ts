import { describe, expect, it } from 'vitest';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import { meshIngress } from '../../../test/helpers/backend-fixtures.ts';
import { buildAuthorizationPolicy } from './authorization-policy.ts';
import { ingressGatewayPrincipal } from './constants.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };
const TD = 'cluster.local';

describe('buildAuthorizationPolicy', () => {
  it('emits nothing without access', () => {
    expect(buildAuthorizationPolicy(makeService(), TD)).toBeUndefined();
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
    expect(buildAuthorizationPolicy(s, TD)).toEqual({
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
    expect((buildAuthorizationPolicy(s, TD)?.spec as { rules: unknown }).rules).toEqual([
      { to: [{ operation: { paths: ['/health'] } }] },
    ]);
  });

  it('deduplicates callers sharing a service account', () => {
    const s = makeService({
      access: [makeAccessRule({ from: [caller('bookinfo/a', 'shared'), caller('bookinfo/b', 'shared')] })],
    });
    expect((buildAuthorizationPolicy(s, TD)?.spec as { rules: unknown }).rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/shared'] } }] },
    ]);
  });

  it('access: [] is a policy without rules, which Istio reads as deny all', () => {
    expect(buildAuthorizationPolicy(makeService({ access: [] }), TD)?.spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
    });
  });

  it("writes principals in the environment's trust domain", () => {
    const s = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })] });
    expect((buildAuthorizationPolicy(s, 'prod.acme.internal')?.spec as { rules: unknown }).rules).toEqual([
      { from: [{ source: { principals: ['prod.acme.internal/ns/bookinfo/sa/productpage'] } }] },
    ]);
    const ingress = meshIngress('istio');
    expect(ingressGatewayPrincipal(ingress, 'prod.acme.internal')).toBe(
      'prod.acme.internal/ns/istio-ingress/sa/meshc-ingress-istio',
    );
  });

  it('adds the ingress gateway principal for an exposed service', () => {
    const gw = ingressGatewayPrincipal(meshIngress('istio'), TD);
    expect(gw).toBe('cluster.local/ns/istio-ingress/sa/meshc-ingress-istio');
    expect(ingressGatewayPrincipal(meshIngress('istio', { api: 'native' }), TD)).toBe(
      'cluster.local/ns/istio-ingress/sa/istio-ingressgateway',
    );
    const s = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })] });
    expect((buildAuthorizationPolicy(s, TD, gw)?.spec as { rules: unknown }).rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/productpage'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/meshc-ingress-istio'] } }] },
    ]);
  });

  it('the ingress gateway gets the methods and paths the access rules grant, one operation per rule', () => {
    const gw = 'cluster.local/ns/istio-ingress/sa/meshc-ingress-istio';
    const s = makeService({
      access: [
        makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'], paths: ['/productpage'] }),
        makeAccessRule({ index: 1, from: [caller('bookinfo/b')], methods: ['POST'], paths: ['/login'] }),
        makeAccessRule({ index: 2, from: [caller('bookinfo/c')], methods: ['GET'], paths: ['/productpage'] }),
      ],
    });
    const rules = (buildAuthorizationPolicy(s, TD, gw)?.spec as { rules: unknown[] }).rules;
    expect(rules.at(-1)).toEqual({
      from: [{ source: { principals: [gw] } }],
      to: [
        { operation: { methods: ['GET'], paths: ['/productpage'] } },
        { operation: { methods: ['POST'], paths: ['/login'] } },
      ],
    });
  });

  it('a rule granting every operation gives the ingress gateway every operation', () => {
    const gw = 'cluster.local/ns/istio-ingress/sa/meshc-ingress-istio';
    const s = makeService({
      access: [
        makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'] }),
        makeAccessRule({ index: 1, from: [caller('bookinfo/b')] }),
      ],
    });
    const rules = (buildAuthorizationPolicy(s, TD, gw)?.spec as { rules: unknown[] }).rules;
    expect(rules.at(-1)).toEqual({ from: [{ source: { principals: [gw] } }] });
  });

  it('access: [] stays closed through the ingress (no rule for the gateway)', () => {
    const gw = 'cluster.local/ns/istio-ingress/sa/meshc-ingress-istio';
    expect(buildAuthorizationPolicy(makeService({ access: [] }), TD, gw)?.spec).not.toHaveProperty('rules');
    const noCallers = makeService({ access: [makeAccessRule({ from: [], methods: ['GET'] })] });
    expect(buildAuthorizationPolicy(noCallers, TD, gw)?.spec).not.toHaveProperty('rules');
  });
});
