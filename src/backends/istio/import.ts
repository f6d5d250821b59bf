import type { SourcedObject } from '../../core/import-types.ts';
import { jsonEqual } from '../../core/json.ts';
import { apiGroupOf } from '../../core/k8s.ts';
import type { DataPath } from '../../core/location.ts';
import type { Port } from '../../model/types.ts';
import type {
  AccessRule,
  Backend as SpecBackend,
  HeaderOps,
  Resilience,
  RetryCondition,
  Route,
  RouteMatch,
  StringMatch,
} from '../../spec/types.gen.ts';
import { literalHeaderValues } from '../shared/envoy-values.ts';
import type { FieldReader, ImportContext, MeshImporter, ServiceDraft } from '../importer.ts';
import { escapeRegex } from '../shared/gamma.ts';
import {
  isGatewayApiObject,
  isGatewayApiRoute,
  isReferenceGrant,
  noDefaultRoute,
  readGammaRoutes,
  readGateways,
  specPorts,
} from '../shared/gamma-import.ts';
import {
  RETRY_CONDITIONS,
  addAccess,
  asArray,
  callerOf,
  entriesInOrder,
  ingressNamespace,
  isAccessPath,
  isDnsLabel,
  isMethod,
  isRecord,
  noService,
  percent,
  serviceOfSelector,
  sortedRecord,
  carriedDuration,
  stringRecord,
  NOT_ACCESS_PATH,
} from '../shared/import-values.ts';
import { ISTIO_SYSTEM, MIN_VERSION } from './constants.ts';
import { destination, httpPorts } from './virtual-service.ts';
// Gateway API precedence (most specific match first), as Istio also applies it to HTTPRoutes.
import { mayOverlap, wins } from '../shared/route-precedence.ts';

/**
 * `meshc import` for Istio: the inverse of the Istio backend (see its README for the forward mapping).
 * VirtualService → `routes` (delegates inlined), DestinationRule → `versions` + `resilience`,
 * PeerAuthentication → `mtls` (mesh-wide → the Environment), AuthorizationPolicy (ALLOW) → `access`, Gateway
 * API HTTPRoutes on a Service (GAMMA) → `routes`. What the spec cannot say is reported at the field.
 */

const ISTIO_GROUPS = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'];

/** Istio's retry policy of a route without `retries` (istio/api HTTPRetry; mesh-mapping §9), as spec conditions. */
const ISTIO_DEFAULT_RETRIES = {
  attempts: 2,
  on: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'] as RetryCondition[],
};

export const istioImporter: MeshImporter = {
  annotationDomains: ['istio.io'],
  injectionDefaults: { 'sidecar.istio.io/inject': 'true' },
  detect(objects) {
    const evidence = [
      ...new Set(
        objects
          .filter((o) => ISTIO_GROUPS.includes(apiGroupOf(o.object)))
          .map((o) => `${o.object.apiVersion} ${o.object.kind}`),
      ),
    ].sort();
    // Every Istio version meshc supports (1.22+) serves the v1, v1beta1 and v1alpha3 APIs these objects use.
    return evidence.length ? { evidence, version: MIN_VERSION } : { evidence };
  },
  claims(o, detected) {
    if (ISTIO_GROUPS.includes(apiGroupOf(o))) return true;
    return detected && (isGatewayApiObject(o) || isReferenceGrant(o));
  },
  read(objects, ctx) {
    const of = (kind: string) =>
      objects.filter((o) => o.object.kind === kind && apiGroupOf(o.object).endsWith('istio.io'));
    readGateways(
      objects.filter((o) => isGatewayApiObject(o.object) && !isGatewayApiRoute(o.object)),
      ctx,
    );
    // Checks that need every object read first: the mTLS modes PeerAuthentications set (client TLS), the ports
    // of services that only routes name (destination ports).
    const checks: (() => void)[] = [];
    const later: Later = (check) => checks.push(check);
    readIstioGateways(of('Gateway'), ctx);
    readDestinationRules(of('DestinationRule'), ctx, later);
    readVirtualServices(of('VirtualService'), ctx, later);
    readGammaRoutes(
      objects.filter((o) => isGatewayApiRoute(o.object) || isReferenceGrant(o.object)),
      ctx,
      {
        mesh: 'Istio',
        annotations: () => ({}),
        wins,
        mayOverlap,
        // The imported routes render as a VirtualService: its Destination's port.
        renderedBackendPort: {
          rendered: renderedPort,
          rule: 'the port they came in on when {target} has it, else its first HTTP port',
        },
      },
    );
    readPeerAuthentications(of('PeerAuthentication'), ctx);
    readAuthorizationPolicies(of('AuthorizationPolicy'), ctx);
    for (const check of checks) check();
    for (const o of objects) {
      const known = [
        'DestinationRule',
        'VirtualService',
        'PeerAuthentication',
        'AuthorizationPolicy',
        'Gateway',
      ];
      if (
        (known.includes(o.object.kind) && apiGroupOf(o.object).endsWith('istio.io')) ||
        isGatewayApiObject(o.object) ||
        isReferenceGrant(o.object)
      )
        continue;
      ctx
        .reader(o)
        .report(
          'IMPORT_UNKNOWN_KIND',
          [],
          `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.name} is not carried: meshc's Istio import reads VirtualService, DestinationRule, PeerAuthentication, AuthorizationPolicy and Gateway API routes.`,
          'Keep the object as your own manifest beside the rendered output, or express it with an Environment `patches` entry.',
        );
    }
  },
};

/** Queues a check to run once every object is read. */
type Later = (check: () => void) => void;

// --- hosts -----------------------------------------------------------------------------------------------------

/** The Service a host names (Istio resolves short names in the object's namespace), or undefined. */
function hostService(
  ctx: ImportContext,
  host: unknown,
  namespace: string,
): { namespace: string; name: string } | undefined {
  if (typeof host !== 'string') return undefined;
  const found = ctx.workloads.host(host, namespace);
  if (!found) return undefined;
  // `name.namespace` is a literal host for Istio, a Service only when the input has that Service.
  if (host.split('.').length === 2 && !ctx.workloads.service(found.namespace, found.name)) return undefined;
  return found;
}

// --- DestinationRule -------------------------------------------------------------------------------------------

function readDestinationRules(objects: readonly SourcedObject[], ctx: ImportContext, later: Later): void {
  for (const o of objects) {
    const r = ctx.reader(o);
    const svc = hostService(ctx, r.get(['spec', 'host']), r.namespace);
    if (!svc) {
      r.notCarried(
        ['spec', 'host'],
        'the host is not a Kubernetes Service of the cluster (an external or wildcard host)',
      );
      r.report(
        'IMPORT_NOT_CARRIED',
        ['spec'],
        `${r.ref} is not carried: it applies to no Service the spec can describe.`,
      );
      continue;
    }
    r.consume(['spec', 'host']);
    const draft = ctx.service(svc.namespace, svc.name);
    if (draft.from.has('destinationRule')) {
      conflict(r, draft, 'destinationRule', `${svc.namespace}/${svc.name}`);
      continue;
    }
    draft.from.set('destinationRule', o);
    const tp = r.get(['spec', 'trafficPolicy']);
    const resilience = isRecord(tp) ? readTrafficPolicy(r, ['spec', 'trafficPolicy']) : {};
    const tls = (at: DataPath, where: string) => {
      if (r.get(at) !== undefined) later(() => readClientTls(r, at, ctx, svc, where));
    };
    asArray(r.get(['spec', 'subsets'])).forEach((s, i) => {
      const at = ['spec', 'subsets', i];
      const name = isRecord(s) ? s.name : undefined;
      const labels = isRecord(s) ? stringRecord(s.labels) : undefined;
      if (!isDnsLabel(name) || !labels || !Object.keys(labels).length) {
        r.notCarried(at, 'a version needs a DNS-1123 name and at least one label');
        return;
      }
      r.consume([...at, 'name']);
      r.consume([...at, 'labels']);
      draft.spec.versions = { ...draft.spec.versions, [name]: { labels } };
      const policy = isRecord(s) ? s.trafficPolicy : undefined;
      const p = [...at, 'trafficPolicy'];
      if (policy === undefined) return;
      if (!isRecord(policy)) {
        r.notCarried(p, 'it is not a mapping');
        return;
      }
      // A version's own client TLS may be what meshc renders; the rest of its policy has no spec form.
      for (const k of Object.keys(policy)) {
        if (k === 'tls') tls([...p, k], ` to version ${name} of ${svc.name}`);
        else if (k === 'portLevelSettings')
          readPortLevelSettings(r, [...p, k], resilience, tls, `version ${name} of ${svc.name}`);
        else r.notCarried([...p, k], "meshc's resilience applies to the whole service, not to one version");
      }
    });
    if (Object.keys(resilience).length) draft.spec.resilience = resilience;
    tls(['spec', 'trafficPolicy', 'tls'], ` to ${svc.name}`);
    readPortLevelSettings(r, ['spec', 'trafficPolicy', 'portLevelSettings'], resilience, tls, svc.name);
  }
}

/** The traffic policy fields the spec's `resilience` carries (the same names in both). */
const RESILIENCE_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer'] as const;

/**
 * `portLevelSettings` (of the service, or of a version): the spec's resilience is one for every port, so a port's
 * own settings are not carried, and its client TLS is judged like the service's. Istio's port-level settings do
 * not inherit: a field the entry leaves out is Istio's default on that port, not the service-wide value.
 */
function readPortLevelSettings(
  r: FieldReader,
  at: DataPath,
  resilience: Resilience,
  tls: (at: DataPath, where: string) => void,
  of: string,
): void {
  asArray(r.get(at)).forEach((e, i) => {
    const p = [...at, i];
    if (!isRecord(e)) {
      r.notCarried(p, 'it is not a mapping');
      return;
    }
    const port = isRecord(e.port) && typeof e.port.number === 'number' ? `port ${e.port.number}` : 'a port';
    for (const k of Object.keys(e)) {
      if (k === 'port') continue;
      if (k === 'tls') tls([...p, k], ` to ${port} of ${of}`);
      else
        r.notCarried(
          [...p, k],
          `meshc's resilience applies to every port of a service alike, not to ${port} alone`,
        );
    }
    const reset = RESILIENCE_FIELDS.filter((k) => resilience[k] !== undefined && e[k] === undefined);
    if (reset.length)
      r.approximated(
        [...p, 'port'],
        `Istio applied Istio's defaults, not the service-wide ${reset.join(', ')}, to ${port} of ${of} (port-level settings do not inherit); meshc's resilience applies to every port`,
      );
    else r.consume([...p, 'port']);
  });
}

/** What a `tls.mode` of a DestinationRule made the client do (istio/api ClientTLSSettings.TLSmode). */
const CLIENT_TLS: Readonly<Record<string, string>> = {
  DISABLE: 'sent plaintext',
  ISTIO_MUTUAL: "sent Istio's mTLS",
  SIMPLE: 'originated TLS (SIMPLE)',
  MUTUAL: 'originated mutual TLS with its own certificates (MUTUAL)',
};

/**
 * A client TLS setting (`tls` of a traffic policy), run once the mTLS modes are read. meshc's DestinationRules
 * set no `tls`, so Istio's auto mTLS decides (istio pilot `buildAutoMtlsSettings`): Istio's mTLS (ISTIO_MUTUAL)
 * to the sidecars of a service whose mTLS is strict or permissive, plaintext (DISABLE) to one whose mTLS is off.
 * That mode is what the render gives anyway and is read silently; any other is not carried. (Auto mTLS also
 * sends plaintext to pods without a sidecar, where an explicit ISTIO_MUTUAL fails: the spec's services are
 * meshed.)
 */
function readClientTls(
  r: FieldReader,
  at: DataPath,
  ctx: ImportContext,
  svc: { namespace: string; name: string },
  where: string,
): void {
  const tls = r.get(at);
  if (!isRecord(tls)) {
    r.notCarried(at, 'it is not a mapping');
    return;
  }
  const mtls = ctx.service(svc.namespace, svc.name).spec.mtls ?? ctx.environment.mtls ?? 'permissive';
  const auto = mtls === 'off' ? 'DISABLE' : 'ISTIO_MUTUAL';
  // `mode` left out is DISABLE (the enum's zero value).
  const mode = tls.mode ?? 'DISABLE';
  if (mode === auto) {
    // Istio ignores the other fields under DISABLE; under ISTIO_MUTUAL, `sni` and `subjectAltNames` replace the
    // ones auto mTLS chooses.
    if (mode === 'DISABLE') r.consume(at);
    else
      for (const k of Object.keys(tls)) {
        if (k === 'mode') r.consume([...at, k]);
        else
          r.notCarried(
            [...at, k],
            "meshc's render sets no client TLS, and Istio's auto mTLS chooses the SNI and the identities it verifies",
          );
      }
    return;
  }
  const did = typeof mode === 'string' ? CLIENT_TLS[mode] : undefined;
  if (!did) {
    r.notCarried(at, `the mode ${String(mode)} is not one Istio knows`);
    return;
  }
  r.notCarried(
    at,
    `the spec has no client TLS setting; this DestinationRule ${did}${where}, and meshc's render leaves TLS to Istio's auto mTLS, which sends ${mtls === 'off' ? `plaintext, as the mTLS of ${svc.name} is off` : "Istio's mTLS to its sidecars"}`,
    mode === 'DISABLE'
      ? "Set the environment's mTLS to off if the mesh runs without mTLS, or keep this setting with an Environment `patches` entry."
      : undefined,
  );
}

function readTrafficPolicy(r: FieldReader, at: DataPath): Resilience {
  const out: Resilience = {};
  const od = r.get([...at, 'outlierDetection']);
  if (isRecord(od)) {
    const o: NonNullable<Resilience['outlierDetection']> = {};
    const p = [...at, 'outlierDetection'];
    if (typeof od.consecutive5xxErrors === 'number' && od.consecutive5xxErrors >= 1) {
      o.consecutiveErrors = od.consecutive5xxErrors;
      r.consume([...p, 'consecutive5xxErrors']);
    } else if (typeof od.consecutiveErrors === 'number' && od.consecutiveErrors >= 1) {
      o.consecutiveErrors = od.consecutiveErrors;
      r.approximated(
        [...p, 'consecutiveErrors'],
        'the deprecated `consecutiveErrors` (gateway errors) becomes consecutive 5xx errors',
      );
    }
    for (const k of ['interval', 'baseEjectionTime'] as const) {
      const d = carriedDuration(r, [...p, k], od[k]);
      if (d !== undefined) {
        o[k] = d;
        r.consume([...p, k]);
      }
    }
    if (percent(od.maxEjectionPercent) !== undefined) {
      o.maxEjectionPercent = od.maxEjectionPercent as number;
      r.consume([...p, 'maxEjectionPercent']);
    }
    if (Object.keys(o).length) out.outlierDetection = o;
  }
  const pool = r.get([...at, 'connectionPool']);
  if (isRecord(pool)) {
    const c: NonNullable<Resilience['connectionPool']> = {};
    const p = [...at, 'connectionPool'];
    const tcp = isRecord(pool.tcp) ? pool.tcp : {};
    const http = isRecord(pool.http) ? pool.http : {};
    if (typeof tcp.maxConnections === 'number' && tcp.maxConnections >= 1) {
      c.maxConnections = tcp.maxConnections;
      r.consume([...p, 'tcp', 'maxConnections']);
    }
    if (typeof http.http1MaxPendingRequests === 'number' && http.http1MaxPendingRequests >= 1) {
      c.maxPendingRequests = http.http1MaxPendingRequests;
      r.consume([...p, 'http', 'http1MaxPendingRequests']);
    }
    if (typeof http.maxRequestsPerConnection === 'number' && http.maxRequestsPerConnection >= 0) {
      c.maxRequestsPerConnection = http.maxRequestsPerConnection;
      r.consume([...p, 'http', 'maxRequestsPerConnection']);
    }
    if (Object.keys(c).length) out.connectionPool = c;
  }
  const lb = r.get([...at, 'loadBalancer']);
  if (isRecord(lb)) {
    const p = [...at, 'loadBalancer'];
    const simple: Record<string, 'round-robin' | 'least-request' | 'random'> = {
      ROUND_ROBIN: 'round-robin',
      LEAST_REQUEST: 'least-request',
      LEAST_CONN: 'least-request',
      RANDOM: 'random',
    };
    if (typeof lb.simple === 'string' && simple[lb.simple]) {
      out.loadBalancer = simple[lb.simple]!;
      r.consume([...p, 'simple']);
    } else if (isRecord(lb.consistentHash) && typeof lb.consistentHash.httpHeaderName === 'string') {
      const header = lb.consistentHash.httpHeaderName;
      out.loadBalancer = { consistentHash: { header: header.toLowerCase() } };
      r.consume([...p, 'consistentHash', 'httpHeaderName']);
    }
  }
  // `tls` and `portLevelSettings`: readClientTls and readPortLevelSettings.
  return out;
}

/**
 * A second object for what another one configures already: the same spec is a harmless duplicate (read
 * silently), another spec a conflict Istio resolves by an order meshc cannot see. True when it was reported.
 */
function conflict(r: FieldReader, draft: ServiceDraft, what: string, id: string): void {
  const first = draft.from.get(what)!;
  if (jsonEqual(first.object.spec, r.object.spec)) {
    r.consume([]);
    return;
  }
  r.report(
    'IMPORT_CONFLICT',
    [],
    `${r.ref} is not carried: ${first.object.kind} ${first.object.metadata.name} (${first.origin}) configures ${id} already, and Istio applies only one of them.`,
    'Merge the two objects by hand in the imported spec.',
  );
}

// --- VirtualService --------------------------------------------------------------------------------------------

interface HttpEntry {
  readonly route: Route;
  /** The `match[].port` every match entry carries (multi-port services), if any. */
  readonly port?: number;
  /** The destinations (and mirror) of the route, whose ports checkPorts compares with meshc's. */
  readonly destinations: readonly PortUse[];
}

/** A Destination of a carried route: the Service it names and the port it picks (`port.number`), if any. */
interface PortUse {
  readonly r: FieldReader;
  /** The Destination (its port is at `port.number` below it). */
  readonly at: DataPath;
  readonly target: { readonly namespace: string; readonly name: string };
  readonly port?: number;
}

function readVirtualServices(objects: readonly SourcedObject[], ctx: ImportContext, later: Later): void {
  // Delegate VirtualServices are read through the root that delegates to them.
  const delegates = new Map<string, SourcedObject>();
  for (const o of objects) {
    const hosts = asArray((o.object.spec as { hosts?: unknown } | undefined)?.hosts);
    if (hosts.length === 0)
      delegates.set(`${o.object.metadata.namespace ?? 'default'}/${o.object.metadata.name}`, o);
  }
  const usedDelegates = new Set<string>();
  for (const o of objects) {
    const r = ctx.reader(o);
    const hosts = asArray(r.get(['spec', 'hosts']));
    if (hosts.length === 0) continue;
    const gateways = asArray(r.get(['spec', 'gateways']));
    if (gateways.length && !gateways.includes('mesh')) {
      readIngressVirtualService(r, ctx, later);
      continue;
    }
    if (gateways.length) {
      r.consume(['spec', 'gateways']);
      gateways.forEach((g, i) => {
        if (g !== 'mesh')
          r.notCarried(
            ['spec', 'gateways', i],
            'a VirtualService bound to the mesh and a gateway at once has no spec form; only its mesh routing is carried',
          );
      });
    }
    const services: { namespace: string; name: string }[] = [];
    hosts.forEach((h, i) => {
      const svc = hostService(ctx, h, r.namespace);
      if (svc) {
        services.push(svc);
        r.consume(['spec', 'hosts', i]);
      } else
        r.notCarried(
          ['spec', 'hosts', i],
          `${String(h)} is not a Kubernetes Service of the cluster (an external, wildcard or regex host); meshc routes requests to its own Services only`,
        );
    });
    if (!services.length) {
      r.report(
        'IMPORT_NOT_CARRIED',
        ['spec'],
        `${r.ref} is not carried: none of its hosts is a Service the spec can describe.`,
      );
      continue;
    }
    const entries: HttpEntry[] = [];
    asArray(r.get(['spec', 'http'])).forEach((h, i) => {
      entries.push(...readHttpEntry(r, ['spec', 'http', i], h, services[0]!, ctx, delegates, usedDelegates));
    });
    // A service with TCP ports only: its first TCP route is the catch-all route (the render's only use of it).
    const tcpOnly = entries.length ? undefined : tcpCatchAll(r, services, ctx);
    if (tcpOnly) entries.push(tcpOnly);
    // `tcp` is judged even when absent: the render adds TCP routes where the catch-all HTTP route has weights.
    later(() => readTcp(r, services, entries, ctx));
    asArray(r.get(['spec', 'tls'])).forEach((_, i) =>
      r.notCarried(
        ['spec', 'tls', i],
        "meshc's render has no TLS routes (`tls`); it routes TCP like the catch-all HTTP route",
      ),
    );
    const owners: { namespace: string; name: string }[] = [];
    for (const svc of services) {
      const draft = ctx.service(svc.namespace, svc.name);
      if (draft.from.has('routes')) {
        conflict(r, draft, 'routes', `${svc.namespace}/${svc.name}`);
        continue;
      }
      draft.from.set('routes', o);
      const routes = perPortRoutes(r, entries, svc, ctx);
      if (routes.length) draft.spec.routes = withoutImplicitDefault(routes, svc);
      if (routes.length && routes === draft.spec.routes) noDefaultRoute(r, ['spec', 'http'], routes, 'Istio');
      if (routes.length) owners.push(svc);
    }
    if (owners.length) later(() => checkPorts(ctx, owners, entries));
  }
  for (const [key, o] of delegates) {
    if (usedDelegates.has(key)) continue;
    ctx
      .reader(o)
      .report(
        'IMPORT_NOT_CARRIED',
        [],
        `${ctx.reader(o).ref} is not carried: it has no hosts and no VirtualService of the input delegates to it.`,
      );
  }
}

/** A weighted destination of a route, by the Service and version it sends to, to compare TCP and HTTP routing. */
interface Weighted {
  readonly namespace: string;
  readonly name: string;
  readonly version?: string;
  readonly weight: number;
}

/**
 * `tcp[]`, run once every object is read (it needs the ports of the services). meshc's render gives each TCP port
 * of the service one entry (`match: [{port}]` when the service has several ports) that sends like the catch-all
 * HTTP route (the first without `match`): its services, versions and weights, to the port `destination()` picks;
 * without a catch-all, or with one to the service itself, no entry (Istio sends to every pod of the service, on
 * the port the connection came in on). An entry that sends elsewhere is not carried; one that sends the same is,
 * and its match conditions other than a TCP port of the service, and the destination ports Istio resolves to
 * another port than the render's, are reported at their node. TCP ports no entry names, which the render routes
 * like the catch-all while Istio sent their connections to the service, are reported too.
 */
function readTcp(
  r: FieldReader,
  hosts: readonly { namespace: string; name: string }[],
  entries: readonly HttpEntry[],
  ctx: ImportContext,
): void {
  // The object was not carried (a second VirtualService for a host), which is reported already.
  if (r.isUsed([])) return;
  const self = hosts[0]!;
  const catchAll = entries.find((e) => !e.route.match);
  const expected: Weighted[] = catchAll
    ? routeWeights(catchAll.route, self)
    : [{ namespace: self.namespace, name: self.name, weight: 100 }];
  const toSelf =
    expected.length === 1 &&
    expected[0]!.namespace === self.namespace &&
    expected[0]!.name === self.name &&
    expected[0]!.version === undefined;
  const key = (w: Weighted) => `${w.namespace}/${w.name}:${w.version ?? ''}=${w.weight}`;
  const summary = toSelf
    ? `to every pod of ${self.name} (no TCP route)`
    : expected
        .map((w) => `${w.weight}% to ${w.version !== undefined ? `version ${w.version} of ` : ''}${w.name}`)
        .join(', ');
  const tcpPorts = [
    ...new Set(
      hosts.flatMap((h) =>
        specPorts(ctx, h)
          .filter((p) => p.protocol === 'tcp')
          .map((p) => p.port),
      ),
    ),
  ];
  const ports = (ns: readonly number[]) => `port${ns.length > 1 ? 's' : ''} ${ns.join(', ')}`;
  const list = asArray(r.get(['spec', 'tcp']));
  const covered = new Set<number>();
  list.forEach((t, i) => {
    const at = ['spec', 'tcp', i];
    if (!isRecord(t)) {
      r.notCarried(at, 'it is not a mapping');
      return;
    }
    // The TCP ports the entry applies to: a match entry's port, or every TCP port of the service.
    const listens = new Set<number>();
    const matches = asArray(t.match);
    if (!matches.length) for (const p of tcpPorts) listens.add(p);
    for (const m of matches) {
      const port = isRecord(m) ? m.port : undefined;
      if (port === undefined) for (const p of tcpPorts) listens.add(p);
      else if (typeof port === 'number' && tcpPorts.includes(port)) listens.add(port);
    }
    for (const p of listens) covered.add(p);
    const dests = asArray(t.route);
    const sent: (Weighted & { readonly dest: Record<string, unknown> })[] = [];
    for (const d of dests) {
      const dest = isRecord(d) && isRecord(d.destination) ? d.destination : undefined;
      const svc = dest ? hostService(ctx, dest.host, r.namespace) : undefined;
      const given = isRecord(d) ? d.weight : undefined;
      if (
        !dest ||
        !svc ||
        (dest.subset !== undefined && typeof dest.subset !== 'string') ||
        (given !== undefined && typeof given !== 'number')
      )
        break;
      // A single destination without a weight takes every connection; among several, a missing weight is 0.
      const weight = typeof given === 'number' ? given : dests.length === 1 ? 100 : 0;
      sent.push({
        ...svc,
        ...(typeof dest.subset === 'string' ? { version: dest.subset } : {}),
        weight,
        dest,
      });
    }
    const same = sent.length === dests.length && jsonEqual(sent.map(key).sort(), expected.map(key).sort());
    if (!same) {
      r.notCarried(
        at,
        `meshc's render routes the TCP connections of ${self.name} like its catch-all HTTP route only, here ${summary}`,
      );
      return;
    }
    if (!listens.size) {
      r.notCarried(
        at,
        `${self.name} has no TCP port ${matches.length ? 'it matches ' : ''}in the imported spec, and meshc's render gives TCP routes to TCP ports only`,
      );
      return;
    }
    // What the render holds of the entry: its destinations and weights (the catch-all's) and its TCP ports.
    sent.forEach((_, j) => {
      const p = [...at, 'route', j];
      for (const f of ['host', 'subset']) r.consume([...p, 'destination', f]);
      r.consume([...p, 'weight']);
    });
    matches.forEach((m, j) => {
      const p = [...at, 'match', j];
      if (!isRecord(m)) {
        r.notCarried(p, 'it is not a mapping');
        return;
      }
      const on = typeof m.port === 'number' ? [m.port] : tcpPorts;
      for (const [k, v] of entriesInOrder(m, ['port'])) {
        if (k === 'port') {
          if (typeof v === 'number' && tcpPorts.includes(v)) r.consume([...p, k]);
          else
            r.notCarried(
              [...p, k],
              `${String(v)} is not a TCP port of ${self.name} in the imported spec, and meshc's render gives TCP routes to TCP ports only`,
            );
        } else if (k === 'gateways' && asArray(v).length && asArray(v).every((g) => g === 'mesh'))
          r.consume([...p, k]);
        else
          r.notCarried(
            [...p, k],
            `the spec's TCP routing has no \`${k}\` condition: meshc's render sends every connection on ${ports(on)} of ${self.name} this way`,
          );
      }
    });
    // The destination ports: Istio sends to the Destination's port; without one, to the target's only port, or to
    // the port the connection came in on (istio pilot GetDestinationCluster). meshc's render: `destination()`.
    sent.forEach((w, j) => {
      const p = [...at, 'route', j, 'destination'];
      const named =
        isRecord(w.dest.port) && typeof w.dest.port.number === 'number' ? w.dest.port.number : undefined;
      const targetPorts = specPorts(ctx, w);
      const istio = new Set<number>();
      const meshc = new Set<number>();
      for (const listen of listens) {
        const by = named ?? (targetPorts.length === 1 ? targetPorts[0]!.port : listen);
        const rendered = renderedPort(w, targetPorts, listen);
        if (rendered === undefined || by === rendered) continue;
        istio.add(by);
        meshc.add(rendered);
      }
      if (!istio.size) {
        if (named !== undefined) r.consume([...p, 'port']);
        return;
      }
      const missing = [...istio].filter((n) => !targetPorts.some((q) => q.port === n));
      r.approximated(
        named !== undefined ? [...p, 'port'] : p,
        `Istio sends these TCP connections to ${ports([...istio])} of ${w.name}${missing.length ? ` (${w.name} has no ${ports(missing)}: they fail)` : ''}, and the spec's backends name no port: meshc's render sends them to ${ports([...meshc])} (the port they came in on when ${w.name} has it, else its first HTTP port)`,
        `Keep this routing with an Environment \`patches\` entry if the port matters.`,
      );
    });
  });
  // TCP ports no entry takes: Istio sent their connections to the service itself; the render routes them too.
  const open = tcpPorts.filter((p) => !covered.has(p));
  if (!open.length || toSelf) return;
  // At `tcp`, else at the catch-all's route (its Destination's `route`), whose weights the render gives them.
  const first = catchAll?.destinations[0];
  const [reader, where]: [FieldReader, DataPath] = list.length
    ? [r, ['spec', 'tcp']]
    : first
      ? [first.r, first.at.slice(0, -2)]
      : [r, ['spec', 'http']];
  reader.approximated(
    where,
    `no TCP route of ${r.ref} takes the connections on ${ports(open)} of ${self.name}, so Istio sent them to every pod of ${self.name}; meshc's render routes them like its catch-all HTTP route: ${summary}`,
    'Keep the old TCP routing with an Environment `patches` entry if it matters, or accept the difference.',
  );
}

/**
 * The catch-all route of a VirtualService without `http` whose services have TCP ports only, read from its first
 * `tcp[]` entry: meshc renders such a service's catch-all route as its TCP routes alone (and nothing else of its
 * routes). Undefined when a service has an HTTP port (the render would route its HTTP requests too) or the entry
 * has no spec form (readTcp reports it).
 */
function tcpCatchAll(
  r: FieldReader,
  hosts: readonly { namespace: string; name: string }[],
  ctx: ImportContext,
): HttpEntry | undefined {
  const first = asArray(r.get(['spec', 'tcp']))[0];
  const tcpOnly = hosts.every((h) => {
    const ports = ctx.workloads.service(h.namespace, h.name)?.ports ?? [];
    return ports.length > 0 && ports.every((p) => p.protocol === 'tcp');
  });
  if (!isRecord(first) || !tcpOnly) return undefined;
  // The destinations' ports are judged by readTcp, as TCP connections.
  const dest = readDestinations(r, ['spec', 'tcp', 0, 'route'], first.route, hosts[0]!, ctx, []);
  return dest ? { route: dest, destinations: [] } : undefined;
}

/** The services, versions and weights a spec route sends to (`self`: the service whose route it is). */
function routeWeights(route: Route, self: { namespace: string; name: string }): Weighted[] {
  if (typeof route.to === 'string') return [{ ...self, version: route.to, weight: 100 }];
  if (route.to) return Object.entries(route.to).map(([version, weight]) => ({ ...self, version, weight }));
  return (route.backends ?? []).map((b) => {
    const [namespace, name] = b.service.includes('/') ? b.service.split('/') : [self.namespace, b.service];
    return {
      namespace: namespace!,
      name: name!,
      ...(b.version !== undefined ? { version: b.version } : {}),
      weight: b.weight ?? 100,
    };
  });
}

/** meshc appends a route to the service itself after matched routes; an imported one that equals it is left out. */
function withoutImplicitDefault(routes: Route[], svc: { name: string }): Route[] {
  const last = routes[routes.length - 1];
  if (!last || routes.length < 2 || last.match || !routes[routes.length - 2]!.match) return routes;
  const toSelf =
    last.backends?.length === 1 &&
    last.backends[0]!.service === svc.name &&
    last.backends[0]!.version === undefined &&
    Object.keys(last).every((k) => k === 'backends' || (k === 'name' && last.name === 'default'));
  return toSelf ? routes.slice(0, -1) : routes;
}

/**
 * meshc repeats a multi-port service's routes once per HTTP port (`match[].port`, names suffixed with the port
 * name). When every port has the same routes, they are one list; otherwise the port conditions are dropped
 * (reported).
 */
function perPortRoutes(
  r: FieldReader,
  entries: readonly HttpEntry[],
  svc: { namespace: string; name: string },
  ctx: ImportContext,
): Route[] {
  const ports = [...new Set(entries.flatMap((e) => (e.port !== undefined ? [e.port] : [])))];
  if (!ports.length) return entries.map((e) => e.route);
  const known = ctx.workloads.service(svc.namespace, svc.name)?.ports ?? [];
  const strip = (route: Route, port: number): Route => {
    const name = known.find((p) => p.port === port)?.name;
    if (name && route.name?.endsWith(`-${name}`)) {
      const base = route.name.slice(0, -name.length - 1);
      return { ...route, ...(base ? { name: base } : {}) };
    }
    return route;
  };
  const lists = ports.map((p) =>
    entries
      .filter((e) => e.port === undefined || e.port === p)
      .map((e) => (e.port === p ? strip(e.route, p) : e.route)),
  );
  // Compared as data: the routes' header maps (`headers.request.set`, `match[].headers`) keep the order of the file.
  const same = lists.every((l) => jsonEqual(l, lists[0]));
  if (same && ports.length === known.filter((p) => p.protocol !== 'tcp').length) return lists[0]!;
  r.approximated(
    ['spec', 'http'],
    'its routes differ per port (`match[].port`); meshc routes every port of a service alike, so the port conditions were dropped and the routes of all ports kept in order',
  );
  return entries.map((e) => e.route);
}

/** The port meshc's Istio render sends to (virtual-service.ts `destination`), for a request that came in on `listen`. */
function renderedPort(
  target: { namespace: string; name: string },
  ports: readonly Port[],
  listen: number | undefined,
): number | undefined {
  const id = `${target.namespace}/${target.name}`;
  const d = destination(
    { serviceId: id, namespace: target.namespace, service: target.name },
    new Map([[id, { id, ports }]]),
    listen,
  );
  // No port rendered: the target has one, which Istio picks.
  return isRecord(d.port) && typeof d.port.number === 'number' ? d.port.number : ports[0]?.port;
}

/**
 * The spec's backends name no port: meshc's render picks it (the port the request came in on when the target
 * has it, else the target's first HTTP port). A Destination whose port Istio resolves otherwise (its
 * `port.number`; without one, the port the request came in on, or the only port of the target: istio pilot
 * `GetDestinationCluster`) is reported at that port. A route restricted to a port (`match[].port`) came in on
 * that port; any other on each HTTP port of the services the VirtualService routes.
 */
function checkPorts(
  ctx: ImportContext,
  owners: readonly { namespace: string; name: string }[],
  entries: readonly HttpEntry[],
): void {
  for (const e of entries) {
    const listens =
      e.port !== undefined
        ? [e.port]
        : [...new Set(owners.flatMap((o) => httpPorts({ ports: specPorts(ctx, o) }).map((p) => p.port)))];
    for (const use of e.destinations) {
      const ports = specPorts(ctx, use.target);
      const sent = new Set<number>();
      const rendered = new Set<number>();
      for (const listen of listens) {
        const istio = use.port ?? (ports.length === 1 ? ports[0]!.port : listen);
        const meshc = renderedPort(use.target, ports, listen);
        if (meshc === undefined || istio === meshc) continue;
        sent.add(istio);
        rendered.add(meshc);
      }
      if (sent.size)
        portReport(
          use,
          ports,
          [...sent],
          [...rendered],
          `the port they came in on when ${use.target.name} has it, else its first HTTP port`,
        );
    }
  }
}

/** A Destination that Istio resolved to another port than meshc's render does (`rule`: how the render picks it). */
function portReport(
  use: PortUse,
  ports: readonly Port[],
  sent: readonly number[],
  rendered: readonly number[],
  rule: string,
): void {
  const name = use.target.name;
  const missing = sent.filter((p) => !ports.some((q) => q.port === p));
  const list = (ns: readonly number[]) => `port${ns.length > 1 ? 's' : ''} ${ns.join(', ')}`;
  use.r.approximated(
    use.port !== undefined ? [...use.at, 'port'] : use.at,
    `Istio sends these requests to ${list(sent)} of ${name}${missing.length ? ` (${name} has no ${list(missing)}: Istio answers 503)` : ''}, and the spec's backends name no port: meshc's render sends them to ${list(rendered)} (${rule})`,
    `Make the port the first HTTP port of ${name} in the imported spec if every route to ${name} means it, or keep this routing with an Environment \`patches\` entry.`,
  );
}

function readHttpEntry(
  r: FieldReader,
  at: DataPath,
  h: unknown,
  self: { namespace: string; name: string },
  ctx: ImportContext,
  delegates: ReadonlyMap<string, SourcedObject>,
  usedDelegates: Set<string>,
): HttpEntry[] {
  if (!isRecord(h)) {
    r.notCarried(at, 'it is not a mapping');
    return [];
  }
  const matchResult = readMatches(r, [...at, 'match'], h.match);
  if (matchResult === 'none') {
    r.report(
      'IMPORT_NOT_CARRIED',
      at,
      `route ${describeRoute(at, h)} of ${r.ref} is not carried: none of its match entries has a spec form, so the requests it took now go to the routes after it.`,
      'Rewrite the match with path, header, query and method conditions the spec has, or accept the difference.',
    );
    return [];
  }
  if (isRecord(h.delegate)) return readDelegate(r, at, h, matchResult, self, ctx, delegates, usedDelegates);
  const route: Route = {};
  if (isDnsLabel(h.name)) {
    route.name = h.name;
    r.consume([...at, 'name']);
  } else if (h.name !== undefined)
    r.approximated(
      [...at, 'name'],
      'a route name must be a DNS-1123 label in the spec; it was left out (names only label statistics)',
    );
  if (matchResult.matches.length) route.match = matchResult.matches;
  const destinations: PortUse[] = [];
  const dest = readDestinations(r, [...at, 'route'], h.route, self, ctx, destinations);
  if (!dest) {
    r.report(
      'IMPORT_NOT_CARRIED',
      at,
      `route ${describeRoute(at, h)} of ${r.ref} is not carried: its destinations have no spec form (see the findings at them).`,
    );
    return [];
  }
  Object.assign(route, dest);
  readRoutePolicy(r, at, h, route, self, destinations);
  return [{ route, ...(matchResult.port !== undefined ? { port: matchResult.port } : {}), destinations }];
}

function describeRoute(at: DataPath, h: Record<string, unknown>): string {
  return typeof h.name === 'string' ? `"${h.name}"` : `#${String(at[at.length - 1])}`;
}

/** Timeout, retries, fault, mirror and header changes of one http entry (the mirror's port into `destinations`). */
function readRoutePolicy(
  r: FieldReader,
  at: DataPath,
  h: Record<string, unknown>,
  route: Route,
  self: { namespace: string; name: string },
  destinations: PortUse[],
): void {
  if (h.timeout !== undefined) {
    const d = carriedDuration(r, [...at, 'timeout'], h.timeout);
    if (d !== undefined && h.timeout !== '0s') {
      route.timeout = d;
      r.consume([...at, 'timeout']);
    } else if (h.timeout === '0s') r.consume([...at, 'timeout']);
  }
  const retries = h.retries;
  if (retries === undefined) {
    route.retries = { ...ISTIO_DEFAULT_RETRIES, on: [...ISTIO_DEFAULT_RETRIES.on] };
  } else if (isRecord(retries)) {
    const attempts = typeof retries.attempts === 'number' ? retries.attempts : undefined;
    r.consume([...at, 'retries', 'attempts']);
    if (attempts === undefined || attempts > 0) {
      const n = attempts ?? 2;
      if (n > 10)
        r.approximated(
          [...at, 'retries', 'attempts'],
          `the spec allows at most 10 retries, not ${n}; 10 were kept`,
        );
      const on: RetryCondition[] = [];
      if (typeof retries.retryOn === 'string') {
        r.consume([...at, 'retries', 'retryOn']);
        const dropped: string[] = [];
        for (const t of retries.retryOn
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if ((RETRY_CONDITIONS as readonly string[]).includes(t)) on.push(t as RetryCondition);
          else if (t !== 'retriable-status-codes') dropped.push(t);
        }
        if (dropped.length)
          r.notCarried(
            [...at, 'retries', 'retryOn'],
            `the retry conditions ${dropped.join(', ')} have no spec form (the spec names 5xx, gateway-error, connect-failure, reset, refused-stream, retriable-4xx and the gRPC statuses)`,
          );
      } else on.push(...ISTIO_DEFAULT_RETRIES.on);
      const perTry = carriedDuration(r, [...at, 'retries', 'perTryTimeout'], retries.perTryTimeout);
      if (perTry !== undefined) r.consume([...at, 'retries', 'perTryTimeout']);
      if (on.length)
        route.retries = {
          attempts: Math.min(n, 10),
          ...(perTry !== undefined ? { perTryTimeout: perTry } : {}),
          on,
        };
      else
        r.notCarried(
          [...at, 'retries'],
          'none of its retry conditions has a spec form, so the route does not retry',
        );
    } else {
      for (const k of Object.keys(retries)) r.consume([...at, 'retries', k]);
    }
  }
  const fault = h.fault;
  if (isRecord(fault)) {
    const f: NonNullable<Route['fault']> = {};
    const pct = (x: Record<string, unknown>, p: DataPath): number => {
      if (isRecord(x.percentage) && percent(x.percentage.value) !== undefined) {
        r.consume([...p, 'percentage']);
        return x.percentage.value as number;
      }
      if (percent(x.percent) !== undefined) {
        r.consume([...p, 'percent']);
        return x.percent as number;
      }
      r.approximated(
        p,
        'it has no percentage, which Istio reads as 0% of the requests (istio pilot translateFault); imported as `percent: 0`',
      );
      return 0;
    };
    if (
      isRecord(fault.delay) &&
      carriedDuration(r, [...at, 'fault', 'delay'], fault.delay.fixedDelay) !== undefined
    ) {
      const p = [...at, 'fault', 'delay'];
      r.consume([...p, 'fixedDelay']);
      f.delay = { duration: fault.delay.fixedDelay as string, percent: pct(fault.delay, p) };
    }
    if (
      isRecord(fault.abort) &&
      typeof fault.abort.httpStatus === 'number' &&
      fault.abort.httpStatus >= 200 &&
      fault.abort.httpStatus <= 599
    ) {
      const p = [...at, 'fault', 'abort'];
      r.consume([...p, 'httpStatus']);
      f.abort = { status: fault.abort.httpStatus, percent: pct(fault.abort, p) };
    }
    if (f.delay || f.abort) {
      route.fault = f;
      // Istio enables neither timeouts nor retries on a route with a fault (mesh-mapping §6).
      if (route.retries && h.retries === undefined) delete route.retries;
    }
  }
  if (h.mirror !== undefined) {
    const m = h.mirror;
    const svc = isRecord(m) ? (m.host === undefined ? undefined : m.host) : undefined;
    const target = isRecord(m) && typeof svc === 'string' ? svc : undefined;
    const sameService =
      target !== undefined &&
      (target === self.name ||
        target === `${self.name}.${self.namespace}.svc.cluster.local` ||
        target === `${self.name}.${self.namespace}.svc`);
    if (sameService && isRecord(m) && isDnsLabel(m.subset)) {
      r.consume([...at, 'mirror', 'host']);
      r.consume([...at, 'mirror', 'subset']);
      if (isRecord(m.port)) r.consume([...at, 'mirror', 'port']);
      destinations.push({ r, at: [...at, 'mirror'], target: self, ...portOf(m) });
      let p = 100;
      if (isRecord(h.mirrorPercentage) && percent(h.mirrorPercentage.value) !== undefined) {
        p = h.mirrorPercentage.value as number;
        r.consume([...at, 'mirrorPercentage']);
      }
      route.mirror = { to: m.subset, percent: p };
    } else r.notCarried([...at, 'mirror'], 'the spec mirrors to a version of the same service only');
  }
  if (isRecord(h.headers)) {
    const headers: NonNullable<Route['headers']> = {};
    for (const which of ['request', 'response'] as const) {
      const ops = h.headers[which];
      if (!isRecord(ops)) continue;
      const out: HeaderOps = {};
      const p = [...at, 'headers', which];
      const set = literalHeaderValues(r, [...p, 'set'], stringRecord(ops.set));
      const add = literalHeaderValues(r, [...p, 'add'], stringRecord(ops.add));
      // Sorted (header names have no order): the same maps give the same spec whatever the file's order.
      if (set && Object.keys(set).length) {
        out.set = sortedRecord(set);
        r.consume([...p, 'set']);
      }
      if (add && Object.keys(add).length) {
        out.add = sortedRecord(add);
        r.consume([...p, 'add']);
      }
      if (Array.isArray(ops.remove) && ops.remove.every((x) => typeof x === 'string') && ops.remove.length) {
        out.remove = ops.remove as string[];
        r.consume([...p, 'remove']);
      }
      if (Object.keys(out).length) headers[which] = out;
    }
    if (Object.keys(headers).length) route.headers = headers;
  }
}

/** The `port.number` of a Destination, if it has one. */
function portOf(dest: Record<string, unknown>): { port?: number } {
  return isRecord(dest.port) && typeof dest.port.number === 'number' ? { port: dest.port.number } : {};
}

/**
 * The destinations of an http entry as `to` (versions of the service itself) or `backends`; each Destination
 * (with its port) is added to `uses` for checkPorts.
 */
function readDestinations(
  r: FieldReader,
  at: DataPath,
  list: unknown,
  self: { namespace: string; name: string },
  ctx: ImportContext,
  uses: PortUse[],
): Pick<Route, 'to' | 'backends'> | undefined {
  const dests = asArray(list);
  if (!dests.length) return undefined;
  const backends: SpecBackend[] = [];
  for (let i = 0; i < dests.length; i++) {
    const d = dests[i];
    const p = [...at, i];
    const dest = isRecord(d) && isRecord(d.destination) ? d.destination : undefined;
    const svc = dest ? hostService(ctx, dest.host, r.namespace) : undefined;
    if (!dest || !svc) {
      r.notCarried(
        [...p, 'destination', 'host'],
        'the destination is not a Kubernetes Service of the cluster',
      );
      return undefined;
    }
    r.consume([...p, 'destination', 'host']);
    ctx.service(svc.namespace, svc.name, r.source);
    if (isRecord(dest.port)) {
      r.consume([...p, 'destination', 'port']);
      ctx.service(svc.namespace, svc.name).portsSeen ??= [];
      const seen = ctx.service(svc.namespace, svc.name).portsSeen!;
      if (typeof dest.port.number === 'number' && !seen.includes(dest.port.number))
        seen.push(dest.port.number);
    }
    uses.push({ r, at: [...p, 'destination'], target: svc, ...portOf(dest) });
    const weight =
      dests.length === 1
        ? 100
        : typeof (d as { weight?: unknown }).weight === 'number'
          ? (d as { weight: number }).weight
          : 0;
    r.consume([...p, 'weight']);
    const b: SpecBackend = {
      service: svc.namespace === self.namespace ? svc.name : `${svc.namespace}/${svc.name}`,
    };
    if (dest.subset !== undefined) {
      if (!isDnsLabel(dest.subset)) {
        r.notCarried([...p, 'destination', 'subset'], 'a version name must be a DNS-1123 label');
        return undefined;
      }
      b.version = dest.subset;
      r.consume([...p, 'destination', 'subset']);
      // The version must exist: a subset no DestinationRule defines gets a 503 from Istio.
      const versions = ctx.service(svc.namespace, svc.name).spec.versions ?? {};
      if (!versions[dest.subset]) {
        r.notCarried(
          [...p, 'destination', 'subset'],
          `no DestinationRule of the input defines the subset ${dest.subset} of ${svc.name} (Istio answers 503 for it)`,
          'Import the DestinationRule of that host too.',
        );
        return undefined;
      }
    }
    b.weight = weight;
    backends.push(b);
  }
  const total = backends.reduce((a, b) => a + (b.weight ?? 0), 0);
  if (total !== 100) {
    r.notCarried(at, `the weights sum to ${total}; the spec's weights sum to 100`);
    return undefined;
  }
  const own = backends.every((b) => b.service === self.name && b.version !== undefined);
  if (own) {
    if (backends.length === 1) return { to: backends[0]!.version! };
    const to: Record<string, number> = {};
    for (const b of backends) {
      if (to[b.version!] !== undefined) return { backends };
      to[b.version!] = b.weight!;
    }
    return { to };
  }
  if (backends.length === 1) delete backends[0]!.weight;
  return { backends };
}

interface Matches {
  readonly matches: RouteMatch[];
  readonly port?: number;
}

/**
 * `http[].match` as spec match entries. An entry with a condition the spec lacks (a header-present match, a
 * `withoutHeaders`, a source label) is dropped with its reason: the route then takes fewer requests, never
 * more. `none` when entries existed and none could be carried. meshc's segment-wise prefix (`exact: P` +
 * `prefix: P/`) is read back as one prefix.
 */
function readMatches(r: FieldReader, at: DataPath, list: unknown): Matches | 'none' {
  const entries = asArray(list);
  if (!entries.length) return { matches: [] };
  const out: { match: RouteMatch; index: number }[] = [];
  const ports = new Set<number | undefined>();
  entries.forEach((m, i) => {
    const p = [...at, i];
    const read = readMatch(r, p, m);
    if (read) {
      out.push({ match: read.match, index: i });
      ports.add(read.port);
    }
  });
  if (!out.length) return 'none';
  const port = ports.size === 1 ? [...ports][0] : undefined;
  if (ports.size > 1)
    r.approximated(at, 'its match entries name different ports; the port conditions were dropped');
  // Segment-wise prefixes: `exact: P` and `prefix: P/` with the same other conditions are one prefix P.
  const merged: RouteMatch[] = [];
  const used = new Set<number>();
  for (let i = 0; i < out.length; i++) {
    if (used.has(i)) continue;
    const m = out[i]!.match;
    if (m.path?.exact !== undefined) {
      const rest = { ...m, path: undefined };
      const j = out.findIndex(
        (o, k) =>
          k > i &&
          !used.has(k) &&
          o.match.path?.regex === `${escapeRegex(m.path!.exact!)}/.*` &&
          jsonEqual({ ...o.match, path: undefined }, rest),
      );
      if (j >= 0) {
        used.add(j);
        merged.push({ ...m, path: { prefix: m.path.exact } });
        continue;
      }
    }
    merged.push(m);
  }
  // A catch-all entry makes the whole route match every request.
  if (merged.some((m) => Object.keys(m).length === 0))
    return { matches: [], ...(port !== undefined ? { port } : {}) };
  return { matches: merged, ...(port !== undefined ? { port } : {}) };
}

function readStringMatch(
  v: unknown,
  forms: readonly ('exact' | 'prefix' | 'regex')[],
): StringMatch | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0] as 'exact' | 'prefix' | 'regex';
  const value = v[k];
  if (!forms.includes(k) || typeof value !== 'string') return undefined;
  return { [k]: value };
}

/** The members of an Istio match entry in the order they are read (`entriesInOrder`). */
const MATCH_FIELDS = ['name', 'uri', 'headers', 'queryParams', 'method', 'port'];

function readMatch(
  r: FieldReader,
  at: DataPath,
  m: unknown,
): { match: RouteMatch; port?: number } | undefined {
  if (!isRecord(m)) {
    r.notCarried(at, 'it is not a mapping');
    return undefined;
  }
  const out: RouteMatch = {};
  let port: number | undefined;
  const drop = (field: string, why: string): undefined => {
    r.notCarried(
      [...at, field],
      `${why}; the whole match entry was left out, so the route takes fewer requests`,
    );
    for (const k of Object.keys(m)) r.consume([...at, k]);
    return undefined;
  };
  // In a fixed order (the file's carries no meaning): the first condition without a spec form is the one
  // reported, and the match is built alike whatever order the file has.
  for (const [k, v] of entriesInOrder(m, MATCH_FIELDS)) {
    switch (k) {
      case 'name':
        r.consume([...at, k]);
        break;
      case 'uri': {
        const s = readStringMatch(v, ['exact', 'prefix', 'regex']);
        if (!s) return drop(k, 'the uri match has no spec form');
        // Istio's prefix is a plain string prefix, the spec's is segment-wise: a string prefix is carried exactly as
        // a regex (Istio's and the spec's regexes both match the whole path); `/` is the same either way. meshc's own
        // segment-wise prefix (`exact: P` + `prefix: P/`) is recognised below and read back as a prefix.
        if (s.prefix === '/') out.path = { prefix: '/' };
        else if (s.prefix !== undefined) out.path = { regex: `${escapeRegex(s.prefix)}.*` };
        else out.path = s;
        r.consume([...at, k]);
        break;
      }
      case 'headers': {
        if (!isRecord(v)) return drop(k, 'the header match has no spec form');
        const headers: Record<string, StringMatch> = {};
        for (const [name, hv] of entriesInOrder(v, [])) {
          const s = readStringMatch(hv, ['exact', 'prefix', 'regex']);
          if (!s)
            return drop(
              k,
              `the match of header ${name} (${JSON.stringify(hv)}) has no spec form (a header-present or empty match)`,
            );
          headers[name.toLowerCase()] = s;
        }
        out.headers = headers;
        r.consume([...at, k]);
        break;
      }
      case 'queryParams': {
        if (!isRecord(v)) return drop(k, 'the query match has no spec form');
        const query: Record<string, { exact?: string; regex?: string }> = {};
        for (const [name, qv] of entriesInOrder(v, [])) {
          const s = readStringMatch(qv, ['exact', 'prefix', 'regex']);
          if (!s)
            return drop(
              k,
              `the match of query parameter ${name} has no spec form (a present-only or empty match)`,
            );
          query[name] =
            s.prefix !== undefined
              ? { regex: `${escapeRegex(s.prefix)}.*` }
              : (s as { exact?: string; regex?: string });
        }
        out.query = query;
        r.consume([...at, k]);
        break;
      }
      case 'method': {
        const s = readStringMatch(v, ['exact']);
        if (!s || !isMethod(s.exact))
          return drop(k, 'only an exact match of a standard HTTP method has a spec form');
        out.method = s.exact;
        r.consume([...at, k]);
        break;
      }
      case 'port':
        if (typeof v !== 'number') return drop(k, 'the port is not a number');
        port = v;
        r.consume([...at, k]);
        break;
      default:
        return drop(k, `\`${k}\` has no spec form`);
    }
  }
  return { match: out, ...(port !== undefined ? { port } : {}) };
}

/**
 * A root route delegating to another VirtualService: the delegate's routes, each with the root's match AND-ed
 * into its own (Istio's delegate semantics), in the delegate's order. Carried when every pair of conditions
 * combines (a field set on both sides does not).
 */
function readDelegate(
  r: FieldReader,
  at: DataPath,
  h: Record<string, unknown>,
  root: Matches,
  self: { namespace: string; name: string },
  ctx: ImportContext,
  delegates: ReadonlyMap<string, SourcedObject>,
  usedDelegates: Set<string>,
): HttpEntry[] {
  const ref = h.delegate as Record<string, unknown>;
  const key = `${typeof ref.namespace === 'string' ? ref.namespace : r.namespace}/${String(ref.name)}`;
  const child = delegates.get(key);
  if (!child) {
    r.notCarried([...at, 'delegate'], `the delegate VirtualService ${key} is not in the input`);
    return [];
  }
  usedDelegates.add(key);
  r.consume([...at, 'delegate']);
  const cr = ctx.reader(child);
  cr.consume(['spec', 'hosts']);
  const out: HttpEntry[] = [];
  asArray(cr.get(['spec', 'http'])).forEach((ch, i) => {
    const p = ['spec', 'http', i];
    const entries = readHttpEntry(cr, p, ch, self, ctx, new Map(), new Set());
    for (const e of entries) {
      const childMatches = e.route.match ?? [{}];
      const rootMatches = root.matches.length ? root.matches : [{}];
      const combined: RouteMatch[] = [];
      let ok = true;
      for (const a of rootMatches)
        for (const b of childMatches) {
          const c = andMatch(a, b);
          if (c) combined.push(c);
          else ok = false;
        }
      if (!ok) {
        cr.approximated(
          p,
          `its match and the match of the delegating route in ${r.ref} set the same condition; the combinations that do were left out`,
        );
      }
      if (!combined.length) continue;
      // The root's port condition holds for the delegate's routes too; a route on another port conflicts with
      // it, and Istio leaves it out as well (istio pilot mergeHTTPMatchRequest, hasConflict).
      if (e.port !== undefined && root.port !== undefined && e.port !== root.port) continue;
      const port = e.port ?? root.port;
      const route = { ...e.route };
      if (combined.some((m) => Object.keys(m).length === 0)) delete route.match;
      else route.match = combined;
      out.push({ route, ...(port !== undefined ? { port } : {}), destinations: e.destinations });
    }
  });
  return out;
}

function andMatch(a: RouteMatch, b: RouteMatch): RouteMatch | undefined {
  if ((a.path && b.path) || (a.method && b.method)) return undefined;
  const headers = { ...a.headers };
  for (const [k, v] of Object.entries(b.headers ?? {})) {
    if (headers[k]) return undefined;
    headers[k] = v;
  }
  const query = { ...a.query };
  for (const [k, v] of Object.entries(b.query ?? {})) {
    if (query[k]) return undefined;
    query[k] = v;
  }
  const out: RouteMatch = {};
  const path = a.path ?? b.path;
  const method = a.method ?? b.method;
  if (Object.keys(headers).length) out.headers = headers;
  if (Object.keys(query).length) out.query = query;
  if (path) out.path = path;
  if (method) out.method = method;
  return out;
}

// --- ingress ---------------------------------------------------------------------------------------------------

/**
 * A VirtualService bound to gateways only: the hosts and paths of the service it sends to become that service's
 * `ingress` (meshc's native ingress form: one route to the service, uri matches only).
 */
function readIngressVirtualService(r: FieldReader, ctx: ImportContext, later: Later): void {
  const http = asArray(r.get(['spec', 'http']));
  const hosts = asArray(r.get(['spec', 'hosts']));
  const entry = http.length === 1 && isRecord(http[0]) ? http[0] : undefined;
  const dests = entry ? asArray(entry.route) : [];
  const dest =
    dests.length === 1 && isRecord(dests[0]) && isRecord(dests[0].destination)
      ? dests[0].destination
      : undefined;
  const svc = dest ? hostService(ctx, dest.host, r.namespace) : undefined;
  const hostsOk = hosts.every(
    (h) => typeof h === 'string' && /^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(h),
  );
  if (!entry || !svc || !hostsOk) {
    r.report(
      'IMPORT_NOT_CARRIED',
      ['spec'],
      `${r.ref} is not carried: an ingress VirtualService has a spec form only when it sends every request it matches to one Service (\`ingress.hosts\` and \`ingress.paths\` of that Service).`,
      'Add `ingress` to the imported Service by hand, or keep the VirtualService as your own manifest.',
    );
    return;
  }
  const paths: { exact?: string; prefix?: string }[] = [];
  let ok = true;
  const matches = asArray(entry.match);
  const exacts = new Set<string>();
  for (const m of matches) {
    const uri =
      isRecord(m) && Object.keys(m).every((k) => k === 'uri' || k === 'name')
        ? readStringMatch(m.uri, ['exact', 'prefix'])
        : undefined;
    if (!uri) ok = false;
    else if (uri.exact !== undefined) exacts.add(uri.exact);
  }
  for (const m of matches) {
    const uri = isRecord(m) ? readStringMatch(m.uri, ['exact', 'prefix']) : undefined;
    if (!uri) continue;
    if (uri.prefix !== undefined) {
      const base = uri.prefix.endsWith('/') && uri.prefix !== '/' ? uri.prefix.slice(0, -1) : uri.prefix;
      if (uri.prefix !== '/' && !exacts.has(base)) ok = false;
      paths.push({ prefix: base });
      exacts.delete(base);
    }
  }
  for (const e of exacts) paths.push({ exact: e });
  if (!ok) {
    r.report(
      'IMPORT_NOT_CARRIED',
      ['spec', 'http', 0, 'match'],
      `the ingress matches of ${r.ref} are not carried: \`ingress.paths\` holds exact and segment-wise prefix paths only.`,
    );
    return;
  }
  const gateway = asArray(r.get(['spec', 'gateways']))[0];
  // `<namespace>/<name>`, or a name in the VirtualService's namespace.
  const gwNs = ingressNamespace(
    r,
    ['spec', 'gateways', 0],
    typeof gateway === 'string' && gateway.includes('/') ? gateway.split('/')[0] : r.namespace,
  );
  if (gwNs === undefined) return;
  const draft = ctx.service(svc.namespace, svc.name);
  const use: PortUse = {
    r,
    at: ['spec', 'http', 0, 'route', 0, 'destination'],
    target: svc,
    ...portOf(dest!),
  };
  if (use.port !== undefined) {
    // A Service not in the input gets the ports routes name (specPorts).
    draft.portsSeen ??= [];
    if (!draft.portsSeen.includes(use.port)) draft.portsSeen.push(use.port);
  }
  later(() => checkIngressPort(ctx, use));
  draft.spec.ingress = {
    hosts: hosts as string[],
    ...(paths.length && !(paths.length === 1 && paths[0]!.prefix === '/') ? { paths } : {}),
  };
  draft.from.set('ingress', r.source);
  if (!ctx.environment.ingress) {
    // No Gateway in the input (readIstioGateways reads them first): the route is bound to meshc's own.
    ctx.environment.ingress = { className: 'istio', api: 'native', namespace: gwNs };
    r.approximated(
      ['spec', 'gateways', 0],
      `the Gateway ${String(gateway)} is not in the input: the service is exposed through meshc's own ingress Gateway in ${gwNs} (on the \`istio: ingressgateway\` pods, HTTP on port 80)`,
      'Import the Gateway with its routes (`kubectl get gateways.networking.istio.io,virtualservices -A -o yaml`) to carry its servers, or check the ingress of the imported Environment.',
    );
  }
  // meshc's ingress route retries nothing (`attempts: 0`), where Istio retries a route without `retries`.
  const retries = entry.retries;
  if (retries === undefined)
    // At the route's Service (a report marks its whole subtree as answered: not at `http[0]`, whose other fields
    // are answered one by one).
    r.approximated(
      ['spec', 'http', 0, 'route', 0, 'destination', 'host'],
      "Istio retried this route by its default policy (2 attempts); meshc's ingress routes do not retry",
    );
  else if (isRecord(retries) && Object.keys(retries).length === 1 && retries.attempts === 0)
    r.consume(['spec', 'http', 0, 'retries']);
  // What the spec holds of the route: its hosts, Gateway, path matches and Service. Anything else (a timeout,
  // retries, header changes, a subset) is left to the report of what was not carried.
  for (const f of [
    ['spec', 'hosts'],
    ['spec', 'gateways'],
    ['spec', 'http', 0, 'name'],
    ['spec', 'http', 0, 'match'],
    ['spec', 'http', 0, 'route', 0, 'destination', 'host'],
    ['spec', 'http', 0, 'route', 0, 'destination', 'port'],
    ['spec', 'http', 0, 'route', 0, 'weight'],
  ])
    r.consume(f);
  if (asArray(r.get(['spec', 'gateways'])).length > 1)
    r.approximated(
      ['spec', 'gateways'],
      "meshc's environment has one ingress gateway; the service is exposed through it",
    );
}

// --- PeerAuthentication ----------------------------------------------------------------------------------------

const PA_MODES: Readonly<Record<string, 'strict' | 'permissive' | 'off'>> = {
  STRICT: 'strict',
  PERMISSIVE: 'permissive',
  DISABLE: 'off',
  UNSET: 'permissive',
};

function readPeerAuthentications(objects: readonly SourcedObject[], ctx: ImportContext): void {
  for (const o of objects) {
    const r = ctx.reader(o);
    const mode = r.get(['spec', 'mtls', 'mode']);
    const m = typeof mode === 'string' ? PA_MODES[mode] : mode === undefined ? 'permissive' : undefined;
    if (!m) {
      r.notCarried(['spec', 'mtls'], `the mode ${String(mode)} is not one Istio knows`);
      continue;
    }
    r.consume(['spec', 'mtls', 'mode']);
    const selector = stringRecord(r.get(['spec', 'selector', 'matchLabels']));
    if (r.get(['spec', 'portLevelMtls']) !== undefined)
      r.notCarried(['spec', 'portLevelMtls'], 'the spec sets one mTLS mode per service, not per port');
    if (!selector) {
      if (r.namespace === ISTIO_SYSTEM) {
        if (ctx.environment.from.has('mtls')) {
          r.report(
            'IMPORT_CONFLICT',
            [],
            `${r.ref} is not carried: another mesh-wide PeerAuthentication was carried already.`,
          );
          continue;
        }
        ctx.environment.mtls = m;
        ctx.environment.from.set('mtls', o);
        continue;
      }
      // A namespace-wide mode: each imported service of the namespace gets it.
      const services = ctx
        .services()
        .filter((s) => s.namespace === r.namespace && !ctx.workloads.service(s.namespace, s.name)?.versionOf);
      if (m === 'off' || !services.length) {
        r.notCarried(
          ['spec', 'mtls', 'mode'],
          m === 'off'
            ? 'a service can override mTLS with strict or permissive only'
            : 'the namespace has no Service in the input to carry it',
        );
        continue;
      }
      for (const s of services) {
        const draft = ctx.service(s.namespace, s.name);
        if (!draft.from.has('mtls')) {
          draft.spec.mtls = m;
          draft.from.set('mtls', o);
        }
      }
      r.approximated(
        ['spec', 'mtls', 'mode'],
        `the namespace-wide mode was set on each imported service of ${r.namespace} (${services.map((s) => s.name).join(', ')}); services added to the namespace later do not get it`,
      );
      continue;
    }
    r.consume(['spec', 'selector']);
    const found = serviceOfSelector(ctx, r.namespace, selector);
    if (!found.service) {
      noService(r, ['spec', 'selector'], 'The workload selector');
      continue;
    }
    if (m === 'off') {
      r.notCarried(['spec', 'mtls', 'mode'], 'a service can override mTLS with strict or permissive only');
      continue;
    }
    if (!found.exact)
      r.approximated(
        ['spec', 'selector'],
        `it selects part of the pods of ${found.service.name}; the mode was set on the whole service`,
      );
    const draft = ctx.service(found.service.namespace, found.service.name);
    // A workload's own PeerAuthentication wins over the namespace's; two of its own conflict.
    const prev = draft.from.get('mtls');
    if (prev && (prev.object.spec as { selector?: unknown } | undefined)?.selector !== undefined) {
      conflict(r, draft, 'mtls', found.service.id);
      continue;
    }
    draft.spec.mtls = m;
    draft.from.set('mtls', o);
  }
}

// --- AuthorizationPolicy ---------------------------------------------------------------------------------------

/** `<trustDomain>/ns/<ns>/sa/<sa>` (the SPIFFE id without scheme, as Istio compares principals). */
const PRINCIPAL = /^(?:spiffe:\/\/)?([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * The trust domain the principals of the ALLOW policies name, when it is not Istio's default: the first literal
 * one (a wildcard such as `*` is a pattern over trust domains, never the mesh's own). Read before any rule, so
 * every principal is compared with the same environment trust domain whatever the order of the files.
 */
function principalsTrustDomain(objects: readonly SourcedObject[]): string | undefined {
  for (const o of objects) {
    const spec = isRecord(o.object.spec) ? o.object.spec : {};
    if ((spec.action ?? 'ALLOW') !== 'ALLOW') continue;
    for (const rule of asArray(spec.rules))
      for (const f of asArray(isRecord(rule) ? rule.from : undefined))
        for (const pr of asArray(isRecord(f) && isRecord(f.source) ? f.source.principals : undefined)) {
          const td = typeof pr === 'string' ? PRINCIPAL.exec(pr)?.[1] : undefined;
          if (td !== undefined && !td.includes('*') && td !== 'cluster.local') return td;
        }
  }
  return undefined;
}

function readAuthorizationPolicies(objects: readonly SourcedObject[], ctx: ImportContext): void {
  ctx.environment.trustDomain ??= principalsTrustDomain(objects);
  for (const o of objects) {
    const r = ctx.reader(o);
    const action = r.get(['spec', 'action']) ?? 'ALLOW';
    if (action !== 'ALLOW') {
      r.report(
        'IMPORT_NOT_CARRIED',
        [],
        `${r.ref} is not carried: the spec's access rules only allow; a ${String(action)} policy has no spec form.`,
        'Express the intent as allow rules (`access`) of the services it protects, or keep the policy as your own manifest.',
      );
      continue;
    }
    r.consume(['spec', 'action']);
    const selector = stringRecord(r.get(['spec', 'selector', 'matchLabels']));
    let targets: ServiceDraft[];
    if (selector) {
      r.consume(['spec', 'selector']);
      const found = serviceOfSelector(ctx, r.namespace, selector);
      if (!found.service) {
        noService(r, ['spec', 'selector'], 'The workload selector');
        r.report(
          'IMPORT_NOT_CARRIED',
          ['spec', 'rules'],
          `the rules of ${r.ref} are not carried: they apply to no Service of the input.`,
        );
        continue;
      }
      if (!found.exact)
        r.approximated(
          ['spec', 'selector'],
          `it selects part of the pods of ${found.service.name}; its rules were applied to the whole service`,
        );
      targets = [ctx.service(found.service.namespace, found.service.name)];
    } else {
      if (r.get(['spec', 'selector']) !== undefined) {
        r.notCarried(['spec', 'selector'], 'only `matchLabels` selectors have a spec form');
        continue;
      }
      const services = ctx
        .services()
        .filter((s) => s.namespace === r.namespace && !ctx.workloads.service(s.namespace, s.name)?.versionOf);
      if (r.namespace === ISTIO_SYSTEM || !services.length) {
        r.report(
          'IMPORT_NOT_CARRIED',
          [],
          `${r.ref} is not carried: a ${r.namespace === ISTIO_SYSTEM ? 'mesh-wide' : 'namespace-wide'} policy has no spec form${services.length ? '' : ' and the namespace has no Service in the input'}.`,
        );
        continue;
      }
      targets = services.map((s) => ctx.service(s.namespace, s.name));
      r.approximated(
        ['spec'],
        `the namespace-wide policy's rules were added to each imported service of ${r.namespace} (${services.map((s) => s.name).join(', ')}); services added to the namespace later do not get them`,
      );
    }
    const rules = asArray(r.get(['spec', 'rules']));
    for (const target of targets) {
      const access: AccessRule[] = [];
      rules.forEach((rule, i) => access.push(...readAuthzRule(r, ['spec', 'rules', i], rule, target, ctx)));
      addAccess(target, access);
      if (!target.from.has('access')) target.from.set('access', o);
    }
    if (!rules.length) r.consume(['spec']);
  }
}

/**
 * One ALLOW rule: `from` sources with principals (→ callers) and `to` operations with methods and paths (→ one
 * access rule per operation). A rule with a condition the spec lacks is left out (the policy then allows less).
 */
function readAuthzRule(
  r: FieldReader,
  at: DataPath,
  rule: unknown,
  target: ServiceDraft,
  ctx: ImportContext,
): AccessRule[] {
  if (!isRecord(rule)) return [];
  const drop = (p: DataPath, why: string): AccessRule[] => {
    r.notCarried(p, `${why}; the whole rule was left out, so the policy allows less than before`);
    r.consume(at);
    return [];
  };
  if (rule.when !== undefined) return drop([...at, 'when'], '`when` conditions have no spec form');
  const callers: string[] = [];
  const froms = asArray(rule.from);
  if (rule.from === undefined) callers.push('*');
  for (let i = 0; i < froms.length; i++) {
    const f = froms[i];
    const source = isRecord(f) && isRecord(f.source) ? f.source : undefined;
    const p = [...at, 'from', i, 'source'];
    if (!source) return drop([...at, 'from', i], 'a source without `source` has no spec form');
    // Sorted: with several fields the spec lacks, the one reported does not depend on the file's order.
    const other = Object.keys(source)
      .sort()
      .find((k) => k !== 'principals');
    if (other)
      return drop(
        [...p, other],
        `\`source.${other}\` has no spec form (callers are Services, by their service account)`,
      );
    for (const [j, pr] of asArray(source.principals).entries()) {
      if (pr === '*') {
        // Istio's `*` principal is any caller with an mTLS identity; the spec's `*` also admits plaintext callers.
        // The same only where the service accepts mTLS traffic alone (the imported mode; PeerAuthentications are
        // read before AuthorizationPolicies). Elsewhere it is left out: the policy allows less, never more.
        if ((target.spec.mtls ?? ctx.environment.mtls ?? 'permissive') === 'strict') callers.push('*');
        else
          r.notCarried(
            [...p, 'principals', j],
            `\`*\` admits authenticated (mTLS) callers only, and the spec's \`*\` also admits plaintext callers while ${target.name}'s mTLS is not strict`,
            "Make the service's mTLS strict (a STRICT PeerAuthentication, or `mtls: strict`) and add `*` to its `access`, or name its callers.",
          );
        continue;
      }
      const m = typeof pr === 'string' ? PRINCIPAL.exec(pr) : null;
      if (!m)
        return drop(
          [...p, 'principals', j],
          `the principal ${String(pr)} names no service account (only \`<trustDomain>/ns/<ns>/sa/<sa>\` and \`*\` have a spec form)`,
        );
      const [trustDomain, ns, sa] = [m[1]!, m[2]!, m[3]!];
      // The ingress gateway's identity: meshc admits it by itself for a service with `ingress`.
      if (ns === ctx.environment.ingress?.namespace && target.spec.ingress) {
        r.consume([...p, 'principals', j]);
        continue;
      }
      // Istio matches a principal exactly, or by a `*` at its start (suffix match) or end (prefix match); a `*`
      // anywhere else is a literal character. A `*` in the namespace or account matches no single identity.
      if (ns.includes('*') || sa.includes('*')) {
        r.notCarried(
          [...p, 'principals', j],
          `the \`*\` in ${ns}/${sa} names no single service account, and the spec's callers are single Services`,
          'Name the callers it should admit in `access` of the imported service.',
        );
        continue;
      }
      // The environment's trust domain (principalsTrustDomain): meshc renders every principal in it.
      const domain = ctx.environment.trustDomain ?? 'cluster.local';
      if (trustDomain.startsWith('*')) {
        // A suffix match over trust domains (`*` alone: any). It admits the caller in the environment's trust
        // domain when that matches, and in others too, which the spec cannot name; it never becomes the
        // environment's trust domain.
        const suffix = trustDomain.slice(1);
        if (!domain.endsWith(suffix)) {
          r.notCarried(
            [...p, 'principals', j],
            `its trust domain pattern ${trustDomain} does not match the environment's trust domain ${domain}`,
          );
          continue;
        }
      } else if (domain !== trustDomain) {
        r.notCarried(
          [...p, 'principals', j],
          `its trust domain ${trustDomain} differs from the environment's`,
        );
        continue;
      }
      const caller = callerOf(ctx, target, ns, sa, r.source);
      if (caller === undefined) {
        r.report(
          'IMPORT_NO_SERVICE',
          [...p, 'principals', j],
          `The principal ${pr as string} in ${r.ref} is the identity of no Service of the input; that caller is not carried.`,
          "Import the caller's Service and Deployment too (its pods' serviceAccountName names the identity).",
        );
        continue;
      }
      if (trustDomain.startsWith('*'))
        r.approximated(
          [...p, 'principals', j],
          `it admits ${ns}/${sa} from ${trustDomain === '*' ? 'any trust domain' : `every trust domain ending in ${trustDomain.slice(1)}`}; meshc's rendered policy admits ${caller} from the environment's trust domain ${domain} only`,
          'Keep the policy as your own manifest if callers of other trust domains (another mesh) must keep their access.',
        );
      callers.push(caller);
    }
  }
  r.consume([...at, 'from']);
  if (!callers.length && froms.length && target.spec.ingress && ingressOnly(froms, ctx)) {
    r.consume(at);
    return [];
  }
  if (!callers.length) {
    r.notCarried([...at, 'from'], 'none of its callers has a spec form, so the rule allows nobody');
    return [];
  }
  const from = [...new Set(callers)].sort();
  const tos = asArray(rule.to);
  r.consume(at);
  if (!tos.length) return [{ from }];
  const out: AccessRule[] = [];
  for (let i = 0; i < tos.length; i++) {
    const t = tos[i];
    const op = isRecord(t) && isRecord(t.operation) ? t.operation : undefined;
    const p = [...at, 'to', i, 'operation'];
    if (!op) return drop([...at, 'to', i], 'an operation-less `to` has no spec form');
    const other = Object.keys(op)
      .sort()
      .find((k) => k !== 'methods' && k !== 'paths');
    if (other)
      return drop(
        [...p, other],
        `\`operation.${other}\` has no spec form (access rules narrow by methods and paths)`,
      );
    const methods = asArray(op.methods);
    const paths = asArray(op.paths);
    if (!methods.every(isMethod)) return drop([...p, 'methods'], 'a method is not a standard HTTP method');
    if (!paths.every(isAccessPath)) return drop([...p, 'paths'], NOT_ACCESS_PATH);
    const rule: AccessRule = { from };
    if (methods.length) rule.methods = methods as AccessRule['methods'];
    if (paths.length) rule.paths = paths as string[];
    out.push(rule);
  }
  r.consume([...at, 'to']);
  return out;
}

/** True when every principal of the sources is an identity of the ingress namespace. */
function ingressOnly(froms: readonly unknown[], ctx: ImportContext): boolean {
  const ns = ctx.environment.ingress?.namespace;
  return froms.every((f) =>
    asArray(isRecord(f) && isRecord(f.source) ? f.source.principals : undefined).every(
      (p) => typeof p === 'string' && PRINCIPAL.exec(p)?.[2] === ns,
    ),
  );
}

/**
 * meshc's ingress route sends to the service's first HTTP port (else its first port: `ingressPort`), whatever
 * port the Gateway received the request on. Istio sends to the Destination's port; without one, to the service's
 * only port, or to the port the Gateway received the request on (80, or 443 with TLS, where 80 redirects to it as
 * meshc's Gateway does). A difference is reported.
 */
function checkIngressPort(ctx: ImportContext, use: PortUse): void {
  const ports = specPorts(ctx, use.target);
  const rendered = (ports.find((p) => p.protocol !== 'tcp') ?? ports[0])?.port;
  const sent =
    use.port !== undefined
      ? [use.port]
      : ports.length === 1
        ? [ports[0]!.port]
        : [ctx.environment.ingress?.tls ? 443 : 80];
  const differ = sent.filter((p) => p !== rendered);
  if (rendered === undefined || !differ.length) return;
  portReport(use, ports, differ, [rendered], `the first HTTP port of ${use.target.name}`);
}

/**
 * meshc's native ingress Gateway (`mesh.ingress.api: native`): the `istio: ingressgateway` pods, HTTP on 80 (with
 * the redirect to HTTPS when TLS is on) and HTTPS on 443 with the certificate Secret (`tls.secretName`, or the
 * cert-manager Certificate that writes it). The class name is not in the objects: `istio` is written.
 */
function readIstioGateways(objects: readonly SourcedObject[], ctx: ImportContext): void {
  for (const o of objects) {
    const r = ctx.reader(o);
    const selector = stringRecord(r.get(['spec', 'selector']));
    if (
      ctx.environment.ingress ||
      !selector ||
      JSON.stringify(selector) !== JSON.stringify({ istio: 'ingressgateway' })
    ) {
      r.report(
        ctx.environment.ingress ? 'IMPORT_CONFLICT' : 'IMPORT_NOT_CARRIED',
        [],
        `${r.ref} is not carried: ${ctx.environment.ingress ? "the environment's ingress is another gateway already" : "meshc's native ingress runs on the `istio: ingressgateway` pods"}.`,
      );
      continue;
    }
    r.consume(['spec', 'selector']);
    const ingress: NonNullable<ImportContext['environment']['ingress']> = {
      className: 'istio',
      api: 'native',
      namespace: r.namespace,
    };
    asArray(r.get(['spec', 'servers'])).forEach((srv, i) => {
      const at = ['spec', 'servers', i];
      const port = isRecord(srv) && isRecord(srv.port) ? srv.port : undefined;
      const tls = isRecord(srv) && isRecord(srv.tls) ? srv.tls : undefined;
      if (
        port?.number === 80 &&
        port.protocol === 'HTTP' &&
        (!tls || (tls.httpsRedirect === true && Object.keys(tls).length === 1))
      )
        r.consume(at);
      else if (
        port?.number === 443 &&
        port.protocol === 'HTTPS' &&
        tls?.mode === 'SIMPLE' &&
        typeof tls.credentialName === 'string'
      ) {
        ingress.tls = { secretName: tls.credentialName };
        r.consume(at);
      } else r.notCarried(at, "meshc's ingress Gateway serves HTTP on 80 and HTTPS on 443 only");
    });
    ctx.environment.ingress = ingress;
    ctx.environment.from.set('ingress', o);
  }
}
