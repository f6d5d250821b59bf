/**
 * Every kind of object the Linkerd backend emits, from inputs that reach each branch of the builders, checked
 * against the upstream schemas in ../shared/crds with unknown fields treated as errors.
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
import { linkerd } from './index.ts';
import { duration } from '../../model/normalize.ts';

const reviews = multiPortService({
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
      matches: [makeMatch({ path: exact('/health'), headers: [{ name: 'x', match: exact('1') }] })],
      destinations: [dest('bookinfo/reviews', 'v1')],
      timeout: duration('1m30s'),
      retries: {
        attempts: 3,
        perTryTimeout: duration('500ms'),
        on: ['5xx', 'gateway-error', 'retriable-4xx'],
      },
    }),
    makeRoute({ index: 2, implicit: true, destinations: [dest('bookinfo/reviews')] }),
  ],
  resilience: { outlierDetection: { consecutiveErrors: 5, baseEjectionTime: duration('2m') } },
  access: [
    makeAccessRule({
      from: [caller('bookinfo/productpage')],
      methods: ['GET', 'HEAD'],
      paths: ['/reviews/*', '*.png', '/x'],
    }),
    makeAccessRule({ index: 1, from: [caller('*')], methods: ['POST'] }),
    makeAccessRule({ index: 2, from: [caller('other/admin')] }),
  ],
  mtls: 'permissive',
  mtlsOverride: true,
  ingress: { hosts: ['reviews.example.com'], paths: [exact('/reviews'), prefix('/api')] },
});
const strictService = makeService({ name: 'ratings', mtls: 'strict', mtlsOverride: true });
const next = makeService({
  namespace: 'next',
  name: 'reviews-next',
  access: [makeAccessRule({ from: [caller('*')] })],
  mtls: 'strict',
});

const env = meshEnvironment('linkerd', {
  services: [reviews, strictService, next],
  mesh: {
    trust: { type: 'cert-manager', issuer: 'mesh-root', kind: 'Issuer' },
    observability: { metrics: 'prometheus-operator', dashboards: true },
  },
});

describeWithShared('Linkerd objects against the upstream schemas', () => {
  it('every emitted object is valid (unknown fields are errors)', () => {
    const out = linkerd.emit(env, { toolVersion: '0' });
    expect(out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const all: K8sObject[] = emittedObjects(out);
    const kinds = new Set(all.map((o) => `${o.apiVersion} ${o.kind}`));
    expect([...kinds].sort()).toEqual([
      'cert-manager.io/v1 Certificate',
      'cert-manager.io/v1 ClusterIssuer',
      'cert-manager.io/v1 Issuer',
      'gateway.networking.k8s.io/v1 Gateway',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 ReferenceGrant',
      'grafana.integreatly.org/v1beta1 GrafanaDashboard',
      'monitoring.coreos.com/v1 PodMonitor',
      'policy.linkerd.io/v1alpha1 AuthorizationPolicy',
      'policy.linkerd.io/v1alpha1 MeshTLSAuthentication',
      'policy.linkerd.io/v1alpha1 NetworkAuthentication',
      'policy.linkerd.io/v1beta3 HTTPRoute',
      'policy.linkerd.io/v1beta3 Server',
      'trust.cert-manager.io/v1alpha1 Bundle',
      'v1 Namespace',
      'v1 Service',
    ]);
    const errors = all.flatMap((o) => validateObject(o));
    expect(errors).toEqual([]);
  });
});
