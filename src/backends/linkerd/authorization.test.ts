import { describe, expect, it } from 'vitest';
import { PORTS, multiPortService, productpageReadsReviews } from '../../../test/helpers/backend-fixtures.ts';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { accessRegions, buildAccess } from './authorization.ts';

const summary = (objs: readonly K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const find = (objs: readonly K8sObject[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name)!;
const ID = (sa: string, ns = 'bookinfo') => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`;

describe('access on Linkerd', () => {
  it('nothing without access, unless the service sets its own mTLS mode (Server accessPolicy)', () => {
    expect(buildAccess(makeService()).objects).toEqual([]);
    const strict = buildAccess(makeService({ mtls: 'strict', mtlsOverride: true })).objects;
    expect(strict).toEqual([
      {
        apiVersion: 'policy.linkerd.io/v1beta3',
        kind: 'Server',
        metadata: {
          name: 'reviews.http',
          namespace: 'bookinfo',
          labels: { 'app.kubernetes.io/managed-by': 'meshc' },
        },
        spec: {
          podSelector: { matchLabels: { app: 'reviews' } },
          port: 9080,
          accessPolicy: 'all-authenticated',
        },
      },
    ]);
    const permissive = buildAccess(makeService({ mtls: 'permissive', mtlsOverride: true })).objects;
    expect((permissive[0]!.spec as { accessPolicy: string }).accessPolicy).toBe('all-unauthenticated');
  });

  it('access: [] denies everything: Servers with accessPolicy deny and no authorization', () => {
    const objs = buildAccess(makeService({ access: [] })).objects;
    expect(summary(objs)).toEqual(['Server/reviews.http']);
    expect((objs[0]!.spec as { accessPolicy: string }).accessPolicy).toBe('deny');
  });

  it('callers without methods or paths: one MeshTLSAuthentication, one AuthorizationPolicy per Server', () => {
    const s = multiPortService(
      {
        access: [
          makeAccessRule({
            from: [caller('bookinfo/productpage', 'bookinfo-productpage'), caller('other/web')],
          }),
        ],
      },
      [PORTS.http, PORTS.db],
    );
    const objs = buildAccess(s).objects;
    expect(summary(objs)).toEqual([
      'AuthorizationPolicy/reviews.db',
      'AuthorizationPolicy/reviews.http',
      'MeshTLSAuthentication/reviews',
      'Server/reviews.db',
      'Server/reviews.http',
    ]);
    expect(find(objs, 'MeshTLSAuthentication', 'reviews').spec).toEqual({
      identities: [ID('bookinfo-productpage'), ID('web', 'other')],
    });
    expect(find(objs, 'AuthorizationPolicy', 'reviews.db').spec).toEqual({
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'reviews.db' },
      requiredAuthenticationRefs: [
        { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'reviews' },
      ],
    });
  });

  it('`*`: unauthenticated callers too when permissive, any meshed identity when strict', () => {
    const rule = makeAccessRule({ from: [caller('*')] });
    const permissive = buildAccess(makeService({ mtls: 'permissive', access: [rule] })).objects;
    expect(find(permissive, 'NetworkAuthentication', 'reviews').spec).toEqual({
      networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }],
    });
    const strict = buildAccess(makeService({ mtls: 'strict', access: [rule] })).objects;
    expect(find(strict, 'MeshTLSAuthentication', 'reviews').spec).toEqual({ identities: ['*'] });
  });

  it('the ingress namespace is admitted with each rule: everywhere only for a rule without methods or paths', () => {
    const INGRESS = '*.ingress.serviceaccount.identity.linkerd.cluster.local';
    const wide = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })] });
    const objs = buildAccess(wide, { ingressNamespace: 'ingress' }).objects;
    expect(find(objs, 'MeshTLSAuthentication', 'reviews').spec).toEqual({
      identities: [INGRESS, ID('productpage')],
    });
  });

  it('the ingress namespace gets the methods and paths of the access rules, never a route-less admission', () => {
    const INGRESS = '*.ingress.serviceaccount.identity.linkerd.cluster.local';
    const s = makeService({ access: [productpageReadsReviews()] });
    const { objects, diagnostics } = buildAccess(s, { ingressNamespace: 'ingress' });
    expect(diagnostics).toEqual([]);
    // No Server-wide authorization (it would admit DELETE /anything through the ingress)...
    expect(summary(objects)).toEqual([
      'AuthorizationPolicy/reviews.http.authz-0',
      'HTTPRoute/reviews.http.all',
      'HTTPRoute/reviews.http.authz-0',
      'MeshTLSAuthentication/reviews.authz-0',
      'Server/reviews.http',
    ]);
    // ...the ingress is one more caller of the GET /reviews/* route.
    expect(find(objects, 'MeshTLSAuthentication', 'reviews.authz-0').spec).toEqual({
      identities: [INGRESS, ID('productpage')],
    });
    expect(find(objects, 'HTTPRoute', 'reviews.http.authz-0').spec).toMatchObject({
      rules: [{ matches: [{ path: { type: 'RegularExpression', value: '^/reviews/.*$' }, method: 'GET' }] }],
    });
  });

  it('an exposed service whose access admits nobody: the ingress is refused too, with a warning', () => {
    const { objects, diagnostics } = buildAccess(makeService({ access: [] }), {
      ingressNamespace: 'ingress',
    });
    expect(summary(objects)).toEqual(['Server/reviews.http']);
    expect(diagnostics.map((d) => `${d.severity} ${d.code} ${d.location?.file}`)).toEqual([
      'warning MESH_INGRESS_UNREACHABLE services/reviews.yaml#/access',
    ]);
    expect(buildAccess(makeService({ access: [] })).diagnostics).toEqual([]);
  });

  it('identities are in the trust domain given (mesh.trustDomain), the ingress namespace too', () => {
    const s = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })] });
    const objs = buildAccess(s, { ingressNamespace: 'ingress', trustDomain: 'prod.example' }).objects;
    expect(find(objs, 'MeshTLSAuthentication', 'reviews').spec).toEqual({
      identities: [
        '*.ingress.serviceaccount.identity.linkerd.prod.example',
        'productpage.bookinfo.serviceaccount.identity.linkerd.prod.example',
      ],
    });
  });

  it('methods and paths: an inbound route per set of callers, its policy, and a catch-all route', () => {
    const s = makeService({
      access: [
        makeAccessRule({
          from: [caller('bookinfo/productpage')],
          methods: ['GET'],
          paths: ['/reviews/*', '/health'],
        }),
        makeAccessRule({ index: 1, from: [caller('bookinfo/admin')] }),
      ],
    });
    const objs = buildAccess(s).objects;
    expect(summary(objs)).toEqual([
      'AuthorizationPolicy/reviews.http',
      'AuthorizationPolicy/reviews.http.authz-0',
      'HTTPRoute/reviews.http.all',
      'HTTPRoute/reviews.http.authz-0',
      'MeshTLSAuthentication/reviews',
      'MeshTLSAuthentication/reviews.authz-0',
      'Server/reviews.http',
    ]);
    expect(find(objs, 'HTTPRoute', 'reviews.http.authz-0').spec).toEqual({
      parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'reviews.http' }],
      rules: [
        {
          matches: [
            { path: { type: 'RegularExpression', value: '^/reviews/.*$' }, method: 'GET' },
            { path: { type: 'Exact', value: '/health' }, method: 'GET' },
          ],
        },
      ],
    });
    expect(find(objs, 'HTTPRoute', 'reviews.http.all').spec).toMatchObject({
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(find(objs, 'AuthorizationPolicy', 'reviews.http.authz-0').spec).toMatchObject({
      targetRef: { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'reviews.http.authz-0' },
    });
  });

  it('no inbound routes on TCP ports: a method/path rule admits nothing there, as in Istio', () => {
    const s = makeService({
      ports: [PORTS.db],
      access: [makeAccessRule({ from: [caller('bookinfo/ratings')], methods: ['GET'] })],
    });
    expect(summary(buildAccess(s).objects)).toEqual(['Server/reviews.db']);
  });

  it('overlapping rules: the intersection gets the callers of both and is the more specific route', () => {
    const { regions, unsettled } = accessRegions([
      makeAccessRule({ from: [caller('bookinfo/a')], paths: ['/api/*'] }),
      makeAccessRule({ index: 1, from: [caller('bookinfo/b')], methods: ['GET'] }),
    ]);
    expect(unsettled).toEqual([]);
    expect(regions.map((r) => [r.entry, r.callers.identities])).toEqual([
      [{ path: { type: 'prefix', value: '/api/' } }, [ID('a')]],
      [{ method: 'GET' }, [ID('b')]],
      [{ method: 'GET', path: { type: 'prefix', value: '/api/' } }, [ID('a'), ID('b')]],
    ]);
  });

  it('warns when nested paths of different callers tie in Linkerd (both score the whole path)', () => {
    const s = makeService({
      access: [
        makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'], paths: ['/api/*'] }),
        makeAccessRule({ index: 1, from: [caller('bookinfo/b')], methods: ['GET'], paths: ['/api/admin/*'] }),
      ],
    });
    expect(buildAccess(s).diagnostics.map((d) => `${d.code} ${d.location?.file}`)).toEqual([
      'MESH_APPROXIMATE_FEATURE services/reviews.yaml#/access/1',
    ]);
  });
});
