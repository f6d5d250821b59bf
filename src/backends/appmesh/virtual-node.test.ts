import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import {
  caller,
  dest,
  makeAccessRule,
  makeEnvironment,
  makeRoute,
  makeService,
  makeVersions,
} from '../../../test/helpers/model-factory.ts';
import type { ResolvedService, Trust } from '../../model/types.ts';
import { duration } from '../../model/normalize.ts';
import { appmesh } from './index.ts';
import { buildMesh } from './mesh.ts';
import { backendsOf } from './model.ts';
import { connectionPool, outlierDetection } from './virtual-node.ts';

type Obj = Record<string, unknown>;
const CTX = { toolVersion: '0' };

/** The emitted VirtualNodes of an App Mesh environment with `services` and `trust`, by name. */
function nodes(services: ResolvedService[], trust?: Trust, mtls: 'strict' | 'permissive' | 'off' = 'strict') {
  const env = meshEnvironment('appmesh', {
    services,
    mesh: {
      trust,
      mtls,
      ingress: undefined,
      install: undefined,
      observability: { metrics: 'none', dashboards: false },
    },
  });
  const out = appmesh.emit(env, CTX);
  const all = [...out.namespaces.values()].flat().filter((o) => o.kind === 'VirtualNode');
  return new Map(all.map((o) => [o.metadata.name, o.spec as Obj]));
}
const backendNames = (spec: Obj | undefined) =>
  ((spec?.backends ?? []) as { virtualService: { virtualServiceRef: { name: string } } }[]).map(
    (b) => b.virtualService.virtualServiceRef.name,
  );
const listener = (spec: Obj | undefined) => (spec?.listeners as Obj[])[0]!;

const productpage = makeService({ name: 'productpage' });
const ratings = makeService({
  name: 'ratings',
  access: [makeAccessRule({ from: [caller('bookinfo/reviews')] })],
});
const reviews = makeService({
  versions: makeVersions('v1', 'v2'),
  access: [makeAccessRule({ from: [caller('bookinfo/productpage', 'bookinfo-productpage')] })],
});
const open = makeService({ name: 'open', access: [makeAccessRule({ from: [caller('*')] })] });
const closed = makeService({ name: 'closed', access: [] });

describe('VirtualNodes', () => {
  it('one per version: selector + version labels, DNS through the per-version Service', () => {
    const n = nodes([reviews]);
    expect([...n.keys()]).toEqual(['reviews-v1', 'reviews-v2']);
    expect(n.get('reviews-v2')).toMatchObject({
      podSelector: { matchLabels: { app: 'reviews', version: 'v2' } },
      serviceDiscovery: { dns: { hostname: 'reviews-v2.bookinfo.svc.cluster.local' } },
    });
  });

  it('lists as backends exactly the services whose access admits the caller (itself included)', () => {
    const n = nodes([productpage, ratings, reviews, open, closed]);
    expect(backendNames(n.get('productpage'))).toEqual(['open', 'productpage', 'reviews']);
    expect(backendNames(n.get('reviews-v1'))).toEqual(['open', 'productpage', 'ratings']);
    expect(backendNames(n.get('ratings'))).toEqual(['open', 'productpage']);
    // Nobody may call `closed`, not even itself.
    expect([...n.values()].some((s) => backendNames(s).includes('closed'))).toBe(false);
  });

  it('drops egress to undeclared backends only when some service restricts its callers', () => {
    const spec = (services: ResolvedService[]) =>
      buildMesh(makeEnvironment({ services, mesh: { type: 'appmesh', version: '1.13' } })).spec as Obj;
    expect(spec([productpage, ratings])).toEqual({
      namespaceSelector: { matchLabels: { mesh: 'test' } },
      egressFilter: { type: 'DROP_ALL' },
    });
    expect(spec([productpage]).egressFilter).toEqual({ type: 'ALLOW_ALL' });
    expect(
      backendsOf(makeEnvironment({ services: [productpage] }))
        .get('bookinfo/productpage')!
        .map((s) => s.id),
    ).toEqual(['bookinfo/productpage']);
  });

  it('SDS: STRICT listeners accept the SPIFFE IDs of the callers access names; clients check the servers', () => {
    const n = nodes([productpage, reviews], { type: 'sds' });
    expect(listener(n.get('reviews-v1')).tls).toEqual({
      mode: 'STRICT',
      certificate: { sds: { secretName: 'spiffe://cluster.local/ns/bookinfo/sa/reviews' } },
      validation: {
        trust: { sds: { secretName: 'spiffe://cluster.local' } },
        subjectAlternativeNames: {
          match: { exact: ['spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage'] },
        },
      },
    });
    // productpage has no access rules: any meshed client certificate is accepted.
    expect((listener(n.get('productpage')).tls as Obj).validation).toEqual({
      trust: { sds: { secretName: 'spiffe://cluster.local' } },
    });
    const toReviews = (
      (n.get('productpage')!.backends as Obj[]).find(
        (b) =>
          (b.virtualService as { virtualServiceRef: { name: string } }).virtualServiceRef.name === 'reviews',
      )!.virtualService as Obj
    ).clientPolicy;
    expect(toReviews).toEqual({
      tls: {
        certificate: { sds: { secretName: 'spiffe://cluster.local/ns/bookinfo/sa/productpage' } },
        validation: {
          trust: { sds: { secretName: 'spiffe://cluster.local' } },
          subjectAlternativeNames: { match: { exact: ['spiffe://cluster.local/ns/bookinfo/sa/reviews'] } },
        },
      },
    });
  });

  it('files and ACM: paths and ARNs only; permissive mode; off and no trust: no TLS', () => {
    const permissive = makeService({ name: 'productpage', mtls: 'permissive' });
    const file = nodes(
      [permissive],
      { type: 'file', certificateChain: '/c/chain.pem', privateKey: '/c/key.pem', caBundle: '/c/ca.pem' },
      'permissive',
    );
    expect(listener(file.get('productpage')).tls).toEqual({
      mode: 'PERMISSIVE',
      certificate: { file: { certificateChain: '/c/chain.pem', privateKey: '/c/key.pem' } },
      validation: { trust: { file: { certificateChain: '/c/ca.pem' } } },
    });
    const acm = nodes(
      [permissive],
      {
        type: 'acm',
        certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/c',
        certificateAuthorityArns: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/a'],
      },
      'permissive',
    );
    expect(listener(acm.get('productpage')).tls).toEqual({
      mode: 'PERMISSIVE',
      certificate: { acm: { certificateARN: 'arn:aws:acm:eu-west-1:111122223333:certificate/c' } },
    });
    expect(((acm.get('productpage')!.backends as Obj[])[0]!.virtualService as Obj).clientPolicy).toEqual({
      tls: {
        validation: {
          trust: {
            acm: {
              certificateAuthorityARNs: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/a'],
            },
          },
        },
      },
    });
    const off = makeService({ name: 'productpage', mtls: 'off' });
    expect(listener(nodes([off], { type: 'sds' }, 'off').get('productpage')).tls).toBeUndefined();
    expect(listener(nodes([permissive], undefined, 'permissive').get('productpage')).tls).toBeUndefined();
  });
});

describe('listener policy', () => {
  it("outlier detection: every field App Mesh requires, Envoy's defaults for the missing ones", () => {
    expect(
      outlierDetection(
        makeService({
          resilience: { outlierDetection: { consecutiveErrors: 3, baseEjectionTime: duration('1m') } },
        }),
      ),
    ).toEqual({
      maxServerErrors: 3,
      interval: { unit: 's', value: 10 },
      baseEjectionDuration: { unit: 's', value: 60 },
      maxEjectionPercent: 10,
    });
    expect(outlierDetection(makeService())).toBeUndefined();
  });

  it('connection pools by listener protocol; none without maxConnections', () => {
    const s = makeService({ resilience: { connectionPool: { maxConnections: 5, maxPendingRequests: 2 } } });
    expect(connectionPool(s, { name: 'h', port: 1, protocol: 'http' })).toEqual({
      http: { maxConnections: 5, maxPendingRequests: 2 },
    });
    expect(connectionPool(s, { name: 'g', port: 1, protocol: 'grpc' })).toEqual({
      http2: { maxRequests: 5 },
    });
    expect(connectionPool(s, { name: 't', port: 1, protocol: 'tcp' })).toEqual({
      tcp: { maxConnections: 5 },
    });
    expect(
      connectionPool(makeService({ resilience: { connectionPool: { maxPendingRequests: 2 } } }), {
        name: 'h',
        port: 1,
        protocol: 'http',
      }),
    ).toBeUndefined();
  });

  it('a long route timeout reaches the target listener', () => {
    const s = makeService({
      versions: makeVersions('v1'),
      routes: [makeRoute({ destinations: [dest('bookinfo/reviews', 'v1')], timeout: duration('90s') })],
    });
    expect(listener(nodes([s]).get('reviews-v1')).timeout).toEqual({
      http: { perRequest: { unit: 's', value: 90 } },
    });
  });
});

describe('diagnostics at the value', () => {
  const diagnostics = (s: ResolvedService) =>
    appmesh
      .emit(meshEnvironment('appmesh', { services: [s] }), CTX)
      .diagnostics.filter((d) => d.code !== 'APPMESH_END_OF_SUPPORT')
      .map((d) => `${d.severity} ${d.code} ${d.location?.file}`);

  // A regex query match is not among them: the capability check refuses it (`match.query.regex`) before the
  // backend runs, with the environment's other refused features.
  it('refuses inexpressible retry conditions, warns about dropped pool fields', () => {
    expect(
      diagnostics(
        makeService({
          routes: [
            makeRoute({
              matches: [{ headers: [], query: [{ name: 'q', match: { type: 'regex', value: 'a.*' } }] }],
              destinations: [dest('bookinfo/reviews')],
              retries: { attempts: 1, on: ['reset', 'unavailable'] },
            }),
            makeRoute({ index: 1, implicit: true, destinations: [dest('bookinfo/reviews')] }),
          ],
          resilience: { connectionPool: { maxConnections: 2, maxRequestsPerConnection: 1 } },
        }),
      ),
    ).toEqual([
      // The environment's tracing `sampling` (5%), which the chart passes to X-Ray only, not to Jaeger.
      'warning MESH_APPROXIMATE_FEATURE environments/test.yaml#/mesh/observability/tracing/sampling',
      'error MESH_UNSUPPORTED_FEATURE services/reviews.yaml#/routes/0/retries/on/0',
      'error MESH_UNSUPPORTED_FEATURE services/reviews.yaml#/routes/0/retries/on/1',
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/connectionPool/maxRequestsPerConnection',
    ]);
  });
});
