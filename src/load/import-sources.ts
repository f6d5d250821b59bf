import { lstat, readFile, readdir, stat } from 'node:fs/promises';
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

/** `paths` relative to `cwd` (or absolute); a path that does not exist is a usage error of the caller (thrown). */
export async function loadImportSources(paths: readonly string[], cwd: string): Promise<ImportSources> {
  const diagnostics: Diagnostic[] = [];
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
    let text: string;
    try {
      const info = await stat(abs);
      total += info.size;
      if (total > MAX_IMPORT_BYTES) {
        diagnostics.push({
          code: 'SPEC_TOO_LARGE',
          severity: 'error',
          message: `The input files add up to more than ${MAX_IMPORT_BYTES} bytes; ${display} and the files after it were not read.`,
          hint: 'Import fewer files at once (one namespace at a time).',
          location: fileStart(display),
        });
        break;
      }
      const bytes = await readFile(abs);
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    } catch (e) {
      diagnostics.push({
        code: 'FILE_UNREADABLE',
        severity: 'error',
        message: `${display} cannot be read as UTF-8 text: ${(e as Error).message}.`,
        hint: 'Import text manifests (YAML or JSON).',
        location: fileStart(display),
      });
      continue;
    }
    files.push({ path: display, text });
  }
  return { objects: objectsOfFiles(files, diagnostics), files, diagnostics };
}

/** The objects of parsed files (pure; exported for tests). */
export function objectsOfFiles(files: readonly SourceFile[], diagnostics: Diagnostic[]): SourcedObject[] {
  const objects: SourcedObject[] = [];
  const work = newParseWork();
  for (const file of files) {
    const parsed = parseFile(file, diagnostics, work);
    for (const doc of parsed.docs) objects.push(...documentObjects(doc, diagnostics));
  }
  return objects;
}

/** One document: an object, or the items of a `List` (`kubectl get -o yaml`), each with its own positions. */
function documentObjects(doc: ParsedDoc, diagnostics: Diagnostic[]): SourcedObject[] {
  const value = doc.value;
  const sourced = (object: K8sObject, prefix: DataPath): SourcedObject => ({
    object,
    location: locate(doc, prefix),
    locate: (p: DataPath) => locate(doc, [...prefix, ...p]),
    origin: doc.file,
  });
  const invalid = (prefix: DataPath, what: string) =>
    diagnostics.push({
      code: 'IMPORT_INVALID_OBJECT',
      severity: 'error',
      message: `${what} is not a Kubernetes object: it needs apiVersion, kind and metadata.name.`,
      hint: 'Fix or remove it; `kubectl get -o yaml` output and `kubectl apply` manifests are read as they are.',
      location: locate(doc, prefix),
    });
  if (
    isObject(value) &&
    typeof value.kind === 'string' &&
    value.kind.endsWith('List') &&
    Array.isArray(value.items)
  ) {
    const out: SourcedObject[] = [];
    value.items.forEach((item, i) => {
      if (isK8sObject(item)) out.push(sourced(item, ['items', i]));
      else invalid(['items', i], `Item ${i} of this ${value.kind}`);
    });
    return out;
  }
  if (isK8sObject(value)) return [sourced(value, [])];
  invalid([], 'This document');
  return [];
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
