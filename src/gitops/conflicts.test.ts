import { describe, expect, it } from 'vitest';
import { codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { buildGitOpsTree } from '../../test/helpers/gitops-tree.ts';
import { makeService } from '../../test/helpers/model-factory.ts';
import { env, ns, output, peerAuth, vs } from './fixture.test.ts';
import type { EnvRender } from './tree.ts';

/** `file:line:col` of a location. */
const at = (l: { file: string; line: number; col: number } | undefined) => `${l?.file}:${l?.line}:${l?.col}`;

describe('environments on one cluster that render one object differently (RENDER_CONFLICT)', () => {
  const service = (name: string, namespace: string, host: string) => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ${name}, namespace: ${namespace} }
    spec:
      ports: [{ name: http, port: 9080 }]
      ingress: { hosts: [${host}] }
  `;
  const environment = (name: string, namespace: string) => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: ${name} }
    spec:
      cluster: shared
      mesh:
        type: istio
        version: "1.24"
        mtls: strict
        ingress: { className: istio, tls: { certManager: { issuer: le, kind: ClusterIssuer } } }
      namespaces: [${namespace}]
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `;

  it("name the services that render it in each environment, at the first one's node", () => {
    // Each environment exposes its own service: the ingress certificate (and the redirect route) of the shared
    // ingress namespace list different hosts.
    const r = compileInline({
      'reviews.yaml': service('reviews', 'bookinfo', 'reviews.example.com'),
      'details.yaml': service('details', 'shop', 'details.example.com'),
      'a.yaml': environment('a', 'bookinfo'),
      'b.yaml': environment('b', 'shop'),
    });
    const conflicts = r.diagnostics.filter((d) => d.code === 'RENDER_CONFLICT');
    const certificate = conflicts.find((d) => d.message.includes('Certificate'))!;
    expect(certificate.message).toBe(
      'Environments a and b share cluster shared but render cert-manager.io/v1 Certificate istio-ingress/meshc-ingress-tls differently: environment a renders it for bookinfo/reviews (ingress host reviews.example.com), environment b renders it for shop/details (ingress host details.example.com).',
    );
    // At reviews' ingress host in a (the first source), details' host in b related; not at `spec.cluster`.
    expect(at(certificate.location)).toBe('reviews.yaml:6:22');
    expect(certificate.related?.map((x) => `${x.message} @ ${at(x.location)}`)).toEqual([
      'environment b renders it for shop/details (ingress host details.example.com) @ details.yaml:6:22',
    ]);
    expect(codesAt({ diagnostics: conflicts })).toEqual([
      'RENDER_CONFLICT reviews.yaml:6:22',
      'RENDER_CONFLICT reviews.yaml:6:22',
    ]);
  });

  it('in an overlay directory: the service an object is named after, in both environments', () => {
    const mk = (name: string, weights: [number, number]): EnvRender => ({
      env: {
        ...env(name, 'shared', { engine: 'flux' }, ['app']),
        services: [
          makeService({ namespace: 'app', name: 'web' }),
          makeService({ namespace: 'app', name: 'we' }),
        ],
      },
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ app: [ns('app'), vs('app', 'web', weights)] }, []),
    });
    const d = buildGitOpsTree([mk('a', [100, 0]), mk('b', [50, 50])]).diagnostics.filter(
      (x) => x.code === 'RENDER_CONFLICT',
    );
    expect(d.map((x) => x.message)).toEqual([
      'Environments a and b share cluster shared but render networking.istio.io/v1 VirtualService app/web differently: environment a renders it for app/web (named after it), environment b renders it for app/web (named after it).',
    ]);
    expect(d[0]!.location?.file).toBe('services/web.yaml#');
    expect(d[0]!.related?.[0]?.location.file).toBe('services/web.yaml#');
  });

  it("say that an object naming no service comes from the environments' own settings, at `spec.cluster`", () => {
    const mk = (name: string, mode: string): EnvRender => ({
      env: { ...env(name, 'shared', { engine: 'flux' }, ['app']), services: [makeService()] },
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({}, [peerAuth('istio-system', 'default', mode)]),
    });
    const [d, ...rest] = buildGitOpsTree([mk('a', 'STRICT'), mk('b', 'PERMISSIVE')]).diagnostics;
    expect(rest).toEqual([]);
    expect(d!.message).toBe(
      'Environments a and b share cluster shared but render security.istio.io/v1 PeerAuthentication istio-system/default differently: environment a renders it from its own settings, environment b renders it from its own settings.',
    );
    expect(d!.location?.file).toBe('envs/b.yaml#cluster');
    expect(d!.related?.[0]?.location.file).toBe('envs/a.yaml#cluster');
  });
});
