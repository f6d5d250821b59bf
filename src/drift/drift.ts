/**
 * `meshc drift`: an environment's render against the live objects (read from a cluster or a dump), per
 * object, in four classes:
 *
 * - **missing**: rendered, not live;
 * - **changed**: live, but a field meshc sets has another value (or is gone). Only the fields of the render
 *   are compared, after the diff's noise filter on both sides (diff/noise.ts: server-filled defaults, set-like
 *   lists, the backends' `diffNoise`), so whatever the API server or a controller adds is never drift;
 * - **unmanaged overlap**: a live object meshc did not render that competes with one it did (the backends'
 *   `overlaps` rules: another VirtualService for the same host, another route on the same Service parent, …);
 * - **leftover**: a live object labelled as meshc's (`app.kubernetes.io/managed-by: meshc`) that the render no
 *   longer has: what a GitOps engine with pruning off, or a hand-applied render, leaves behind, still acting on
 *   traffic. Only this environment's (see {@link LeftoverFinding}), never a Namespace (meshc keeps those on
 *   purpose), and only of the kinds compared.
 *
 * Objects are matched on API group, kind, namespace and name (not version: the server may return another
 * served version of the same object). Rendered kinds outside `scope` (what the live source holds at all:
 * GitOps objects, certificates, monitors) are counted as not compared, never as missing. Pure.
 */
import type { SourcedObject } from '../core/import-types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { OverlapClaim, OverlapRule } from '../backends/types.ts';
import { groupKind, normalizeForDiff, stableJson } from '../diff/noise.ts';
import { selectorsMeet } from '../core/selectors.ts';
import { ARGOCD_TRACKING_ID, DEFAULT_ARGO_TRACKING, type ArgoTracking } from '../load/cluster/argocd.ts';

export interface DriftInput {
  /** The environment's objects as `meshc build --env` prints them. */
  readonly rendered: readonly K8sObject[];
  /** The live objects (server fields stripped by the load stage). */
  readonly live: readonly SourcedObject[];
  /** `group/Kind` (core: `Kind`) of the kinds the live source holds: only these are compared. */
  readonly scope: ReadonlySet<string>;
  /** The overlap rules of the environment's mesh (its backend's `overlaps`). */
  readonly overlaps: readonly OverlapRule[];
  /**
   * The namespaces only this environment deploys to on its cluster (its application namespaces: meshc refuses
   * two environments of a project deploying one namespace to one cluster, CLUSTER_NAMESPACE_CONFLICT). A
   * leftover there that no GitOps engine marks (a hand-applied render) is this environment's. Absent: none, so
   * only leftovers an engine marks as applied by this environment are reported.
   */
  readonly ownNamespaces?: ReadonlySet<string>;
  /**
   * How the environment's Argo CD marks what it applies (its `argocd-cm`, read from the cluster). Absent:
   * Argo CD's defaults, the method not known ({@link DEFAULT_ARGO_TRACKING}).
   */
  readonly argocd?: ArgoTracking;
}

/** An object, as the report names it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface FieldChange {
  /** Dotted path with list indexes: `spec.http[0].route[0].weight`. */
  readonly path: string;
  readonly rendered: unknown;
  /** Absent: the field is not set live. */
  readonly live?: unknown;
}

export interface ChangedObject {
  readonly object: ObjectRef;
  /** Where the live copy came from. */
  readonly origin: string;
  readonly fields: readonly FieldChange[];
}

export interface OverlapFinding {
  /** The unmanaged live object. */
  readonly object: ObjectRef;
  readonly origin: string;
  /** The rendered object it competes with. */
  readonly with: ObjectRef;
  /** What both claim, in words: `the same host: host reviews.bookinfo.svc.cluster.local on mesh`. */
  readonly claim: string;
}

/**
 * A live object labelled as meshc's that the render does not have, known to be this environment's: the GitOps
 * engine that applied it says so (Argo CD's tracking annotation `argocd.argoproj.io/tracking-id` or instance
 * label, `app.kubernetes.io/instance` unless argocd-cm names another ({@link ArgoTracking}), naming an
 * Application the environment renders; Flux's labels
 * `kustomize.toolkit.fluxcd.io/name` and `/namespace` naming one of its Kustomizations), or, without any such
 * mark, it is in one of the environment's own namespaces (`DriftInput.ownNamespaces`). An object an engine
 * marks as another's (another environment's Application, say) is never one, nor one in a namespace the render
 * has nothing in.
 */
export interface LeftoverFinding {
  readonly object: ObjectRef;
  readonly origin: string;
  /** Why it is this environment's: `applied by Argo CD Application argocd/prod-bookinfo`. */
  readonly reason: string;
}

export interface DriftReport {
  readonly missing: readonly ObjectRef[];
  readonly changed: readonly ChangedObject[];
  readonly overlaps: readonly OverlapFinding[];
  /** Live objects of meshc's that the render no longer has (an object may also be an unmanaged overlap). */
  readonly leftovers: readonly LeftoverFinding[];
  /** Rendered objects that match live. */
  readonly inSync: number;
  /** Rendered objects of kinds the live source does not hold (outside the scope), per `group/Kind`. */
  readonly notCompared: Readonly<Record<string, number>>;
  /** Every kind meshc rendered objects of, by `group/Kind`: how many were compared, how many not, and why. */
  readonly kinds: readonly KindCount[];
}

/**
 * The rendered objects of one kind (`group/Kind`). A kind is compared or not as a whole (the scope is a set
 * of kinds): one of `compared` and `notCompared` is 0, and `reason` says why when something is not as asked.
 */
export interface KindCount {
  /** `group/Kind` (core: `Kind`). */
  readonly kind: string;
  /** Rendered objects of the kind compared with the live ones (each in sync, changed or missing). */
  readonly compared: number;
  /** Rendered objects of the kind not compared: the kind is not one the live source holds (not in scope). */
  readonly notCompared: number;
  /** Live objects of the kind (for a kind not compared, 0: none is read). */
  readonly live: number;
  /**
   * `not-compared`: meshc drift does not compare the kind (it does not read it live). `no-live-objects`: it
   * does, but there is no live object of the kind (not served, not exported, not applied), so each rendered
   * one is missing. Absent otherwise.
   */
  readonly reason?: 'not-compared' | 'no-live-objects';
}

/** True when the report has any of the four classes. */
export function hasDrift(r: DriftReport): boolean {
  return r.missing.length > 0 || r.changed.length > 0 || r.overlaps.length > 0 || r.leftovers.length > 0;
}

/** The identity objects are matched on: group, kind, namespace, name. */
export function identity(o: K8sObject): string {
  return `${groupKind(o)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

export function refOf(o: K8sObject): ObjectRef {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
  };
}

export function computeDrift(input: DriftInput): DriftReport {
  const live = new Map<string, SourcedObject>();
  for (const s of input.live) if (!live.has(identity(s.object))) live.set(identity(s.object), s);
  const renderedIds = new Set<string>();
  const missing: ObjectRef[] = [];
  const changed: ChangedObject[] = [];
  const notCompared: Record<string, number> = {};
  let inSync = 0;
  const compared: K8sObject[] = [];
  const counts = new Map<string, { compared: number; notCompared: number }>();
  for (const r of sorted(input.rendered)) {
    const gk = groupKind(r);
    const count = counts.get(gk) ?? { compared: 0, notCompared: 0 };
    counts.set(gk, count);
    if (!input.scope.has(gk)) {
      notCompared[gk] = (notCompared[gk] ?? 0) + 1;
      count.notCompared++;
      continue;
    }
    count.compared++;
    compared.push(r);
    renderedIds.add(identity(r));
    const l = live.get(identity(r));
    if (!l) {
      missing.push(refOf(r));
      continue;
    }
    const fields: FieldChange[] = [];
    // The version is not compared: the server answers in the version asked for, the same object in each.
    project(withoutVersion(normalizeForDiff(r)), withoutVersion(normalizeForDiff(l.object)), '', fields);
    if (fields.length > 0) changed.push({ object: refOf(r), origin: l.origin, fields });
    else inSync++;
  }

  const overlaps: OverlapFinding[] = [];
  const unmanaged = sorted(input.live.map((s) => s.object)).filter((o) => !renderedIds.has(identity(o)));
  const origins = new Map(input.live.map((s) => [identity(s.object), s.origin]));
  const seen = new Set<string>();
  for (const rule of input.overlaps) {
    const ours = compared
      .filter((o) => rule.kinds.includes(groupKind(o)))
      .map((o) => ({ o, claims: rule.claims(o) }));
    if (ours.length === 0) continue;
    for (const u of unmanaged) {
      if (!rule.kinds.includes(groupKind(u))) continue;
      const theirs = rule.claims(u);
      for (const { o, claims } of ours) {
        const shared = claims.find((c) => theirs.some((t) => competes(c, t)));
        const key = `${identity(u)}→${identity(o)}`;
        if (shared === undefined || seen.has(key)) continue;
        seen.add(key);
        overlaps.push({
          object: refOf(u),
          origin: origins.get(identity(u)) ?? '',
          with: refOf(o),
          claim: `${rule.what}: ${shared.key}${shared.selector ? ` (${selectorText(shared.selector)})` : ''}`,
        });
      }
    }
  }
  const liveOf = new Map<string, number>();
  for (const l of live.values()) liveOf.set(groupKind(l.object), (liveOf.get(groupKind(l.object)) ?? 0) + 1);
  const kinds = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([kind, c]): KindCount => {
      const n = c.compared > 0 ? (liveOf.get(kind) ?? 0) : 0;
      const reason = c.notCompared > 0 ? 'not-compared' : n === 0 ? 'no-live-objects' : undefined;
      return { kind, ...c, live: n, ...(reason ? { reason } : {}) };
    });
  const leftovers = findLeftovers(input, renderedIds, origins);
  return { missing, changed, overlaps, leftovers, inSync, notCompared, kinds };
}

/** meshc's ownership label (backends/shared/labels.ts `MANAGED_BY_LABELS`). */
const MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Flux kustomize-controller's labels on what a Kustomization applied. */
const FLUX_NAME = 'kustomize.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';

/**
 * What applied an object, by the marks GitOps engines put on it (none: applied by hand, or unknown). Of Argo
 * CD's two marks, the one its tracking method reads, when the object has it; the other only without it (an
 * object applied before the method changed, which Argo CD no longer tracks, so never prunes); both when the
 * method is not known.
 */
function appliedBy(o: K8sObject, argo: ArgoTracking): { engine: 'argocd' | 'flux'; name: string }[] {
  const labels = o.metadata.labels ?? {};
  const annotations = o.metadata.annotations ?? {};
  const out: { engine: 'argocd' | 'flux'; name: string }[] = [];
  const tracking = annotations[ARGOCD_TRACKING_ID];
  const byAnnotation = typeof tracking === 'string' ? tracking.split(':')[0]! : undefined;
  const instance = labels[argo.instanceLabelKey];
  const byLabel = typeof instance === 'string' ? instance : undefined;
  const [first, second] = argo.method === 'label' ? [byLabel, byAnnotation] : [byAnnotation, byLabel];
  const marks = argo.method === undefined ? [first, second] : [first ?? second];
  for (const name of marks) if (name !== undefined) out.push({ engine: 'argocd', name });
  const ks = labels[FLUX_NAME];
  if (typeof ks === 'string' || typeof labels[FLUX_NAMESPACE] === 'string')
    out.push({ engine: 'flux', name: `${String(labels[FLUX_NAMESPACE] ?? '')}/${String(ks ?? '')}` });
  return out;
}

function findLeftovers(
  input: DriftInput,
  renderedIds: ReadonlySet<string>,
  origins: ReadonlyMap<string, string>,
): LeftoverFinding[] {
  // The environment's own engine objects, by the names their marks use. An Argo CD Application outside the
  // control plane's namespace is tracked as `<namespace>_<name>`.
  const apps = new Map<string, string>();
  const kustomizations = new Set<string>();
  const namespaces = new Set<string>();
  for (const o of input.rendered) {
    const ns = o.metadata.namespace;
    if (ns !== undefined) namespaces.add(ns);
    else if (o.apiVersion === 'v1' && o.kind === 'Namespace') namespaces.add(o.metadata.name);
    const gk = groupKind(o);
    if (gk === 'argoproj.io/Application') {
      const name = `${ns ?? ''}/${o.metadata.name}`;
      apps.set(o.metadata.name, name);
      apps.set(`${ns ?? ''}_${o.metadata.name}`, name);
    } else if (gk === 'kustomize.toolkit.fluxcd.io/Kustomization')
      kustomizations.add(`${ns ?? ''}/${o.metadata.name}`);
  }
  const out: LeftoverFinding[] = [];
  const seen = new Set<string>();
  for (const o of sorted(input.live.map((s) => s.object))) {
    const id = identity(o);
    if (seen.has(id) || renderedIds.has(id)) continue;
    seen.add(id);
    if (!input.scope.has(groupKind(o)) || o.metadata.labels?.[MANAGED_BY] !== 'meshc') continue;
    // meshc's Namespaces are kept from pruning on purpose (every engine's no-prune marker).
    if (o.apiVersion === 'v1' && o.kind === 'Namespace') continue;
    const ns = o.metadata.namespace;
    if (ns !== undefined && !namespaces.has(ns)) continue;
    const marks = appliedBy(o, input.argocd ?? DEFAULT_ARGO_TRACKING);
    let reason: string;
    if (marks.length > 0) {
      // Every mark must name one of this environment's engine objects: anything else is another's.
      const ours = marks.map((m) =>
        m.engine === 'argocd'
          ? apps.has(m.name)
            ? `Argo CD Application ${apps.get(m.name)!}`
            : undefined
          : kustomizations.has(m.name)
            ? `Flux Kustomization ${m.name}`
            : undefined,
      );
      if (ours.some((x) => x === undefined)) continue;
      reason = `applied by ${[...new Set(ours)].join(' and ')}, which the environment renders`;
    } else if (ns !== undefined && input.ownNamespaces?.has(ns))
      reason = `in namespace ${ns}, which only this environment deploys to, and no GitOps engine marks it (applied by hand)`;
    else continue;
    out.push({ object: refOf(o), origin: origins.get(id) ?? '', reason });
  }
  return out;
}

/** Two claims compete on the same key when their selectors do not require different values of one label. */
export function competes(a: OverlapClaim, b: OverlapClaim): boolean {
  if (a.key !== b.key) return false;
  if (!a.selector || !b.selector) return true;
  return selectorsMeet(a.selector, b.selector);
}

function selectorText(s: Readonly<Record<string, string>>): string {
  return Object.keys(s)
    .sort()
    .map((k) => `${k}=${s[k]}`)
    .join(',');
}

/**
 * The fields of `r` whose value `l` does not have. Maps: only the keys of `r`; lists: the same length and each
 * item in turn (a list of another length is one change of the whole list); scalars: equal values.
 */
function project(r: unknown, l: unknown, path: string, out: FieldChange[]): void {
  if (Array.isArray(r)) {
    if (!Array.isArray(l) || l.length !== r.length) {
      out.push({ path, rendered: r, ...(l !== undefined ? { live: l } : {}) });
      return;
    }
    r.forEach((x, i) => project(x, l[i], `${path}[${i}]`, out));
    return;
  }
  if (r !== null && typeof r === 'object') {
    if (l === null || typeof l !== 'object' || Array.isArray(l)) {
      out.push({ path, rendered: r, ...(l !== undefined ? { live: l } : {}) });
      return;
    }
    for (const [k, v] of Object.entries(r as Record<string, unknown>))
      project(v, (l as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, out);
    return;
  }
  if (r !== l && stableJson(r) !== stableJson(l))
    out.push({ path, rendered: r, ...(l !== undefined ? { live: l } : {}) });
}

function withoutVersion(o: K8sObject): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  delete out.apiVersion;
  return out;
}

function sorted(objects: readonly K8sObject[]): K8sObject[] {
  const key = (o: K8sObject) => `${groupKind(o)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
