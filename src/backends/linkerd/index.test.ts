import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { dest, makeEnvironment, makeRoute, makeService } from '../../../test/helpers/model-factory.ts';
import { repoRoot } from '../../../test/helpers/shared.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { compileDir } from '../../pipeline.ts';
import { checkCapabilities } from '../../plan/capabilities.ts';
import { FEATURES } from '../features.ts';
import { LINKERD_CAPABILITIES } from './capabilities.ts';
import { linkerd } from './index.ts';

const CTX = { toolVersion: '0.1.0' };

/** The bookinfo services (productpage, reviews, shop/web) on a fully configured Linkerd 2.19. */
const full = meshEnvironment('linkerd');

const ids = (objs: readonly { kind: string; metadata: { name: string } }[] | undefined) =>
  (objs ?? []).map((o) => `${o.kind}/${o.metadata.name}`).sort();
const show = (d: Diagnostic) => `${d.severity} ${d.code} ${d.location?.file ?? ''}`;

describe('linkerd backend', () => {
  it('describes itself', () => {
    expect(linkerd).toMatchObject({
      mesh: 'linkerd',
      title: 'Linkerd',
      minVersion: '2.16',
      systemNamespace: 'linkerd',
    });
  });

  it('declares a capability for every feature, with a note for every non-exact one', () => {
    expect(Object.keys(LINKERD_CAPABILITIES).sort()).toEqual(FEATURES.map((f) => f.id).sort());
    for (const [id, c] of Object.entries(LINKERD_CAPABILITIES))
      if (c.support !== 'exact') expect(c.note, id).toBeTruthy();
    const by = (support: string) =>
      Object.entries(LINKERD_CAPABILITIES)
        .filter(([, c]) => c.support === support)
        .map(([id]) => id)
        .sort();
    expect(by('unsupported')).toEqual([
      'mesh.ingress.native',
      'mesh.mtls.off',
      'mesh.trust.acm',
      'mesh.trust.builtIn',
      'mesh.trust.file',
      'mesh.trust.sds',
      'mesh.trust.vault',
      'observability.annotations',
      'resilience.connectionPool',
      'resilience.consistentHash',
      'resilience.loadBalancer',
      // Flagger's Gateway API router carries no timeout or retries; failure accrual is on Flagger's Services.
      'rollout.ab.prefix',
      'rollout.resilience',
      'rollout.retries',
      'rollout.tcp',
      'rollout.timeout',
      'route.fault.abort',
      'route.fault.delay',
      'route.fault.withTimeoutOrRetries',
      'route.mirror',
    ]);
    expect(by('approximate')).toEqual([
      'access.l7',
      'ingress.routed',
      'mtls.service',
      'observability.prometheusOperator',
      'observability.tracing',
      'resilience.outlierDetection',
      'rollout.ingress',
      'route.retries',
    ]);
    expect(LINKERD_CAPABILITIES['observability.tracing']!.since).toBe('2.19');
  });

  it('emits every part of a full environment', () => {
    const out = linkerd.emit(full, CTX);
    expect(out.diagnostics.map(show)).toEqual([]);
    expect([...out.namespaces.keys()]).toEqual(['bookinfo', 'shop']);
    expect(ids(out.namespaces.get('bookinfo'))).toEqual([
      'AuthorizationPolicy/productpage.http',
      'AuthorizationPolicy/reviews.http.authz-0',
      'HTTPRoute/productpage-ingress',
      'HTTPRoute/reviews.http.all',
      'HTTPRoute/reviews.http.authz-0',
      'HTTPRoute/reviews.jason',
      'HTTPRoute/reviews.route-1',
      'MeshTLSAuthentication/productpage',
      'MeshTLSAuthentication/reviews.authz-0',
      'Namespace/bookinfo',
      'Server/productpage.http',
      'Server/reviews.http',
      'Service/productpage',
      'Service/reviews',
      'Service/reviews-v1',
      'Service/reviews-v2',
    ]);
    expect(ids(out.namespaces.get('shop'))).toEqual([
      'Namespace/shop',
      'ReferenceGrant/bookinfo-httproutes',
      'Service/web',
    ]);
    expect(ids([...(out.prerequisites ?? []), ...out.system])).toEqual([
      'Bundle/linkerd-identity-trust-roots',
      'Certificate/linkerd-identity-issuer',
      'Certificate/linkerd-policy-validator',
      'Certificate/linkerd-proxy-injector',
      'Certificate/linkerd-sp-validator',
      'Certificate/linkerd-trust-anchor',
      'Certificate/linkerd-webhook-ca',
      'ClusterIssuer/linkerd-trust-anchor',
      'Gateway/meshc-ingress',
      ...[
        'linkerd-authority',
        'linkerd-deployment',
        'linkerd-health',
        'linkerd-kubernetes',
        'linkerd-namespace',
        'linkerd-pod',
        'linkerd-route',
        'linkerd-service',
        'linkerd-top-line',
      ].map((n) => `GrafanaDashboard/${n}`),
      'Issuer/linkerd-webhook-issuer',
      'Issuer/linkerd-webhook-selfsigned',
      'Namespace/ingress',
      'Namespace/linkerd',
      'PodMonitor/linkerd-controller',
      'PodMonitor/linkerd-proxy',
    ]);
    expect(out.charts.map((c) => c.name)).toEqual(['linkerd-crds', 'linkerd-control-plane']);
    const ns = out.namespaces.get('bookinfo')![0]!;
    expect(ns.metadata.annotations).toEqual({
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
      'linkerd.io/inject': 'enabled',
    });
  });

  it('is deterministic and does not touch its input', () => {
    const before = JSON.stringify(full);
    expect(JSON.stringify(linkerd.emit(full, CTX))).toBe(JSON.stringify(linkerd.emit(full, CTX)));
    expect(JSON.stringify(full)).toBe(before);
  });

  it('value-level refusals, at the value', () => {
    const bad: ResolvedEnvironment = makeEnvironment({
      services: [
        makeService({
          routes: [
            makeRoute({
              destinations: [dest('bookinfo/reviews')],
              retries: { attempts: 2, on: ['5xx', 'reset'] },
            }),
          ],
        }),
        makeService({ name: 'details', ingress: { hosts: ['x.example.com'], paths: [] } }),
      ],
      mesh: {
        type: 'linkerd',
        version: '2.19',
        trust: { type: 'existing-secret', name: 'my-issuer' },
        observability: {
          metrics: 'none',
          dashboards: false,
          tracing: { provider: 'zipkin', host: 'zipkin.observability', port: 9411, sampling: 1 },
        },
      },
    });
    expect(linkerd.emit(bad, CTX).diagnostics.map(show)).toEqual([
      'error MESH_CONSTRAINT environments/test.yaml#/mesh/trust/existingSecret/name',
      'error MESH_CONSTRAINT environments/test.yaml#/mesh/observability/tracing',
      'error MESH_UNSUPPORTED_FEATURE environments/test.yaml#/mesh/observability/tracing/provider',
      'error MESH_CONSTRAINT services/details.yaml#/ingress',
      'error MESH_UNSUPPORTED_FEATURE services/reviews.yaml#/routes/0/retries/on/1',
    ]);
    const old = makeEnvironment({ mesh: { type: 'linkerd', version: '2.15' } });
    expect(linkerd.emit(old, CTX).diagnostics.map(show)).toEqual([
      'error MESH_CONSTRAINT environments/test.yaml#/mesh/version',
    ]);
  });

  it('capabilities become diagnostics at the spec positions (mtls off, tracing before 2.19)', () => {
    const env = makeEnvironment({
      mesh: {
        type: 'linkerd',
        version: '2.18',
        mtls: 'off',
        observability: {
          metrics: 'none',
          dashboards: false,
          tracing: { provider: 'opentelemetry', host: 'otel.observability', port: 4317, sampling: 1 },
        },
      },
    });
    const found: string[] = [];
    checkCapabilities(env, linkerd, (d) => found.push(`${d.severity} ${d.code} ${d.pointer} ${d.message}`));
    expect(found).toEqual([
      'error MESH_UNSUPPORTED_FEATURE /spec/mesh/mtls Linkerd cannot express mesh-wide mTLS: off (environment test): mTLS between meshed pods is always on in Linkerd.',
      'error MESH_UNSUPPORTED_FEATURE /spec/mesh/observability/tracing Linkerd cannot express distributed tracing (environment test): needs Linkerd 2.19 or later.',
    ]);
  });
});

/**
 * The bookinfo example's `staging` environment (Linkerd 2.18) with this backend. What Linkerd refuses there is
 * listed; the example's overrides are expected to shrink it to nothing.
 */
const STAGING_REFUSALS: string[] = [];

describe('examples/bookinfo staging', () => {
  it('renders, except for what is listed as refused', async () => {
    const compiled = await compileDir(path.join(repoRoot, 'examples', 'bookinfo'), {
      environments: ['staging'],
    });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    const env = compiled.model!.environments.find((e) => e.name === 'staging')!;
    const capability: Diagnostic[] = [];
    checkCapabilities(env, linkerd, (d) => capability.push(d));
    expect(capability.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    const out = linkerd.emit(env, CTX);
    expect(out.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual(STAGING_REFUSALS);
    expect(out.charts.map((c) => `${c.name}@${c.version}`)).toEqual([
      'linkerd-crds@2025.4.4',
      'linkerd-control-plane@2025.4.4',
      // staging rolls details out with Flagger (rollouts.flagger), after the control plane.
      'flagger@1.44.0',
    ]);
  });
});
