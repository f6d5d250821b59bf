/**
 * The library entry (src/index.ts, the package's `exports`): the same pipeline as the CLI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, diff, load, render, write } from '../src/index.ts';
import { readTree } from './helpers/render.ts';
import { repoRoot } from './helpers/shared.ts';

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

describe('import { load, compile, render, write, diff } from "meshc"', () => {
  it('renders the bundled example exactly as `meshc render` committed it', async () => {
    const example = path.join(repoRoot, 'examples/bookinfo');
    const project = await load(example);
    expect(project.diagnostics).toEqual([]);
    const compiled = compile(project);
    expect(compiled.ok).toBe(true);
    expect(compiled.model?.environments.map((e) => e.name)).toEqual([
      'dr',
      'edge',
      'legacy',
      'legacy-dr',
      'legacy-us',
      'prod',
      'staging',
    ]);
    const rendered = render(compiled);
    const committed = await readTree(path.join(example, 'rendered'));
    expect(new Map(rendered.files.map((f) => [f.path, f.content]))).toEqual(committed);
  });

  it('reports errors as diagnostics, renders nothing for an invalid spec, and diffs two versions', () => {
    const project = 'apiVersion: meshc.dev/v1alpha1\nkind: Project\nmetadata: { name: t }\n';
    const env = (mtls: string) =>
      `apiVersion: meshc.dev/v1alpha1\nkind: Environment\nmetadata: { name: prod }\nspec:\n  cluster: c\n  mesh: { type: istio, version: "1.24", mtls: ${mtls} }\n  gitops: { engine: flux, repo: https://example.com/r.git }\n`;
    const svc =
      'apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: a, namespace: n }\nspec:\n  ports: [{ name: http, port: 80 }]\n';
    const files = (mtls: string) => [
      { path: 'meshc.yaml', text: project },
      { path: 'a.yaml', text: svc },
      { path: 'env.yaml', text: env(mtls) },
    ];
    const bad = compile([...files('strict'), { path: 'b.yaml', text: svc.replace('port: 80', 'port: -1') }]);
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.some((d) => d.severity === 'error' && d.location?.file === 'b.yaml')).toBe(true);
    expect(render(bad)).toMatchObject({ ok: false, files: [] });

    const base = compile(files('permissive'));
    const head = compile(files('strict'));
    const d = diff(base, head)!;
    expect(d.resources.some((r) => r.change === 'changed')).toBe(true);
    expect(diff(base, bad)).toBeUndefined();
    expect(diff(undefined, head)!.stats.resources.removed).toBe(0);
  });

  it('write() replaces only its own files and refuses to drop a whole environment unless allowed', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'meshc-lib-'));
    temps.push(out);
    const compiled = compile(await load(path.join(repoRoot, 'examples/bookinfo')));
    const first = await write(out, render(compiled));
    expect(first.diagnostics).toEqual([]);
    const prodOnly = compile(await load(path.join(repoRoot, 'examples/bookinfo')), {
      environments: ['prod'],
    });
    const refused = await write(out, render(prodOnly));
    expect(refused.diagnostics.map((x) => x.code)).toEqual(['OUTPUT_REMOVALS']);
    expect(refused.removals.environments).toEqual([
      'dr',
      'edge',
      'legacy',
      'legacy-dr',
      'legacy-us',
      'staging',
    ]);
    const allowed = await write(out, render(prodOnly), { allowRemovals: true });
    expect(allowed.diagnostics).toEqual([]);
    expect(allowed.removed.length).toBeGreaterThan(0);
  });
});
