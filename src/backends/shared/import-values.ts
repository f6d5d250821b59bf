import { parseDuration } from '../../core/duration.ts';
import { isDns1123Label, isPositiveDuration } from '../../schema/formats.ts';
import type { AccessRule, HttpMethod, RetryCondition } from '../../spec/types.gen.ts';
import type { SourcedObject } from '../../core/import-types.ts';
import type { FieldReader, ImportContext, ServiceDraft } from '../importer.ts';
import type { DataPath } from '../../core/location.ts';
import { isRecord } from '../../core/json.ts';
import { selectsLabels } from '../../core/selectors.ts';

/** Value checks and conversions every mesh importer needs (pure). */

/** A DNS-1123 label (a namespace's name, most names): schema/formats.ts's check, for a value of any type. */
export function isDnsLabel(s: unknown): s is string {
  return typeof s === 'string' && isDns1123Label(s);
}

/**
 * A path an access rule takes (`access[].paths`, the spec's pattern): `/exact`, `/prefix*`, `*suffix` or `*`.
 * A mesh's own path may be neither (no leading `/`, a `*` inside): such a permission is not carried.
 */
export function isAccessPath(s: unknown): s is string {
  return typeof s === 'string' && (s === '*' || /^\/[^*]*\*?$/.test(s) || /^\*[^*]+$/.test(s));
}

/** Why an access rule's paths (as an importer made them) are not all {@link isAccessPath}. */
export const NOT_ACCESS_PATH =
  'a path is not an exact path, `/prefix*`, `*suffix` or `*` (the forms of access rules)';

export const HTTP_METHODS: readonly HttpMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];

export function isMethod(s: unknown): s is HttpMethod {
  return typeof s === 'string' && (HTTP_METHODS as readonly string[]).includes(s);
}

export const RETRY_CONDITIONS: readonly RetryCondition[] = [
  '5xx',
  'gateway-error',
  'connect-failure',
  'reset',
  'refused-stream',
  'retriable-4xx',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
];

/**
 * A Go-style duration the spec accepts (at least 1ms, in whole milliseconds, at most Go's longest), or
 * undefined: a value the spec refuses (`1500us`, `0.0005s`) is not carried, and the import reports it.
 */
export function specDuration(v: unknown): string | undefined {
  return typeof v === 'string' && isPositiveDuration(v) ? v : undefined;
}

/**
 * {@link specDuration} of `v`, read at `path`: a duration that is longer than zero but that the spec refuses
 * (finer than a millisecond, under 1ms) is reported there as not carried, with why. Zero, which the meshes read
 * as "none", and what is no duration at all are left to the caller.
 */
export function carriedDuration(r: FieldReader, path: DataPath, v: unknown): string | undefined {
  const d = specDuration(v);
  if (d !== undefined || typeof v !== 'string') return d;
  const ms = parseDuration(v);
  if (ms !== undefined && ms > 0)
    r.notCarried(
      path,
      `the spec takes durations of at least 1ms in whole milliseconds, and ${v} is not one`,
      'Write the duration in whole milliseconds in the imported spec, if it matters.',
    );
  return undefined;
}

/** A percentage 0..100 as the spec has it (Istio and Gateway API allow fractions; the spec takes numbers). */
export function percent(v: unknown): number | undefined {
  return typeof v === 'number' && v >= 0 && v <= 100 ? v : undefined;
}

export { isRecord };

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') return undefined;
    out[k] = x;
  }
  return out;
}

/** True when two label sets are equal. */
export function sameLabels(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * The Service a workload selector (`matchLabels`) stands for: the one whose selector is exactly those labels;
 * else the one whose pods the labels select a part of (a version's pods: approximated, reported by the
 * caller); undefined (with the candidates) when none or several fit.
 */
export function serviceOfSelector(
  ctx: ImportContext,
  namespace: string,
  matchLabels: Readonly<Record<string, string>>,
): { service?: { readonly id: string; readonly namespace: string; readonly name: string }; exact: boolean } {
  // Services of the input by their selector; services only routes named by the default selector `app: <name>`.
  const all = ctx
    .services()
    .filter((d) => d.namespace === namespace)
    .map((d) => {
      const known = ctx.workloads.service(d.namespace, d.name);
      return {
        id: `${d.namespace}/${d.name}`,
        namespace: d.namespace,
        name: d.name,
        selector: known ? known.selector : { app: d.name },
        version: known?.versionOf !== undefined,
      };
    })
    .filter((s) => !s.version);
  const exact = all.filter((s) => sameLabels(s.selector, matchLabels));
  if (exact.length === 1) return { service: exact[0]!, exact: true };
  const narrower = all.filter(
    (s) =>
      Object.keys(s.selector).length > 0 &&
      Object.entries(s.selector).every(([k, v]) => matchLabels[k] === v),
  );
  if (exact.length === 0 && narrower.length === 1) {
    // Narrower labels that every pod of the service carries anyway select the same pods.
    const pods = ctx.workloads.pods(namespace).filter((p) => selectsLabels(narrower[0]!.selector, p));
    const same = pods.length > 0 && pods.every((p) => selectsLabels(matchLabels, p));
    return { service: narrower[0]!, exact: same };
  }
  return { exact: false };
}

/**
 * The spec's name for a caller in `access.from`: `name` in the service's namespace, `ns/name` elsewhere, for the
 * Service whose pods run as `serviceAccount` in `namespace`; undefined when no Service of the input does.
 */
export function callerOf(
  ctx: ImportContext,
  target: ServiceDraft,
  namespace: string,
  serviceAccount: string,
  referencedBy?: SourcedObject,
): string | undefined {
  const found = ctx.workloads.byServiceAccount(namespace, serviceAccount);
  if (found.length === 0) {
    // A service known only from routes has the spec's default identity, its own name.
    const draft = ctx
      .services()
      .find(
        (d) =>
          d.namespace === namespace &&
          d.name === serviceAccount &&
          !ctx.workloads.service(d.namespace, d.name),
      );
    if (draft) return draft.namespace === target.namespace ? draft.name : `${draft.namespace}/${draft.name}`;
    // No Service of the input runs as that identity: a service named after the account stands for it (the spec's
    // default identity is the service's name), so the access rule keeps its caller exactly; the import reports
    // the assumed Service (IMPORT_NO_SERVICE at the object that named it).
    if (!isDnsLabel(serviceAccount) || !referencedBy) return undefined;
    ctx.service(namespace, serviceAccount, referencedBy);
    return namespace === target.namespace ? serviceAccount : `${namespace}/${serviceAccount}`;
  }
  const s = [...found].sort((a, b) => (a.name < b.name ? -1 : 1))[0]!;
  return s.namespace === target.namespace ? s.name : `${s.namespace}/${s.name}`;
}

/** Adds access rules to a draft (Istio ALLOW policies and Linkerd authorizations add up: any rule admits). */
export function addAccess(draft: ServiceDraft, rules: readonly AccessRule[]): void {
  draft.spec.access = [...(draft.spec.access ?? []), ...rules];
}

/** Reports a field as naming a host/workload no Service of the input has. */
export function noService(r: FieldReader, path: DataPath, what: string): void {
  r.report(
    'IMPORT_NO_SERVICE',
    path,
    `${what} in ${r.ref} matches no Kubernetes Service of the input; it is not carried.`,
    'Import the Kubernetes Services and Deployments with the mesh objects (`kubectl get svc,deploy -o yaml`).',
  );
}

/**
 * The namespace of the gateway an ingress route is attached to (`at`), which becomes the environment's
 * `ingress.namespace`: when it is no namespace name, the route is reported not carried, whole, and undefined
 * returned.
 */
export function ingressNamespace(r: FieldReader, at: DataPath, namespace: unknown): string | undefined {
  if (isDnsLabel(namespace)) return namespace;
  r.report(
    'IMPORT_NOT_CARRIED',
    at,
    `${r.ref} is not carried: the namespace of the gateway it is attached to is not a namespace name, and the environment's ingress.namespace must be one.`,
    'Add `ingress` to the imported Service by hand, or keep the route as your own manifest.',
  );
  // Reported whole, at the namespace: the rest of the route is not read either.
  r.consume(['spec']);
  return undefined;
}

/**
 * A text key for a JSON value that does not depend on the order of its mappings' members (sorted at every depth;
 * arrays keep their order, undefined members are left out as JSON.stringify does). For Maps, Sets and
 * "same as before" checks on values read from YAML, whose mappings come in whatever order the file's author (a
 * person, `kubectl get -o yaml`, Helm, meshc writing them sorted) gave them. Equality alone: `jsonEqual`.
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isRecord(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

/**
 * The members of a mapping read from YAML in an order that does not depend on the file: the `known` keys first,
 * in that order, then the others sorted. For readers that stop at the first member they cannot carry (the
 * finding must name the same member whatever the order) or build values that are compared or written later.
 */
export function entriesInOrder(
  m: Readonly<Record<string, unknown>>,
  known: readonly string[],
): [string, unknown][] {
  const rest = Object.keys(m)
    .filter((k) => !known.includes(k))
    .sort();
  return [...known.filter((k) => Object.hasOwn(m, k)), ...rest].map((k) => [k, m[k]]);
}

/**
 * A mapping with its keys sorted, as `kubectl get -o yaml` and meshc's own files have them: for the label sets
 * and header maps the import writes, so that the same values give the same spec text whatever order the file
 * that had them used (neither has an order).
 */
export function sortedRecord<T>(m: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]!]),
  );
}
