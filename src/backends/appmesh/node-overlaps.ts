/**
 * Services whose VirtualNodes can select the same pod. The controller's injector designates one VirtualNode per
 * pod: it lists the VirtualNodes of the pod's namespace whose `podSelector` matches the pod's labels and refuses
 * the pod when more than one does ("found multiple matching VirtualNodes for pod", controller v1.13.3
 * `pkg/virtualnode/membership_designator.go`, called by `pkg/inject/inject.go` Inject for every pod it sees).
 * It designates a VirtualGateway the same way (`pkg/virtualgateway/membership_designator.go` DesignateForPod:
 * the VirtualGateways of the pod's namespace, by `podSelector` alone, whatever their `namespaceSelector`), and
 * refuses a pod that has both a VirtualNode and a VirtualGateway ("sidecarInject enabled for both virtualNode …
 * and virtualGateway …", `inject.go`): so the services of the ingress gateway's namespace are checked against
 * the gateway's pods too (checkGatewayOverlaps).
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { flaggerSelectorLabel } from '../../spec/rollout.ts';
import {
  labelsText,
  selectorMeetings,
  selectsLabels,
  type Labels,
  type SelectorClaim,
} from '../../core/selectors.ts';
import { APPMESH_INGRESS_NS } from './constants.ts';
import { GATEWAY_POD_LABEL, nativeGateway } from './ingress.ts';
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
 * whatever `access` and `mtls` say: App Mesh needs pods of one service to be no other service's. Then the
 * services whose VirtualNodes select pods the ingress gateway selects ({@link checkGatewayOverlaps}).
 */
export function checkNodeOverlaps(env: ResolvedEnvironment): Diagnostic[] {
  const claims: SelectorClaim<ResolvedService>[] = env.services.map((s) => ({
    service: s,
    selectors: nodeSelectors(s),
  }));
  const nodes: Diagnostic[] = selectorMeetings(claims).map(
    ({ earlier: a, later: b, earlierSelector, laterSelector }) => ({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Services ${a.id} and ${b.id} can select the same pods (their VirtualNodes select ${labelsText(earlierSelector)} and ${labelsText(laterSelector)}, which require no label to differ), and App Mesh's injector refuses a pod that two VirtualNodes select ("found multiple matching VirtualNodes for pod"): such a pod would never start.`,
      hint: `Make the selectors of ${a.name} and ${b.name} differ in the value of one label (label each service's pods with a value of their own, for example app: <service name>).`,
      location: b.origin(['selector']),
      related: [{ message: `the selector of ${a.id}`, location: a.origin(['selector']) }],
    }),
  );
  return [...nodes, ...checkGatewayOverlaps(env)];
}

/**
 * Services of the ingress gateway's namespace (`mesh.ingress.namespace`, with `api: native`) with a VirtualNode
 * that selects pods the VirtualGateway selects too: its selector requires the label the gateway selects
 * (`app.kubernetes.io/name: <className>`, so every pod of the node is the gateway's too), or only labels the
 * gateway's Envoy pods carry (so those are the node's too). An error at the service's `selector` (at the
 * version's `labels` when they make the difference), once per service, naming `mesh.ingress` as a related
 * location: the injector refuses every such pod.
 *
 * Selectors that merely can meet (no label required with different values, as {@link checkNodeOverlaps}
 * compares services) are left alone: meshc's gateway selects by a label of its own, which services' selectors
 * (`app: <name>` by default) do not name, and AWS's walkthroughs run the gateway next to the application's
 * VirtualNodes in one namespace (aws-app-mesh-examples howto-k8s-ingress-gateway). Services of other
 * namespaces never meet the gateway: the injector looks up VirtualGateways in the pod's namespace only.
 */
export function checkGatewayOverlaps(env: ResolvedEnvironment): Diagnostic[] {
  const gateway = nativeGateway(env);
  if (!gateway) return [];
  const hit = (selector: Labels) =>
    selectsLabels(gateway.podSelector, selector) || selectsLabels(selector, gateway.podLabels);
  const out: Diagnostic[] = [];
  for (const s of env.services) {
    if (s.namespace !== gateway.namespace) continue;
    const nodes: { selector: Labels; version?: string }[] = s.rollout
      ? nodeSelectors(s).map((selector) => ({ selector }))
      : nodesOf(s).map((n) => ({
          selector: { ...s.selector, ...(n.version?.labels ?? {}) },
          ...(n.version ? { version: n.version.name } : {}),
        }));
    const node = nodes.find((n) => hit(n.selector));
    if (!node) continue;
    const why = selectsLabels(gateway.podSelector, node.selector)
      ? `its VirtualNode selects ${labelsText(node.selector)}, so its pods carry the gateway's ${labelsText(gateway.podSelector)}`
      : `its VirtualNode selects ${labelsText(node.selector)}, which the gateway's Envoy pods carry (${labelsText(gateway.podLabels)})`;
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Service ${s.id} and the ingress VirtualGateway ${gateway.name} of its namespace select the same pods (${why}), and App Mesh's injector refuses a pod that both a VirtualNode and a VirtualGateway select ("sidecarInject enabled for both virtualNode and virtualGateway"): such a pod would never start.`,
      hint: `Select the pods of ${s.name} by labels of their own (a value of ${GATEWAY_POD_LABEL} other than ${gateway.name}, for example ${s.name}), or run the gateway in a namespace without services (mesh.ingress.namespace, ${APPMESH_INGRESS_NS} by default).`,
      location:
        node.version !== undefined && !hit(s.selector)
          ? s.origin(['versions', node.version, 'labels'])
          : s.origin(['selector']),
      related: [
        {
          message: `the ingress gateway ${gateway.namespace}/${gateway.name}`,
          location: env.origin(['mesh', 'ingress', 'namespace']),
        },
      ],
    });
  }
  return out;
}
