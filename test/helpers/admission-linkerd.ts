/**
 * Linkerd's validating admission webhook (`linkerd-policy-validator`, run by the policy controller), as the tests
 * model it: what it refuses of an object that its CRD schema and CEL rules accept.
 *
 * Written from linkerd/linkerd2 at the tags of the versions meshc targets (2.16 = edge-24.8.2 to edge-26.8.3):
 * `policy-controller/src/admission.rs` (moved to `policy-controller/runtime/src/admission.rs` in edge-24.12),
 * `validation.rs` beside it (identities), and what they call in `policy-controller/k8s/index/src/`
 * (`routes/http.rs`: matches and filters; `outbound/index.rs` and `outbound/index/http.rs`: the route
 * annotations; `inbound/authorization_policy.rs`: targets and authentications; `defaults.rs`: access policies)
 * and `policy-controller/k8s/api/src/policy/network.rs` (CIDRs). The webhook configuration
 * (`charts/linkerd-control-plane/templates/destination-rbac.yaml`) sends it CREATE and UPDATE of the
 * policy.linkerd.io kinds and of Gateway API HTTPRoute / GRPCRoute (TLSRoute and TCPRoute since 2.17), in every
 * namespace not labelled `config.linkerd.io/admission-webhooks: disabled`.
 *
 * meshc renders the same objects for every Linkerd version it supports, so a check is modelled over the whole
 * range: an object is refused here when some supported version refuses it, and each check says which versions
 * make it. Checks that need other objects (2.16–2.17 refused a Server that selects the same pods and port as
 * another Server) are left out, as are the kinds meshc never emits (GRPCRoute, TLSRoute, TCPRoute).
 *
 * The webhook stops at the first reason; these checks list every reason they find.
 */
import type { AdmissionCheck } from './admission.ts';
import { rustRegexError } from '../../src/backends/linkerd/rust-regex.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const esc = (key: string | number) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Whether a `group` / `kind` reference names the kind `kind` of API group `group` (linkerd2
 * `k8s/api/src/policy.rs` `targets_kind`): an empty or absent group is `core`, both compared without case.
 */
function targetsKind(ref: Obj, group: string, kind: string): boolean {
  const g = str(ref.group);
  const refGroup = g === undefined || g === '' ? 'core' : g;
  const k = str(ref.kind);
  return (
    k !== undefined &&
    refGroup.toLowerCase() === (group === '' ? 'core' : group).toLowerCase() &&
    k.toLowerCase() === kind.toLowerCase()
  );
}

const canonicalKind = (ref: Obj) => {
  const g = str(ref.group);
  return g === undefined || g === '' || g === 'core' ? String(ref.kind) : `${String(ref.kind)}.${g}`;
};

const POLICY = 'policy.linkerd.io';
const GATEWAY = 'gateway.networking.k8s.io';

// ---------------------------------------------------------------------------------------------------
// Values the webhook parses

const U64_MAX = 2n ** 64n - 1n;

/** Rust `str::parse::<uN>()`: ASCII digits with an optional leading `+`, within the type's range. */
function parseUnsigned(s: string, max: bigint): bigint | undefined {
  if (!/^\+?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s.replace(/^\+/, ''));
  return n <= max ? n : undefined;
}

/**
 * Why linkerd2's `parse_duration` (`outbound/index.rs`, unchanged in what it accepts from 2.16 to edge-26.8)
 * refuses an annotation duration: trimmed, the magnitude is everything up to the last ASCII digit and must
 * be a u64 (so no sign, no fraction, no compound `1m30s`), the rest one of `ms`, `s`, `m`, `h`, `d` (a bare
 * `0` is allowed), and the product must fit a u64 of milliseconds.
 */
export function linkerdDurationError(value: string): string | undefined {
  const s = value.trim();
  let last = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if (s[i]! >= '0' && s[i]! <= '9') {
      last = i;
      break;
    }
  }
  if (last < 0) return `${JSON.stringify(s)} does not contain a timeout duration value`;
  const magnitude = parseUnsigned(s.slice(0, last + 1), U64_MAX);
  if (magnitude === undefined) return `${JSON.stringify(s)}: invalid duration magnitude`;
  const unit = s.slice(last + 1);
  const mul: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n };
  if (unit === '' && magnitude === 0n) return undefined;
  if (!(unit in mul))
    return `invalid duration unit ${JSON.stringify(unit)} (expected one of 'ms', 's', 'm', 'h', or 'd')`;
  if (magnitude * mul[unit]! > U64_MAX)
    return `${JSON.stringify(s)} overflows when converted to milliseconds`;
  return undefined;
}

function durationMs(value: string): bigint | undefined {
  if (linkerdDurationError(value) !== undefined) return undefined;
  const s = value.trim();
  const m = /^\+?([0-9]+)(ms|s|m|h|d)?$/.exec(s);
  if (!m) return undefined;
  const mul: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n };
  return BigInt(m[1]!) * (m[2] ? mul[m[2]]! : 0n);
}

/** Rust `str::parse::<f32>()` of a decimal (sign, digits, optional fraction and exponent, `inf`, `nan`). */
function parseRustFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * Why the route annotations are refused (admission.rs: checked on an HTTPRoute, either API, with a parent that
 * is a Service, or an EgressNetwork from 2.17): `parse_http_retry` and `parse_timeouts`, at every version;
 * `parse_accrual_config` from 2.16 until edge-26.6.1 (2.19 included; 2.20 stopped reading accrual on routes).
 */
export function routeAnnotationErrors(annotations: Obj): string[] {
  const errors: string[] = [];
  const at = (key: string, why: string) => errors.push(`/metadata/annotations/${esc(key)}: ${why}`);
  const get = (key: string) => str(annotations[key]);

  const limit = get('retry.linkerd.io/limit');
  if (limit !== undefined && parseUnsigned(limit, 65_535n) === undefined)
    at('retry.linkerd.io/limit', `${JSON.stringify(limit)} is not a u16`);
  for (const key of [
    'retry.linkerd.io/timeout',
    'timeout.linkerd.io/response',
    'timeout.linkerd.io/request',
    'timeout.linkerd.io/idle',
  ]) {
    const v = get(key);
    const why = v === undefined ? undefined : linkerdDurationError(v);
    if (why !== undefined) at(key, why);
  }
  const http = get('retry.linkerd.io/http');
  if (http !== undefined) {
    const code = (c: string) => {
      const n = parseUnsigned(c, 2n ** 32n - 1n);
      return n !== undefined && n >= 100n && n < 600n ? n : undefined;
    };
    for (const cond of http.split(',')) {
      const lower = cond.toLowerCase();
      if (lower === '5xx' || lower === 'gateway-error' || code(cond) !== undefined) continue;
      const dash = cond.indexOf('-');
      if (dash >= 0) {
        const [s, e] = [code(cond.slice(0, dash)), code(cond.slice(dash + 1))];
        if (s !== undefined && e !== undefined && s <= e) continue;
      }
      at('retry.linkerd.io/http', `invalid retry condition: ${http}`);
      break;
    }
  }

  // Failure accrual, 2.16 to 2.19 (edge-26.6.1).
  const mode = get('balancer.linkerd.io/failure-accrual');
  if (mode !== undefined) {
    const key = (k: string) => `balancer.linkerd.io/failure-accrual-consecutive-${k}`;
    if (mode !== 'consecutive')
      at('balancer.linkerd.io/failure-accrual', `unsupported failure accrual mode: ${mode} (2.16 to 2.19)`);
    else {
      const maxFailures = get(key('max-failures'));
      if (maxFailures !== undefined && parseUnsigned(maxFailures, 2n ** 32n - 1n) === undefined)
        at(key('max-failures'), `${JSON.stringify(maxFailures)} is not a u32 (2.16 to 2.19)`);
      const penalty = (k: string, dflt: bigint): bigint | undefined => {
        const v = get(key(k));
        if (v === undefined) return dflt;
        const why = linkerdDurationError(v);
        if (why !== undefined) at(key(k), `${why} (2.16 to 2.19)`);
        return durationMs(v);
      };
      const max = penalty('max-penalty', 60_000n);
      const min = penalty('min-penalty', 1000n);
      const jitterText = get(key('jitter-ratio'));
      const jitter = jitterText === undefined ? 0.5 : parseRustFloat(jitterText);
      if (jitter === undefined)
        at(key('jitter-ratio'), `${JSON.stringify(jitterText)} is not an f32 (2.16 to 2.19)`);
      if (min !== undefined && max !== undefined && min > max)
        at(key('min-penalty'), `min_penalty cannot exceed max_penalty (2.16 to 2.19)`);
      else if (max === 0n) at(key('max-penalty'), 'max_penalty cannot be zero (2.16 to 2.19)');
      else if (jitter !== undefined && !(jitter >= 0 && jitter <= 100))
        at(key('jitter-ratio'), 'jitter must be between 0 and 100 (2.16 to 2.19)');
    }
  }
  return errors;
}

/** The characters of an HTTP header name token (http crate `HeaderName::from_str`; any case). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why the http crate's `HeaderName::from_str` refuses a name. */
export function headerNameError(name: string): string | undefined {
  return HEADER_NAME.test(name) ? undefined : `invalid HTTP header name ${JSON.stringify(name)}`;
}

/**
 * Why the http crate's `HeaderValue::from_str` refuses a value: only visible ASCII (32–126) and tab, so
 * no control character and no non-ASCII character (a UTF-8 value is refused).
 */
export function headerValueError(value: string): string | undefined {
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (!(c === 9 || (c >= 32 && c <= 126)))
      return `invalid HTTP header value ${JSON.stringify(value)}: only visible ASCII characters are allowed`;
  }
  return undefined;
}

const DNS_LIKE_IDENTITY = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TRUST_DOMAIN_CHARS = /^[a-z0-9\-._]*$/;
const PATH_SEGMENT_CHARS = /^[A-Za-z0-9\-._]$/;

/**
 * Why linkerd2's `validate_identity` (`validation.rs`, the same from 2.16 to edge-26.8) refuses a
 * MeshTLSAuthentication identity: a SPIFFE id (`spiffe://<trust domain>[/<path>]`) or a DNS-like name (labels
 * of lowercase letters, digits and `-`, the first label may be `*`).
 */
export function identityError(id: string): string | undefined {
  if (id.startsWith('spiffe://')) {
    const rest = id.slice('spiffe://'.length);
    const slash = rest.indexOf('/');
    const cut = slash < 0 ? rest.length : slash;
    if (cut === 0) return 'SPIFFE trust domain is missing';
    if (!TRUST_DOMAIN_CHARS.test(rest.slice(0, cut)))
      return 'SPIFFE trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores';
    const path = rest.slice(cut);
    if (!path.length) return undefined;
    const segments = path.split('/').slice(1);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      for (const ch of seg)
        if (!PATH_SEGMENT_CHARS.test(ch))
          return 'SPIFFE path segment characters are limited to letters, numbers, dots, dashes, and underscores';
      if (seg === '.' || seg === '..') return 'SPIFFE path cannot contain dot segments';
      if (seg === '')
        return i === segments.length - 1
          ? 'SPIFFE path cannot have a trailing slash'
          : 'SPIFFE path cannot contain empty segments';
    }
    return undefined;
  }
  return DNS_LIKE_IDENTITY.test(id)
    ? undefined
    : 'identity must be a valid SPIFFE id or a DNS SAN (lowercase DNS labels, the first may be `*`)';
}

// ---------------------------------------------------------------------------------------------------
// CIDRs (policy/network.rs: an IP network or a single address)

interface Cidr {
  v6: boolean;
  first: bigint;
  last: bigint;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256n + BigInt(p);
  }
  return n;
}

function parseIpv6(s: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail])
    n = n * 65536n + BigInt(g);
  return n;
}

/** A CIDR or an address, or undefined when this model does not parse it (then no check is made on it). */
function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const v4 = parseIpv4(addr);
  const v6 = v4 === undefined ? parseIpv6(addr) : undefined;
  if (v4 === undefined && v6 === undefined) return undefined;
  const bits = v4 !== undefined ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  const base = (v4 ?? v6)!;
  const hostBits = BigInt(bits - prefix);
  const first = (base >> hostBits) << hostBits;
  return { v6: v4 === undefined, first, last: first + (1n << hostBits) - 1n };
}

const cidrContains = (a: Cidr, b: Cidr) => a.v6 === b.v6 && a.first <= b.first && b.last <= a.last;

/** `validate_networks` (NetworkAuthentication, EgressNetwork) and ServerAuthorization's `client.networks`. */
function networkErrors(networks: unknown[], base: string): string[] {
  const errors: string[] = [];
  networks.forEach((net, i) => {
    if (!isObj(net) || typeof net.cidr !== 'string') return;
    const cidr = parseCidr(net.cidr);
    if (!cidr) return;
    list(net.except).forEach((ex, j) => {
      if (typeof ex !== 'string') return;
      const except = parseCidr(ex);
      if (!except) return;
      if (cidrContains(except, cidr))
        errors.push(
          `${base}/${i}/except/${j}: cidr '${net.cidr as string}' is completely negated by exception '${ex}'`,
        );
      else if (!cidrContains(cidr, except))
        errors.push(
          `${base}/${i}/except/${j}: cidr '${net.cidr as string}' does not include exception '${ex}'`,
        );
    });
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------
// HTTPRoute rules (both APIs): index/src/routes/http.rs

/**
 * A match entry. The absolute-path rule of Exact and PathPrefix paths is checked on the policy.linkerd.io
 * HTTPRoute only: Gateway API's CRD refuses the same paths with a CEL rule, and an object the API server refuses
 * never reaches the webhook.
 */
function matchErrors(m: Obj, base: string, api: 'policy' | 'gateway'): string[] {
  const errors: string[] = [];
  if (isObj(m.path)) {
    const type = str(m.path.type) ?? 'PathPrefix';
    const value = str(m.path.value) ?? '/';
    if (api === 'policy' && (type === 'Exact' || type === 'PathPrefix') && !value.startsWith('/'))
      errors.push(
        `${base}/path/value: HttpPathMatch paths must be absolute (begin with \`/\`); ${JSON.stringify(value)} is not an absolute path`,
      );
    if (type === 'RegularExpression') {
      const why = rustRegexError(value);
      if (why !== undefined) errors.push(`${base}/path/value: regex parse error: ${why}`);
    }
  }
  list(m.headers).forEach((h, i) => {
    if (!isObj(h)) return;
    const name = str(h.name) ?? '';
    const value = str(h.value) ?? '';
    const why = headerNameError(name);
    if (why !== undefined) errors.push(`${base}/headers/${i}/name: ${why}`);
    const regexWhy = rustRegexError(value);
    const valueWhy =
      (str(h.type) ?? 'Exact') === 'RegularExpression'
        ? regexWhy && `regex parse error: ${regexWhy}`
        : headerValueError(value);
    if (valueWhy !== undefined) errors.push(`${base}/headers/${i}/value: ${valueWhy}`);
  });
  list(m.queryParams).forEach((q, i) => {
    if (!isObj(q) || str(q.type) !== 'RegularExpression') return;
    const why = rustRegexError(str(q.value) ?? '');
    if (why !== undefined) errors.push(`${base}/queryParams/${i}/value: regex parse error: ${why}`);
  });
  // 2.16 parsed `method` with the http crate (a token); the CRDs' enums leave nothing more to refuse.
  return errors;
}

function headerModifierErrors(mod: Obj, base: string): string[] {
  const errors: string[] = [];
  for (const op of ['set', 'add'] as const) {
    list(mod[op]).forEach((h, i) => {
      if (!isObj(h)) return;
      const n = headerNameError(str(h.name) ?? '');
      if (n !== undefined) errors.push(`${base}/${op}/${i}/name: ${n}`);
      const v = headerValueError(str(h.value) ?? '');
      if (v !== undefined) errors.push(`${base}/${op}/${i}/value: ${v}`);
    });
  }
  list(mod.remove).forEach((name, i) => {
    const n = headerNameError(typeof name === 'string' ? name : '');
    if (n !== undefined) errors.push(`${base}/remove/${i}: ${n}`);
  });
  return errors;
}

function filterErrors(f: Obj, base: string): string[] {
  const errors: string[] = [];
  if (isObj(f.requestHeaderModifier))
    errors.push(...headerModifierErrors(f.requestHeaderModifier, `${base}/requestHeaderModifier`));
  if (isObj(f.responseHeaderModifier))
    errors.push(...headerModifierErrors(f.responseHeaderModifier, `${base}/responseHeaderModifier`));
  if (isObj(f.requestRedirect) && isObj(f.requestRedirect.path)) {
    const path = f.requestRedirect.path;
    const full = str(path.replaceFullPath);
    const prefix = str(path.replacePrefixMatch);
    const value = full ?? prefix;
    const key = full !== undefined ? 'replaceFullPath' : 'replacePrefixMatch';
    if (value === undefined)
      errors.push(
        `${base}/requestRedirect/path: RequestRedirect filter must contain either replace_full_path or replace_prefix_match`,
      );
    else if (!value.startsWith('/'))
      errors.push(
        `${base}/requestRedirect/path/${key}: RequestRedirect filters may only contain absolute paths (starting with '/'); ${JSON.stringify(value)} is not an absolute path`,
      );
  }
  return errors;
}

/** Go / Kubernetes duration of a policy HTTPRoute `timeouts` field, in nanoseconds (sign included). */
function k8sDurationNs(s: string): number | undefined {
  const m = /^([+-])?((?:[0-9]+(?:\.[0-9]*)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (!m) return undefined;
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  for (const part of m[2]!.matchAll(/([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(part[1]) * unit[part[2]!]!;
  return m[1] === '-' ? -total : total;
}

/** HTTPRoute of either API: parents, route annotations, rule matches and filters, and (per API) the rest. */
function httpRouteErrors(obj: Obj, api: 'policy' | 'gateway'): string[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errors: string[] = [];
  const parents = list(spec.parentRefs).filter(isObj);
  parents.forEach((p, i) => {
    // 2.17+ (EgressNetwork exists from 2.17).
    if (targetsKind(p, POLICY, 'EgressNetwork') && p.port === undefined)
      errors.push(`/spec/parentRefs/${i}: cannot target an EgressNetwork without specifying a port`);
  });
  if (parents.some((p) => targetsKind(p, '', 'Service') || targetsKind(p, POLICY, 'EgressNetwork'))) {
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    errors.push(...routeAnnotationErrors(isObj(meta.annotations) ? meta.annotations : {}));
  }
  list(spec.rules).forEach((rule, r) => {
    if (!isObj(rule)) return;
    const base = `/spec/rules/${r}`;
    list(rule.matches).forEach((m, i) => {
      if (isObj(m)) errors.push(...matchErrors(m, `${base}/matches/${i}`, api));
    });
    list(rule.filters).forEach((f, i) => {
      if (isObj(f)) errors.push(...filterErrors(f, `${base}/filters/${i}`));
    });
    if (api === 'gateway') {
      // 2.17+ (edge-24.11.4): a Service backend needs a port. The CRD's CEL rule already refuses a Service of
      // group "" without one (defaulting gives an absent group ""), so what is left to the webhook is `core`.
      list(rule.backendRefs).forEach((b, i) => {
        if (!isObj(b)) return;
        const kind = str(b.kind);
        const isService = str(b.group) === 'core' && (kind === undefined || kind === 'Service');
        if (isService && (b.port === undefined || b.port === 0))
          errors.push(
            `${base}/backendRefs/${i}: invalid backendRef: cannot reference a Service without a port`,
          );
      });
    } else if (isObj(rule.timeouts)) {
      const t = rule.timeouts;
      const request = typeof t.request === 'string' ? k8sDurationNs(t.request) : undefined;
      const backend = typeof t.backendRequest === 'string' ? k8sDurationNs(t.backendRequest) : undefined;
      if (backend !== undefined && backend < 0)
        errors.push(`${base}/timeouts/backendRequest: backendRequest timeout must not be negative`);
      if (request !== undefined && request < 0)
        errors.push(`${base}/timeouts/request: request timeout must not be negative`);
      if (request !== undefined && backend !== undefined && backend >= 0 && request >= 0 && request < backend)
        errors.push(
          `${base}/timeouts/backendRequest: backendRequest timeout must not be greater than request timeout`,
        );
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------
// policy.linkerd.io kinds

function serverErrors(spec: Obj): string[] {
  const policy = spec.accessPolicy;
  const valid = [
    'all-authenticated',
    'all-unauthenticated',
    'cluster-authenticated',
    'cluster-unauthenticated',
    'deny',
    'audit',
  ];
  return typeof policy === 'string' && !valid.includes(policy)
    ? [`/spec/accessPolicy: Invalid 'accessPolicy' field: invalid mode: ${JSON.stringify(policy)}`]
    : [];
}

function authorizationPolicyErrors(obj: Obj, spec: Obj): string[] {
  const errors: string[] = [];
  const target = isObj(spec.targetRef) ? spec.targetRef : {};
  const namespace = isObj(obj.metadata) ? str(obj.metadata.namespace) : undefined;
  if (targetsKind(target, '', 'Namespace') && namespace !== undefined && target.name !== namespace)
    errors.push(`/spec/targetRef/name: cannot target another namespace: ${String(target.name)}`);
  const supported =
    targetsKind(target, POLICY, 'Server') ||
    targetsKind(target, '', 'Namespace') ||
    targetsKind(target, POLICY, 'HTTPRoute') ||
    targetsKind(target, GATEWAY, 'GRPCRoute');
  if (targetsKind(target, GATEWAY, 'HTTPRoute'))
    errors.push(
      `/spec/targetRef: invalid targetRef kind: ${canonicalKind(target)} (2.16 to 2.18; admitted from edge-25.5.1)`,
    );
  else if (!supported)
    errors.push(`/spec/targetRef: unsupported authorization target type: ${canonicalKind(target)}`);

  const refs = list(spec.requiredAuthenticationRefs).filter(isObj);
  const count = (group: string, kind: string) => refs.filter((r) => targetsKind(r, group, kind)).length;
  const mtls = count(POLICY, 'MeshTLSAuthentication');
  const sa = count('', 'ServiceAccount');
  const net = count(POLICY, 'NetworkAuthentication');
  const at = '/spec/requiredAuthenticationRefs';
  if (mtls > 1) errors.push(`${at}: only a single MeshTLSAuthentication may be set`);
  if (sa > 1) errors.push(`${at}: only a single ServiceAccount may be set`);
  if (mtls === 1 && sa === 1)
    errors.push(`${at}: a MeshTLSAuthentication and ServiceAccount may not be set together`);
  if (net > 1) errors.push(`${at}: only a single NetworkAuthentication may be set`);
  refs.forEach((r, i) => {
    if (
      !targetsKind(r, POLICY, 'MeshTLSAuthentication') &&
      !targetsKind(r, '', 'ServiceAccount') &&
      !targetsKind(r, POLICY, 'NetworkAuthentication')
    )
      errors.push(`${at}/${i}: unsupported authentication kind(s): ${canonicalKind(r)}`);
  });
  return errors;
}

function meshTlsErrors(spec: Obj): string[] {
  const errors: string[] = [];
  list(spec.identities).forEach((id, i) => {
    if (typeof id !== 'string') return;
    const why = identityError(id);
    if (why !== undefined) errors.push(`/spec/identities/${i}: id ${id} is invalid: ${why}`);
  });
  list(spec.identityRefs).forEach((ref, i) => {
    if (!isObj(ref) || targetsKind(ref, '', 'ServiceAccount')) return;
    if (targetsKind(ref, '', 'Namespace')) {
      if (ref.namespace !== undefined && ref.namespace !== null)
        errors.push(
          `/spec/identityRefs/${i}: Namespace identity_ref is cluster-scoped and cannot have a namespace`,
        );
      return;
    }
    errors.push(`/spec/identityRefs/${i}: invalid identity target kind: ${canonicalKind(ref)}`);
  });
  return errors;
}

function serverAuthorizationErrors(spec: Obj): string[] {
  const errors: string[] = [];
  const client = isObj(spec.client) ? spec.client : {};
  if (isObj(client.meshTLS)) {
    if (client.unauthenticated === true)
      errors.push('/spec/client/unauthenticated: `unauthenticated` must be false if `mesh_tls` is specified');
    const m = client.meshTLS;
    if (m.unauthenticatedTLS === true && list(m.identities).length + list(m.serviceAccounts).length > 0)
      errors.push(
        '/spec/client/meshTLS/unauthenticatedTLS: `unauthenticatedTLS` be false if any `identities` or `service_accounts` is specified',
      );
  }
  errors.push(...networkErrors(list(client.networks), '/spec/client/networks'));
  return errors;
}

/** HTTPLocalRateLimitPolicy (2.17+). */
function rateLimitErrors(spec: Obj): string[] {
  const errors: string[] = [];
  const target = isObj(spec.targetRef) ? spec.targetRef : {};
  if (!targetsKind(target, POLICY, 'Server'))
    errors.push(`/spec/targetRef: invalid targetRef kind: ${canonicalKind(target)}`);
  const rps = (o: unknown) =>
    isObj(o) && typeof o.requestsPerSecond === 'number' ? o.requestsPerSecond : undefined;
  const total = rps(spec.total);
  const identity = rps(spec.identity);
  const overrides = list(spec.overrides);
  if (total !== undefined) {
    if (total === 0)
      errors.push('/spec/total/requestsPerSecond: total.requestsPerSecond must be greater than 0');
    if (identity !== undefined && identity > total)
      errors.push(
        '/spec/identity/requestsPerSecond: identity.requestsPerSecond must be less than or equal to total.requestsPerSecond',
      );
    overrides.forEach((o, i) => {
      const v = rps(o);
      if (v !== undefined && v > total)
        errors.push(
          `/spec/overrides/${i}/requestsPerSecond: override.requestsPerSecond must be less than or equal to total.requestsPerSecond`,
        );
    });
  }
  if (identity === 0)
    errors.push('/spec/identity/requestsPerSecond: identity.requestsPerSecond must be greater than 0');
  overrides.forEach((o, i) => {
    if (rps(o) === 0)
      errors.push(
        `/spec/overrides/${i}/requestsPerSecond: override.requestsPerSecond must be greater than 0`,
      );
    if (!isObj(o)) return;
    list(o.clientRefs).forEach((c, j) => {
      if (isObj(c) && !targetsKind(c, '', 'ServiceAccount'))
        errors.push(
          `/spec/overrides/${i}/clientRefs/${j}: overrides.clientRefs must target a ServiceAccount`,
        );
    });
  });
  return errors;
}

/** The webhook's checks of the policy.linkerd.io kinds it admits (any version of the group). */
export const linkerdPolicyAdmission: AdmissionCheck = (obj) => {
  const spec = isObj(obj.spec) ? obj.spec : {};
  switch (obj.kind) {
    case 'Server':
      return serverErrors(spec);
    case 'AuthorizationPolicy':
      return authorizationPolicyErrors(obj, spec);
    case 'MeshTLSAuthentication':
      return meshTlsErrors(spec);
    case 'NetworkAuthentication':
      return list(spec.networks).length
        ? networkErrors(list(spec.networks), '/spec/networks')
        : ['/spec/networks: at least one network must be specified'];
    case 'EgressNetwork':
      if (spec.networks === undefined) return [];
      return list(spec.networks).length
        ? networkErrors(list(spec.networks), '/spec/networks')
        : ['/spec/networks: at least one network must be specified'];
    case 'ServerAuthorization':
      return serverAuthorizationErrors(spec);
    case 'HTTPRoute':
      return httpRouteErrors(obj, 'policy');
    case 'HTTPLocalRateLimitPolicy':
      return rateLimitErrors(spec);
    default:
      return [];
  }
};

/** The webhook's checks of Gateway API HTTPRoutes (GRPCRoute, TLSRoute, TCPRoute: meshc emits none). */
export const linkerdGatewayAdmission: AdmissionCheck = (obj) =>
  obj.kind === 'HTTPRoute' ? httpRouteErrors(obj, 'gateway') : [];
