/**
 * compile(sources, options): the pure pipeline in one function (parse → validate → model → plan → emit →
 * gitops), as the CLI, diff, the library and the tests call it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import type { TreeEntry } from '../src/gitops/types.ts';
import { renderEntriesReleasing } from '../src/render/tree.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { loadSpec } from '../src/load/load-project.ts';
import { readTree } from './helpers/render.ts';
import { repoRoot } from './helpers/shared.ts';

const example = path.join(repoRoot, 'examples/bookinfo');

describe('compile(sources, options)', () => {
  it('runs every pure stage: the GitOps tree is the committed render of the example', async () => {
    const { files } = await loadSpec(example);
    const compiled = compile(files, { outputRepoPath: 'examples/bookinfo/rendered' });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(compiled.model?.environments.map((e) => e.name)).toEqual([
      'dr',
      'edge',
      'legacy',
      'legacy-dr',
      'legacy-us',
      'prod',
      'staging',
    ]);
    expect(compiled.emitted?.renders.map((r) => r.env.name)).toEqual([
      'dr',
      'edge',
      'legacy',
      'legacy-dr',
      'legacy-us',
      'prod',
      'staging',
    ]);
    const committed = await readTree(path.join(example, 'rendered'));
    expect(new Map(compiled.tree!.files.map((f) => [f.path, f.content]))).toEqual(committed);
  });

  it('stops after the stage `until` names, with the diagnostics up to it', async () => {
    const { files } = await loadSpec(example);
    const planned = compile(files, { until: 'plan' });
    expect(planned.model).toBeDefined();
    expect(planned.plans).toHaveLength(7);
    expect(planned.emitted).toBeUndefined();
    expect(planned.tree).toBeUndefined();
    const emitted = compile(files, { until: 'emit' });
    expect(emitted.emitted?.renders).toHaveLength(7);
    expect(emitted.tree).toBeUndefined();
    expect(compile(files).tree?.files.length).toBeGreaterThan(0);
  });

  it("`until: 'layout'` lays the tree out without its text; the render command makes the text entry by entry", async () => {
    const { files } = await loadSpec(example);
    const whole = compile(files, { outputRepoPath: 'examples/bookinfo/rendered' });
    const laidOut = compile(files, { outputRepoPath: 'examples/bookinfo/rendered', until: 'layout' });
    expect(laidOut.tree).toBeUndefined();
    expect(laidOut.layout?.entries.map((e) => e.path)).toEqual(whole.tree?.files.map((f) => f.path));
    // The same findings as a whole compile, the layout's own (file-level) ones included.
    expect(JSON.stringify(laidOut.allDiagnostics)).toBe(JSON.stringify(whole.allDiagnostics));
    const entries: (TreeEntry | undefined)[] = [...laidOut.layout!.entries];
    expect(renderEntriesReleasing(entries)).toEqual(whole.tree?.files);
    // Each entry is let go as its text is made, and a slot given up cannot be rendered twice.
    expect(entries.every((e) => e === undefined)).toBe(true);
    expect(() => renderEntriesReleasing(entries)).toThrow(/given up/);
  });

  it('leaves out the model, plans and renders after a load error, and reports it first', async () => {
    const { files } = await loadSpec(example);
    const loadError: Diagnostic = {
      code: 'FILE_UNREADABLE',
      severity: 'error',
      message: 'cannot read services/x.yaml.',
      location: { file: 'services/x.yaml', line: 1, col: 1 },
    } as Diagnostic;
    const compiled = compile(files, { loadDiagnostics: [loadError] });
    expect(compiled.model).toBeUndefined();
    expect(compiled.plans).toEqual([]);
    expect(compiled.emitted).toBeUndefined();
    expect(compiled.tree).toBeUndefined();
    expect(compiled.diagnostics).toContainEqual(loadError);
    expect(compiled.allDiagnostics).toEqual(compiled.diagnostics);
  });

  it('builds no model for a spec with errors, and still reports every check', () => {
    const compiled = compile([
      { path: 'meshc.yaml', text: 'apiVersion: meshc.dev/v1alpha1\nkind: Project\nmetadata: { name: t }\n' },
      {
        path: 'a.yaml',
        text: 'apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: a, namespace: n }\nspec:\n  ports: [{ name: http, port: -1 }]\n',
      },
    ]);
    expect(compiled.model).toBeUndefined();
    expect(compiled.tree).toBeUndefined();
    expect(compiled.diagnostics.some((d) => d.severity === 'error' && d.location?.file === 'a.yaml')).toBe(
      true,
    );
  });
});
