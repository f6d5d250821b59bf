/**
 * Kustomize's own files in the input of `meshc import` (a rendered tree imported as it lies: meshc's output holds a
 * `kustomization.yaml` in every directory, and the patches its overlays apply). They are kustomize's build
 * instructions, not cluster objects: they are left out of the import, with no finding of their own. What they
 * would have changed is another matter: the import reads the files as they are and builds nothing, so a
 * kustomization's transformations (patches, name prefixes, labels, generators, ...) are not applied, and the
 * objects of a resource that is not among the imported files are not imported. Each such field is reported once,
 * at the field, so a partial import is never silent.
 */
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourcedObject } from '../core/import-types.ts';
import { isRecord } from '../core/json.ts';
import type { DataPath } from '../core/location.ts';
import { documentEntries } from '../load/import-sources.ts';
import { locate } from '../parse/locate.ts';
import type { SourceFile } from '../parse/source.ts';
import { importDiagnostic } from '../backends/importer.ts';

/** The API group of kustomize's own kinds (Kustomization, Component). */
const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';

/** The file names kustomize reads as a directory's kustomization. */
const KUSTOMIZATION_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/**
 * Fields of a kustomization that change no object: what it is, and which resources and components it builds
 * (each component is a kustomization of its own, judged where it is).
 */
const STRUCTURAL = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'components',
  'sortOptions',
  'openapi',
  'crds',
  'configurations',
  'generatorOptions',
  'buildMetadata',
]);

/** Fields that name patch files (relative to the kustomization's directory). */
const PATCH_FIELDS = ['patches', 'patchesJson6902', 'patchesStrategicMerge'] as const;

/** Whether a document (or object) is one of kustomize's own: `kustomize.config.k8s.io/*`. */
export function isKustomizeDocument(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    value.apiVersion.startsWith(`${KUSTOMIZE_GROUP}/`)
  );
}

/** A kustomization file's document: kustomize's apiVersion, or none at all (kustomize defaults it). */
function isKustomizationDocument(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (value.apiVersion === undefined) return value.kind === undefined || value.kind === 'Kustomization';
  return isKustomizeDocument(value);
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) ? v.length === 0 : isRecord(v) && !Object.keys(v).length);

/** The files a kustomization applies as patches (paths relative to its directory). */
function patchPaths(value: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of PATCH_FIELDS) {
    const list = value[field];
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      if (typeof p === 'string' && !p.includes('\n')) out.push(p);
      else if (isRecord(p) && typeof p.path === 'string') out.push(p.path);
    }
  }
  return out;
}

/** A resource or component that is fetched, not read from the tree (kustomize's remote targets). */
const isRemote = (ref: string) =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^(github\.com|gitlab\.com)\//.test(ref) || ref.includes('?ref=');

/**
 * What the import does not do of one kustomization (or Component): its transformations are not applied, and its
 * resources and components that `present` does not find (undefined: not checked) are not imported. Each is
 * reported at its field of `source`.
 */
export function kustomizationFindings(
  source: SourcedObject,
  present?: (ref: string) => boolean,
): Diagnostic[] {
  const value = source.object as unknown as Record<string, unknown>;
  const out: Diagnostic[] = [];
  const what = `${String(value.kind ?? 'Kustomization')} ${source.origin}`;
  const hint =
    'Import the output of `kustomize build` of the directory instead (`kustomize build DIR > built.yaml`, then `meshc import built.yaml`), which applies it.';
  for (const [k, v] of Object.entries(value)) {
    if (STRUCTURAL.has(k) || isEmpty(v)) continue;
    out.push(
      importDiagnostic(
        source,
        'IMPORT_NOT_CARRIED',
        [k],
        `\`${k}\` of ${what} is not carried: kustomize applies it when it builds the directory, and the import reads the files as they are and applies no kustomization, so the imported spec describes the objects without it.`,
        hint,
      ),
    );
  }
  if (!present) return out;
  for (const field of ['resources', 'components'] as const) {
    const list = value[field];
    if (!Array.isArray(list)) continue;
    list.forEach((ref, i) => {
      if (typeof ref !== 'string' || present(ref)) return;
      const at: DataPath = [field, i];
      out.push(
        importDiagnostic(
          source,
          'IMPORT_NOT_CARRIED',
          at,
          `${isRemote(ref) ? `The remote ${field === 'resources' ? 'resource' : 'component'}` : `The ${field === 'resources' ? 'resource' : 'component'}`} ${JSON.stringify(ref)} of ${what} is not among the imported files, so what it holds is not imported (kustomize would build it into this directory).`,
          isRemote(ref)
            ? hint
            : 'Import that path too (for a rendered tree: the overlay of the environment with the base it builds on), or import the output of `kustomize build` of the directory.',
        ),
      );
    });
  }
  return out;
}

export interface KustomizeSplit {
  /** The files of cluster objects: every file of the input but kustomize's own. */
  readonly files: SourceFile[];
  /** kustomize's files left out of the import (kustomizations and the patch files they name), by path. */
  readonly skipped: string[];
  /** What the kustomizations would have changed and the import does not (kustomizationFindings). */
  readonly diagnostics: Diagnostic[];
}

/**
 * Separates kustomize's files from the files of cluster objects: a file named as a kustomization (or whose every
 * document is of kustomize's API group) whose every document is a kustomization, and the patch files those name
 * when they are among the input. A file that does not parse is left to the load stage, which reports it.
 */
export function separateKustomizeFiles(files: readonly SourceFile[]): KustomizeSplit {
  const byPath = new Set(files.map((f) => f.path));
  const kustomizations: { file: SourceFile; sources: SourcedObject[] }[] = [];
  for (const file of files) {
    const named = KUSTOMIZATION_NAMES.has(path.posix.basename(file.path));
    if (!named && !file.text.includes(KUSTOMIZE_GROUP)) continue;
    const scratch: Diagnostic[] = [];
    const entries = [...documentEntries([file], scratch)];
    if (scratch.some((d) => d.severity === 'error') || !entries.length) continue;
    const ok = entries.every(
      (e) => !e.list && (named ? isKustomizationDocument(e.value) : isKustomizeDocument(e.value)),
    );
    if (!ok) continue;
    kustomizations.push({
      file,
      sources: entries.map((e) => ({
        object: e.value as SourcedObject['object'],
        location: locate(e.doc, e.path),
        locate: (p: DataPath) => locate(e.doc, [...e.path, ...p]),
        origin: file.path,
      })),
    });
  }
  const skipped = new Set(kustomizations.map((k) => k.file.path));
  const diagnostics: Diagnostic[] = [];
  for (const { file, sources } of kustomizations) {
    const dir = path.posix.dirname(file.path);
    const resolve = (ref: string) => path.posix.normalize(path.posix.join(dir, ref)).replace(/\/+$/, '');
    // A file of the input, or a directory holding one.
    const present = (ref: string) => {
      if (isRemote(ref)) return false;
      const target = resolve(ref);
      return byPath.has(target) || files.some((f) => f.path.startsWith(`${target}/`));
    };
    for (const source of sources) {
      for (const p of patchPaths(source.object as unknown as Record<string, unknown>)) {
        const target = resolve(p);
        if (byPath.has(target)) skipped.add(target);
      }
      diagnostics.push(...kustomizationFindings(source, present));
    }
  }
  return {
    files: files.filter((f) => !skipped.has(f.path)),
    skipped: [...skipped].sort(),
    diagnostics,
  };
}
