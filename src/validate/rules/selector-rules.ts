import type { Diagnostic } from '../../core/diagnostic.ts';
import { labelsText, selectorMeetings, selectorsMeet, type Labels } from '../../core/selectors.ts';
import type { Report, ServiceIndex, ServiceView } from '../view.ts';

/** A service as the overlap check sees it. */
interface Entry {
  readonly view: ServiceView;
  readonly selector: Labels;
  /** `access` or its own `mtls`: policies the meshes attach to the pods its selector picks. */
  readonly guarded: readonly string[];
  /** Its versions' selectors (the service selector with each version's labels). */
  readonly versions: readonly { readonly name: string; readonly labels: Labels }[];
}

/** A service's selector as written, else its default (SPEC.md: `{ app: <name> }`; normalize.ts). */
function selectorOf(view: ServiceView): Labels {
  return view.spec.selector ?? { app: view.name };
}

function entryOf(view: ServiceView): Entry {
  const selector = selectorOf(view);
  const guarded = [
    ...(view.spec.access !== undefined ? ['access rules'] : []),
    ...(view.spec.mtls !== undefined ? [`its own mtls (${view.spec.mtls})`] : []),
  ];
  const versions = Object.entries(view.spec.versions ?? {}).map(([name, v]) => ({
    name,
    labels: { ...selector, ...v.labels },
  }));
  return { view, selector, guarded, versions };
}

/** Why the pair (a before b, whose pods meet) collides, or undefined when nothing attaches to those pods. */
function collision(a: Entry, b: Entry): string | undefined {
  const guarded = [
    ...a.guarded.map((g) => `${a.view.id} has ${g}`),
    ...b.guarded.map((g) => `${b.view.id} has ${g}`),
  ];
  if (guarded.length > 0)
    return `${guarded.join(' and ')}, which the meshes attach to the pods a selector picks, not to the Service: on the pods both select, one service's access rules and mTLS mode would decide the other's requests too (Istio allows a request that any ALLOW policy of the pod allows; Linkerd takes one Server per pod port)`;
  for (const va of a.versions)
    for (const vb of b.versions)
      if (selectorsMeet(va.labels, vb.labels))
        return `version ${va.name} of ${a.view.id} and version ${vb.name} of ${b.view.id} can select the same pods too: a version names pods of its own service only, and the meshes that give each version its own object select such a pod twice (App Mesh's injector refuses a pod that two VirtualNodes select; Consul's connect-init refuses a pod registered under two services)`;
  return undefined;
}

/**
 * Two services of one namespace whose selectors can select the same pod, when policies would attach to those
 * pods (`access`, a per-service `mtls`), or when versions of both can select the same pods: an error at the
 * later service's `selector` (at its `metadata.name` when it has the default selector), naming the earlier one
 * as a related location. One finding per service, for the earliest service it collides with.
 *
 * Each service is compared with the earlier ones of its namespace whose pods may meet its own: those that have
 * the same value of one of its labels or lack that label, found through an index by label, so that a fleet of
 * services that differ in the value of a common label (`app`) is checked in time linear in its services.
 *
 * Run on the spec's services and on each environment's view of them (overrides may add `access`, `mtls` or
 * change a selector): `reporterFor` gives the report function for a service (an environment's maps a finding
 * only its overrides cause to the override node).
 */
export function checkSelectorOverlaps(index: ServiceIndex, reporterFor: (view: ServiceView) => Report): void {
  const entries = new Map<ServiceView, Entry>();
  for (const view of index.values()) entries.set(view, entryOf(view));
  const claims = [...entries.values()].map((e) => ({ service: e.view, selectors: [e.selector] }));
  const meetings = selectorMeetings(claims, (a, b) => collision(entries.get(a)!, entries.get(b)!));
  for (const m of meetings)
    reporterFor(m.later)(finding(entries.get(m.earlier)!, entries.get(m.later)!, m.reason));
}

/** Where a service's selector is: its `selector`, or its name when it has the default one. */
function selectorPlace(view: ServiceView) {
  return view.spec.selector !== undefined
    ? { location: view.at(['selector']), pointer: '/spec/selector' }
    : { location: view.nameAt(), pointer: '/metadata/name' };
}

function finding(a: Entry, b: Entry, why: string): Diagnostic {
  const place = selectorPlace(b.view);
  return {
    code: 'SERVICE_SELECTOR_OVERLAP',
    severity: 'error',
    message: `Services ${a.view.id} and ${b.view.id} can select the same pods (${labelsText(a.selector)} and ${labelsText(b.selector)} require no label to differ), and ${why}.`,
    hint: `Make the selectors of ${a.view.name} and ${b.view.name} differ in the value of one label (label each service's pods with a value of their own, for example app: <service name>), or keep access rules and mtls on one of the two services only.`,
    location: place.location,
    pointer: place.pointer,
    related: [{ message: `the selector of ${a.view.id}`, location: selectorPlace(a.view).location }],
  };
}
