import { describe, expect, it } from 'vitest';
import { exact, makeEnvironment, makeService, prefix } from '../../../test/helpers/model-factory.ts';
import { shopWeb } from '../../../test/helpers/backend-fixtures.ts';
import {
  buildHttpsRedirectRoute,
  buildIngressGateway,
  buildIngressHttpRoute,
  ingressPort,
} from './gateway-api.ts';
import type { IngressTls } from '../../model/types.ts';
import { planIngress } from './ingress.ts';
import { buildRootService, buildVersionService } from './kubernetes-service.ts';
import { managedLabels, objectMeta } from './labels.ts';
import { compact, deepMerge } from './merge.ts';
import {
  isOlderThan,
  parseMajorMinor,
  qualifyServiceHost,
  serviceFqdn,
  unique,
  versionServiceName,
} from './names.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

const multi = makeService({
  ports: [
    { name: 'http', port: 9080, protocol: 'http' },
    { name: 'h2', port: 9081, protocol: 'http2' },
    { name: 'grpc', port: 9090, protocol: 'grpc' },
    { name: 'db', port: 5432, protocol: 'tcp' },
  ],
  selector: { app: 'reviews', tier: 'backend' },
});

describe('Kubernetes Services', () => {
  it('root Service: selector, ports with appProtocol, targetPort = port', () => {
    expect(buildRootService(multi)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
      spec: {
        selector: { app: 'reviews', tier: 'backend' },
        ports: [
          { name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP', appProtocol: 'http' },
          { name: 'h2', port: 9081, targetPort: 9081, protocol: 'TCP', appProtocol: 'http2' },
          { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP', appProtocol: 'grpc' },
          { name: 'db', port: 5432, targetPort: 5432, protocol: 'TCP', appProtocol: 'tcp' },
        ],
      },
    });
  });

  it('no root Service for kubernetesService: external', () => {
    expect(buildRootService(makeService({ kubernetesService: 'external' }))).toBeUndefined();
  });

  it('per-version Service selects the version labels too', () => {
    expect(buildVersionService(makeService(), { name: 'v2', labels: { version: 'v2' } })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews-v2', namespace: 'bookinfo', labels: LABELS },
      spec: {
        selector: { app: 'reviews', version: 'v2' },
        ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  });
});

describe('Gateway API ingress', () => {
  const ref = { name: 'meshc-ingress', namespace: 'ingress' };

  it('Gateway with one HTTP listener open to every namespace', () => {
    expect(buildIngressGateway(ref, 'eg')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'meshc-ingress', namespace: 'ingress', labels: LABELS },
      spec: {
        gatewayClassName: 'eg',
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
        ],
      },
    });
  });

  it('HTTPRoute to the first port, one match per path', () => {
    const s = makeService({
      ...multi,
      ingress: { hosts: ['*.example.com'], paths: [exact('/a'), prefix('/b')] },
    });
    expect(buildIngressHttpRoute(s, ref)?.spec).toEqual({
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'meshc-ingress', namespace: 'ingress' },
      ],
      hostnames: ['*.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'Exact', value: '/a' } }, { path: { type: 'PathPrefix', value: '/b' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080, weight: 1 }],
        },
      ],
    });
    expect(buildIngressHttpRoute(makeService(), ref)).toBeUndefined();
  });
});

describe('Gateway API ingress with TLS', () => {
  const ref = { name: 'meshc-ingress', namespace: 'ingress', tlsSecret: 'meshc-ingress-tls' };
  const gatewayRef = {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'meshc-ingress',
    namespace: 'ingress',
  };

  it('an HTTPS listener on 443 terminating TLS with the Secret; HTTP on 80 for the redirect route only', () => {
    expect((buildIngressGateway(ref, 'eg').spec as { listeners: unknown }).listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        tls: {
          mode: 'Terminate',
          certificateRefs: [{ group: '', kind: 'Secret', name: 'meshc-ingress-tls' }],
        },
        allowedRoutes: { namespaces: { from: 'All' } },
      },
    ]);
  });

  it('service routes attach to the HTTPS listener', () => {
    const s = makeService({ ingress: { hosts: ['a.example.com'], paths: [prefix('/')] } });
    expect((buildIngressHttpRoute(s, ref)?.spec as { parentRefs: unknown }).parentRefs).toEqual([
      { ...gatewayRef, sectionName: 'https' },
    ]);
  });

  it('the redirect route answers HTTP with a 301 to HTTPS, on the HTTP listener', () => {
    expect(buildHttpsRedirectRoute(ref, ['a.example.com', 'b.example.com'])).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'meshc-ingress-https-redirect', namespace: 'ingress', labels: LABELS },
      spec: {
        parentRefs: [{ ...gatewayRef, sectionName: 'http' }],
        hostnames: ['a.example.com', 'b.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
          },
        ],
      },
    });
  });

  it('ingress goes to the first HTTP port, not a TCP port listed first', () => {
    const s = makeService({
      ports: [
        { name: 'db', port: 5432, protocol: 'tcp' },
        { name: 'grpc', port: 9090, protocol: 'grpc' },
      ],
    });
    expect(ingressPort(s)?.port).toBe(9090);
    expect(ingressPort(makeService({ ports: [{ name: 'db', port: 5432, protocol: 'tcp' }] }))?.port).toBe(
      5432,
    );
  });
});

describe('planIngress with TLS', () => {
  const web = shopWeb({
    ingress: { hosts: ['shop.example.com', 'www.example.com'], paths: [prefix('/')] },
  });
  const api = makeService({
    namespace: 'shop',
    name: 'api',
    ingress: { hosts: ['api.example.com'], paths: [] },
  });
  const plan = (tls: IngressTls | undefined, kind: 'gateway-api' | 'native' = 'gateway-api') =>
    planIngress(
      makeEnvironment({
        services: [web, api],
        mesh: { ingress: { className: 'eg', api: kind, namespace: 'edge', ...(tls ? { tls } : {}) } },
      }),
      'system',
    );

  it('cert-manager: a Certificate for every host in the ingress namespace, and the redirect route', () => {
    const { out, plan: p } = plan({ type: 'cert-manager', issuer: 'letsencrypt', kind: 'ClusterIssuer' });
    expect(p?.ref).toEqual({ name: 'meshc-ingress', namespace: 'edge', tlsSecret: 'meshc-ingress-tls' });
    expect(p?.hosts).toEqual(['api.example.com', 'shop.example.com', 'www.example.com']);
    expect(out.system.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//edge',
      'Certificate/edge/meshc-ingress-tls',
      'HTTPRoute/edge/meshc-ingress-https-redirect',
    ]);
    expect(out.system[1]?.spec).toEqual({
      secretName: 'meshc-ingress-tls',
      dnsNames: ['api.example.com', 'shop.example.com', 'www.example.com'],
      issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
  });

  it('an existing Secret: no Certificate, the Gateway reads that Secret', () => {
    const { out, plan: p } = plan({ type: 'secret', secretName: 'shop-tls' });
    expect(p?.ref.tlsSecret).toBe('shop-tls');
    expect(out.system.map((o) => o.kind)).toEqual(['Namespace', 'HTTPRoute']);
  });

  it('a native (non Gateway API) ingress gets the Certificate but no HTTPRoute', () => {
    const { out } = plan({ type: 'cert-manager', issuer: 'letsencrypt', kind: 'Issuer' }, 'native');
    expect(out.system.map((o) => o.kind)).toEqual(['Namespace', 'Certificate']);
  });

  it('without TLS: nothing of the above', () => {
    const { out, plan: p } = plan(undefined);
    expect(p?.ref).toEqual({ name: 'meshc-ingress', namespace: 'edge' });
    expect(out.system.map((o) => o.kind)).toEqual(['Namespace']);
  });
});

describe('helpers', () => {
  it('labels and metadata', () => {
    expect(managedLabels({ a: 'b', 'app.kubernetes.io/managed-by': 'x' })).toEqual({ a: 'b', ...LABELS });
    expect(objectMeta('n')).toEqual({ name: 'n', labels: LABELS });
    expect(objectMeta('n', 'ns')).toEqual({ name: 'n', namespace: 'ns', labels: LABELS });
  });

  it('names', () => {
    expect(serviceFqdn('bookinfo', 'reviews')).toBe('reviews.bookinfo.svc.cluster.local');
    expect(versionServiceName('reviews', 'v1')).toBe('reviews-v1');
    expect(qualifyServiceHost('otel.observability')).toBe('otel.observability.svc.cluster.local');
    expect(qualifyServiceHost('otel.observability.svc')).toBe('otel.observability.svc.cluster.local');
    expect(qualifyServiceHost('otel.observability.svc.cluster.local')).toBe(
      'otel.observability.svc.cluster.local',
    );
    expect(qualifyServiceHost('collector.example.com')).toBe('collector.example.com');
    expect(unique(['b', 'a', 'b'])).toEqual(['b', 'a']);
  });

  it('versions', () => {
    expect(parseMajorMinor('1.30.3')).toEqual([1, 30]);
    expect(isOlderThan('1.21', '1.22')).toBe(true);
    expect(isOlderThan('1.9', '1.22')).toBe(true);
    expect(isOlderThan('1.22', '1.22')).toBe(false);
    expect(isOlderThan('2.0', '1.22')).toBe(false);
    expect(isOlderThan('latest', '1.22')).toBe(false);
  });

  it('deepMerge: objects merge, arrays and scalars replace, inputs untouched', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const over = { a: { c: [3], e: { f: true } }, d: null };
    expect(deepMerge(base, over)).toEqual({ a: { b: 1, c: [3], e: { f: true } }, d: null });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
    const merged = deepMerge(base, {});
    (merged.a as { c: number[] }).c.push(9);
    expect(base.a.c).toEqual([1, 2]);
  });

  it('compact drops undefined entries only', () => {
    expect(compact({ a: undefined, b: 0, c: null, d: '' })).toEqual({ b: 0, c: null, d: '' });
  });
});
