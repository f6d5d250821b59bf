import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import type { SourcedObject } from '../core/import-types.ts';
import { ISTIO_OVERLAPS } from '../backends/istio/overlaps.ts';
import { LINKERD_OVERLAPS } from '../backends/linkerd/overlaps.ts';
import { competes, computeDrift, hasDrift } from './drift.ts';

const live = (object: K8sObject, origin = 'dump.yaml:1'): SourcedObject => ({ object, origin });
const SCOPE = new Set([
  'Service',
  'networking.istio.io/VirtualService',
  'security.istio.io/AuthorizationPolicy',
  'gateway.networking.k8s.io/HTTPRoute',
  'policy.linkerd.io/HTTPRoute',
  'policy.linkerd.io/AuthorizationPolicy',
  'policy.linkerd.io/Server',
]);

const service: K8sObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'bookinfo', labels: { 'app.kubernetes.io/managed-by': 'meshc' } },
  spec: {
    ports: [{ name: 'http', port: 9080, protocol: 'TCP', targetPort: 9080, appProtocol: 'http' }],
    selector: { app: 'reviews' },
  },
};

const vs = (name: string, hosts: string[], weight = 90, extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'bookinfo' },
  spec: {
    hosts,
    http: [{ route: [{ destination: { host: hosts[0], subset: 'v1' }, weight }], ...extra }],
  },
});

describe('computeDrift', () => {
  it('what the API server and controllers add is never drift', () => {
    const served: K8sObject = {
      ...service,
      metadata: {
        ...service.metadata,
        labels: { ...service.metadata.labels, 'kustomize.toolkit.fluxcd.io/name': 'prod-bookinfo' },
        annotations: { 'meshc.dev/note': 'x' },
      },
      spec: {
        // Reordered keys, the default `type` and `sessionAffinity`, and server-assigned IPs.
        selector: { app: 'reviews' },
        ports: [{ appProtocol: 'http', name: 'http', port: 9080, protocol: 'TCP', targetPort: 9080 }],
        clusterIP: '10.96.1.2',
        clusterIPs: ['10.96.1.2'],
        type: 'ClusterIP',
        sessionAffinity: 'None',
      },
    };
    const r = computeDrift({ rendered: [service], live: [live(served)], scope: SCOPE, overlaps: [] });
    expect(r).toEqual({
      missing: [],
      changed: [],
      overlaps: [],
      leftovers: [],
      inSync: 1,
      notCompared: {},
      kinds: [{ kind: 'Service', compared: 1, notCompared: 0, live: 1 }],
    });
    expect(hasDrift(r)).toBe(false);
  });

  it('HTTPRoute defaults filled by the API server (backendRef group, kind, weight) are not drift', () => {
    const route: K8sObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
        rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080 }] }],
      },
    };
    const served = {
      ...route,
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
        rules: [{ backendRefs: [{ group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 1 }] }],
      },
    };
    const r = computeDrift({ rendered: [route], live: [live(served)], scope: SCOPE, overlaps: [] });
    expect(r.changed).toEqual([]);
    expect(r.inSync).toBe(1);
  });

  it('changed: each field meshc sets that differs or is gone, with its path; a list of another length as a whole', () => {
    const rendered = vs('reviews', ['reviews.bookinfo.svc.cluster.local'], 90, { timeout: '10s' });
    const changed = vs('reviews', ['reviews.bookinfo.svc.cluster.local'], 50);
    const r = computeDrift({
      rendered: [rendered, service],
      live: [live(changed, 'c:1'), live({ ...service, spec: { ...(service.spec as object), ports: [] } })],
      scope: SCOPE,
      overlaps: [],
    });
    expect(r.changed).toEqual([
      {
        object: { apiVersion: 'v1', kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
        origin: 'dump.yaml:1',
        // As the diff's noise filter leaves it (`protocol: TCP` is the default); an empty list is no list.
        fields: [
          {
            path: 'spec.ports',
            rendered: [{ appProtocol: 'http', name: 'http', port: 9080, targetPort: 9080 }],
          },
        ],
      },
      {
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'bookinfo',
          name: 'reviews',
        },
        origin: 'c:1',
        fields: [
          { path: 'spec.http[0].route[0].weight', rendered: 90, live: 50 },
          { path: 'spec.http[0].timeout', rendered: '10s' },
        ],
      },
    ]);
  });

  it('matches on group, kind, namespace and name, not on the version the server answered in', () => {
    const rendered = vs('reviews', ['reviews.bookinfo.svc.cluster.local']);
    const r = computeDrift({
      rendered: [rendered],
      live: [live({ ...rendered, apiVersion: 'networking.istio.io/v1beta1' })],
      scope: SCOPE,
      overlaps: [],
    });
    expect(r.inSync).toBe(1);
    expect(hasDrift(r)).toBe(false);
  });

  it('missing: rendered and not live; kinds outside the scope are counted, not missing', () => {
    const cert: K8sObject = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'ca', namespace: 'istio-system' },
    };
    const r = computeDrift({
      rendered: [service, cert, vs('reviews', ['reviews'])],
      live: [live(service)],
      scope: SCOPE,
      overlaps: [],
    });
    expect(r.missing).toEqual([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        namespace: 'bookinfo',
        name: 'reviews',
      },
    ]);
    expect(r.notCompared).toEqual({ 'cert-manager.io/Certificate': 1 });
    // Per kind: compared or not, and why (the VirtualService is missing because none is live at all).
    expect(r.kinds).toEqual([
      { kind: 'Service', compared: 1, notCompared: 0, live: 1 },
      { kind: 'cert-manager.io/Certificate', compared: 0, notCompared: 1, live: 0, reason: 'not-compared' },
      {
        kind: 'networking.istio.io/VirtualService',
        compared: 1,
        notCompared: 0,
        live: 0,
        reason: 'no-live-objects',
      },
    ]);
  });

  it('unmanaged overlap: a live VirtualService for the same host (short name), not one for another host', () => {
    const ours = vs('reviews', ['reviews.bookinfo.svc.cluster.local']);
    const theirs = vs('reviews-canary', ['reviews']);
    const elsewhere = vs('ratings', ['ratings']);
    const gatewayOnly = {
      ...vs('reviews-edge', ['reviews']),
      spec: { hosts: ['reviews'], gateways: ['istio-ingress/public'] },
    };
    const r = computeDrift({
      rendered: [ours],
      live: [
        live(ours),
        live(theirs, 'cluster c: bookinfo/VirtualService/reviews-canary'),
        live(elsewhere),
        live(gatewayOnly),
      ],
      scope: SCOPE,
      overlaps: ISTIO_OVERLAPS,
    });
    expect(r.overlaps).toEqual([
      {
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'bookinfo',
          name: 'reviews-canary',
        },
        origin: 'cluster c: bookinfo/VirtualService/reviews-canary',
        with: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'bookinfo',
          name: 'reviews',
        },
        claim: 'the same host: host reviews.bookinfo.svc.cluster.local on mesh',
      },
    ]);
  });

  it('unmanaged overlap of policies: selectors that can pick the same pods, and namespace-wide ones', () => {
    const ap = (name: string, labels?: Record<string, string>): K8sObject => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: 'bookinfo' },
      spec: { action: 'ALLOW', ...(labels ? { selector: { matchLabels: labels } } : {}), rules: [{}] },
    });
    const ours = ap('reviews', { app: 'reviews' });
    const r = computeDrift({
      rendered: [ours],
      live: [
        live(ours),
        live(ap('reviews-v2', { app: 'reviews', version: 'v2' })),
        live(ap('everything')),
        live(ap('ratings', { app: 'ratings' })),
      ],
      scope: SCOPE,
      overlaps: ISTIO_OVERLAPS,
    });
    expect(r.overlaps.map((o) => `${o.object.name}: ${o.claim}`)).toEqual([
      'everything: the same workloads: workloads in namespace bookinfo (app=reviews)',
      'reviews-v2: the same workloads: workloads in namespace bookinfo (app=reviews)',
    ]);
  });

  it('Linkerd: a policy.linkerd.io HTTPRoute competes with a Gateway API one on the same Service parent', () => {
    const route = (apiVersion: string, name: string, parent: Record<string, unknown>): K8sObject => ({
      apiVersion,
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'bookinfo' },
      spec: { parentRefs: [parent], rules: [{}] },
    });
    const ours = route('gateway.networking.k8s.io/v1', 'reviews', {
      group: '',
      kind: 'Service',
      name: 'reviews',
      port: 9080,
    });
    const r = computeDrift({
      rendered: [ours],
      live: [
        live(ours),
        live(
          route('policy.linkerd.io/v1beta3', 'by-hand', { group: 'core', kind: 'Service', name: 'reviews' }),
        ),
        live(route('gateway.networking.k8s.io/v1', 'other', { group: '', kind: 'Service', name: 'ratings' })),
      ],
      scope: SCOPE,
      overlaps: LINKERD_OVERLAPS,
    });
    expect(r.overlaps.map((o) => `${o.object.name} ${o.claim}`)).toEqual([
      'by-hand the same parent: Service bookinfo/reviews',
    ]);
  });
});

describe('leftovers: live objects of meshc that the render no longer has', () => {
  const MANAGED = { 'app.kubernetes.io/managed-by': 'meshc' };
  const old = (name: string, meta: Record<string, unknown> = {}, namespace = 'bookinfo'): K8sObject => {
    const o = vs(name, [`${name}.${namespace}.svc.cluster.local`]);
    return { ...o, metadata: { ...o.metadata, namespace, labels: { ...MANAGED }, ...meta } };
  };
  const argoApp = (name: string): K8sObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
  });
  const fluxKs = (name: string): K8sObject => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
  });
  const names = (r: ReturnType<typeof computeDrift>) =>
    r.leftovers.map((l) => `${l.object.name}: ${l.reason}`);

  it('applied by one of the Applications or Kustomizations the environment renders, with no overlap', () => {
    const ours = vs('reviews', ['reviews.bookinfo.svc.cluster.local']);
    const r = computeDrift({
      rendered: [ours, argoApp('prod-bookinfo'), fluxKs('prod-bookinfo')],
      live: [
        live(ours),
        live(
          old('ratings', {
            annotations: {
              'argocd.argoproj.io/tracking-id':
                'prod-bookinfo:networking.istio.io/VirtualService:bookinfo/ratings',
            },
          }),
          'c:ratings',
        ),
        live(old('details', { labels: { ...MANAGED, 'app.kubernetes.io/instance': 'prod-bookinfo' } })),
        live(
          old('payments', {
            labels: {
              ...MANAGED,
              'kustomize.toolkit.fluxcd.io/name': 'prod-bookinfo',
              'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
            },
          }),
        ),
      ],
      scope: SCOPE,
      overlaps: ISTIO_OVERLAPS,
    });
    expect(r.overlaps).toEqual([]);
    expect(names(r)).toEqual([
      'details: applied by Argo CD Application argocd/prod-bookinfo, which the environment renders',
      'payments: applied by Flux Kustomization flux-system/prod-bookinfo, which the environment renders',
      'ratings: applied by Argo CD Application argocd/prod-bookinfo, which the environment renders',
    ]);
    expect(r.leftovers.find((l) => l.object.name === 'ratings')?.origin).toBe('c:ratings');
    expect(hasDrift(r)).toBe(true);
  });

  it("never another environment's: another Application or Kustomization, or no mark outside the environment's own namespaces", () => {
    const r = computeDrift({
      rendered: [argoApp('prod-bookinfo'), old('reviews')],
      live: [
        live(old('reviews')),
        live(old('staging', { labels: { ...MANAGED, 'app.kubernetes.io/instance': 'staging-bookinfo' } })),
        // Marked by one of ours and by another: not known to be ours.
        live(
          old('mixed', {
            labels: { ...MANAGED, 'app.kubernetes.io/instance': 'prod-bookinfo' },
            annotations: {
              'argocd.argoproj.io/tracking-id':
                'staging-bookinfo:networking.istio.io/VirtualService:bookinfo/mixed',
            },
          }),
        ),
        // No mark, in the mesh's namespace (shared by the environments of a cluster) or in one the render has nothing in.
        live(old('mesh-wide', {}, 'istio-system')),
        live(old('elsewhere', {}, 'payments')),
      ],
      scope: SCOPE,
      overlaps: [],
      ownNamespaces: new Set(['bookinfo']),
    });
    expect(r.leftovers).toEqual([]);
    expect(hasDrift(r)).toBe(false);
  });

  it("without a mark, in a namespace only this environment deploys to (a render applied by hand); not someone else's object, nor a Namespace, nor a kind not compared", () => {
    const ns: K8sObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'old-ns', labels: { ...MANAGED } },
    };
    const cert: K8sObject = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'old', namespace: 'bookinfo', labels: { ...MANAGED } },
    };
    const r = computeDrift({
      rendered: [old('reviews')],
      live: [
        live(old('reviews')),
        live(old('by-hand'), 'dump.yaml:9'),
        live({ ...old('theirs'), metadata: { name: 'theirs', namespace: 'bookinfo' } }),
        live(ns),
        live(cert),
      ],
      scope: new Set([...SCOPE, 'Namespace']),
      overlaps: [],
      ownNamespaces: new Set(['bookinfo']),
    });
    expect(r.leftovers).toEqual([
      {
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          namespace: 'bookinfo',
          name: 'by-hand',
        },
        origin: 'dump.yaml:9',
        reason:
          'in namespace bookinfo, which only this environment deploys to, and no GitOps engine marks it (applied by hand)',
      },
    ]);
    // Without the environment's own namespaces, an object no engine marks is not known to be its own.
    expect(
      computeDrift({ rendered: [old('reviews')], live: [live(old('by-hand'))], scope: SCOPE, overlaps: [] })
        .leftovers,
    ).toEqual([]);
  });

  it("Argo CD's marks as argocd-cm sets them: the instance label key, and the mark the tracking method reads", () => {
    const KEY = 'argocd.argoproj.io/instance';
    const annotated = (app: string, name: string) => ({
      'argocd.argoproj.io/tracking-id': `${app}:networking.istio.io/VirtualService:istio-system/${name}`,
    });
    const objects = [
      // The installation's own label, in a namespace the environments of a cluster share.
      old('custom', { labels: { ...MANAGED, [KEY]: 'prod-mesh-system' } }, 'istio-system'),
      // Argo CD's default label names another Application (a Helm chart's instance label, say).
      old(
        'helm',
        { labels: { ...MANAGED, 'app.kubernetes.io/instance': 'istio-base', [KEY]: 'prod-mesh-system' } },
        'istio-system',
      ),
      // annotation+label: the label is informational, cut to 63 characters; the annotation decides.
      old(
        'cut',
        {
          labels: { ...MANAGED, [KEY]: 'prod-mesh-sys' },
          annotations: annotated('prod-mesh-system', 'cut'),
        },
        'istio-system',
      ),
    ];
    const run = (argocd?: Parameters<typeof computeDrift>[0]['argocd']) =>
      names(
        computeDrift({
          rendered: [argoApp('prod-mesh-system'), old('reviews', {}, 'istio-system')],
          live: objects.map((o) => live(o)),
          scope: SCOPE,
          overlaps: [],
          ...(argocd ? { argocd } : {}),
        }),
      ).map((n) => n.split(':')[0]);
    // Argo CD's defaults, the method not known: the custom label is no mark (only the annotation of `cut`).
    expect(run()).toEqual(['cut']);
    // The key known, the method not: every mark must be ours (`cut`'s label is cut short, so it is not).
    expect(run({ instanceLabelKey: KEY })).toEqual(['custom', 'helm']);
    expect(run({ instanceLabelKey: KEY, method: 'label' })).toEqual(['custom', 'helm']);
    expect(run({ instanceLabelKey: KEY, method: 'annotation+label' })).toEqual(['custom', 'cut', 'helm']);
    // By annotation, the label counts only without one: an object applied before the method changed.
    expect(run({ instanceLabelKey: KEY, method: 'annotation' })).toEqual(['custom', 'cut', 'helm']);
    expect(run({ instanceLabelKey: 'app.kubernetes.io/instance', method: 'annotation' })).toEqual(['cut']);
  });

  it('a leftover that competes with a rendered object is reported as both', () => {
    const ours = vs('reviews', ['reviews.bookinfo.svc.cluster.local']);
    const r = computeDrift({
      rendered: [ours],
      live: [live(ours), live({ ...old('reviews-old'), spec: ours.spec })],
      scope: SCOPE,
      overlaps: ISTIO_OVERLAPS,
      ownNamespaces: new Set(['bookinfo']),
    });
    expect(r.overlaps.map((o) => o.object.name)).toEqual(['reviews-old']);
    expect(r.leftovers.map((l) => l.object.name)).toEqual(['reviews-old']);
  });
});

describe('competes', () => {
  it('same key; selectors compete unless they require different values of one label', () => {
    expect(competes({ key: 'a' }, { key: 'b' })).toBe(false);
    expect(competes({ key: 'a' }, { key: 'a', selector: { app: 'x' } })).toBe(true);
    expect(competes({ key: 'a', selector: { app: 'x' } }, { key: 'a', selector: { app: 'x', v: '1' } })).toBe(
      true,
    );
    expect(
      competes({ key: 'a', selector: { app: 'x', v: '2' } }, { key: 'a', selector: { app: 'x', v: '1' } }),
    ).toBe(false);
    expect(competes({ key: 'a', selector: { app: 'x' } }, { key: 'a', selector: { tier: 'web' } })).toBe(
      true,
    );
  });
});
