/**
 * Every kind of object the Consul backend emits, from inputs that reach each branch of the builders, checked
 * against the upstream schemas in ../shared/crds (consul-k8s CRDs, Gateway API standard channel, Prometheus
 * Operator, Kubernetes) with unknown fields treated as errors.
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
import { meshEnvironment, emittedObjects } from '../../../test/helpers/backend-fixtures.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { duration } from '../../model/normalize.ts';
import { consul } from './index.ts';

const reviews = makeService({
  versions: makeVersions('v1', 'v2'),
  routes: [
    makeRoute({
      name: 'mobile',
      matches: [
        makeMatch({
          headers: [{ name: 'user-agent', match: prefix('mobile/') }],
          query: [{ name: 'v', match: regex('(1|2)') }],
          path: regex('/reviews/[0-9]+'),
          method: 'GET',
        }),
      ],
      destinations: [dest('bookinfo/reviews', 'v2', 90), dest('next/reviews-next', undefined, 10)],
      headers: {
        request: {
          set: [{ name: 'x-env', value: 'prod' }],
          add: [{ name: 'x-a', value: '1' }],
          remove: ['x-debug'],
        },
        response: { set: [{ name: 'cache-control', value: 'no-store' }], add: [], remove: [] },
      },
    }),
    makeRoute({
      index: 1,
      matches: [makeMatch({ path: prefix('/health'), headers: [{ name: 'x', match: exact('1') }] })],
      destinations: [dest('bookinfo/reviews', 'v1')],
      timeout: duration('1m30s'),
      retries: { attempts: 3, on: ['5xx', 'gateway-error', 'connect-failure', 'reset'] },
      headers: { request: { set: [], add: [], remove: ['x-debug'] } },
    }),
    makeRoute({
      index: 2,
      destinations: [dest('bookinfo/reviews', 'v1', 80), dest('bookinfo/reviews', 'v2', 20)],
      timeout: duration('10s'),
    }),
  ],
  resilience: {
    outlierDetection: {
      consecutiveErrors: 5,
      interval: duration('10s'),
      baseEjectionTime: duration('2m'),
      maxEjectionPercent: 50,
    },
    connectionPool: { maxConnections: 100, maxPendingRequests: 10 },
    loadBalancer: { type: 'consistent-hash', header: 'x-user' },
  },
  access: [
    makeAccessRule({
      from: [caller('bookinfo/productpage')],
      methods: ['GET', 'HEAD'],
      paths: ['/reviews/*', '*.png', '/x', '*'],
    }),
    makeAccessRule({ index: 1, from: [caller('*')], methods: ['POST'] }),
    makeAccessRule({ index: 2, from: [caller('other/admin')] }),
  ],
  mtls: 'permissive',
  mtlsOverride: true,
  ingress: { hosts: ['reviews.example.com'], paths: [exact('/reviews'), prefix('/api')] },
});
const productpage = makeService({
  name: 'productpage',
  resilience: { loadBalancer: { type: 'least-request' } },
});
const admin = makeService({ namespace: 'other', name: 'admin' });
const next = makeService({ namespace: 'next', name: 'reviews-next', access: [] });
const db = makeService({ name: 'db', ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }] });

const env = meshEnvironment('consul', {
  services: [reviews, productpage, admin, next, db],
  mesh: {
    ingress: {
      className: 'consul',
      api: 'gateway-api',
      namespace: 'ingress',
      tls: { type: 'cert-manager', issuer: 'letsencrypt', kind: 'ClusterIssuer' },
    },
  },
});

describeWithShared('Consul objects against the upstream schemas', () => {
  it('every emitted object is valid (unknown fields are errors)', () => {
    const out = consul.emit(env, { toolVersion: '0' });
    expect(out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const all: K8sObject[] = emittedObjects(out);
    const kinds = new Set(all.map((o) => `${o.apiVersion} ${o.kind}`));
    expect([...kinds].sort()).toEqual([
      'cert-manager.io/v1 Certificate',
      'consul.hashicorp.com/v1alpha1 Mesh',
      'consul.hashicorp.com/v1alpha1 ProxyDefaults',
      'consul.hashicorp.com/v1alpha1 ServiceDefaults',
      'consul.hashicorp.com/v1alpha1 ServiceIntentions',
      'consul.hashicorp.com/v1alpha1 ServiceResolver',
      'consul.hashicorp.com/v1alpha1 ServiceRouter',
      'consul.hashicorp.com/v1alpha1 ServiceSplitter',
      'gateway.networking.k8s.io/v1 Gateway',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'grafana.integreatly.org/v1beta1 GrafanaDashboard',
      'monitoring.coreos.com/v1 PodMonitor',
      'v1 Namespace',
      'v1 Service',
    ]);
    const errors = all.flatMap((o) => validateObject(o));
    expect(errors).toEqual([]);
  });
});
