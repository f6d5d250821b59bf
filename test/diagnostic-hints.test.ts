import { describe, expect, it } from 'vitest';
import { CODES } from '../src/core/codes.ts';
import { env, ns, output, vs } from '../src/gitops/fixture.test.ts';
import type { EnvRender } from '../src/gitops/tree.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';
import { buildGitOpsTree } from './helpers/gitops-tree.ts';
import { makeService } from './helpers/model-factory.ts';

/** `file:line:col` of a location. */
const at = (l: { file: string; line: number; col: number } | undefined) => `${l?.file}:${l?.line}:${l?.col}`;

describe('MESH_UNSUPPORTED_FEATURE says how to remove the field where it is', () => {
  const service = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080 }]
      ingress: { hosts: [shop.example.com] }
      versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
      routes:
        - to: v1
          mirror: { to: v2 }
  `;
  const environment = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh:
        type: appmesh
        version: "1.13"
        mtls: permissive
        ingress:
          className: gw
          tls: { secretName: shop-tls }
          api: native
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `;
  const refused = () =>
    compileInline({ 'reviews.yaml': service, 'prod.yaml': environment }).diagnostics.filter(
      (d) => d.code === 'MESH_UNSUPPORTED_FEATURE',
    );

  it('a setting of the environment (`mesh.ingress.tls`): change it in the environment file, no override', () => {
    const tls = refused().find((d) => d.pointer === '/spec/mesh/ingress/tls')!;
    expect(at(tls.location)).toBe('prod.yaml:12:7');
    expect(tls.hint).toBe(
      'Meshes that can: Istio, Linkerd, Consul. Change the setting in the environment file, or run the environment on one of those meshes.',
    );
    expect(tls.hint).not.toMatch(/override/);
  });

  it('a field of a Service (`mirror`): remove it, or remove it for this environment with an override', () => {
    const mirror = refused().find((d) => d.pointer === '/spec/routes/0/mirror')!;
    expect(at(mirror.location)).toBe('reviews.yaml:10:7');
    expect(mirror.hint).toBe(
      'Meshes that can: Istio. Remove the field, or remove it for this environment with an override, or run the environment on one of those meshes.',
    );
  });
});

describe("RENDER_CONFLICT's fix covers each of its causes", () => {
  it('environments sharing a cluster: make their settings agree or split the cluster; otherwise rename', () => {
    const fix = CODES.RENDER_CONFLICT.fix;
    expect(fix).toMatch(/sharing a cluster/);
    expect(fix).toMatch(/separate clusters/);
    expect(fix).toMatch(/rename one of the services, namespaces or environments/);
    expect(fix).toMatch(/mesh-system/);
  });
});

describe('RENDER_CONFLICT names the services an object comes from, at the first one', () => {
  it("GitOps objects of two environments that collide in the cluster directory: each namespace's services", () => {
    const mk = (name: string, namespace: string, service: string): EnvRender => ({
      env: {
        ...env(name, 'shared', { engine: 'flux' }, [namespace]),
        services: [makeService({ namespace, name: service })],
      },
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ [namespace]: [ns(namespace)] }, []),
    });
    const d = buildGitOpsTree([mk('a', 'b-c', 'web'), mk('a-b', 'c', 'api')]).diagnostics;
    expect(d.map((x) => x.message)).toEqual([
      'Environments a and a-b both produce kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/a-b-c in clusters/shared: environment a renders it for b-c/web (namespace b-c), environment a-b renders it for c/api (namespace c).',
    ]);
    expect(d[0]!.location?.file).toBe('services/web.yaml#');
    expect(d[0]!.related?.map((x) => `${x.message} @ ${x.location.file}`)).toEqual([
      'environment a-b renders it for c/api (namespace c) @ services/api.yaml#',
    ]);
  });

  it('an object twice in an environment: the service it is named after', () => {
    const r: EnvRender = {
      env: {
        ...env('dev', 'c1', { engine: 'flux' }, ['app']),
        services: [makeService({ namespace: 'app', name: 'web' })],
      },
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ app: [ns('app'), vs('app', 'web', [100, 0]), vs('app', 'web', [50, 50])] }, []),
    };
    const d = buildGitOpsTree([r]).diagnostics.filter((x) => x.code === 'RENDER_CONFLICT');
    expect(d.map((x) => x.message)).toEqual([
      'Environment dev produces networking.istio.io/v1 VirtualService app/web twice in overlays/dev/app for app/web (named after it).',
    ]);
    expect(d[0]!.location?.file).toBe('services/web.yaml#');
  });

  it("two objects for one file of the mesh-wide directory: each one's service, the other related", () => {
    const r: EnvRender = {
      env: {
        ...env('dev', 'c1', { engine: 'flux' }, ['app', 'shop']),
        services: [
          makeService({ namespace: 'app', name: 'web' }),
          makeService({ namespace: 'shop', name: 'web' }),
        ],
      },
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({}, [vs('app', 'web', [100, 0]), vs('shop', 'web', [100, 0])]),
    };
    const d = buildGitOpsTree([r]).diagnostics.filter((x) => x.code === 'RENDER_CONFLICT');
    expect(d.map((x) => x.message)).toEqual([
      'Two outputs write overlays/dev/mesh-system/config/networking.istio.io_v1_virtualservice_web.yaml: networking.istio.io/v1 VirtualService app/web (for app/web (named after it)) and networking.istio.io/v1 VirtualService shop/web (for shop/web (named after it)) of environment dev.',
    ]);
    expect(d[0]!.location?.file).toBe('services/web.yaml#');
    expect(d[0]!.related?.map((x) => x.message)).toEqual([
      'networking.istio.io/v1 VirtualService shop/web is for shop/web',
    ]);
  });
});
