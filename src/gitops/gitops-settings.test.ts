/**
 * Issue 10 (hardening) in the GitOps stage: namespaces are never pruned, the `gitops` settings reach the
 * Flux / Argo CD objects, environment patches reach the GitOps objects, charts retry a failed install,
 * runtime-changed chart fields become Argo CD `ignoreDifferences`, and validate refuses what render refuses.
 */
import { duration } from '../model/normalize.ts';
import { describe, expect, it } from 'vitest';
import type { ChartRelease } from '../backends/types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { GitOpsSettings, ObjectPatch } from '../model/types.ts';
import { ISTIO_ENV, codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { ISTIO_CHARTS, env, ns, output, systemObjects, vs } from './fixture.test.ts';
import { buildGitOpsTree } from '../../test/helpers/gitops-tree.ts';
import { buildEnvironment, gitopsDiagnostics, type EnvRender } from './tree.ts';

function render(
  name: string,
  gitops: Partial<GitOpsSettings> & { engine: 'flux' | 'argocd' },
  opts: { patches?: ObjectPatch[]; charts?: ChartRelease[]; prerequisites?: K8sObject[] } = {},
): EnvRender {
  const base = output(
    { bookinfo: [ns('bookinfo'), vs('bookinfo', 'reviews', [90, 10])] },
    systemObjects(),
    opts.charts ?? ISTIO_CHARTS,
  );
  return {
    env: env(name, `${name}-1`, gitops, ['bookinfo'], opts.patches ?? []),
    mesh: 'istio',
    systemNamespace: 'istio-system',
    output: { ...base, prerequisites: opts.prerequisites ?? [] },
  };
}

const find = (objs: readonly K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name}`);
  return o;
};
const spec = (o: K8sObject): Record<string, unknown> =>
  (o as unknown as { spec: Record<string, unknown> }).spec;

describe('namespaces are never pruned by the GitOps engine', () => {
  // The namespace of the trust objects the control plane needs first (the fixture's istio-system
  // Namespace is in mesh-system/config).
  const cpNamespace: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh-ca' } };
  const caCert: K8sObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'cacerts', namespace: 'mesh-ca' },
    spec: { secretName: 'cacerts' },
  };

  it('Flux: every Namespace (application, mesh-wide, control plane) carries prune: disabled', () => {
    const r = buildGitOpsTree([render('dev', { engine: 'flux' }, { prerequisites: [cpNamespace, caCert] })]);
    expect(r.diagnostics).toEqual([]);
    const namespaces = [...r.builds.values()].flat().filter((o) => o.kind === 'Namespace');
    // bookinfo (overlay), istio-system (mesh-system/config), mesh-ca (mesh-system/prerequisites).
    expect(namespaces).toHaveLength(3);
    for (const n of namespaces)
      expect(n.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
    // Other objects are left alone.
    const cert = find(r.builds.get('overlays/dev/mesh-system/prerequisites') ?? [], 'Certificate', 'cacerts');
    expect(cert.metadata.annotations).toBeUndefined();
  });

  it('Argo CD: every Namespace carries sync-options Prune=false,Delete=false, keeping sync options it already has', () => {
    const withOptions = {
      ...ns('bookinfo'),
      metadata: {
        name: 'bookinfo',
        annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true, Prune=true, Delete=true' },
      },
    };
    const r0 = render('prod', { engine: 'argocd' }, { charts: [], prerequisites: [cpNamespace] });
    const r = buildGitOpsTree([
      { ...r0, output: { ...r0.output, namespaces: new Map([['bookinfo', [withOptions]]]) } },
    ]);
    expect(r.diagnostics).toEqual([]);
    const bookinfo = find(r.builds.get('overlays/prod/bookinfo') ?? [], 'Namespace', 'bookinfo');
    expect(bookinfo.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false',
    });
    const cp = find(r.builds.get('overlays/prod/mesh-system/prerequisites') ?? [], 'Namespace', 'mesh-ca');
    expect(cp.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
  });

  it('keeps the annotation when the last service of a namespace goes (the Namespace alone stays)', () => {
    const r0 = render('dev', { engine: 'flux' });
    const r = buildGitOpsTree([
      { ...r0, output: { ...r0.output, namespaces: new Map([['bookinfo', [ns('bookinfo')]]]) } },
    ]);
    expect(r.builds.get('overlays/dev/bookinfo')).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'bookinfo',
          labels: { 'istio-injection': 'enabled' },
          annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
        },
      },
    ]);
  });
});

describe('gitops settings', () => {
  it('Flux: secretRef on the GitRepository, interval on the GitRepository and every Kustomization', () => {
    const objs = buildEnvironment(
      render('dev', { engine: 'flux', interval: duration('5m'), secretRef: 'flux-git-auth' }),
    );
    expect(spec(find(objs, 'GitRepository', 'meshc-dev'))).toEqual({
      interval: '5m',
      ref: { branch: 'main' },
      secretRef: { name: 'flux-git-auth' },
      url: 'https://github.com/acme/mesh-config.git',
    });
    const ks = objs.filter((o) => o.kind === 'Kustomization');
    expect(ks.map((k) => k.metadata.name)).toEqual(['dev-bookinfo', 'dev-mesh-install', 'dev-mesh-system']);
    for (const k of ks) expect(spec(k).interval).toBe('5m');
  });

  it('Flux: without them, the defaults and no secretRef', () => {
    const objs = buildEnvironment(render('dev', { engine: 'flux' }));
    expect(spec(find(objs, 'GitRepository', 'meshc-dev')).secretRef).toBeUndefined();
    expect(spec(find(objs, 'GitRepository', 'meshc-dev')).interval).toBe('1m');
    expect(spec(find(objs, 'Kustomization', 'dev-bookinfo')).interval).toBe('10m');
  });

  it('Argo CD: project and destination name on every Application (charts and overlays)', () => {
    const objs = buildEnvironment(
      render('prod', { engine: 'argocd', project: 'platform', destination: { name: 'prod-eu-1' } }),
    );
    const apps = objs.filter((o) => o.kind === 'Application');
    expect(apps).toHaveLength(5);
    for (const a of apps) {
      expect(spec(a).project).toBe('platform');
      expect(spec(a).destination).toEqual({
        name: 'prod-eu-1',
        namespace: (spec(a).destination as { namespace: string }).namespace,
      });
    }
    expect(spec(find(objs, 'Application', 'prod-bookinfo')).destination).toEqual({
      name: 'prod-eu-1',
      namespace: 'bookinfo',
    });
  });
});

describe('retries of a failed install or sync', () => {
  it('Flux HelmReleases: install retried without limit, upgrade remediated with remediateLastFailure', () => {
    const objs = buildEnvironment(render('dev', { engine: 'flux' }));
    const releases = objs.filter((o) => o.kind === 'HelmRelease');
    expect(releases).toHaveLength(3);
    for (const r of releases) {
      expect(spec(r).install).toMatchObject({ remediation: { retries: -1 } });
      expect(spec(r).upgrade).toMatchObject({ remediation: { remediateLastFailure: true, retries: 3 } });
    }
  });

  it('Argo CD Applications retry a failed sync with backoff', () => {
    const objs = buildEnvironment(render('prod', { engine: 'argocd' }));
    for (const a of objs.filter((o) => o.kind === 'Application'))
      expect((spec(a).syncPolicy as Record<string, unknown>).retry).toEqual({
        backoff: { duration: '5s', factor: 2, maxDuration: '3m' },
        limit: -1,
      });
  });
});

describe('fields the cluster changes at run time', () => {
  const webhook = (name: string) => ({
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    name,
    pointer: '/webhooks/0/failurePolicy',
    reason: 'istiod sets it to Fail once its webhook is ready',
  });
  const charts: ChartRelease[] = [
    { ...ISTIO_CHARTS[0]!, runtimeFields: [webhook('istiod-default-validator')] },
    { ...ISTIO_CHARTS[1]!, runtimeFields: [webhook('istio-validator-istio-system')] },
  ];

  it('become Argo CD ignoreDifferences, respected on sync', () => {
    const objs = buildEnvironment(render('prod', { engine: 'argocd' }, { charts }));
    const base = spec(find(objs, 'Application', 'prod-istio-base'));
    expect(base.ignoreDifferences).toEqual([
      {
        group: 'admissionregistration.k8s.io',
        kind: 'ValidatingWebhookConfiguration',
        name: 'istiod-default-validator',
        jsonPointers: ['/webhooks/0/failurePolicy'],
      },
    ]);
    expect((base.syncPolicy as { syncOptions: string[] }).syncOptions).toEqual([
      'CreateNamespace=true',
      'RespectIgnoreDifferences=true',
      'ServerSideApply=true',
    ]);
    expect(spec(find(objs, 'Application', 'prod-istiod')).ignoreDifferences).toEqual([
      expect.objectContaining({ name: 'istio-validator-istio-system' }),
    ]);
  });

  it('leave charts without them unchanged, and Flux objects unchanged', () => {
    const argo = buildEnvironment(render('prod', { engine: 'argocd' }));
    expect(spec(find(argo, 'Application', 'prod-istiod')).ignoreDifferences).toBeUndefined();
    const flux = buildEnvironment(render('dev', { engine: 'flux' }, { charts }));
    expect(flux).toEqual(
      buildEnvironment(render('dev', { engine: 'flux' }, { charts: ISTIO_CHARTS.slice(0, 2) })),
    );
  });
});

describe('environment patches reach the GitOps objects', () => {
  it('Flux Kustomization, GitRepository and HelmRelease of the environment', () => {
    const patches: ObjectPatch[] = [
      {
        index: 0,
        target: { kind: 'Kustomization', name: 'dev-bookinfo', namespace: 'flux-system' },
        ops: [{ op: 'add', path: '/spec/targetNamespace', value: 'bookinfo' }],
      },
      {
        index: 1,
        target: { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository', name: 'meshc-dev' },
        ops: [{ op: 'add', path: '/spec/ignore', value: '/*\n!/rendered\n' }],
      },
      {
        index: 2,
        target: { kind: 'HelmRelease', name: 'istiod' },
        ops: [{ op: 'replace', path: '/spec/interval', value: '1h' }],
      },
    ];
    const r = buildGitOpsTree([render('dev', { engine: 'flux' }, { patches })]);
    expect(r.diagnostics).toEqual([]);
    const file = (p: string) => r.files.find((f) => f.path === p)?.content ?? '';
    expect(file('clusters/dev-1/kustomize.toolkit.fluxcd.io_v1_kustomization_dev-bookinfo.yaml')).toMatch(
      /^ {2}targetNamespace: bookinfo$/m,
    );
    expect(file('clusters/dev-1/source.toolkit.fluxcd.io_v1_gitrepository_meshc-dev.yaml')).toMatch(
      /ignore:/,
    );
    const istiod = find(r.builds.get('overlays/dev/mesh-system/install') ?? [], 'HelmRelease', 'istiod');
    expect(spec(istiod).interval).toBe('1h');
  });

  it('Argo CD Applications of charts and overlays', () => {
    const patches: ObjectPatch[] = [
      {
        index: 0,
        target: { kind: 'Application', name: 'prod-istiod' },
        ops: [{ op: 'add', path: '/spec/source/helm/skipCrds', value: true }],
      },
    ];
    const objs = buildEnvironment(render('prod', { engine: 'argocd' }, { patches }));
    expect((spec(find(objs, 'Application', 'prod-istiod')).source as { helm: unknown }).helm).toMatchObject({
      skipCrds: true,
    });
  });

  it("never another environment's objects in a shared cluster directory", () => {
    const a = render('a', { engine: 'flux' });
    const b0 = render(
      'b',
      { engine: 'flux' },
      {
        patches: [{ index: 0, target: { kind: 'Kustomization', name: 'a-bookinfo' }, ops: [] }],
      },
    );
    const b = {
      ...b0,
      env: { ...b0.env, cluster: 'a-1', namespaces: ['shop'] },
      output: { ...b0.output, namespaces: new Map([['shop', [ns('shop')]]]) },
    };
    const diagnostics = buildGitOpsTree([a, b]).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['PATCH_TARGET_NO_MATCH', 'envs/b.yaml#patches.0.target'],
    ]);
  });
});

const REVIEWS_SERVICE = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
`;

describe('validate refuses what render refuses', () => {
  const withPatches = (patches: string): string => ISTIO_ENV + `  patches:\n${patches}`;

  it('a patch target that matches nothing fails validate with its own code, at the target', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS_SERVICE,
      'prod.yaml': withPatches(
        '    - target: { kind: VirtualService, name: nope }\n' +
          '      ops: [{ op: add, path: /metadata/labels, value: { a: b } }]\n',
      ),
    });
    expect(codesAt(r)).toEqual(['PATCH_TARGET_NO_MATCH prod.yaml:9:15']);
    expect(r.model).toBeUndefined();
  });

  it('a patch of a Flux object passes validate', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS_SERVICE,
      'prod.yaml': withPatches(
        '    - target: { kind: Kustomization, name: prod-bookinfo }\n' +
          '      ops: [{ op: add, path: /spec/force, value: true }]\n',
      ),
    });
    expect(codesAt(r)).toEqual([]);
    const objs = buildEnvironment(r.emitted!.renders[0]!);
    expect(spec(find(objs, 'Kustomization', 'prod-bookinfo')).force).toBe(true);
  });

  it('gitopsDiagnostics also reports two objects that would be written to one file', () => {
    const gw = (namespace: string): K8sObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'ingress', namespace },
    });
    const r0 = render('dev', { engine: 'flux' });
    const r = { ...r0, output: { ...r0.output, system: [...r0.output.system, gw('a'), gw('b')] } };
    const d = gitopsDiagnostics([r]);
    expect(d.map((x) => x.code)).toEqual(['RENDER_CONFLICT']);
    expect(d[0]?.message).toMatch(/Two outputs write overlays\/dev\/mesh-system\/config\/gateway/);
    // render reports it once, the same way.
    expect(buildGitOpsTree([r]).diagnostics).toEqual(d);
  });

  it('gitopsDiagnostics reports exactly what buildGitOpsTree reports', () => {
    const renders = [
      render(
        'dev',
        { engine: 'flux' },
        {
          patches: [
            { index: 0, target: { kind: 'Nothing', name: 'x' }, ops: [] },
            {
              index: 1,
              target: { kind: 'HelmRelease', name: 'istiod' },
              ops: [{ op: 'remove', path: '/spec/nope' }],
            },
          ],
        },
      ),
    ];
    const tree = buildGitOpsTree(renders).diagnostics;
    expect(tree.map((d) => d.code)).toEqual(['PATCH_TARGET_NO_MATCH', 'MESH_CONSTRAINT']);
    expect(gitopsDiagnostics(renders)).toEqual(tree);
  });
});
