/**
 * Services whose Kubernetes Services can select the same pod. consul-k8s registers a pod once for each
 * Kubernetes Service whose Endpoints list it (`control-plane/connect-inject/controllers/endpoints/
 * endpoints_controller.go`, Reconcile per Endpoints object, at v1.2.0 to v2.0.3):
 *
 * - under that Service's name, with the service id `<pod>-<Service name>`: a pod two Services select is
 *   registered as two Consul services, and its `consul-connect-inject-init` container refuses to start it
 *   ("There are multiple Consul services registered for this pod when there must only be one",
 *   `subcommand/connect-init/command.go`, which looks for exactly the service and its sidecar proxy);
 * - under the pod's `consul.hashicorp.com/connect-service` name when it has one (serviceName): then both
 *   Services write the same registration `<pod>-<name>`, each with its own Service's cluster IP as the
 *   transparent proxy's `virtual` address and its own name as `k8s-service-name`, overwriting each other.
 *
 * The webhook does not refuse such a pod: it breaks at start, or routes by whichever registration was last.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { labelsText, selectorMeetings } from '../../core/selectors.ts';
import { consulName } from './constants.ts';

/**
 * Two services of a namespace whose Kubernetes Services (meshc's, or the application's with
 * `kubernetesService: external`: it selects the service's pods, `selector`) can select the same pod: an error at
 * the later service's `selector` (which falls back to its `spec` when it has the default `{app: <name>}`),
 * naming the earlier one as a related location, once per later service. Services that would be one Consul
 * service (the same service account) are refused as such by checkEnvironment, and not again here.
 */
export function checkSelectorOverlaps(env: ResolvedEnvironment): Diagnostic[] {
  const claims = env.services.map((s) => ({ service: s, selectors: [s.selector] }));
  const meetings = selectorMeetings(claims, (a, b) => consulName(a) !== consulName(b));
  return meetings.map(({ earlier: a, later: b }) => ({
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message: `Services ${a.id} and ${b.id} can select the same pods (${labelsText(a.selector)} and ${labelsText(b.selector)} require no label to differ), and consul-k8s registers a pod once for each Kubernetes Service that selects it: as two Consul services, which its connect-init refuses ("There are multiple Consul services registered for this pod when there must only be one"), or, under its consul.hashicorp.com/connect-service name, as one whose transparent-proxy address each Service overwrites with its own cluster IP.`,
    hint: `Make the selectors of ${a.name} and ${b.name} differ in the value of one label (label each service's pods with a value of their own, for example app: <service name>).`,
    location: b.origin(['selector']),
    related: [{ message: `the selector of ${a.id}`, location: a.origin(['selector']) }],
  }));
}
