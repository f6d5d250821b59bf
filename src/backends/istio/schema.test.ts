/**
 * Every kind of object the Istio backend (and the shared builders) can emit, built from representative inputs
 * that cover each branch of the unit tests, checked against the upstream schemas in ../shared/crds with
 * unknown fields treated as errors.
 */
import { expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import type { IngressTls, ResolvedEnvironment } from '../../model/types.ts';
import { validateObject } from '../../../test/helpers/crds.ts';
import {
  PORTS,
  everyFeatureRoute,
  fullResilience,
  headerOperations,
  meshEnvironment,
  multiPortService,
  productpageReadsReviews,
  emittedObjects,
} from '../../../test/helpers/backend-fixtures.ts';
import {
  caller,
  dest,
  exact,
  makeAccessRule,
  makeEnvironment,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
  prefix,
  regex,
} from '../../../test/helpers/model-factory.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import { buildVersionService } from '../shared/kubernetes-service.ts';
import { buildAuthorizationPolicy } from './authorization-policy.ts';
import { buildDestinationRule } from './destination-rule.ts';
import { istio } from './index.ts';
import { buildServicePeerAuthentication } from './peer-authentication.ts';
import { buildTelemetry } from './telemetry.ts';

const reviews = multiPortService(
  {
    versions: makeVersions('v1', 'v2', 'v3'),
    routes: [
      makeRoute({
        name: 'jason',
        matches: [
          makeMatch({
            headers: [
              { name: 'end-user', match: exact('jason') },
              { name: 'x-canary', match: regex('^y.*') },
            ],
            query: [{ name: 'debug', match: exact('1') }],
            path: prefix('/api'),
            method: 'GET',
          }),
          makeMatch({ path: regex('^/v[0-9]+/') }),
        ],
        destinations: [dest('bookinfo/reviews', 'v2')],
      }),
      makeRoute({
        index: 1,
        name: 'coffees',
        matches: [makeMatch({ path: exact('/coffees') })],
        destinations: [dest('bookinfo/products', undefined, 90), dest('bookinfo/reviews', 'v3', 10)],
      }),
      everyFeatureRoute(100, headerOperations({ set: [{ name: 'x-served-by', value: 'mesh' }] })),
    ],
    resilience: fullResilience({ type: 'round-robin' }),
    access: [
      productpageReadsReviews(),
      makeAccessRule({ index: 1, from: [caller('*')], paths: ['/health'] }),
    ],
    mtls: 'permissive',
    mtlsOverride: true,
  },
  [PORTS.http, PORTS.grpc],
);
const products = makeService({
  name: 'products',
  resilience: { loadBalancer: { type: 'consistent-hash', header: 'x-user' } },
  ingress: { hosts: ['shop.example.com'], paths: [prefix('/'), exact('/login'), prefix('/static')] },
  access: [makeAccessRule({ from: [caller('*')], methods: ['GET', 'HEAD'] })],
  mtls: 'off',
  mtlsOverride: true,
});

function environment(
  api: 'gateway-api' | 'native',
  provider: 'opentelemetry' | 'zipkin',
  tls?: IngressTls,
): ResolvedEnvironment {
  return meshEnvironment('istio', {
    services: [products, reviews],
    mesh: {
      ingress: { className: 'istio', api, namespace: 'istio-ingress', ...(tls ? { tls } : {}) },
      trust: { type: 'cert-manager', issuer: 'mesh-root', kind: 'Issuer' },
      observability: {
        metrics: 'prometheus-operator',
        dashboards: true,
        tracing: { provider, host: 'collector.observability', port: 4317, sampling: 2.5 },
      },
    },
  });
}

const diagnostics: unknown[] = [];
function emitted(env: ResolvedEnvironment): K8sObject[] {
  const out = istio.emit(env, { toolVersion: '0.0.0' });
  diagnostics.push(...out.diagnostics);
  return emittedObjects(out);
}

const objects: K8sObject[] = [
  ...emitted(environment('gateway-api', 'opentelemetry')),
  ...emitted(environment('native', 'zipkin')),
  // HTTPS ingress: a cert-manager certificate with Gateway API, an existing Secret with the native Gateway.
  ...emitted(
    environment('gateway-api', 'opentelemetry', {
      type: 'cert-manager',
      issuer: 'acme',
      kind: 'ClusterIssuer',
    }),
  ).filter((o) => /Gateway|HTTPRoute|Certificate/.test(o.kind)),
  ...emitted(environment('native', 'zipkin', { type: 'secret', secretName: 'shop-tls' })).filter((o) =>
    /Gateway|Certificate/.test(o.kind),
  ),
  ...emitted(
    makeEnvironment({
      services: [makeService({ kubernetesService: 'external' })],
      mesh: { mtls: 'permissive' },
    }),
  ),
  buildVersionService(reviews, { name: 'v1', labels: { version: 'v1' } }),
  buildDestinationRule(makeService({ resilience: { loadBalancer: { type: 'least-request' } } })),
  buildDestinationRule(makeService({ resilience: { loadBalancer: { type: 'random' } } })),
  buildServicePeerAuthentication(makeService({ mtls: 'strict', mtlsOverride: true })),
  buildAuthorizationPolicy(makeService({ access: [] }), 'cluster.local'),
  buildTelemetry({
    metrics: 'none',
    dashboards: false,
    tracing: { provider: 'zipkin', host: 'z', port: 1, sampling: 0 },
  }),
].filter((o): o is K8sObject => o !== undefined);

it('the sample environments are valid for Istio', () => {
  expect(diagnostics).toEqual([]);
});

describeWithShared('istio backend output matches the upstream schemas', () => {
  it('covers every kind the backend emits', () => {
    expect([...new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`))].sort()).toEqual([
      'cert-manager.io/v1 Certificate',
      'gateway.networking.k8s.io/v1 Gateway',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'grafana.integreatly.org/v1beta1 GrafanaDashboard',
      'monitoring.coreos.com/v1 PodMonitor',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'networking.istio.io/v1 DestinationRule',
      'networking.istio.io/v1 Gateway',
      'networking.istio.io/v1 VirtualService',
      'security.istio.io/v1 AuthorizationPolicy',
      'security.istio.io/v1 PeerAuthentication',
      'telemetry.istio.io/v1 Telemetry',
      'v1 Namespace',
      'v1 Service',
    ]);
  });

  it('includes the HTTPS ingress variants (listeners and servers on 443, the redirect route)', () => {
    const https = objects.filter((o) => JSON.stringify(o.spec ?? {}).includes('443'));
    expect(https.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'gateway.networking.k8s.io/v1 Gateway',
      'networking.istio.io/v1 Gateway',
    ]);
    expect(objects.filter((o) => o.metadata.name === 'meshc-ingress-https-redirect')).toHaveLength(1);
  });

  it.each(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    '%s',
    (_name, obj) => {
      expect(validateObject(obj)).toEqual([]);
    },
  );
});
