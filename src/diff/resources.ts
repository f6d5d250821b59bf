/**
 * The resource diff: both sides' renders compared object by object, keyed by environment and
 * apiVersion/kind/namespace/name (never by file or text). Pure.
 */
import { CanonicalCache } from '../core/canonical.ts';
import { resourceId, type K8sObject } from '../core/k8s.ts';
import { engineOf } from '../gitops/engines.ts';
import { prepareEnvironment } from '../gitops/environment.ts';
import type { EnvRender, PreparedCache, PreparedEnv } from '../gitops/tree.ts';
import { jsonEqual } from '../core/json.ts';
import { compareObjects } from '../backends/kind-order.ts';
import { emitYaml } from '../render/yaml.ts';
import { fieldChanges, type FieldChange } from './fields.ts';
import { splitLines, unifiedDiff } from './line-diff.ts';
import { normalizeForDiff } from './noise.ts';

export type ResourceChangeKind = 'added' | 'removed' | 'changed';

export interface ResourceChange {
  /** The environment (its head name; its base name when it was removed). */
  readonly environment: string;
  /** Set when the environment was renamed: its name on the base side. */
  readonly baseEnvironment?: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** apiVersion/kind/namespace/name */
  readonly id: string;
  readonly change: ResourceChangeKind;
  /** Field-level changes (changed objects only; empty for added and removed ones). */
  readonly fields: readonly FieldChange[];
  /** Unified diff of the objects' YAML (normalized, see noise.ts), hunks only; whole object for added/removed. */
  readonly diff: string;
  /** Lines added and removed in `diff`. */
  readonly added: number;
  readonly removed: number;
}

export interface DiffRendersOptions {
  /** Head environment name → base environment name, for renamed environments (compared with each other). */
  readonly renamed?: ReadonlyMap<string, string>;
  /** Context lines of the unified diffs (default 3). */
  readonly context?: number;
  /**
   * Each environment canonicalized on its own, as gitops/tree.ts `buildEnvironment` does, instead of
   * through one cache for the whole diff: the slow path, which the tests compare the default with.
   */
  readonly separateEnvironments?: boolean;
  /**
   * The cache to canonicalize with: the one the compiles' GitOps checks used (CompileCache `canonical`),
   * so that the objects they canonicalized already are not copied again. Default: a new one.
   */
  readonly canonical?: CanonicalCache;
  /** The environments the compiles' GitOps checks prepared (CompileCache `prepared`): not prepared again. */
  readonly prepared?: PreparedCache;
}

/**
 * Every object added, removed or changed between two sets of environment renders. Ordered by
 * environment name, then in install order (render/canonical.ts `compareObjects`).
 */
export function diffRenders(
  base: readonly EnvRender[],
  head: readonly EnvRender[],
  options: DiffRendersOptions = {},
): ResourceChange[] {
  const baseByName = new Map(base.map((r) => [r.env.name, r] as const));
  const headByName = new Map(head.map((r) => [r.env.name, r] as const));
  const renamedFrom = options.renamed ?? new Map<string, string>();
  const pairedBase = new Set<string>();
  const pairs: { name: string; baseName?: string; base?: EnvRender; head?: EnvRender }[] = [];
  for (const h of head) {
    const from = renamedFrom.get(h.env.name);
    // A rename only pairs an environment that is gone from the head side with one that is new there.
    const baseName =
      from !== undefined && !headByName.has(from) && !baseByName.has(h.env.name) ? from : h.env.name;
    const b = baseByName.get(baseName);
    if (b !== undefined) pairedBase.add(baseName);
    pairs.push({
      name: h.env.name,
      ...(b !== undefined && baseName !== h.env.name ? { baseName } : {}),
      ...(b !== undefined ? { base: b } : {}),
      head: h,
    });
  }
  for (const b of base) if (!pairedBase.has(b.env.name)) pairs.push({ name: b.env.name, base: b });
  pairs.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  const out: ResourceChange[] = [];
  const context = options.context ?? 3;
  // One canonical copy per distinct object for every environment of both sides (see environmentLists).
  const shared = options.canonical ?? new CanonicalCache();
  const slow = options.separateEnvironments === true;
  const build = (render: EnvRender) =>
    slow
      ? environmentLists(render, new CanonicalCache())
      : environmentLists(render, shared, options.prepared?.get(render));
  // Each distinct object's id once: the environments and sides share most objects.
  const ids = new WeakMap<K8sObject, string>();
  const idOf = (o: K8sObject): string => {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = resourceId(o)));
    return id;
  };
  for (const p of pairs) {
    // Backends are pure functions of the resolved environment: the same input renders the same objects.
    if (p.base && p.head && sameInput(p.base, p.head)) continue;
    let before = p.base ? build(p.base) : [];
    let after = p.head ? build(p.head) : [];
    let afterById = new Map(after.map((o) => [idOf(o), o] as const));
    const beforeIds = new Set(before.map(idOf));
    // With every id once on each side, each change has its own id and the changes are sorted below by
    // compareObjects, a total order on ids: the lists' order cannot show. With a repeated id (a conflict
    // the GitOps checks refuse), the order decides which object an id finds: then in buildEnvironment's.
    if (slow || afterById.size !== after.length || beforeIds.size !== before.length) {
      before = [...before].sort(compareObjects);
      after = [...after].sort(compareObjects);
      afterById = new Map(after.map((o) => [idOf(o), o] as const));
    }
    const changes: { obj: K8sObject; change: ResourceChange }[] = [];
    for (const a of before) {
      const b = afterById.get(idOf(a));
      if (b === undefined) {
        changes.push({ obj: a, change: whole(p, a, 'removed') });
        continue;
      }
      // Equal objects of the two sides are often one object (the sides share an ObjectPool).
      if (a === b || jsonEqual(a, b)) continue;
      const na = normalizeForDiff(a);
      const nb = normalizeForDiff(b);
      if (jsonEqual(na, nb)) continue;
      const diff = unifiedDiff(emitYaml(na), emitYaml(nb), { context });
      changes.push({
        obj: b,
        change: {
          ...ref(p, b, 'changed'),
          fields: fieldChanges(na, nb),
          diff,
          ...countLines(diff),
        },
      });
    }
    for (const b of after)
      if (!beforeIds.has(idOf(b))) changes.push({ obj: b, change: whole(p, b, 'added') });
    changes.sort((x, y) => compareObjects(x.obj, y.obj));
    for (const c of changes) out.push(c.change);
  }
  return out;
}

/**
 * The environment's complete object list as gitops/tree.ts `buildEnvironment` (`meshc build --env`) has it,
 * in another order (see diffRenders), with one CanonicalCache for every environment of the diff: the two
 * sides' environments emit mostly the same objects (one object each, through the compiles' shared
 * ObjectPool), so each is canonicalized once instead of once per environment and side, and the comparison
 * finds the two sides' canonical objects identical (`a === b`). Equivalent: CanonicalCache gives an input
 * the canonical form of an equal one (see core/canonical.ts), and nothing here mutates an object while the
 * cache lives. `prepared`: the environment as the compile's GitOps checks prepared it without a mesh owner,
 * which is what prepareEnvironment(render) computes (CompileCache `prepared`).
 */
function environmentLists(render: EnvRender, canonical: CanonicalCache, prepared?: PreparedEnv): K8sObject[] {
  const p = prepared ?? prepareEnvironment(render, undefined, engineOf, canonical);
  const all: K8sObject[] = [...p.cluster];
  for (const objs of p.dirs.values()) for (const o of objs) all.push(o);
  return all;
}

/** Same backend, same resolved environment (spec, services and their resolved specs): the same render. */
function sameInput(a: EnvRender, b: EnvRender): boolean {
  const x = a.env;
  const y = b.env;
  return (
    a.mesh === b.mesh &&
    x.name === y.name &&
    x.cluster === y.cluster &&
    x.services.length === y.services.length &&
    jsonEqual(x.spec, y.spec) &&
    jsonEqual(x.namespaces, y.namespaces) &&
    x.services.every((s, i) => {
      const t = y.services[i]!;
      // A service both sides resolved alike is one object (CompileCache's ResolveMemo).
      return s === t || (s.id === t.id && s.mtls === t.mtls && jsonEqual(s.spec, t.spec));
    })
  );
}

function ref(
  p: { name: string; baseName?: string },
  obj: K8sObject,
  change: ResourceChangeKind,
): Omit<ResourceChange, 'fields' | 'diff' | 'added' | 'removed'> {
  return {
    environment: p.name,
    ...(p.baseName !== undefined ? { baseEnvironment: p.baseName } : {}),
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name,
    id: resourceId(obj),
    change,
  };
}

function whole(
  p: { name: string; baseName?: string },
  obj: K8sObject,
  change: 'added' | 'removed',
): ResourceChange {
  const lines = splitLines(emitYaml(normalizeForDiff(obj)));
  const sign = change === 'added' ? '+' : '-';
  const header =
    change === 'added'
      ? `@@ -0,0 +${lines.length === 1 ? '1' : `1,${lines.length}`} @@`
      : `@@ -${lines.length === 1 ? '1' : `1,${lines.length}`} +0,0 @@`;
  return {
    ...ref(p, obj, change),
    fields: [],
    diff: `${header}\n${lines.map((l) => sign + l).join('\n')}\n`,
    added: change === 'added' ? lines.length : 0,
    removed: change === 'removed' ? lines.length : 0,
  };
}

function countLines(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of splitLines(diff)) {
    if (l.startsWith('+')) added++;
    else if (l.startsWith('-')) removed++;
  }
  return { added, removed };
}
