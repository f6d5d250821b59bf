import { describe, expect, it } from 'vitest';
import { REVIEWS, compileInline, dedent } from './helpers/spec-tree.ts';
import { parse as load } from 'yaml';
import { argoKeepNamespace } from '../src/gitops/argocd.ts';
import { fluxClusterObjects, fluxInstallObjects } from '../src/gitops/flux.ts';
import { NO_REMOVALS, removalDiagnostics } from '../src/write/removals.ts';
import type { ChartRelease } from '../src/backends/types.ts';
import type { GitOpsSettings } from '../src/model/types.ts';

/** An Istio environment deployed by `engine` from `repo`, with `gitops.secretRef` when given. */
const environment = (engine: string, repo: string, secretRef?: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: istio, version: "1.24", mtls: strict }
    gitops:
      engine: ${engine}
      repo: ${repo}${secretRef === undefined ? '' : `\n      secretRef: ${secretRef}`}
`;

const REPO_POINTER = '/spec/gitops/repo';

/** The diagnostics at `gitops.repo`; no other diagnostic is expected. */
function atRepo(engine: string, repo: string, secretRef?: string) {
  const r = compileInline(
    { 'reviews.yaml': REVIEWS, 'prod.yaml': environment(engine, repo, secretRef) },
    { until: 'plan' },
  );
  const found = r.diagnostics.filter((d) => d.pointer === REPO_POINTER);
  expect(r.diagnostics.filter((d) => !found.includes(d))).toEqual([]);
  return found;
}

describe('Argo CD keeps the Namespaces meshc emits', () => {
  it('through a cascading Application deletion too: Prune=false and Delete=false', () => {
    expect(argoKeepNamespace({})).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(
      argoKeepNamespace({ a: 'b', 'argocd.argoproj.io/sync-options': 'Delete=true,ServerSideApply=true' }),
    ).toEqual({ a: 'b', 'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false' });
  });
});

describe('gitops.repo against the engine', () => {
  it('refuses an scp-style address for Flux at the repo node, with the ssh:// URL to write', () => {
    const found = atRepo('flux', 'git@github.com:example/mesh-config.git', 'git-auth');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'SCHEMA_CONSTRAINT',
      severity: 'error',
      location: { file: 'prod.yaml', line: 9, col: 11 },
    });
    expect(found[0]!.hint).toContain('`ssh://git@github.com/example/mesh-config.git`');
  });

  it('takes an scp-style address for Argo CD, and ssh:// or https URLs for Flux', () => {
    expect(atRepo('argocd', 'git@github.com:example/mesh-config.git')).toEqual([]);
    expect(atRepo('flux', 'ssh://git@github.com/example/mesh-config.git', 'git-auth')).toEqual([]);
    expect(atRepo('flux', 'https://github.com/example/mesh-config.git')).toEqual([]);
  });

  it('warns at the repo node when Flux fetches an ssh:// repository without secretRef', () => {
    const found = atRepo('flux', 'ssh://git@github.com/example/mesh-config.git');
    expect(found.map((d) => [d.code, d.severity, d.location?.line])).toEqual([
      ['GITOPS_REPO_NO_CREDENTIALS', 'warning', 9],
    ]);
    expect(found[0]!.message).toBe(
      'Environment prod has Flux fetch the ssh repository ssh://git@github.com/example/mesh-config.git without `gitops.secretRef`, so its GitRepository never syncs.',
    );
  });
});

const chart = (
  name: string,
  chartName: string,
  dependsOn: string[] = [],
  templatedCrds = false,
): ChartRelease => ({
  name,
  repoName: 'repo',
  repoUrl: 'https://charts.example.com',
  chart: chartName,
  version: '1.0.0',
  namespace: 'mesh',
  values: {},
  dependsOn,
  ...(templatedCrds ? { templatedCrds } : {}),
});

const GITOPS: GitOpsSettings = {
  engine: 'flux',
  repo: 'https://github.com/acme/mesh.git',
  branch: 'main',
  path: 'rendered',
  project: 'default',
  destination: { server: 'https://kubernetes.default.svc' },
};

describe('Flux Kustomizations that wait converge', () => {
  it('retry a failed health check after 1m, the install one with 5m per release of its chain', () => {
    const charts = [
      chart('base', 'base'),
      chart('istiod', 'istiod', ['base']),
      chart('gw', 'gateway', ['istiod']),
    ];
    const dirs = { prerequisites: true, install: true, config: true, namespaces: ['shop'] };
    const spec = (name: string) =>
      fluxClusterObjects('dev', GITOPS, dirs, charts).find((o) => o.metadata.name === name)?.spec as
        Record<string, unknown> | undefined;
    expect(spec('dev-mesh-install')).toMatchObject({ retryInterval: '1m', timeout: '15m', wait: true });
    for (const name of ['dev-mesh-prerequisites', 'dev-mesh-system'])
      expect(spec(name)).toMatchObject({ retryInterval: '1m', timeout: '5m', wait: true });
    // A namespace overlay does not wait: nothing to retry early.
    expect(spec('dev-shop')).not.toHaveProperty('retryInterval');
    expect(spec('dev-shop')).not.toHaveProperty('wait');
  });
});

describe('Helm keeps the CRDs of the mesh charts on uninstall', () => {
  it('annotates the CRDs of the charts that template them (linkerd-crds, consul) through a post-renderer, and no other chart', () => {
    const objs = fluxInstallObjects([
      chart('linkerd-crds', 'linkerd-crds', [], true),
      chart('consul', 'consul', [], true),
      chart('istiod', 'istiod'),
    ]);
    const release = (name: string) =>
      objs.find((o) => o.kind === 'HelmRelease' && o.metadata.name === name)?.spec as Record<string, unknown>;
    for (const name of ['linkerd-crds', 'consul']) {
      const post = release(name).postRenderers as {
        kustomize: { patches: { patch: string; target: unknown }[] };
      }[];
      expect(post).toHaveLength(1);
      const [p] = post[0]!.kustomize.patches;
      expect(p!.target).toEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
      expect(load(p!.patch)).toEqual({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'any', annotations: { 'helm.sh/resource-policy': 'keep' } },
      });
    }
    expect(release('istiod')).not.toHaveProperty('postRenderers');
  });

  it('OUTPUT_REMOVALS says that removing an install directory keeps the CRDs', () => {
    const [d] = removalDiagnostics({ ...NO_REMOVALS, meshDirs: ['prod/install'] });
    expect(d?.message).toContain(
      "without `install` the engine uninstalls the control plane's Helm releases, keeping their CRDs and so the mesh's custom resources",
    );
  });
});

describe('RENDER_CONFLICT names one environment once', () => {
  it('a namespace named mesh-install clashes with the install Kustomization of its own environment', () => {
    const r = compileInline({
      'svc.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: web, namespace: mesh-install }
        spec:
          ports: [{ name: http, port: 80 }]
      `,
      'sa.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Environment
        metadata: { name: sa }
        spec:
          cluster: c1
          mesh:
            type: istio
            version: "1.24"
            mtls: strict
            install: { chartVersion: "1.24.3" }
            trust: { existingSecret: { name: cacerts } }
          gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      `,
    });
    const conflicts = r.diagnostics.filter((d) => d.code === 'RENDER_CONFLICT');
    expect(conflicts.map((d) => d.message)).toEqual([
      'Environment sa produces kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/sa-mesh-install twice in clusters/c1, for mesh-install/web (namespace mesh-install).',
    ]);
    expect(conflicts[0]!.related).toBeUndefined();
  });
});
