import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadSpec } from '../../src/load/load-project.ts';
import { compile } from '../../src/compile.ts';
import { locateOutput } from '../../src/pipeline.ts';
import type { CompileOptions } from '../../src/compile.ts';
import type { SourceFile } from '../../src/parse/source.ts';
import type { Diagnostic } from '../../src/core/diagnostic.ts';
import type { K8sObject } from '../../src/core/k8s.ts';
import { buildEnvironment } from '../../src/gitops/tree.ts';
import { isKustomizeConfig } from './crds.ts';

/** The whole pure pipeline on in-memory sources: compile, emit, gitops tree. */
export function renderSources(sources: readonly SourceFile[], options: CompileOptions = {}) {
  const compiled = compile(sources, options);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new Error(
      `spec has errors:\n${errors.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.col} ${d.code} ${d.message}`).join('\n')}`,
    );
  const { emitted, tree } = compiled;
  if (!emitted || !tree) throw new Error('spec has no model');
  const treeErrors = [...emitted.diagnostics, ...tree.diagnostics].filter((d) => d.severity === 'error');
  if (treeErrors.length)
    throw new Error(`render has errors:\n${treeErrors.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return { compiled, emitted, tree };
}

/**
 * A spec (path → text) compiled to the GitOps tree: the errors of every stage when there are any, else every
 * object it renders (the kustomize builds and each environment's objects; kustomize configurations left out),
 * as the tests that judge rendered objects (schemas, CEL rules, admission webhooks) take them.
 */
export function renderedObjects(files: Readonly<Record<string, string>>): {
  errors: Diagnostic[];
  objects: K8sObject[];
} {
  const compiled = compile(Object.entries(files).map(([p, text]) => ({ path: p, text })));
  const all = new Set([
    ...compiled.diagnostics,
    ...(compiled.emitted?.diagnostics ?? []),
    ...(compiled.tree?.diagnostics ?? []),
  ]);
  const errors = [...all].filter((d) => d.severity === 'error');
  if (errors.length) return { errors, objects: [] };
  const { emitted, tree } = compiled;
  if (!emitted || !tree) throw new Error('a spec without errors has no render');
  const objects = [...tree.builds.values()].flat();
  for (const r of emitted.renders) objects.push(...buildEnvironment(r));
  return { errors: [], objects: objects.filter((o) => !isKustomizeConfig(o)) };
}

export async function renderDir(dir: string) {
  const loaded = await loadSpec(dir);
  if (loaded.diagnostics.some((d) => d.severity === 'error'))
    throw new Error(`cannot load ${dir}: ${loaded.diagnostics[0]!.message}`);
  // As `meshc render` does: the output's path in the git repository is the default of `gitops.path`.
  const place = await locateOutput(dir, loaded);
  const options = place.outputRepoPath !== undefined ? { outputRepoPath: place.outputRepoPath } : {};
  return { sources: loaded.files, options, ...renderSources(loaded.files, options) };
}

/** Every file under `dir`, relative, sorted (an absent dir is empty). */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.set(r, await readFile(path.join(dir, r), 'utf8'));
    }
  };
  await walk('');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}
