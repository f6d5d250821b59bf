import { describe, expect, it } from 'vitest';
import { exact, makeEnvironment, makeService, prefix } from '../../../test/helpers/model-factory.ts';
import { PORTS, exposedProductpage, meshIngress, shopWeb } from '../../../test/helpers/backend-fixtures.ts';
import { buildIngress } from './ingress.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

const productpage = exposedProductpage({
  ingress: {
    hosts: ['bookinfo.example.com'],
    paths: [prefix('/productpage'), exact('/login'), prefix('/static/')],
  },
});
const shop = shopWeb({
  ports: [PORTS.http8080, { name: 'admin', port: 9000, protocol: 'http' }],
  ingress: { hosts: ['shop.example.com', 'bookinfo.example.com'], paths: [prefix('/')] },
});
const internal = makeService({ name: 'ratings' });

describe('ingress through Gateway API', () => {
  const env = makeEnvironment({
    services: [productpage, internal, shop],
    mesh: { ingress: meshIngress('istio') },
  });
  const out = buildIngress(env);

  it('emits the ingress namespace and one Gateway', () => {
    expect(out.diagnostics).toEqual([]);
    expect(out.system).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-ingress', labels: LABELS } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'meshc-ingress', namespace: 'istio-ingress', labels: LABELS },
        spec: {
          gatewayClassName: 'istio',
          listeners: [
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
          ],
        },
      },
    ]);
  });

  it('emits one HTTPRoute per exposed service, in its namespace', () => {
    expect([...out.routes.keys()]).toEqual(['bookinfo/productpage', 'shop/web']);
    expect(out.routes.get('bookinfo/productpage')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'productpage-ingress', namespace: 'bookinfo', labels: LABELS },
      spec: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'meshc-ingress',
            namespace: 'istio-ingress',
          },
        ],
        hostnames: ['bookinfo.example.com'],
        rules: [
          {
            matches: [
              { path: { type: 'PathPrefix', value: '/productpage' } },
              { path: { type: 'Exact', value: '/login' } },
              { path: { type: 'PathPrefix', value: '/static/' } },
            ],
            backendRefs: [{ group: '', kind: 'Service', name: 'productpage', port: 9080, weight: 1 }],
          },
        ],
      },
    });
    expect((out.routes.get('shop/web')?.spec as { rules: unknown }).rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 8080, weight: 1 }],
      },
    ]);
  });

  it('does not emit the ingress namespace when meshc already owns it', () => {
    const e = makeEnvironment({
      services: [productpage],
      mesh: { ingress: { className: 'istio', api: 'gateway-api', namespace: 'bookinfo' } },
    });
    expect(buildIngress(e).system.map((o) => o.kind)).toEqual(['Gateway']);
  });
});

describe('ingress through Istio Gateway and VirtualService', () => {
  const env = makeEnvironment({
    services: [productpage, internal, shop],
    mesh: { ingress: meshIngress('istio', { api: 'native' }) },
  });
  const out = buildIngress(env);

  it('emits one Gateway for every host, selecting the gateway chart pods', () => {
    expect(out.system[1]).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'meshc-ingress', namespace: 'istio-ingress', labels: LABELS },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          {
            port: { number: 80, name: 'http', protocol: 'HTTP' },
            hosts: ['bookinfo.example.com', 'shop.example.com'],
          },
        ],
      },
    });
  });

  it('emits a VirtualService <name>-ingress bound to the Gateway, with segment-wise prefixes', () => {
    expect(out.routes.get('bookinfo/productpage')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'productpage-ingress', namespace: 'bookinfo', labels: LABELS },
      spec: {
        hosts: ['bookinfo.example.com'],
        gateways: ['istio-ingress/meshc-ingress'],
        http: [
          {
            name: 'ingress',
            match: [
              { uri: { exact: '/productpage' } },
              { uri: { prefix: '/productpage/' } },
              { uri: { exact: '/login' } },
              { uri: { prefix: '/static/' } },
            ],
            route: [
              { destination: { host: 'productpage.bookinfo.svc.cluster.local', port: { number: 9080 } } },
            ],
            retries: { attempts: 0 },
          },
        ],
      },
    });
    expect((out.routes.get('shop/web')?.spec as { http: { match: unknown }[] }).http[0]?.match).toEqual([
      { uri: { prefix: '/' } },
    ]);
  });
});

describe('ingress with TLS', () => {
  const tls = { type: 'cert-manager', issuer: 'letsencrypt', kind: 'ClusterIssuer' } as const;

  it('Istio Gateway: HTTPS on 443 with the certificate Secret, port 80 redirecting to HTTPS', () => {
    const out = buildIngress(
      makeEnvironment({
        services: [productpage, shop],
        mesh: { ingress: meshIngress('istio', { api: 'native', tls }) },
      }),
    );
    expect(out.system.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/istio-ingress',
      'Certificate/meshc-ingress-tls',
      'Gateway/meshc-ingress',
    ]);
    const hosts = ['bookinfo.example.com', 'shop.example.com'];
    expect((out.system[2]?.spec as { servers: unknown }).servers).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts, tls: { httpsRedirect: true } },
      {
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts,
        tls: { mode: 'SIMPLE', credentialName: 'meshc-ingress-tls' },
      },
    ]);
    expect((out.system[1]?.spec as { dnsNames: unknown }).dnsNames).toEqual(hosts);
  });

  it('Gateway API: the routes attach to the HTTPS listener, the redirect route to the HTTP one', () => {
    const out = buildIngress(
      makeEnvironment({
        services: [productpage],
        mesh: {
          ingress: {
            className: 'istio',
            api: 'gateway-api',
            namespace: 'istio-ingress',
            tls: { type: 'secret', secretName: 'bookinfo-tls' },
          },
        },
      }),
    );
    expect(out.system.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/istio-ingress',
      'HTTPRoute/meshc-ingress-https-redirect',
      'Gateway/meshc-ingress',
    ]);
    const parent = (o: unknown) =>
      (o as { spec: { parentRefs: { sectionName?: string }[] } }).spec.parentRefs[0];
    expect(parent(out.routes.get('bookinfo/productpage'))?.sectionName).toBe('https');
    expect(parent(out.system[1])?.sectionName).toBe('http');
  });
});

describe('ingress without mesh.ingress', () => {
  it('is an error at each exposed service, and nothing is emitted', () => {
    const out = buildIngress(makeEnvironment({ name: 'prod', services: [productpage, internal] }));
    expect(out.system).toEqual([]);
    expect(out.routes.size).toBe(0);
    expect(out.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        location: expect.objectContaining({ file: 'services/productpage.yaml#/ingress' }),
      }),
    ]);
    expect(out.diagnostics[0]?.message).toContain('bookinfo/productpage');
  });

  it('emits nothing when no service is exposed', () => {
    const out = buildIngress(
      makeEnvironment({
        services: [internal],
        mesh: { ingress: meshIngress('istio', { api: 'native' }) },
      }),
    );
    expect(out).toEqual({ system: [], routes: new Map(), diagnostics: [] });
  });
});
