/**
 * The meshes' validating admission webhooks, as the tests model them: what a mesh's webhook refuses of an
 * object that its CRD schema and CEL rules accept (crds.ts checks those first). A refused object is never
 * applied, so Flux / Argo CD fail on it just as on a schema error.
 *
 * Each mesh's checks live in their own module (`admission-<mesh>.ts`), written from that mesh's webhook source
 * at the versions meshc targets, and are listed in ADMISSION below by the API group they judge. `validateObject`
 * runs them on every object it validates.
 */
import { consulAdmission } from './admission-consul.ts';
import { linkerdGatewayAdmission, linkerdPolicyAdmission } from './admission-linkerd.ts';
import {
  istioNetworkingAdmission,
  istioSecurityAdmission,
  istioTelemetryAdmission,
} from './admission-istio.ts';

/** One webhook's judgement of one object: the reasons it refuses it (empty = admitted), as `/pointer: message`. */
export type AdmissionCheck = (obj: Record<string, unknown>) => string[];

/** API group → the webhook checks that judge its objects. */
const ADMISSION = new Map<string, AdmissionCheck[]>([
  // Consul (consul-k8s): admission-consul.ts
  ['consul.hashicorp.com', [consulAdmission]],
  // Linkerd (admission-linkerd.ts): the policy validator judges its own kinds and Gateway API routes.
  ['policy.linkerd.io', [linkerdPolicyAdmission]],
  ['gateway.networking.k8s.io', [linkerdGatewayAdmission]],
  // Istio (admission-istio.ts)
  ['networking.istio.io', [istioNetworkingAdmission]],
  ['security.istio.io', [istioSecurityAdmission]],
  ['telemetry.istio.io', [istioTelemetryAdmission]],
]);

/** What the webhooks of `obj`'s API group refuse of it. */
export function admissionErrors(obj: Record<string, unknown>): string[] {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return (ADMISSION.get(group) ?? []).flatMap((check) => check(obj));
}
