/**
 * Istio's validating admission webhook (istiod's `/validate`), as the tests model it: what it refuses of the
 * `networking.istio.io`, `security.istio.io` and `telemetry.istio.io` objects that their CRD schema and CEL
 * rules accept. istiod converts the object to its proto and runs the kind's validation function, after which it
 * refuses unknown top-level fields. Written from istio/istio's `pkg/config/validation/` (validation.go,
 * virtualservice.go, header_value_validator.go, agent/validation.go), `pkg/config/security/`,
 * `pkg/config/labels/` and `pkg/webhooks/validation/server/` at 1.22 through 1.30; where a check changed across
 * those releases, the newest behaviour is modelled and the comment says which releases differ.
 *
 * The API server calls the webhook only on an object its CRD's CEL rules admit (test/helpers/cel.ts models
 * them), so a webhook check that a CEL rule already makes (workload selector labels, selector/targetRef
 * exclusivity, durations of at least 1ms, port-level mTLS ports, ...) is left out here.
 *
 * Only checks on one object are here: what needs other objects or the control plane (a VirtualService's gateway
 * existing, a DestinationRule's subsets matching pods) is left to the mesh. Warnings are not refusals and are
 * not reported. Every message is `/json/pointer: reason`.
 */
import { isIP } from 'node:net';
import { re2Error } from '../../src/validate/re2.ts';
import type { AdmissionCheck } from './admission.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);
const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

class Errors {
  readonly list: string[] = [];
  add(at: string, message: string | undefined): void {
    if (message !== undefined) this.list.push(`${at}: ${message}`);
  }
}

// ---- names, hosts and labels (pkg/config/labels, agent/validation.go) ----

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const TAG_KEY = new RegExp(
  `^([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*/)?(${QUALIFIED_NAME})$`,
);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);

export const isDns1123Label = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);

function dns1123Labels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1]!;
  // Go's strconv.Atoi: an optional sign, then decimal digits.
  if (/^[+-]?\d+$/.test(tld))
    return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    if (i === parts.length - 1 && label === '') return undefined; // a trailing dot is allowed
    if (!isDns1123Label(label)) return `domain name "${domain}" invalid (label "${label}" invalid)`;
  }
  return undefined;
}

function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

/** agent.ValidateWildcardDomain: a wildcard only in the first label. */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!(first.length <= 63 && WILDCARD_LABEL.test(first)))
    return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : dns1123Labels(domain.slice(dot + 1));
}

function fqdnError(name: string): string | undefined {
  return dnsPreconditions(name) ?? dns1123Labels(name);
}

const isIpAddress = (s: string): boolean => isIP(s) !== 0;

/** labels.Instance.Validate: keys are qualified names with an optional DNS prefix, values label values. */
function labelErrors(e: Errors, at: string, labels: unknown): void {
  for (const [k, v] of entries(labels)) {
    const m = TAG_KEY.exec(k);
    if (!m) e.add(`${at}/${esc(k)}`, `invalid tag key: "${k}"`);
    else if (m[1] && m[1].length - 1 > 253)
      e.add(`${at}/${esc(k)}`, `invalid tag key: "${k}" (DNS prefix is too long)`);
    else if (m[2]!.length > 63) e.add(`${at}/${esc(k)}`, `invalid tag key: "${k}" (name is too long)`);
    if (!LABEL_VALUE.test(str(v))) e.add(`${at}/${esc(k)}`, `invalid tag value: "${str(v)}"`);
  }
}

function portError(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

// ---- durations (agent.ValidateDuration: at least 1ms, whole milliseconds) ----

const DURATION_PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/gy;
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** A Go duration in whole nanoseconds (fractions of a nanosecond dropped), or undefined if it does not parse. */
export function durationNs(text: string): bigint | undefined {
  let s = text;
  let sign = 1n;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1n;
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  let pos = 0;
  DURATION_PART.lastIndex = 0;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    const unit = UNIT_NS[m[3]!]!;
    const whole = m[1] === '' ? 0n : BigInt(m[1]!);
    const frac = m[2] ?? '';
    total += whole * unit + (frac === '' ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length));
    pos = DURATION_PART.lastIndex;
  }
  return sign * total;
}

/**
 * agent.ValidateDuration. The CRDs' CEL rules refuse a duration under 1ms on every field checked here but
 * DestinationRule's tcp idleTimeout (`celMinimum`), and the API server calls no webhook on an object its CEL
 * rules refuse: the minimum is checked only where CEL does not.
 */
function durationError(e: Errors, at: string, v: unknown, celMinimum = true): void {
  if (typeof v !== 'string') return;
  const ns = durationNs(v);
  if (ns === undefined) return; // the schema's format, not the webhook, refuses what does not parse
  if (ns < 1_000_000n) {
    if (!celMinimum) e.add(at, 'duration must be greater than 1ms');
  } else if (ns % 1_000_000n !== 0n) e.add(at, 'only durations to ms precision are supported');
}

// ---- HTTP headers and string matches ----

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const HEADER_VALUE_CHARS = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;

/** ValidateHTTPHeaderNameOrJwtClaimRoute (1.23+; 1.22 only refuses an empty name). */
function matchHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.startsWith('@request.auth.claims.') || name.startsWith('@request.auth.claims[')) return undefined;
  if (PSEUDO_HEADERS.has(name)) return undefined;
  return HEADER_NAME.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

const isInternalHeader = (k: string): boolean => k.startsWith(':') || k.toLowerCase() === 'host';
const isAuthorityHeader = (k: string): boolean =>
  k.toLowerCase() === ':authority' || k.toLowerCase() === 'host';

/** ValidateHTTPHeaderWithAuthorityOperationName: request set/add. */
function requestSetHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternalHeader(name) && !isAuthorityHeader(name))
    return `invalid header "${name}": header cannot have ":" prefix`;
  return undefined;
}

/** ValidateHTTPHeaderOperationName: request remove, response set/add/remove. */
function headerOperationNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header "${name}": cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return undefined;
}

/** ValidateHTTPHeaderValue: no control characters, and Envoy's `%VAR%` / `%VAR(...)%` syntax (`%%` escapes `%`). */
export function headerValueError(value: string): string | undefined {
  if (!HEADER_VALUE_CHARS.test(value)) return `header value configuration ${value} is invalid`;
  type State = 'literal' | 'name' | 'array' | 'string?' | 'string' | 'delim' | 'args-end' | 'var-end';
  let state: State = 'literal';
  // Istio walks bytes; every byte that matters here is ASCII, so UTF-16 units walk the same way.
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos]!;
    const hasNext = pos + 1 < value.length;
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (!hasNext) return 'header value configuration: invalid header configuration. Un-escaped %';
        if (value[pos + 1] === '%') pos++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string?';
        else if (ch !== ' ') state = 'string';
        break;
      case 'delim':
        if (ch === ',') state = 'string?';
        else if (ch === ']') state = 'args-end';
        else if (ch !== ' ') return "header value configuration: expecting ',', ']', or whitespace";
        break;
      case 'string?':
        if (ch === '"') state = 'string';
        else if (ch !== ' ') return `header value configuration: expecting '"'`;
        break;
      case 'string':
        if (ch === '\\') {
          if (!hasNext) return 'header value configuration: un-terminated backslash in JSON string';
          pos++;
        } else if (ch === ')') state = 'var-end';
        else if (ch === '"') state = 'delim';
        break;
      case 'args-end':
        if (ch === ')') state = 'var-end';
        else if (ch !== ' ') return "header value configuration: expecting ')' or whitespace";
        break;
      case 'var-end':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return "header value configuration: expecting '%' or whitespace";
        break;
    }
  }
  return state === 'literal'
    ? undefined
    : `header value configuration: un-terminated variable expression '${value}'`;
}

function headerOpsErrors(e: Errors, at: string, headers: unknown): void {
  if (!isObj(headers)) return;
  const request = isObj(headers.request) ? headers.request : {};
  const response = isObj(headers.response) ? headers.response : {};
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of entries(request[op])) {
      e.add(`${at}/request/${op}/${esc(name)}`, requestSetHeaderNameError(name));
      e.add(`${at}/request/${op}/${esc(name)}`, headerValueError(str(value)));
    }
    for (const [name, value] of entries(response[op])) {
      e.add(`${at}/response/${op}/${esc(name)}`, headerOperationNameError(name));
      e.add(`${at}/response/${op}/${esc(name)}`, headerValueError(str(value)));
    }
  }
  arr(request.remove).forEach((n, i) => e.add(`${at}/request/remove/${i}`, headerOperationNameError(str(n))));
  arr(response.remove).forEach((n, i) =>
    e.add(`${at}/response/remove/${i}`, headerOperationNameError(str(n))),
  );
}

function regexError(re: string, where: string): string | undefined {
  if (re === '') return `"${where}": regex string match should not be empty`;
  if (re.length > 1024) return `"${where}": regex is too large, max length allowed is 1024`;
  const err = re2Error(re);
  return err === undefined ? undefined : `"${where}": ${err}; Istio uses RE2 style regex-based match`;
}

/** validateStringMatch: a prefix must not be empty; a regex must be RE2 of at most 1024 characters. */
function stringMatchError(e: Errors, at: string, sm: unknown, where: string, allowEmptyPrefix = false): void {
  if (!isObj(sm)) return;
  if (typeof sm.prefix === 'string' && sm.prefix === '' && !allowEmptyPrefix)
    e.add(`${at}/prefix`, `"${where}": prefix string match should not be empty`);
  if (typeof sm.regex === 'string') e.add(`${at}/regex`, regexError(sm.regex, where));
}

// ---- networking.istio.io ----

function percentageError(e: Errors, at: string, p: unknown): void {
  if (!isObj(p)) return;
  const v = num(p.value);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001))
    e.add(`${at}/value`, `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`);
}

function destinationErrors(e: Errors, at: string, d: unknown): void {
  if (!isObj(d)) return;
  const host = str(d.host);
  if (host === '*') e.add(`${at}/host`, `invalid destination host ${host}`);
  else e.add(`${at}/host`, wildcardDomainError(host));
  if (typeof d.subset === 'string' && d.subset !== '' && !isDns1123Label(d.subset))
    e.add(`${at}/subset`, `subset name is invalid: ${d.subset}`);
  if (isObj(d.port)) e.add(`${at}/port/number`, portError(num(d.port.number)));
}

/** net/http.StatusText is non-empty for these codes (Go's registered status codes). */
const GO_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307,
  308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421,
  422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

function retryOnPolicyValid(policy: string): boolean {
  if (RETRY_ON.has(policy)) return true;
  // strconv.Atoi, then http.StatusText(i) != ""
  return /^[+-]?\d+$/.test(policy) && GO_STATUS_CODES.has(Number(policy));
}

function retriesErrors(e: Errors, at: string, r: unknown): void {
  if (!isObj(r)) return;
  const attempts = num(r.attempts);
  if (attempts < 0) e.add(`${at}/attempts`, 'attempts cannot be negative');
  const retryOn = str(r.retryOn);
  if (
    attempts === 0 &&
    (r.perTryTimeout !== undefined || retryOn !== '' || r.retryRemoteLocalities !== undefined)
  )
    e.add(at, 'http retry policy configured when attempts are set to 0 (disabled)');
  durationError(e, `${at}/perTryTimeout`, r.perTryTimeout);
  if (retryOn !== '')
    for (const policy of retryOn.split(','))
      if (!retryOnPolicyValid(policy)) e.add(`${at}/retryOn`, `"${policy}" is not a valid retryOn policy`);
  durationError(e, `${at}/backoff`, r.backoff); // 1.26+ (the field is new there)
}

function faultErrors(e: Errors, at: string, f: unknown): void {
  if (!isObj(f)) return;
  if (f.abort === undefined && f.delay === undefined)
    e.add(at, 'HTTP fault injection must have an abort and/or a delay');
  if (isObj(f.abort)) {
    percentageError(e, `${at}/abort/percentage`, f.abort.percentage);
    if (f.abort.http2Error !== undefined)
      e.add(`${at}/abort`, 'HTTP/2 abort fault injection not supported yet');
    else if (f.abort.httpStatus !== undefined) {
      const s = num(f.abort.httpStatus);
      if (s < 200 || s > 600) e.add(`${at}/abort/httpStatus`, `HTTP status ${s} is not in range 200-599`);
    }
  }
  if (isObj(f.delay)) {
    percentageError(e, `${at}/delay/percentage`, f.delay.percentage);
    durationError(e, `${at}/delay/fixedDelay`, f.delay.fixedDelay);
    if (f.delay.exponentialDelay !== undefined) e.add(`${at}/delay`, 'exponentialDelay not supported yet');
  }
}

function gatewayNamesErrors(e: Errors, at: string, names: unknown): void {
  const list = arr(names);
  for (let i = 0; i < list.length; i++) {
    const name = str(list[i]);
    const slash = name.indexOf('/');
    if (slash < 0) {
      // Istio stops at the first name of this (legacy) form.
      e.add(`${at}/${i}`, fqdnError(name));
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') e.add(`${at}/${i}`, 'config namespace and gateway name cannot be empty');
    if (!isDns1123Label(ns)) e.add(`${at}/${i}`, `invalid value for namespace: "${ns}"`);
    if (!isDns1123Label(gw)) e.add(`${at}/${i}`, `invalid value for gateway name: "${gw}"`);
  }
}

function httpRouteErrors(e: Errors, at: string, h: Obj, delegate: boolean): void {
  const routes = arr(h.route);
  const rootRoute = !delegate && h.delegate !== undefined;
  if (rootRoute) {
    if (h.redirect !== undefined) e.add(at, `root HTTP route ${str(h.name)} must not specify redirect`);
    if (h.route !== undefined) e.add(at, `root HTTP route ${str(h.name)} must not specify route`);
  } else {
    if (delegate && h.delegate !== undefined)
      e.add(`${at}/delegate`, 'delegate HTTP route cannot contain delegate');
    if (h.redirect !== undefined) {
      if (routes.length) e.add(at, 'HTTP route cannot contain both route and redirect');
      if (h.fault !== undefined) e.add(at, 'HTTP route cannot contain both fault and redirect');
      if (h.rewrite !== undefined) e.add(at, 'HTTP route rule cannot contain both rewrite and redirect');
      if (h.directResponse !== undefined)
        e.add(at, 'HTTP route rule cannot contain both direct_response and redirect');
    } else if (h.directResponse !== undefined) {
      if (routes.length) e.add(at, 'HTTP route cannot contain both route and direct_response');
      if (h.fault !== undefined) e.add(at, 'HTTP route cannot contain both fault and direct_response');
      if (h.rewrite !== undefined)
        e.add(at, 'HTTP route rule cannot contain both rewrite and direct_response');
    } else if (!routes.length) e.add(at, 'HTTP route, redirect or direct_response is required');
    if (h.mirror !== undefined && arr(h.mirrors).length)
      e.add(at, 'HTTP route cannot contain both mirror and mirrors');
  }

  arr(h.match).forEach((m, j) => {
    if (!isObj(m)) return;
    const mat = `${at}/match/${j}`;
    for (const [name, sm] of entries(m.headers)) {
      e.add(`${mat}/headers/${esc(name)}`, matchHeaderNameError(name));
      stringMatchError(e, `${mat}/headers/${esc(name)}`, sm, 'headers');
    }
    for (const [name, sm] of entries(m.withoutHeaders)) {
      e.add(`${mat}/withoutHeaders/${esc(name)}`, matchHeaderNameError(name));
      // `regex: "*"` here means "present", not a regular expression.
      if (!(isObj(sm) && sm.regex === '*'))
        stringMatchError(e, `${mat}/withoutHeaders/${esc(name)}`, sm, 'withoutHeaders');
    }
    // An empty uri prefix is allowed (Envoy's path prefix); the other string matches refuse it.
    stringMatchError(e, `${mat}/uri`, m.uri, 'uri', true);
    stringMatchError(e, `${mat}/scheme`, m.scheme, 'scheme');
    stringMatchError(e, `${mat}/method`, m.method, 'method');
    stringMatchError(e, `${mat}/authority`, m.authority, 'authority');
    for (const [name, sm] of entries(m.queryParams))
      stringMatchError(e, `${mat}/queryParams/${esc(name)}`, sm, 'queryParams');
    if (m.port !== undefined && num(m.port) !== 0) e.add(`${mat}/port`, portError(num(m.port)));
    labelErrors(e, `${mat}/sourceLabels`, m.sourceLabels);
    gatewayNamesErrors(e, `${mat}/gateways`, m.gateways);
    if (
      typeof m.sourceNamespace === 'string' &&
      m.sourceNamespace !== '' &&
      !isDns1123Label(m.sourceNamespace)
    )
      e.add(`${mat}/sourceNamespace`, `sourceNamespace match ${m.sourceNamespace} is invalid`);
  });

  headerOpsErrors(e, `${at}/headers`, h.headers);
  // validateAuthorityRewrite: the authority is rewritten in one place only.
  let authority = isObj(h.rewrite) ? str(h.rewrite.authority) : '';
  const req = isObj(h.headers) && isObj(h.headers.request) ? h.headers.request : {};
  for (const op of ['set', 'add'] as const) {
    for (const [k] of entries(req[op])) {
      if (!isAuthorityHeader(k)) continue;
      if (authority !== '')
        e.add(`${at}/headers/request/${op}/${esc(k)}`, 'authority header cannot be set multiple times');
      authority = k;
    }
  }
  faultErrors(e, `${at}/fault`, h.fault);
  if (isObj(h.mirrorPercentage)) {
    const v = num(h.mirrorPercentage.value);
    if (v > 100)
      e.add(`${at}/mirrorPercentage/value`, `mirror_percentage must have a max value of 100 (it has ${v})`);
    if (v < 0)
      e.add(`${at}/mirrorPercentage/value`, `mirror_percentage must have a min value of 0 (it has ${v})`);
  }
  if (isObj(h.mirrorPercent) && num(h.mirrorPercent.value) > 100)
    e.add(`${at}/mirrorPercent/value`, 'mirror_percent must have a max value of 100');
  destinationErrors(e, `${at}/mirror`, h.mirror);
  arr(h.mirrors).forEach((m, j) => {
    if (!isObj(m) || !isObj(m.destination))
      e.add(`${at}/mirrors/${j}`, 'destination is required for mirrors');
    else {
      destinationErrors(e, `${at}/mirrors/${j}/destination`, m.destination);
      if (isObj(m.percentage)) {
        const v = num(m.percentage.value);
        if (v > 100 || v < 0)
          e.add(`${at}/mirrors/${j}/percentage/value`, `mirror percentage ${v} is not in 0..100`);
      }
    }
  });
  retriesErrors(e, `${at}/retries`, h.retries);
  let total = 0;
  routes.forEach((r, j) => {
    if (!isObj(r)) return;
    const rat = `${at}/route/${j}`;
    if (r.destination === undefined) e.add(rat, 'destination is required');
    headerOpsErrors(e, `${rat}/headers`, r.headers);
    destinationErrors(e, `${rat}/destination`, r.destination);
    const w = num(r.weight);
    if (w < 0) e.add(`${rat}/weight`, `weight ${w} < 0`);
    total += w;
  });
  if (routes.length > 1 && total === 0) e.add(`${at}/route`, 'total destination weight = 0');
  durationError(e, `${at}/timeout`, h.timeout);
}

function routeDestinationsErrors(e: Errors, at: string, routes: unknown[]): void {
  let total = 0;
  routes.forEach((r, j) => {
    if (!isObj(r)) return;
    if (r.destination === undefined) e.add(`${at}/${j}`, 'destination is required');
    destinationErrors(e, `${at}/${j}/destination`, r.destination);
    const w = num(r.weight);
    if (w < 0) e.add(`${at}/${j}/weight`, `weight ${w} < 0`);
    total += w;
  });
  if (routes.length > 1 && total === 0) e.add(at, 'total destination weight = 0');
}

function exportToErrors(e: Errors, at: string, namespace: string, exportTo: unknown): void {
  const list = arr(exportTo).map(str);
  if (!list.length) return;
  const seen = new Set<string>();
  list.forEach((x, i) => {
    const key = x === '.' ? namespace : x;
    if (seen.has(key)) e.add(`${at}/${i}`, `duplicate entries in exportTo for entry ${x}`);
    else if (key === '*' || key === '.' || isDns1123Label(key)) seen.add(key);
    else e.add(`${at}/${i}`, `invalid exportTo value "${x}"`);
  });
  if (seen.has('*') && list.length > 1)
    e.add(at, 'cannot have both public (*) and non-public exportTo values for a resource');
}

function virtualServiceErrors(e: Errors, obj: Obj, spec: Obj): void {
  const hosts = arr(spec.hosts).map(str);
  const gateways = arr(spec.gateways).map(str);
  if (!hosts.length) {
    if (gateways.length) e.add('/spec/gateways', 'delegate virtual service must have no gateways specified');
    if (arr(spec.tls).length) e.add('/spec/tls', 'delegate virtual service must have no tls route specified');
    if (arr(spec.tcp).length) e.add('/spec/tcp', 'delegate virtual service must have no tcp route specified');
  }
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh');
  const appliesToMesh = !appliesToGateway;
  if (gateways.length) gatewayNamesErrors(e, '/spec/gateways', spec.gateways);
  if (!appliesToGateway) {
    arr(spec.http).forEach((h, i) =>
      arr(isObj(h) ? h.match : []).forEach((m, j) => {
        for (const key of ['headers', 'withoutHeaders'])
          for (const [name] of entries(isObj(m) ? m[key] : undefined))
            if (name.startsWith('@request.auth.claims'))
              e.add(
                `/spec/http/${i}/match/${j}/${key}/${esc(name)}`,
                'JWT claim based routing is only supported for gateway',
              );
      }),
    );
  }
  let allHostsValid = true;
  hosts.forEach((host, i) => {
    // Bound to a gateway without TLS SNI routes, the check is the same wildcard-domain one.
    const err = wildcardDomainError(host);
    if (err !== undefined) {
      if (!isIpAddress(host)) {
        e.add(`/spec/hosts/${i}`, err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && host === '*') {
      e.add(
        `/spec/hosts/${i}`,
        'wildcard host * is not allowed for virtual services bound to the mesh gateway',
      );
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++)
      for (let j = i + 1; j < hosts.length; j++)
        if (hostMatches(hosts[i]!, hosts[j]!))
          e.add(`/spec/hosts/${j}`, `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
  }
  if (!arr(spec.http).length && !arr(spec.tcp).length && !arr(spec.tls).length)
    e.add('/spec', 'http, tcp or tls must be provided in virtual service');
  arr(spec.http).forEach((h, i) => {
    if (!isObj(h)) e.add(`/spec/http/${i}`, 'http route may not be null');
    else httpRouteErrors(e, `/spec/http/${i}`, h, hosts.length === 0);
  });
  arr(spec.tcp).forEach((t, i) => {
    if (!isObj(t)) return;
    arr(t.match).forEach((m, j) => {
      if (!isObj(m)) return e.add(`/spec/tcp/${i}/match/${j}`, 'tcp match may not be nil');
      if (m.port !== undefined && num(m.port) !== 0)
        e.add(`/spec/tcp/${i}/match/${j}/port`, portError(num(m.port)));
      labelErrors(e, `/spec/tcp/${i}/match/${j}/sourceLabels`, m.sourceLabels);
      gatewayNamesErrors(e, `/spec/tcp/${i}/match/${j}/gateways`, m.gateways);
    });
    if (!arr(t.route).length) e.add(`/spec/tcp/${i}`, 'TCP route is required');
    routeDestinationsErrors(e, `/spec/tcp/${i}/route`, arr(t.route));
  });
  exportToErrors(e, '/spec/exportTo', namespaceOf(obj), spec.exportTo);
}

/** host.Name.Matches: equal names, or a wildcard whose suffix covers the other. */
function hostMatches(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw)
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

function trafficPolicyErrors(e: Errors, at: string, tp: unknown): void {
  if (!isObj(tp)) return;
  const fields = [
    'outlierDetection',
    'connectionPool',
    'loadBalancer',
    'tls',
    'portLevelSettings',
    'tunnel',
    'proxyProtocol',
    'retryBudget',
  ];
  if (!fields.some((f) => tp[f] !== undefined))
    return e.add(at, 'traffic policy must have at least one field');
  if (tp.tunnel !== undefined && tp.proxyProtocol !== undefined)
    return e.add(at, 'tunnel and proxyProtocol must not be set together');
  outlierErrors(e, `${at}/outlierDetection`, tp.outlierDetection);
  connectionPoolErrors(e, `${at}/connectionPool`, tp.connectionPool);
  loadBalancerErrors(e, `${at}/loadBalancer`, tp.loadBalancer);
  arr(tp.portLevelSettings).forEach((p, i) => {
    const pat = `${at}/portLevelSettings/${i}`;
    if (!isObj(p)) return e.add(pat, 'traffic policy may not be null');
    if (p.port === undefined) e.add(pat, 'portTrafficPolicy must have valid port');
    if (
      p.outlierDetection === undefined &&
      p.connectionPool === undefined &&
      p.loadBalancer === undefined &&
      p.tls === undefined
    )
      e.add(pat, 'port traffic policy must have at least one field');
    else {
      outlierErrors(e, `${pat}/outlierDetection`, p.outlierDetection);
      connectionPoolErrors(e, `${pat}/connectionPool`, p.connectionPool);
      loadBalancerErrors(e, `${pat}/loadBalancer`, p.loadBalancer);
    }
  });
}

function outlierErrors(e: Errors, at: string, o: unknown): void {
  if (!isObj(o)) return;
  durationError(e, `${at}/baseEjectionTime`, o.baseEjectionTime);
  durationError(e, `${at}/interval`, o.interval);
  const local = o.consecutiveLocalOriginFailures;
  if (o.splitExternalLocalOriginErrors !== true && num(local) > 0)
    e.add(
      at,
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
    );
  for (const k of ['maxEjectionPercent', 'minHealthPercent']) {
    const v = num(o[k]);
    if (v < 0 || v > 100) e.add(`${at}/${k}`, `percentage ${v} is not in range 0..100`);
  }
}

function connectionPoolErrors(e: Errors, at: string, c: unknown): void {
  if (!isObj(c)) return;
  if (c.http === undefined && c.tcp === undefined)
    return e.add(at, 'connection pool must have at least one field');
  if (isObj(c.http)) {
    for (const k of [
      'http1MaxPendingRequests',
      'http2MaxRequests',
      'maxRequestsPerConnection',
      'maxRetries',
      'maxConcurrentStreams',
    ])
      if (num(c.http[k]) < 0) e.add(`${at}/http/${k}`, `${k} must be non-negative`);
    durationError(e, `${at}/http/idleTimeout`, c.http.idleTimeout);
    if (c.http.h2UpgradePolicy === 'UPGRADE' && c.http.useClientProtocol === true)
      e.add(`${at}/http`, 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
  }
  if (isObj(c.tcp)) {
    if (num(c.tcp.maxConnections) < 0)
      e.add(`${at}/tcp/maxConnections`, 'max connections must be non-negative');
    durationError(e, `${at}/tcp/connectTimeout`, c.tcp.connectTimeout);
    durationError(e, `${at}/tcp/maxConnectionDuration`, c.tcp.maxConnectionDuration);
    // 0s turns the idle timeout off (1.23+ validates idleTimeout and tcpKeepalive at all).
    if (typeof c.tcp.idleTimeout === 'string' && durationNs(c.tcp.idleTimeout) !== 0n)
      durationError(e, `${at}/tcp/idleTimeout`, c.tcp.idleTimeout, false);
    if (isObj(c.tcp.tcpKeepalive)) {
      durationError(e, `${at}/tcp/tcpKeepalive/time`, c.tcp.tcpKeepalive.time);
      durationError(e, `${at}/tcp/tcpKeepalive/interval`, c.tcp.tcpKeepalive.interval);
    }
  }
}

function loadBalancerErrors(e: Errors, at: string, lb: unknown): void {
  if (!isObj(lb) || !isObj(lb.consistentHash)) return;
  const ch = lb.consistentHash;
  if (isObj(ch.httpCookie) && str(ch.httpCookie.name) === '')
    e.add(`${at}/consistentHash/httpCookie`, 'name required for HttpCookie');
  if (num(ch.minimumRingSize) !== 0 && (ch.ringHash !== undefined || ch.maglev !== undefined))
    e.add(`${at}/consistentHash`, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
}

function destinationRuleErrors(e: Errors, obj: Obj, spec: Obj): void {
  e.add('/spec/host', wildcardDomainError(str(spec.host)));
  trafficPolicyErrors(e, '/spec/trafficPolicy', spec.trafficPolicy);
  const names = new Set<string>();
  arr(spec.subsets).forEach((s, i) => {
    const at = `/spec/subsets/${i}`;
    if (!isObj(s)) return e.add(at, 'subset may not be null');
    const name = str(s.name);
    if (names.has(name)) e.add(`${at}/name`, `duplicate subset names: ${name}`);
    names.add(name);
    if (name === '') e.add(`${at}/name`, 'subset name cannot be empty');
    else if (!isDns1123Label(name)) e.add(`${at}/name`, `subset name is invalid: ${name}`);
    labelErrors(e, `${at}/labels`, s.labels);
    trafficPolicyErrors(e, `${at}/trafficPolicy`, s.trafficPolicy);
  });
  exportToErrors(e, '/spec/exportTo', namespaceOf(obj), spec.exportTo);
}

const PROTOCOLS = new Set([
  'tcp',
  'udp',
  'grpc',
  'grpc-web',
  'http',
  'http_proxy',
  'http2',
  'https',
  'tls',
  'mongo',
  'redis',
  'mysql',
]);
const HTTP_PROTOCOLS = new Set(['http', 'http2', 'http_proxy', 'grpc', 'grpc-web']);
const TLS_PROTOCOLS = new Set(['https', 'tls']);

function gatewayHostErrors(e: Errors, at: string, hostname: string): void {
  const slash = hostname.indexOf('/');
  let dnsName = hostname;
  if (slash >= 0) {
    const ns = hostname.slice(0, slash);
    dnsName = hostname.slice(slash + 1);
    if (ns === '' || dnsName === '') e.add(at, 'config namespace and dnsName in host entry cannot be empty');
    if (ns !== '*' && ns !== '.' && !isDns1123Label(ns))
      e.add(at, `invalid namespace value "${ns}" in gateway`);
  }
  if (dnsName !== '*' && !dnsName.includes('.')) e.add(at, 'short names (non FQDN) are not allowed');
  const err = wildcardDomainError(dnsName);
  if (err !== undefined && !isIpAddress(dnsName)) e.add(at, err);
  if (dnsName.includes('*') && dnsName.length !== 1 && !dnsName.startsWith('*.'))
    e.add(at, `partial wildcard "${dnsName}" not allowed`);
}

function serverTlsErrors(e: Errors, at: string, tls: Obj): void {
  const mode = str(tls.mode) || 'PASSTHROUGH';
  const credentialNames = arr(tls.credentialNames);
  const tlsCertificates = arr(tls.tlsCertificates);
  if (mode === 'ISTIO_MUTUAL') {
    for (const k of ['serverCertificate', 'privateKey', 'caCertificates', 'credentialName'])
      if (str(tls[k]) !== '') e.add(`${at}/${k}`, `ISTIO_MUTUAL TLS cannot have associated ${k}`);
    if (tlsCertificates.length)
      e.add(`${at}/tlsCertificates`, 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    if (credentialNames.length)
      e.add(`${at}/credentialNames`, 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    return;
  }
  const sources =
    Number(str(tls.serverCertificate) !== '' && str(tls.privateKey) !== '') +
    Number(str(tls.credentialName) !== '') +
    Number(credentialNames.length > 0) +
    Number(tlsCertificates.length > 0);
  // The CRD's CEL rules refuse credentialNames next to credentialName or tlsCertificates first.
  const celRefuses =
    tls.credentialNames !== undefined &&
    (tls.credentialName !== undefined || tls.tlsCertificates !== undefined);
  if (sources > 1 && !celRefuses)
    e.add(
      at,
      'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified',
    );
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (terminating && (str(tls.credentialName) !== '' || credentialNames.length)) return;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && str(tls.caCertificates) === '')
      e.add(at, `${prefix} requires a client CA bundle`);
    const certs = tlsCertificates.length ? tlsCertificates.map((c) => (isObj(c) ? c : {})) : [tls];
    for (const c of certs) {
      if (str(c.serverCertificate) === '') e.add(at, `${prefix} requires a server certificate`);
      if (str(c.privateKey) === '') e.add(at, `${prefix} requires a private key`);
    }
  }
  if (str(tls.caCrl) !== '') {
    if (str(tls.credentialName) !== '') e.add(`${at}/caCrl`, 'CRL is not supported with credentialName');
    if (mode === 'SIMPLE') e.add(`${at}/caCrl`, 'CRL is not supported with SIMPLE TLS');
  }
}

function gatewayErrors(e: Errors, obj: Obj, spec: Obj): void {
  const name = isObj(obj.metadata) ? str(obj.metadata.name) : '';
  if (!isDns1123Label(name)) e.add('/metadata/name', `invalid gateway name: "${name}"`);
  const servers = arr(spec.servers);
  if (!servers.length) e.add('/spec/servers', 'gateway must have at least one server');
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const at = `/spec/servers/${i}`;
    if (!isObj(s)) return e.add(at, 'server may not be nil');
    const hosts = arr(s.hosts);
    if (!hosts.length) e.add(`${at}/hosts`, 'server config must contain at least one host');
    hosts.forEach((h, j) => gatewayHostErrors(e, `${at}/hosts/${j}`, str(h)));
    const bind = str(s.bind);
    let portOk = true;
    if (!isObj(s.port)) {
      e.add(`${at}/port`, 'port is required');
      portOk = false;
    } else {
      const p = s.port;
      if (!PROTOCOLS.has(str(p.protocol).toLowerCase())) {
        e.add(`${at}/port/protocol`, `invalid protocol "${str(p.protocol)}"`);
        portOk = false;
      }
      if (num(p.number) > 0 || !bind.startsWith('unix://')) {
        const err = portError(num(p.number));
        if (err) portOk = false;
        e.add(`${at}/port/number`, err);
      }
      if (num(p.targetPort) > 0) {
        e.add(`${at}/port/targetPort`, 'targetPort has no impact on Gateways');
        portOk = false;
      }
      if (str(p.name) === '') {
        e.add(`${at}/port/name`, 'port name must be set');
        portOk = false;
      }
      if (portNames.has(str(p.name)))
        e.add(`${at}/port/name`, `port names in servers must be unique: duplicate name ${str(p.name)}`);
      portNames.add(str(p.name));
    }
    if (bind !== '' && !bind.startsWith('unix://') && !isIpAddress(bind))
      e.add(`${at}/bind`, `${bind} is not a valid IP`);
    if (isObj(s.tls)) serverTlsErrors(e, `${at}/tls`, s.tls);
    if (portOk && isObj(s.port)) {
      const proto = str(s.port.protocol).toLowerCase();
      if (TLS_PROTOCOLS.has(proto) && !isObj(s.tls))
        e.add(`${at}`, 'server must have TLS settings for HTTPS/TLS protocols');
      else if (!TLS_PROTOCOLS.has(proto) && isObj(s.tls)) {
        const tls = s.tls;
        const mode = str(tls.mode) || 'PASSTHROUGH';
        const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
        if (HTTP_PROTOCOLS.has(proto)) {
          if (
            !passthrough ||
            str(tls.caCertificates) !== '' ||
            str(tls.privateKey) !== '' ||
            str(tls.serverCertificate) !== ''
          )
            e.add(`${at}/tls`, 'server cannot have TLS settings for plain text HTTP ports');
        } else e.add(`${at}/tls`, 'server cannot have TLS settings for non HTTPS/TLS ports');
      }
    }
  });
}

// ---- security.istio.io ----

const MATCH_ONE = '{*}';
const MATCH_ANY = '{**}';
const PATH_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** security.CheckValidPathTemplate (1.22+). */
export function pathTemplateError(path: string): string | undefined {
  const hasTemplate = path.includes(MATCH_ONE) || path.includes(MATCH_ANY);
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  let foundAny = false;
  for (const glob of trimmed.split('/')) {
    if (glob === MATCH_ONE && !foundAny) continue;
    if (glob === MATCH_ANY && !foundAny) {
      foundAny = true;
      continue;
    }
    if ((glob === MATCH_ANY || glob === MATCH_ONE) && foundAny)
      return `invalid or unsupported path ${trimmed}: {**} is not the last operator`;
    if (/[{}]/.test(glob))
      return `invalid or unsupported path ${trimmed}: contains '{' or '}' beyond a supported path template`;
    if (hasTemplate && !PATH_LITERAL.test(glob))
      return `invalid or unsupported path ${trimmed}: contains segment ${glob} with invalid string literal`;
  }
  return undefined;
}

function emptyValues(e: Errors, at: string, key: string, values: unknown): void {
  if (arr(values).some((v) => str(v) === ''))
    e.add(`${at}/${key}`, `empty value not allowed, found in ${key}`);
}

const SOURCE_FIELDS = [
  'principals',
  'requestPrincipals',
  'namespaces',
  'ipBlocks',
  'remoteIpBlocks',
  'notPrincipals',
  'notRequestPrincipals',
  'notNamespaces',
  'notIpBlocks',
  'notRemoteIpBlocks',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
];
const OPERATION_FIELDS = [
  'ports',
  'methods',
  'paths',
  'hosts',
  'notPorts',
  'notMethods',
  'notPaths',
  'notHosts',
];

function authorizationPolicyErrors(e: Errors, _obj: Obj, spec: Obj): void {
  const action = str(spec.action) || 'ALLOW';
  if (spec.provider !== undefined && action !== 'CUSTOM')
    e.add('/spec/provider', `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && spec.rules === undefined)
    e.add('/spec', 'DENY action without `rules` is meaningless as it will never be triggered');
  if (action === 'CUSTOM') {
    if (spec.rules === undefined)
      e.add('/spec', 'CUSTOM action without `rules` is meaningless as it will never be triggered');
    else if (!isObj(spec.provider) || str(spec.provider.name) === '')
      e.add('/spec/provider', '`provider.name` must not be empty');
  }
  arr(spec.rules).forEach((rule, i) => {
    const at = `/spec/rules/${i}`;
    if (!isObj(rule)) return e.add(at, `\`rule\` must not be nil, found at rule ${i}`);
    if (Array.isArray(rule.from) && rule.from.length === 0)
      e.add(`${at}/from`, `\`from\` must not be empty, found at rule ${i}`);
    arr(rule.from).forEach((f, j) => {
      const fat = `${at}/from/${j}`;
      if (!isObj(f) || !isObj(f.source))
        return e.add(fat, `\`from.source\` must not be nil, found at rule ${i}`);
      const src = f.source;
      const n = (k: string): number => arr(src[k]).length;
      // serviceAccounts next to principals or namespaces: the CRD's CEL rule refuses it before the webhook.
      if (SOURCE_FIELDS.every((k) => n(k) === 0))
        e.add(`${fat}/source`, `\`from.source\` must not be empty, found at rule ${i}`);
      for (const k of SOURCE_FIELDS)
        if (!['serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'].includes(k))
          emptyValues(e, `${fat}/source`, k, src[k]);
      if (action === 'CUSTOM')
        for (const k of SOURCE_FIELDS.filter((x) => !/ipBlocks|IpBlocks/.test(x)))
          if (n(k)) e.add(`${fat}/source/${k}`, `From.${k} is currently not supported with CUSTOM action`);
    });
    if (Array.isArray(rule.to) && rule.to.length === 0)
      e.add(`${at}/to`, `\`to\` must not be empty, found at rule ${i}`);
    arr(rule.to).forEach((t, j) => {
      const tat = `${at}/to/${j}`;
      if (!isObj(t) || !isObj(t.operation))
        return e.add(tat, `\`to.operation\` must not be nil, found at rule ${i}`);
      const op = t.operation;
      if (OPERATION_FIELDS.every((k) => arr(op[k]).length === 0))
        e.add(`${tat}/operation`, `\`to.operation\` must not be empty, found at rule ${i}`);
      for (const k of OPERATION_FIELDS) emptyValues(e, `${tat}/operation`, k, op[k]);
      for (const k of ['paths', 'notPaths'])
        arr(op[k]).forEach((p, m) => e.add(`${tat}/operation/${k}/${m}`, pathTemplateError(str(p))));
    });
    arr(rule.when).forEach((c, j) => {
      if (!isObj(c)) return e.add(`${at}/when/${j}`, 'when field cannot be nil');
      if (str(c.key) === '') e.add(`${at}/when/${j}/key`, '`key` must not be empty');
      else if (!arr(c.values).length && !arr(c.notValues).length)
        e.add(
          `${at}/when/${j}`,
          `at least one of \`values\` or \`notValues\` must be set for key ${str(c.key)}`,
        );
    });
  });
}

function peerAuthenticationErrors(e: Errors, spec: Obj): void {
  // Port-level mTLS without a selector, and ports outside 1..65535, are refused by the CRD's CEL rules first.
  if (spec.portLevelMtls !== undefined && entries(spec.portLevelMtls).length === 0)
    e.add('/spec/portLevelMtls', 'port level mTLS, if defined, must have at least one element');
}

// ---- telemetry.istio.io ----

function providersError(e: Errors, at: string, providers: unknown): void {
  if (arr(providers).some((p) => !isObj(p) || str(p.name) === ''))
    e.add(at, 'providers.name may not be empty');
}

function telemetryErrors(e: Errors, spec: Obj): void {
  arr(spec.metrics).forEach((m, i) => {
    if (!isObj(m)) return;
    providersError(e, `/spec/metrics/${i}/providers`, m.providers);
    arr(m.overrides).forEach((o, j) => {
      if (!isObj(o)) return e.add(`/spec/metrics/${i}/overrides/${j}`, 'tagOverrides may not be null');
      for (const [tag, to] of entries(o.tagOverrides)) {
        const at = `/spec/metrics/${i}/overrides/${j}/tagOverrides/${esc(tag)}`;
        if (!isObj(to)) {
          e.add(at, 'tagOverrides may not be null');
          continue;
        }
        // An explicit UPSERT or REMOVE is judged by the CRD's CEL rules first; without an operation the
        // webhook reads UPSERT (the proto default), which CEL does not.
        if (to.operation === undefined && str(to.value) === '')
          e.add(at, 'tagOverrides.value must be set when operation is UPSERT');
      }
      if (isObj(o.match) && o.match.customMetric === '')
        e.add(`/spec/metrics/${i}/overrides/${j}/match`, 'customMetric may not be empty');
    });
  });
  arr(spec.tracing).forEach((t, i) => {
    if (!isObj(t)) return;
    const at = `/spec/tracing/${i}`;
    providersError(e, `${at}/providers`, t.providers);
    const pct = t.randomSamplingPercentage;
    if (typeof pct === 'number' && (pct < 0 || pct > 100))
      e.add(`${at}/randomSamplingPercentage`, 'randomSamplingPercentage must be in range [0.0, 100.0]');
    for (const [name, tag] of entries(t.customTags)) {
      const tat = `${at}/customTags/${esc(name)}`;
      if (name === '') e.add(tat, 'tag name may not be empty');
      if (!isObj(tag)) {
        e.add(tat, `tag '${name}' may not have a nil value`);
        continue;
      }
      if (isObj(tag.literal) && str(tag.literal.value) === '')
        e.add(`${tat}/literal`, 'literal tag value may not be empty');
      if (isObj(tag.header) && str(tag.header.name) === '')
        e.add(`${tat}/header`, 'header tag name may not be empty');
      if (isObj(tag.environment) && str(tag.environment.name) === '')
        e.add(`${tat}/environment`, 'environment tag name may not be empty');
    }
  });
  arr(spec.accessLogging).forEach((l, i) => {
    if (isObj(l)) providersError(e, `/spec/accessLogging/${i}/providers`, l.providers);
  });
}

// ---- every Istio kind: metadata and top-level fields ----

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const DRY_RUN = 'istio.io/dry-run';
const FORBIDDEN_ANNOTATIONS = [
  'internal.istio.io/webhook-always-reject',
  'internal.istio.io/parent-namespace', // 1.27+
  'internal.istio.io/parents', // 1.27+
];

function namespaceOf(obj: Obj): string {
  return isObj(obj.metadata) ? str(obj.metadata.namespace) : '';
}

function commonErrors(e: Errors, obj: Obj, kind: string, spec: Obj): void {
  const annotations = isObj(obj.metadata) && isObj(obj.metadata.annotations) ? obj.metadata.annotations : {};
  if (DRY_RUN in annotations) {
    if (kind !== 'AuthorizationPolicy')
      e.add(`/metadata/annotations/${esc(DRY_RUN)}`, `unsupported annotation ${DRY_RUN}`);
    else {
      const action = str(spec.action) || 'ALLOW';
      if (action !== 'ALLOW' && action !== 'DENY')
        e.add(
          `/metadata/annotations/${esc(DRY_RUN)}`,
          `${DRY_RUN} only supports action ALLOW/DENY, found ${action}`,
        );
      // Go's strconv.ParseBool
      else if (
        !['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(
          str(annotations[DRY_RUN]),
        )
      )
        e.add(
          `/metadata/annotations/${esc(DRY_RUN)}`,
          `invalid value for ${DRY_RUN}: ${str(annotations[DRY_RUN])}`,
        );
    }
  }
  for (const a of FORBIDDEN_ANNOTATIONS)
    if (a in annotations) e.add(`/metadata/annotations/${esc(a)}`, `"${a}" annotation found, rejecting`);
  for (const k of Object.keys(obj)) if (!TOP_LEVEL.has(k)) e.add(`/${esc(k)}`, `unknown field "${k}"`);
}

type KindCheck = (e: Errors, obj: Obj, spec: Obj) => void;

function groupCheck(kinds: Record<string, KindCheck>): AdmissionCheck {
  return (obj) => {
    const kind = str(obj.kind);
    const check = kinds[kind];
    if (!check) return [];
    const e = new Errors();
    const spec = isObj(obj.spec) ? obj.spec : {};
    commonErrors(e, obj, kind, spec);
    check(e, obj, spec);
    return e.list;
  };
}

/** networking.istio.io: VirtualService, DestinationRule, Gateway (the kinds meshc emits). */
export const istioNetworkingAdmission: AdmissionCheck = groupCheck({
  VirtualService: virtualServiceErrors,
  DestinationRule: destinationRuleErrors,
  Gateway: gatewayErrors,
});

/** security.istio.io: AuthorizationPolicy, PeerAuthentication. */
export const istioSecurityAdmission: AdmissionCheck = groupCheck({
  AuthorizationPolicy: authorizationPolicyErrors,
  PeerAuthentication: (e, _obj, spec) => peerAuthenticationErrors(e, spec),
});

/** telemetry.istio.io: Telemetry. */
export const istioTelemetryAdmission: AdmissionCheck = groupCheck({
  Telemetry: (e, _obj, spec) => telemetryErrors(e, spec),
});
