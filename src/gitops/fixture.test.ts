/**
 * Hand-built inputs for the gitops tests (tree.test.ts, test/gitops-kustomize.test.ts). A `.test.ts` file so
 * the build leaves it out; its one test checks the fixture itself.
 */
import { describe, expect, it } from 'vitest';
import type { BackendOutput, ChartRelease } from '../backends/types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { DataPath, Location } from '../core/location.ts';
import type { GitOpsSettings, ObjectPatch, ResolvedEnvironment } from '../model/types.ts';
import type { EnvRender } from './tree.ts';
import { dummyLocation } from '../../test/helpers/model-factory.ts';

/** A fake origin: the file names the environment, `line` is unused; the path is kept for assertions. */
export function fakeOrigin(env: string): (path: DataPath) => Location {
  return (path) => dummyLocation(`envs/${env}.yaml#${path.join('.')}`);
}

export function env(
  name: string,
  cluster: string,
  gitops: Partial<GitOpsSettings> & { engine: 'flux' | 'argocd' },
  namespaces: string[],
  patches: readonly ObjectPatch[] = [],
): ResolvedEnvironment {
  return {
    name,
    cluster,
    mesh: {
      type: 'istio',
      version: '1.30',
      mtls: 'strict',
      trustDomain: 'cluster.local',
      observability: { metrics: 'none', dashboards: false },
    },
    gitops: {
      repo: 'https://github.com/acme/mesh-config.git',
      branch: 'main',
      path: 'rendered',
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc' },
      ...gitops,
    },
    namespaces,
    services: [],
    patches,
    spec: {},
    origin: fakeOrigin(name),
  };
}

export function ns(name: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'istio-injection': 'enabled' } },
  };
}

export function vs(namespace: string, name: string, weights: [number, number]): K8sObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, annotations: { 'meshc.dev/source': `services/${name}.yaml` } },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: name, subset: 'v1' }, weight: weights[0] },
            { destination: { host: name, subset: 'v2' }, weight: weights[1] },
          ],
        },
      ],
    },
  };
}

export function dr(namespace: string, name: string, extra: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: {
      host: name,
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
      trafficPolicy: { tls: {}, ...extra },
    },
  };
}

export function serviceEntry(namespace: string, name: string, port: number): K8sObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace },
    spec: {
      hosts: [name],
      location: 'MESH_EXTERNAL',
      ports: [{ name: 'https', number: port, protocol: 'TLS' }],
      resolution: 'DNS',
    },
  };
}

export function peerAuth(namespace: string, name: string, mode: string): K8sObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace },
    spec: { mtls: { mode } },
  };
}

export function systemObjects(): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
    peerAuth('istio-system', 'default', 'STRICT'),
    {
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'mesh-default', namespace: 'istio-system' },
      spec: { tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 10 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'meshc-notes', namespace: 'istio-system' },
      // Strings a careless YAML writer would turn into something else.
      data: { yes: 'yes', version: '1.30', octal: '0755', multi: 'line one\nline two\n', empty: '' },
    },
  ];
}

export const ISTIO_CHARTS: ChartRelease[] = [
  chart('istio-base', 'base', 'istio-system', [], { defaultRevision: 'default' }),
  chart('istiod', 'istiod', 'istio-system', ['istio-base'], { meshConfig: { enablePrometheusMerge: true } }),
  chart('istio-ingress', 'gateway', 'istio-ingress', ['istiod'], {}),
];

function chart(
  name: string,
  chartName: string,
  namespace: string,
  dependsOn: string[],
  values: Record<string, unknown>,
): ChartRelease {
  return {
    name,
    repoName: 'istio',
    repoUrl: 'https://istio-release.storage.googleapis.com/charts',
    chart: chartName,
    version: '1.30.3',
    namespace,
    values,
    dependsOn,
  };
}

export function output(
  namespaces: Record<string, K8sObject[]>,
  system: K8sObject[],
  charts: ChartRelease[] = [],
): BackendOutput {
  return {
    namespaces: new Map(Object.entries(namespaces).sort(([a], [b]) => (a < b ? -1 : 1))),
    system,
    charts,
    diagnostics: [],
  };
}

/**
 * Four environments:
 * - `dev` (Flux, cluster `dev-1`, charts): the base of istio/bookinfo and istio/shop;
 * - `prod` (Argo CD, cluster `prod-1`, charts): bookinfo with one differing VirtualService and ServiceEntry,
 *   one env-only PeerAuthentication, dev's `ratings` VirtualService missing, and an environment patch;
 * - `staging` (Flux, shares `dev-1` with dev, no charts): shop only, as dev renders it;
 * - `edge` (Argo CD, linkerd, no install): its own base linkerd/bookinfo.
 */
export function scenario(): EnvRender[] {
  const devBookinfo = [
    ns('bookinfo'),
    vs('bookinfo', 'reviews', [90, 10]),
    vs('bookinfo', 'ratings', [100, 0]),
    dr('bookinfo', 'reviews'),
    serviceEntry('bookinfo', 'api.example.com', 443),
    serviceEntry('bookinfo', 'apixexample.com', 443),
  ];
  const prodBookinfo = [
    ns('bookinfo'),
    vs('bookinfo', 'reviews', [50, 50]),
    dr('bookinfo', 'reviews'),
    serviceEntry('bookinfo', 'api.example.com', 8443),
    serviceEntry('bookinfo', 'apixexample.com', 443),
    peerAuth('bookinfo', 'reviews', 'STRICT'),
  ];
  const shop = [ns('shop'), dr('shop', 'cart', { loadBalancer: { simple: 'LEAST_REQUEST' } })];
  const prodPatches: ObjectPatch[] = [
    {
      index: 0,
      target: { kind: 'DestinationRule', name: 'reviews', namespace: 'bookinfo' },
      ops: [
        { op: 'add', path: '/metadata/labels', value: { 'team.acme.io/owner': 'reviews' } },
        { op: 'replace', path: '/spec/trafficPolicy/tls', value: { mode: 'ISTIO_MUTUAL' } },
      ],
    },
  ];
  const linkerdNs: K8sObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bookinfo', annotations: { 'linkerd.io/inject': 'enabled' } },
  };
  return [
    {
      env: env('prod', 'prod-1', { engine: 'argocd', path: '' }, ['bookinfo'], prodPatches),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ bookinfo: prodBookinfo }, systemObjects(), ISTIO_CHARTS),
    },
    {
      env: env('dev', 'dev-1', { engine: 'flux' }, ['bookinfo', 'shop']),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ bookinfo: devBookinfo, shop }, systemObjects(), ISTIO_CHARTS),
    },
    {
      env: env('staging', 'dev-1', { engine: 'flux' }, ['shop']),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ shop: shop.map((o) => structuredClone(o)) }, systemObjects()),
    },
    {
      env: {
        ...env('edge', 'edge-1', { engine: 'argocd', branch: 'release' }, ['bookinfo']),
        mesh: {
          type: 'linkerd',
          version: '2.18',
          mtls: 'strict',
          trustDomain: 'cluster.local',
          observability: { metrics: 'none', dashboards: false },
        },
      },
      mesh: 'linkerd',
      systemNamespace: 'linkerd',
      output: output(
        {
          bookinfo: [
            linkerdNs,
            {
              apiVersion: 'policy.linkerd.io/v1beta3',
              kind: 'Server',
              metadata: { name: 'reviews-http', namespace: 'bookinfo' },
              spec: { podSelector: { matchLabels: { app: 'reviews' } }, port: 'http' },
            },
          ],
        },
        [],
      ),
    },
  ];
}

describe('gitops fixture', () => {
  it('has four environments with distinct names', () => {
    const names = scenario().map((r) => r.env.name);
    expect(new Set(names).size).toBe(4);
  });
});
