/**
 * `meshc import` in memory for the tests: native manifests (text) → SourcedObjects (the load stage's parser) →
 * importObjects → the imported spec compiled and emitted like `meshc render` does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../../src/core/diagnostic.ts';
import type { DiscoveredMesh, SourcedObject } from '../../src/core/import-types.ts';
import { compile } from '../../src/compile.ts';
import { importObjects } from '../../src/import/index.ts';
import type { ImportResult } from '../../src/import/index.ts';
import { objectsOfFiles } from '../../src/load/import-sources.ts';
import type { SourceFile } from '../../src/parse/source.ts';
import { repoRoot } from './shared.ts';

/** A repository file as an import source (path relative to the repository root). */
export function repoFile(rel: string): SourceFile {
  return { path: rel, text: readFileSync(path.join(repoRoot, rel), 'utf8') };
}

export interface Imported {
  readonly result: ImportResult;
  readonly loadDiagnostics: Diagnostic[];
  readonly objects: SourcedObject[];
  /** The imported spec repository as compile() sources. */
  readonly spec: SourceFile[];
}

/** The native objects of one YAML text, as the load stage reads them (the text must hold objects only). */
export function parsedObjects(text: string, file = 'input.yaml'): SourcedObject[] {
  const diagnostics: Diagnostic[] = [];
  const objects = objectsOfFiles([{ path: file, text }], diagnostics);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return objects;
}

/** Imports `files`; objects without a namespace get `namespace` (as `kubectl apply -n` / `meshc import -n`). */
export function importFiles(
  files: readonly SourceFile[],
  options: { namespace?: string; meshes?: readonly DiscoveredMesh[] } = {},
): Imported {
  const loadDiagnostics: Diagnostic[] = [];
  const objects = objectsOfFiles(files, loadDiagnostics).map((o) =>
    o.object.metadata.namespace === undefined && o.object.kind !== 'Namespace'
      ? {
          ...o,
          object: {
            ...o.object,
            metadata: { ...o.object.metadata, namespace: options.namespace ?? 'default' },
          },
        }
      : o,
  );
  const result = importObjects(objects, options.meshes ? { meshes: options.meshes } : {});
  const spec = result.files.map((f) => ({ path: f.path, text: f.content }));
  return { result, loadDiagnostics, objects, spec };
}

/** `CODE file:line` of import findings, for compact assertions. */
export function findings(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${d.location ? `${d.location.file}:${d.location.line}` : '-'}`);
}

/** Compiles an imported spec through emit; the compile must have no errors (warnings are returned). */
export function compileImported(spec: readonly SourceFile[]) {
  const sorted = [...spec].sort((a, b) =>
    a.path === 'meshc.yaml' ? -1 : b.path === 'meshc.yaml' ? 1 : a.path < b.path ? -1 : 1,
  );
  const compiled = compile(sorted, { until: 'emit' });
  const errors = [...compiled.diagnostics, ...(compiled.emitted?.diagnostics ?? [])].filter(
    (d) => d.severity === 'error',
  );
  if (errors.length || !compiled.emitted)
    throw new Error(
      `the imported spec does not compile:\n${errors.map((d) => `${d.location?.file}:${d.location?.line} ${d.code} ${d.message}`).join('\n')}\n--- spec ---\n${spec.map((f) => `# ${f.path}\n${f.text}`).join('\n')}`,
    );
  return { compiled, renders: compiled.emitted.renders };
}
