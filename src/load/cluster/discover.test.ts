import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { meshDiscoveries } from '../../backends/registry.ts';
import { discoverFromObjects, discoverMeshes, injectedNamespaces, splitImage } from './discover.ts';

/** The meshes the registry's backends declare: the data discovery runs on in meshc. */
const MESHES = meshDiscoveries();

const workload = (
  kind: string,
  namespace: string,
  name: string,
  image: string,
  template: object = {},
): K8sObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace },
  spec: { template: { ...template, spec: { containers: [{ name: 'c', image }] } } },
});

describe('image tags', () => {
  it('splits repository and tag, past a registry port and a digest', () => {
    expect(splitImage('docker.io/istio/pilot:1.24.2')).toEqual({
      repo: 'docker.io/istio/pilot',
      tag: '1.24.2',
    });
    expect(splitImage('registry:5000/istio/pilot')).toEqual({ repo: 'registry:5000/istio/pilot' });
    expect(splitImage('registry:5000/istio/pilot:1.23.1-distroless@sha256:abc')).toEqual({
      repo: 'registry:5000/istio/pilot',
      tag: '1.23.1-distroless',
    });
  });
});

describe('discoverMeshes', () => {
  it('a mesh from its control plane alone, the oldest of several revisions', () => {
    const r = discoverMeshes(MESHES, new Map(), [
      workload('Deployment', 'istio-system', 'istiod-1-24', 'docker.io/istio/pilot:1.24.1'),
      workload('Deployment', 'istio-system', 'istiod-1-23', 'docker.io/istio/pilot:1.23.4'),
      // A gateway runs proxyv2, not pilot: no control plane.
      workload('Deployment', 'istio-ingress', 'istiod-gateway', 'docker.io/istio/proxyv2:1.22.0'),
    ]);
    expect(r.meshes.map((m) => [m.type, m.version])).toEqual([['istio', '1.23']]);
    expect(r.diagnostics).toEqual([]);
  });

  it('CRDs without a control plane: the mesh, no version, and a warning saying why', () => {
    const found = discoverMeshes(MESHES, new Map([['appmesh.k8s.aws', 'v1beta2']]), []);
    expect(found.meshes).toEqual([{ type: 'appmesh', evidence: ['CRD group appmesh.k8s.aws (v1beta2)'] }]);
    expect(found.diagnostics.map((d) => d.code)).toEqual(['CLUSTER_MESH_VERSION_UNKNOWN']);
    expect(found.diagnostics[0]!.message).toContain('no App Mesh control plane was found');
    const unlisted = discoverMeshes(MESHES, new Map([['consul.hashicorp.com', 'v1alpha1']]), [], false);
    expect(unlisted.diagnostics[0]!.message).toContain('could not be listed');
  });

  it('a tag that is no release: no version', () => {
    const r = discoverMeshes(MESHES, new Map(), [
      workload(
        'Deployment',
        'appmesh-system',
        'appmesh-controller',
        'example.com/amazon/appmesh-controller:latest',
      ),
    ]);
    expect(r.meshes.map((m) => m.version)).toEqual([undefined]);
    expect(r.diagnostics[0]!.message).toContain('no release version can be read from its image tag');
  });

  it('Consul with external servers: its version from the consul-k8s release of the injector', () => {
    const r = discoverMeshes(MESHES, new Map(), [
      workload('Deployment', 'consul', 'consul-connect-injector', 'hashicorp/consul-k8s-control-plane:1.4.2'),
    ]);
    expect(r.meshes.map((m) => [m.type, m.version])).toEqual([['consul', '1.18']]);
  });
});

describe('injectedNamespaces', () => {
  const ns = (
    name: string,
    labels: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels, annotations },
  });
  it('namespace labels and annotations of each mesh, and pod templates', () => {
    expect(
      injectedNamespaces(
        MESHES,
        [
          ns('a', { 'istio-injection': 'enabled' }),
          ns('b', { 'istio.io/rev': 'canary' }),
          ns('c', { 'istio.io/rev': 'canary', 'istio-injection': 'disabled' }),
          ns('d', {}, { 'linkerd.io/inject': 'enabled' }),
          ns('e', { 'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled' }),
          ns('f', { 'linkerd.io/inject': 'enabled' }),
          ns('g'),
        ],
        [
          workload('Deployment', 'h', 'api', 'x', {
            metadata: { annotations: { 'consul.hashicorp.com/connect-inject': 'true' } },
          }),
          workload('Deployment', 'i', 'api', 'x', {
            metadata: { labels: { 'sidecar.istio.io/inject': 'true' } },
          }),
          workload('StatefulSet', 'j', 'db', 'x', {
            metadata: { annotations: { 'linkerd.io/inject': 'enabled' } },
          }),
          workload('Deployment', 'k', 'api', 'x', {
            metadata: { annotations: { 'consul.hashicorp.com/connect-inject': 'false' } },
          }),
        ],
      ),
    ).toEqual(['a', 'b', 'd', 'e', 'h', 'i', 'j']);
  });
});

describe('discoverFromObjects', () => {
  it('the meshes named by manifest objects, with the version of a control plane among them', () => {
    const objects: K8sObject[] = [
      { apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'VirtualNode', metadata: { name: 'a', namespace: 'n' } },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'b', namespace: 'n' },
      },
      workload('Deployment', 'istio-system', 'istiod', 'docker.io/istio/pilot:1.25.0'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'n' } },
    ];
    expect(discoverFromObjects(MESHES, objects).map((m) => [m.type, m.version, m.evidence[0]])).toEqual([
      ['istio', '1.25', 'CRD group networking.istio.io (v1)'],
      ['appmesh', undefined, 'CRD group appmesh.k8s.aws (v1beta2)'],
    ]);
    expect(discoverFromObjects(MESHES, [])).toEqual([]);
  });
});
