/**
 * Conflicts the tree refuses (RENDER_CONFLICT): two renders of one environment, environments on one
 * cluster that render one object differently, one object twice in an environment, and two outputs for one
 * file. Each check returns the objects it keeps (the first of a clash) and pushes diagnostics.
 */
import { CODES, type DiagnosticCode } from '../core/codes.ts';
import { InternalError, type Diagnostic, type RelatedLocation } from '../core/diagnostic.ts';
import { objectFileName, resourceId, type K8sObject } from '../core/k8s.ts';
import type { Location } from '../core/location.ts';
import type { OutputFile } from '../core/output.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import { describeObject } from './env-patches.ts';
import type { PreparedEnv } from './environment.ts';
import { jsonEqual } from './json-patch.ts';
import { clusterPath } from './layout.ts';
import {
  clusterObjectSources,
  describeSources,
  objectSources,
  sourceLocation,
  type ObjectSource,
} from './sources.ts';
import type { TreeContent, TreeEntry } from './types.ts';

/** `related`: a location (`the other source`), or a related location with its own message. */
export function conflict(
  message: string,
  location: Location,
  related?: Location | RelatedLocation,
): Diagnostic {
  const code: DiagnosticCode = 'RENDER_CONFLICT';
  const rel: RelatedLocation[] =
    related === undefined
      ? []
      : ['message' in related ? related : { message: 'the other source', location: related }];
  return {
    code,
    severity: CODES[code].severity,
    message,
    hint: CODES[code].fix,
    location,
    ...(rel.length > 0 ? { related: rel } : {}),
  };
}

/** Two renders for one environment name (`prepared` sorted by name). */
export function checkDuplicateRenders(prepared: readonly PreparedEnv[], diagnostics: Diagnostic[]): void {
  for (let i = 1; i < prepared.length; i++) {
    const a = prepared[i - 1] as PreparedEnv;
    const b = prepared[i] as PreparedEnv;
    if (a.name === b.name) {
      diagnostics.push(
        conflict(
          `Two renders are given for environment ${a.name}.`,
          b.render.env.origin([]),
          a.render.env.origin([]),
        ),
      );
    }
  }
}

/** One environment's copy of an object that environments sharing a cluster render. */
export interface RenderedBy {
  readonly env: ResolvedEnvironment;
  readonly obj: K8sObject;
}

/**
 * Two environments on `cluster` render one object differently (`first`: the environment met first, by name).
 * The message names both sources: in each environment, the services that render the object (objectSources),
 * or the environment's own settings when it names none. At the first source's node when one is known (the
 * first environment's, else the second's), the other environment's source (or its `cluster`) related; at the
 * second environment's `cluster` when neither names a service.
 */
export function sharedClusterConflict(cluster: string, first: RenderedBy, second: RenderedBy): Diagnostic {
  const sides = [first, second].map((side) => {
    const sources = objectSources(side.env, side.obj);
    const by = sources.length ? `for ${describeSources(sources)}` : 'from its own settings';
    const source = sources[0];
    return {
      text: `environment ${side.env.name} renders it ${by}`,
      at: source && sourceLocation(source),
      cluster: () => side.env.origin(['cluster']),
    };
  });
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  const message = `Environments ${first.env.name} and ${second.env.name} share cluster ${cluster} but render ${describeObject(second.obj)} differently: ${a.text}, ${b.text}.`;
  if (a.at === undefined && b.at === undefined) return conflict(message, b.cluster(), a.cluster());
  const [here, other] = a.at !== undefined ? [a, b] : [b, a];
  return conflict(message, here.at!, { message: other.text, location: other.at ?? other.cluster() });
}

/**
 * Environments that share a cluster apply into one API server: an object both render must be the same
 * object, or the two GitOps objects would fight over it.
 */
export function checkSharedCluster(
  cluster: string,
  envs: readonly PreparedEnv[],
  diagnostics: Diagnostic[],
): void {
  if (envs.length < 2) return;
  const seen = new Map<string, { env: PreparedEnv; obj: K8sObject }>();
  for (const env of envs) {
    for (const objs of env.dirs.values()) {
      for (const obj of objs) {
        const id = resourceId(obj);
        const first = seen.get(id);
        if (first === undefined) seen.set(id, { env, obj });
        else if (!jsonEqual(first.obj, obj)) {
          diagnostics.push(
            sharedClusterConflict(
              cluster,
              { env: first.env.render.env, obj: first.obj },
              { env: env.render.env, obj },
            ),
          );
        }
      }
    }
  }
}

/** An object of a cluster directory with the environment that produced it. */
export interface ClusterEntry {
  readonly obj: K8sObject;
  readonly env: PreparedEnv;
}

/**
 * The objects of one cluster directory from its environments' engine objects, the first of each clash
 * kept: one object from two environments, or two objects that share a file name.
 */
export function clusterEntries(
  cluster: string,
  envs: readonly PreparedEnv[],
  diagnostics: Diagnostic[],
): ClusterEntry[] {
  const dir = clusterPath(cluster);
  const seen = new Map<string, PreparedEnv>();
  const fileOwner = new Map<string, ClusterEntry>();
  const entries: ClusterEntry[] = [];
  for (const env of envs) {
    for (const obj of env.cluster) {
      const id = resourceId(obj);
      const first = seen.get(id);
      if (first !== undefined) {
        const [a, b] = [sideOf(first, obj), sideOf(env, obj)];
        diagnostics.push(
          twoSided(
            first.name === env.name
              ? // One environment naming an object of its own twice (a namespace \`mesh-install\`, say).
                `Environment ${env.name} produces ${describeObject(obj)} twice in ${dir}${because(a, b)}.`
              : `Environments ${first.name} and ${env.name} both produce ${describeObject(obj)} in ${dir}${because(a, b)}.`,
            a,
            b,
          ),
        );
        continue;
      }
      const file = objectFileName(obj);
      const sameFile = fileOwner.get(file);
      if (sameFile !== undefined) {
        const [a, b] = [sideOf(sameFile.env, sameFile.obj), sideOf(env, obj)];
        diagnostics.push(
          twoSided(
            sameFile.env.name === env.name
              ? `Two outputs write ${dir}/${file}: ${describeObject(sameFile.obj)} and ${describeObject(obj)} of environment ${env.name}${because(a, b)}.`
              : `Two outputs write ${dir}/${file}: ${describeObject(sameFile.obj)} of environment ${sameFile.env.name} and ${describeObject(obj)} of environment ${env.name}${because(a, b)}.`,
            a,
            b,
          ),
        );
        continue;
      }
      fileOwner.set(file, { obj, env });
      seen.set(id, env);
      entries.push({ obj, env });
    }
  }
  return entries;
}

/** One side of a conflict in the cluster directory: the environment, and the services its object is for. */
interface Side {
  readonly env: string;
  readonly sources: readonly ObjectSource[];
  readonly root: () => Location;
}

function sideOf(env: PreparedEnv, obj: K8sObject): Side {
  return {
    env: env.name,
    sources: clusterObjectSources(env.render.env, obj, env.namespaces),
    root: () => env.render.env.origin([]),
  };
}

/** `for bookinfo/reviews (namespace b-c)`, or `from its own settings`. */
function sideBy(s: Side): string {
  return s.sources.length ? `for ${describeSources(s.sources)}` : 'from its own settings';
}

/** `environment a renders it for bookinfo/reviews (namespace b-c)`, or `... from its own settings`. */
function sideText(s: Side): string {
  return `environment ${s.env} renders it ${sideBy(s)}`;
}

/**
 * `: ` and both sides' texts, or nothing when neither names a service (the message names both environments).
 * Both sides one environment (named once by the message): `: once for …, once from its own settings`.
 */
function because(a: Side, b: Side): string {
  if (!a.sources.length && !b.sources.length) return '';
  if (a.env !== b.env) return `: ${sideText(a)}, ${sideText(b)}`;
  return sameSide(a, b) ? `, ${sideBy(a)}` : `: once ${sideBy(a)}, once ${sideBy(b)}`;
}

/** Both sides one environment, rendering for the same services (a namespace named like a GitOps object). */
function sameSide(a: Side, b: Side): boolean {
  return a.env === b.env && sideBy(a) === sideBy(b);
}

/**
 * A conflict between two environments' objects: at the first service's node when one is known (the first
 * side's, else the second's), the other side's first service (or its environment) related; at the second
 * environment when neither names a service, the first related.
 */
function twoSided(message: string, a: Side, b: Side): Diagnostic {
  const at = (s: Side) => (s.sources[0] ? sourceLocation(s.sources[0]) : undefined);
  const [here, other] = a.sources.length ? [a, b] : [b, a];
  const location = at(here);
  if (location === undefined) return conflict(message, b.root(), a.root());
  if (sameSide(a, b)) return conflict(message, location);
  return conflict(message, location, { message: sideText(other), location: at(other) ?? other.root() });
}

/**
 * An environment's objects per overlay directory with each object once: an object in two directories (or
 * twice in one), or two objects sharing a file name in one directory (file names leave the namespace
 * out), keep the first. `owner` maps object ids to the directory that kept them, across directories.
 */
export function uniqueObjects(
  env: PreparedEnv['render']['env'],
  dir: string,
  objs: readonly K8sObject[],
  owner: Map<string, string>,
  diagnostics: Diagnostic[],
): K8sObject[] {
  const list: K8sObject[] = [];
  const fileOwner = new Map<string, K8sObject>();
  for (const obj of objs) {
    const id = resourceId(obj);
    const first = owner.get(id);
    const file = objectFileName(obj);
    const sameFile = fileOwner.get(file);
    if (first === undefined && sameFile !== undefined) {
      const a = objectSources(env, sameFile);
      const b = objectSources(env, obj);
      const by = (s: readonly ObjectSource[]) => (s.length ? ` (for ${describeSources(s)})` : '');
      const here = a[0] ?? b[0];
      const other = a[0] ? b[0] : undefined;
      diagnostics.push(
        conflict(
          `Two outputs write overlays/${env.name}/${dir}/${file}: ${describeObject(sameFile)}${by(a)} and ${describeObject(obj)}${by(b)} of environment ${env.name}.`,
          here ? sourceLocation(here) : env.origin([]),
          other && other.service !== here?.service
            ? {
                message: `${describeObject(obj)} is for ${other.service.id}`,
                location: sourceLocation(other),
              }
            : undefined,
        ),
      );
      continue;
    }
    if (first !== undefined) {
      const where =
        first === dir
          ? `twice in overlays/${env.name}/${dir}`
          : `in both overlays/${env.name}/${first} and overlays/${env.name}/${dir}`;
      const sources = objectSources(env, obj);
      const by = sources.length ? ` for ${describeSources(sources)}` : '';
      diagnostics.push(
        conflict(
          `Environment ${env.name} produces ${describeObject(obj)} ${where}${by}.`,
          sources[0] ? sourceLocation(sources[0]) : env.origin([]),
        ),
      );
      continue;
    }
    owner.set(id, dir);
    fileOwner.set(file, obj);
    list.push(obj);
  }
  return list;
}

/** The tree's entries by path: a second entry for a taken path is a RENDER_CONFLICT, and the first is kept. */
export class EntrySet {
  private readonly entries = new Map<string, { entry: TreeEntry; source: string | undefined }>();
  private readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    this.diagnostics = diagnostics;
  }

  /**
   * False (and a RENDER_CONFLICT naming both sources) when the path is taken. `source` names who wrote the
   * entry; an object or a patch without one names its object and environment (built only for a conflict).
   */
  add(path: string, content: TreeContent, ownership: OutputFile['ownership'], source?: string): boolean {
    const existing = this.entries.get(path);
    if (existing !== undefined) {
      this.diagnostics.push({
        code: 'RENDER_CONFLICT',
        severity: CODES.RENDER_CONFLICT.severity,
        message: `Two outputs write ${path}: ${sourceOf(existing.entry.content, existing.source)} and ${sourceOf(content, source)}.`,
        hint: CODES.RENDER_CONFLICT.fix,
      });
      return false;
    }
    this.entries.set(path, { entry: { path, ownership, content }, source });
    return true;
  }

  /**
   * Sorted by path: by the default sort, which orders by UTF-16 code unit as layout.ts `cmp` does (the paths
   * are unique), natively instead of calling a comparator some 100,000 times for 8,000 files.
   */
  list(): TreeEntry[] {
    const paths = [...this.entries.keys()].sort();
    return paths.map((p) => (this.entries.get(p) as { entry: TreeEntry }).entry);
  }
}

/** Who wrote an entry, for conflict messages: `source`, or the object and environment of an object or patch. */
function sourceOf(content: TreeContent, source: string | undefined): string {
  if (source !== undefined) return source;
  if (content.type === 'object' || content.type === 'patch')
    return `${describeObject(content.object)} of environment ${content.env}`;
  throw new InternalError(`EntrySet: an entry of type ${content.type} needs a source`);
}
