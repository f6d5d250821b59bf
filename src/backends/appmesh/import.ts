import type { SourcedObject } from '../../core/import-types.ts';
import { parseDuration } from '../../core/duration.ts';
import { jsonEqual } from '../../core/json.ts';
import { apiGroupOf } from '../../core/k8s.ts';
import type { DataPath } from '../../core/location.ts';
import type {
  Backend,
  Ingress,
  IngressPath,
  Retries,
  RetryCondition,
  Route,
  RouteMatch,
  StringMatch,
} from '../../spec/types.gen.ts';
import type { FieldReader, ImportContext, KnownService, MeshImporter, ServiceDraft } from '../importer.ts';
import {
  asArray,
  canonicalJson,
  isDnsLabel,
  isMethod,
  isRecord,
  specDuration,
  stringRecord,
} from '../shared/import-values.ts';
import {
  APPMESH_INGRESS_NS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  GATEWAY_PORT,
  MESH_LABEL,
  MIN_VERSION,
} from './constants.ts';
import { GATEWAY_POD_LABEL } from './ingress.ts';
import { splitEvenly } from './model.ts';
import { HTTP_RETRY_EVENT } from './virtual-router.ts';
import { selectorsMeet, selectsLabels } from '../../core/selectors.ts';

/**
 * `meshc import` for AWS App Mesh: the inverse of the App Mesh backend (its README has the forward mapping).
 * Mesh → the Environment (its name, egress filter); VirtualNode → a service or one of its versions (pod selector),
 * with its listeners' resilience and TLS; VirtualService → the Kubernetes Service its `awsName` names; the
 * VirtualRouter it is provided by → `routes` in priority order; the callers' `backends` → the callee's `access`
 * (under the egress filter DROP_ALL); VirtualGateway + GatewayRoute → `mesh.ingress` (api native) and `ingress`.
 */

const GROUP = 'appmesh.k8s.aws';

/** App Mesh's retry events back to the spec's conditions (the inverse of the backend's HTTP_RETRY_EVENT). */
const RETRY_CONDITION: Readonly<Record<string, RetryCondition>> = Object.fromEntries(
  Object.entries(HTTP_RETRY_EVENT).map(([c, e]) => [e, c as RetryCondition]),
);

/**
 * App Mesh's default retry policy as spec retries. App Mesh gives every HTTP, HTTP/2 and gRPC route without a
 * retryPolicy (and the route of a VirtualService provided by a VirtualNode) a hidden policy: 2 retries on HTTP
 * 503, gRPC UNAVAILABLE, connect-failure and refused-stream (AWS App Mesh user guide, "Envoy defaults set by App
 * Mesh"; mesh-mapping §9). Whether it applies depends on the account's age: accounts whose first mesh is from
 * 2020-07-29 or later have it, older ones not (unless AWS support added it); the objects do not say, and meshc
 * assumes the newer default. meshc renders a route without `retries` as no retries (maxRetries 0), so the import
 * writes this policy out, as the Istio import writes Istio's default, with the closest spec conditions: 503 alone
 * has none, `gateway-error` (502, 503, 504) is its closest superset; gRPC UNAVAILABLE has none App Mesh's HTTP
 * routes express (`unavailable` is refused there). Reported as approximated ({@link carryDefaultRetries}).
 */
const APPMESH_DEFAULT_RETRIES: { readonly attempts: number; readonly on: readonly RetryCondition[] } = {
  attempts: 2,
  on: ['gateway-error', 'connect-failure', 'refused-stream'],
};

type Obj = Record<string, unknown>;

interface NodeInfo {
  readonly source: SourcedObject;
  readonly r: FieldReader;
  readonly namespace: string;
  readonly name: string;
  readonly service: ServiceDraft;
  readonly version?: string;
}

interface State {
  readonly ctx: ImportContext;
  /** VirtualNodes by `namespace/name`. */
  readonly nodes: Map<string, NodeInfo>;
  /** VirtualServices by `namespace/name`: the service they stand for. */
  readonly virtualServices: Map<string, ServiceDraft>;
  /** The VirtualService objects by `namespace/name`. */
  readonly vsObjects: Map<string, SourcedObject>;
  /** Longest route timeout (ms) sending to each node, for the listener timeouts. */
  readonly nodeTimeouts: Map<string, number>;
  /** VirtualNodes (by `namespace/name`) read as versions of a router's service ({@link planFolds}). */
  readonly folds: Map<string, Fold>;
  meshName?: string;
}

/** A VirtualNode read as a version of `into`, the service of the router that splits over it, not as `own`'s. */
interface Fold {
  readonly into: KnownService;
  readonly own: KnownService;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

/** An App Mesh duration `{unit, value}` as a spec duration, or undefined. */
function duration(v: unknown): string | undefined {
  if (!isRecord(v) || typeof v.value !== 'number' || !['s', 'ms'].includes(String(v.unit))) return undefined;
  if (!Number.isInteger(v.value) || v.value <= 0) return undefined;
  return specDuration(
    v.unit === 'ms' && v.value % 1000 === 0 ? `${v.value / 1000}s` : `${v.value}${String(v.unit)}`,
  );
}

export const appmeshImporter: MeshImporter = {
  annotationDomains: ['appmesh.k8s.aws'],
  detect(objects) {
    const evidence = [
      ...new Set(
        objects
          .filter((o) => apiGroupOf(o.object) === GROUP)
          .map((o) => `${o.object.apiVersion} ${o.object.kind}`),
      ),
    ].sort();
    // appmesh.k8s.aws/v1beta2 is served by the controller lines meshc renders for (1.13, the last).
    return evidence.length ? { evidence, version: MIN_VERSION } : { evidence };
  },
  claims(o) {
    return apiGroupOf(o) === GROUP;
  },
  read(objects, ctx) {
    const st: State = {
      ctx,
      nodes: new Map(),
      virtualServices: new Map(),
      vsObjects: new Map(),
      nodeTimeouts: new Map(),
      folds: new Map(),
    };
    const of = (kind: string) => objects.filter((o) => o.object.kind === kind);
    const egress = readMeshes(of('Mesh'), st);
    planFolds(of('VirtualService'), of('VirtualRouter'), of('VirtualNode'), st);
    for (const o of of('VirtualNode')) readNode(o, st);
    readVirtualServices(of('VirtualService'), of('VirtualRouter'), st);
    separateRouterServices(of('VirtualService'), st);
    readGateways(of('VirtualGateway'), of('GatewayRoute'), st);
    readBackends(of('VirtualNode'), st, egress);
    readListeners(st);
    const known = new Set([
      'Mesh',
      'VirtualNode',
      'VirtualService',
      'VirtualRouter',
      'VirtualGateway',
      'GatewayRoute',
    ]);
    for (const o of objects)
      if (!known.has(o.object.kind))
        ctx
          .reader(o)
          .report(
            'IMPORT_UNKNOWN_KIND',
            [],
            `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.name} is not carried: meshc's App Mesh import reads Mesh, VirtualNode, VirtualService, VirtualRouter, VirtualGateway and GatewayRoute.`,
            'Keep the object as your own manifest beside the rendered output.',
          );
  },
};

// --- Mesh ------------------------------------------------------------------------------------------------------

/** The Mesh: the Environment's name; returns whether its egress filter drops undeclared traffic. */
function readMeshes(objects: readonly SourcedObject[], st: State): boolean {
  let drop = true;
  objects.forEach((o, i) => {
    const r = st.ctx.reader(o);
    if (i > 0 && o.object.metadata.name === objects[0]!.object.metadata.name) {
      // The same Mesh applied by several manifests (each walkthrough carries it): one Environment.
      // Compared as data: the manifests order their keys as their authors did.
      if (jsonEqual(o.object.spec, objects[0]!.object.spec)) r.consume([]);
      else
        r.report(
          'IMPORT_CONFLICT',
          ['spec'],
          `${r.ref} is not carried: another manifest of the input defines the Mesh ${o.object.metadata.name} with another spec; the first one was read.`,
        );
      return;
    }
    if (i > 0) {
      r.report(
        'IMPORT_CONFLICT',
        [],
        `${r.ref} is not carried: the input has another Mesh (${objects[0]!.object.metadata.name}), and one Environment stands for one Mesh.`,
        'Import each mesh separately.',
      );
      return;
    }
    const name = o.object.metadata.name;
    st.meshName = name;
    if (isDnsLabel(name)) st.ctx.environment.name = name;
    st.ctx.environment.from.set('mesh', o);
    const sel = r.get(['spec', 'namespaceSelector']);
    if (sel !== undefined) {
      const labels = stringRecord(isRecord(sel) ? sel.matchLabels : undefined);
      if (
        labels &&
        Object.keys(labels).length === 1 &&
        labels[MESH_LABEL] === name &&
        Object.keys(sel as Obj).length === 1
      )
        r.consume(['spec', 'namespaceSelector']);
      else
        r.approximated(
          ['spec', 'namespaceSelector'],
          `meshc's Mesh selects the namespaces labelled \`${MESH_LABEL}: ${name}\` (its namespaces get that label)`,
        );
    }
    // App Mesh's default egress filter is DROP_ALL (API reference, EgressFilter).
    const type = r.get(['spec', 'egressFilter', 'type']);
    if (type === 'ALLOW_ALL') drop = false;
    if (type === 'ALLOW_ALL' || type === 'DROP_ALL') r.consume(['spec', 'egressFilter']);
    if (r.get(['spec', 'awsName']) === name) r.consume(['spec', 'awsName']);
  });
  return drop;
}

// --- VirtualNode -----------------------------------------------------------------------------------------------

/** The root Services of a namespace whose selector the labels satisfy, most specific first. */
function servicesOfLabels(ctx: ImportContext, namespace: string, labels: Readonly<Record<string, string>>) {
  return ctx.workloads
    .all()
    .filter(
      (s) =>
        s.namespace === namespace && Object.keys(s.selector).length > 0 && selectsLabels(s.selector, labels),
    )
    .sort((a, b) => Object.keys(b.selector).length - Object.keys(a.selector).length);
}

/** The name of the version a node of `service` stands for: from its name, DNS name or one version label. */
function versionName(
  name: string,
  hostname: unknown,
  service: string,
  versionLabels: Readonly<Record<string, string>>,
): string | undefined {
  const host = typeof hostname === 'string' ? hostname.split('.')[0]! : '';
  const values = Object.values(versionLabels);
  const version = [name, host]
    .filter((n) => n.startsWith(`${service}-`))
    .map((n) => n.slice(service.length + 1))
    .find(isDnsLabel);
  if (version) return version;
  if (values.length === 1 && isDnsLabel(values[0])) return values[0];
  return isDnsLabel(name) ? name : undefined;
}

/** The Kubernetes Service a VirtualService stands for: its `awsName`'s, else the one of its own name. */
function vsTarget(
  o: SourcedObject,
  ctx: ImportContext,
): { readonly namespace: string; readonly name: string; readonly byAwsName: boolean } | undefined {
  const ns = o.object.metadata.namespace ?? 'default';
  const awsName = ctx.reader(o).get(['spec', 'awsName']);
  if (typeof awsName === 'string') {
    const h = ctx.workloads.host(awsName, ns);
    if (h && ctx.workloads.service(h.namespace, h.name)) return { ...h, byAwsName: true };
  }
  const known = ctx.workloads.service(ns, o.object.metadata.name);
  return known ? { namespace: ns, name: known.name, byAwsName: false } : undefined;
}

/**
 * The VirtualNodes a VirtualRouter splits over that are versions of the router's service. App Mesh's
 * walkthroughs give a routed service a Kubernetes Service without a selector (for its DNS name) and each
 * VirtualNode a Service of its own (`app: color, version: red`): read as they are, these would be separate
 * services whose pods the routed service's default selector (`app: color`) selects too, so that its access rules
 * would govern their pods, and meshc's App Mesh render would select each pod with two VirtualNodes, which App
 * Mesh's injector refuses. The spec's form is one service with versions, the router's weights sent to versions.
 * A node is read so when: its pods carry `app: <the routed service>` and other labels (the version's); its own
 * Service is no VirtualService's (no meshed client dials it), and stands for no other node; and every node the
 * router targets is such a node (else the routed service would still overlap the others). Planned before the
 * nodes are read (readNode reads each as its version; {@link foldInto} reports its own Service).
 */
function planFolds(
  vss: readonly SourcedObject[],
  routers: readonly SourcedObject[],
  nodeObjects: readonly SourcedObject[],
  st: State,
): void {
  const { ctx } = st;
  const nsOf = (o: SourcedObject) => o.object.metadata.namespace ?? 'default';
  const dialed = new Set<string>();
  for (const o of vss) {
    const t = vsTarget(o, ctx);
    if (t) dialed.add(key(t.namespace, t.name));
  }
  const labelsOf = (o: SourcedObject) =>
    stringRecord(ctx.reader(o).get(['spec', 'podSelector', 'matchLabels'])) ?? {};
  /** The Service a node's pods are read as: the one most specific selector they satisfy, if one. */
  const own = new Map<SourcedObject, KnownService | undefined>();
  for (const o of nodeObjects) {
    const c = servicesOfLabels(ctx, nsOf(o), labelsOf(o));
    const ambiguous =
      c.length > 1 && Object.keys(c[1]!.selector).length === Object.keys(c[0]!.selector).length;
    own.set(o, ambiguous ? undefined : c[0]);
  }
  const nodeByKey = new Map(nodeObjects.map((o) => [key(nsOf(o), o.object.metadata.name), o]));
  const routerByKey = new Map(routers.map((o) => [key(nsOf(o), o.object.metadata.name), o]));
  for (const o of vss) {
    const ref = ctx.reader(o).get(['spec', 'provider', 'virtualRouter', 'virtualRouterRef']);
    if (!isRecord(ref) || typeof ref.name !== 'string') continue;
    const t = vsTarget(o, ctx);
    const into = t && ctx.workloads.service(t.namespace, t.name);
    if (!into?.source || into.versionOf || Object.keys(into.selector).length) continue;
    const router = routerByKey.get(
      key(typeof ref.namespace === 'string' ? ref.namespace : nsOf(o), ref.name),
    );
    if (!router) continue;
    const targets = new Set<string>();
    for (const route of asArray(ctx.reader(router).get(['spec', 'routes'])))
      for (const type of ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'])
        for (const wt of asArray(
          isRecord(route) && isRecord(route[type]) && isRecord(route[type].action)
            ? route[type].action.weightedTargets
            : undefined,
        )) {
          const nr = isRecord(wt) && isRecord(wt.virtualNodeRef) ? wt.virtualNodeRef : undefined;
          if (nr && typeof nr.name === 'string')
            targets.add(key(typeof nr.namespace === 'string' ? nr.namespace : nsOf(router), nr.name));
        }
    const plan: { node: string; own: KnownService; version: string }[] = [];
    for (const k of targets) {
      const n = nodeByKey.get(k);
      const labels = n ? labelsOf(n) : {};
      const mine = n && own.get(n);
      const { app, ...versionLabels } = labels;
      if (
        !n ||
        !mine ||
        nsOf(n) !== into.namespace ||
        app !== into.name ||
        !Object.keys(versionLabels).length ||
        mine === into ||
        dialed.has(mine.id) ||
        st.folds.has(k)
      )
        break;
      const version = versionName(
        n.object.metadata.name,
        ctx.reader(n).get(['spec', 'serviceDiscovery', 'dns', 'hostname']),
        into.name,
        versionLabels,
      );
      if (!version) break;
      plan.push({ node: k, own: mine, version });
    }
    const owns = new Set(plan.map((p) => p.own));
    if (
      !plan.length ||
      plan.length !== targets.size ||
      owns.size !== plan.length ||
      new Set(plan.map((p) => p.version)).size !== plan.length ||
      // Another node of these Services, or with pods of the routed service: it would overlap the versions.
      nodeObjects.some((n) => {
        if (targets.has(key(nsOf(n), n.object.metadata.name)) || nsOf(n) !== into.namespace) return false;
        const theirs = own.get(n);
        return (theirs !== undefined && owns.has(theirs)) || labelsOf(n).app === into.name;
      })
    )
      continue;
    for (const p of plan) st.folds.set(p.node, { into, own: p.own });
  }
}

/** A folded node's own Service ({@link planFolds}) after its pods became `version` of the routed service. */
function foldInto(
  fold: Fold,
  version: string,
  labels: Readonly<Record<string, string>>,
  node: SourcedObject,
  st: State,
): void {
  const { own, into } = fold;
  st.ctx.service(own.namespace, own.name).versionOf = { service: into.name, version };
  if (!own.source) return;
  const r = st.ctx.reader(own.source);
  const fqdn = `${into.name}-${version}.${into.namespace}.svc.cluster.local`;
  r.approximated(
    ['spec', 'selector'],
    `no VirtualService stands for ${own.name} (no meshed client dials it), and the VirtualRouter of ${into.name} splits requests over its pods (the VirtualNode ${node.object.metadata.name}): they became version ${version} of ${into.name} (labels ${Object.entries(
      labels,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}), meshc writes no service ${own.name}, and the meshes reach those pods as ${fqdn}`,
    `Keep the Service ${own.name} in your manifests if callers outside the mesh dial it (meshc neither emits nor changes it); meshed callers reach the pods through ${into.name}.`,
  );
  // The application's manifests keep the rest of that Service, as for any Service meshc only references.
  r.consume(['spec']);
}

function readNode(o: SourcedObject, st: State): void {
  const { ctx } = st;
  const r = ctx.reader(o);
  const ns = r.namespace;
  const name = o.object.metadata.name;
  const labels = stringRecord(r.get(['spec', 'podSelector', 'matchLabels'])) ?? {};
  const hostname = r.get(['spec', 'serviceDiscovery', 'dns', 'hostname']);
  const fold = st.folds.get(key(ns, name));
  let candidates = fold ? [fold.into] : servicesOfLabels(ctx, ns, labels);
  if (!candidates.length) {
    // A Service without a selector stands for the node when the node's DNS name, Cloud Map name or own name is
    // its (or one of its per-version Services') name.
    const cloudMap = r.get(['spec', 'serviceDiscovery', 'awsCloudMap', 'serviceName']);
    const names = [
      typeof hostname === 'string' ? ctx.workloads.host(hostname, ns) : undefined,
      typeof cloudMap === 'string' ? { namespace: ns, name: cloudMap } : undefined,
      { namespace: ns, name },
    ];
    for (const h of names) {
      const known = h && ctx.workloads.service(h.namespace, h.name);
      const root = known?.versionOf ? ctx.workloads.service(known.namespace, known.versionOf.service) : known;
      if (root && (root !== known || !Object.keys(root.selector).length)) {
        candidates = [root];
        break;
      }
    }
  }
  const svc = candidates[0];
  if (!svc) {
    r.report(
      'IMPORT_NO_SERVICE',
      ['spec', 'podSelector'],
      `The pods ${r.ref} selects match no Kubernetes Service of the input; it is not carried.`,
      'Import the Kubernetes Services and Deployments with the mesh objects (`kubectl get svc,deploy -o yaml`).',
    );
    return;
  }
  if (
    candidates.length > 1 &&
    Object.keys(candidates[1]!.selector).length === Object.keys(svc.selector).length
  )
    r.approximated(
      ['spec', 'podSelector'],
      `its pods are selected by several Services (${candidates.map((c) => c.name).join(', ')}); it was read as ${svc.name}'s`,
    );
  else r.consume(['spec', 'podSelector']);
  const draft = ctx.service(svc.namespace, svc.name);
  if (!Object.keys(svc.selector).length && svc.source && !draft.managed) {
    // App Mesh reaches the pods through the VirtualNodes; other meshes through the Service's endpoints.
    draft.managed = true;
    ctx
      .reader(svc.source)
      .approximated(
        ['spec'],
        `the Service has no selector (App Mesh reaches its pods through the VirtualNodes); meshc now emits it itself (kubernetesService: managed) with the selector app: ${svc.name}, so that every mesh finds its pods`,
        `Remove the Service from your application's manifests, and check that the pods of ${svc.name} carry app: ${svc.name}.`,
      );
  }
  // A Service without a selector gets the spec's default one, app: <name>.
  const selector: Readonly<Record<string, string>> = Object.keys(svc.selector).length
    ? svc.selector
    : labels.app === svc.name
      ? { app: svc.name }
      : {};
  const versionLabels = Object.fromEntries(Object.entries(labels).filter(([k]) => selector[k] === undefined));
  let version: string | undefined;
  if (Object.keys(versionLabels).length) {
    version = versionName(name, hostname, svc.name, versionLabels);
    if (!version) {
      r.notCarried(['spec', 'podSelector'], 'no version name could be made of its name or labels');
      return;
    }
    const existing = draft.spec.versions?.[version];
    if (existing && !jsonEqual(existing.labels, versionLabels)) {
      r.report(
        'IMPORT_CONFLICT',
        ['spec', 'podSelector'],
        `${r.ref} is not carried: version ${version} of ${svc.name} has other labels.`,
      );
      return;
    }
    draft.spec.versions = { ...draft.spec.versions, [version]: { labels: versionLabels } };
    draft.from.set('versions', o);
    if (fold) foldInto(fold, version, versionLabels, o, st);
  }
  st.nodes.set(key(ns, name), {
    source: o,
    r,
    namespace: ns,
    name,
    service: draft,
    ...(version ? { version } : {}),
  });
  // Service discovery: meshc finds a node's endpoints through its (per-version) Service's DNS name.
  const dns = r.get(['spec', 'serviceDiscovery', 'dns']);
  if (isRecord(dns) && typeof hostname === 'string') {
    const h = ctx.workloads.host(hostname, ns);
    const expected = version ? `${svc.name}-${version}` : svc.name;
    if (h && h.namespace === svc.namespace && h.name === expected)
      r.consume(['spec', 'serviceDiscovery', 'dns', 'hostname']);
    else
      r.approximated(
        ['spec', 'serviceDiscovery', 'dns', 'hostname'],
        `meshc discovers the node's pods through the Service ${expected}.${svc.namespace}.svc.cluster.local`,
      );
  } else if (r.get(['spec', 'serviceDiscovery']) !== undefined)
    r.approximated(
      ['spec', 'serviceDiscovery'],
      `meshc discovers the node's pods through Kubernetes Service DNS names (${version ? `${svc.name}-${version}` : svc.name}.${svc.namespace}.svc.cluster.local), not AWS Cloud Map`,
    );
}

// --- listeners (after the routes: listener timeouts follow the route timeouts) ----------------------------------

type Resilience = NonNullable<ServiceDraft['spec']['resilience']>;

function readListeners(st: State): void {
  const modes = new Map<ServiceDraft, Set<string>>();
  for (const node of st.nodes.values()) {
    const { r } = node;
    const draft = node.service;
    const known = st.ctx.workloads.service(draft.namespace, draft.name);
    const seen = modes.get(draft) ?? new Set<string>();
    modes.set(draft, seen);
    const listeners = asArray(r.get(['spec', 'listeners']));
    if (!listeners.length) seen.add('NONE');
    listeners.forEach((_, i) => {
      const at = (...p: (string | number)[]): DataPath => ['spec', 'listeners', i, ...p];
      const port = r.get(at('portMapping', 'port'));
      const protocol = r.get(at('portMapping', 'protocol'));
      const kp = known?.ports.find((p) => p.port === port);
      if (!known || kp) r.consume(at('portMapping', 'port'));
      else
        r.notCarried(
          at('portMapping', 'port'),
          `port ${String(port)} is no port of the Service ${draft.name}`,
        );
      const expected = kp ? (kp.protocol === 'grpc' ? 'http2' : kp.protocol) : undefined;
      if (expected === undefined || protocol === expected) r.consume(at('portMapping', 'protocol'));
      else if (protocol === 'grpc' && kp?.protocol === 'http2')
        r.approximated(
          at('portMapping', 'protocol'),
          'meshc routes gRPC as HTTP/2 (path and header matches)',
        );
      else
        r.approximated(
          at('portMapping', 'protocol'),
          `the Service port ${String(port)} is ${kp!.protocol}${kp!.assumed ? ' (assumed: no appProtocol or protocol name prefix)' : ''}, which meshc listens with; set its appProtocol to ${String(protocol)}`,
        );
      if (r.get(at('healthCheck')) !== undefined)
        r.notCarried(at('healthCheck'), "meshc leaves health checking to the pods' Kubernetes probes");
      // Timeouts: meshc raises a node's listener timeout to the longest route timeout sending to it.
      const t = r.get(at('timeout'));
      if (isRecord(t)) {
        const want = st.nodeTimeouts.get(key(node.namespace, node.name));
        for (const [proto, v] of Object.entries(t)) {
          const per = isRecord(v) ? duration(v.perRequest) : undefined;
          const ms = per !== undefined ? parseDuration(per) : undefined;
          if (ms !== undefined && want !== undefined && ms === want && want > DEFAULT_REQUEST_TIMEOUT_MS)
            r.consume(at('timeout', proto, 'perRequest'));
          else if (ms !== undefined)
            r.approximated(
              at('timeout', proto, 'perRequest'),
              `meshc sets a listener's request timeout to the longest route timeout sending to it when over 15s (${want !== undefined ? `${want} ms` : 'none'} here), not to ${per}`,
              'Set `timeout` on the routes that send to this node.',
            );
        }
      }
      const od = r.get(at('outlierDetection'));
      if (isRecord(od)) {
        const value = {
          consecutiveErrors: od.maxServerErrors,
          interval: duration(od.interval),
          baseEjectionTime: duration(od.baseEjectionDuration),
          maxEjectionPercent: od.maxEjectionPercent,
        };
        if (
          typeof value.consecutiveErrors === 'number' &&
          value.interval &&
          value.baseEjectionTime &&
          typeof value.maxEjectionPercent === 'number'
        )
          setResilience(
            r,
            at('outlierDetection'),
            draft,
            'outlierDetection',
            value as Resilience['outlierDetection'],
          );
        else
          r.notCarried(
            at('outlierDetection'),
            'App Mesh needs all four fields, and some are missing or invalid',
          );
      }
      const pool = r.get(at('connectionPool'));
      if (isRecord(pool)) {
        const http = isRecord(pool.http) ? pool.http : undefined;
        const value: Resilience['connectionPool'] = http
          ? {
              ...(typeof http.maxConnections === 'number' ? { maxConnections: http.maxConnections } : {}),
              ...(typeof http.maxPendingRequests === 'number'
                ? { maxPendingRequests: http.maxPendingRequests }
                : {}),
            }
          : isRecord(pool.http2) && typeof pool.http2.maxRequests === 'number'
            ? { maxConnections: pool.http2.maxRequests }
            : isRecord(pool.grpc) && typeof pool.grpc.maxRequests === 'number'
              ? { maxConnections: pool.grpc.maxRequests }
              : isRecord(pool.tcp) && typeof pool.tcp.maxConnections === 'number'
                ? { maxConnections: pool.tcp.maxConnections }
                : undefined;
        if (value && value.maxConnections !== undefined) {
          if (isRecord(pool.grpc))
            r.approximated(
              at('connectionPool', 'grpc'),
              'gRPC pools become HTTP/2 pools (maxRequests ← maxConnections)',
            );
          setResilience(r, at('connectionPool'), draft, 'connectionPool', value);
        } else r.notCarried(at('connectionPool'), 'the pool has no maximum the spec can carry');
      }
      const tls = r.get(at('tls'));
      if (isRecord(tls)) {
        seen.add(String(tls.mode));
        readTls(r, at('tls'), st, true);
        checkListenerSans(r, at('tls', 'validation', 'subjectAlternativeNames'), draft, st);
      } else seen.add('NONE');
    });
  }
  // mTLS: the Environment's mode is the most common TLS mode (strict on a tie); when some services have no TLS,
  // it is permissive (which still accepts their plaintext callers) and the others keep their own mode.
  const count = new Map<string, number>();
  for (const s of modes.values()) if (s.size === 1) count.set([...s][0]!, (count.get([...s][0]!) ?? 0) + 1);
  const toSpec = (m: string) => (m === 'STRICT' ? 'strict' : m === 'PERMISSIVE' ? 'permissive' : 'off');
  const tls = [...count.entries()]
    .filter(([m]) => m === 'STRICT' || m === 'PERMISSIVE')
    .sort((a, b) => b[1] - a[1] || (a[0] === 'STRICT' ? -1 : 1));
  if (!count.size) return;
  const env: 'strict' | 'permissive' | 'off' = !tls.length
    ? 'off'
    : count.has('NONE')
      ? 'permissive'
      : toSpec(tls[0]![0]) === 'strict'
        ? 'strict'
        : 'permissive';
  st.ctx.environment.mtls = env;
  for (const [draft, s] of modes) {
    const mode = s.size === 1 ? toSpec([...s][0]!) : undefined;
    if (mode === env) continue;
    const node = [...st.nodes.values()].find((n) => n.service === draft)!;
    if (mode === 'strict' || mode === 'permissive') draft.spec.mtls = mode;
    else
      node.r.approximated(
        ['spec', 'listeners'],
        mode === 'off'
          ? `${draft.name}'s listeners have no TLS while other services' have; a service's \`mtls\` can only be strict or permissive, so it gets the Environment's ${env} (its listeners then also accept TLS from meshed callers, and still plaintext)`
          : `the nodes of ${draft.name} have different TLS modes (${[...s].join(', ')}); it gets the Environment's ${env}`,
      );
  }
}

/**
 * A listener's accepted client SANs (SDS): meshc writes the SPIFFE IDs of the callers `access` names (and of the
 * ingress gateway when the service is exposed), none when any caller may connect. Consumed when they say that.
 */
function checkListenerSans(r: FieldReader, at: DataPath, draft: ServiceDraft, st: State): void {
  const sans = r.get([...at, 'match', 'exact']);
  if (r.get(at) === undefined) return;
  const env = st.ctx.environment;
  const td = env.trustDomain;
  const access = draft.spec.access;
  const expected = new Set<string>();
  if (access && !access.some((a) => a.from.includes('*')) && td !== undefined) {
    for (const a of access)
      for (const c of a.from) {
        const [ns, name] = c.includes('/') ? (c.split('/') as [string, string]) : [draft.namespace, c];
        const sa = st.ctx.workloads.service(ns, name)?.serviceAccount ?? name;
        expected.add(`spiffe://${td}/ns/${ns}/sa/${sa}`);
      }
    if (draft.spec.ingress && env.ingress)
      expected.add(
        `spiffe://${td}/ns/${env.ingress.namespace ?? APPMESH_INGRESS_NS}/sa/${env.ingress.className}`,
      );
  }
  const given = Array.isArray(sans) ? new Set(sans.map(String)) : undefined;
  if (given && given.size === expected.size && [...given].every((x) => expected.has(x))) r.consume(at);
  else
    r.approximated(
      at,
      `meshc accepts the SPIFFE IDs of the callers \`access\` names (${[...expected].sort().join(', ') || 'any caller: no list'}), derived from the callers' backends`,
      'Check the callers in `access` of the imported service.',
    );
}

function setResilience<K extends 'outlierDetection' | 'connectionPool'>(
  r: FieldReader,
  at: DataPath,
  draft: ServiceDraft,
  field: K,
  value: Resilience[K],
): void {
  const cur = draft.spec.resilience?.[field];
  if (cur && JSON.stringify(cur) !== JSON.stringify(value)) {
    r.approximated(
      at,
      `\`resilience.${field}\` applies to the whole service ${draft.name}; another node of it has ${JSON.stringify(cur)}, which was kept`,
    );
    return;
  }
  draft.spec.resilience = { ...draft.spec.resilience, [field]: value };
  r.consume(at);
}

/** A listener's or client policy's certificate source → `mesh.trust` (and the trust domain from SPIFFE IDs). */
function readTls(r: FieldReader, at: DataPath, st: State, listener = false): void {
  const env = st.ctx.environment;
  if (['STRICT', 'PERMISSIVE', 'DISABLED'].includes(String(r.get([...at, 'mode']))))
    r.consume([...at, 'mode']);
  const cert = r.get([...at, 'certificate']);
  const sds = isRecord(cert) && isRecord(cert.sds) ? cert.sds : undefined;
  const file = isRecord(cert) && isRecord(cert.file) ? cert.file : undefined;
  const acm = isRecord(cert) && isRecord(cert.acm) ? cert.acm : undefined;
  const conflict = (what: string) =>
    r.report(
      'IMPORT_CONFLICT',
      at,
      `The TLS of ${r.ref} is not carried: ${what}; the Environment has one trust source.`,
    );
  if (sds && typeof sds.secretName === 'string') {
    const m = /^spiffe:\/\/([^/]+)\//.exec(sds.secretName);
    if (env.trust && !env.trust.sds) return conflict('another listener uses another certificate source');
    env.trust = { sds: {} };
    if (m) env.trustDomain ??= m[1]!;
    r.consume([...at, 'certificate']);
    const bundle = r.get([...at, 'validation', 'trust', 'sds', 'secretName']);
    if (bundle === `spiffe://${env.trustDomain}`) r.consume([...at, 'validation', 'trust']);
    else if (bundle !== undefined)
      r.approximated(
        [...at, 'validation', 'trust'],
        `meshc names the trust bundle after the trust domain (spiffe://${String(env.trustDomain)}), not ${String(bundle)}`,
      );
    // The accepted client SANs follow `access` (the callers' SPIFFE IDs): compared in readBackends' results.
    // A client's accepted server SANs follow the routes' targets (meshc derives them); a listener's are checked
    // against `access` in readListeners.
    if (!listener && r.get([...at, 'validation', 'subjectAlternativeNames']) !== undefined)
      r.consume([...at, 'validation', 'subjectAlternativeNames']);
    if (!/^spiffe:\/\/[^/]+\/ns\/[^/]+\/sa\/[^/]+$/.test(sds.secretName))
      r.approximated(
        [...at, 'certificate', 'sds', 'secretName'],
        `meshc derives SPIFFE IDs as spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>, not ${sds.secretName}; register the SPIRE entries in that form`,
      );
  } else if (file && typeof file.certificateChain === 'string' && typeof file.privateKey === 'string') {
    const ca = r.get([...at, 'validation', 'trust', 'file', 'certificateChain']);
    const value = {
      certificateChain: file.certificateChain,
      privateKey: file.privateKey,
      caBundle: typeof ca === 'string' ? ca : '',
    };
    if (env.trust && JSON.stringify(env.trust.file) !== JSON.stringify(value))
      return conflict('another listener names other files');
    env.trust = { file: value };
    r.consume([...at, 'certificate']);
    if (typeof ca === 'string') r.consume([...at, 'validation']);
  } else if (acm && typeof acm.certificateARN === 'string') {
    const arns = env.trust?.acm?.certificateAuthorityArns ?? [];
    if (env.trust && !env.trust.acm) return conflict('another listener uses another certificate source');
    env.trust = { acm: { certificateArn: acm.certificateARN, certificateAuthorityArns: arns } };
    r.consume([...at, 'certificate']);
  }
}

/** A client policy: consumed when it says what meshc derives from the trust source; the ACM CAs are read here. */
function readClientPolicy(r: FieldReader, at: DataPath, st: State): void {
  const env = st.ctx.environment;
  const tls = r.get([...at, 'tls']);
  if (!isRecord(tls)) return;
  const arns = r.get([...at, 'tls', 'validation', 'trust', 'acm', 'certificateAuthorityARNs']);
  if (Array.isArray(arns) && arns.every((a) => typeof a === 'string')) {
    if (!env.trust || env.trust.acm)
      env.trust = {
        acm: {
          certificateArn: env.trust?.acm?.certificateArn ?? '',
          certificateAuthorityArns: arns as string[],
        },
      };
    r.consume(at);
    return;
  }
  if (env.trust) r.consume(at);
  else readTls(r, [...at, 'tls'], st);
  r.consume(at);
}

// --- VirtualService, VirtualRouter -----------------------------------------------------------------------------

function readVirtualServices(
  vss: readonly SourcedObject[],
  routers: readonly SourcedObject[],
  st: State,
): void {
  const { ctx } = st;
  const routerByKey = new Map(
    routers.map((o) => [key(o.object.metadata.namespace ?? 'default', o.object.metadata.name), o]),
  );
  const usedRouters = new Set<SourcedObject>();
  for (const o of vss) {
    const r = ctx.reader(o);
    const ns = r.namespace;
    const awsName = r.get(['spec', 'awsName']);
    const target = vsTarget(o, ctx);
    if (!target) {
      r.report(
        'IMPORT_NO_SERVICE',
        ['spec', 'awsName'],
        `${r.ref} names ${String(awsName)}, which is no Kubernetes Service of the input; it is not carried.`,
        'Import the Kubernetes Service the VirtualService stands for.',
      );
      continue;
    }
    const fqdn = `${target.name}.${target.namespace}.svc.cluster.local`;
    if (!target.byAwsName)
      r.approximated(
        ['spec', 'awsName'],
        `${String(awsName)} is no Kubernetes Service name; the VirtualService was read as the Service ${target.name}, whose full name meshc's VirtualService answers (clients must dial ${fqdn})`,
      );
    else if (awsName === fqdn) r.consume(['spec', 'awsName']);
    else
      r.approximated(
        ['spec', 'awsName'],
        `meshc's VirtualService answers ${fqdn} (the Service's full name): clients must dial that name`,
      );
    const draft = ctx.service(target.namespace, target.name, o);
    st.virtualServices.set(key(ns, o.object.metadata.name), draft);
    st.vsObjects.set(key(ns, o.object.metadata.name), o);
    const routerRef = r.get(['spec', 'provider', 'virtualRouter', 'virtualRouterRef']);
    const nodeRef = r.get(['spec', 'provider', 'virtualNode', 'virtualNodeRef']);
    if (isRecord(routerRef) && typeof routerRef.name === 'string') {
      const ro = routerByKey.get(
        key(typeof routerRef.namespace === 'string' ? routerRef.namespace : ns, routerRef.name),
      );
      if (!ro) {
        r.notCarried(['spec', 'provider'], `the VirtualRouter ${routerRef.name} is not in the input`);
        continue;
      }
      r.consume(['spec', 'provider']);
      if (usedRouters.has(ro)) continue;
      usedRouters.add(ro);
      readRouter(ro, draft, st);
    } else if (isRecord(nodeRef) && typeof nodeRef.name === 'string') {
      const node = st.nodes.get(
        key(typeof nodeRef.namespace === 'string' ? nodeRef.namespace : ns, nodeRef.name),
      );
      if (!node) {
        r.notCarried(['spec', 'provider'], `the VirtualNode ${nodeRef.name} is not in the input`);
        continue;
      }
      r.consume(['spec', 'provider']);
      // App Mesh's default retry policy applies to the route App Mesh makes for a VirtualNode provider too (user
      // guide, "Envoy defaults set by App Mesh"), unless the node listens for TCP only.
      const protocol = asArray(node.r.get(['spec', 'listeners'])).map((l) =>
        isRecord(l) && isRecord(l.portMapping) ? l.portMapping.protocol : undefined,
      )[0];
      const retries =
        protocol === 'tcp'
          ? undefined
          : carryDefaultRetries(
              r,
              ['spec', 'provider', 'virtualNode'],
              `the route App Mesh makes for its VirtualNode provider ${nodeRef.name} has no retry policy (none can be set there)`,
            );
      if (node.service === draft && !node.version && !retries) continue;
      const dest = destinationOf(node, draft, 100);
      draft.spec.routes = [
        {
          ...(node.service === draft && !node.version
            ? {}
            : dest.to !== undefined
              ? { to: dest.to }
              : { backends: [dest.backend] }),
          ...(retries ? { retries } : {}),
        },
      ];
      draft.from.set('routes', o);
    } else if (r.get(['spec', 'provider']) === undefined)
      r.approximated(
        [],
        `${r.ref} has no provider: App Mesh answers nothing for it, meshc routes to every pod of ${draft.name}`,
      );
  }
  for (const o of routers)
    if (!usedRouters.has(o))
      ctx
        .reader(o)
        .report(
          'IMPORT_NOT_CARRIED',
          [],
          `${ctx.reader(o).ref} is not carried: no VirtualService of the input is provided by it.`,
        );
}

/**
 * A router-only service: a VirtualService provided by a VirtualRouter whose Kubernetes Service has no selector
 * and stands for no VirtualNode (App Mesh gives it no pods of its own), routed to other services' nodes that
 * {@link planFolds} could not read as its versions (their Services are dialed too). The spec's default selector
 * (`app: <name>`) would select those services' pods when they carry that label: its access rules and mtls would
 * govern their pods, and meshc's App Mesh render would give those pods a second VirtualNode, which App Mesh's
 * injector refuses. It gets a selector that differs from each of theirs in the value of one of their labels
 * (`<label>: <its name>`), which selects none of their pods, reported at its Service. Left as is when no such
 * selector exists (a Service selecting just `app: <name>`): the spec's validation then says why.
 */
function separateRouterServices(vss: readonly SourcedObject[], st: State): void {
  const { ctx } = st;
  const withNodes = new Set([...st.nodes.values()].map((n) => n.service));
  for (const o of vss) {
    if (!isRecord(ctx.reader(o).get(['spec', 'provider', 'virtualRouter']))) continue;
    const t = vsTarget(o, ctx);
    const known = t && ctx.workloads.service(t.namespace, t.name);
    if (!known?.source || known.versionOf || Object.keys(known.selector).length) continue;
    const draft = ctx.service(known.namespace, known.name);
    if (withNodes.has(draft) || draft.spec.selector) continue;
    const base = { app: known.name };
    const others = ctx.workloads
      .all()
      .filter(
        (s) =>
          s !== known &&
          s.namespace === known.namespace &&
          Object.keys(s.selector).length > 0 &&
          selectorsMeet(s.selector, base),
      );
    if (!others.length) continue;
    const selector: Record<string, string> = { ...base };
    let separable = true;
    for (const s of others) {
      if (!selectorsMeet(s.selector, selector)) continue;
      const k = Object.keys(s.selector)
        .filter((x) => selector[x] === undefined)
        .sort()[0];
      if (k === undefined) {
        separable = false;
        break;
      }
      const used = new Set(others.map((x) => x.selector[k]));
      let v = known.name;
      for (let i = 2; used.has(v); i++) v = `${known.name}-${i}`;
      selector[k] = v;
    }
    if (!separable || Object.values(selector).some((v) => v.length > 63)) continue;
    draft.spec.selector = selector;
    ctx.reader(known.source).approximated(
      ['spec'],
      `the Service has no selector, and no VirtualNode stands for it: App Mesh gives ${known.name} no pods of its own (its VirtualRouter routes to other nodes), while the spec's default selector app: ${known.name} would select the pods of ${others.map((s) => s.name).join(', ')} too; it got the selector ${Object.entries(
        selector,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(
          ', ',
        )}, which selects none of their pods, so that its access rules and mtls govern no pod of theirs (those of ${others.map((s) => s.name).join(', ')} govern the requests routed to them)`,
      `Check the access rules of ${others.map((s) => s.name).join(', ')}: callers of ${known.name} reach their pods too.`,
    );
  }
}

/** One destination of a route: a version of the route's own service (`to`), or a `backends` entry. */
function destinationOf(
  node: NodeInfo,
  self: ServiceDraft,
  weight: number,
): { to?: string; backend: Backend } {
  const service =
    node.service === self
      ? self.name
      : node.service.namespace === self.namespace
        ? node.service.name
        : `${node.service.namespace}/${node.service.name}`;
  return {
    ...(node.service === self && node.version ? { to: node.version } : {}),
    backend: { service, ...(node.version ? { version: node.version } : {}), weight },
  };
}

/**
 * {@link APPMESH_DEFAULT_RETRIES} for a route App Mesh retries by its default policy (`why`: what says so),
 * reported at `path` as approximated: the conditions differ, and the policy depends on the account's age.
 */
function carryDefaultRetries(r: FieldReader, path: DataPath, why: string): Retries {
  r.approximated(
    path,
    `${why}, so App Mesh's default retry policy applies (for accounts whose first mesh is from 2020-07-29 or later: 2 retries on HTTP 503, gRPC UNAVAILABLE, connection failures and refused streams), which meshc turns off where \`retries\` is absent: it is carried as \`retries: { attempts: 2, on: [gateway-error, connect-failure, refused-stream] }\`, which also retries 502 and 504 and does not retry gRPC UNAVAILABLE`,
    "If the account's first mesh is older than 2020-07-29 (App Mesh then has no default retry policy), or these requests must not be retried, remove `retries` from the imported route.",
  );
  return { attempts: APPMESH_DEFAULT_RETRIES.attempts, on: [...APPMESH_DEFAULT_RETRIES.on] };
}

interface ReadRoute {
  readonly name: string;
  readonly base: string;
  readonly index: number;
  readonly match?: RouteMatch;
  /** A match alternative App Mesh writes as a plain string prefix ending without `/`. */
  readonly stringPrefix?: string;
  readonly exactPath?: string;
  readonly body: Omit<Route, 'name' | 'match'>;
  readonly at: DataPath;
}

function readRouter(o: SourcedObject, draft: ServiceDraft, st: State): void {
  const r = st.ctx.reader(o);
  const listeners = asArray(r.get(['spec', 'listeners']));
  const known = st.ctx.workloads.service(draft.namespace, draft.name);
  listeners.forEach((l, i) => {
    const port = isRecord(l) && isRecord(l.portMapping) ? l.portMapping.port : undefined;
    if (!known || known.ports.some((p) => p.port === port)) r.consume(['spec', 'listeners', i]);
    else
      r.notCarried(['spec', 'listeners', i], `port ${String(port)} is no port of the Service ${draft.name}`);
  });
  const firstPort =
    isRecord(listeners[0]) && isRecord(listeners[0].portMapping) ? listeners[0].portMapping.port : undefined;
  const routes = asArray(r.get(['spec', 'routes']))
    .map((x, i) => ({ x: isRecord(x) ? x : {}, i }))
    .sort((a, b) => {
      const pa = typeof a.x.priority === 'number' ? a.x.priority : Infinity;
      const pb = typeof b.x.priority === 'number' ? b.x.priority : Infinity;
      return pa - pb || a.i - b.i;
    });
  const read: ReadRoute[] = [];
  const primary = new Map<string, string>();
  for (const { x, i } of routes) {
    const at: DataPath = ['spec', 'routes', i];
    r.consume([...at, 'priority']);
    r.consume([...at, 'name']);
    const type = ['httpRoute', 'http2Route', 'tcpRoute', 'grpcRoute'].find((t) => isRecord(x[t]));
    if (!type) continue;
    const body = x[type] as Obj;
    const matchPort = isRecord(body.match) ? body.match.port : undefined;
    if (matchPort !== undefined) r.consume([...at, type, 'match', 'port']);
    // Several ports: meshc writes the same routes per port; the first listener's are read, the others compared
    // (as data: a user's routes need not order their keys alike).
    const sig = canonicalJson({
      ...body,
      match: isRecord(body.match) ? { ...body.match, port: undefined } : undefined,
      action: undefined,
    });
    if (matchPort !== undefined && firstPort !== undefined && matchPort !== firstPort) {
      if (primary.has(sig)) r.consume(at);
      else
        r.notCarried(
          at,
          `routes per port are not in the spec (its routes apply to every port); only port ${String(firstPort)}'s routes were read`,
        );
      continue;
    }
    primary.set(sig, String(x.name));
    if (type === 'grpcRoute') {
      r.notCarried(
        at,
        "App Mesh gRPC routes match service and method names, which the spec's matches (paths, headers) do not express",
        'Write the route with a path match on `/<package.Service>/<Method>` by hand.',
      );
      continue;
    }
    const rr = readRoute(r, at, type, body, draft, st, String(x.name ?? `route-${i}`), i);
    if (rr) read.push(rr);
  }
  const spec = mergeRoutes(read, r, draft);
  if (spec.length) {
    draft.spec.routes = spec;
    draft.from.set('routes', o);
  }
}

function stringMatchOf(m: unknown): StringMatch | undefined {
  if (!isRecord(m)) return undefined;
  const keys = Object.keys(m);
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  if (!['exact', 'prefix', 'regex'].includes(k) || typeof m[k] !== 'string') return undefined;
  return { [k]: m[k] } as StringMatch;
}

function readRoute(
  r: FieldReader,
  at: DataPath,
  type: string,
  body: Obj,
  self: ServiceDraft,
  st: State,
  name: string,
  index: number,
): ReadRoute | undefined {
  const p = (...x: (string | number)[]): DataPath => [...at, type, ...x];
  // Match.
  const match: RouteMatch = {};
  let stringPrefix: string | undefined;
  let exactPath: string | undefined;
  const m = isRecord(body.match) ? body.match : {};
  if (type !== 'tcpRoute') {
    if (typeof m.prefix === 'string') {
      r.consume(p('match', 'prefix'));
      if (m.prefix !== '/') {
        if (m.prefix.endsWith('/')) match.path = { prefix: m.prefix };
        else stringPrefix = m.prefix;
      }
    }
    if (isRecord(m.path)) {
      const pm = stringMatchOf(m.path);
      if (pm && !('prefix' in pm)) {
        match.path = pm;
        if (pm.exact !== undefined) exactPath = pm.exact;
        r.consume(p('match', 'path'));
      } else {
        r.notCarried(
          p(),
          `its path match ${JSON.stringify(m.path)} has no spec form; the route is left out (dropping the condition would widen it)`,
        );
        return undefined;
      }
    }
    const headers: Record<string, StringMatch> = {};
    for (const [i, h] of asArray(m.headers).entries()) {
      if (!isRecord(h) || typeof h.name !== 'string') continue;
      if (h.invert === true) {
        r.notCarried(
          p(),
          `its header match on ${h.name} is inverted, which the spec cannot say; the route is left out (dropping the condition would widen it)`,
        );
        return undefined;
      }
      if (h.invert === false) r.consume(p('match', 'headers', i, 'invert'));
      if (h.match === undefined) {
        headers[h.name.toLowerCase()] = { regex: '.*' };
        r.approximated(
          p('match', 'headers', i),
          `the spec has no "header present" match: it became \`regex: .*\` on ${h.name}, which Envoy treats alike`,
        );
        continue;
      }
      const sm = stringMatchOf(h.match);
      if (!sm) {
        r.notCarried(
          p(),
          `its header match ${JSON.stringify(h.match)} on ${h.name} has no spec form (suffix, range); the route is left out (dropping the condition would widen it)`,
        );
        return undefined;
      }
      headers[h.name.toLowerCase()] = sm;
      r.consume(p('match', 'headers', i));
    }
    if (Object.keys(headers).length) match.headers = headers;
    const query: Record<string, { exact: string }> = {};
    for (const [i, q] of asArray(m.queryParameters).entries()) {
      if (!isRecord(q) || typeof q.name !== 'string') continue;
      const exact = isRecord(q.match) ? q.match.exact : undefined;
      if (typeof exact !== 'string') {
        r.notCarried(
          p(),
          `its query parameter match on ${q.name} (presence) has no spec form; the route is left out (dropping the condition would widen it)`,
        );
        return undefined;
      }
      query[q.name] = { exact };
      r.consume(p('match', 'queryParameters', i));
    }
    if (Object.keys(query).length) match.query = query;
    if (m.method !== undefined) {
      if (isMethod(m.method)) {
        match.method = m.method;
        r.consume(p('match', 'method'));
      } else {
        r.notCarried(p(), `its method ${String(m.method)} has no spec form; the route is left out`);
        return undefined;
      }
    }
    if (m.scheme !== undefined) {
      r.notCarried(
        p(),
        'the spec has no scheme match; the route is left out (dropping the condition would widen it)',
      );
      return undefined;
    }
  }
  // Action.
  const out: Omit<Route, 'name' | 'match'> = {};
  const targets = asArray(isRecord(body.action) ? body.action.weightedTargets : undefined);
  const dests: { node: NodeInfo; weight: number }[] = [];
  for (const [i, t] of targets.entries()) {
    const ref = isRecord(t) && isRecord(t.virtualNodeRef) ? t.virtualNodeRef : undefined;
    const node =
      ref && typeof ref.name === 'string'
        ? st.nodes.get(key(typeof ref.namespace === 'string' ? ref.namespace : r.namespace, ref.name))
        : undefined;
    if (!node || !isRecord(t) || typeof t.weight !== 'number') {
      r.notCarried(
        p('action', 'weightedTargets', i),
        'its VirtualNode is not in the input (or was not read)',
      );
      continue;
    }
    dests.push({ node, weight: t.weight });
    r.consume(p('action', 'weightedTargets', i));
  }
  if (!dests.length) {
    r.notCarried(p(), 'it has no target the import could read; the route is left out');
    return undefined;
  }
  const total = dests.reduce((a, d) => a + d.weight, 0);
  let weights = dests.map((d) => d.weight);
  if (total !== 100) {
    weights = percentages(weights);
    if (total > 0 && weights.some((w, i) => w * total !== dests[i]!.weight * 100))
      r.approximated(
        p('action', 'weightedTargets'),
        `App Mesh's relative weights ${dests.map((d) => d.weight).join('/')} became the percentages ${weights.join('/')} (the spec's weights are integers summing to 100)`,
      );
  }
  // Adjacent targets naming every version of one service in order, with the even split meshc writes for "the
  // service" (no version), are that.
  const collapsed = collapseEvenSplits(dests.map((d, i) => ({ node: d.node, weight: weights[i]! })));
  const mapped = collapsed.map((d) => destinationOf(d.node, self, d.weight));
  if (mapped.every((d) => d.to !== undefined)) {
    out.to =
      mapped.length === 1 && mapped[0]!.backend.weight === 100
        ? mapped[0]!.to!
        : Object.fromEntries(mapped.map((d) => [d.to!, d.backend.weight ?? 0]));
  } else
    out.backends = mapped.map((d) =>
      mapped.length === 1
        ? { service: d.backend.service, ...(d.backend.version ? { version: d.backend.version } : {}) }
        : d.backend,
    );
  // Timeout.
  const perRequest = duration(isRecord(body.timeout) ? body.timeout.perRequest : undefined);
  if (perRequest) {
    out.timeout = perRequest;
    r.consume(p('timeout', 'perRequest'));
    const ms = parseDuration(perRequest)!;
    for (const d of dests) {
      const k = key(d.node.namespace, d.node.name);
      st.nodeTimeouts.set(k, Math.max(st.nodeTimeouts.get(k) ?? 0, ms));
    }
  }
  // Retries.
  const rp = isRecord(body.retryPolicy) ? body.retryPolicy : undefined;
  if (rp && rp.maxRetries === 0) {
    // No retry, whatever its events (App Mesh wants one; none fires at 0 retries), and App Mesh's default policy
    // off: what the backend renders for a route without `retries` (the spec's default), so none is written. Its
    // per-retry timeout bounds the single attempt: `retries: {attempts: 0, perTryTimeout}` where it is not the
    // one the backend derives (the route timeout, else 15s).
    const perTry = duration(rp.perRetryTimeout);
    const derived = perRequest ? parseDuration(perRequest) : DEFAULT_REQUEST_TIMEOUT_MS;
    if (perTry && parseDuration(perTry) !== derived) out.retries = { attempts: 0, perTryTimeout: perTry };
    r.consume(p('retryPolicy'));
  } else if (rp) {
    const on: RetryCondition[] = [];
    const http = asArray(rp.httpRetryEvents);
    http.forEach((e, i) => {
      const c = RETRY_CONDITION[String(e)];
      if (c) on.push(c);
      else
        r.notCarried(
          p('retryPolicy', 'httpRetryEvents', i),
          `the retry event ${String(e)} has no spec condition`,
        );
    });
    // App Mesh's server-error and gateway-error include Envoy's reset (API reference, HttpRetryPolicy).
    if (http.includes('server-error') || http.includes('gateway-error')) on.push('reset');
    asArray(rp.tcpRetryEvents).forEach((e, i) => {
      if (e === 'connection-error') on.push('connect-failure');
      else
        r.notCarried(
          p('retryPolicy', 'tcpRetryEvents', i),
          `the retry event ${String(e)} has no spec condition`,
        );
    });
    if (rp.grpcRetryEvents !== undefined)
      r.notCarried(
        p('retryPolicy', 'grpcRetryEvents'),
        'gRPC retry events exist only on gRPC routes, which the import does not read',
      );
    const attempts =
      typeof rp.maxRetries === 'number' ? Math.min(10, Math.max(0, Math.trunc(rp.maxRetries))) : undefined;
    const perTry = duration(rp.perRetryTimeout);
    if (attempts !== undefined && on.length) {
      const retries: Retries = {
        attempts,
        ...(perTry ? { perTryTimeout: perTry } : {}),
        on: [...new Set(on)],
      };
      out.retries = retries;
      r.consume(p('retryPolicy', 'httpRetryEvents'));
      r.consume(p('retryPolicy', 'tcpRetryEvents'));
      r.consume(p('retryPolicy', 'perRetryTimeout'));
      if (attempts === rp.maxRetries) r.consume(p('retryPolicy', 'maxRetries'));
      else
        r.approximated(
          p('retryPolicy', 'maxRetries'),
          `the spec allows 0 to 10 retries, not ${String(rp.maxRetries)}`,
        );
    } else if (attempts !== undefined)
      r.notCarried(p('retryPolicy'), 'no retry event of it has a spec condition');
  } else if (body.retryPolicy === undefined && type !== 'tcpRoute')
    // No policy: App Mesh's default one retries (App Mesh's tcpRoute has no retries).
    out.retries = carryDefaultRetries(r, p('retryPolicy'), 'it has none');
  const suffix = /^(.*)-(\d+)$/.exec(name);
  return {
    name,
    base: suffix && Number(suffix[2]) >= 2 ? suffix[1]! : name,
    index,
    ...(Object.keys(match).length ? { match } : {}),
    ...(stringPrefix !== undefined ? { stringPrefix } : {}),
    ...(exactPath !== undefined ? { exactPath } : {}),
    body: out,
    at: [...at, type],
  };
}

/** Integer percentages of relative weights (largest remainder). */
function percentages(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return weights.map(() => 0);
  const raw = weights.map((w) => (w * 100) / total);
  const out = raw.map(Math.floor);
  let rest = 100 - out.reduce((a, b) => a + b, 0);
  const order = raw.map((v, i) => ({ f: v - Math.floor(v), i })).sort((a, b) => b.f - a.f || a.i - b.i);
  for (const { i } of order) if (rest-- > 0) out[i]! += 1;
  return out;
}

function collapseEvenSplits(
  dests: readonly { node: NodeInfo; weight: number }[],
): { node: NodeInfo; weight: number }[] {
  const out: { node: NodeInfo; weight: number }[] = [];
  for (let i = 0; i < dests.length;) {
    const s = dests[i]!.node.service;
    const versions = Object.keys(s.spec.versions ?? {});
    const run = dests.slice(i, i + versions.length);
    const sum = run.reduce((a, d) => a + d.weight, 0);
    const even = splitEvenly(sum, versions.length);
    if (
      versions.length > 1 &&
      run.length === versions.length &&
      run.every((d, j) => d.node.service === s && d.node.version === versions[j] && d.weight === even[j])
    ) {
      // The node without a version stands for the whole service.
      const { version: _version, ...whole } = run[0]!.node;
      void _version;
      out.push({ node: whole, weight: sum });
      i += versions.length;
    } else {
      out.push(dests[i]!);
      i++;
    }
  }
  return out;
}

/** App Mesh routes back into spec routes: meshc's alternatives (`name`, `name-2`, …) and segment prefixes merged. */
function mergeRoutes(read: readonly ReadRoute[], r: FieldReader, self: ServiceDraft): Route[] {
  const groups: ReadRoute[][] = [];
  for (const rr of read) {
    const last = groups[groups.length - 1];
    if (
      last &&
      last[0]!.base === rr.base &&
      rr.name !== rr.base &&
      JSON.stringify(last[0]!.body) === JSON.stringify(rr.body)
    )
      last.push(rr);
    else groups.push([rr]);
  }
  const out: Route[] = [];
  let catchAll = false;
  for (const g of groups) {
    if (catchAll) {
      for (const rr of g)
        r.notCarried(rr.at, 'it comes after a route that matches every request, so it never matches');
      continue;
    }
    const matches: RouteMatch[] = [];
    let all = false;
    for (let i = 0; i < g.length; i++) {
      const a = g[i]!;
      const b = g[i + 1];
      // `path.exact: X` followed by `prefix: X/` with the same conditions is meshc's segment-wise prefix X.
      if (
        a.exactPath !== undefined &&
        b?.match?.path?.prefix === `${a.exactPath}/` &&
        sameConditions(a.match, b.match)
      ) {
        matches.push({ ...a.match, path: { prefix: a.exactPath } });
        i++;
        continue;
      }
      if (a.stringPrefix !== undefined) {
        matches.push({ ...a.match, path: { prefix: a.stringPrefix } });
        r.approximated(
          [...a.at, 'match', 'prefix'],
          `App Mesh's prefix ${a.stringPrefix} is a string prefix (it also matches ${a.stringPrefix}x); the spec's is segment-wise (${a.stringPrefix} and ${a.stringPrefix}/…)`,
        );
        continue;
      }
      if (!a.match) all = true;
      else matches.push(a.match);
    }
    const first = g[0]!;
    const route: Route = {
      ...(isDnsLabel(first.base) && !out.some((x) => x.name === first.base) ? { name: first.base } : {}),
      ...(all || !matches.length ? {} : { match: matches }),
      ...first.body,
    };
    if (all || !matches.length) catchAll = true;
    out.push(route);
  }
  // meshc's implicit last route (to every pod of the service) is left implicit.
  const last = out[out.length - 1];
  if (
    last &&
    !last.match &&
    last.name === 'default' &&
    !last.timeout &&
    // The backend writes maxRetries 0 on it, read back as `attempts: 0`: what no `retries` renders.
    (!last.retries || jsonEqual(last.retries, { attempts: 0 })) &&
    last.backends?.length === 1 &&
    last.backends[0]!.service === self.name &&
    !last.backends[0]!.version
  )
    out.pop();
  return out;
}

function sameConditions(a: RouteMatch | undefined, b: RouteMatch | undefined): boolean {
  const strip = (m: RouteMatch | undefined) => JSON.stringify({ ...m, path: undefined });
  return strip(a) === strip(b);
}

// --- backends → access ------------------------------------------------------------------------------------------

function readBackends(nodes: readonly SourcedObject[], st: State, drop: boolean): void {
  const { ctx } = st;
  const callers = new Map<ServiceDraft, Set<ServiceDraft>>();
  /** The first caller's VirtualNode of each callee: where its `access` came from. */
  const callerSource = new Map<ServiceDraft, SourcedObject>();
  for (const o of nodes) {
    const r = ctx.reader(o);
    const node = st.nodes.get(key(r.namespace, o.object.metadata.name));
    if (!node) continue;
    asArray(r.get(['spec', 'backends'])).forEach((b, i) => {
      const at: DataPath = ['spec', 'backends', i, 'virtualService'];
      const vs = isRecord(b) && isRecord(b.virtualService) ? b.virtualService : undefined;
      const ref = vs && isRecord(vs.virtualServiceRef) ? vs.virtualServiceRef : undefined;
      const target =
        ref && typeof ref.name === 'string'
          ? st.virtualServices.get(
              key(typeof ref.namespace === 'string' ? ref.namespace : r.namespace, ref.name),
            )
          : undefined;
      if (!target) {
        r.notCarried(
          ['spec', 'backends', i],
          'it names no VirtualService of the input (an ARN, or one not imported)',
        );
        return;
      }
      r.consume([...at, 'virtualServiceRef']);
      if (vs!.clientPolicy !== undefined) readClientPolicy(r, [...at, 'clientPolicy'], st);
      const set = callers.get(target) ?? new Set();
      set.add(node.service);
      callers.set(target, set);
      if (!callerSource.has(target)) callerSource.set(target, o);
    });
    if (r.get(['spec', 'backendDefaults', 'clientPolicy']) !== undefined)
      readClientPolicy(r, ['spec', 'backendDefaults', 'clientPolicy'], st);
  }
  if (!drop) return;
  // Under DROP_ALL a node reaches only the VirtualServices it lists: that list is the callee's access.
  const meshed = new Set([...st.nodes.values()].map((n) => n.service));
  const done = new Set<ServiceDraft>();
  for (const [k, target] of st.virtualServices) {
    if (done.has(target)) continue;
    done.add(target);
    const from = callers.get(target) ?? new Set();
    if ([...meshed].every((s) => from.has(s))) continue;
    const [vsNs, vsName] = k.split('/') as [string, string];
    const own = st.vsObjects.get(k);
    if (!from.size && target.spec.ingress) {
      // Exposed and called by no node: on App Mesh only the gateway (and unmeshed callers) reach it. The spec
      // cannot say "the ingress only" (`access: []` closes the ingress too), so it keeps no access rules.
      if (own)
        ctx
          .reader(own)
          .approximated(
            ['spec', 'awsName'],
            `no VirtualNode lists the VirtualService ${vsNs}/${vsName}, which the ingress gateway exposes: App Mesh lets only the gateway (and callers outside the mesh) reach it, and the spec cannot say "the ingress only", so ${target.name} keeps no access rules and every caller may reach it on other meshes`,
            `Add \`access\` to ${target.name} in the imported spec if meshed callers must be refused.`,
          );
      continue;
    }
    target.spec.access = [...from].length
      ? [
          {
            from: [...from]
              .map((s) => (s.namespace === target.namespace ? s.name : `${s.namespace}/${s.name}`))
              .sort(),
          },
        ]
      : [];
    const source = callerSource.get(target);
    if (source) target.from.set('access', source);
    if (!from.size) {
      const [ns, name] = [vsNs, vsName];
      const o = own;
      if (o)
        ctx
          .reader(o)
          .report(
            'IMPORT_APPROXIMATED',
            ['spec', 'awsName'],
            `No VirtualNode lists the VirtualService ${ns}/${name} among its backends, so ${target.name} gets \`access: []\` (every caller denied). On App Mesh callers without a VirtualNode still reach it (unless its listeners are STRICT); other meshes deny them too.`,
            `Add the callers that must reach ${target.name} (for example \`from: ['*']\`) to its access in the imported spec.`,
          );
    }
  }
}

// --- VirtualGateway, GatewayRoute -------------------------------------------------------------------------------

function readGateways(gateways: readonly SourcedObject[], routes: readonly SourcedObject[], st: State): void {
  const { ctx } = st;
  const gw = gateways[0];
  gateways
    .slice(1)
    .forEach((o) =>
      ctx
        .reader(o)
        .report(
          'IMPORT_CONFLICT',
          [],
          `${ctx.reader(o).ref} is not carried: the spec has one ingress per Environment (${gw!.object.metadata.name} was read).`,
        ),
    );
  if (gw) {
    const r = ctx.reader(gw);
    const name = gw.object.metadata.name;
    ctx.environment.ingress = {
      className: name,
      api: 'native',
      ...(r.namespace !== APPMESH_INGRESS_NS ? { namespace: r.namespace } : {}),
    };
    ctx.environment.from.set('ingress', gw);
    const pods = stringRecord(r.get(['spec', 'podSelector', 'matchLabels']));
    if (pods && Object.keys(pods).length === 1 && pods[GATEWAY_POD_LABEL] === name)
      r.consume(['spec', 'podSelector']);
    else
      r.approximated(
        ['spec', 'podSelector'],
        `meshc's VirtualGateway selects the pods labelled \`${GATEWAY_POD_LABEL}: ${name}\`; label the gateway's Envoy pods so`,
      );
    const nsSel = stringRecord(r.get(['spec', 'namespaceSelector', 'matchLabels']));
    if (nsSel && Object.keys(nsSel).length === 1 && nsSel[MESH_LABEL] === st.meshName)
      r.consume(['spec', 'namespaceSelector']);
    else if (r.get(['spec', 'namespaceSelector']) !== undefined)
      r.approximated(
        ['spec', 'namespaceSelector'],
        `meshc's VirtualGateway takes GatewayRoutes from the namespaces of the mesh (\`${MESH_LABEL}: ${String(st.meshName)}\`)`,
      );
    asArray(r.get(['spec', 'listeners'])).forEach((l, i) => {
      const pm = isRecord(l) && isRecord(l.portMapping) ? l.portMapping : {};
      if (pm.port === GATEWAY_PORT && pm.protocol === 'http')
        r.consume(['spec', 'listeners', i, 'portMapping']);
      else
        r.approximated(
          ['spec', 'listeners', i, 'portMapping'],
          `meshc's VirtualGateway listens on ${GATEWAY_PORT}/http`,
        );
      if (isRecord(l) && l.connectionPool !== undefined)
        r.notCarried(
          ['spec', 'listeners', i, 'connectionPool'],
          'the spec sizes connection pools per service, not for the ingress gateway',
        );
    });
    if (r.get(['spec', 'backendDefaults', 'clientPolicy']) !== undefined)
      readClientPolicy(r, ['spec', 'backendDefaults', 'clientPolicy'], st);
  }
  const exposure = new Map<
    ServiceDraft,
    { hosts: Set<string>; anyHost: boolean; paths: IngressPath[]; all: boolean; from: SourcedObject }
  >();
  for (const o of routes) {
    const r = ctx.reader(o);
    if (!gw) {
      r.report('IMPORT_NOT_CARRIED', [], `${r.ref} is not carried: the input has no VirtualGateway.`);
      continue;
    }
    const type = ['httpRoute', 'http2Route', 'grpcRoute'].find((t) => isRecord(r.get(['spec', t])));
    if (!type || type === 'grpcRoute') {
      r.notCarried(['spec'], 'only HTTP and HTTP/2 gateway routes have a spec form (`ingress` paths)');
      continue;
    }
    const p = (...x: (string | number)[]): DataPath => ['spec', type, ...x];
    const ref = r.get(p('action', 'target', 'virtualService', 'virtualServiceRef'));
    const target =
      isRecord(ref) && typeof ref.name === 'string'
        ? st.virtualServices.get(
            key(typeof ref.namespace === 'string' ? ref.namespace : r.namespace, ref.name),
          )
        : undefined;
    if (!target) {
      r.report(
        'IMPORT_NO_SERVICE',
        p('action', 'target'),
        `${r.ref} targets no VirtualService of the input; it is not carried.`,
      );
      continue;
    }
    r.consume(p('action', 'target'));
    r.consume(['spec', 'priority']);
    const m = (r.get(p('match')) ?? {}) as Obj;
    for (const f of ['headers', 'method', 'queryParameters'])
      if (m[f] !== undefined)
        r.notCarried(
          p('match', f),
          "the spec's ingress exposes hosts and paths only; the gateway route is read without this condition (it exposes more)",
        );
    const e = exposure.get(target) ?? {
      hosts: new Set<string>(),
      anyHost: false,
      paths: [],
      all: false,
      from: o,
    };
    exposure.set(target, e);
    const host = isRecord(m.hostname) ? m.hostname : undefined;
    if (host && typeof host.exact === 'string') {
      e.hosts.add(host.exact.toLowerCase());
      r.consume(p('match', 'hostname'));
    } else if (host && typeof host.suffix === 'string') {
      e.hosts.add(
        `*${host.suffix.startsWith('.') ? '' : '.'}${host.suffix.replace(/^\./, '')}`.toLowerCase(),
      );
      r.approximated(
        p('match', 'hostname'),
        `the host suffix ${host.suffix} became the wildcard *.${host.suffix.replace(/^\./, '')} (one label deep on other meshes)`,
      );
    } else e.anyHost = true;
    const rewrite = r.get(p('action', 'rewrite'));
    const disabled =
      isRecord(rewrite) && isRecord(rewrite.prefix) && rewrite.prefix.defaultPrefix === 'DISABLED';
    if (isRecord(rewrite)) {
      if (disabled) r.consume(p('action', 'rewrite', 'prefix'));
      if (isRecord(rewrite.hostname) && rewrite.hostname.defaultTargetHostname === 'ENABLED')
        r.consume(p('action', 'rewrite', 'hostname'));
    }
    if (typeof m.prefix === 'string') {
      r.consume(p('match', 'prefix'));
      if (m.prefix === '/') e.all = true;
      else {
        e.paths.push({ prefix: m.prefix });
        if (!disabled)
          r.approximated(
            p('match', 'prefix'),
            `App Mesh strips the matched prefix ${m.prefix} before the service sees the path (no \`rewrite.prefix.defaultPrefix: DISABLED\`); meshc's gateway keeps the path as sent`,
            'Make the service serve the full path, or keep a rewrite of your own with an Environment `patches` entry.',
          );
      }
    } else if (isRecord(m.path) && typeof m.path.exact === 'string') {
      e.paths.push({ exact: m.path.exact });
      r.consume(p('match', 'path'));
    } else if (m.path !== undefined) {
      r.notCarried(
        p('match', 'path'),
        "the spec's ingress paths are exact or prefixes; the route is read as exposing every path",
      );
      e.all = true;
    } else e.all = true;
  }
  for (const [draft, e] of exposure) {
    // meshc's `path.exact: X` + `prefix: X/` pair is the segment-wise prefix X.
    const paths: IngressPath[] = [];
    for (const pth of e.paths) {
      if (pth.prefix?.endsWith('/') && e.paths.some((q) => q.exact === pth.prefix!.slice(0, -1))) continue;
      if (pth.exact !== undefined && e.paths.some((q) => q.prefix === `${pth.exact}/`))
        paths.push({ prefix: pth.exact });
      else paths.push(pth);
    }
    let hosts = [...e.hosts].sort();
    if (e.anyHost || !hosts.length) {
      const placeholder = `${draft.name}.${draft.namespace}.example.com`;
      ctx
        .reader(e.from)
        .approximated(
          ['spec'],
          `the gateway routes of ${draft.name} match every host, and the spec's ingress names its hosts: ${placeholder} was written in its place`,
          "Set the service's `ingress.hosts` to the names clients use.",
        );
      hosts = [placeholder];
    }
    const ingress: Ingress = { hosts, ...(!e.all && paths.length ? { paths } : {}) };
    draft.spec.ingress = ingress;
    draft.from.set('ingress', e.from);
  }
}
