/**
 * `readCluster` against the stand-in API server (test/helpers/kube-api-server.ts): recorded responses of
 * real clusters, reached through a kubeconfig file by @kubernetes/client-node. No Kubernetes API server runs
 * on the test machines.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { meshDiscoveries } from '../src/backends/registry.ts';
import { readCluster as readWith } from '../src/load/cluster/index.ts';
import type { ClusterRead, ReadClusterOptions } from '../src/load/cluster/index.ts';
import {
  canMakeCertificates,
  kubeconfigText,
  startKubeApiServer,
  type KubeApiServer,
  type StartOptions,
} from './helpers/kube-api-server.ts';
import { tempDir } from './helpers/spec-tree.ts';

/** `readCluster` looking for the meshes of the registry's backends, as `meshc drift --context` does. */
const readCluster = (options: Omit<ReadClusterOptions, 'discovery'>) =>
  readWith({ discovery: meshDiscoveries(), ...options });

const servers: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(scenario: string, options?: StartOptions): Promise<KubeApiServer> {
  const s = await startKubeApiServer(scenario, options);
  servers.push(s);
  return s;
}

async function read(scenario: string, options: Partial<ReadClusterOptions> = {}, start?: StartOptions) {
  const server = await serve(scenario, start);
  const result = await readCluster({ kubeconfig: server.kubeconfig, env: {}, ...options });
  return { server, result };
}

const ids = (r: ClusterRead) =>
  r.objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`);
const codes = (r: ClusterRead) => r.diagnostics.map((d) => `${d.severity} ${d.code}`);

describe('readCluster: an Istio cluster (bookinfo)', () => {
  it('finds Istio 1.24 from its CRD groups and the istiod image, and reads the injected namespace', async () => {
    const { result } = await read('istio-bookinfo');
    expect(result.diagnostics).toEqual([]);
    expect(result.context).toBe('kind-istio-bookinfo');
    expect(result.meshes).toEqual([
      {
        type: 'istio',
        version: '1.24',
        evidence: [
          'CRD group networking.istio.io (v1)',
          'CRD group security.istio.io (v1)',
          'CRD group telemetry.istio.io (v1)',
          'control plane Deployment istio-system/istiod (image docker.io/istio/pilot:1.24.2)',
        ],
      },
    ]);
    // `bookinfo` has istio-injection=enabled; `legacy` has no injection and is not read.
    expect(result.namespaces).toEqual(['bookinfo']);
    expect(ids(result)).toContain('VirtualService/bookinfo/reviews');
    expect(ids(result)).toContain('VirtualService/bookinfo/reviews-canary');
    expect(ids(result)).toContain('Deployment/bookinfo/reviews-v2');
    expect(ids(result)).toContain('ServiceAccount/bookinfo/bookinfo-reviews');
    expect(ids(result)).toContain('Namespace//bookinfo');
    expect(ids(result).some((id) => id.includes('/legacy/') || id.includes('istio-system'))).toBe(false);
  });

  it('hands objects on without what the server adds, with apiVersion and kind on typed list items', async () => {
    const { result } = await read('istio-bookinfo');
    const svc = result.objects.find(
      (o) => o.object.kind === 'Service' && o.object.metadata.name === 'reviews',
    )!;
    expect(svc.object.apiVersion).toBe('v1');
    expect(svc.origin).toBe('cluster kind-istio-bookinfo: bookinfo/Service/reviews');
    expect(svc.location).toBeUndefined();
    for (const { object } of result.objects) {
      expect(object.status).toBeUndefined();
      for (const f of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'])
        expect(object.metadata[f], `${object.kind}/${object.metadata.name} ${f}`).toBeUndefined();
      expect(
        object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
      ).toBeUndefined();
    }
    // What the user wrote stays, defaults the server filled in included (drift ignores those itself).
    const canary = result.objects.find((o) => o.object.metadata.name === 'reviews-canary')!.object;
    expect(canary.spec).toEqual({
      hosts: ['reviews'],
      http: [
        {
          match: [{ headers: { 'end-user': { exact: 'jason' } } }],
          route: [{ destination: { host: 'reviews', subset: 'v2' } }],
        },
      ],
    });
    expect((svc.object.spec as { sessionAffinity?: string }).sessionAffinity).toBe('None');
  });

  it('only ever sends GET requests, and pages every list with limit and continue', async () => {
    const { server, result } = await read('istio-bookinfo', { pageSize: 2 });
    expect(result.diagnostics).toEqual([]);
    expect(server.requests.every((r) => r.startsWith('GET '))).toBe(true);
    // 5 Deployments in bookinfo are listed cluster-wide (7 in all) in pages of 2: four requests.
    const deployments = server.requests.filter((r) => r.startsWith('GET /apis/apps/v1/deployments?'));
    expect(deployments).toHaveLength(4);
    expect(deployments.slice(1).every((r) => r.includes('continue='))).toBe(true);
    expect(result.objects.filter((o) => o.object.kind === 'Deployment')).toHaveLength(5);
    // The same objects as one unpaged read.
    const whole = await readCluster({ kubeconfig: server.kubeconfig, env: {} });
    expect(ids(result)).toEqual(ids(whole));
  });

  it('reads the namespaces asked for instead of the injected ones', async () => {
    const { result } = await read('istio-bookinfo', { namespaces: ['legacy'] });
    expect(result.namespaces).toEqual(['legacy']);
    expect(ids(result)).toEqual(['Namespace//legacy', 'Service/legacy/billing', 'Deployment/legacy/billing']);
  });

  it('takes the kubeconfig from KUBECONFIG and the context from --context', async () => {
    const server = await serve('istio-bookinfo');
    const dir = await tempDir();
    const other = path.join(dir, 'other');
    // Another cluster and user under other names (a name both files define is the first file's, as kubectl
    // merges them).
    await writeFile(
      other,
      kubeconfigText('http://127.0.0.1:9', 'elsewhere', 'x').replace(/test-(cluster|reader)/g, 'other-$1'),
    );
    const result = await readCluster({
      env: { KUBECONFIG: [other, server.kubeconfig].join(path.delimiter) },
      context: 'kind-istio-bookinfo',
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes.map((m) => m.type)).toEqual(['istio']);
  });
});

// The certificates are made with openssl at test time (nothing is committed); without openssl, skipped.
describe.skipIf(!canMakeCertificates())('readCluster over TLS, as a real kubeconfig has it', () => {
  it('verifies the server with the certificate-authority-data of the kubeconfig', async () => {
    const { server, result } = await read('istio-bookinfo', {}, { tls: true });
    expect(server.url).toMatch(/^https:/);
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes.map((m) => [m.type, m.version])).toEqual([['istio', '1.24']]);
  });

  it('a certificate-authority file named relative to the kubeconfig is found beside it, as kubectl finds it', async () => {
    const server = await serve('istio-bookinfo', { tls: true });
    const text = await readFile(server.kubeconfig, 'utf8');
    const data = /certificate-authority-data: (\S+)/.exec(text)![1]!;
    const dir = await tempDir();
    await writeFile(path.join(dir, 'ca.crt'), Buffer.from(data, 'base64'));
    const file = path.join(dir, 'config');
    await writeFile(file, text.replace(/certificate-authority-data: \S+/, 'certificate-authority: ca.crt'));
    const result = await readCluster({ kubeconfig: file, env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes.map((m) => m.type)).toEqual(['istio']);
  });

  it('a server whose certificate the kubeconfig CA did not sign: CLUSTER_UNREACHABLE, nothing read', async () => {
    const { result } = await read('istio-bookinfo', {}, { tls: 'wrong-ca' });
    expect(codes(result)).toEqual(['error CLUSTER_UNREACHABLE']);
    expect(result.diagnostics[0]!.message).toMatch(/certificate/i);
    expect(result.objects).toEqual([]);
  });
});

describe('readCluster: other meshes', () => {
  it('Linkerd: version 2.18 from the edge-25.4.4 controller image, policy kinds from every served version', async () => {
    const { result } = await read('linkerd-emojivoto');
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes).toEqual([
      {
        type: 'linkerd',
        version: '2.18',
        evidence: [
          'CRD group policy.linkerd.io (v1beta3)',
          'CRD group linkerd.io (v1alpha2)',
          'control plane Deployment linkerd/linkerd-destination (image cr.l5d.io/linkerd/controller:edge-25.4.4)',
        ],
      },
    ]);
    expect(result.namespaces).toEqual(['emojivoto']);
    const kinds = result.objects.map((o) => `${o.object.apiVersion} ${o.object.kind}`);
    expect(kinds).toContain('policy.linkerd.io/v1beta3 Server');
    expect(kinds).toContain('policy.linkerd.io/v1beta3 HTTPRoute');
    // AuthorizationPolicy and MeshTLSAuthentication are served in v1alpha1 only, not the preferred version.
    expect(kinds).toContain('policy.linkerd.io/v1alpha1 AuthorizationPolicy');
    expect(kinds).toContain('policy.linkerd.io/v1alpha1 MeshTLSAuthentication');
  });

  it('two meshes in one cluster: both reported, each with its version, and both injected namespaces read', async () => {
    const { result } = await read('two-meshes');
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes.map((m) => [m.type, m.version])).toEqual([
      ['istio', '1.23'],
      ['linkerd', '2.17'],
    ]);
    // shop has istio.io/rev, emojivoto linkerd.io/inject; tools has istio-injection=disabled.
    expect(result.namespaces).toEqual(['emojivoto', 'shop']);
    expect(result.meshes[0]!.evidence).toContain(
      'control plane Deployment istio-system/istiod-1-23 (image gcr.io/istio-release/pilot:1.23.4-distroless)',
    );
  });

  it('Consul: 1.20 from the server StatefulSet, namespaces from the pod-template annotation', async () => {
    const { result } = await read('consul-payments');
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes).toEqual([
      {
        type: 'consul',
        version: '1.20',
        evidence: [
          'CRD group consul.hashicorp.com (v1alpha1)',
          'control plane Deployment consul/consul-connect-injector (image hashicorp/consul-k8s-control-plane:1.6.1)',
          'control plane StatefulSet consul/consul-server (image hashicorp/consul:1.20.1)',
        ],
      },
    ]);
    expect(result.namespaces).toEqual(['payments']);
    expect(ids(result)).toEqual(
      expect.arrayContaining(['ServiceDefaults/payments/ledger', 'ServiceRouter/payments/ledger']),
    );
  });

  it('App Mesh: 1.13 from the controller image; the cluster-scoped Mesh is read once', async () => {
    const { result } = await read('appmesh-colorapp');
    expect(result.diagnostics).toEqual([]);
    expect(result.meshes.map((m) => [m.type, m.version])).toEqual([['appmesh', '1.13']]);
    expect(result.namespaces).toEqual(['howto-k8s-http-headers']);
    expect(ids(result)).toEqual(
      expect.arrayContaining(['Mesh//howto-k8s-http-headers', 'VirtualNode/howto-k8s-http-headers/blue']),
    );
    const mesh = result.objects.find((o) => o.object.kind === 'Mesh')!.object;
    expect(mesh.status).toBeUndefined();
  });
});

describe('readCluster: a cluster that refuses, is slow or is not there', () => {
  it('403: an error naming the verb, the resource and the namespace; the rest is still read', async () => {
    const { result } = await read('restricted-reader');
    expect(codes(result)).toEqual(['error CLUSTER_FORBIDDEN']);
    expect(result.diagnostics[0]!.message).toContain(
      'refused to list authorizationpolicies.security.istio.io in namespace bookinfo (403)',
    );
    expect(result.diagnostics[0]!.message).toContain('cannot list resource "authorizationpolicies"');
    expect(ids(result)).toContain('VirtualService/bookinfo/reviews');
    expect(ids(result).some((id) => id.startsWith('AuthorizationPolicy/'))).toBe(false);
  });

  it('Namespaces refused cluster-wide: each asked-for namespace is read on its own; refused too, an error', async () => {
    const { server, result } = await read(
      'istio-bookinfo',
      { namespaces: ['bookinfo', 'gone'] },
      { forbidden: ['/api/v1/namespaces'] },
    );
    expect(result.diagnostics).toEqual([]);
    expect(ids(result).filter((id) => id.startsWith('Namespace/'))).toEqual(['Namespace//bookinfo']);
    expect(server.requests).toContain('GET /api/v1/namespaces/bookinfo');
    const refused = await read(
      'istio-bookinfo',
      { namespaces: ['bookinfo'] },
      { forbidden: ['/api/v1/namespaces', '/api/v1/namespaces/bookinfo'] },
    );
    expect(codes(refused.result)).toEqual(['error CLUSTER_FORBIDDEN']);
    expect(refused.result.diagnostics[0]!.message).toContain('refused to get namespaces bookinfo (403)');
  });

  it('a slow API server: CLUSTER_TIMEOUT once, and no request after it', async () => {
    const { server, result } = await read('slow-apiserver', { timeoutMs: 200 });
    expect(codes(result)).toEqual(['error CLUSTER_TIMEOUT']);
    expect(result.diagnostics[0]!.message).toContain('no complete answer within 200 ms');
    expect(result.objects).toEqual([]);
    expect(server.requests).toEqual(['GET /api']);
  });

  it('credentials the server refuses: CLUSTER_UNAUTHORIZED', async () => {
    const { result } = await read('istio-bookinfo', {}, { token: 'expired' });
    expect(codes(result)).toEqual(['error CLUSTER_UNAUTHORIZED']);
    expect(result.objects).toEqual([]);
  });

  it('nothing listening: CLUSTER_UNREACHABLE', async () => {
    const server = await serve('istio-bookinfo');
    const dir = await tempDir();
    const file = path.join(dir, 'config');
    // The server's port, after it is gone.
    await writeFile(file, kubeconfigText(server.url, 'gone', 'x'));
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const result = await readCluster({ kubeconfig: file, env: {} });
    expect(codes(result)).toEqual(['error CLUSTER_UNREACHABLE']);
    expect(result.diagnostics[0]!.message).toContain(`context "gone" (${server.url})`);
  });

  it('no kubeconfig, an unknown context, a kubeconfig that is not YAML', async () => {
    const dir = await tempDir();
    expect(codes(await readCluster({ env: { HOME: dir } }))).toEqual(['error CLUSTER_NO_KUBECONFIG']);
    expect(codes(await readCluster({ kubeconfig: path.join(dir, 'nope'), env: {} }))).toEqual([
      'error CLUSTER_NO_KUBECONFIG',
    ]);
    const server = await serve('istio-bookinfo');
    const unknown = await readCluster({ kubeconfig: server.kubeconfig, context: 'prod', env: {} });
    expect(codes(unknown)).toEqual(['error CLUSTER_UNKNOWN_CONTEXT']);
    expect(unknown.diagnostics[0]!.message).toContain('its contexts: kind-istio-bookinfo');
    const broken = path.join(dir, 'broken');
    await writeFile(broken, 'clusters: [\n  - {name: a\n');
    expect(codes(await readCluster({ kubeconfig: broken, env: {} }))).toEqual([
      'error CLUSTER_KUBECONFIG_INVALID',
    ]);
    expect(server.requests).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/zero'))(
    'a kubeconfig that never ends (a device, an endless pipe) is refused past the limit, not read without end',
    async () => {
      const result = await readCluster({ kubeconfig: '/dev/zero', env: {} });
      expect(codes(result)).toEqual(['error CLUSTER_KUBECONFIG_INVALID']);
      expect(result.diagnostics[0]!.message).toContain('is larger than');
    },
  );

  it('a cluster without any mesh: CLUSTER_NO_MESH, and no namespace to read by default', async () => {
    const { result } = await read('plain-cluster');
    expect(codes(result)).toEqual(['warning CLUSTER_NO_MESH']);
    expect(result.meshes).toEqual([]);
    expect(result.namespaces).toEqual([]);
    expect(ids(result)).toEqual([]);
  });
});
