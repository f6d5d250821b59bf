/**
 * The semantic summary of a change: one line per meaningful difference between the normalized models of
 * two spec versions, in the words of the spec (`prod: reviews: v2 weight 10 → 25`), each with the spec
 * position that caused it. Computed from the models only, never from YAML text, so formatting, file
 * layout, document order and key order never show up. Pure.
 */
import type { DataPath, Location } from '../core/location.ts';
import { routeRef } from '../core/names.ts';
import type {
  Destination,
  HeaderOps,
  Model,
  MtlsMode,
  OriginFn,
  ResolvedEnvironment,
  ResolvedService,
  Route,
  RouteMatch,
  StringMatch,
} from '../model/types.ts';
import { jsonEqual } from '../gitops/json-patch.ts';
import { parseDuration } from '../schema/formats.ts';
import { serviceRefId } from '../validate/view.ts';
import {
  ANYONE,
  calleeAccess,
  describePermission,
  diffCallee,
  effective,
  widens,
  type EdgeChange,
} from './access.ts';
import { stableJson } from './noise.ts';

export type SummarySeverity = 'notice' | 'warning';

/** What a summary line is about (stable identifiers, for filtering in the JSON output). */
export type SummaryTopic =
  | 'environment-added'
  | 'environment-removed'
  | 'environment-renamed'
  | 'environment'
  | 'mtls'
  | 'service-added'
  | 'service-removed'
  | 'routes'
  | 'weights'
  | 'timeout'
  | 'retries'
  | 'fault'
  | 'mirror'
  | 'headers'
  | 'access'
  | 'ports'
  | 'versions'
  | 'workload'
  | 'resilience'
  | 'ingress'
  | 'service';

export interface SummaryLine {
  readonly environment: string;
  /** `namespace/name` of the service the line is about, if any. */
  readonly service?: string;
  readonly topic: SummaryTopic;
  /** The whole line, e.g. `prod: reviews: v2 weight 10 → 25`. */
  readonly message: string;
  /** `warning` for changes that widen access or weaken security, or remove something; else `notice`. */
  readonly severity: SummarySeverity;
  /** The spec position that caused the change. */
  readonly location?: Location;
  /** Which side `location` is in: the head, except for things that only exist on the base side. */
  readonly side: 'head' | 'base';
}

export interface EnvironmentMatch {
  readonly pairs: readonly { readonly base: ResolvedEnvironment; readonly head: ResolvedEnvironment }[];
  readonly added: readonly ResolvedEnvironment[];
  readonly removed: readonly ResolvedEnvironment[];
  /** Renamed environments (also listed in `pairs`). */
  readonly renamed: readonly { readonly from: string; readonly to: string }[];
}

/**
 * Pairs environments by name; an environment that disappears while one with identical content (everything
 * but the name) appears is a rename.
 */
export function matchEnvironments(
  base: readonly ResolvedEnvironment[],
  head: readonly ResolvedEnvironment[],
): EnvironmentMatch {
  const headNames = new Set(head.map((e) => e.name));
  const baseNames = new Set(base.map((e) => e.name));
  const pairs: { base: ResolvedEnvironment; head: ResolvedEnvironment }[] = [];
  const gone = base.filter((e) => !headNames.has(e.name));
  const fresh = head.filter((e) => !baseNames.has(e.name));
  for (const b of base) {
    const h = head.find((e) => e.name === b.name);
    if (h) pairs.push({ base: b, head: h });
  }
  const renamed: { from: string; to: string }[] = [];
  const used = new Set<string>();
  const prints = new Map(fresh.map((e) => [e.name, environmentFingerprint(e)] as const));
  const removed: ResolvedEnvironment[] = [];
  for (const b of gone) {
    const print = environmentFingerprint(b);
    const h = fresh.find((e) => !used.has(e.name) && prints.get(e.name) === print);
    if (h) {
      used.add(h.name);
      renamed.push({ from: b.name, to: h.name });
      pairs.push({ base: b, head: h });
    } else removed.push(b);
  }
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  pairs.sort((x, y) => byName(x.head, y.head));
  return { pairs, added: fresh.filter((e) => !used.has(e.name)), removed, renamed };
}

/** Everything about an environment except its name (and spec positions). */
export function environmentFingerprint(e: ResolvedEnvironment): string {
  return stableJson({
    cluster: e.cluster,
    mesh: e.mesh,
    gitops: e.gitops,
    patches: e.patches,
    services: e.services.map(serviceShape),
  });
}

/** The parts of a service that matter, with the orders that do not matter removed. */
export function serviceShape(s: ResolvedService): unknown {
  const access = calleeAccess(s);
  return {
    id: s.id,
    ports: [...s.ports].sort((a, b) => cmp(a.name, b.name)),
    selector: s.selector,
    serviceAccount: s.serviceAccount,
    versions: s.versions,
    routes: explicitRoutes(s).map(routeShape),
    resilience: s.resilience,
    access: access.controlled
      ? [...new Set([ANYONE, ...access.callers.keys()])].sort().map((c) => [c, effective(access, c)])
      : 'open',
    mtls: s.mtls,
    ingress: s.ingress
      ? {
          hosts: [...new Set(s.ingress.hosts)].sort(),
          paths: s.ingress.paths.map(stableJson).sort(),
        }
      : null,
    kubernetesService: s.kubernetesService,
  };
}

function routeShape(r: Route): unknown {
  return {
    name: r.name ?? null,
    matches: r.matches.map(stableJson).sort(),
    destinations: r.destinations,
    timeout: r.timeout === undefined ? null : durationKey(r.timeout),
    retries: r.retries
      ? {
          ...r.retries,
          perTryTimeout: r.retries.perTryTimeout ? durationKey(r.retries.perTryTimeout) : null,
        }
      : null,
    fault: r.fault ?? null,
    mirror: r.mirror ?? null,
    headers: r.headers ?? null,
  };
}

function durationKey(d: string): string | number {
  return parseDuration(d) ?? d;
}

function explicitRoutes(s: ResolvedService): Route[] {
  return s.routes.filter((r) => !r.implicit);
}

/** Where a line comes from: a spec path, resolved to a position only when a formatter asks for it. */
interface Where {
  readonly origin: OriginFn;
  readonly path: DataPath;
  readonly side: 'head' | 'base';
}

/**
 * A summary line whose `location` is looked up on first read: finding a position parses its file with
 * the position-keeping YAML parser, which formats that show only some lines (markdown within its budget,
 * at most 20 annotations) should not pay for every line.
 */
function summaryLine(fields: Omit<SummaryLine, 'location' | 'side'>, where: Where): SummaryLine {
  let cached: Location | undefined | null = null;
  const line = { ...fields, side: where.side } as SummaryLine;
  Object.defineProperty(line, 'location', {
    enumerable: true,
    get(): Location | undefined {
      if (cached === null) {
        try {
          cached = where.origin(where.path);
        } catch {
          cached = undefined;
        }
      }
      return cached;
    },
  });
  return line;
}

/** The summary of the change from `base` to `head`. */
export function summarize(
  base: Model,
  head: Model,
  match = matchEnvironments(base.environments, head.environments),
): SummaryLine[] {
  const out: SummaryLine[] = [];
  const envNames = new Set<string>();
  for (const p of match.pairs) envNames.add(p.head.name);
  for (const e of match.added) envNames.add(e.name);
  for (const e of match.removed) envNames.add(e.name);
  for (const name of [...envNames].sort()) {
    const added = match.added.find((e) => e.name === name);
    if (added) {
      out.push(
        summaryLine(
          {
            environment: name,
            topic: 'environment-added',
            message: `${name}: environment added (${added.mesh.type} ${added.mesh.version} on cluster ${added.cluster}, ${count(added.services.length, 'service')})`,
            severity: 'notice',
          },
          { origin: added.origin, path: [], side: 'head' },
        ),
      );
      continue;
    }
    const removed = match.removed.find((e) => e.name === name);
    if (removed) {
      out.push(
        summaryLine(
          {
            environment: name,
            topic: 'environment-removed',
            message: `${name}: environment removed (${count(removed.services.length, 'service')} no longer deployed to cluster ${removed.cluster})`,
            severity: 'warning',
          },
          { origin: removed.origin, path: [], side: 'base' },
        ),
      );
      continue;
    }
    const pair = match.pairs.find((p) => p.head.name === name)!;
    out.push(...summarizeEnvironment(pair.base, pair.head));
  }
  return out;
}

class Lines {
  readonly out: SummaryLine[] = [];
  readonly env: string;
  constructor(env: string) {
    this.env = env;
  }
  add(
    topic: SummaryTopic,
    message: string,
    where: Where,
    opts: { service?: string; severity?: SummarySeverity } = {},
  ): void {
    this.out.push(
      summaryLine(
        {
          environment: this.env,
          ...(opts.service !== undefined ? { service: opts.service } : {}),
          topic,
          message,
          severity: opts.severity ?? 'notice',
        },
        where,
      ),
    );
  }
}

const MTLS_RANK: Record<MtlsMode, number> = { strict: 2, permissive: 1, off: 0 };

function summarizeEnvironment(b: ResolvedEnvironment, h: ResolvedEnvironment): SummaryLine[] {
  const L = new Lines(h.name);
  const at = (path: DataPath): Where => ({ origin: h.origin, path, side: 'head' });
  if (b.name !== h.name)
    L.add('environment-renamed', `${h.name}: environment renamed from ${b.name}`, at([]));

  // ---- environment settings
  const before = L.out.length;
  const env = (msg: string, path: DataPath, severity: SummarySeverity = 'notice') =>
    L.add('environment', `${h.name}: ${msg}`, at(path), { severity });
  if (b.cluster !== h.cluster) env(`cluster ${b.cluster} → ${h.cluster}`, ['cluster'], 'warning');
  if (b.mesh.type !== h.mesh.type || b.mesh.version !== h.mesh.version)
    env(
      `mesh ${b.mesh.type} ${b.mesh.version} → ${h.mesh.type} ${h.mesh.version}`,
      b.mesh.type !== h.mesh.type ? ['mesh', 'type'] : ['mesh', 'version'],
    );
  const envMtlsChanged = b.mesh.mtls !== h.mesh.mtls;
  if (envMtlsChanged)
    L.add(
      'mtls',
      `${h.name}: mTLS ${b.mesh.mtls} → ${h.mesh.mtls} (environment default)`,
      at(['mesh', 'mtls']),
      {
        severity: MTLS_RANK[h.mesh.mtls] < MTLS_RANK[b.mesh.mtls] ? 'warning' : 'notice',
      },
    );
  if (b.mesh.install?.chartVersion !== h.mesh.install?.chartVersion)
    env(
      `control-plane chart ${b.mesh.install?.chartVersion ?? 'not installed'} → ${h.mesh.install?.chartVersion ?? 'not installed'}`,
      ['mesh', 'install'],
    );
  else if (
    b.mesh.install &&
    h.mesh.install &&
    stableJson(b.mesh.install.values) !== stableJson(h.mesh.install.values)
  )
    env('control-plane chart values changed', ['mesh', 'install', 'values']);
  if (stableJson(b.mesh.trust) !== stableJson(h.mesh.trust))
    env(`trust ${describeTrust(b.mesh.trust)} → ${describeTrust(h.mesh.trust)}`, ['mesh', 'trust']);
  if (stableJson(b.mesh.ingress) !== stableJson(h.mesh.ingress))
    env(`ingress ${describeMeshIngress(b.mesh.ingress)} → ${describeMeshIngress(h.mesh.ingress)}`, [
      'mesh',
      'ingress',
    ]);
  const bo = b.mesh.observability;
  const ho = h.mesh.observability;
  if (bo.metrics !== ho.metrics)
    env(`metrics ${bo.metrics} → ${ho.metrics}`, ['mesh', 'observability', 'metrics']);
  if (bo.dashboards !== ho.dashboards)
    env(`dashboards ${onOff(bo.dashboards)} → ${onOff(ho.dashboards)}`, [
      'mesh',
      'observability',
      'dashboards',
    ]);
  if (stableJson(bo.tracing) !== stableJson(ho.tracing))
    env(`tracing ${describeTracing(bo.tracing)} → ${describeTracing(ho.tracing)}`, [
      'mesh',
      'observability',
      'tracing',
    ]);
  for (const f of ['engine', 'repo', 'branch', 'path'] as const)
    if (b.gitops[f] !== h.gitops[f])
      env(
        `GitOps ${f === 'repo' ? 'repository' : f} ${b.gitops[f] || '(root)'} → ${h.gitops[f] || '(root)'}`,
        ['gitops', f],
      );
  if (stableJson(b.patches) !== stableJson(h.patches))
    env(`patches changed (${b.patches.length} → ${h.patches.length})`, ['patches']);
  if (L.out.length === before && stableJson(envSettings(b)) !== stableJson(envSettings(h)))
    env('environment settings changed', []);

  // ---- services
  const names = displayNames([...b.services, ...h.services]);
  const show = (id: string) => names.get(id) ?? id;
  const baseById = new Map(b.services.map((s) => [s.id, s] as const));
  const headById = new Map(h.services.map((s) => [s.id, s] as const));
  const ids = [...new Set([...baseById.keys(), ...headById.keys()])].sort();
  for (const id of ids) {
    const bs = baseById.get(id);
    const hs = headById.get(id);
    const prefix = `${h.name}: ${show(id)}: `;
    if (!bs && hs) {
      L.add(
        'service-added',
        `${prefix}service added (${describeCallers(hs, show)})`,
        {
          origin: hs.origin,
          path: [],
          side: 'head',
        },
        // Open to anyone (no access control, or `*` in a rule): a warning, as widening access is.
        {
          service: id,
          severity:
            calleeAccess(hs).controlled && !calleeAccess(hs).callers.has(ANYONE) ? 'notice' : 'warning',
        },
      );
      continue;
    }
    if (bs && !hs) {
      L.add(
        'service-removed',
        `${prefix}service removed`,
        { origin: bs.origin, path: [], side: 'base' },
        {
          service: id,
          severity: 'warning',
        },
      );
      continue;
    }
    // Everything below derives from the resolved spec and the effective mTLS mode: equal ones, no line.
    if (bs!.mtls === hs!.mtls && jsonEqual(bs!.spec, hs!.spec)) continue;
    summarizeService(L, h, bs!, hs!, prefix, show, envMtlsChanged);
  }
  return L.out;
}

function envSettings(e: ResolvedEnvironment): unknown {
  return { cluster: e.cluster, mesh: e.mesh, gitops: e.gitops, patches: e.patches };
}

function summarizeService(
  L: Lines,
  env: ResolvedEnvironment,
  b: ResolvedService,
  h: ResolvedService,
  prefix: string,
  show: (id: string) => string,
  envMtlsChanged: boolean,
): void {
  const before = L.out.length;
  const at = (path: DataPath): Where => ({ origin: h.origin, path, side: 'head' });
  const add = (topic: SummaryTopic, msg: string, path: DataPath, severity: SummarySeverity = 'notice') =>
    L.add(topic, prefix + msg, at(path), { service: h.id, severity });

  // mTLS (its own phrasing: `prod: mTLS strict → permissive for reviews`)
  if (b.mtls !== h.mtls && (b.mtlsOverride || h.mtlsOverride || !envMtlsChanged))
    L.add(
      'mtls',
      `${env.name}: mTLS ${b.mtls} → ${h.mtls} for ${show(h.id)}`,
      h.mtlsOverride ? at(['mtls']) : { origin: env.origin, path: ['mesh', 'mtls'], side: 'head' },
      {
        service: h.id,
        severity: MTLS_RANK[h.mtls] < MTLS_RANK[b.mtls] ? 'warning' : 'notice',
      },
    );

  summarizeRoutes(b, h, add, show);
  summarizeAccess(b, h, add, show);

  // ports, versions, workload identity
  const bp = new Map(b.ports.map((p) => [p.name, p] as const));
  const hp = new Map(h.ports.map((p) => [p.name, p] as const));
  h.ports.forEach((p, i) => {
    const o = bp.get(p.name);
    if (!o) add('ports', `port ${p.name} added (${p.port}/${p.protocol})`, ['ports', i]);
    else if (o.port !== p.port || o.protocol !== p.protocol)
      add('ports', `port ${p.name} ${o.port}/${o.protocol} → ${p.port}/${p.protocol}`, ['ports', i]);
  });
  for (const p of b.ports)
    if (!hp.has(p.name)) add('ports', `port ${p.name} removed (was ${p.port}/${p.protocol})`, ['ports']);
  const bv = new Map(b.versions.map((v) => [v.name, v] as const));
  const hv = new Map(h.versions.map((v) => [v.name, v] as const));
  for (const v of h.versions) {
    const o = bv.get(v.name);
    if (!o) add('versions', `version ${v.name} added (${labels(v.labels)})`, ['versions', v.name]);
    else if (stableJson(o.labels) !== stableJson(v.labels))
      add('versions', `version ${v.name} labels ${labels(o.labels)} → ${labels(v.labels)}`, [
        'versions',
        v.name,
        'labels',
      ]);
  }
  for (const v of b.versions)
    if (!hv.has(v.name)) add('versions', `version ${v.name} removed`, ['versions'], 'warning');
  if (stableJson(b.selector) !== stableJson(h.selector))
    add('workload', `selector ${labels(b.selector)} → ${labels(h.selector)}`, ['selector']);
  if (b.serviceAccount !== h.serviceAccount)
    add(
      'workload',
      `service account ${b.serviceAccount} → ${h.serviceAccount} (its identity for access rules)`,
      ['serviceAccount'],
    );
  if (b.kubernetesService !== h.kubernetesService)
    add('workload', `Kubernetes Service ${b.kubernetesService} → ${h.kubernetesService}`, [
      'kubernetesService',
    ]);

  // resilience
  const br = flatten(b.resilience);
  const hr = flatten(h.resilience);
  for (const key of [...new Set([...br.keys(), ...hr.keys()])].sort()) {
    const o = br.get(key);
    const n = hr.get(key);
    if (o === n) continue;
    const [group, field] = key.split('.') as [string, string | undefined];
    const label = RESILIENCE_LABELS[group] ?? group;
    add(
      'resilience',
      field === undefined
        ? `${label} ${o ?? 'default'} → ${n ?? 'default'}`
        : `${label} ${field} ${o ?? 'unset'} → ${n ?? 'unset'}`,
      ['resilience', group, ...(field !== undefined && n !== undefined ? [field] : [])],
    );
  }

  // ingress
  if (!b.ingress && h.ingress)
    add('ingress', `now exposed through the ingress (${h.ingress.hosts.join(', ')})`, ['ingress'], 'warning');
  else if (b.ingress && !h.ingress) add('ingress', `no longer exposed through the ingress`, ['ingress']);
  else if (b.ingress && h.ingress) {
    const bh = [...new Set(b.ingress.hosts)].sort();
    const hh = [...new Set(h.ingress.hosts)].sort();
    if (stableJson(bh) !== stableJson(hh))
      add('ingress', `ingress hosts ${bh.join(', ')} → ${hh.join(', ')}`, ['ingress', 'hosts']);
    const bpth = b.ingress.paths.map(describeStringMatch).sort();
    const hpth = h.ingress.paths.map(describeStringMatch).sort();
    if (stableJson(bpth) !== stableJson(hpth))
      add('ingress', `ingress paths ${bpth.join(', ')} → ${hpth.join(', ')}`, ['ingress', 'paths']);
  }

  // Nothing specific found, but the service differs: say so rather than miss it.
  // (mTLS is left out: it always has its own line, per service or for the environment default.)
  const shape = (s: ResolvedService) => stableJson({ ...(serviceShape(s) as object), mtls: null });
  if (L.out.length === before && shape(b) !== shape(h)) add('service', 'spec changed', []);
}

const RESILIENCE_LABELS: Record<string, string> = {
  outlierDetection: 'outlier detection',
  connectionPool: 'connection pool',
  loadBalancer: 'load balancer',
};

function flatten(r: ResolvedService['resilience']): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, v] of Object.entries(r)) {
    if (v === undefined) continue;
    if (group === 'loadBalancer') {
      const lb = v as NonNullable<ResolvedService['resilience']['loadBalancer']>;
      out.set(group, lb.type === 'consistent-hash' ? `consistent hash on header ${lb.header}` : lb.type);
      continue;
    }
    for (const [field, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out.set(`${group}.${field}`, String(x));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Routes

type Add = (topic: SummaryTopic, msg: string, path: DataPath, severity?: SummarySeverity) => void;

/** Routes are matched by name; unnamed ones by their rank among the unnamed routes. */
function routeKeys(routes: readonly Route[]): Map<Route, string> {
  let unnamed = 0;
  return new Map(routes.map((r) => [r, r.name !== undefined ? `name:${r.name}` : `unnamed:${unnamed++}`]));
}

const routeLabel = (r: Route): string => routeRef(r);

/** The catch-all route (the last one, without a match) is "the service's traffic": no route qualifier. */
function qualifier(s: ResolvedService, r: Route): string {
  const routes = explicitRoutes(s);
  const isCatchAll = r.matches.length === 0 && routes[routes.length - 1] === r;
  return isCatchAll ? '' : `${routeLabel(r)}: `;
}

function summarizeRoutes(
  b: ResolvedService,
  h: ResolvedService,
  add: Add,
  show: (id: string) => string,
): void {
  const br = explicitRoutes(b);
  const hr = explicitRoutes(h);
  const bKey = routeKeys(br);
  const hKey = routeKeys(hr);
  const routeKey = (r: Route) => bKey.get(r) ?? hKey.get(r)!;
  const bByKey = new Map(br.map((r) => [routeKey(r), r] as const));
  const hKeys = new Set(hr.map(routeKey));
  const dest = (s: ResolvedService, d: Pick<Destination, 'serviceId' | 'version'>) =>
    d.serviceId === s.id
      ? (d.version ?? `${show(s.id)} (all versions)`)
      : `${show(d.serviceId)}${d.version ? ` ${d.version}` : ''}`;

  for (const r of hr) {
    const o = bByKey.get(routeKey(r));
    const q = qualifier(h, r);
    const path: DataPath = ['routes', r.index];
    if (!o) {
      add('routes', `${routeLabel(r)} added (${describeRoute(h, r, dest)})`, path);
      continue;
    }
    // destinations and weights
    const key = (d: Destination) => `${d.serviceId}|${d.version ?? ''}`;
    const od = new Map(o.destinations.map((d) => [key(d), d] as const));
    const nd = new Map(r.destinations.map((d) => [key(d), d] as const));
    const spec = (h.spec.routes as { to?: unknown }[] | undefined)?.[r.index];
    const weightPath = (d: Destination, i: number): DataPath =>
      spec && typeof spec.to === 'object' && spec.to !== null
        ? [...path, 'to', d.version ?? '']
        : spec && typeof spec.to === 'string'
          ? [...path, 'to']
          : [...path, 'backends', i];
    r.destinations.forEach((d, i) => {
      const was = od.get(key(d));
      if (!was)
        add('weights', `${q}${dest(h, d)} weight 0 → ${d.weight} (new destination)`, weightPath(d, i));
      else if (was.weight !== d.weight)
        add('weights', `${q}${dest(h, d)} weight ${was.weight} → ${d.weight}`, weightPath(d, i));
    });
    for (const d of o.destinations)
      if (!nd.has(key(d)))
        add('weights', `${q}${dest(b, d)} weight ${d.weight} → 0 (destination removed)`, [
          ...path,
          spec?.to !== undefined ? 'to' : 'backends',
        ]);
    // matches
    const om = o.matches.map(describeMatch).sort();
    const nm = r.matches.map(describeMatch).sort();
    if (stableJson(om) !== stableJson(nm))
      add(
        'routes',
        `${routeLabel(r)}: match ${om.join(' or ') || 'any request'} → ${nm.join(' or ') || 'any request'}`,
        [...path, 'match'],
      );
    // timeout, retries, fault, mirror, headers
    if (!sameDuration(o.timeout, r.timeout))
      add('timeout', `${q}timeout ${o.timeout ?? 'none'} → ${r.timeout ?? 'none'}`, [...path, 'timeout']);
    if (retriesKey(o.retries) !== retriesKey(r.retries))
      add('retries', `${q}retries ${describeRetries(o.retries)} → ${describeRetries(r.retries)}`, [
        ...path,
        'retries',
      ]);
    if (stableJson(o.fault) !== stableJson(r.fault))
      add('fault', `${q}fault ${describeFault(o.fault)} → ${describeFault(r.fault)}`, [...path, 'fault']);
    const mirror = (s: ResolvedService, m: Route['mirror']) =>
      m ? `${m.percent}% to ${dest(s, m)}` : 'none';
    if (stableJson(o.mirror) !== stableJson(r.mirror))
      add('mirror', `${q}mirror ${mirror(b, o.mirror)} → ${mirror(h, r.mirror)}`, [...path, 'mirror']);
    for (const dir of ['request', 'response'] as const) {
      const x = describeHeaderOps(o.headers?.[dir]);
      const y = describeHeaderOps(r.headers?.[dir]);
      if (x !== y) add('headers', `${q}${dir} headers ${x} → ${y}`, [...path, 'headers', dir]);
    }
  }
  for (const o of br) if (!hKeys.has(routeKey(o))) add('routes', `${routeLabel(o)} removed`, ['routes']);
  // first match wins: the order of the routes both sides have matters
  const order = (routes: Route[], keep: (k: string) => boolean) => routes.map(routeKey).filter(keep);
  const ob = order(br, (k) => hKeys.has(k));
  const oh = order(hr, (k) => bByKey.has(k));
  if (stableJson(ob) !== stableJson(oh)) {
    // Each side's routes named as everywhere (routeRef): by name, else by their place on that side.
    const names = (routes: Route[], keys: string[]) => {
      const label = new Map(routes.map((r) => [routeKey(r), routeLabel(r)] as const));
      return keys.map((k) => label.get(k) ?? k).join(', ');
    };
    add('routes', `routes reordered: ${names(br, ob)} → ${names(hr, oh)} (the first matching route wins)`, [
      'routes',
    ]);
  }
}

function describeRoute(
  s: ResolvedService,
  r: Route,
  dest: (s: ResolvedService, d: Destination) => string,
): string {
  const to = r.destinations
    .map((d) => (r.destinations.length > 1 ? `${dest(s, d)} ${d.weight}%` : dest(s, d)))
    .join(', ');
  return r.matches.length ? `${r.matches.map(describeMatch).join(' or ')} → ${to}` : `→ ${to}`;
}

function sameDuration(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (parseDuration(a) ?? a) === (parseDuration(b) ?? b);
}

export function describeStringMatch(m: StringMatch): string {
  return m.type === 'exact' ? m.value : m.type === 'prefix' ? `${m.value}*` : `~${m.value}`;
}

export function describeMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(`path ${describeStringMatch(m.path)}`);
  for (const h of m.headers) parts.push(`header ${h.name}=${describeStringMatch(h.match)}`);
  for (const q of m.query) parts.push(`query ${q.name}=${describeStringMatch(q.match)}`);
  return parts.length ? parts.join(' ') : 'any request';
}

function retriesKey(r: Route['retries']): string {
  return r
    ? stableJson({ ...r, perTryTimeout: r.perTryTimeout ? durationKey(r.perTryTimeout) : null })
    : 'none';
}

function describeRetries(r: Route['retries']): string {
  if (!r) return 'none';
  return `${r.attempts}${r.perTryTimeout ? ` × ${r.perTryTimeout}` : ''} on ${r.on.join(', ')}`;
}

function describeFault(f: Route['fault']): string {
  if (!f || (!f.delay && !f.abort)) return 'none';
  const parts: string[] = [];
  if (f.delay) parts.push(`delay ${f.delay.duration} for ${f.delay.percent}%`);
  if (f.abort) parts.push(`abort ${f.abort.status} for ${f.abort.percent}%`);
  return parts.join(', ');
}

function describeHeaderOps(h: HeaderOps | undefined): string {
  if (!h) return 'none';
  const parts: string[] = [];
  if (h.set.length) parts.push(`set ${h.set.map((x) => `${x.name}=${x.value}`).join(', ')}`);
  if (h.add.length) parts.push(`add ${h.add.map((x) => `${x.name}=${x.value}`).join(', ')}`);
  if (h.remove.length) parts.push(`remove ${[...h.remove].sort().join(', ')}`);
  return parts.join('; ') || 'none';
}

// ---------------------------------------------------------------------------------------------------
// Access

function summarizeAccess(
  b: ResolvedService,
  h: ResolvedService,
  add: Add,
  show: (id: string) => string,
): void {
  const ba = calleeAccess(b);
  const ha = calleeAccess(h);
  const controlRemoved = ba.controlled && !ha.controlled;
  for (const e of diffCallee(h.id, ba, ha)) {
    const who = e.caller === ANYONE ? 'anyone' : show(e.caller);
    const perm = describePermission(e.after);
    // Widening access for anyone (`*`, inside or outside the mesh), or dropping access control
    // altogether (no `access` = anyone may send anything), needs a careful look: a warning. Changes for
    // named callers, and narrowing, are notices.
    const severity: SummarySeverity =
      e.caller === ANYONE && e.change !== 'closed' && (controlRemoved || widens(e.before, e.after))
        ? 'warning'
        : 'notice';
    if (e.change === 'opened') {
      const reason = !ha.controlled
        ? 'access control removed'
        : e.headRules.some((r) => b.access === undefined || r >= b.access.length)
          ? 'new access rule'
          : 'access rule changed';
      add(
        'access',
        `now callable by ${who}${perm === 'any request' ? '' : ` for ${perm}`} (${reason})`,
        accessPath(h, e),
        severity,
      );
    } else if (e.change === 'closed') {
      const reason = !ba.controlled
        ? 'access control added'
        : e.baseRules.every((r) => h.access === undefined || r >= h.access.length)
          ? 'access rule removed'
          : 'access rule changed';
      add('access', `no longer callable by ${who} (${reason})`, ['access']);
    } else {
      add(
        'access',
        `requests allowed from ${who}: ${describePermission(e.before)} → ${perm}${e.caller === ANYONE && controlRemoved ? ' (access control removed)' : ''}`,
        accessPath(h, e),
        severity,
      );
    }
  }
}

/** The spec node granting an edge on the head side: the caller's entry in the rule's `from`. */
function accessPath(h: ResolvedService, e: EdgeChange): DataPath {
  const r = e.headRules[0];
  if (r === undefined || h.access === undefined) return ['access'];
  const from = (h.spec.access as { from?: string[] }[] | undefined)?.[r]?.from ?? [];
  const k = from.findIndex((ref) =>
    e.caller === ANYONE ? ref === '*' : ref !== '*' && serviceRefId(ref, h.namespace) === e.caller,
  );
  if (k < 0) {
    const any = from.indexOf('*');
    return any >= 0 ? ['access', r, 'from', any] : ['access', r];
  }
  return ['access', r, 'from', k];
}

function describeCallers(s: ResolvedService, show: (id: string) => string): string {
  const a = calleeAccess(s);
  if (!a.controlled) return 'no access control: anyone may call it';
  if (a.callers.has(ANYONE)) return 'callable by anyone';
  const callers = [...a.callers.keys()].sort().map(show);
  return callers.length ? `callable by ${callers.join(', ')}` : 'callable by nobody';
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Short service names (`reviews`) where unambiguous in the environment, else `namespace/name`. */
function displayNames(services: readonly ResolvedService[]): Map<string, string> {
  const byName = new Map<string, Set<string>>();
  const ids = new Set<string>();
  for (const s of services) {
    ids.add(s.id);
    for (const r of s.access ?? []) for (const c of r.from) if (c.kind === 'service') ids.add(c.serviceId);
  }
  for (const id of ids) {
    const name = id.slice(id.indexOf('/') + 1);
    byName.set(name, (byName.get(name) ?? new Set()).add(id));
  }
  const out = new Map<string, string>();
  for (const id of ids) {
    const name = id.slice(id.indexOf('/') + 1);
    out.set(id, byName.get(name)!.size > 1 ? id : name);
  }
  return out;
}

function labels(m: Readonly<Record<string, string>>): string {
  const entries = Object.entries(m).sort(([a], [b]) => cmp(a, b));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}

function describeTrust(t: ResolvedEnvironment['mesh']['trust']): string {
  if (!t) return 'mesh-generated';
  return t.type === 'cert-manager' ? `cert-manager ${t.kind} ${t.issuer}` : `secret ${t.name}`;
}

function describeMeshIngress(i: ResolvedEnvironment['mesh']['ingress']): string {
  return i ? `${i.className} (${i.api}, namespace ${i.namespace})` : 'none';
}

function describeTracing(t: ResolvedEnvironment['mesh']['observability']['tracing']): string {
  return t ? `${t.provider} ${t.host}:${t.port} at ${t.sampling}%` : 'off';
}

function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
