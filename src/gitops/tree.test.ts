import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { resourceId, type K8sObject } from '../core/k8s.ts';
import { OWNED_HEADER, type OutputFile } from '../core/output.ts';
import { env, ISTIO_CHARTS, ns, output, peerAuth, scenario, systemObjects, vs } from './fixture.test.ts';
import { applyPatch } from './json-patch.ts';
import { buildGitOpsTree } from '../../test/helpers/gitops-tree.ts';
import { buildEnvironment, type EnvRender } from './tree.ts';

function byPath(files: readonly OutputFile[]): Map<string, OutputFile> {
  return new Map(files.map((f) => [f.path, f] as const));
}

function yamlOf(files: Map<string, OutputFile>, path: string): Record<string, unknown> {
  const f = files.get(path);
  if (f === undefined) throw new Error(`no file ${path}`);
  return load(f.content) as Record<string, unknown>;
}

function ids(objs: readonly K8sObject[]): string[] {
  return objs.map(resourceId).sort();
}

/** A tiny in-memory kustomize for the constructs meshc emits: resources (files, dirs), JSON 6902 files, `$patch: delete`, components. */
function simulateBuild(files: Map<string, OutputFile>, dir: string): K8sObject[] {
  const k = yamlOf(files, `${dir}/kustomization.yaml`);
  let objs: K8sObject[] = [];
  for (const r of (k.resources as string[] | undefined) ?? []) {
    const p = normalize(`${dir}/${r}`);
    if (files.has(`${p}/kustomization.yaml`)) objs.push(...simulateBuild(files, p));
    else objs.push(yamlOf(files, p) as unknown as K8sObject);
  }
  // Components apply in order after the resources (meshc's generated one first, then the user's).
  for (const c of (k.components as string[] | undefined) ?? []) {
    const comp = yamlOf(files, `${dir}/${c}/kustomization.yaml`);
    expect(comp.kind).toBe('Component');
    objs = applySimulatedPatches(
      files,
      `${dir}/${c}`,
      objs,
      (comp.patches as Record<string, unknown>[] | undefined) ?? [],
    );
  }
  return applySimulatedPatches(files, dir, objs, (k.patches as Record<string, unknown>[] | undefined) ?? []);
}

function applySimulatedPatches(
  files: Map<string, OutputFile>,
  dir: string,
  input: K8sObject[],
  patches: Record<string, unknown>[],
): K8sObject[] {
  let objs = input;
  for (const p of patches) {
    if (typeof p.patch === 'string') {
      const del = load(p.patch) as Record<string, unknown> & {
        metadata: { name: string; namespace?: string };
      };
      expect(del.$patch).toBe('delete');
      const before = objs.length;
      objs = objs.filter(
        (o) =>
          !(
            o.apiVersion === del.apiVersion &&
            o.kind === del.kind &&
            o.metadata.name === del.metadata.name &&
            o.metadata.namespace === del.metadata.namespace
          ),
      );
      expect(objs.length).toBe(before - 1);
      continue;
    }
    const target = p.target as Record<string, string>;
    const ops = load(files.get(normalize(`${dir}/${String(p.path)}`))?.content ?? '') as {
      op: string;
      path: string;
    }[];
    let matched = 0;
    objs = objs.map((o) => {
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      const ok =
        o.kind === target.kind &&
        new RegExp(`^(?:${target.name})$`).test(o.metadata.name) &&
        (target.namespace === undefined ||
          new RegExp(`^(?:${target.namespace})$`).test(o.metadata.namespace ?? '')) &&
        (target.group === undefined || target.group === group);
      if (!ok) return o;
      matched++;
      const r = applyPatch(o, ops);
      if (!r.ok) throw new Error(r.message);
      return r.value as K8sObject;
    });
    expect(matched).toBe(1);
  }
  return objs;
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/');
}

describe('buildGitOpsTree', () => {
  const result = buildGitOpsTree(scenario());
  const files = byPath(result.files);

  it('reports nothing for a consistent scenario', () => {
    expect(result.diagnostics).toEqual([]);
  });

  it('lays out bases, overlays and clusters', () => {
    const dirs = [...new Set(result.files.map((f) => f.path.replace(/\/[^/]+$/, '')))].sort();
    expect(dirs).toEqual([
      'base/istio/bookinfo',
      'base/istio/shop',
      'base/linkerd/bookinfo',
      'clusters/dev-1',
      'clusters/edge-1',
      'clusters/prod-1',
      'overlays/dev/bookinfo',
      'overlays/dev/bookinfo/user',
      'overlays/dev/mesh-system/config',
      'overlays/dev/mesh-system/install',
      'overlays/dev/shop',
      'overlays/dev/shop/user',
      'overlays/edge/bookinfo',
      'overlays/edge/bookinfo/user',
      'overlays/prod/bookinfo',
      'overlays/prod/bookinfo/meshc',
      'overlays/prod/bookinfo/meshc/patches',
      'overlays/prod/bookinfo/user',
      'overlays/prod/mesh-system/config',
      'overlays/staging/shop',
      'overlays/staging/shop/user',
    ]);
    expect(result.files.map((f) => f.path)).toEqual([...result.files.map((f) => f.path)].sort());
  });

  it('writes the base from the first environment of the mesh, one file per object', () => {
    expect(yamlOf(files, 'base/istio/bookinfo/kustomization.yaml')).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [
        'networking.istio.io_v1_destinationrule_reviews.yaml',
        'networking.istio.io_v1_serviceentry_api.example.com.yaml',
        'networking.istio.io_v1_serviceentry_apixexample.com.yaml',
        'networking.istio.io_v1_virtualservice_ratings.yaml',
        'networking.istio.io_v1_virtualservice_reviews.yaml',
        'v1_namespace_bookinfo.yaml',
      ],
    });
    const reviews = files.get('base/istio/bookinfo/networking.istio.io_v1_virtualservice_reviews.yaml');
    expect(reviews?.content.startsWith(OWNED_HEADER)).toBe(true);
    expect(reviews?.content).toContain('# source: meshc environment dev');
    expect(
      (
        yamlOf(files, 'base/istio/bookinfo/networking.istio.io_v1_virtualservice_reviews.yaml').spec as {
          http: { route: { weight: number }[] }[];
        }
      ).http[0]?.route[0]?.weight,
    ).toBe(90);
    expect(yamlOf(files, 'base/linkerd/bookinfo/kustomization.yaml').resources).toEqual([
      'policy.linkerd.io_v1beta3_server_reviews-http.yaml',
      'v1_namespace_bookinfo.yaml',
    ]);
  });

  it("the base environment's overlay is the base plus the user component", () => {
    expect(yamlOf(files, 'overlays/dev/bookinfo/kustomization.yaml')).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../../base/istio/bookinfo'],
      components: ['user'],
    });
    expect(yamlOf(files, 'overlays/staging/shop/kustomization.yaml').resources).toEqual([
      '../../../base/istio/shop',
    ]);
  });

  it('expresses differences as JSON 6902 patches, env-only files and delete patches', () => {
    const k = yamlOf(files, 'overlays/prod/bookinfo/kustomization.yaml');
    expect(k.resources).toEqual([
      '../../../base/istio/bookinfo',
      'security.istio.io_v1_peerauthentication_reviews.yaml',
    ]);
    expect(k.components).toEqual(['meshc', 'user']);
    expect(k.patches).toBeUndefined();
    const generated = yamlOf(files, 'overlays/prod/bookinfo/meshc/kustomization.yaml');
    expect(generated.kind).toBe('Component');
    const patches = generated.patches as Record<string, unknown>[];
    expect(patches.slice(0, 3)).toEqual([
      {
        path: 'patches/networking.istio.io_v1_destinationrule_reviews.yaml',
        target: {
          group: 'networking.istio.io',
          version: 'v1',
          kind: 'DestinationRule',
          name: 'reviews',
          namespace: 'bookinfo',
        },
      },
      {
        path: 'patches/networking.istio.io_v1_serviceentry_api.example.com.yaml',
        target: {
          group: 'networking.istio.io',
          version: 'v1',
          kind: 'ServiceEntry',
          name: 'api\\.example\\.com',
          namespace: 'bookinfo',
        },
      },
      {
        path: 'patches/networking.istio.io_v1_virtualservice_reviews.yaml',
        target: {
          group: 'networking.istio.io',
          version: 'v1',
          kind: 'VirtualService',
          name: 'reviews',
          namespace: 'bookinfo',
        },
      },
    ]);
    // prod is deployed by Argo CD, the base (dev) by Flux: the Namespace's no-prune annotation differs.
    expect(patches[3]).toEqual({
      path: 'patches/v1_namespace_bookinfo.yaml',
      target: { version: 'v1', kind: 'Namespace', name: 'bookinfo' },
    });
    expect(patches).toHaveLength(5);
    expect(Object.keys(patches[4] ?? {})).toEqual(['patch']);
    expect(load((patches as { patch: string }[])[4]?.patch ?? '')).toEqual({
      $patch: 'delete',
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'ratings', namespace: 'bookinfo' },
    });
    expect(
      yamlOf(
        files,
        'overlays/prod/bookinfo/meshc/patches/networking.istio.io_v1_virtualservice_reviews.yaml',
      ),
    ).toEqual([
      {
        op: 'replace',
        path: '/spec/http',
        value: [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
              { destination: { host: 'reviews', subset: 'v2' }, weight: 50 },
            ],
          },
        ],
      },
    ]);
    const drPatch = files.get(
      'overlays/prod/bookinfo/meshc/patches/networking.istio.io_v1_destinationrule_reviews.yaml',
    );
    expect(drPatch?.content.startsWith(OWNED_HEADER)).toBe(true);
    expect(load(drPatch?.content ?? '')).toEqual([
      { op: 'add', path: '/metadata/labels', value: { 'team.acme.io/owner': 'reviews' } },
      { op: 'add', path: '/spec/trafficPolicy/tls/mode', value: 'ISTIO_MUTUAL' },
    ]);
  });

  it('writes the user component once, as a seed without the owned header', () => {
    const seeds = result.files.filter((f) => f.ownership === 'seed').map((f) => f.path);
    expect(seeds).toEqual([
      'overlays/dev/bookinfo/user/kustomization.yaml',
      'overlays/dev/shop/user/kustomization.yaml',
      'overlays/edge/bookinfo/user/kustomization.yaml',
      'overlays/prod/bookinfo/user/kustomization.yaml',
      'overlays/staging/shop/user/kustomization.yaml',
    ]);
    const seed = files.get('overlays/prod/bookinfo/user/kustomization.yaml')?.content ?? '';
    expect(seed.startsWith(OWNED_HEADER)).toBe(false);
    expect(seed).toMatch(/^# .*patches/m);
    expect(load(seed)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      patches: [],
    });
    for (const f of result.files)
      if (f.ownership === 'owned') expect(f.content.startsWith(OWNED_HEADER), f.path).toBe(true);
  });

  it('renders the Flux install overlay: one HelmRepository, one HelmRelease per chart in order', () => {
    const dir = 'overlays/dev/mesh-system/install';
    expect(yamlOf(files, `${dir}/kustomization.yaml`).resources).toEqual([
      'helm.toolkit.fluxcd.io_v2_helmrelease_istio-base.yaml',
      'helm.toolkit.fluxcd.io_v2_helmrelease_istio-ingress.yaml',
      'helm.toolkit.fluxcd.io_v2_helmrelease_istiod.yaml',
      'source.toolkit.fluxcd.io_v1_helmrepository_istio.yaml',
    ]);
    expect(yamlOf(files, `${dir}/helm.toolkit.fluxcd.io_v2_helmrelease_istiod.yaml`)).toEqual({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'istiod', namespace: 'flux-system' },
      spec: {
        chart: {
          spec: {
            chart: 'istiod',
            sourceRef: { kind: 'HelmRepository', name: 'istio', namespace: 'flux-system' },
            version: '1.30.3',
          },
        },
        dependsOn: [{ name: 'istio-base' }],
        // A failed first install is retried without limit; a failed upgrade 3 times, then rolled back.
        install: { createNamespace: true, crds: 'CreateReplace', remediation: { retries: -1 } },
        interval: '10m',
        releaseName: 'istiod',
        targetNamespace: 'istio-system',
        upgrade: { crds: 'CreateReplace', remediation: { remediateLastFailure: true, retries: 3 } },
        values: { meshConfig: { enablePrometheusMerge: true } },
      },
    });
    expect(yamlOf(files, `${dir}/source.toolkit.fluxcd.io_v1_helmrepository_istio.yaml`).spec).toEqual({
      interval: '1h',
      url: 'https://istio-release.storage.googleapis.com/charts',
    });
    expect(files.has('overlays/prod/mesh-system/install/kustomization.yaml')).toBe(false);
    expect(files.has('overlays/staging/mesh-system/install/kustomization.yaml')).toBe(false);
  });

  it('renders Flux cluster objects with dependsOn and paths', () => {
    const k = yamlOf(files, 'clusters/dev-1/kustomization.yaml');
    expect(k.resources).toEqual([
      'kustomize.toolkit.fluxcd.io_v1_kustomization_dev-bookinfo.yaml',
      'kustomize.toolkit.fluxcd.io_v1_kustomization_dev-mesh-install.yaml',
      'kustomize.toolkit.fluxcd.io_v1_kustomization_dev-mesh-system.yaml',
      'kustomize.toolkit.fluxcd.io_v1_kustomization_dev-shop.yaml',
      'kustomize.toolkit.fluxcd.io_v1_kustomization_staging-shop.yaml',
      'source.toolkit.fluxcd.io_v1_gitrepository_meshc-dev.yaml',
      'source.toolkit.fluxcd.io_v1_gitrepository_meshc-staging.yaml',
    ]);
    expect(
      yamlOf(files, 'clusters/dev-1/source.toolkit.fluxcd.io_v1_gitrepository_meshc-dev.yaml').spec,
    ).toEqual({
      interval: '1m',
      ref: { branch: 'main' },
      url: 'https://github.com/acme/mesh-config.git',
    });
    const spec = (name: string): Record<string, unknown> =>
      yamlOf(files, `clusters/dev-1/kustomize.toolkit.fluxcd.io_v1_kustomization_${name}.yaml`)
        .spec as Record<string, unknown>;
    expect(spec('dev-mesh-install')).toEqual({
      interval: '10m',
      path: './rendered/overlays/dev/mesh-system/install',
      prune: true,
      retryInterval: '1m',
      sourceRef: { kind: 'GitRepository', name: 'meshc-dev' },
      // 5m per release of the chain base → istiod → gateway.
      timeout: '15m',
      wait: true,
    });
    expect(spec('dev-mesh-system').dependsOn).toEqual([{ name: 'dev-mesh-install' }]);
    expect(spec('dev-mesh-system').wait).toBe(true);
    expect(spec('dev-bookinfo').dependsOn).toEqual([{ name: 'dev-mesh-system' }]);
    expect(spec('dev-bookinfo').path).toBe('./rendered/overlays/dev/bookinfo');
    // dev owns the mesh-wide directories of cluster dev-1; staging's namespaces wait for them.
    expect(
      files.has('clusters/dev-1/kustomize.toolkit.fluxcd.io_v1_kustomization_staging-mesh-system.yaml'),
    ).toBe(false);
    expect(spec('staging-shop').dependsOn).toEqual([{ name: 'dev-mesh-system' }]);
  });

  it('renders Argo CD Applications with sync waves', () => {
    interface App {
      metadata: { annotations: Record<string, string> };
      spec: { source: { path: string }; destination: { namespace: string } };
    }
    const app = (name: string): App =>
      yamlOf(files, `clusters/prod-1/argoproj.io_v1alpha1_application_${name}.yaml`) as unknown as App;
    expect(yamlOf(files, 'clusters/prod-1/kustomization.yaml').resources).toEqual([
      'argoproj.io_v1alpha1_application_prod-bookinfo.yaml',
      'argoproj.io_v1alpha1_application_prod-istio-base.yaml',
      'argoproj.io_v1alpha1_application_prod-istio-ingress.yaml',
      'argoproj.io_v1alpha1_application_prod-istiod.yaml',
      'argoproj.io_v1alpha1_application_prod-mesh-system.yaml',
    ]);
    const wave = (name: string): unknown => app(name).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(
      ['prod-istio-base', 'prod-istiod', 'prod-istio-ingress', 'prod-mesh-system', 'prod-bookinfo'].map(wave),
    ).toEqual(['-30', '-20', '-10', '-5', '0']);
    expect(app('prod-istiod')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'prod-istiod',
        namespace: 'argocd',
        annotations: { 'argocd.argoproj.io/sync-wave': '-20' },
      },
      spec: {
        destination: { namespace: 'istio-system', server: 'https://kubernetes.default.svc' },
        project: 'default',
        source: {
          chart: 'istiod',
          helm: { releaseName: 'istiod', valuesObject: { meshConfig: { enablePrometheusMerge: true } } },
          repoURL: 'https://istio-release.storage.googleapis.com/charts',
          targetRevision: '1.30.3',
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { backoff: { duration: '5s', factor: 2, maxDuration: '3m' }, limit: -1 },
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        },
      },
    });
    expect(app('prod-bookinfo')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'prod-bookinfo',
        namespace: 'argocd',
        annotations: {
          'argocd.argoproj.io/manifest-generate-paths': '.;../../../base/istio/bookinfo',
          'argocd.argoproj.io/sync-wave': '0',
        },
      },
      spec: {
        destination: { namespace: 'bookinfo', server: 'https://kubernetes.default.svc' },
        project: 'default',
        source: {
          path: 'overlays/prod/bookinfo',
          repoURL: 'https://github.com/acme/mesh-config.git',
          targetRevision: 'main',
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { backoff: { duration: '5s', factor: 2, maxDuration: '3m' }, limit: -1 },
        },
      },
    });
    expect(app('prod-mesh-system').spec.source.path).toBe('overlays/prod/mesh-system/config');
    expect(app('prod-mesh-system').spec.destination.namespace).toBe('istio-system');
    expect(
      yamlOf(files, 'clusters/edge-1/argoproj.io_v1alpha1_application_edge-bookinfo.yaml').spec,
    ).toMatchObject({
      source: { path: 'rendered/overlays/edge/bookinfo', targetRevision: 'release' },
    });
  });

  it('maps every overlay directory to its objects', () => {
    expect([...result.builds.keys()]).toEqual([
      'overlays/dev/bookinfo',
      'overlays/dev/mesh-system/config',
      'overlays/dev/mesh-system/install',
      'overlays/dev/shop',
      'overlays/edge/bookinfo',
      'overlays/prod/bookinfo',
      'overlays/prod/mesh-system/config',
      'overlays/staging/shop',
    ]);
    const prod = result.builds.get('overlays/prod/bookinfo') ?? [];
    expect(ids(prod)).toEqual([
      'networking.istio.io/v1/DestinationRule/bookinfo/reviews',
      'networking.istio.io/v1/ServiceEntry/bookinfo/api.example.com',
      'networking.istio.io/v1/ServiceEntry/bookinfo/apixexample.com',
      'networking.istio.io/v1/VirtualService/bookinfo/reviews',
      'security.istio.io/v1/PeerAuthentication/bookinfo/reviews',
      'v1/Namespace//bookinfo',
    ]);
    const patched = prod.find((o) => o.kind === 'DestinationRule');
    expect(patched?.metadata.labels).toEqual({ 'team.acme.io/owner': 'reviews' });
    expect((patched?.spec as { trafficPolicy: unknown }).trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  it('every overlay builds (in memory) to exactly its builds entry', () => {
    for (const [dir, objs] of result.builds) {
      const built = simulateBuild(files, dir);
      const key = (list: readonly K8sObject[]): Map<string, K8sObject> =>
        new Map(list.map((o) => [resourceId(o), o] as const));
      expect(key(built), dir).toEqual(key(objs));
    }
  });

  it('is deterministic and independent of input order', () => {
    const again = buildGitOpsTree([...scenario()].reverse());
    expect(again.files).toEqual(result.files);
    expect([...again.builds]).toEqual([...result.builds]);
  });

  it('never writes absolute paths or timestamps', () => {
    for (const f of result.files) {
      expect(f.path.startsWith('/')).toBe(false);
      expect(f.content).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      expect(f.content.endsWith('\n')).toBe(true);
    }
  });
});

describe('buildEnvironment', () => {
  it("returns the environment's namespaces, mesh-system and cluster objects", () => {
    const prod = scenario().find((r) => r.env.name === 'prod') as EnvRender;
    const objs = buildEnvironment(prod);
    expect(ids(objs)).toEqual(
      [
        ...(buildGitOpsTree([prod]).builds.get('overlays/prod/bookinfo') ?? []),
        ...(buildGitOpsTree([prod]).builds.get('overlays/prod/mesh-system/config') ?? []),
      ]
        .map(resourceId)
        .concat(
          ['prod-bookinfo', 'prod-istio-base', 'prod-istio-ingress', 'prod-istiod', 'prod-mesh-system'].map(
            (n) => `argoproj.io/v1alpha1/Application/argocd/${n}`,
          ),
        )
        .sort(),
    );
    const dev = buildEnvironment(scenario().find((r) => r.env.name === 'dev') as EnvRender);
    expect(
      dev
        .filter((o) => o.kind === 'HelmRelease')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['istio-base', 'istio-ingress', 'istiod']);
    expect(dev.filter((o) => o.kind === 'Kustomization')).toHaveLength(4);
  });
});

describe('environment patches', () => {
  const render = (patches: EnvRender['env']['patches']): EnvRender => ({
    env: env('dev', 'c1', { engine: 'flux' }, ['app'], patches),
    mesh: 'istio',
    systemNamespace: 'istio-system',
    output: output({ app: [ns('app'), vs('app', 'web', [100, 0])] }, systemObjects(), ISTIO_CHARTS),
  });

  it('report a target that matches nothing at patches[i].target', () => {
    const r = buildGitOpsTree([
      render([{ index: 2, target: { kind: 'VirtualService', name: 'nope' }, ops: [] }]),
    ]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'PATCH_TARGET_NO_MATCH',
      severity: 'error',
      location: { file: 'envs/dev.yaml#patches.2.target' },
    });
    expect(r.diagnostics[0]?.message).toMatch(/matches no emitted object/);
  });

  it('report a failing op at patches[i].ops[j] and keep the object unchanged', () => {
    const r = buildGitOpsTree([
      render([
        {
          index: 0,
          target: {
            kind: 'VirtualService',
            name: 'web',
            namespace: 'app',
            group: 'networking.istio.io',
            version: 'v1',
          },
          ops: [
            { op: 'add', path: '/metadata/labels', value: { a: 'b' } },
            { op: 'remove', path: '/spec/nothing' },
          ],
        },
      ]),
    ]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'MESH_CONSTRAINT',
      location: { file: 'envs/dev.yaml#patches.0.ops.1' },
    });
    const web = r.builds.get('overlays/dev/app')?.find((o) => o.kind === 'VirtualService');
    expect(web?.metadata.labels).toBeUndefined();
  });

  it('match group and version only when given, and reach install and system objects', () => {
    const r = buildGitOpsTree([
      render([
        { index: 0, target: { kind: 'VirtualService', name: 'web', group: 'security.istio.io' }, ops: [] },
        {
          index: 1,
          target: { kind: 'HelmRelease', name: 'istiod' },
          ops: [{ op: 'add', path: '/spec/values/pilot', value: { traceSampling: 5 } }],
        },
        {
          index: 2,
          target: { kind: 'PeerAuthentication', name: 'default', namespace: 'istio-system' },
          ops: [{ op: 'replace', path: '/spec/mtls/mode', value: 'PERMISSIVE' }],
        },
      ]),
    ]);
    expect(r.diagnostics.map((d) => d.location?.file)).toEqual(['envs/dev.yaml#patches.0.target']);
    const hr = r.builds.get('overlays/dev/mesh-system/install')?.find((o) => o.metadata.name === 'istiod');
    expect((hr?.spec as { values: unknown }).values).toEqual({
      meshConfig: { enablePrometheusMerge: true },
      pilot: { traceSampling: 5 },
    });
    const pa = r.builds.get('overlays/dev/mesh-system/config')?.find((o) => o.kind === 'PeerAuthentication');
    expect(pa?.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
  });

  it('reject a patch that breaks the object shape', () => {
    const r = buildGitOpsTree([
      render([
        {
          index: 0,
          target: { kind: 'Namespace', name: 'app' },
          ops: [{ op: 'remove', path: '/metadata/name' }],
        },
      ]),
    ]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.message).toMatch(/metadata\.name/);
  });
});

describe('conflicts', () => {
  it('reports two objects with one identity in an environment', () => {
    const r = buildGitOpsTree([
      {
        env: env('dev', 'c1', { engine: 'flux' }, ['app']),
        mesh: 'istio',
        systemNamespace: 'istio-system',
        output: output(
          {
            app: [
              ns('app'),
              vs('app', 'web', [100, 0]),
              vs('app', 'web', [50, 50]),
              peerAuth('app', 'x', 'STRICT'),
            ],
          },
          [peerAuth('app', 'x', 'STRICT')],
        ),
      },
    ]);
    const conflicts = r.diagnostics.filter((d) => d.code === 'RENDER_CONFLICT').map((d) => d.message);
    expect(conflicts).toHaveLength(2);
    expect(conflicts.join('\n')).toMatch(/VirtualService app\/web twice in overlays\/dev\/app/);
    expect(conflicts.join('\n')).toMatch(
      /PeerAuthentication app\/x in both overlays\/dev\/app and overlays\/dev\/mesh-system\/config|in both overlays\/dev\/mesh-system\/config and overlays\/dev\/app/,
    );
  });

  it('reports environments on one cluster that render one object differently', () => {
    const mk = (name: string, mode: string): EnvRender => ({
      env: env(name, 'shared', { engine: 'flux' }, ['app']),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ [`app-${name}`]: [ns(`app-${name}`)] }, [peerAuth('istio-system', 'default', mode)]),
    });
    const r = buildGitOpsTree([mk('a', 'STRICT'), mk('b', 'PERMISSIVE')]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'RENDER_CONFLICT',
      location: { file: 'envs/b.yaml#cluster' },
    });
    expect(r.diagnostics[0]?.message).toMatch(
      /share cluster shared but render security\.istio\.io\/v1 PeerAuthentication istio-system\/default differently/,
    );
    expect(r.diagnostics[0]?.related?.[0]?.location.file).toBe('envs/a.yaml#cluster');
    expect(buildGitOpsTree([mk('a', 'STRICT'), mk('b', 'STRICT')]).diagnostics).toEqual([]);
  });

  it('reports GitOps object names that collide on a cluster', () => {
    const mk = (name: string, namespace: string): EnvRender => ({
      env: env(name, 'shared', { engine: 'flux' }, [namespace]),
      mesh: 'istio',
      systemNamespace: 'istio-system',
      output: output({ [namespace]: [ns(namespace)] }, []),
    });
    const r = buildGitOpsTree([mk('a', 'b-c'), mk('a-b', 'c')]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'Environments a and a-b both produce kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/a-b-c in clusters/shared.',
    ]);
  });

  it('reports a namespace named like the mesh-system directory', () => {
    const r = buildGitOpsTree([
      {
        env: env('dev', 'c1', { engine: 'flux' }, ['mesh-system']),
        mesh: 'istio',
        systemNamespace: 'istio-system',
        output: output({ 'mesh-system': [ns('mesh-system')] }, systemObjects()),
      },
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RENDER_CONFLICT']);
    expect(r.builds.has('overlays/dev/mesh-system')).toBe(false);
  });
});
