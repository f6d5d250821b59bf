/**
 * Every kind of object the App Mesh backend emits, from inputs that reach each branch of the builders (every
 * trust source, HTTP / HTTP/2 / gRPC / TCP ports, every match, retries, long timeouts, outlier detection,
 * connection pools, access, ingress), checked against the upstream schemas in ../shared/crds (controller
 * v1.13.3 CRDs) with unknown fields treated as errors.
 */
import { expect, it } from 'vitest';
import { validateObject } from '../../../test/helpers/crds.ts';
import {
  caller,
  dest,
  exact,
  makeAccessRule,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
  prefix,
  regex,
} from '../../../test/helpers/model-factory.ts';
import { meshEnvironment, multiPortService, emittedObjects } from '../../../test/helpers/backend-fixtures.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { Trust } from '../../model/types.ts';
import { duration } from '../../model/normalize.ts';
import { appmesh } from './index.ts';

const reviews = multiPortService({
  versions: makeVersions('v1', 'v2'),
  routes: [
    makeRoute({
      name: 'mobile',
      matches: [
        makeMatch({
          headers: [
            { name: 'user-agent', match: prefix('mobile/') },
            { name: 'x-b', match: regex('(1|2)') },
          ],
          query: [{ name: 'v', match: exact('1') }],
          path: regex('/reviews/[0-9]+'),
          method: 'GET',
        }),
        makeMatch({ path: prefix('/api') }),
      ],
      destinations: [dest('bookinfo/reviews', 'v2', 90), dest('next/reviews-next', undefined, 10)],
    }),
    makeRoute({
      index: 1,
      matches: [makeMatch({ path: exact('/health'), headers: [{ name: 'x', match: exact('1') }] })],
      destinations: [dest('bookinfo/reviews', 'v1')],
      timeout: duration('1m30s'),
      retries: {
        attempts: 3,
        perTryTimeout: duration('500ms'),
        on: ['5xx', 'gateway-error', 'retriable-4xx', 'refused-stream', 'connect-failure', 'reset'],
      },
    }),
    makeRoute({
      index: 2,
      implicit: true,
      destinations: [dest('bookinfo/reviews')],
      retries: { attempts: 1, on: [] },
    }),
  ],
  resilience: {
    outlierDetection: { consecutiveErrors: 5, baseEjectionTime: duration('2m') },
    connectionPool: { maxConnections: 10, maxPendingRequests: 5 },
  },
  access: [makeAccessRule({ from: [caller('bookinfo/productpage'), caller('other/admin')] })],
  mtls: 'permissive',
  mtlsOverride: true,
  ingress: { hosts: ['reviews.example.com'], paths: [exact('/reviews'), prefix('/api'), prefix('/static/')] },
});
const productpage = makeService({
  name: 'productpage',
  versions: makeVersions('v1'),
  ingress: { hosts: [], paths: [] },
  access: [makeAccessRule({ from: [caller('*')] })],
});
const next = makeService({
  namespace: 'next',
  name: 'reviews-next',
  ports: [{ name: 'grpc', port: 9090, protocol: 'grpc' }],
  resilience: { connectionPool: { maxConnections: 7 } },
  mtls: 'off',
  mtlsOverride: true,
});
const db = makeService({
  name: 'db',
  ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
  resilience: { connectionPool: { maxConnections: 3 } },
});

const TRUSTS: readonly Trust[] = [
  { type: 'sds' },
  {
    type: 'file',
    certificateChain: '/certs/chain.pem',
    privateKey: '/certs/key.pem',
    caBundle: '/certs/ca.pem',
  },
  {
    type: 'acm',
    certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc',
    certificateAuthorityArns: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/def'],
  },
];

describeWithShared('App Mesh objects against the upstream schemas', () => {
  it.each(TRUSTS.map((t) => [t.type, t] as const))('every emitted object is valid, trust %s', (_, trust) => {
    const env = meshEnvironment('appmesh', {
      services: [reviews, productpage, next, db],
      mesh: { trust, mtls: trust.type === 'acm' ? 'permissive' : 'strict' },
    });
    const out = appmesh.emit(env, { toolVersion: '0' });
    expect(out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const all: K8sObject[] = emittedObjects(out);
    const kinds = new Set(all.map((o) => `${o.apiVersion} ${o.kind}`));
    expect([...kinds].sort()).toEqual([
      'appmesh.k8s.aws/v1beta2 GatewayRoute',
      'appmesh.k8s.aws/v1beta2 Mesh',
      'appmesh.k8s.aws/v1beta2 VirtualGateway',
      'appmesh.k8s.aws/v1beta2 VirtualNode',
      'appmesh.k8s.aws/v1beta2 VirtualRouter',
      'appmesh.k8s.aws/v1beta2 VirtualService',
      'monitoring.coreos.com/v1 PodMonitor',
      'v1 Namespace',
      'v1 Service',
    ]);
    // Every branch reached: TLS on listeners, client policies, pools of three protocols, gateway routes.
    const text = JSON.stringify(all);
    for (const field of [
      '"tls"',
      '"clientPolicy"',
      '"http2":{"maxRequests"',
      '"tcp":{"maxConnections"',
      '"tcpRoute"',
      '"http2Route"',
      '"retryPolicy"',
      '"outlierDetection"',
      '"rewrite"',
    ])
      expect(text, field).toContain(field);
    expect(all.flatMap((o) => validateObject(o))).toEqual([]);
  });

  it('a route with `retries: {attempts: 0}` has a valid retryPolicy of 0 retries (App Mesh wants its timeout and an event)', () => {
    const pay = makeService({
      name: 'pay',
      versions: makeVersions('v1'),
      routes: [
        makeRoute({
          name: 'no-retries',
          matches: [makeMatch({ path: exact('/pay') })],
          destinations: [dest('bookinfo/pay', 'v1')],
          retries: { attempts: 0, on: ['gateway-error'] },
        }),
        makeRoute({ index: 1, implicit: true, destinations: [dest('bookinfo/pay')] }),
      ],
    });
    const out = appmesh.emit(meshEnvironment('appmesh', { services: [pay] }), { toolVersion: '0' });
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const router = out.namespaces.get('bookinfo')!.find((o) => o.kind === 'VirtualRouter')!;
    const routes = (router.spec as { routes: { name: string; httpRoute: { retryPolicy?: unknown } }[] })
      .routes;
    expect(routes.find((r) => r.name === 'no-retries')?.httpRoute.retryPolicy).toEqual({
      maxRetries: 0,
      perRetryTimeout: { unit: 's', value: 15 },
      httpRetryEvents: ['gateway-error'],
    });
    expect(validateObject(router)).toEqual([]);
    // The CRD requires the perRetryTimeout (the event is the AWS API's requirement, HttpRetryPolicy).
    const first = routes[0]!;
    const bare = {
      ...router,
      spec: {
        ...(router.spec as object),
        routes: [{ ...first, httpRoute: { ...first.httpRoute, retryPolicy: { maxRetries: 0 } } }],
      },
    };
    expect(validateObject(bare)).not.toEqual([]);
  });

  it('the schemas are those of App Mesh: an unknown field of a VirtualNode is an error', () => {
    const node = appmesh
      .emit(meshEnvironment('appmesh', { services: [db] }), { toolVersion: '0' })
      .namespaces.get('bookinfo')!
      .find((o) => o.kind === 'VirtualNode')!;
    expect(validateObject(node)).toEqual([]);
    const spec = node.spec as Record<string, unknown>;
    expect(validateObject({ ...node, spec: { ...spec, loadBalancer: 'ROUND_ROBIN' } })).not.toEqual([]);
  });
});
