import { describe, expect, it } from 'vitest';
import {
  bookinfoReviews,
  exposedProductpage,
  meshEnvironment,
  shopWeb,
} from '../../../test/helpers/backend-fixtures.ts';
import { caller, makeAccessRule, makeEnvironment, makeService } from '../../../test/helpers/model-factory.ts';
import { FEATURES } from '../features.ts';
import { ISTIO_CAPABILITIES } from './capabilities.ts';
import { istio } from './index.ts';

const CTX = { toolVersion: '0.1.0' };

const reviews = bookinfoReviews({
  access: [makeAccessRule({ from: [caller('bookinfo/productpage')] })],
  mtls: 'permissive',
  mtlsOverride: true,
});
const productpage = exposedProductpage({
  kubernetesService: 'external',
  access: [makeAccessRule({ from: [caller('bookinfo/reviews')], methods: ['GET'], paths: ['/productpage'] })],
});
const web = shopWeb();

const full = meshEnvironment('istio', { services: [productpage, reviews, web] });

const ids = (objs: readonly { kind: string; metadata: { name: string } }[] | undefined) =>
  (objs ?? []).map((o) => `${o.kind}/${o.metadata.name}`);

describe('istio backend', () => {
  it('describes itself', () => {
    expect(istio).toMatchObject({ mesh: 'istio', minVersion: '1.22', systemNamespace: 'istio-system' });
  });

  it('declares a capability for every feature: exact, except fault with timeout/retries, routed ingress and Vault trust', () => {
    expect(Object.keys(ISTIO_CAPABILITIES).sort()).toEqual(FEATURES.map((f) => f.id).sort());
    // Vault (Consul's CA provider) and the App Mesh trust sources (SPIRE over SDS, mounted files, ACM): istiod is
    // the mesh CA.
    const unsupported = Object.entries(ISTIO_CAPABILITIES).filter(([, c]) => c.support === 'unsupported');
    expect(unsupported.map(([id]) => id).sort()).toEqual([
      'mesh.trust.acm',
      'mesh.trust.file',
      'mesh.trust.sds',
      'mesh.trust.vault',
    ]);
    for (const [id, c] of unsupported) expect(c.note, id).toBeTruthy();
    const approximate = Object.entries(ISTIO_CAPABILITIES).filter(([, c]) => c.support === 'approximate');
    expect(approximate.map(([id]) => id).sort()).toEqual([
      'ingress.routed',
      'rollout.ingress',
      'route.fault.withTimeoutOrRetries',
    ]);
    expect(approximate.filter(([id]) => id !== 'ingress.routed' && id !== 'rollout.ingress')).toEqual([
      [
        'route.fault.withTimeoutOrRetries',
        {
          support: 'approximate',
          note: "the timeout and retries are kept, but the fault is injected before routing: an aborted request is answered by the caller's sidecar and never retried, and an injected delay does not count against the timeout or perTryTimeout",
        },
      ],
    ]);
  });

  it('emits the objects of each application namespace', () => {
    const out = istio.emit(full, CTX);
    expect([...out.namespaces.keys()]).toEqual(['bookinfo', 'shop']);
    expect(ids(out.namespaces.get('bookinfo'))).toEqual([
      'Namespace/bookinfo',
      'AuthorizationPolicy/productpage',
      'HTTPRoute/productpage-ingress',
      'Service/reviews',
      'DestinationRule/reviews',
      'VirtualService/reviews',
      'PeerAuthentication/reviews',
      'AuthorizationPolicy/reviews',
    ]);
    expect(ids(out.namespaces.get('shop'))).toEqual(['Namespace/shop', 'Service/web']);
    expect(out.namespaces.get('bookinfo')?.[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'bookinfo',
        labels: { 'istio-injection': 'enabled', 'app.kubernetes.io/managed-by': 'meshc' },
      },
    });
  });

  it('allows the Gateway API ingress gateway what the access rules allow, no more', () => {
    const ap = istio.emit(full, CTX).namespaces.get('bookinfo')?.[1];
    const operation = { methods: ['GET'], paths: ['/productpage'] };
    expect(ap?.spec).toEqual({
      selector: { matchLabels: { app: 'productpage' } },
      action: 'ALLOW',
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/reviews'] } }], to: [{ operation }] },
        {
          from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/meshc-ingress-istio'] } }],
          to: [{ operation }],
        },
      ],
    });
  });

  it('access: [] on an exposed service: closed through the ingress too, with a warning at ingress', () => {
    const closed = makeService({ ...productpage, access: [] });
    const out = istio.emit(makeEnvironment({ ...full, services: [closed, reviews, web] }), CTX);
    expect(out.namespaces.get('bookinfo')?.[1]?.spec).not.toHaveProperty('rules');
    expect(out.diagnostics.map((d) => [d.code, d.severity, d.location?.file])).toEqual([
      ['MESH_INGRESS_UNREACHABLE', 'warning', 'services/productpage.yaml#/ingress'],
    ]);
  });

  it('emits the mesh-wide objects and the charts', () => {
    const out = istio.emit(full, CTX);
    // istiod reads cacerts when it starts: the Certificate (and its namespace) come before the charts.
    expect(ids([...(out.prerequisites ?? [])])).toEqual(['Namespace/istio-system', 'Certificate/cacerts']);
    expect(ids(out.system)).toEqual([
      'PeerAuthentication/default',
      'Namespace/istio-ingress',
      'Gateway/meshc-ingress',
      'PodMonitor/envoy-stats-monitor',
      'ServiceMonitor/istio-component-monitor',
      'GrafanaDashboard/istio-mesh',
      'GrafanaDashboard/istio-service',
      'GrafanaDashboard/istio-workload',
      'GrafanaDashboard/istio-performance',
      'GrafanaDashboard/istio-control-plane',
      'Telemetry/mesh-default',
    ]);
    expect(out.charts.map((c) => c.name)).toEqual(['istio-base', 'istiod']);
    expect(out.diagnostics).toEqual([]);
  });

  it('a minimal environment: namespace, root services and the mesh-wide PeerAuthentication', () => {
    const out = istio.emit(makeEnvironment({ services: [web], mesh: { mtls: 'off' } }), CTX);
    expect(ids(out.namespaces.get('shop'))).toEqual(['Namespace/shop', 'Service/web']);
    expect(out.system).toEqual([
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: {
          name: 'default',
          namespace: 'istio-system',
          labels: { 'app.kubernetes.io/managed-by': 'meshc' },
        },
        spec: { mtls: { mode: 'DISABLE' } },
      },
    ]);
    expect(out.charts).toEqual([]);
    expect(out.diagnostics).toEqual([]);
  });

  it('collects the diagnostics of the environment and of ingress', () => {
    const env = makeEnvironment({
      services: [productpage],
      mesh: { version: '1.21', trust: { type: 'existing-secret', name: 'istio-ca' } },
    });
    const out = istio.emit(env, CTX);
    expect(out.diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['MESH_CONSTRAINT', 'environments/test.yaml#/mesh/version'],
      ['MESH_CONSTRAINT', 'environments/test.yaml#/mesh/trust/existingSecret/name'],
      ['MESH_CONSTRAINT', 'services/productpage.yaml#/ingress'],
    ]);
    // No ingress objects, and no gateway principal in the policy, without mesh.ingress.
    expect(ids(out.namespaces.get('bookinfo'))).toEqual([
      'Namespace/bookinfo',
      'AuthorizationPolicy/productpage',
    ]);
    expect(JSON.stringify(out.namespaces.get('bookinfo')?.[1]?.spec)).not.toContain('istio-ingress');
  });

  it('tracing without mesh.install: an error, and no Telemetry naming a provider that would not exist', () => {
    const out = istio.emit(makeEnvironment({ ...full, mesh: { ...full.mesh, install: undefined } }), CTX);
    expect(out.system.map((o) => o.kind)).not.toContain('Telemetry');
    expect(out.charts).toEqual([]);
    expect(out.diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['MESH_CONSTRAINT', 'environments/test.yaml#/mesh/observability/tracing'],
    ]);
  });

  it('is deterministic and does not depend on the context', () => {
    const a = istio.emit(full, CTX);
    const b = istio.emit(full, { toolVersion: '9.9.9' });
    expect(JSON.stringify([...a.namespaces], null, 0)).toBe(JSON.stringify([...b.namespaces], null, 0));
    expect(a.system).toEqual(b.system);
    expect(JSON.stringify(a)).not.toContain('0.1.0');
    expect(JSON.stringify([...a.namespaces.values(), a.system])).not.toContain(full.name);
  });
});
