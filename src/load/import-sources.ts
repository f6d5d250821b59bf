import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourcedObject } from '../core/import-types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { DataPath } from '../core/location.ts';
import { fileStart } from '../core/location.ts';
import { newParseWork, parseFile } from '../parse/parse.ts';
import type { ParsedDoc } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';
import type { SourceFile } from '../parse/source.ts';
import { readAtMost } from './bounded-read.ts';
import { MAX_TOTAL_BYTES } from './load-project.ts';
import { isRecord as isObject } from '../core/json.ts';

/**
 * The load stage of `meshc import`: native manifests from files and directories (recursively, `*.yaml`,
 * `*.yml` and `*.json`, in name order), multi-document YAML and `kubectl get -o yaml` `List` output, as
 * `SourcedObject`s with the position of every field. The YAML goes through the parse stage (its position-keeping
 * parser and its limits on depth and aliases); a cluster dump may be larger than a spec file, up to
 * `MAX_IMPORT_BYTES` in all.
 */

/** All files of one import together (a `kubectl get -o yaml` dump of a large namespace fits). */
export const MAX_IMPORT_BYTES = MAX_TOTAL_BYTES;

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ImportSources {
  readonly objects: SourcedObject[];
  /** The files read, with their text (for code frames), by display path. */
  readonly files: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

/** What a reader of files says in the hints of the reading diagnostics (SPEC_TOO_LARGE, FILE_UNREADABLE). */
export interface ReadHints {
  readonly tooLarge: string;
  readonly unreadable: string;
}

const IMPORT_HINTS: ReadHints = {
  tooLarge: 'Import fewer files at once (one namespace at a time).',
  unreadable: 'Import text manifests (YAML or JSON).',
};

/** `paths` relative to `cwd` (or absolute); a path that does not exist is a usage error of the caller (thrown). */
export async function loadImportSources(paths: readonly string[], cwd: string): Promise<ImportSources> {
  const diagnostics: Diagnostic[] = [];
  const files = await readSourceFiles(paths, cwd, diagnostics);
  return { objects: objectsOfFiles(files, diagnostics), files, diagnostics };
}

/**
 * The text of the files under `paths` (relative to `cwd`, or absolute): a directory is every `*.yaml`, `*.yml`
 * and `*.json` file under it, in name order, without hidden files and symbolic links. Their sizes are added
 * up from a stat before each is read, and again as it is read (a pipe or a device says size 0): past
 * `MAX_IMPORT_BYTES`, that file and the ones after it are not read (SPEC_TOO_LARGE); a file that is not
 * UTF-8 is FILE_UNREADABLE; a byte-order mark is dropped. A path that does not exist throws (the caller's
 * usage error). Shared by `meshc import` and `meshc drift --live`.
 */
export async function readSourceFiles(
  paths: readonly string[],
  cwd: string,
  diagnostics: Diagnostic[],
  hints: ReadHints = IMPORT_HINTS,
): Promise<SourceFile[]> {
  const found: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const info = await stat(abs); // throws ENOENT: the CLI reports the path
    if (info.isDirectory()) found.push(...(await walk(abs)));
    else found.push(abs);
  }
  const unique = [...new Set(found)];
  const files: SourceFile[] = [];
  let total = 0;
  for (const abs of unique) {
    const display = displayPath(abs, cwd);
    const tooLarge = () =>
      diagnostics.push({
        code: 'SPEC_TOO_LARGE',
        severity: 'error',
        message: `The input files add up to more than ${MAX_IMPORT_BYTES} bytes; ${display} and the files after it were not read.`,
        hint: hints.tooLarge,
        location: fileStart(display),
      });
    let text: string;
    try {
      const info = await stat(abs);
      if (total + info.size > MAX_IMPORT_BYTES) {
        tooLarge();
        break;
      }
      // A pipe or a device (`/dev/stdin`, a FIFO) says size 0, and a file may grow after its stat: the read
      // itself stops past the limit.
      const bytes = readAtMost(abs, MAX_IMPORT_BYTES - total);
      if (bytes === undefined) {
        tooLarge();
        break;
      }
      total += bytes.length;
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    } catch (e) {
      diagnostics.push({
        code: 'FILE_UNREADABLE',
        severity: 'error',
        message: `${display} cannot be read as UTF-8 text: ${(e as Error).message}.`,
        hint: hints.unreadable,
        location: fileStart(display),
      });
      continue;
    }
    files.push({ path: display, text });
  }
  return files;
}

/** The objects of parsed files (pure; exported for tests). */
export function objectsOfFiles(files: readonly SourceFile[], diagnostics: Diagnostic[]): SourcedObject[] {
  const objects: SourcedObject[] = [];
  for (const entry of documentEntries(files, diagnostics)) {
    const { value, doc, path: prefix, list } = entry;
    if (isK8sObject(value))
      objects.push({
        object: value,
        location: locate(doc, prefix),
        locate: (p: DataPath) => locate(doc, [...prefix, ...p]),
        origin: doc.file,
      });
    else
      diagnostics.push({
        code: 'IMPORT_INVALID_OBJECT',
        severity: 'error',
        message: `${list ? `Item ${list.index} of this ${list.kind}` : 'This document'} is not a Kubernetes object: it needs apiVersion, kind and metadata.name.`,
        hint: 'Fix or remove it; `kubectl get -o yaml` output and `kubectl apply` manifests are read as they are.',
        location: locate(doc, prefix),
      });
  }
  return objects;
}

/** One document of a file, or one item of a `List` document, not yet checked to be a Kubernetes object. */
export interface DocumentEntry {
  /** The document's or the item's data. */
  readonly value: unknown;
  /** The parsed document it is in (for its positions: `locate(doc, path)`). */
  readonly doc: ParsedDoc;
  /** Where the value is in its document: `[]`, or `['items', index]` for a List item. */
  readonly path: DataPath;
  /** For a List item: the List's kind and the item's index (0-based). */
  readonly list?: { readonly kind: string; readonly index: number };
}

/**
 * The documents of the files, through the parse stage (its limits, its YAML_* diagnostics at their
 * positions, into `diagnostics`), one entry per document, or per item of a `List` (`kubectl get -o yaml`,
 * or an API list such as `VirtualServiceList`). Lazy: a file is parsed when its first entry is asked for,
 * so the diagnostics of the caller's entries and of the parse stay in file order.
 */
export function* documentEntries(
  files: readonly SourceFile[],
  diagnostics: Diagnostic[],
): Generator<DocumentEntry> {
  const work = newParseWork();
  for (const file of files) {
    // Native YAML: numeric and boolean keys (Istio's `portLevelMtls: { 8080: ... }`) are read as kubectl reads
    // them, as strings; the spec files' refusal of them does not apply (ParseOptions).
    const parsed = parseFile(file, diagnostics, work, { keys: 'native' });
    for (const doc of parsed.docs) {
      const value = doc.value;
      if (
        isObject(value) &&
        typeof value.kind === 'string' &&
        value.kind.endsWith('List') &&
        Array.isArray(value.items)
      ) {
        const kind = value.kind;
        const items: unknown[] = value.items;
        for (let index = 0; index < items.length; index++)
          yield { value: items[index], doc, path: ['items', index], list: { kind, index } };
      } else yield { value, doc, path: [] };
    }
  }
}

function isK8sObject(v: unknown): v is K8sObject {
  return (
    isObject(v) &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    isObject(v.metadata) &&
    typeof v.metadata.name === 'string'
  );
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const abs = path.join(dir, e.name);
    const info = await lstat(abs);
    if (info.isSymbolicLink()) continue;
    if (info.isDirectory()) out.push(...(await walk(abs)));
    else if (info.isFile() && EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(abs);
  }
  return out;
}

function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  return (rel && !rel.startsWith('..') ? rel : abs).split(path.sep).join('/');
}
