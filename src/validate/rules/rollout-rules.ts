import type { DiagnosticCode } from '../../core/codes.ts';
import { parseDuration } from '../../core/duration.ts';
import type { DataPath } from '../../core/location.ts';
import { toPointer } from '../../core/location.ts';
import { serviceRefId } from '../../core/service-ref.ts';
import { MAX_LABEL_LENGTH, isLabelValue } from '../../schema/formats.ts';
import { FLAGGER_SELECTOR_LABELS, flaggerSelectorLabel } from '../../spec/rollout.ts';
import type { EnvDoc } from '../environments.ts';
import type { Report, ServiceIndex, ServiceView } from '../view.ts';
import type { ServiceRule } from './service-rules.ts';

/** Flagger's shortest analysis interval: a shorter one is raised to it (fluxcd/flagger `GetAnalysisInterval`). */
export const FLAGGER_MIN_INTERVAL_MS = 10_000;

function at(
  svc: ServiceView,
  report: Report,
  code: DiagnosticCode,
  path: DataPath,
  message: string,
  hint: string,
  mode: 'value' | 'key' = 'value',
) {
  report({
    code,
    severity: 'error',
    message,
    hint,
    location: svc.at(path, mode),
    pointer: toPointer(['spec', ...path]),
  });
}

/**
 * `Service.rollout` against Flagger's rules: the fields each strategy needs and refuses, weights, the
 * interval minimum, the selector label Flagger rewrites, and the routing a Canary cannot carry; and, on every
 * service, a name Flagger takes for the rollout of another, and a route to another's rollout.
 */
export const rolloutRules: ServiceRule = (svc, index, report) => {
  flaggerNameTaken(svc, index, report);
  routedToRollout(svc, index, report);
  const r = svc.spec.rollout;
  if (!r) return;
  const strategy = r.strategy ?? 'canary';
  const field = (name: string, message: string, hint: string) =>
    at(svc, report, 'ROLLOUT_STRATEGY_FIELD', ['rollout', name], message, hint, 'key');
  const need = (name: string, what: string) =>
    at(
      svc,
      report,
      'ROLLOUT_STRATEGY_FIELD',
      ['rollout', ...(r.strategy ? ['strategy'] : [])],
      `A ${strategy} rollout of ${svc.id} needs \`${name}\` (${what}).`,
      `Add rollout.${name}.`,
      r.strategy ? 'value' : 'key',
    );
  if (strategy === 'canary') {
    if (r.stepWeight === undefined) need('stepWeight', 'the weight added to the canary per interval');
    if (r.iterations !== undefined)
      field(
        'iterations',
        `\`iterations\` does not apply to a canary rollout (${svc.id}): its weights decide when it is promoted.`,
        'Remove `iterations`, or set `strategy: ab` or `bluegreen`.',
      );
  } else {
    if (r.iterations === undefined) need('iterations', 'the checks before promotion');
    for (const f of ['stepWeight', 'maxWeight'] as const)
      if (r[f] !== undefined)
        field(
          f,
          `\`${f}\` applies to canary rollouts only; ${svc.id} rolls out by ${strategy}.`,
          `Remove \`${f}\`, or set \`strategy: canary\`.`,
        );
  }
  if (strategy === 'ab' && r.match === undefined) need('match', 'the requests sent to the canary');
  if (strategy === 'ab' && svc.spec.ports[0]?.protocol === 'tcp')
    at(
      svc,
      report,
      'ROLLOUT_CONFLICT',
      ['rollout', 'strategy'],
      `${svc.id} cannot be A/B tested: its first port is TCP, and A/B conditions are HTTP headers and query parameters.`,
      'Roll it out as a canary or blue/green, or put an HTTP port first.',
    );
  if (strategy !== 'ab' && r.match !== undefined)
    field(
      'match',
      `\`match\` applies to A/B rollouts only; ${svc.id} rolls out by ${strategy}.`,
      'Remove `match`, or set `strategy: ab` with `iterations`.',
    );
  if (strategy === 'canary' && r.stepWeight !== undefined && r.stepWeight > (r.maxWeight ?? 100))
    at(
      svc,
      report,
      'ROLLOUT_STEP_ABOVE_MAX',
      ['rollout', 'stepWeight'],
      `The canary step of ${svc.id} (${r.stepWeight}%) is above its maxWeight (${r.maxWeight}%).`,
      'Keep stepWeight <= maxWeight <= 100.',
    );
  const interval = r.interval === undefined ? undefined : parseDuration(r.interval);
  if (interval !== undefined && interval < FLAGGER_MIN_INTERVAL_MS)
    at(
      svc,
      report,
      'ROLLOUT_INTERVAL_TOO_SHORT',
      ['rollout', 'interval'],
      `The analysis interval of ${svc.id} (${r.interval}) is shorter than Flagger's minimum of 10s.`,
      'Flagger would run the analysis every 10s anyway; set `interval: 10s` or more.',
    );
  const selector = svc.spec.selector ?? { app: svc.name };
  if (flaggerSelectorLabel(selector) === undefined)
    at(
      svc,
      report,
      'ROLLOUT_SELECTOR_LABEL',
      ['selector'],
      `Flagger cannot tell the primary pods of ${svc.id} from its canary pods: its selector has none of ${FLAGGER_SELECTOR_LABELS.join(', ')}.`,
      'Flagger gives the primary pods `<value>-primary` in the first of these labels; select the pods by one of them.',
    );
  flaggerNames(svc, report);
  conflicts(svc, report);
};

/** The longest suffix Flagger appends to the apex Service name and to the selector label value: `-primary`. */
const PRIMARY_SUFFIX = '-primary';

/**
 * Names Flagger derives from the Canary (fluxcd/flagger `Canary.GetServiceNames`, `KubernetesDefaultRouter`,
 * the deployment controller), for every provider: the Services `<name>-primary` and `<name>-canary` (meshc's
 * Canary names its apex Service after the service), which the API server takes only as DNS-1035 labels of at
 * most 63 characters, and the primary pods' label `<value>-primary` (the selector label Flagger rewrites, also
 * in the primary Service's selector), a label value of at most 63 characters. The target's
 * `<target>-primary` Deployment or DaemonSet is a DNS-1123 subdomain (253): a DNS-1123 label target fits.
 */
function flaggerNames(svc: ServiceView, report: Report): void {
  const primary = `${svc.name}${PRIMARY_SUFFIX}`;
  if (primary.length > MAX_LABEL_LENGTH)
    at(
      svc,
      report,
      'MESH_CONSTRAINT',
      ['rollout'],
      `Flagger names the Services it generates for the rollout of ${svc.id} ${primary} (${primary.length} characters) and ${svc.name}-canary (${svc.name.length + 7} characters), and a Kubernetes Service name is at most ${MAX_LABEL_LENGTH} characters (a DNS-1035 label): Flagger could not create them.`,
      `Shorten the service name to at most ${MAX_LABEL_LENGTH - PRIMARY_SUFFIX.length} characters, or drop \`rollout\`.`,
      'key',
    );
  const selector = svc.spec.selector;
  if (selector === undefined) return; // { app: <name> }: its value is the name, reported above
  const label = flaggerSelectorLabel(selector);
  if (label === undefined) return;
  const value = `${selector[label]!}${PRIMARY_SUFFIX}`;
  if (isLabelValue(value)) return;
  at(
    svc,
    report,
    'MESH_CONSTRAINT',
    ['selector', label],
    `Flagger labels the primary pods of ${svc.id} ${label}: ${value} (${value.length} characters), and a Kubernetes label value is at most ${MAX_LABEL_LENGTH} characters, starting and ending with a letter or digit: Flagger could not create its primary workload.`,
    `Shorten the \`${label}\` label value to at most ${MAX_LABEL_LENGTH - PRIMARY_SUFFIX.length} characters (on the workload too), or drop \`rollout\`.`,
  );
}

/** What Flagger appends to `<name>` for the other Services it generates (fluxcd/flagger `GetServiceNames`). */
const FLAGGER_SUFFIXES = ['-primary', '-canary'] as const;

/**
 * A service named `<name>-primary` or `<name>-canary` next to a rolled-out service `<name>` of its namespace
 * (in the same scope: an environment's overrides can add or remove the rollout). Flagger creates Services of
 * exactly those names, and takes over one that exists: it rewrites its selector and ports
 * (fluxcd/flagger `pkg/router/kubernetes_default.go` `reconcileService`), which the GitOps engine applying
 * meshc's Service (or the application's) sets back, over and over. meshc's own objects named after the
 * service (access and mTLS objects, App Mesh's VirtualNode, ...) meet those it emits for the primary pods
 * (`primaryView`, `<name>-primary`) or Flagger's (App Mesh's `<name>-canary` VirtualNode, ...).
 */
function flaggerNameTaken(svc: ServiceView, index: ServiceIndex, report: Report): void {
  for (const suffix of FLAGGER_SUFFIXES) {
    if (!svc.name.endsWith(suffix)) continue;
    const rolled = index.get(`${svc.namespace}/${svc.name.slice(0, -suffix.length)}`);
    if (!rolled?.spec.rollout) continue;
    const also =
      suffix === '-primary'
        ? ` (meshc also gives that name to the access and mTLS objects of the primary pods of ${rolled.id})`
        : '';
    report({
      code: 'RENDER_CONFLICT',
      severity: 'error',
      message: `Service ${svc.id} is named like the Service ${svc.name} that Flagger generates for the rollout of ${rolled.id}${also}: Flagger would take over its Kubernetes Service (selector and ports), and the GitOps engine would set them back, over and over.`,
      hint: `Rename ${svc.id} (and the references to it), rename ${rolled.id}, or drop the rollout of ${rolled.id}.`,
      location: svc.nameAt(),
      pointer: '/metadata/name',
      related: [{ message: `the rollout of ${rolled.id}`, location: rolled.at(['rollout'], 'key') }],
    });
  }
}

/**
 * A route of `svc` to another service that is rolled out (`routes[].backends`): a mesh applies the caller's
 * route alone, never the routing Flagger generates for the target, so its requests go to the target's
 * Kubernetes Service, which Flagger points at the primary pods (fluxcd/flagger `pkg/router/kubernetes_default.go`,
 * `Reconcile`: the apex Service selects `<value>-primary`), and none reach the canary. meshc writes the route as
 * Istio's VirtualService destination host `<name>.<namespace>.svc.cluster.local` and as a Gateway API
 * backendRef to the Service `<name>` (Linkerd), neither of which goes through Flagger's VirtualService or
 * HTTPRoute. A warning at each such backend (App Mesh refuses it, appmesh/rollout-checks.ts). A rolled-out
 * caller's backends are ROLLOUT_CONFLICT already.
 */
function routedToRollout(svc: ServiceView, index: ServiceIndex, report: Report): void {
  if (svc.spec.rollout) return;
  (svc.spec.routes ?? []).forEach((route, i) =>
    (route.backends ?? []).forEach((b, j) => {
      // A version of a rolled-out service is refused already (its `versions` are ROLLOUT_CONFLICT).
      if (b.version !== undefined) return;
      const id = serviceRefId(b.service, svc.namespace);
      if (id === svc.id) return;
      const target = index.get(id);
      if (!target?.spec.rollout) return;
      report({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `The requests ${svc.id} routes to ${target.id} never reach its canary: a mesh applies the route of ${svc.id} alone, not the routing Flagger generates for the rollout of ${target.id}, and sends them to the Service ${target.name}, which Flagger points at the primary pods.`,
        hint: `Let the callers of ${svc.id} call ${target.id} directly if its canary should get their requests too, or accept that this share stays on the primary, outside the canary's checks (App Mesh refuses the route).`,
        location: svc.at(['routes', i, 'backends', j]),
        pointer: toPointer(['spec', 'routes', i, 'backends', j]),
        related: [{ message: `the rollout of ${target.id}`, location: target.at(['rollout'], 'key') }],
      });
    }),
  );
}

/** Routing a Canary cannot carry: Flagger generates the service's routes from the Canary alone. */
function conflicts(svc: ServiceView, report: Report): void {
  const why = (what: string) =>
    `${svc.id} has \`rollout\`: Flagger generates its routing from the Canary, which cannot carry ${what}.`;
  const hint = 'Remove it (Flagger shifts the traffic between primary and canary itself), or drop `rollout`.';
  if (svc.spec.versions !== undefined)
    at(svc, report, 'ROLLOUT_CONFLICT', ['versions'], why('version subsets'), hint, 'key');
  (svc.spec.routes ?? []).forEach((route, i) => {
    if (i > 0) {
      at(svc, report, 'ROLLOUT_CONFLICT', ['routes', i], why('a second route'), hint);
      return;
    }
    for (const [f, what] of [
      ['match', 'route matches (use `rollout.match` for A/B testing)'],
      ['to', 'version destinations'],
      ['backends', 'destinations on other services'],
      ['mirror', 'mirroring alongside the canary'],
      ['fault', 'fault injection'],
    ] as const)
      if (route[f] !== undefined)
        at(svc, report, 'ROLLOUT_CONFLICT', ['routes', i, f], why(what), hint, 'key');
  });
}

/** A service with `rollout` in an environment that does not install Flagger (`rollouts.flagger`). */
export function checkRolloutEnvironment(env: EnvDoc, view: ServiceView, report: Report): void {
  if (!view.spec.rollout || env.spec.rollouts) return;
  report({
    code: 'ROLLOUT_WITHOUT_FLAGGER',
    severity: 'error',
    message: `${view.id} has \`rollout\`, but environment ${env.name} does not install Flagger (\`rollouts.flagger\`).`,
    hint: `Add \`rollouts: { flagger: { chartVersion, metricsServer } }\` to environment ${env.name}, or remove the rollout there with an override (\`rollout: null\`).`,
    location: view.at(['rollout'], 'key'),
    pointer: toPointer(['spec', 'rollout']),
    related: [{ message: `environment ${env.name}`, location: env.at([], 'key') }],
  });
}
