/**
 * Services whose VirtualNodes can select the same pod. The controller's injector designates one VirtualNode per
 * pod: it lists the VirtualNodes of the pod's namespace whose `podSelector` matches the pod's labels and refuses
 * the pod when more than one does ("found multiple matching VirtualNodes for pod", controller v1.13.3
 * `pkg/virtualnode/membership_designator.go`, called by `pkg/inject/inject.go` Inject for every pod it sees).
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { flaggerSelectorLabel } from '../../spec/rollout.ts';
import { labelsText, selectorMeetings, type Labels, type SelectorClaim } from '../../core/selectors.ts';
import { nodesOf } from './model.ts';

/**
 * The pod selectors of a service's VirtualNodes: meshc's (the service's selector with each version's labels,
 * or the selector alone: virtual-node.ts), or for a rolled-out service Flagger's `<target>` and
 * `<target>-primary`, which select by its selector label alone (rollout-checks.ts, checkRolloutTarget; none
 * when it has no such label: ROLLOUT_SELECTOR_LABEL).
 */
export function nodeSelectors(s: ResolvedService): Labels[] {
  if (s.rollout) {
    const label = flaggerSelectorLabel(s.selector);
    if (label === undefined) return [];
    const target = s.rollout.target.name;
    return [{ [label]: target }, { [label]: `${target}-primary` }];
  }
  return nodesOf(s).map((n) => ({ ...s.selector, ...(n.version?.labels ?? {}) }));
}

/**
 * Two services of a namespace with VirtualNodes that can select the same pod: an error at the later service's
 * `selector` (which falls back to its `spec` when it has the default `{app: <name>}`), naming the earlier one as
 * a related location, once per later service. Every pod such VirtualNodes both select is refused by the injector,
 * whatever `access` and `mtls` say: App Mesh needs pods of one service to be no other service's.
 */
export function checkNodeOverlaps(env: ResolvedEnvironment): Diagnostic[] {
  const claims: SelectorClaim<ResolvedService>[] = env.services.map((s) => ({
    service: s,
    selectors: nodeSelectors(s),
  }));
  return selectorMeetings(claims).map(({ earlier: a, later: b, earlierSelector, laterSelector }) => ({
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Services ${a.id} and ${b.id} can select the same pods (their VirtualNodes select ${labelsText(earlierSelector)} and ${labelsText(laterSelector)}, which require no label to differ), and App Mesh's injector refuses a pod that two VirtualNodes select ("found multiple matching VirtualNodes for pod"): such a pod would never start.`,
    hint: `Make the selectors of ${a.name} and ${b.name} differ in the value of one label (label each service's pods with a value of their own, for example app: <service name>).`,
    location: b.origin(['selector']),
    related: [{ message: `the selector of ${a.id}`, location: a.origin(['selector']) }],
  }));
}
