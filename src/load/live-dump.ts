/**
 * `--live FILE|DIR`: live objects exported from a cluster (`kubectl get … -o yaml|json`), for `meshc drift`
 * without cluster credentials (CI). A file holds YAML or JSON documents, each an object or a `List` (kubectl's
 * `kind: List`, or an API list such as `VirtualServiceList`) whose `items` are objects; a directory is every
 * `*.yaml`, `*.yml` and `*.json` file under it. The files are read and parsed as `meshc import` reads its own
 * (import-sources.ts: the size limit, UTF-8, the parse stage's limits and YAML_* diagnostics). Objects lose
 * what the server adds (server-fields.ts) and keep their `file:line:col`.
 */
import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourcedObject } from '../core/import-types.ts';
import type { K8sObject } from '../core/k8s.ts';
import { canonicalize } from '../core/canonical.ts';
import { locate } from '../parse/locate.ts';
import type { SourceFile } from '../parse/source.ts';
import { documentEntries, readSourceFiles } from './import-sources.ts';
import type { ReadHints } from './import-sources.ts';
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

const LIVE_HINTS: ReadHints = {
  tooLarge: 'Export only the kinds meshc compares (README, Drift) and the namespaces of this environment.',
  unreadable: 'Export the objects again with `kubectl get KINDS -A -o yaml`, or remove this file.',
};

/** Reads the dump files under `target`; a missing path throws (the caller's usage error). */
export async function readLiveDump(target: string, options: LiveDumpOptions): Promise<LiveDump> {
  const diagnostics: Diagnostic[] = [];
  const files = await readSourceFiles([target], options.cwd, diagnostics, LIVE_HINTS);
  const out: LiveDump = { objects: [], diagnostics, files };
  const byId = new Map<string, SourcedObject>();
  const otherKinds = new Map<string, { count: number; at: SourcedObject }>();
  for (const s of liveObjects(files, diagnostics)) {
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

/**
 * The objects of the dump files' documents and `List` items, without the server fields, each with its
 * `file:line:col`; a document or item that is not a Kubernetes object is a LIVE_DUMP_INVALID diagnostic at its
 * position. YAML problems are the parse stage's (YAML_*). Lazy, like `documentEntries`.
 */
export function* liveObjects(
  files: readonly SourceFile[],
  diagnostics: Diagnostic[],
): Generator<SourcedObject> {
  for (const { value, doc, path, list } of documentEntries(files, diagnostics)) {
    const location = locate(doc, path);
    const o = asObject(value);
    if (typeof o === 'string')
      diagnostics.push({
        code: 'LIVE_DUMP_INVALID',
        severity: 'error',
        message: list
          ? `Item ${list.index + 1} of the ${list.kind} in ${doc.file} ${o}.`
          : `A document of ${doc.file} ${o}.`,
        hint: 'Export the objects again with `kubectl get KINDS -A -o yaml`, or remove this document.',
        location,
      });
    else yield { object: stripServerFields(o), location, origin: `${doc.file}:${location.line}` };
  }
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
