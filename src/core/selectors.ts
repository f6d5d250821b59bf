/**
 * Label selectors of services, and the services of one namespace whose pods can meet: for validate's
 * SERVICE_SELECTOR_OVERLAP (where policies attach to the pods), and for the backends whose mesh objects select
 * pods by a service's labels and break when two of them select one pod (App Mesh's VirtualNodes, Consul's
 * registration per Kubernetes Service), whatever policies say.
 */

export type Labels = Readonly<Record<string, string>>;

/**
 * Whether two label selectors can select the same pod: no label on which they require different values (a pod
 * carrying the labels of both matches both).
 */
export function selectorsMeet(a: Labels, b: Labels): boolean {
  for (const [k, v] of Object.entries(a)) if (Object.hasOwn(b, k) && b[k] !== v) return false;
  return true;
}

/** Whether a selector selects a pod with `labels`: the pod carries every label it requires (an empty one: any). */
export function selectsLabels(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `{k: v, …}`, as the messages name a selector. */
export function labelsText(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}}`;
}

/** A service of a namespace (a resolved service, a validated view). */
export interface Namespaced {
  readonly namespace: string;
}

/** The pod selectors of one service: each is a mesh object (or Kubernetes Service) that selects its pods. */
export interface SelectorClaim<S extends Namespaced> {
  readonly service: S;
  readonly selectors: readonly Labels[];
}

/**
 * Two services whose selectors (one of each) can select the same pod; `earlier` comes first. `reason`: what the
 * caller's `collides` said of the pair.
 */
export interface SelectorMeeting<S extends Namespaced, R = true> {
  readonly earlier: S;
  readonly later: S;
  readonly earlierSelector: Labels;
  readonly laterSelector: Labels;
  readonly reason: R;
}

interface Entry<S> {
  readonly order: number;
  readonly service: S;
  readonly selector: Labels;
}

interface Scope<S> {
  readonly all: Entry<S>[];
  readonly byValue: Map<string, Entry<S>[]>;
  readonly byKey: Map<string, number>;
}

const valueKey = (k: string, v: string) => `${k}\0${v}`;

/**
 * For each service (in the order of `claims`), the earliest earlier service of its namespace one of whose
 * selectors can select a pod that one of its own selects, and for which `collides` gives a reason (anything
 * but undefined or false): one meeting per later service. A service's own selectors are never compared with each other (versions: VERSION_SELECTOR_OVERLAP).
 *
 * Each selector is compared with the earlier ones of its namespace that have the same value of one of its
 * labels or lack that label (the label leaving the fewest), found through an index by label, so that a fleet
 * of services that differ in the value of a common label (`app`) is checked in time linear in its services.
 */
export function selectorMeetings<S extends Namespaced, R = true>(
  claims: Iterable<SelectorClaim<S>>,
  collides: (earlier: S, later: S) => R | undefined | false = () => true as R,
): SelectorMeeting<S, R>[] {
  const out: SelectorMeeting<S, R>[] = [];
  const scopes = new Map<string, Scope<S>>();
  let order = 0;
  for (const { service, selectors } of claims) {
    let scope = scopes.get(service.namespace);
    if (!scope) scopes.set(service.namespace, (scope = { all: [], byValue: new Map(), byKey: new Map() }));
    let found: SelectorMeeting<S, R> | undefined;
    let foundOrder = Infinity;
    for (const selector of selectors)
      for (const a of candidates(scope, selector)) {
        if (a.order >= foundOrder || !selectorsMeet(a.selector, selector)) continue;
        const reason = collides(a.service, service);
        if (reason === undefined || reason === false) continue;
        found = {
          earlier: a.service,
          later: service,
          earlierSelector: a.selector,
          laterSelector: selector,
          reason,
        };
        foundOrder = a.order;
      }
    if (found) out.push(found);
    // Only now: a service's own selectors are not compared with each other.
    const mine = order++;
    for (const selector of selectors) {
      const e: Entry<S> = { order: mine, service, selector };
      scope.all.push(e);
      for (const [k, v] of Object.entries(selector)) {
        const key = valueKey(k, v);
        const list = scope.byValue.get(key);
        if (list) list.push(e);
        else scope.byValue.set(key, [e]);
        scope.byKey.set(k, (scope.byKey.get(k) ?? 0) + 1);
      }
    }
  }
  return out;
}

/** The earlier entries of a scope that may meet `selector`: a superset of those that do. */
function candidates<S>(scope: Scope<S>, selector: Labels): readonly Entry<S>[] {
  let best: { key: string; cost: number } | undefined;
  for (const [k, v] of Object.entries(selector)) {
    const cost =
      (scope.byValue.get(valueKey(k, v))?.length ?? 0) + scope.all.length - (scope.byKey.get(k) ?? 0);
    if (!best || cost < best.cost) best = { key: k, cost };
  }
  // No label: it selects every pod of the namespace.
  if (!best) return scope.all;
  const k = best.key;
  const same = scope.byValue.get(valueKey(k, selector[k]!)) ?? [];
  const without =
    scope.all.length > (scope.byKey.get(k) ?? 0)
      ? scope.all.filter((a) => !Object.hasOwn(a.selector, k))
      : [];
  return without.length ? [...same, ...without] : same;
}
