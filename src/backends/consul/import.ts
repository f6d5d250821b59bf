import type { SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { apiGroupOf } from '../../core/k8s.ts';
import type { DataPath } from '../../core/location.ts';
import type {
  AccessRule,
  Backend,
  ConnectionPool,
  HeaderOps,
  HttpMethod,
  OutlierDetection,
  Retries,
  RetryCondition,
  Route,
  RouteHeaders,
  RouteMatch,
} from '../../spec/types.gen.ts';
import type { FieldReader, ImportContext, MeshImporter, ServiceDraft } from '../importer.ts';
import {
  isGatewayApiObject,
  isGatewayApiRoute,
  isReferenceGrant,
  readGammaRoutes,
  readGateways,
} from '../shared/gamma-import.ts';
import {
  RETRY_CONDITIONS,
  asArray,
  canonicalJson,
  entriesInOrder,
  isAccessPath,
  isDnsLabel,
  isMethod,
  isRecord,
  NOT_ACCESS_PATH,
  sortedRecord,
  carriedDuration,
  specDuration,
} from '../shared/import-values.ts';
import { literalHeaderValues } from '../shared/envoy-values.ts';
import { CLUSTER_DOMAIN } from '../shared/names.ts';
import { CONSUL_GROUP, MIN_VERSION, RETRY_ON_SINCE } from './constants.ts';
import { LISTENER_TRACING_TYPE, TRACING_CLUSTER } from './mesh.ts';

/**
 * `meshc import` for Consul: the inverse of the Consul backend (see its README for the forward mapping).
 * Config entries are keyed by the Consul service name, which meshc makes the pods' service account: each name is
 * mapped back to the Kubernetes Service whose pods run as that account (the workload index).
 *
 * - ServiceResolver subsets (`Service.Meta.<label> == "<value>"`) → `versions`; `loadBalancer` → resilience.
 * - ServiceRouter routes (first match wins) → `routes` in order; a destination without a subset enters the
 *   destination's ServiceSplitter (Consul's discovery chain), so its splits become the route's weighted
 *   backends. meshc's splitter-only services (`<name>--<route>`) read back as that route's split (and name).
 * - ServiceSplitter of a service without a router route taking every request → its default (catch-all) route.
 * - ServiceDefaults: protocol (checked against the port), `mutualTLSMode` → `mtls`, and
 *   `upstreamConfig.overrides` → the callee's `resilience` (declared per caller in Consul).
 * - ServiceIntentions → `access` (the most precise source decides; meshc's final deny and `*` deny are its own).
 * - Mesh (`allowEnablingPermissiveMutualTLS`), ProxyDefaults `global` (Zipkin tracing), the API gateway (Gateway
 *   API Gateway + HTTPRoute, the ReferenceGrants of its routes' backendRefs, and the gateway's intention source).
 */

const isConsul = (o: K8sObject) => apiGroupOf(o) === CONSUL_GROUP;

const KINDS = [
  'ServiceDefaults',
  'ServiceResolver',
  'ServiceSplitter',
  'ServiceRouter',
  'ServiceIntentions',
  'Mesh',
  'ProxyDefaults',
] as const;
type Kind = (typeof KINDS)[number];

/** HTTPRoutes attached only to Gateways: the API gateway's routes (Consul reads no HTTPRoute on a Service). */
function isGatewayRoute(o: K8sObject): boolean {
  const parents = asArray((o.spec as { parentRefs?: unknown } | undefined)?.parentRefs);
  return parents.length > 0 && parents.every((p) => isRecord(p) && (p.kind ?? 'Gateway') === 'Gateway');
}

export const consulImporter: MeshImporter = {
  detect(objects) {
    const evidence = new Set<string>();
    let retryOn = false;
    for (const o of objects) {
      // The API gateway: a Gateway API Gateway of the class the consul chart creates.
      if (
        o.object.kind === 'Gateway' &&
        o.object.apiVersion.startsWith('gateway.networking.k8s.io/') &&
        (o.object.spec as { gatewayClassName?: unknown } | undefined)?.gatewayClassName === 'consul'
      )
        evidence.add('Gateway API Gateway of class consul');
      if (!isConsul(o.object)) continue;
      evidence.add(`${o.object.apiVersion} ${o.object.kind}`);
      if (o.object.kind === 'ServiceRouter')
        for (const r of asArray((o.object.spec as { routes?: unknown } | undefined)?.routes))
          if (isRecord(r) && isRecord(r.destination) && r.destination.retryOn !== undefined) retryOn = true;
    }
    const list = [...evidence].sort();
    // ServiceRouter `retryOn` needs Consul 1.18 (consul-k8s 1.4); everything else meshc reads, 1.16.
    if (!list.length) return { evidence: list };
    return { evidence: list, version: retryOn ? RETRY_ON_SINCE : MIN_VERSION };
  },
  claims(o, detected) {
    if (isConsul(o)) return true;
    // ReferenceGrants are read with the API gateway's routes whose cross-namespace backendRefs they let through.
    return detected && (isGatewayApiObject(o) || isReferenceGrant(o));
  },
  read(objects, ctx) {
    readGateways(
      objects.filter((o) => isGatewayApiObject(o.object) && !isGatewayApiRoute(o.object)),
      ctx,
    );
    const routes = objects.filter((o) => isGatewayApiRoute(o.object));
    // The API gateway checks ReferenceGrants (Gateway API core): a grant its carried routes need and the render
    // needs no more (meshc writes each ingress route beside its Service) is reported, as is any other grant and
    // a route to another namespace without one (gamma-import.ts `checkReferenceGrants`).
    readGammaRoutes(
      [
        ...routes.filter((o) => isGatewayRoute(o.object)),
        ...objects.filter((o) => isReferenceGrant(o.object)),
      ],
      ctx,
      { mesh: 'Consul', annotations: () => ({}) },
    );
    for (const o of routes.filter((x) => !isGatewayRoute(x.object)))
      ctx
        .reader(o)
        .report(
          'IMPORT_NOT_CARRIED',
          ['spec', 'parentRefs'],
          `${ctx.reader(o).ref} is not carried: Consul reads HTTPRoutes on its API gateway only (no GAMMA routes on a Service); mesh routing is a ServiceRouter.`,
          'Express the route as a ServiceRouter, or add it to the imported spec by hand.',
        );
    mergeIngressPrefixes(ctx);
    const gateways = routes
      .filter((o) => isGatewayRoute(o.object))
      .flatMap((o) => asArray((o.object.spec as { parentRefs?: unknown }).parentRefs))
      .flatMap((p) => (isRecord(p) && typeof p.name === 'string' ? [p.name] : []));
    new ConsulImport(
      objects.filter((o) => isConsul(o.object)),
      ctx,
      gateways,
    ).run();
  },
};

/** meshc writes an ingress prefix `/p` as `Exact /p` + `PathPrefix /p/` (segment-wise): read back as one prefix. */
function mergeIngressPrefixes(ctx: ImportContext): void {
  for (const d of ctx.services()) {
    const paths = d.spec.ingress?.paths;
    if (!paths) continue;
    const out: typeof paths = [];
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i]!;
      const next = paths[i + 1];
      if (p.exact !== undefined && next?.prefix === `${p.exact}/` && p.exact !== '') {
        out.push({ prefix: p.exact });
        i++;
      } else out.push(p);
    }
    d.spec.ingress = { ...d.spec.ingress!, paths: out };
  }
}

interface Entry {
  readonly source: SourcedObject;
  readonly r: FieldReader;
  readonly name: string;
}

/** A Kubernetes Service a Consul name stands for. */
interface Target {
  readonly namespace: string;
  readonly name: string;
}

/** One split (or a router destination's resolved target) as a spec backend, with its header changes. */
interface Leg {
  readonly backend: Backend;
  readonly target: Target;
  readonly headers?: RouteHeaders;
}

type Grant = 'all' | { readonly methods?: HttpMethod[]; readonly path?: string };

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const REGEX_META = /[.*+?^${}()|[\]\\]/;

/** The members of a router's `match.http` and of a permission's `http`, in the order they are read. */
const MATCH_FIELDS = [
  'pathExact',
  'pathPrefix',
  'pathRegex',
  'header',
  'queryParam',
  'methods',
  'caseInsensitive',
];
const PERMISSION_FIELDS = ['methods', 'pathExact', 'pathPrefix', 'pathRegex'];

class ConsulImport {
  readonly #ctx: ImportContext;
  readonly #entries = new Map<Kind, Map<string, Entry>>();
  readonly #targets = new Map<string, Target>();
  /** Services whose routes the router (or own splitter) set. */
  readonly #routed = new Set<string>();
  /** Splitters read as some route's split. */
  readonly #splitUsed = new Set<string>();
  /** The names of the Gateways (the API gateway's Consul services). */
  readonly #gateways = new Set<string>();
  /** The services a Consul config entry names (`namespace/name` → the Consul name): the Consul mesh of the input. */
  readonly #members = new Map<string, string>();
  /** The services a ServiceIntentions entry of the input decides (`namespace/name`). */
  readonly #intended = new Set<string>();
  /** A ServiceIntentions entry for every destination (`*`) is in the input (it is not carried). */
  #wildcardDestination = false;

  /** `gateways`: the Gateways the input's HTTPRoutes attach to (consul-k8s registers each as a Consul service). */
  constructor(objects: readonly SourcedObject[], ctx: ImportContext, gateways: readonly string[] = []) {
    this.#ctx = ctx;
    for (const k of KINDS) this.#entries.set(k, new Map());
    for (const o of objects) {
      const r = ctx.reader(o);
      const kind = o.object.kind as Kind;
      if (!(KINDS as readonly string[]).includes(kind)) {
        r.report(
          'IMPORT_UNKNOWN_KIND',
          [],
          `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.name} is not carried: meshc's Consul import reads ${KINDS.join(', ')} (and the API gateway's Gateway API objects).`,
          'Keep the object as your own manifest beside the rendered output, or express it with an Environment `patches` entry.',
        );
        continue;
      }
      const name = o.object.metadata.name;
      const map = this.#entries.get(kind)!;
      const first = map.get(name);
      if (first) {
        r.report(
          'IMPORT_CONFLICT',
          [],
          `${r.ref} is not carried: ${first.r.ref} is the same config entry (Consul Community Edition keys entries by kind and name, in one namespace), and only one of them applies.`,
          'Keep one entry per kind and name.',
        );
        continue;
      }
      map.set(name, { source: o, r, name });
    }
    const gw = ctx.environment.from.get('ingress');
    if (gw) this.#gateways.add(gw.object.metadata.name);
    for (const name of gateways) this.#gateways.add(name);
  }

  #kind(k: Kind): Map<string, Entry> {
    return this.#entries.get(k)!;
  }

  run(): void {
    this.#mesh();
    this.#proxyDefaults();
    this.#resolvers();
    this.#routers();
    this.#ownSplitters();
    this.#defaultSubsets();
    const overrides = this.#serviceDefaults();
    this.#intentions();
    this.#resilience(overrides);
    this.#noIntentions();
  }

  // --- names ---------------------------------------------------------------------------------------------------

  /**
   * The Kubernetes Service of a Consul service name: the Service whose pods run as that service account (in
   * `namespace` first: Consul CE has one namespace, Kubernetes many), else a Service of that name, else an
   * assumed Service named so (the generic import reports it). Undefined for names that are no DNS label.
   */
  target(name: string, namespace: string, r?: FieldReader, at?: DataPath): Target | undefined {
    const cached = this.#targets.get(name);
    if (cached) return cached;
    const all = this.#ctx.workloads.all();
    const byAccount = (ns?: string) =>
      all
        .filter((s) => (ns === undefined || s.namespace === ns) && (s.serviceAccount ?? s.name) === name)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    let found = byAccount(namespace);
    if (!found.length) found = byAccount();
    let t: Target | undefined;
    if (found.length) {
      t = { namespace: found[0]!.namespace, name: found[0]!.name };
      if (found.length > 1 && r && at)
        r.approximated(
          at,
          `the Consul service ${name} is the service account of several Kubernetes Services (${found.map((s) => s.id).join(', ')}); it was read as ${found[0]!.id}`,
          'Run the pods of each Service as their own service account (Consul names the service after it).',
        );
    } else {
      const named =
        all.find((s) => s.name === name && s.namespace === namespace) ?? all.find((s) => s.name === name);
      if (named) t = { namespace: named.namespace, name: named.name };
      else if (isDnsLabel(name)) {
        t = { namespace, name };
        // Consul names carry no namespace: the service is assumed beside the object that names it.
        if (r && at)
          r.report(
            'IMPORT_NO_SERVICE',
            at,
            `The Consul service ${name} in ${r.ref} is the service account of no Kubernetes Service of the input; it was read as the service ${namespace}/${name}, for which meshc writes its own config entries (ServiceDefaults ${namespace}/${name}, ServiceIntentions ${namespace}/${name}).`,
            "Import the Service and Deployment whose pods run as that service account (Consul names a service after its pods' service account).",
          );
      }
    }
    if (t) {
      this.#targets.set(name, t);
      this.#members.set(`${t.namespace}/${t.name}`, name);
    }
    return t;
  }

  #draft(t: Target, by?: SourcedObject): ServiceDraft {
    return this.#ctx.service(t.namespace, t.name, by);
  }

  /** `name` in the same namespace, `ns/name` elsewhere. */
  #ref(t: Target, from: Target): string {
    return t.namespace === from.namespace ? t.name : `${t.namespace}/${t.name}`;
  }

  // --- Mesh and ProxyDefaults -------------------------------------------------------------------------------------

  #mesh(): void {
    for (const e of this.#kind('Mesh').values()) {
      if (e.name !== 'mesh') {
        e.r.notCarried([], 'Consul reads only the Mesh entry named `mesh`');
        continue;
      }
      // meshc writes it whenever a service is permissive; it changes nothing by itself.
      if (e.r.get(['spec', 'allowEnablingPermissiveMutualTLS']) !== undefined)
        e.r.consume(['spec', 'allowEnablingPermissiveMutualTLS']);
    }
  }

  #permissiveAllowed(): boolean {
    return this.#kind('Mesh').get('mesh')?.r.get(['spec', 'allowEnablingPermissiveMutualTLS']) === true;
  }

  /** ProxyDefaults `global`: Zipkin tracing as meshc writes it (a tracer and its static collector cluster). */
  #proxyDefaults(): void {
    for (const e of this.#kind('ProxyDefaults').values()) {
      if (e.name !== 'global') {
        e.r.notCarried([], 'Consul reads only the ProxyDefaults entry named `global`');
        continue;
      }
      const tracerAt = ['spec', 'config', 'envoy_tracing_json'];
      const clusterAt = ['spec', 'config', 'envoy_extra_static_clusters_json'];
      const tracerText = e.r.get(tracerAt);
      if (tracerText === undefined) continue;
      const json = (v: unknown): unknown => {
        try {
          return typeof v === 'string' ? JSON.parse(v) : undefined;
        } catch {
          return undefined;
        }
      };
      const tracer = json(tracerText) as
        { http?: { name?: unknown; typedConfig?: Record<string, unknown> } } | undefined;
      const clusterValue = json(e.r.get(clusterAt));
      const clusters = Array.isArray(clusterValue) ? clusterValue : clusterValue ? [clusterValue] : [];
      const cfg = tracer?.http?.typedConfig;
      const clusterName = cfg?.collector_cluster;
      const cluster = clusters.find(
        (c): c is Record<string, unknown> => isRecord(c) && c.name === clusterName,
      ) as
        | {
            load_assignment?: {
              endpoints?: { lb_endpoints?: { endpoint?: { address?: { socket_address?: unknown } } }[] }[];
            };
          }
        | undefined;
      const endpoints = cluster?.load_assignment?.endpoints ?? [];
      const lb = endpoints.length === 1 ? (endpoints[0]!.lb_endpoints ?? []) : [];
      const sock = lb.length === 1 ? lb[0]!.endpoint?.address?.socket_address : undefined;
      const zipkin =
        tracer?.http?.name === 'envoy.tracers.zipkin' &&
        cfg?.collector_endpoint === '/api/v2/spans' &&
        (cfg.collector_endpoint_version === undefined || cfg.collector_endpoint_version === 'HTTP_JSON');
      if (
        !zipkin ||
        !isRecord(sock) ||
        typeof sock.address !== 'string' ||
        typeof sock.port_value !== 'number'
      ) {
        e.r.notCarried(
          tracerAt,
          'only a Zipkin tracer (HTTP JSON, /api/v2/spans) sending to one static collector cluster has a spec form (`observability.tracing`)',
        );
        continue;
      }
      let host = sock.address;
      for (const suffix of [`.svc.${CLUSTER_DOMAIN}`, '.svc'])
        if (host.endsWith(suffix) && host.slice(0, -suffix.length).split('.').length === 2)
          host = host.slice(0, -suffix.length);
      const sampling = this.#listenerSampling(e, json);
      this.#ctx.environment.observability = {
        ...this.#ctx.environment.observability,
        tracing: {
          provider: 'zipkin',
          endpoint: `${host}:${sock.port_value}`,
          ...(sampling === undefined ? {} : { sampling }),
        },
      };
      this.#ctx.environment.from.set('tracing', e.source);
      e.r.consume(tracerAt);
      e.r.consume(clusterAt);
      if (clusterName !== TRACING_CLUSTER || cfg?.shared_span_context !== false || clusters.length > 1)
        e.r.approximated(
          tracerAt,
          "meshc renders its own Zipkin tracer and collector cluster for this endpoint (HTTP JSON, no shared span context); the object's other tracer settings and clusters are replaced",
        );
    }
  }

  /**
   * The sampling percentage of the sidecars' HTTP listeners: `envoy_listener_tracing_json` random_sampling (an
   * Envoy `Percent`; absent from the object, Envoy samples 100 %). Without the key Consul writes 0 % (agent/xds
   * `makeHTTPFilter`): only requests a caller decided to trace are traced, so the spec says `sampling: 0`. An
   * object that is not a listener tracing configuration leaves the percentage unknown (undefined, reported).
   */
  #listenerSampling(e: Entry, json: (v: unknown) => unknown): number | undefined {
    const at = ['spec', 'config', 'envoy_listener_tracing_json'];
    const text = e.r.get(at);
    if (text === undefined) return 0;
    const tracing = json(text);
    const random = isRecord(tracing) ? (tracing.random_sampling ?? tracing.randomSampling) : undefined;
    const value = random === undefined ? 100 : isRecord(random) ? (random.value ?? 0) : undefined;
    if (
      !isRecord(tracing) ||
      tracing['@type'] !== LISTENER_TRACING_TYPE ||
      typeof value !== 'number' ||
      value < 0 ||
      value > 100
    ) {
      e.r.notCarried(
        at,
        'only an HTTP connection manager tracing configuration with a random sampling percentage has a spec form (`observability.tracing.sampling`)',
      );
      return undefined;
    }
    e.r.consume(at);
    const known = new Set(['@type', 'random_sampling', 'randomSampling']);
    const zipkin = isRecord(tracing.provider) && tracing.provider.name === 'envoy.tracers.zipkin';
    if (Object.keys(tracing).some((k) => !known.has(k) && !(k === 'provider' && zipkin)))
      e.r.approximated(
        at,
        "meshc renders the listeners' tracing with the Zipkin tracer and a random sampling percentage only; the object's other tracing settings are replaced",
      );
    return value;
  }

  // --- ServiceResolver --------------------------------------------------------------------------------------------

  #resolvers(): void {
    for (const e of this.#kind('ServiceResolver').values()) {
      const t = this.target(e.name, e.r.namespace, e.r, ['metadata', 'name']);
      if (!t) {
        e.r.report('IMPORT_NO_SERVICE', [], `${e.r.ref} names no service meshc can name.`);
        continue;
      }
      const draft = this.#draft(t, e.source);
      const subsets = e.r.get(['spec', 'subsets']);
      if (isRecord(subsets)) {
        const versions: NonNullable<ServiceDraft['spec']['versions']> = { ...draft.spec.versions };
        // By name: the subsets are a mapping, whose order carries no meaning, and the spec's version order does
        // (App Mesh's even split of a route to the service gives the remainder to the first versions).
        for (const [name, v] of entriesInOrder(subsets, [])) {
          const at = ['spec', 'subsets', name];
          const labels = isRecord(v) ? parseFilter(v.filter) : undefined;
          if (!labels || !isDnsLabel(name)) {
            e.r.notCarried(
              at,
              !isDnsLabel(name)
                ? `the subset name ${name} is no spec version name (a DNS label)`
                : 'only a filter of `Service.Meta.<label> == "<value>"` terms joined by `and` selects a version (meshc reads the metadata as the pods\' labels)',
            );
            continue;
          }
          e.r.consume([...at, 'filter']);
          if (isRecord(v) && v.onlyPassing !== undefined)
            e.r.notCarried([...at, 'onlyPassing'], 'the spec has no health filter on versions');
          versions[name] = { labels };
          const pods = this.#ctx.workloads.pods(t.namespace);
          const known = this.#ctx.workloads.service(t.namespace, t.name);
          if (
            known &&
            pods.length &&
            !pods.some((p) => Object.entries({ ...known.selector, ...labels }).every(([k, x]) => p[k] === x))
          )
            e.r.approximated(
              [...at, 'filter'],
              `the version's instances are the pods labelled ${Object.entries(labels)
                .map(([k, x]) => `${k}=${x}`)
                .join(
                  ', ',
                )} (meshc writes the filter from the version's labels, and the pods carry them as \`consul.hashicorp.com/service-meta-<label>\` annotations); no workload of ${t.namespace}/${t.name} in the input has those labels`,
              'Label the pods of the version with the metadata the filter names.',
            );
        }
        draft.spec.versions = versions;
        draft.from.set('versions', e.source);
      }
      this.#loadBalancer(e, draft);
    }
  }

  #loadBalancer(e: Entry, draft: ServiceDraft): void {
    const lb = e.r.get(['spec', 'loadBalancer']);
    if (!isRecord(lb)) return;
    const at = ['spec', 'loadBalancer'];
    const simple: Record<string, 'round-robin' | 'least-request' | 'random'> = {
      round_robin: 'round-robin',
      least_request: 'least-request',
      random: 'random',
    };
    const policy = lb.policy ?? 'round_robin';
    let value: NonNullable<ServiceDraft['spec']['resilience']>['loadBalancer'] | undefined;
    if (typeof policy === 'string' && simple[policy]) {
      value = simple[policy];
      e.r.consume([...at, 'policy']);
    } else if (policy === 'ring_hash') {
      const hp = asArray(lb.hashPolicies);
      const h = hp[0];
      if (hp.length === 1 && isRecord(h) && h.field === 'header' && typeof h.fieldValue === 'string') {
        value = { consistentHash: { header: h.fieldValue } };
        e.r.consume([...at, 'policy']);
        e.r.consume([...at, 'hashPolicies', 0, 'field']);
        e.r.consume([...at, 'hashPolicies', 0, 'fieldValue']);
      } else
        e.r.notCarried(
          at,
          'a ring hash has a spec form only on one request header (`consistentHash.header`)',
        );
    } else e.r.notCarried([...at, 'policy'], `the load-balancing policy ${String(policy)} has no spec form`);
    if (value !== undefined) {
      draft.spec.resilience = { ...draft.spec.resilience, loadBalancer: value };
      draft.from.set('resilience', e.source);
    }
  }

  // --- ServiceRouter and ServiceSplitter --------------------------------------------------------------------------

  /**
   * Where a destination (router destination or split) without a subset goes: the named service's splitter when
   * it has one (its splits), else the service as a whole. `depth` guards splitter loops.
   */
  #legs(
    service: string,
    subset: string | undefined,
    namespace: string,
    r: FieldReader,
    at: DataPath,
    depth = 0,
  ): Leg[] | undefined {
    const splitter = subset === undefined ? this.#kind('ServiceSplitter').get(service) : undefined;
    if (splitter && depth < 8) {
      const out = this.#splits(splitter, depth);
      if (out) return out;
      return undefined;
    }
    const t = this.target(service, namespace, r, at);
    if (!t) {
      r.report(
        'IMPORT_NO_SERVICE',
        at,
        `The Consul service ${service} in ${r.ref} names no service meshc can name; not carried.`,
      );
      return undefined;
    }
    if (subset !== undefined) this.#subset(t, subset, r, at);
    return [
      { backend: { service: `${t.namespace}/${t.name}`, ...(subset ? { version: subset } : {}) }, target: t },
    ];
  }

  /**
   * A subset a route names that no ServiceResolver of the input defines (Consul refuses such a chain): the
   * version is assumed to select the pods labelled `version: <subset>`, meshc's convention.
   */
  #subset(t: Target, subset: string, r: FieldReader, at: DataPath): void {
    const draft = this.#draft(t);
    if (draft.spec.versions?.[subset] || !isDnsLabel(subset)) return;
    draft.spec.versions = { ...draft.spec.versions, [subset]: { labels: { version: subset } } };
    r.approximated(
      at,
      `no ServiceResolver of the input defines the subset ${subset} of ${t.name}; the version ${subset} was assumed to be the pods labelled version=${subset}`,
      `Import the ServiceResolver of ${t.name}, or set the labels of version ${subset} in the imported spec.`,
    );
  }

  /** The splits of a splitter as legs (weights in percent), each marked read; undefined when one cannot be read. */
  #splits(e: Entry, depth: number): Leg[] | undefined {
    const splits = asArray(e.r.get(['spec', 'splits']));
    const out: Leg[] = [];
    let ok = splits.length > 0;
    splits.forEach((s, i) => {
      const at = ['spec', 'splits', i];
      if (!isRecord(s)) {
        ok = false;
        return;
      }
      const weight = typeof s.weight === 'number' ? s.weight : 0;
      const service = typeof s.service === 'string' && s.service ? s.service : e.name;
      const subset = typeof s.serviceSubset === 'string' && s.serviceSubset ? s.serviceSubset : undefined;
      e.r.consume([...at, 'weight']);
      e.r.consume([...at, 'service']);
      e.r.consume([...at, 'serviceSubset']);
      const headers = this.#headers(e.r, at, s);
      // A split to the splitter's own service goes to its resolver (not to the splitter again).
      const legs =
        service === e.name || subset !== undefined
          ? this.#legs(service, subset ?? undefined, e.r.namespace, e.r, [...at, 'service'], 99)
          : this.#legs(service, undefined, e.r.namespace, e.r, [...at, 'service'], depth + 1);
      if (!legs) {
        ok = false;
        return;
      }
      const total = legs.reduce((a, l) => a + (l.backend.weight ?? 100), 0);
      for (const l of legs)
        out.push({
          ...l,
          backend: { ...l.backend, weight: (weight * (l.backend.weight ?? 100)) / total },
          ...(headers ? { headers } : l.headers ? { headers: l.headers } : {}),
        });
    });
    const sum = out.reduce((a, l) => a + (l.backend.weight ?? 0), 0);
    if (ok && Math.abs(sum - 100) > 1e-6) {
      e.r.notCarried(
        ['spec', 'splits'],
        `the weights sum to ${sum}, not 100 (Consul refuses such a splitter)`,
      );
      return undefined;
    }
    if (!ok) return undefined;
    this.#splitUsed.add(e.name);
    return out;
  }

  /** A destination's (or split's) header changes. */
  #headers(r: FieldReader, at: DataPath, d: Record<string, unknown>): RouteHeaders | undefined {
    const out: RouteHeaders = {};
    for (const [field, key] of [
      ['requestHeaders', 'request'],
      ['responseHeaders', 'response'],
    ] as const) {
      const h = d[field];
      if (!isRecord(h)) continue;
      const ops: HeaderOps = {};
      const add = h.add;
      const set = h.set;
      const remove = h.remove;
      const strings = (v: unknown) =>
        isRecord(v) && Object.values(v).every((x) => typeof x === 'string')
          ? (v as Record<string, string>)
          : undefined;
      if (add !== undefined && strings(add)) {
        // Sorted (header names have no order): the same maps give the same spec whatever the file's order.
        const values = literalHeaderValues(r, [...at, field, 'add'], strings(add))!;
        if (Object.keys(values).length) ops.add = sortedRecord(values);
        r.consume([...at, field, 'add']);
      }
      if (set !== undefined && strings(set)) {
        const values = literalHeaderValues(r, [...at, field, 'set'], strings(set))!;
        if (Object.keys(values).length) ops.set = sortedRecord(values);
        r.consume([...at, field, 'set']);
      }
      if (Array.isArray(remove) && remove.every((x) => typeof x === 'string')) {
        if (remove.length) ops.remove = [...(remove as string[])];
        r.consume([...at, field, 'remove']);
      }
      if (Object.keys(ops).length) out[key] = ops;
    }
    return Object.keys(out).length ? out : undefined;
  }

  #routers(): void {
    for (const e of this.#kind('ServiceRouter').values()) {
      const self = this.target(e.name, e.r.namespace, e.r, ['metadata', 'name']);
      if (!self) {
        e.r.report('IMPORT_NO_SERVICE', [], `${e.r.ref} names no service meshc can name.`);
        continue;
      }
      const draft = this.#draft(self, e.source);
      const routes: Route[] = [];
      let lastKey: string | undefined;
      let closed = false;
      asArray(e.r.get(['spec', 'routes'])).forEach((entry, i) => {
        const at = ['spec', 'routes', i];
        if (!isRecord(entry)) return;
        if (closed) {
          e.r.notCarried(at, 'an earlier route takes every request, so Consul never reaches this one');
          return;
        }
        const match = this.#match(e.r, [...at, 'match'], entry.match);
        if (match === undefined) {
          // Reported at the match; the rest of the route goes with it.
          e.r.consume(at);
          return;
        }
        const dest = isRecord(entry.destination) ? entry.destination : {};
        const route = this.#destination(e, [...at, 'destination'], dest, self);
        if (!route) return;
        // The destination's header maps (`requestHeaders.set`) keep the order of the file: keyed as data.
        const key = canonicalJson(route);
        const catchAll = match === 'all';
        if (catchAll) closed = true;
        const prev = routes[routes.length - 1];
        if (prev && lastKey === key && prev.match && !catchAll) {
          prev.match.push(...match);
          prev.match = mergePrefixPairs(prev.match);
        } else routes.push(catchAll ? route : { match: [...match], ...route });
        lastKey = key;
        if (!catchAll) routes[routes.length - 1]!.match = mergePrefixPairs(routes[routes.length - 1]!.match!);
      });
      // A catch-all route to the service itself as a whole, without policy, is meshc's implicit default.
      const last = routes[routes.length - 1];
      if (
        last &&
        !last.match &&
        last.to === undefined &&
        last.backends?.length === 1 &&
        last.backends[0]!.service === self.name &&
        last.backends[0]!.version === undefined &&
        !last.timeout &&
        !last.retries &&
        !last.headers &&
        !this.#kind('ServiceSplitter').has(e.name)
      )
        routes.pop();
      if (routes.length) {
        draft.spec.routes = routes;
        draft.from.set('routes', e.source);
      }
      this.#routed.add(e.name);
    }
  }

  /** The route (without match) a router destination stands for; undefined when it cannot be carried. */
  #destination(e: Entry, at: DataPath, d: Record<string, unknown>, self: Target): Route | undefined {
    const service = typeof d.service === 'string' && d.service ? d.service : e.name;
    const subset = typeof d.serviceSubset === 'string' && d.serviceSubset ? d.serviceSubset : undefined;
    e.r.consume([...at, 'service']);
    e.r.consume([...at, 'serviceSubset']);
    const legs = this.#legs(service, subset, e.r.namespace, e.r, [...at, 'service']);
    if (!legs) {
      e.r.notCarried(at, 'its destination could not be read, so the route is left out');
      return undefined;
    }
    const route: Route = {};
    const splitName =
      subset === undefined && this.#kind('ServiceSplitter').has(service) ? service : undefined;
    const prefix = `${e.name}--`;
    if (splitName?.startsWith(prefix) && isDnsLabel(splitName.slice(prefix.length)))
      route.name = splitName.slice(prefix.length);
    const backends = legs.map((l) => ({ ...l.backend, service: this.#ref(l.target, self) }));
    const own = backends.every((b) => b.service === self.name && b.version !== undefined);
    if (legs.length === 1) {
      const b = backends[0]!;
      if (b.service === self.name && b.version !== undefined) route.to = b.version;
      else route.backends = [{ service: b.service, ...(b.version ? { version: b.version } : {}) }];
    } else if (own && new Set(backends.map((b) => b.version)).size === backends.length)
      route.to = Object.fromEntries(backends.map((b) => [b.version!, b.weight ?? 0]));
    else route.backends = backends;
    const timeout = d.requestTimeout;
    if (timeout !== undefined) {
      const t = specDuration(timeout);
      if (t !== undefined) {
        route.timeout = t;
        e.r.consume([...at, 'requestTimeout']);
      } else if (timeout === '0s' || timeout === 0) e.r.consume([...at, 'requestTimeout']);
      else e.r.notCarried([...at, 'requestTimeout'], `${String(timeout)} is not a duration the spec takes`);
    }
    const retries = this.#retries(e.r, at, d);
    if (retries) route.retries = retries;
    const own_headers = this.#headers(e.r, at, d);
    const splitHeaders = legs.map((l) => canonicalJson(l.headers ?? null));
    if (own_headers) route.headers = own_headers;
    else if (legs.some((l) => l.headers)) {
      if (new Set(splitHeaders).size === 1) route.headers = legs[0]!.headers!;
      else
        this.#kind('ServiceSplitter')
          .get(service)
          ?.r.approximated(
            ['spec', 'splits'],
            "the splits change headers differently; the spec's route has one set of header changes, that of the first split",
          );
      if (new Set(splitHeaders).size !== 1) route.headers = legs.find((l) => l.headers)!.headers!;
    }
    return route;
  }

  #retries(r: FieldReader, at: DataPath, d: Record<string, unknown>): Retries | undefined {
    const on: RetryCondition[] = [];
    const n = d.numRetries;
    if (Array.isArray(d.retryOn)) {
      d.retryOn.forEach((c, i) => {
        if (typeof c === 'string' && (RETRY_CONDITIONS as readonly string[]).includes(c)) {
          if (!on.includes(c as RetryCondition)) on.push(c as RetryCondition);
          r.consume([...at, 'retryOn', i]);
        } else r.notCarried([...at, 'retryOn', i], `the retry condition ${String(c)} has no spec form`);
      });
    }
    if (Array.isArray(d.retryOnStatusCodes)) {
      const codes = new Set(d.retryOnStatusCodes.filter((x): x is number => typeof x === 'number'));
      const take = (cond: RetryCondition, list: number[]) => {
        if (list.every((c) => codes.has(c))) {
          if (!on.includes(cond)) on.push(cond);
          for (const c of list) codes.delete(c);
        }
      };
      take(
        '5xx',
        Array.from({ length: 100 }, (_, i) => 500 + i),
      );
      take('gateway-error', [502, 503, 504]);
      take('retriable-4xx', [409]);
      if (codes.size)
        r.notCarried(
          [...at, 'retryOnStatusCodes'],
          `the status codes ${[...codes].join(', ')} have no spec retry condition (5xx is 500-599, gateway-error 502-504, retriable-4xx 409)`,
        );
      else r.consume([...at, 'retryOnStatusCodes']);
    }
    if (d.retryOnConnectFailure === true) {
      if (!on.includes('connect-failure')) on.push('connect-failure');
      r.consume([...at, 'retryOnConnectFailure']);
    } else if (d.retryOnConnectFailure === false) r.consume([...at, 'retryOnConnectFailure']);
    if (n === undefined && !on.length) return undefined;
    const attempts = n === undefined ? 1 : n;
    if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0 || attempts > 10) {
      r.notCarried([...at, 'numRetries'], `the spec allows 0 to 10 retries, not ${String(attempts)}`);
      return undefined;
    }
    if (n !== undefined) r.consume([...at, 'numRetries']);
    if (!on.length) {
      if (attempts > 0)
        r.notCarried(
          [...at, 'numRetries'],
          'without retry conditions (retryOn, retryOnStatusCodes, retryOnConnectFailure) Consul retries nothing, and the spec needs conditions',
        );
      return undefined;
    }
    if (attempts === 0) return undefined;
    return { attempts, on };
  }

  /** A router `match` as spec match entries; `all` for every request; undefined when none can be carried. */
  #match(r: FieldReader, at: DataPath, match: unknown): RouteMatch[] | 'all' | undefined {
    if (match === undefined || (isRecord(match) && match.http === undefined && !Object.keys(match).length))
      return 'all';
    if (!isRecord(match) || !isRecord(match.http)) {
      r.notCarried(at, 'only `match.http` has a spec form');
      return undefined;
    }
    const http = match.http;
    const hat = [...at, 'http'];
    const base: RouteMatch = {};
    const fail = (field: string, why: string) => {
      r.notCarried(
        [...hat, field],
        `${why}; the route is left out, so requests it took go on to the next route`,
      );
      return undefined;
    };
    // In a fixed order (the file's carries no meaning): the field reported is the same whatever the order.
    for (const [k, v] of entriesInOrder(http, MATCH_FIELDS)) {
      if (k === 'pathExact' && typeof v === 'string') base.path = { exact: v };
      else if (k === 'pathPrefix' && typeof v === 'string')
        // Consul's prefix is a string prefix; the spec's is segment-wise unless it ends with `/`.
        base.path = v.endsWith('/') ? { prefix: v } : { regex: `${escapeRegex(v)}.*` };
      else if (k === 'pathRegex' && typeof v === 'string') base.path = { regex: v };
      else if (k === 'header') {
        const headers: NonNullable<RouteMatch['headers']> = {};
        for (const [i, h] of asArray(v).entries()) {
          const s = isRecord(h) ? stringMatch(h, ['exact', 'prefix', 'regex']) : undefined;
          if (!isRecord(h) || typeof h.name !== 'string' || !s || headers[h.name.toLowerCase()])
            return fail(
              `header`,
              `header match ${i} has no spec form (the spec matches a header by exact value, prefix or regex, once per name; not present, suffix or inverted)`,
            );
          headers[h.name.toLowerCase()] = s;
        }
        if (Object.keys(headers).length) base.headers = headers;
      } else if (k === 'queryParam') {
        const query: NonNullable<RouteMatch['query']> = {};
        for (const [i, q] of asArray(v).entries()) {
          const s = isRecord(q) ? stringMatch(q, ['exact', 'regex']) : undefined;
          if (!isRecord(q) || typeof q.name !== 'string' || !s || query[q.name])
            return fail(
              'queryParam',
              `query match ${i} has no spec form (the spec matches a parameter by exact value or regex, once per name; not present)`,
            );
          query[q.name] = s;
        }
        if (Object.keys(query).length) base.query = query;
      } else if (k === 'methods') {
        // handled below
      } else if (k === 'caseInsensitive' && v === false) {
        // Consul's default
      } else
        return fail(
          k,
          `\`${k}\` ${k === 'caseInsensitive' ? '(case-insensitive paths) ' : ''}has no spec form`,
        );
    }
    r.consume(hat);
    const methods = asArray(http.methods);
    if (!methods.length) return Object.keys(base).length ? [base] : 'all';
    if (!methods.every(isMethod)) return fail('methods', 'a method the spec does not know');
    return (methods as HttpMethod[]).map((m) => ({ ...base, method: m }));
  }

  /** Whether a Consul name is the identity (or the name) of a Kubernetes Service of the input. */
  #known(name: string): boolean {
    return this.#ctx.workloads.all().some((s) => (s.serviceAccount ?? s.name) === name || s.name === name);
  }

  /**
   * The splitter of a service: requests its router does not take (or that reach the service as a whole) enter
   * it, so it is the service's default (catch-all) route where the routes have none. meshc's splitter-only
   * services (names of no service, read as a route's split) are not.
   */
  #ownSplitters(): void {
    for (const e of this.#kind('ServiceSplitter').values()) {
      if (this.#splitUsed.has(e.name) && !this.#known(e.name)) continue;
      const t = this.target(e.name, e.r.namespace, e.r, ['metadata', 'name']);
      if (!t) continue;
      const draft = this.#draft(t, e.source);
      const routes = draft.spec.routes ?? [];
      if (routes.some((r) => !r.match)) continue;
      // The service itself as a router destination: its splitter decides (headers come from the splits).
      const route = this.#destination(e, ['spec', 'splits'], {}, t);
      if (!route) continue;
      draft.spec.routes = [...routes, route];
      draft.from.set('routes', e.source);
    }
  }

  /** `defaultSubset`: requests naming no version reach that subset, on the service's own routes. */
  #defaultSubsets(): void {
    for (const e of this.#kind('ServiceResolver').values()) {
      const subset = e.r.get(['spec', 'defaultSubset']);
      if (subset === undefined) continue;
      const t = this.target(e.name, e.r.namespace);
      if (!t || typeof subset !== 'string') continue;
      const draft = this.#draft(t);
      if (!draft.spec.versions?.[subset]) {
        e.r.notCarried(['spec', 'defaultSubset'], `no subset ${subset} is carried`);
        continue;
      }
      e.r.consume(['spec', 'defaultSubset']);
      const routes = draft.spec.routes ?? [];
      for (const r of routes) {
        if (r.backends)
          for (const b of r.backends) if (b.service === t.name && b.version === undefined) b.version = subset;
        if (
          r.backends?.length === 1 &&
          r.backends[0]!.service === t.name &&
          r.backends[0]!.weight === undefined
        ) {
          r.to = r.backends[0]!.version!;
          delete r.backends;
        }
      }
      if (!routes.some((r) => !r.match)) routes.push({ to: subset });
      draft.spec.routes = routes;
      // Other services' routes to the service as a whole enter its splitter or resolver: that default too.
      const elsewhere = this.#ctx
        .services()
        .some(
          (d) =>
            d !== draft &&
            (d.spec.routes ?? []).some((r) =>
              (r.backends ?? []).some((b) => b.version === undefined && this.#sameService(b.service, d, t)),
            ),
        );
      if (elsewhere)
        e.r.approximated(
          ['spec', 'defaultSubset'],
          `other services' routes send to ${t.name} as a whole, which Consul sends to subset ${subset}; the spec's backend without a version means every instance`,
          'Name the version in those backends.',
        );
    }
  }

  #sameService(ref: string, from: ServiceDraft, t: Target): boolean {
    const [ns, name] = ref.includes('/') ? (ref.split('/') as [string, string]) : [from.namespace, ref];
    return ns === t.namespace && name === t.name;
  }

  // --- ServiceDefaults --------------------------------------------------------------------------------------------

  /** Reads protocol and mTLS mode; returns the upstream overrides (callee → declaring callers). */
  #serviceDefaults(): Map<
    string,
    { caller: Target; entry: Entry; index: number; value: Record<string, unknown> }[]
  > {
    const overrides = new Map<
      string,
      { caller: Target; entry: Entry; index: number; value: Record<string, unknown> }[]
    >();
    for (const e of this.#kind('ServiceDefaults').values()) {
      const protocol = e.r.get(['spec', 'protocol']) ?? 'tcp';
      if (this.#splitUsed.has(e.name) && !this.#known(e.name)) {
        // meshc's splitter-only service: its protocol is its owner's.
        e.r.consume(['spec', 'protocol']);
        continue;
      }
      const t = this.target(e.name, e.r.namespace, e.r, ['metadata', 'name']);
      if (!t) {
        e.r.report('IMPORT_NO_SERVICE', [], `${e.r.ref} names no service meshc can name.`);
        continue;
      }
      const draft = this.#draft(t, e.source);
      const known = this.#ctx.workloads.service(t.namespace, t.name);
      const port = known?.ports[0];
      if (port && port.protocol === protocol && !port.assumed) e.r.consume(['spec', 'protocol']);
      else if (port)
        e.r.approximated(
          e.r.get(['spec', 'protocol']) === undefined ? ['spec'] : ['spec', 'protocol'],
          `meshc writes the protocol of the Service's first port (${port.protocol}${port.assumed ? ', assumed' : ''}), not ${String(protocol)}${e.r.get(['spec', 'protocol']) === undefined ? " (Consul's default when the entry sets none)" : ''}`,
          'Set `protocol` of the first port of the imported service to what the service speaks (appProtocol on the Kubernetes Service).',
        );
      else e.r.consume(['spec', 'protocol']);
      const mode = e.r.get(['spec', 'mutualTLSMode']);
      if (mode === 'permissive') {
        if (this.#permissiveAllowed()) {
          draft.spec.mtls = 'permissive';
          draft.from.set('mtls', e.source);
          e.r.consume(['spec', 'mutualTLSMode']);
        } else
          e.r.notCarried(
            ['spec', 'mutualTLSMode'],
            'Consul refuses a permissive service unless the Mesh entry sets allowEnablingPermissiveMutualTLS, which the input does not',
          );
      } else if (mode === 'strict' || mode === '' || mode === undefined)
        e.r.consume(['spec', 'mutualTLSMode']);
      asArray(e.r.get(['spec', 'upstreamConfig', 'overrides'])).forEach((o, i) => {
        const at = ['spec', 'upstreamConfig', 'overrides', i];
        if (!isRecord(o) || typeof o.name !== 'string') return;
        e.r.consume([...at, 'name']);
        const list = overrides.get(o.name) ?? [];
        list.push({ caller: t, entry: e, index: i, value: o });
        overrides.set(o.name, list);
      });
      if (e.r.get(['spec', 'upstreamConfig', 'defaults']) !== undefined)
        e.r.notCarried(
          ['spec', 'upstreamConfig', 'defaults'],
          `limits and passive health checks for every upstream of ${t.name} have no spec form (the spec sets them per callee, as \`resilience\`)`,
        );
    }
    return overrides;
  }

  /** Upstream overrides → the callee's resilience; reported where the declaring callers differ from access. */
  #resilience(
    overrides: Map<string, { caller: Target; entry: Entry; index: number; value: Record<string, unknown> }[]>,
  ): void {
    for (const [callee, list] of overrides) {
      const first = list[0]!;
      const t = this.target(callee, first.caller.namespace, first.entry.r, [
        'spec',
        'upstreamConfig',
        'overrides',
        first.index,
        'name',
      ]);
      if (!t) continue;
      let chosen: { outlierDetection?: OutlierDetection; connectionPool?: ConnectionPool } | undefined;
      let chosenKey = '';
      const declared: Target[] = [];
      for (const o of list) {
        const at = ['spec', 'upstreamConfig', 'overrides', o.index];
        const value = readOverride(o.entry.r, at, o.value);
        const key = JSON.stringify(value);
        if (chosen === undefined) {
          chosen = value;
          chosenKey = key;
        } else if (key !== chosenKey) {
          o.entry.r.report(
            'IMPORT_CONFLICT',
            at,
            `The upstream settings ${o.entry.r.ref} declares for ${callee} differ from those ${first.entry.r.ref} declares; the spec has one resilience per service (the callee's), and the first was kept.`,
            'Make every caller declare the same settings for this upstream, or accept the first.',
          );
          continue;
        }
        declared.push(o.caller);
      }
      if (!chosen || !Object.keys(chosen).length) continue;
      const draft = this.#draft(t);
      draft.spec.resilience = { ...draft.spec.resilience, ...chosen };
      draft.from.set('resilience', first.entry.source);
      // meshc writes the callee's resilience into every caller its `access` names.
      const named = new Set(
        (draft.spec.access ?? [])
          .flatMap((r) => r.from)
          .filter((c) => c !== '*')
          .map((c) => (c.includes('/') ? c : `${t.namespace}/${c}`))
          .filter((c) => c !== `${t.namespace}/${t.name}`),
      );
      const declaredIds = new Set(declared.map((c) => `${c.namespace}/${c.name}`));
      const same = named.size === declaredIds.size && [...named].every((c) => declaredIds.has(c));
      // The entries that change: ServiceDefaults `<namespace>/<Consul name>` of every caller either way.
      const entry = (id: string) => {
        const [ns, name] = id.split('/') as [string, string];
        const known = this.#ctx.workloads.service(ns, name);
        return `ServiceDefaults ${ns}/${known?.serviceAccount ?? name}`;
      };
      const entries = (ids: Iterable<string>) => [...ids].sort().map(entry).join(', ');
      if (!same)
        first.entry.r.approximated(
          ['spec', 'upstreamConfig', 'overrides', first.index],
          `Consul applies it on the calls of ${entries(declaredIds)} only (it is declared per caller); meshc writes ${t.name}'s resilience into the ServiceDefaults of every caller its access names (${named.size ? entries(named) : 'none, so it has no effect'})`,
          `Name the callers that should apply it in the access of ${t.name}.`,
        );
    }
  }

  // --- ServiceIntentions ------------------------------------------------------------------------------------------

  #intentions(): void {
    for (const e of this.#kind('ServiceIntentions').values()) {
      const destName = e.r.get(['spec', 'destination', 'name']);
      if (destName === '*' || typeof destName !== 'string') {
        if (destName === '*') this.#wildcardDestination = true;
        e.r.notCarried(
          ['spec', 'destination'],
          destName === '*'
            ? 'intentions for every destination have no spec form (access is per service)'
            : 'it names no destination',
        );
        e.r.consume(['spec']);
        continue;
      }
      e.r.consume(['spec', 'destination', 'name']);
      const t = this.target(destName, e.r.namespace, e.r, ['spec', 'destination', 'name']);
      if (!t) continue;
      this.#intended.add(`${t.namespace}/${t.name}`);
      const draft = this.#draft(t, e.source);
      this.#readIntentions(e, t, draft);
    }
  }

  /**
   * A service of the Consul mesh of the input (one its config entries name) that no ServiceIntentions entry
   * decides: as for an intention without sources, every request falls to the cluster's ACL default policy, and
   * meshc installs Consul with ACLs, default deny; so the service admits no caller, and the imported access
   * denies all. This holds as well when the input has no ServiceIntentions at all (the same assumption as the
   * no-sources case: a cluster with ACLs, default deny). Not when an intention for every destination (`*`) is in
   * the input: it decides such services instead (it is reported as not carried).
   */
  #noIntentions(): void {
    if (this.#wildcardDestination) return;
    for (const [id, consulName] of this.#members) {
      if (this.#intended.has(id)) continue;
      const slash = id.indexOf('/');
      const t: Target = { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
      const draft = this.#draft(t);
      if (draft.spec.access !== undefined || draft.from.has('access')) continue;
      // Reported at the service's own object: its ServiceDefaults, else its Kubernetes Service, else the entry
      // that named it.
      const own = this.#kind('ServiceDefaults').get(consulName)?.source;
      const k8s = this.#ctx.workloads.service(t.namespace, t.name)?.source;
      const at = own ?? k8s ?? draft.from.get('referencedBy');
      if (at)
        this.#ctx
          .reader(at)
          .approximated(
            ['metadata', 'name'],
            `the service ${t.name} has no ServiceIntentions: every request falls to the cluster's ACL default policy; the imported access denies all (meshc installs Consul with ACLs, default deny)`,
            `Add \`access\` rules naming the callers that should reach ${t.name}, if any should.`,
          );
      draft.spec.access = [];
      if (at) draft.from.set('access', at);
    }
  }

  /** The grants of one source: 'all', a list of allowed (methods, path) pairs, or nothing. */
  #sourceGrants(e: Entry, i: number, s: Record<string, unknown>): Grant[] | undefined {
    const at = ['spec', 'sources', i];
    if (s.action !== undefined) {
      e.r.consume([...at, 'action']);
      return s.action === 'allow' ? ['all'] : [];
    }
    const perms = asArray(s.permissions);
    const out: Grant[] = [];
    let denied = false;
    perms.forEach((p, j) => {
      const pat = [...at, 'permissions', j];
      if (!isRecord(p)) return;
      const http = isRecord(p.http) ? p.http : {};
      if (p.action === 'deny') {
        // A deny after every allow only says what the spec's access means anyway (the rest is denied).
        const rest = perms.slice(j + 1).some((x) => isRecord(x) && x.action === 'allow');
        if (rest)
          e.r.approximated(
            pat,
            "the spec's access rules only allow; the later allow permissions admit what this deny took before them",
          );
        else e.r.consume(pat);
        const keys = Object.keys(http).filter((k) => !(k === 'pathPrefix' && http[k] === '/'));
        if (!keys.length) denied = true;
        return;
      }
      e.r.consume([...pat, 'action']);
      const g = this.#permission(e.r, [...pat, 'http'], http);
      if (g) out.push(g);
      else e.r.consume(pat);
    });
    if (!denied && perms.length)
      e.r.approximated(
        [...at, 'permissions'],
        "requests no permission matches fall to the cluster's ACL default policy; the imported access denies them (meshc installs Consul with ACLs, default deny)",
      );
    return out;
  }

  #permission(r: FieldReader, at: DataPath, http: Record<string, unknown>): Grant | undefined {
    const g: { methods?: HttpMethod[]; path?: string } = {};
    /** The field that made `g.path`. */
    let pathField = '';
    const setPath = (k: string, path: string) => {
      g.path = path;
      pathField = k;
    };
    // In a fixed order: the grant is built alike, and the field reported is the same, whatever the file's order.
    for (const [k, v] of entriesInOrder(http, PERMISSION_FIELDS)) {
      if (k === 'methods' && Array.isArray(v) && v.every(isMethod)) {
        if (v.length) g.methods = [...v];
      } else if (k === 'pathExact' && typeof v === 'string' && !v.endsWith('*')) setPath(k, v);
      else if (k === 'pathPrefix' && typeof v === 'string') {
        if (v !== '/' && v !== '') setPath(k, `${v}*`);
      } else if (k === 'pathRegex' && typeof v === 'string' && /^\.\*/.test(v)) {
        const rest = v.slice(2);
        const plain = rest.replace(/\\(.)/g, '$1');
        if (escapeRegex(plain) !== rest || REGEX_META.test(plain.replace(/[.]/g, ''))) {
          r.notCarried(
            [...at, k],
            'only a suffix regex (`.*<suffix>`) has a spec form; the permission is left out, so the source is admitted less',
          );
          return undefined;
        }
        setPath(k, `*${plain}`);
      } else {
        r.notCarried(
          [...at, k],
          `\`${k}\` of a permission has no spec form (access rules narrow by method and path: exact, prefix, suffix); the permission is left out, so the source is admitted less`,
        );
        return undefined;
      }
    }
    if (g.path !== undefined && !isAccessPath(g.path)) {
      // Consul refuses an exact or prefix path without a leading `/`; one with a `*` inside is a literal to it.
      r.notCarried(
        [...at, pathField],
        `${NOT_ACCESS_PATH}; the permission is left out, so the source is admitted less`,
      );
      return undefined;
    }
    r.consume(at);
    return g.methods || g.path ? g : 'all';
  }

  #readIntentions(e: Entry, t: Target, draft: ServiceDraft): void {
    const sources = asArray(e.r.get(['spec', 'sources']));
    const perSource = new Map<string, { i: number; grants: Grant[] }>();
    sources.forEach((s, i) => {
      const at = ['spec', 'sources', i];
      if (!isRecord(s) || typeof s.name !== 'string') return;
      e.r.consume([...at, 'name']);
      if (s.type === 'consul') e.r.consume([...at, 'type']);
      if (s.description !== undefined) e.r.consume([...at, 'description']);
      const grants = this.#sourceGrants(e, i, s);
      if (grants) perSource.set(s.name, { i, grants });
    });
    const wildcard = perSource.get('*');
    const w = wildcard?.grants ?? [];
    // As data: each source's permissions order their keys as the file does.
    const key = (g: Grant) => canonicalJson(g);
    const wKeys = new Set(w.map(key));
    const wAll = w.includes('all');
    const rules: AccessRule[] = [];
    const l4: string[] = [];
    const withWildcard: string[] = [];
    let anyNamed = false;
    for (const [name, { i, grants }] of perSource) {
      if (name === '*') continue;
      const at = ['spec', 'sources', i];
      if (this.#gateways.has(name)) {
        // meshc admits its ingress by itself for an exposed service.
        if (!draft.spec.ingress)
          e.r.notCarried(
            at,
            `the API gateway ${name} is admitted by meshc only to a service with \`ingress\``,
          );
        continue;
      }
      const caller = this.target(name, t.namespace, e.r, [...at, 'name']);
      if (!caller) {
        e.r.notCarried([...at, 'name'], `${name} is no service name meshc can carry`);
        continue;
      }
      this.#draft(caller, e.source);
      const ref = this.#ref(caller, t);
      // The most precise source decides: `*`'s grants do not apply to a named source.
      const covers =
        grants.includes('all') || (!wAll && w.every((g) => grants.some((x) => key(x) === key(g))));
      if (!covers)
        e.r.approximated(
          at,
          `Consul decides ${name}'s requests by this source alone, while the spec's \`*\` rule admits every caller: ${name} is now also admitted what \`*\` is`,
        );
      if (grants.includes('all')) {
        l4.push(ref);
        anyNamed = true;
        continue;
      }
      // meshc appends `*`'s permissions to every named source: the tail that `*` grants is its rule's. Of the
      // readings that render back the same permissions, the shortest (else the source's grants as they are).
      let end = grants.length;
      while (end > 0 && wKeys.has(key(grants[end - 1]!))) end--;
      const rendered = (mine: readonly Grant[], alsoWildcard: boolean) => {
        const seen = new Set<string>();
        return [...mine, ...(alsoWildcard ? w : []), ...w]
          .map(key)
          .filter((k) => (seen.has(k) ? false : (seen.add(k), true)))
          .join('\n');
      };
      const want = grants.map(key).join('\n');
      let own = grants.slice(0, end);
      // An empty reading names the source nowhere (it would not render at all).
      if (!own.length || rendered(own, false) !== want) {
        if (!own.length && grants.length && rendered([], true) === want) withWildcard.push(ref);
        else own = [...grants];
      }
      anyNamed = true;
      rules.push(...grantRules(own, [ref]));
    }
    if (l4.length) rules.unshift({ from: l4.sort() });
    if (wAll) rules.push({ from: ['*'] });
    else rules.push(...grantRules(w, ['*', ...withWildcard.sort()]));
    const wildcardDenies = wildcard !== undefined && !w.length;
    if (!wildcard && !rules.length && !perSource.size) {
      // No sources at all: Consul's ACL default decides everything.
      e.r.approximated(
        ['spec', 'sources'],
        "every request falls to the cluster's ACL default policy; the imported access denies all (meshc installs Consul with ACLs, default deny)",
      );
      draft.spec.access = [];
      draft.from.set('access', e.source);
      return;
    }
    if (!wildcard && (anyNamed || rules.length))
      e.r.approximated(
        ['spec', 'sources'],
        "callers no source names fall to the cluster's ACL default policy; the imported access denies them (meshc installs Consul with ACLs, default deny)",
      );
    void wildcardDenies;
    if (wAll && rules.length === 1) {
      // `*` allow alone: no access control.
      delete draft.spec.access;
      draft.from.set('access', e.source);
      return;
    }
    const onlyGateway =
      !rules.length && [...perSource.keys()].some((n) => this.#gateways.has(n)) && !wildcard;
    if (onlyGateway) {
      e.r.approximated(
        ['spec', 'sources'],
        "the service admits the API gateway only; meshc admits its ingress only beside other callers' rules, so the imported service has no access rules and admits every caller",
        'Add `access` rules naming the callers that should reach the service.',
      );
      draft.from.set('access', e.source);
      return;
    }
    draft.spec.access = rules;
    draft.from.set('access', e.source);
  }
}

/** Grants of one source as access rules: consecutive permissions with the same methods share a rule (paths in order). */
function grantRules(grants: readonly Grant[], from: string[]): AccessRule[] {
  const out: AccessRule[] = [];
  for (const g of grants) {
    if (g === 'all') {
      out.push({ from: [...from] });
      continue;
    }
    const prev = out[out.length - 1];
    const same =
      prev &&
      prev.paths?.length &&
      g.path !== undefined &&
      JSON.stringify(prev.methods ?? null) === JSON.stringify(g.methods ?? null) &&
      prev.paths[prev.paths.length - 1]! < g.path;
    if (same) {
      prev.paths!.push(g.path!);
      continue;
    }
    out.push({
      from: [...from],
      ...(g.methods ? { methods: [...g.methods] } : {}),
      ...(g.path !== undefined ? { paths: [g.path] } : {}),
    });
  }
  return out;
}

function stringMatch(
  m: Record<string, unknown>,
  allowed: readonly ('exact' | 'prefix' | 'regex')[],
): { exact?: string; prefix?: string; regex?: string } | undefined {
  const keys = Object.keys(m).filter((k) => k !== 'name' && !(k === 'invert' && m[k] === false));
  if (keys.length !== 1) return undefined;
  const k = keys[0] as 'exact' | 'prefix' | 'regex';
  if (!allowed.includes(k) || typeof m[k] !== 'string') return undefined;
  return { [k]: m[k] };
}

/** `Service.Meta.<k> == "<v>"` terms joined by `and` (quoted, single-quoted or bare values). */
export function parseFilter(filter: unknown): Record<string, string> | undefined {
  if (typeof filter !== 'string') return undefined;
  const out: Record<string, string> = {};
  for (const term of filter.trim().split(/\s+and\s+/)) {
    const m =
      /^\s*Service\.Meta\.([A-Za-z0-9_-]+)\s*==\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'()]+))\s*$/.exec(
        term,
      );
    if (!m || out[m[1]!] !== undefined) return undefined;
    let v: string;
    try {
      v = m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : (m[3] ?? m[4]!);
    } catch {
      return undefined;
    }
    out[m[1]!] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** meshc's segment-wise prefix `/p` is two router matches, `pathExact /p` and `pathPrefix /p/`: one again. */
function mergePrefixPairs(matches: RouteMatch[]): RouteMatch[] {
  const out: RouteMatch[] = [];
  for (let i = 0; i < matches.length; i++) {
    const a = matches[i]!;
    const b = matches[i + 1];
    const rest = (m: RouteMatch) => JSON.stringify({ ...m, path: undefined });
    if (a.path?.exact !== undefined && b?.path?.prefix === `${a.path.exact}/` && rest(a) === rest(b)) {
      out.push({ ...a, path: { prefix: a.path.exact } });
      i++;
    } else out.push(a);
  }
  return out;
}

/** One `upstreamConfig.overrides[]` entry as the callee's resilience. */
function readOverride(
  r: FieldReader,
  at: DataPath,
  o: Record<string, unknown>,
): { outlierDetection?: OutlierDetection; connectionPool?: ConnectionPool } {
  const out: { outlierDetection?: OutlierDetection; connectionPool?: ConnectionPool } = {};
  const phc = o.passiveHealthCheck;
  if (isRecord(phc)) {
    const od: OutlierDetection = {};
    const pat = [...at, 'passiveHealthCheck'];
    if (typeof phc.maxFailures === 'number' && phc.maxFailures >= 1) {
      od.consecutiveErrors = phc.maxFailures;
      r.consume([...pat, 'maxFailures']);
    }
    const interval = carriedDuration(r, [...pat, 'interval'], phc.interval);
    if (interval !== undefined) {
      od.interval = interval;
      r.consume([...pat, 'interval']);
    }
    const base = carriedDuration(r, [...pat, 'baseEjectionTime'], phc.baseEjectionTime);
    if (base !== undefined) {
      od.baseEjectionTime = base;
      r.consume([...pat, 'baseEjectionTime']);
    }
    if (
      typeof phc.maxEjectionPercent === 'number' &&
      phc.maxEjectionPercent >= 0 &&
      phc.maxEjectionPercent <= 100
    ) {
      od.maxEjectionPercent = phc.maxEjectionPercent;
      r.consume([...pat, 'maxEjectionPercent']);
    }
    if (Object.keys(od).length) out.outlierDetection = od;
  }
  const limits = o.limits;
  if (isRecord(limits)) {
    const pool: ConnectionPool = {};
    const lat = [...at, 'limits'];
    if (typeof limits.maxConnections === 'number' && limits.maxConnections >= 1) {
      pool.maxConnections = limits.maxConnections;
      r.consume([...lat, 'maxConnections']);
    }
    if (typeof limits.maxPendingRequests === 'number' && limits.maxPendingRequests >= 1) {
      pool.maxPendingRequests = limits.maxPendingRequests;
      r.consume([...lat, 'maxPendingRequests']);
    }
    if (Object.keys(pool).length) out.connectionPool = pool;
  }
  return out;
}
