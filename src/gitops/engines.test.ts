import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../core/k8s.ts';
import { renderGitOpsTree } from '../render/tree.ts';
import type { EngineName, GitOpsEngine } from './engine.ts';
import { GITOPS_ENGINES, gitopsEngine } from './engines.ts';
import { ISTIO_CHARTS, scenario } from './fixture.test.ts';
import { applyPatch } from './json-patch.ts';
import { layoutGitOpsTree } from './tree.ts';
import type { TreeEntry } from './types.ts';

const here = new URL('./', import.meta.url);

describe('the GitOps engine registry', () => {
  it('holds exactly the engines the schema allows for gitops.engine, each under its own name', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/environment.schema.json', import.meta.url), 'utf8'),
    ) as { $defs: { GitOps: { properties: { engine: { enum: string[] } } } } };
    const allowed = schema.$defs.GitOps.properties.engine.enum;
    expect(GITOPS_ENGINES.map((e) => e.name).sort()).toEqual([...allowed].sort());
    for (const name of allowed) expect(gitopsEngine(name as EngineName).name).toBe(name);
  });

  it('keeps engine knowledge in the engine files: the generic gitops modules name no engine', () => {
    const engineFiles = new Set(GITOPS_ENGINES.map((e) => `${e.name}.ts`));
    const generic = readdirSync(here).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !engineFiles.has(f) && f !== 'engines.ts',
    );
    expect(generic).toContain('tree.ts');
    const names = GITOPS_ENGINES.flatMap((e) => [e.name, e.name === 'argocd' ? 'argo' : e.name]);
    const pattern = new RegExp(names.join('|'), 'i');
    const offenders = generic.filter((f) => pattern.test(readFileSync(new URL(f, here), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

/** An engine the registry does not know, built only against the interface. */
const DEMO: GitOpsEngine = {
  name: 'demo' as EngineName,
  keepNamespace: (annotations) => ({ ...annotations, 'demo.example/keep': 'true' }),
  installObjects: (charts) =>
    charts.map((c) => ({
      apiVersion: 'demo.example/v1',
      kind: 'Chart',
      metadata: { name: c.name, namespace: 'demo-system' },
      spec: { chart: c.chart, version: c.version },
    })),
  clusterObjects: (input) => [
    {
      apiVersion: 'demo.example/v1',
      kind: 'Sync',
      metadata: { name: input.env, namespace: 'demo-system' },
      spec: {
        install: input.dirs.install,
        config: input.dirs.config,
        namespaces: [...input.dirs.namespaces],
        bases: Object.fromEntries(input.bases),
        after: input.dirs.meshOwner ?? null,
      },
    },
  ],
  prerequisites: () => [{ what: 'the demo engine', why: '`gitops.engine: demo`' }],
};

function entry(entries: readonly TreeEntry[], path: string): TreeEntry {
  const e = entries.find((x) => x.path === path);
  if (e === undefined) throw new Error(`no entry ${path}`);
  return e;
}

describe('a third engine is one object behind the interface', () => {
  // dev and staging share cluster dev-1; dev owns its mesh-wide directories and installs the charts.
  const renders = scenario().filter((r) => r.env.cluster === 'dev-1');
  const tree = layoutGitOpsTree(renders, () => DEMO);

  it('builds a tree without conflicts, the engine objects in the cluster directory', () => {
    expect(tree.diagnostics).toEqual([]);
    const k = entry(tree.entries, 'clusters/dev-1/kustomization.yaml').content;
    expect(k).toEqual({
      type: 'kustomization',
      resources: ['demo.example_v1_sync_dev.yaml', 'demo.example_v1_sync_staging.yaml'],
    });
    const dev = entry(tree.entries, 'clusters/dev-1/demo.example_v1_sync_dev.yaml').content;
    expect(dev.type === 'object' && dev.object.spec).toEqual({
      install: true,
      config: true,
      namespaces: ['bookinfo', 'shop'],
      bases: { bookinfo: 'base/istio/bookinfo', shop: 'base/istio/shop' },
      after: null,
    });
  });

  it("gives the other environment of the cluster its owner's directories to wait for", () => {
    const staging = entry(tree.entries, 'clusters/dev-1/demo.example_v1_sync_staging.yaml').content;
    expect(staging.type === 'object' && staging.object.spec).toEqual({
      install: false,
      config: false,
      namespaces: ['shop'],
      bases: { shop: 'base/istio/shop' },
      after: { env: 'dev', install: true, config: true },
    });
  });

  it("puts the engine's install objects in the owner's install overlay", () => {
    const install = tree.builds.get('overlays/dev/mesh-system/install') ?? [];
    expect(install.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ISTIO_CHARTS.map((c) => `Chart/${c.name}`).sort(),
    );
    expect(tree.builds.has('overlays/staging/mesh-system/install')).toBe(false);
  });

  it("marks every Namespace with the engine's marker only", () => {
    const namespaces: K8sObject[] = [...tree.builds.values()].flat().filter((o) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(2);
    for (const n of namespaces) {
      expect(n.metadata.annotations).toEqual({ 'demo.example/keep': 'true' });
    }
    const text = renderGitOpsTree(tree)
      .files.map((f) => f.content)
      .join('\n');
    expect(text).not.toMatch(/fluxcd|argoproj/);
  });
});

describe('the layout is data', () => {
  it("each generated patch holds the ops that turn the base's object into the overlay's", () => {
    const tree = layoutGitOpsTree(scenario());
    const patches = tree.entries.filter((e) => e.content.type === 'patch');
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) {
      if (p.content.type !== 'patch') continue;
      const m = /^overlays\/([^/]+)\/([^/]+)\/meshc\/patches\/(.+)$/.exec(p.path);
      expect(m).not.toBeNull();
      const [, envName, ns, file] = m as RegExpExecArray;
      const render = scenario().find((r) => r.env.name === envName);
      const base = entry(tree.entries, `base/${render?.mesh}/${ns}/${file}`).content;
      if (base.type !== 'object') throw new Error(`base/${ns}/${file} is not an object`);
      const patched = applyPatch(base.object, p.content.ops);
      expect(patched).toEqual({ ok: true, value: p.content.object });
    }
  });
});
