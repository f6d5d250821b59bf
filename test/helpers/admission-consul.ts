/**
 * Consul on Kubernetes (consul-k8s) as the tests model what it refuses of the config entries meshc emits
 * (`consul.hashicorp.com/v1alpha1`: ServiceDefaults, ServiceResolver, ServiceRouter, ServiceSplitter,
 * ServiceIntentions, Mesh, ProxyDefaults), beyond the CRD schema. Two layers refuse, and each message says which:
 *
 * - `webhook:` consul-k8s' validating admission webhook (`control-plane/api/v1alpha1/<kind>_webhook.go`, which
 *   calls the kind's `Validate` in `<kind>_types.go`, through `control-plane/api/common/configentry_webhook.go`).
 *   The object is never stored: Flux / Argo CD fail on it.
 * - `consul:` the Consul servers' own `Validate()` of the config entry (hashicorp/consul
 *   `agent/structs/config_entry*.go`), when consul-k8s' config-entry controller writes it. The object is stored
 *   but never reaches Consul: the custom resource shows `Synced=False` and nothing changes in the mesh.
 *
 * Read at consul-k8s v1.2.0 (Consul 1.16) and v2.0.3 (Consul 2.0); the checks below do not change between them
 * for the fields meshc writes (later tags only add fields: header `contains` / `ignoreCase`, router
 * `caseInsensitive` / `retryOn`, resolver `requestTimeout` / `prioritizeByLocality`). Where a rule differs by
 * version the newest is modelled and a comment says so.
 *
 * Only what one object shows is checked. Left out, because they need other objects or the control plane: a
 * second custom resource of the same kind and name in another namespace (all map to Consul CE's one namespace),
 * a second `Mesh` / `ProxyDefaults`, a second ServiceIntentions for the same destination, a changed intention
 * destination on update, routers / splitters / L7 intentions on a service whose protocol is not HTTP, subsets a
 * router or splitter names that the resolver does not define, `mutualTLSMode: permissive` without
 * `Mesh.allowEnablingPermissiveMutualTLS`, and an entry another datacenter or tool already owns. A rule that
 * cannot be decided exactly from the object is left out rather than approximated.
 */
import type { AdmissionCheck } from './admission.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** Go's zero-value test for the fields the webhook counts ("set" = non-empty string, true, non-zero). */
const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false && v !== 0;

/** A JSON pointer segment (RFC 6901). */
const seg = (s: string | number): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const ptr = (...parts: (string | number)[]): string => '/' + parts.map(seg).join('/');

const webhook = (p: string, message: string): string => `${p}: webhook: ${message}`;
const consul = (p: string, message: string): string => `${p}: consul: ${message} (Synced=False)`;

/** net/http method names: what both the webhook and Consul accept in `methods`. */
const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
]);

/** `methods[]`: each a net/http method, none twice (`layer`: who refuses them). */
function methodErrors(methods: unknown, at: string, layer: typeof webhook): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  list(methods).forEach((m, i) => {
    const method = str(m);
    if (!HTTP_METHODS.has(method))
      errors.push(layer(`${at}/${i}`, `method "${method}" is not one of ${[...HTTP_METHODS].join(', ')}`));
    if (seen.has(method)) errors.push(layer(`${at}/${i}`, `method "${method}" listed more than once`));
    seen.add(method);
  });
  return errors;
}

const startsWithSlash = (v: unknown): boolean => !isSet(v) || str(v).startsWith('/');

/** pathExact / pathPrefix / pathRegex of a router match or an intention permission. */
function pathErrors(http: Obj, at: string): string[] {
  const errors: string[] = [];
  if (['pathExact', 'pathPrefix', 'pathRegex'].filter((k) => isSet(http[k])).length > 1)
    errors.push(webhook(at, 'at most one of pathExact, pathPrefix or pathRegex may be set'));
  for (const k of ['pathExact', 'pathPrefix'])
    if (!startsWithSlash(http[k]))
      errors.push(webhook(`${at}/${k}`, `"${str(http[k])}" must begin with a '/'`));
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// go-bexpr (the resolver's subset filters)

/**
 * A go-bexpr selector (`grammar/grammar.peg`, v0.1.16 at consul-k8s v2.0.3): an identifier (`[a-zA-Z]`, then
 * letters, digits, `_` or `/`), then `.identifier`, `.digits` (newest grammar) or `["string"]` parts. A metadata
 * key with `-`, `.` or a leading digit is not an identifier: `Service.Meta.app-version` does not parse.
 */
const BEXPR_SELECTOR = /^[a-zA-Z][a-zA-Z0-9_/]*(?:\.[a-zA-Z][a-zA-Z0-9_/]*|\.[0-9]+|\[\s*"[^"\\]*"\s*\])*$/;
/** One `<selector> == "<value>"` (or `!=`) term, its value free of quotes and backslashes. */
const BEXPR_TERM = /^(\S+?)\s*(?:==|!=)\s*"[^"\\]*"$/;

/**
 * Why go-bexpr cannot parse `filter` (`bexpr.CreateEvaluator`, which both the webhook and Consul run), or
 * undefined. Judged only for the form meshc writes, equality terms joined by `and`; any other expression is
 * not judged (undefined), so that nothing valid is refused.
 */
export function bexprFilterError(filter: string): string | undefined {
  const terms = filter.trim().split(/\s+and\s+/);
  const parsed = terms.map((t) => BEXPR_TERM.exec(t));
  if (parsed.some((m) => m === null)) return undefined;
  for (const m of parsed) {
    const selector = m![1]!;
    if (!BEXPR_SELECTOR.test(selector))
      return `"${selector}" is not a go-bexpr selector (identifiers are a letter, then letters, digits, _ or /)`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// ServiceDefaults

const PROTOCOLS = ['tcp', 'http', 'http2', 'grpc'];
const MTLS_MODES = ['', 'strict', 'permissive'];
const MESH_GATEWAY_MODES = ['', 'none', 'local', 'remote'];

function meshGatewayErrors(mg: unknown, at: string): string[] {
  const mode = str(obj(mg).mode);
  return MESH_GATEWAY_MODES.includes(mode)
    ? []
    : [webhook(`${at}/mode`, `"${mode}" is not one of none, local, remote`)];
}

/** `upstreamConfig.defaults` (kind 'default') or one of `overrides` (kind 'override'). */
function upstreamErrors(u: Obj, at: string, kind: 'default' | 'override'): string[] {
  const errors: string[] = [];
  if (kind === 'default') {
    for (const k of ['name', 'namespace', 'partition', 'peer'])
      if (isSet(u[k])) errors.push(webhook(`${at}/${k}`, `must be empty on the default upstream`));
  } else {
    if (!isSet(u.name)) errors.push(webhook(`${at}/name`, 'an override upstream needs a name'));
    if (isSet(u.namespace) && isSet(u.peer))
      errors.push(webhook(at, 'namespace and peer cannot both be set'));
    if (isSet(u.partition) && isSet(u.peer))
      errors.push(webhook(at, 'partition and peer cannot both be set'));
  }
  // Consul CE has no admin partitions (meshc targets CE).
  if (isSet(u.partition))
    errors.push(webhook(`${at}/partition`, 'admin partitions (Consul Enterprise) must be enabled to set it'));
  if (u.meshGateway !== undefined) errors.push(...meshGatewayErrors(u.meshGateway, `${at}/meshGateway`));
  const phc = obj(u.passiveHealthCheck);
  for (const k of ['maxEjectionPercent', 'enforcingConsecutive5xx']) {
    const v = num(phc[k]);
    if (v !== undefined && v > 100)
      errors.push(consul(`${at}/passiveHealthCheck/${k}`, `${v} is not a percentage between 0 and 100`));
  }
  const limits = obj(u.limits);
  for (const k of ['maxConnections', 'maxPendingRequests', 'maxConcurrentRequests']) {
    const v = num(limits[k]);
    if (v !== undefined && v < 0) errors.push(consul(`${at}/limits/${k}`, `${v} cannot be negative`));
  }
  return errors;
}

const serviceDefaults: AdmissionCheck = (o) => {
  const spec = obj(o.spec);
  const errors: string[] = [];
  if (isSet(spec.protocol) && !PROTOCOLS.includes(str(spec.protocol)))
    errors.push(webhook('/spec/protocol', `"${str(spec.protocol)}" is not one of ${PROTOCOLS.join(', ')}`));
  if (spec.mutualTLSMode !== undefined && !MTLS_MODES.includes(str(spec.mutualTLSMode)))
    errors.push(
      webhook('/spec/mutualTLSMode', `"${str(spec.mutualTLSMode)}" is not one of "", strict, permissive`),
    );
  if (spec.meshGateway !== undefined)
    errors.push(...meshGatewayErrors(spec.meshGateway, '/spec/meshGateway'));
  for (const k of ['maxInboundConnections', 'localConnectTimeoutMs', 'localRequestTimeoutMs']) {
    const v = num(spec[k]);
    if (v !== undefined && v < 0) errors.push(webhook(`/spec/${k}`, `${v} must be >= 0`));
  }
  if (isSet(spec.balanceInboundConnections) && spec.balanceInboundConnections !== 'exact_balance')
    errors.push(webhook('/spec/balanceInboundConnections', 'must be empty or exact_balance'));
  const upstreams = obj(spec.upstreamConfig);
  if (isObj(upstreams.defaults))
    errors.push(...upstreamErrors(upstreams.defaults, '/spec/upstreamConfig/defaults', 'default'));
  list(upstreams.overrides).forEach((u, i) =>
    errors.push(...upstreamErrors(obj(u), `/spec/upstreamConfig/overrides/${i}`, 'override')),
  );
  if (spec.upstreamConfig !== undefined && spec.destination !== undefined)
    errors.push(consul('/spec', 'upstreamConfig and destination cannot both be set'));
  return errors;
};

// ---------------------------------------------------------------------------------------------------------
// ServiceResolver

const SUBSET_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LB_POLICIES = ['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev'];
const HASH_FIELDS = ['header', 'cookie', 'query_parameter'];

const serviceResolver: AdmissionCheck = (o) => {
  const spec = obj(o.spec);
  const errors: string[] = [];
  const subsets = obj(spec.subsets);
  for (const [name, subset] of Object.entries(subsets)) {
    const at = ptr('spec', 'subsets', name);
    if (!SUBSET_NAME.test(name))
      errors.push(
        webhook(
          at,
          `subset name "${name}" must be lower-case letters, digits and '-', starting and ending with a letter or digit`,
        ),
      );
    const filter = str(obj(subset).filter);
    const why = filter ? bexprFilterError(filter) : undefined;
    if (why) errors.push(webhook(`${at}/filter`, `not a valid filter expression: ${why}`));
  }
  if (isSet(spec.defaultSubset) && !(str(spec.defaultSubset) in subsets))
    errors.push(
      consul('/spec/defaultSubset', `"${str(spec.defaultSubset)}" is not a subset of this resolver`),
    );
  if (spec.redirect !== undefined && Object.keys(obj(spec.failover)).length > 0)
    errors.push(webhook('/spec', 'redirect and failover cannot both be set'));
  if (spec.loadBalancer !== undefined) {
    const lb = obj(spec.loadBalancer);
    const policy = str(lb.policy);
    if (!LB_POLICIES.includes(policy))
      errors.push(
        consul('/spec/loadBalancer/policy', `"${policy}" is not one of ${LB_POLICIES.slice(1).join(', ')}`),
      );
    const hashPolicies = list(lb.hashPolicies);
    if (hashPolicies.length && policy !== 'ring_hash' && policy !== 'maglev')
      errors.push(
        consul(
          '/spec/loadBalancer/hashPolicies',
          `hash policies need policy ring_hash or maglev, not "${policy}"`,
        ),
      );
    hashPolicies.forEach((h, i) => {
      const hp = obj(h);
      const at = `/spec/loadBalancer/hashPolicies/${i}`;
      const fieldName = str(hp.field);
      if (fieldName) {
        if (!HASH_FIELDS.includes(fieldName))
          errors.push(webhook(`${at}/field`, `"${fieldName}" is not one of ${HASH_FIELDS.join(', ')}`));
        if (hp.sourceIP === true) errors.push(webhook(at, 'field and sourceIP cannot both be set'));
        else if (!isSet(hp.fieldValue))
          errors.push(webhook(`${at}/fieldValue`, 'cannot be empty when field is set'));
      } else if (isSet(hp.fieldValue)) errors.push(consul(`${at}/fieldValue`, 'needs a field to apply to'));
      if (hp.cookieConfig !== undefined && fieldName !== 'cookie')
        errors.push(consul(`${at}/cookieConfig`, `cookieConfig given for field "${fieldName}"`));
    });
  }
  return errors;
};

// ---------------------------------------------------------------------------------------------------------
// ServiceRouter

/** Envoy retry conditions Consul accepts in `retryOn` (`isValidRetryCondition`). */
const RETRY_CONDITIONS = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

const serviceRouter: AdmissionCheck = (o) => {
  const errors: string[] = [];
  list(obj(o.spec).routes).forEach((r, i) => {
    const route = obj(r);
    const at = `/spec/routes/${i}`;
    const hasMatch = isObj(route.match) && isObj(route.match.http);
    const http = hasMatch ? obj(obj(route.match).http) : {};
    const dest = obj(route.destination);
    if (isSet(dest.prefixRewrite) && !isSet(http.pathPrefix) && !isSet(http.pathExact))
      errors.push(
        webhook(at, 'destination.prefixRewrite needs match.http.pathPrefix or match.http.pathExact'),
      );
    if (hasMatch) {
      const mat = `${at}/match/http`;
      errors.push(...pathErrors(http, mat));
      list(http.header).forEach((h, j) => {
        const hdr = obj(h);
        const n = ['exact', 'prefix', 'suffix', 'regex', 'present'].filter((k) => isSet(hdr[k])).length;
        if (n > 1)
          errors.push(
            webhook(
              `${mat}/header/${j}`,
              'at most one of exact, prefix, suffix, regex or present may be set',
            ),
          );
        else if (n === 0)
          errors.push(consul(`${mat}/header/${j}`, 'needs one of present, exact, prefix, suffix or regex'));
        if (!isSet(hdr.name)) errors.push(consul(`${mat}/header/${j}/name`, 'is required'));
      });
      list(http.queryParam).forEach((q, j) => {
        const qp = obj(q);
        const n = ['exact', 'regex', 'present'].filter((k) => isSet(qp[k])).length;
        if (n > 1)
          errors.push(webhook(`${mat}/queryParam/${j}`, 'at most one of exact, regex or present may be set'));
        else if (n === 0)
          errors.push(consul(`${mat}/queryParam/${j}`, 'needs one of present, exact or regex'));
        if (!isSet(qp.name)) errors.push(consul(`${mat}/queryParam/${j}/name`, 'is required'));
      });
      // Consul upper-cases router methods before validating them (Normalize), so only unknown methods and
      // repeats (after upper-casing) are refused.
      errors.push(
        ...methodErrors(
          list(http.methods).map((m) => str(m).toUpperCase()),
          `${mat}/methods`,
          consul,
        ),
      );
    }
    list(dest.retryOn).forEach((c, j) => {
      if (!RETRY_CONDITIONS.has(str(c)))
        errors.push(
          consul(`${at}/destination/retryOn/${j}`, `"${str(c)}" is not a retry condition Consul knows`),
        );
    });
  });
  return errors;
};

// ---------------------------------------------------------------------------------------------------------
// ServiceSplitter

/** float32 rounding, as Go sums `weight float32`. */
const f32 = Math.fround;

const serviceSplitter: AdmissionCheck = (o) => {
  const errors: string[] = [];
  const splits = list(obj(o.spec).splits).map(obj);
  let sum = f32(0);
  splits.forEach((s, i) => {
    const w = f32(num(s.weight) ?? 0);
    if (w !== 0 && (w > 100 || w < f32(0.01)))
      errors.push(
        webhook(`/spec/splits/${i}/weight`, `${num(s.weight)} is not a percentage between 0.01 and 100`),
      );
    sum = f32(sum + w);
  });
  if (sum !== 100) errors.push(webhook('/spec/splits', `the weights add up to ${sum}, not 100`));
  if (!splits.length) errors.push(consul('/spec/splits', 'no splits configured'));
  // Consul keys splits by every field but the weight; header modifiers are pointers there, so two splits that
  // set them never compare equal: only splits without them can repeat.
  const seen = new Set<string>();
  splits.forEach((s, i) => {
    if (s.requestHeaders !== undefined || s.responseHeaders !== undefined) return;
    const key = JSON.stringify([
      str(s.service) || str(obj(o.metadata).name),
      str(s.serviceSubset),
      str(s.namespace),
      str(s.partition),
    ]);
    if (seen.has(key))
      errors.push(
        consul(`/spec/splits/${i}`, 'the same destination (service and subset) is split to more than once'),
      );
    seen.add(key);
  });
  return errors;
};

// ---------------------------------------------------------------------------------------------------------
// ServiceIntentions

/** Consul's `metaValueMaxLength`, the limit of an intention's description. */
const DESCRIPTION_MAX = 512;

const serviceIntentions: AdmissionCheck = (o) => {
  const spec = obj(o.spec);
  const errors: string[] = [];
  const destination = obj(spec.destination);
  // Consul CE: no namespaces, no partitions (meshc targets CE).
  if (isSet(destination.namespace))
    errors.push(
      webhook('/spec/destination/namespace', 'Consul Enterprise namespaces must be enabled to set it'),
    );
  const destName = str(destination.name);
  const destIsWild = destName === '*';
  if (destName !== '*' && destName.includes('*'))
    errors.push(consul('/spec/destination/name', "the wildcard '*' cannot be part of a name"));
  const sources = list(spec.sources).map(obj);
  if (!sources.length) errors.push(webhook('/spec/sources', 'at least one source must be given'));
  const seen = new Set<string>();
  sources.forEach((src, i) => {
    const at = `/spec/sources/${i}`;
    const perms = list(src.permissions).map(obj);
    if (perms.length && isSet(src.action))
      errors.push(webhook(at, 'action and permissions cannot both be set'));
    else if (!perms.length && src.action !== 'allow' && src.action !== 'deny')
      errors.push(webhook(`${at}/action`, `"${str(src.action)}" is not one of allow, deny`));
    if (!isSet(src.name)) errors.push(webhook(`${at}/name`, 'is required'));
    const name = str(src.name);
    if (name !== '*' && name.includes('*'))
      errors.push(consul(`${at}/name`, "the wildcard '*' cannot be part of a name"));
    for (const k of ['partition', 'peer', 'samenessGroup'])
      if (str(src[k]).includes('*')) errors.push(webhook(`${at}/${k}`, "cannot contain the wildcard '*'"));
    if (isSet(src.partition))
      errors.push(
        webhook(`${at}/partition`, 'admin partitions (Consul Enterprise) must be enabled to set it'),
      );
    if (isSet(src.namespace))
      errors.push(webhook(`${at}/namespace`, 'Consul Enterprise namespaces must be enabled to set it'));
    if (isSet(src.peer) && isSet(src.partition))
      errors.push(webhook(at, 'peer and partition cannot both be set'));
    if (isSet(src.samenessGroup) && isSet(src.partition))
      errors.push(webhook(at, 'samenessGroup and partition cannot both be set'));
    if (isSet(src.samenessGroup) && isSet(src.peer))
      errors.push(webhook(at, 'samenessGroup and peer cannot both be set'));
    if (str(src.description).length > DESCRIPTION_MAX)
      errors.push(webhook(`${at}/description`, `longer than ${DESCRIPTION_MAX} characters`));
    if (destIsWild && perms.length)
      errors.push(
        consul(`${at}/permissions`, 'permissions cannot be given on an intention whose destination is *'),
      );
    perms.forEach((perm, j) => {
      const pat = `${at}/permissions/${j}`;
      if (perm.action !== 'allow' && perm.action !== 'deny')
        errors.push(webhook(`${pat}/action`, `"${str(perm.action)}" is not one of allow, deny`));
      if (!isObj(perm.http)) {
        // Consul requires http; a JWT-only permission is refused by Consul as well.
        errors.push(consul(`${pat}/http`, 'is required'));
        return;
      }
      const http = perm.http;
      errors.push(...pathErrors(http, `${pat}/http`));
      errors.push(...methodErrors(http.methods, `${pat}/http/methods`, webhook));
      const headers = list(http.header).map(obj);
      headers.forEach((hdr, k) => {
        const hat = `${pat}/http/header/${k}`;
        const n = ['exact', 'prefix', 'suffix', 'contains', 'regex', 'present'].filter((f) =>
          isSet(hdr[f]),
        ).length;
        if (n > 1)
          errors.push(
            webhook(hat, 'at most one of exact, prefix, suffix, contains, regex or present may be set'),
          );
        if (hdr.ignoreCase === true && (hdr.present === true || isSet(hdr.regex)))
          errors.push(webhook(hat, 'ignoreCase needs one of exact, prefix, suffix or contains'));
        if (!isSet(hdr.name)) errors.push(consul(`${hat}/name`, 'is required'));
        // Consul (newest) counts contains too; a header that sets none of them is refused.
        if (n === 0)
          errors.push(consul(hat, 'needs one of present, exact, prefix, suffix, contains or regex'));
      });
      const parts =
        ['pathExact', 'pathPrefix', 'pathRegex'].filter((k) => isSet(http[k])).length +
        headers.length +
        (list(http.methods).length ? 1 : 0);
      if (parts === 0) errors.push(consul(`${pat}/http`, 'must match on a path, a header or a method'));
    });
    const key = JSON.stringify([
      name,
      str(src.namespace),
      str(src.partition),
      str(src.peer),
      str(src.samenessGroup),
    ]);
    if (seen.has(key)) errors.push(consul(at, `source "${name}" is listed more than once`));
    seen.add(key);
  });
  return errors;
};

// ---------------------------------------------------------------------------------------------------------
// Mesh and ProxyDefaults (singletons)

const mesh: AdmissionCheck = (o) =>
  str(obj(o.metadata).name) === 'mesh'
    ? []
    : [webhook('/metadata/name', 'a Mesh resource must be named "mesh"')];

const proxyDefaults: AdmissionCheck = (o) => {
  const spec = obj(o.spec);
  const errors: string[] = [];
  if (str(obj(o.metadata).name) !== 'global')
    errors.push(webhook('/metadata/name', 'a ProxyDefaults resource must be named "global"'));
  if (spec.mutualTLSMode !== undefined && !MTLS_MODES.includes(str(spec.mutualTLSMode)))
    errors.push(
      webhook('/spec/mutualTLSMode', `"${str(spec.mutualTLSMode)}" is not one of "", strict, permissive`),
    );
  if (spec.meshGateway !== undefined)
    errors.push(...meshGatewayErrors(spec.meshGateway, '/spec/meshGateway'));
  if (spec.config !== undefined && !isObj(spec.config)) errors.push(webhook('/spec/config', 'must be a map'));
  return errors;
};

const BY_KIND: Readonly<Record<string, AdmissionCheck>> = {
  ServiceDefaults: serviceDefaults,
  ServiceResolver: serviceResolver,
  ServiceRouter: serviceRouter,
  ServiceSplitter: serviceSplitter,
  ServiceIntentions: serviceIntentions,
  Mesh: mesh,
  ProxyDefaults: proxyDefaults,
};

/** What consul-k8s' webhook (and then Consul) refuses of one `consul.hashicorp.com` config entry. */
export const consulAdmission: AdmissionCheck = (o) => {
  const check = typeof o.kind === 'string' ? BY_KIND[o.kind] : undefined;
  return check ? check(o) : [];
};
