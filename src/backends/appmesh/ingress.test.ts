import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { exact, makeService, prefix } from '../../../test/helpers/model-factory.ts';
import type { ResolvedService } from '../../model/types.ts';
import { buildGatewayRoutes, buildIngress } from './ingress.ts';

const exposed = makeService({
  name: 'productpage',
  ingress: {
    hosts: ['a.example.com', 'b.example.com'],
    paths: [exact('/login'), prefix('/static'), prefix('/api/')],
  },
});
const index = (...s: ResolvedService[]) => new Map(s.map((x) => [x.id, x]));

describe('GatewayRoutes', () => {
  it('one per host and path alternative: exact first, longer prefixes before shorter, prefixes kept', () => {
    const routes = buildGatewayRoutes(exposed);
    expect(routes.map((r) => r.metadata.name)).toEqual([
      'productpage',
      'productpage-2',
      'productpage-3',
      'productpage-4',
      'productpage-5',
      'productpage-6',
      'productpage-7',
      'productpage-8',
    ]);
    expect(routes.slice(0, 4).map((r) => r.spec)).toEqual([
      {
        priority: 0,
        httpRoute: {
          match: { path: { exact: '/login' }, hostname: { exact: 'a.example.com' } },
          action: { target: { virtualService: { virtualServiceRef: { name: 'productpage' } } } },
        },
      },
      {
        priority: 0,
        httpRoute: {
          match: { path: { exact: '/static' }, hostname: { exact: 'a.example.com' } },
          action: { target: { virtualService: { virtualServiceRef: { name: 'productpage' } } } },
        },
      },
      {
        priority: 992,
        httpRoute: {
          match: { prefix: '/static/', hostname: { exact: 'a.example.com' } },
          action: {
            target: { virtualService: { virtualServiceRef: { name: 'productpage' } } },
            rewrite: { prefix: { defaultPrefix: 'DISABLED' } },
          },
        },
      },
      {
        priority: 995,
        httpRoute: {
          match: { prefix: '/api/', hostname: { exact: 'a.example.com' } },
          action: {
            target: { virtualService: { virtualServiceRef: { name: 'productpage' } } },
            rewrite: { prefix: { defaultPrefix: 'DISABLED' } },
          },
        },
      },
    ]);
  });

  it('without paths: the prefix `/` (nothing to rewrite), on the first HTTP port of a multi-port service', () => {
    const s = makeService({
      ports: [
        { name: 'db', port: 5432, protocol: 'tcp' },
        { name: 'grpc', port: 9090, protocol: 'grpc' },
      ],
      ingress: { hosts: ['x.example.com'], paths: [] },
    });
    expect(buildGatewayRoutes(s).map((r) => r.spec)).toEqual([
      {
        priority: 1000,
        http2Route: {
          match: { prefix: '/', hostname: { exact: 'x.example.com' } },
          action: { target: { virtualService: { virtualServiceRef: { name: 'reviews' } }, port: 9090 } },
        },
      },
    ]);
  });
});

describe('VirtualGateway', () => {
  it('named after the class, selecting the gateway pods and the mesh namespaces; its namespace joins the mesh', () => {
    const env = meshEnvironment('appmesh', { services: [exposed] });
    const out = buildIngress(env, 'test', { type: 'sds' }, index(exposed));
    expect(out.diagnostics).toEqual([]);
    expect(out.system.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/appmesh-ingress',
      'VirtualGateway/bookinfo-gateway',
    ]);
    expect(out.system[1]!.spec).toEqual({
      namespaceSelector: { matchLabels: { mesh: 'test' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'bookinfo-gateway' } },
      listeners: [{ portMapping: { port: 8088, protocol: 'http' } }],
      backendDefaults: {
        clientPolicy: {
          tls: {
            certificate: {
              sds: { secretName: 'spiffe://cluster.local/ns/appmesh-ingress/sa/bookinfo-gateway' },
            },
            validation: {
              trust: { sds: { secretName: 'spiffe://cluster.local' } },
              subjectAlternativeNames: {
                match: { exact: ['spiffe://cluster.local/ns/bookinfo/sa/productpage'] },
              },
            },
          },
        },
      },
    });
    expect(out.gateway?.identity).toEqual({
      namespace: 'appmesh-ingress',
      serviceAccount: 'bookinfo-gateway',
    });
  });

  it('leaves ingress TLS and Gateway API to the capability check (both unsupported), rendering nothing for Gateway API', () => {
    const tls = meshEnvironment('appmesh', {
      services: [exposed],
      mesh: {
        ingress: {
          className: 'gw',
          api: 'native',
          namespace: 'appmesh-ingress',
          tls: { type: 'secret', secretName: 's' },
        },
      },
    });
    expect(
      buildIngress(tls, 'test', undefined, index(exposed)).diagnostics.map(
        (d) => `${d.code} ${d.location?.file}`,
      ),
    ).toEqual([]);
    const gatewayApi = meshEnvironment('appmesh', {
      services: [exposed],
      mesh: { ingress: { className: 'gw', api: 'gateway-api', namespace: 'appmesh-ingress' } },
    });
    expect(buildIngress(gatewayApi, 'test', undefined, index(exposed)).routes.size).toBe(0);
  });

  it('speaks TLS to every exposed service or to none: a plaintext one among TLS ones is an error at its ingress', () => {
    const plain = makeService({
      name: 'plain',
      mtls: 'off',
      ingress: { hosts: ['p.example.com'], paths: [] },
    });
    const env = meshEnvironment('appmesh', { services: [exposed, plain] });
    const out = buildIngress(env, 'test', { type: 'sds' }, index(exposed, plain));
    expect(out.diagnostics.map((d) => `${d.code} ${d.location?.file}`)).toEqual([
      'MESH_CONSTRAINT services/plain.yaml#/ingress',
    ]);
    expect((out.system[1]!.spec as Record<string, unknown>).backendDefaults).toBeUndefined();
    const onlyPlain = buildIngress(
      meshEnvironment('appmesh', { services: [plain] }),
      'test',
      { type: 'sds' },
      index(plain),
    );
    expect(onlyPlain.diagnostics).toEqual([]);
  });
});
