import { duration } from '../src/model/normalize.ts';
/**
 * The `meshc build` equality invariant with the real kustomize: for every overlay directory D of the
 * rendered tree, `kustomize build D` gives exactly `builds.get(D)`. Bases and cluster directories build to
 * the objects of their files. The Flux and Argo CD objects are checked against the upstream CRD schemas.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import { scenario } from '../src/gitops/fixture.test.ts';
import { buildEnvironment, type GitOpsResult } from '../src/gitops/tree.ts';
import { buildGitOpsTree } from './helpers/gitops-tree.ts';
import { validateObject } from './helpers/crds.ts';
import { canonicalObjects, kustomizeBuild } from './helpers/kustomize.ts';
import { describeWithKustomize, describeWithShared } from './helpers/shared.ts';

const result: GitOpsResult = buildGitOpsTree(scenario());

/** Directories with an owned kustomization.yaml that are not overlays (bases and clusters). */
function plainDirs(): string[] {
  return result.files
    .filter((f) => f.path.endsWith('/kustomization.yaml') && !f.path.startsWith('overlays/'))
    .map((f) => path.posix.dirname(f.path))
    .sort();
}

function expectSameObjects(actual: readonly object[], expected: readonly object[], where: string): void {
  const a = canonicalObjects(actual);
  const e = canonicalObjects(expected);
  expect([...a.keys()], where).toEqual([...e.keys()]);
  for (const [key, obj] of e) expect(a.get(key), `${where}: ${key}`).toEqual(obj);
}

describeWithKustomize('rendered tree with real kustomize', () => {
  let root: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'meshc-gitops-'));
    for (const f of result.files) {
      const p = path.join(root, ...f.path.split('/'));
      await fs.mkdir(path.dirname(p), { recursive: true });
      await fs.writeFile(p, f.content);
    }
  });

  afterAll(async () => {
    if (root !== undefined) await fs.rm(root, { recursive: true, force: true });
  });

  it('renders without diagnostics', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.builds.size).toBeGreaterThan(0);
  });

  it('every overlay directory builds to exactly its builds entry', async () => {
    for (const [dir, objs] of result.builds) {
      const built = await kustomizeBuild(path.join(root, ...dir.split('/')));
      expectSameObjects(built, objs, dir);
    }
  });

  it("builds the same under Flux's load restrictor", async () => {
    for (const [dir, objs] of result.builds) {
      const built = await kustomizeBuild(path.join(root, ...dir.split('/')), { loadRestrictor: 'none' });
      expectSameObjects(built, objs, dir);
    }
  });

  it('bases and cluster directories build to the objects of their files', async () => {
    const dirs = plainDirs();
    expect(dirs.some((d) => d.startsWith('base/'))).toBe(true);
    expect(dirs.some((d) => d.startsWith('clusters/'))).toBe(true);
    for (const dir of dirs) {
      const expected = result.files
        .filter((f) => path.posix.dirname(f.path) === dir && !f.path.endsWith('/kustomization.yaml'))
        .map((f) => load(f.content) as object);
      const built = await kustomizeBuild(path.join(root, ...dir.split('/')));
      expectSameObjects(built, expected, dir);
    }
  });

  it("kustomize keeps each engine's no-prune annotation on the Namespaces (Argo CD over a Flux base too)", async () => {
    const annotationOf = async (dir: string): Promise<Record<string, string> | undefined> => {
      const built = (await kustomizeBuild(path.join(root, ...dir.split('/')))) as K8sObject[];
      return built.find((o) => o.kind === 'Namespace')?.metadata.annotations;
    };
    // dev (Flux) is the base of istio/bookinfo; prod (Argo CD) patches it.
    expect(await annotationOf('overlays/dev/bookinfo')).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    expect(await annotationOf('overlays/prod/bookinfo')).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
    expect(await annotationOf('overlays/edge/bookinfo')).toMatchObject({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
    expect(await annotationOf('overlays/dev/mesh-system/config')).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    expect(await annotationOf('overlays/prod/mesh-system/config')).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
  });

  it('a user patch in the seed component reaches the build', async () => {
    const dir = 'overlays/prod/bookinfo';
    const seed = path.join(root, ...dir.split('/'), 'user', 'kustomization.yaml');
    const original = await fs.readFile(seed, 'utf8');
    try {
      await fs.writeFile(
        seed,
        original.replace(
          /^patches: \[\]$/m,
          [
            'patches:',
            '- target: {kind: Namespace, name: bookinfo}',
            '  patch: |-',
            '    - op: add',
            '      path: /metadata/annotations',
            '      value: {team: payments}',
            '',
          ].join('\n'),
        ),
      );
      const built = (await kustomizeBuild(path.join(root, ...dir.split('/')))) as K8sObject[];
      const namespace = built.find((o) => o.kind === 'Namespace');
      expect(namespace?.metadata.annotations).toEqual({ team: 'payments' });
    } finally {
      await fs.writeFile(seed, original);
    }
  });
});

describeWithShared('Flux and Argo CD objects against the upstream schemas', () => {
  it('every Flux / Argo CD object the tree and buildEnvironment produce is valid', () => {
    const gitops = (o: K8sObject): boolean => /fluxcd\.io\/|argoproj\.io\//.test(o.apiVersion);
    const objs = scenario()
      .flatMap((r) => buildEnvironment(r))
      .filter(gitops);
    expect(new Set(objs.map((o) => `${o.apiVersion} ${o.kind}`))).toEqual(
      new Set([
        'argoproj.io/v1alpha1 Application',
        'helm.toolkit.fluxcd.io/v2 HelmRelease',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization',
        'source.toolkit.fluxcd.io/v1 GitRepository',
        'source.toolkit.fluxcd.io/v1 HelmRepository',
      ]),
    );
    const errors = objs.flatMap((o) => validateObject(o));
    expect(errors).toEqual([]);
  });

  it('with every gitops setting, runtime fields and patched GitOps objects, they stay valid', () => {
    const webhook = {
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      name: 'istiod-default-validator',
      pointer: '/webhooks/0/failurePolicy',
      reason: 'istiod sets it',
    };
    const renders = scenario().map((r) => ({
      ...r,
      env: {
        ...r.env,
        gitops: {
          ...r.env.gitops,
          interval: duration('5m'),
          secretRef: 'flux-git-auth',
          project: 'platform',
          destination: { name: `${r.env.cluster}-remote` },
        },
        patches: [
          ...r.env.patches,
          {
            index: 9,
            target:
              r.env.gitops.engine === 'flux'
                ? { kind: 'GitRepository', name: `meshc-${r.env.name}` }
                : { kind: 'Application', name: `${r.env.name}-bookinfo` },
            ops: [{ op: 'add', path: '/metadata/labels', value: { team: 'mesh' } }],
          },
        ],
      },
      output: { ...r.output, charts: r.output.charts.map((c) => ({ ...c, runtimeFields: [webhook] })) },
    }));
    expect(buildGitOpsTree(renders).diagnostics).toEqual([]);
    const objs = renders
      .flatMap((r) => buildEnvironment(r))
      .filter((o) => /fluxcd\.io\/|argoproj\.io\//.test(o.apiVersion));
    const specs = JSON.stringify(objs);
    for (const s of [
      '"secretRef":{"name":"flux-git-auth"}',
      '"ignoreDifferences"',
      '"project":"platform"',
      '"remediation"',
    ])
      expect(specs).toContain(s);
    expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
  });
});
