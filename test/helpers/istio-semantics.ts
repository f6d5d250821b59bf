/**
 * A small semantic model of the Istio objects meshc emits, to compare them with hand-written upstream manifests
 * (test/upstream-istio.test.ts).
 *
 * - `Normalizer` turns VirtualService, DestinationRule, PeerAuthentication and AuthorizationPolicy objects into a
 *   canonical form in which two objects that configure Istio the same way are deep-equal. Every rewrite it makes
 *   is a named rule (`RuleId`) recorded in `applied`, so a test can list them, explain them and assert that the
 *   ones which change meaning are exactly the expected ones. Anything it does not know is left as is, so deep
 *   equality still sees it.
 * - `authorize` evaluates Istio's ALLOW-only authorization semantics for one request, to compare the *effective*
 *   decisions of two policy sets that are shaped differently.
 *
 * Independent of meshc's own code on purpose: it must not share the assumptions it checks.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '../../src/schema/formats.ts';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: unknown;
  [k: string]: unknown;
}

type Obj = Record<string, unknown>;

/** Every rewrite the normalizer can make. The test file's table must describe each one. */
export type RuleId =
  | 'apply-namespace'
  | 'api-version'
  | 'metadata'
  | 'short-host'
  | 'route-name'
  | 'match-order'
  | 'segment-prefix'
  | 'weight-share'
  | 'destination-order'
  | 'duration'
  | 'percent-alias'
  | 'mirror-percentage-default'
  | 'subset-order'
  | 'authz-action-default'
  | 'authz-policy-name'
  | 'authz-list-order'
  | 'meshc-no-retries'
  | 'meshc-namespace-object'
  | 'upstream-allow-nothing'
  | 'upstream-string-prefix-as-segment';

export type Side = 'meshc' | 'upstream';

export interface Applied {
  readonly rule: RuleId;
  readonly side: Side;
  /** `Kind namespace/name` and, inside it, the path the rule applied to. */
  readonly where: string;
}

export interface NormalizeOptions {
  /**
   * Upstream `uri.prefix` values to read as meshc's segment-wise prefix (recorded as
   * `upstream-string-prefix-as-segment`): only for a task whose docs clearly mean a path segment.
   */
  readonly segmentPrefixes?: readonly string[];
}

/** Parses a multi-document YAML file of Kubernetes objects (comments and empty documents ignored). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
      return d.toJS() as Manifest | null;
    })
    .filter((o): o is Manifest => o !== null && o !== undefined);
}

/** JSON with object keys sorted: a total order for values, used to sort lists whose order carries no meaning. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Obj;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Milliseconds of an Istio duration (`0.5s`, `3m`, `1h30m`, `180.000s`). Throws on anything else. */
export function durationMs(d: unknown): number {
  const ms = typeof d === 'string' ? parseDuration(d) : undefined;
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(d)}`);
  return ms;
}

/** `o` without `keys`. */
function omit(o: Obj, ...keys: string[]): Obj {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

function sortedBy<T>(items: readonly T[]): T[] {
  return [...items].sort((a, b) =>
    stableJson(a) < stableJson(b) ? -1 : stableJson(a) > stableJson(b) ? 1 : 0,
  );
}

function asObj(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected an object`);
  return v as Obj;
}

function asList(v: unknown, what: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v;
}

/** Canonical form of one object: the key it is matched by and what it means. */
export interface Canonical {
  readonly key: string;
  readonly value: Obj;
}

/**
 * Normalizes the objects of one side. `side` matters only for the rules that are one-sided by nature
 * (meshc's explicit defaults, upstream's allow-nothing).
 */
export class Normalizer {
  readonly applied: Applied[] = [];
  private readonly side: Side;
  private readonly options: NormalizeOptions;

  constructor(side: Side, options: NormalizeOptions = {}) {
    this.side = side;
    this.options = options;
  }

  private note(rule: RuleId, where: string): void {
    if (!this.applied.some((a) => a.rule === rule && a.where === where)) {
      this.applied.push({ rule, side: this.side, where });
    }
  }

  /**
   * The canonical objects, keyed (sorted by key). `applyNamespace` is the namespace objects without one are
   * applied in (`kubectl apply -n`, else `default`).
   */
  objects(objects: readonly Manifest[], applyNamespace = 'default'): Record<string, Obj> {
    const out: Record<string, Obj> = {};
    for (const o of objects) {
      const c = this.object(o, applyNamespace);
      if (!c) continue;
      if (out[c.key] !== undefined) throw new Error(`two objects for ${c.key}`);
      out[c.key] = c.value;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  object(o: Manifest, applyNamespace = 'default'): Canonical | undefined {
    let ns = o.metadata.namespace;
    const id = `${o.kind} ${ns ?? applyNamespace}/${o.metadata.name}`;
    if (ns === undefined) {
      ns = applyNamespace;
      if (o.kind !== 'Namespace') this.note('apply-namespace', id);
    }
    const slash = o.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
    const version = o.apiVersion.slice(slash + 1);
    if (group.endsWith('istio.io') && version !== 'v1') this.note('api-version', id);
    if (o.metadata.labels !== undefined || o.metadata.annotations !== undefined) this.note('metadata', id);
    const spec = o.spec === undefined ? {} : asObj(o.spec, id);
    const base = { group, kind: o.kind, namespace: ns };

    switch (`${group}/${o.kind}`) {
      case '/Namespace':
        if (this.side === 'meshc') {
          this.note('meshc-namespace-object', `Namespace ${o.metadata.name}`);
          return undefined;
        }
        break;
      case 'networking.istio.io/VirtualService':
        return {
          key: `${group}/${o.kind} ${ns}/${o.metadata.name}`,
          value: { ...base, name: o.metadata.name, spec: this.virtualService(spec, ns, id) },
        };
      case 'networking.istio.io/DestinationRule':
        return {
          key: `${group}/${o.kind} ${ns}/${o.metadata.name}`,
          value: { ...base, name: o.metadata.name, spec: this.destinationRule(spec, ns, id) },
        };
      case 'security.istio.io/AuthorizationPolicy': {
        const value = this.authorizationPolicy(spec, id);
        if (
          this.side === 'upstream' &&
          value.selector === undefined &&
          value.rules === undefined &&
          value.action === 'ALLOW'
        ) {
          this.note('upstream-allow-nothing', id);
          return undefined;
        }
        this.note('authz-policy-name', id);
        const selector = value.selector === undefined ? '*' : stableJson(value.selector);
        return { key: `${group}/${o.kind} ${ns} selector=${selector}`, value: { ...base, spec: value } };
      }
      default:
        break;
    }
    // PeerAuthentication and anything else: compared as written, metadata labels aside.
    return {
      key: `${group}/${o.kind} ${ns}/${o.metadata.name}`,
      value: { ...base, name: o.metadata.name, spec },
    };
  }

  /** `reviews` → `reviews.<ns>.svc.cluster.local`, as Istio reads short names in a rule of namespace `ns`. */
  private host(h: unknown, ns: string, where: string): string {
    if (typeof h !== 'string') throw new Error(`${where}: host must be a string`);
    if (h.includes('.') || h === '*') return h;
    this.note('short-host', where);
    return `${h}.${ns}.svc.cluster.local`;
  }

  private virtualService(spec: Obj, ns: string, id: string): Obj {
    const { hosts, http, ...rest } = spec;
    const out: Obj = { ...rest };
    out.hosts = sortedBy(asList(hosts, `${id} hosts`).map((h) => this.host(h, ns, id)));
    out.http = asList(http, `${id} http`).map((r, i) =>
      this.httpRoute(asObj(r, `${id} http[${i}]`), ns, `${id} http[${i}]`),
    );
    return out;
  }

  private httpRoute(r: Obj, ns: string, where: string): Obj {
    const { name, match, route, timeout, retries, fault, mirror, mirrorPercentage, mirrorPercent, ...rest } =
      r;
    const out: Obj = { ...rest };
    if (name !== undefined) this.note('route-name', where);
    const matches = this.matches(asList(match, `${where} match`), where);
    if (matches.length) out.match = matches;
    out.route = this.destinations(asList(route, `${where} route`), ns, where);
    if (timeout !== undefined) {
      out.timeoutMs = durationMs(timeout);
      this.note('duration', where);
    }
    if (retries !== undefined) {
      if (this.side === 'meshc' && isDeepStrictEqual(retries, { attempts: 0 })) {
        this.note('meshc-no-retries', where);
      } else {
        const { perTryTimeout, ...r2 } = asObj(retries, `${where} retries`);
        out.retries =
          perTryTimeout === undefined ? r2 : { ...r2, perTryTimeoutMs: durationMs(perTryTimeout) };
      }
    }
    if (fault !== undefined) out.fault = this.fault(asObj(fault, `${where} fault`), where);
    if (mirror !== undefined) {
      out.mirror = this.destination(asObj(mirror, `${where} mirror`), ns, where);
      if (mirrorPercentage !== undefined) {
        out.mirrorPercent = asObj(mirrorPercentage, `${where} mirrorPercentage`).value;
      } else if (mirrorPercent !== undefined) {
        out.mirrorPercent = mirrorPercent;
        this.note('percent-alias', where);
      } else {
        // "If this field is absent, all traffic will be mirrored." (istio.io, task "Mirroring")
        out.mirrorPercent = 100;
        this.note('mirror-percentage-default', where);
      }
    } else if (mirrorPercentage !== undefined || mirrorPercent !== undefined) {
      throw new Error(`${where}: a mirror percentage without a mirror`);
    }
    return out;
  }

  private matches(match: readonly unknown[], where: string): Obj[] {
    let entries = match.map((m, i) => {
      const { name, ...rest } = asObj(m, `${where} match[${i}]`);
      if (name !== undefined) this.note('route-name', where);
      if (!Object.keys(rest).length) throw new Error(`${where}: an empty match entry (matches everything)`);
      return rest;
    });
    if (this.side === 'meshc') entries = this.collapseSegmentPrefixes(entries, where);
    else {
      entries = entries.map((e) => {
        const uri = e.uri as Obj | undefined;
        if (uri && typeof uri.prefix === 'string' && this.options.segmentPrefixes?.includes(uri.prefix)) {
          this.note('upstream-string-prefix-as-segment', where);
          return { ...e, uri: { segmentPrefix: uri.prefix } };
        }
        return e;
      });
    }
    const sorted = sortedBy(entries);
    if (stableJson(sorted) !== stableJson(entries)) this.note('match-order', where);
    return sorted;
  }

  /**
   * meshc's segment-wise prefix `P` is emitted as two entries, `uri.exact: P` and `uri.prefix: P/`, with the same
   * other conditions; they read back as one `uri.segmentPrefix: P`. A lone `uri.prefix` stays a string prefix.
   */
  private collapseSegmentPrefixes(entries: Obj[], where: string): Obj[] {
    const out: Obj[] = [];
    const used = new Set<number>();
    entries.forEach((e, i) => {
      if (used.has(i)) return;
      const uri = e.uri as Obj | undefined;
      if (uri && typeof uri.exact === 'string') {
        const others = omit(e, 'uri');
        const j = entries.findIndex((f, k) => {
          if (k === i || used.has(k)) return false;
          return (
            isDeepStrictEqual(f.uri, { prefix: `${uri.exact as string}/` }) &&
            isDeepStrictEqual(omit(f, 'uri'), others)
          );
        });
        if (j >= 0) {
          used.add(j);
          this.note('segment-prefix', where);
          out.push({ ...e, uri: { segmentPrefix: uri.exact } });
          return;
        }
      }
      out.push(e);
    });
    return out;
  }

  private destination(d: Obj, ns: string, where: string): Obj {
    return { ...d, host: this.host(d.host, ns, where) };
  }

  /** Weighted destinations as shares of the traffic; a destination with no share is dropped. */
  private destinations(route: readonly unknown[], ns: string, where: string): Obj[] {
    const entries = route.map((r, i) => asObj(r, `${where} route[${i}]`));
    const weights = entries.map((e) => {
      if (e.weight === undefined) return entries.length === 1 ? 100 : 0; // Istio: a lone destination takes all
      if (typeof e.weight !== 'number') throw new Error(`${where}: weight must be a number`);
      return e.weight;
    });
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum <= 0) throw new Error(`${where}: no destination has a weight`);
    this.note('weight-share', where);
    const out = entries
      .map((e, i) => {
        const destination = this.destination(asObj(e.destination, `${where} destination`), ns, where);
        return { ...omit(e, 'destination', 'weight'), destination, share: weights[i]! / sum };
      })
      .filter((e) => e.share > 0);
    const sorted = sortedBy(out);
    if (stableJson(sorted) !== stableJson(out)) this.note('destination-order', where);
    return sorted;
  }

  private fault(f: Obj, where: string): Obj {
    const { delay, abort, ...rest } = f;
    const out: Obj = { ...rest };
    const percent = (p: Obj, what: string): unknown => {
      if (p.percentage !== undefined) return asObj(p.percentage, `${where} ${what}.percentage`).value;
      if (p.percent !== undefined) {
        this.note('percent-alias', where);
        return p.percent;
      }
      throw new Error(`${where}: ${what} without a percentage`); // no guessing Istio's default
    };
    if (delay !== undefined) {
      const d = asObj(delay, `${where} fault.delay`);
      this.note('duration', where);
      const fixedDelayMs = durationMs(d.fixedDelay);
      out.delay = {
        ...omit(d, 'fixedDelay', 'percentage', 'percent'),
        fixedDelayMs,
        percent: percent(d, 'fault.delay'),
      };
    }
    if (abort !== undefined) {
      const a = asObj(abort, `${where} fault.abort`);
      out.abort = { ...omit(a, 'percentage', 'percent'), percent: percent(a, 'fault.abort') };
    }
    return out;
  }

  private destinationRule(spec: Obj, ns: string, id: string): Obj {
    const { host, subsets, trafficPolicy, ...rest } = spec;
    const out: Obj = { ...rest, host: this.host(host, ns, id) };
    if (trafficPolicy !== undefined)
      out.trafficPolicy = this.trafficPolicy(asObj(trafficPolicy, `${id} trafficPolicy`), id);
    if (subsets !== undefined) {
      const list = asList(subsets, `${id} subsets`).map((s, i) => {
        const { trafficPolicy: tp, ...sr } = asObj(s, `${id} subsets[${i}]`);
        return tp === undefined
          ? sr
          : { ...sr, trafficPolicy: this.trafficPolicy(asObj(tp, `${id} subset policy`), id) };
      });
      const sorted = [...list].sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
      if (stableJson(sorted) !== stableJson(list)) this.note('subset-order', id);
      out.subsets = sorted;
    }
    return out;
  }

  private trafficPolicy(tp: Obj, id: string): Obj {
    const out: Obj = { ...tp };
    const withMs = (o: unknown, keys: readonly string[], what: string): Obj => {
      const obj = { ...asObj(o, `${id} ${what}`) };
      for (const k of keys) {
        if (obj[k] !== undefined) {
          obj[`${k}Ms`] = durationMs(obj[k]);
          delete obj[k];
          this.note('duration', id);
        }
      }
      return obj;
    };
    if (tp.outlierDetection !== undefined) {
      out.outlierDetection = withMs(
        tp.outlierDetection,
        ['interval', 'baseEjectionTime'],
        'outlierDetection',
      );
    }
    if (tp.connectionPool !== undefined) {
      const cp = { ...asObj(tp.connectionPool, `${id} connectionPool`) };
      if (cp.tcp !== undefined) cp.tcp = withMs(cp.tcp, ['connectTimeout'], 'connectionPool.tcp');
      if (cp.http !== undefined) cp.http = withMs(cp.http, ['idleTimeout'], 'connectionPool.http');
      out.connectionPool = cp;
    }
    return out;
  }

  private authorizationPolicy(spec: Obj, id: string): Obj {
    const { action, rules, ...rest } = spec;
    const out: Obj = { ...rest };
    if (action === undefined) this.note('authz-action-default', id);
    out.action = action ?? 'ALLOW';
    if (rules !== undefined) {
      const before = stableJson(rules);
      const sortValues = (o: unknown, what: string): Obj =>
        Object.fromEntries(
          Object.entries(asObj(o, what)).map(([k, v]) => [
            k,
            Array.isArray(v) ? [...(v as unknown[])].sort() : v,
          ]),
        );
      const list = asList(rules, `${id} rules`).map((r, i) => {
        const rule = { ...asObj(r, `${id} rules[${i}]`) };
        if (rule.from !== undefined) {
          rule.from = sortedBy(
            asList(rule.from, `${id} from`).map((f) => ({
              source: sortValues(asObj(f, `${id} from`).source, `${id} source`),
            })),
          );
        }
        if (rule.to !== undefined) {
          rule.to = sortedBy(
            asList(rule.to, `${id} to`).map((t) => ({
              operation: sortValues(asObj(t, `${id} to`).operation, `${id} operation`),
            })),
          );
        }
        return rule;
      });
      out.rules = sortedBy(list);
      if (stableJson(out.rules) !== before) this.note('authz-list-order', id);
    }
    return out;
  }
}

// --- Authorization: Istio's ALLOW semantics --------------------------------------------------------------------

/** A pod: its namespace and labels (what a policy `selector` matches). */
export interface Workload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One HTTP request to a workload. `principal` is the caller's mTLS identity; undefined for a plaintext caller. */
export interface AuthzRequest {
  readonly principal?: string;
  readonly method: string;
  readonly path: string;
}

/** Istio's string match of authorization values: exact, `*` (any non-empty), `prefix*` or `*suffix`. */
function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return value === pattern;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`${what}: expected a list of strings`);
  return v as string[];
}

/** A positive list matches if any value matches; a `not` list if none does. Unknown fields throw. */
function fieldsMatch(
  fields: Obj,
  values: Readonly<Record<string, string | undefined>>,
  what: string,
): boolean {
  return Object.entries(fields).every(([k, v]) => {
    const neg = /^not[A-Z]/.test(k);
    const field = neg ? k[3]!.toLowerCase() + k.slice(4) : k;
    if (!(field in values)) throw new Error(`${what}: the evaluator does not model ${k}`);
    const hit = strings(v, `${what}.${k}`).some((p) => valueMatches(p, values[field]));
    return neg ? !hit : hit;
  });
}

/** A rule matches when one of its sources (any if none) and one of its operations (any if none) match. */
function ruleMatches(rule: Obj, req: AuthzRequest, what: string): boolean {
  if (rule.when !== undefined) throw new Error(`${what}: the evaluator does not model when`);
  const ns = req.principal === undefined ? undefined : /\/ns\/([^/]+)\/sa\//.exec(req.principal)?.[1];
  const from = asList(rule.from, `${what}.from`);
  const to = asList(rule.to, `${what}.to`);
  const fromOk =
    !from.length ||
    from.some((f) =>
      fieldsMatch(
        asObj(asObj(f, what).source, `${what}.source`),
        { principals: req.principal, namespaces: ns },
        `${what}.source`,
      ),
    );
  const toOk =
    !to.length ||
    to.some((t) =>
      fieldsMatch(
        asObj(asObj(t, what).operation, `${what}.operation`),
        { methods: req.method, paths: req.path },
        `${what}.operation`,
      ),
    );
  return fromOk && toOk;
}

/**
 * Istio's decision for a request to a workload, with ALLOW policies only (DENY, CUSTOM and AUDIT throw): when
 * no ALLOW policy selects the workload the request is allowed; otherwise it is allowed iff some rule of some
 * selecting policy matches (a policy without rules matches nothing). A policy selects the workloads of its
 * namespace (all of the mesh in the root namespace) whose labels include its `selector.matchLabels` (all of them
 * without a selector).
 */
export function authorize(
  policies: readonly Manifest[],
  workload: Workload,
  req: AuthzRequest,
  rootNamespace = 'istio-system',
): 'allow' | 'deny' {
  const selecting = policies.filter((p) => {
    if (p.kind !== 'AuthorizationPolicy') return false;
    const ns = p.metadata.namespace ?? 'default';
    if (ns !== workload.namespace && ns !== rootNamespace) return false;
    const spec = asObj(p.spec ?? {}, p.metadata.name);
    if (spec.targetRef !== undefined || spec.targetRefs !== undefined)
      throw new Error('targetRefs are not modelled');
    const action = spec.action ?? 'ALLOW';
    if (action !== 'ALLOW') throw new Error(`${p.metadata.name}: action ${String(action)} is not modelled`);
    const labels =
      spec.selector === undefined
        ? {}
        : asObj(asObj(spec.selector, 'selector').matchLabels ?? {}, 'matchLabels');
    return Object.entries(labels).every(([k, v]) => workload.labels[k] === v);
  });
  if (!selecting.length) return 'allow';
  const allowed = selecting.some((p) =>
    asList(asObj(p.spec ?? {}, p.metadata.name).rules, `${p.metadata.name}.rules`).some((r, i) =>
      ruleMatches(asObj(r, `${p.metadata.name}.rules[${i}]`), req, `${p.metadata.name}.rules[${i}]`),
    ),
  );
  return allowed ? 'allow' : 'deny';
}

// --- Routing: Istio's VirtualService semantics for one request --------------------------------------------------

/** One HTTP request a sidecar sends to `host:port` (a Service FQDN and one of its ports). */
export interface RouteRequest {
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where a request ends up: `host|subset|port` keys (subset `-` for all pods) with their share of the traffic. */
export type RouteOutcome =
  | { readonly kind: 'http'; readonly route?: string; readonly to: Readonly<Record<string, number>> }
  /** A TCP port: `http` routes never apply; without a `tcp` route the connection goes to the port it was sent to. */
  | { readonly kind: 'tcp'; readonly to: Readonly<Record<string, number>> }
  | { readonly kind: 'no-route' };

function serviceByHost(objects: readonly Manifest[], host: string): Manifest | undefined {
  return objects.find(
    (o) =>
      o.apiVersion === 'v1' &&
      o.kind === 'Service' &&
      `${o.metadata.name}.${o.metadata.namespace ?? 'default'}.svc.cluster.local` === host,
  );
}

function servicePorts(svc: Manifest | undefined): { port: number; appProtocol?: string; name?: string }[] {
  return asList(asObj(svc?.spec ?? {}, 'Service spec').ports, 'Service ports').map(
    (p) => asObj(p, 'Service port') as { port: number; appProtocol?: string; name?: string },
  );
}

/** Istio's StringMatch on a value: exact, prefix or RE2 regex (whole value). */
function istioStringMatch(m: Obj, value: string | undefined, what: string): boolean {
  if (value === undefined) return false;
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new Error(`${what}: string match ${JSON.stringify(m)} is not modelled`);
  if (typeof m.exact === 'string') return value === m.exact;
  if (typeof m.prefix === 'string') return value.startsWith(m.prefix);
  if (typeof m.regex === 'string') return new RegExp(`^(?:${m.regex})$`).test(value);
  throw new Error(`${what}: string match ${JSON.stringify(m)} is not modelled`);
}

function httpMatchRequest(m: Obj, req: RouteRequest, what: string): boolean {
  for (const k of Object.keys(m))
    if (!['name', 'uri', 'method', 'headers', 'port'].includes(k))
      throw new Error(`${what}: match field ${k} is not modelled`);
  if (m.port !== undefined && m.port !== req.port) return false;
  if (m.uri !== undefined && !istioStringMatch(asObj(m.uri, what), req.path, what)) return false;
  if (m.method !== undefined && !istioStringMatch(asObj(m.method, what), req.method, what)) return false;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, hm] of Object.entries(asObj(m.headers ?? {}, what)))
    if (!istioStringMatch(asObj(hm, what), headers[name.toLowerCase()], what)) return false;
  return true;
}

/**
 * Istio's outbound routing of one request (sidecar, mesh gateway): the Service port's protocol decides between
 * `http` and `tcp` handling (`appProtocol` tcp, or a `tcp-` port name: TCP); for HTTP, the first `http[]` entry
 * of the host's VirtualService that matches (no `match`: everything; `match[].port`: the port the request was
 * sent to) picks weighted destinations. A destination without `port` goes to the target's only port, else to
 * the port of the request (istiod's `GetDestinationCluster`). No VirtualService: all pods, same port.
 */
export function routeRequest(objects: readonly Manifest[], req: RouteRequest): RouteOutcome {
  const svc = serviceByHost(objects, req.host);
  const port = servicePorts(svc).find((p) => p.port === req.port);
  const same = { [`${req.host}|-|${req.port}`]: 1 };
  if (port?.appProtocol === 'tcp' || port?.name?.startsWith('tcp')) return { kind: 'tcp', to: same };
  const vss = objects.filter(
    (o) =>
      o.kind === 'VirtualService' &&
      asObj(o.spec ?? {}, 'spec').gateways === undefined &&
      asList(asObj(o.spec ?? {}, 'spec').hosts, 'hosts').includes(req.host),
  );
  if (vss.length > 1) throw new Error(`two VirtualServices for ${req.host}`);
  if (!vss.length) return { kind: 'http', to: same };
  const http = asList(asObj(vss[0]!.spec, 'spec').http, 'http');
  for (const [i, e] of http.entries()) {
    const entry = asObj(e, `http[${i}]`);
    const matches = asList(entry.match, `http[${i}].match`);
    if (matches.length && !matches.some((m) => httpMatchRequest(asObj(m, 'match'), req, `http[${i}]`)))
      continue;
    const route = asList(entry.route, `http[${i}].route`).map((r) => asObj(r, 'route'));
    const weights = route.map((r) =>
      r.weight === undefined ? (route.length === 1 ? 100 : 0) : Number(r.weight),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    const to: Record<string, number> = {};
    route.forEach((r, j) => {
      if (!weights[j]) return;
      const d = asObj(r.destination, 'destination');
      const host = String(d.host);
      const targetPorts = servicePorts(serviceByHost(objects, host));
      const dp = d.port === undefined ? undefined : Number(asObj(d.port, 'port').number);
      const p = dp ?? (targetPorts.length === 1 ? targetPorts[0]!.port : req.port);
      const key = `${host}|${d.subset === undefined ? '-' : String(d.subset)}|${p}`;
      to[key] = (to[key] ?? 0) + weights[j]! / total;
    });
    return { kind: 'http', ...(typeof entry.name === 'string' ? { route: entry.name } : {}), to };
  }
  return { kind: 'no-route' };
}
