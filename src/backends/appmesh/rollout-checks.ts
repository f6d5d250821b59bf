/**
 * What Flagger's App Mesh router (fluxcd/flagger `pkg/router/appmesh_v1beta2.go`, v1.44.0) needs of a rolled-out
 * service and of the services around it, beyond what the capability table says per feature.
 */
import { manyPlaces, type Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { flaggerSelectorLabel } from '../../spec/rollout.ts';
import { backendsOf } from './model.ts';
import type { VirtualServiceArns } from './rollout.ts';

/**
 * The target's name against the selector: Flagger's App Mesh VirtualNodes select the pods by the label Flagger
 * rewrites (its selector label: the first of `app`, `name`, `app.kubernetes.io/name` in the target's selector)
 * with the target's name as the value, `<target>-primary` and `<target>` (`reconcileVirtualNode`), while its
 * deployment controller labels the primary pods `<value>-primary` and the canary pods keep `<value>`, the
 * selector's value (`pkg/canary/deployment_controller.go`, getSelectorLabel). Unless the two are equal, no
 * VirtualNode selects the pods, and the controller's injector refuses pods no VirtualNode selects in a meshed
 * namespace (controller v1.13.3 `pkg/inject/inject.go`): the primary workload never comes up.
 */
export function checkRolloutTarget(s: ResolvedService): Diagnostic[] {
  const r = s.rollout;
  if (!r) return [];
  const label = flaggerSelectorLabel(s.selector);
  if (label === undefined) return []; // ROLLOUT_SELECTOR_LABEL
  const value = s.selector[label]!;
  const target = r.target.name;
  if (value === target) return [];
  // The target's name where the spec writes it, else (the service's name by default) the selector's value.
  const rollout = s.spec.rollout as { target?: unknown } | undefined;
  const written = rollout?.target !== undefined;
  return [
    {
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Flagger's App Mesh VirtualNodes for ${s.id} select the pods \`${label}: ${target}-primary\` and \`${label}: ${target}\` (after the target's name), but Flagger labels the primary pods \`${label}: ${value}-primary\` and the canary pods keep \`${label}: ${value}\` (the selector's value): no VirtualNode selects them, and App Mesh's injector refuses such pods.`,
      hint: written
        ? `Set rollout.target.name to ${value} (renaming the workload), or select the pods by \`${label}: ${target}\` (on the workload too).`
        : `Select the pods by \`${label}: ${s.name}\` (on the workload too), or set rollout.target to a workload named ${value}.`,
      location: written ? s.origin(['rollout', 'target', 'name']) : s.origin(['selector', label]),
    },
  ];
}

/**
 * A route of another service to a rolled-out service (`routes[].backends`): its VirtualRouter would send the
 * requests to the rolled-out service's VirtualNode `<name>`, which nothing creates. Flagger generates only
 * `<name>-primary` and `<name>-canary` (the apex VirtualNode is commented out in `Reconcile`), and a weighted
 * target of a VirtualRouter route is a VirtualNode, never the VirtualService or VirtualRouter Flagger generates
 * (the CRD's `weightedTargets`: virtualNodeRef or virtualNodeARN): the controller cannot resolve the ref
 * (`pkg/virtualrouter/resource_manager.go`, findVirtualNodeDependencies), and the caller's router never becomes
 * active. An error at each such backend; the route of a rolled-out service is ROLLOUT_CONFLICT already.
 */
export function checkRoutesToRollouts(env: ResolvedEnvironment): Diagnostic[] {
  if (!env.services.some((s) => s.rollout)) return [];
  const out: Diagnostic[] = [];
  const inEnv = new Map(env.services.map((s) => [s.id, s]));
  for (const s of env.services) {
    if (s.rollout) continue;
    for (const r of s.routes)
      for (const d of r.destinations) {
        if (d.serviceId === s.id) continue;
        const target = inEnv.get(d.serviceId);
        if (!target?.rollout) continue;
        out.push({
          code: 'MESH_UNSUPPORTED_FEATURE',
          severity: 'error',
          message: `App Mesh cannot route requests of ${s.id} to ${target.id}, which Flagger rolls out: a VirtualRouter route targets VirtualNodes, and Flagger generates only ${target.name}-primary and ${target.name}-canary, weighted in its own VirtualRouter ${target.name}, so the VirtualNode ${target.name} this route would target never exists (environment ${env.name}).`,
          hint: `Let the callers of ${s.id} call ${target.id} directly (its VirtualService, which Flagger generates, shifts their requests too), or drop the rollout of ${target.id} for this environment with an override (\`rollout: null\`).`,
          location: s.origin(d.at),
        });
      }
  }
  return out;
}

/**
 * The services of other namespaces a rolled-out service may call, where its Canary cannot name them: Flagger
 * takes a backend as a VirtualService of the Canary's namespace, or an ARN, and without the region and account
 * of the Mesh meshc cannot write the ARN (rollout.ts, virtualServiceArns). Under the Mesh's `DROP_ALL` egress
 * filter the service could not reach them; under `ALLOW_ALL` it would bypass their routing. Never dropped
 * silently: an error at what lists the backend, the callee's access entry naming the rolled-out service (one
 * per pair), or, for callees that admit every caller, the rollout (one per rolled-out service, naming them). An
 * install the environment sets without its region or role is reported at `mesh.install` already
 * (APPMESH_INSTALL_VALUE_MISSING): not again.
 */
export function checkCanaryBackends(env: ResolvedEnvironment, arns: VirtualServiceArns): Diagnostic[] {
  if ('prefix' in arns || arns.reported) return [];
  const rolled = env.services.filter((s) => s.rollout);
  if (!rolled.length) return [];
  const backends = backendsOf(env);
  const out: Diagnostic[] = [];
  const why = `Flagger names the backends of its VirtualNodes by VirtualService name in the Canary's namespace or by ARN, and meshc writes the ARN from the AWS region and account of the Mesh: ${arns.missing}`;
  const hint = (s: ResolvedService, extra: string) =>
    `Set mesh.install with \`region\` and the controller's role ARN (or \`accountId\`) in its values, so that meshc lists them by ARN; or ${extra}; or drop the rollout of ${s.id} for this environment with an override (\`rollout: null\`).`;
  for (const s of rolled) {
    const open: ResolvedService[] = [];
    for (const b of backends.get(s.id) ?? []) {
      if (b.namespace === s.namespace) continue;
      const entry = namingEntry(b, s.id);
      if (!entry) {
        open.push(b);
        continue;
      }
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `The Canary of ${s.id} cannot list ${b.id}, whose access admits it, as a backend (environment ${env.name}): ${why}.`,
        hint: hint(s, `remove ${s.id} from the access of ${b.id} if it does not call it`),
        location: b.origin(['access', entry.rule, 'from', entry.caller]),
      });
    }
    if (!open.length) continue;
    const { listed, counted } = manyPlaces(open, 'service');
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `The Canary of ${s.id} cannot list the services of other namespaces it may call (${open[0]!.id}${counted}) as backends (environment ${env.name}): ${why}.`,
      hint: hint(s, `leave ${s.id} out of their callers (\`access\`) if it does not call them`),
      location: s.origin(['rollout'], 'key'),
      related: [open[0]!, ...listed].map((b) => ({
        message: `${b.id} admits every caller`,
        location: b.access ? b.origin(['access']) : b.origin([], 'key'),
      })),
    });
  }
  return out;
}

/** Where `target`'s access names `callerId` (a rule and the caller's position in its `from`), if it does. */
function namingEntry(
  target: ResolvedService,
  callerId: string,
): { rule: number; caller: number } | undefined {
  for (const r of target.access ?? [])
    for (const c of r.from)
      if (c.kind === 'service' && c.serviceId === callerId) return { rule: r.index, caller: c.specIndex };
  return undefined;
}
