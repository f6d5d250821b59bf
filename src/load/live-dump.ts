/**
 * `--live FILE|DIR`: live objects exported from a cluster (`kubectl get … -o yaml|json`), for `meshc drift`
 * without cluster credentials (CI). A file holds YAML or JSON documents, each an object or a `List` (kubectl's
 * `kind: List`, or an API list such as `VirtualServiceList`) whose `items` are objects; a directory is every
 * `*.yaml`, `*.yml` and `*.json` file under it. Objects lose what the server adds (server-fields.ts) and keep
 * their `file:line:col`.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourcedObject } from '../core/import-types.ts';
import type { K8sObject } from '../core/k8s.ts';
import { canonicalize } from '../core/canonical.ts';
import { LineIndex } from '../parse/line-index.ts';
import type { SourceFile } from '../parse/source.ts';
import { stripServerFields } from './server-fields.ts';
import { isRecord } from '../core/json.ts';

export interface LiveDump {
  readonly objects: SourcedObject[];
  readonly diagnostics: Diagnostic[];
  /** The files read (path as shown, text), for code frames. */
  readonly files: SourceFile[];
}

export interface LiveDumpOptions {
  /** The directory paths are shown relative to. */
  readonly cwd: string;
  /** `group/Kind` of the kinds the caller compares; objects of other kinds get one warning per kind. */
  readonly kinds?: ReadonlySet<string>;
}

/** Reads the dump files under `target`; a missing path throws (the caller's usage error). */
export async function readLiveDump(target: string, options: LiveDumpOptions): Promise<LiveDump> {
  const abs = path.resolve(options.cwd, target);
  const info = await stat(abs);
  const files = info.isDirectory() ? await dumpFiles(abs) : [abs];
  const out: LiveDump = { objects: [], diagnostics: [], files: [] };
  const byId = new Map<string, SourcedObject>();
  const otherKinds = new Map<string, { count: number; at: SourcedObject }>();
  for (const file of files) {
    const shown = path.relative(options.cwd, file).split(path.sep).join('/') || path.basename(file);
    const text = await readFile(file, 'utf8');
    out.files.push({ path: shown, text });
    for (const s of parseDump(shown, text, out.diagnostics)) {
      const id = `${s.object.apiVersion.split('/').slice(0, -1).join('/')}|${s.object.kind}|${s.object.metadata.namespace ?? ''}|${s.object.metadata.name}`;
      const earlier = byId.get(id);
      if (earlier) {
        if (JSON.stringify(canonicalize(earlier.object)) !== JSON.stringify(canonicalize(s.object)))
          out.diagnostics.push({
            code: 'LIVE_DUPLICATE_OBJECT',
            severity: 'error',
            message: `${s.object.kind} ${s.object.metadata.namespace ? `${s.object.metadata.namespace}/` : ''}${s.object.metadata.name} is in the live objects twice, with different contents.`,
            hint: 'Keep one export of the cluster; remove the stale copy.',
            ...(s.location ? { location: s.location } : {}),
            ...(earlier.location
              ? { related: [{ message: 'the other copy', location: earlier.location }] }
              : {}),
          });
        continue;
      }
      byId.set(id, s);
      const gk = groupKindOf(s.object);
      if (options.kinds && !options.kinds.has(gk)) {
        const seen = otherKinds.get(gk);
        if (seen) seen.count++;
        else otherKinds.set(gk, { count: 1, at: s });
        continue;
      }
      out.objects.push(s);
    }
  }
  for (const [gk, { count, at }] of otherKinds)
    out.diagnostics.push({
      code: 'LIVE_KIND_NOT_COMPARED',
      severity: 'warning',
      message: `The live objects include ${count} ${gk} object${count === 1 ? '' : 's'}, a kind meshc drift does not compare; skipped.`,
      hint: 'Export only the mesh and Kubernetes kinds meshc compares (README, Drift).',
      ...(at.location ? { location: at.location } : {}),
    });
  return out;
}

function groupKindOf(o: K8sObject): string {
  const slash = o.apiVersion.indexOf('/');
  return slash < 0 ? o.kind : `${o.apiVersion.slice(0, slash)}/${o.kind}`;
}

async function dumpFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...(await dumpFiles(p)));
    else if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name)) out.push(p);
  }
  return out;
}

/** The objects of one file's documents; what is not an object is a LIVE_DUMP_INVALID diagnostic. */
export function parseDump(file: string, text: string, diagnostics: Diagnostic[]): SourcedObject[] {
  const lines = new LineIndex(text);
  const at = (node: Node | null | undefined, fallback: [number, number]) => {
    const [s, e] = node?.range ? [node.range[0], node.range[1]] : fallback;
    return lines.location(file, s, e);
  };
  const invalid = (message: string, location: ReturnType<typeof at>) =>
    diagnostics.push({
      code: 'LIVE_DUMP_INVALID',
      severity: 'error',
      message,
      hint: 'Export the objects again with `kubectl get KINDS -A -o yaml`, or remove this document.',
      location,
    });
  const out: SourcedObject[] = [];
  const docs = parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: false });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      invalid(
        `${file} is not valid YAML or JSON: ${err.message.split('\n')[0]!.replace(/\.$/, '')}.`,
        lines.location(file, err.pos[0], err.pos[1]),
      );
      continue;
    }
    const contents = doc.contents;
    if (contents === null) continue;
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    // An empty document (a trailing `---`) holds nothing.
    if (value === null || value === undefined) continue;
    const docRange: [number, number] = [doc.range[0], doc.range[1]];
    const listItems = isMap(contents) ? contents.get('items', true) : undefined;
    const kind = isRecord(value) ? value.kind : undefined;
    if (isRecord(value) && typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
      const nodes = isSeq(listItems) ? listItems.items : [];
      value.items.forEach((item: unknown, i: number) => {
        const loc = at(nodes[i] as Node | undefined, docRange);
        const o = asObject(item);
        if (typeof o === 'string') invalid(`Item ${i + 1} of the ${kind} in ${file} ${o}.`, loc);
        else out.push({ object: stripServerFields(o), location: loc, origin: `${file}:${loc.line}` });
      });
      continue;
    }
    const loc = at(contents as Node, docRange);
    const o = asObject(value);
    if (typeof o === 'string') invalid(`A document of ${file} ${o}.`, loc);
    else out.push({ object: stripServerFields(o), location: loc, origin: `${file}:${loc.line}` });
  }
  return out;
}

/** The value as a Kubernetes object, or why it is not one (the end of a sentence). */
function asObject(v: unknown): K8sObject | string {
  if (!isRecord(v)) return 'is not a Kubernetes object (not a mapping)';
  if (typeof v.apiVersion !== 'string' || typeof v.kind !== 'string')
    return 'is not a Kubernetes object (no apiVersion or kind)';
  const meta = v.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '')
    return `is not a Kubernetes object (a ${v.kind} without metadata.name)`;
  return v as K8sObject;
}
