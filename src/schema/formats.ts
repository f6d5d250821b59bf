import { parseDuration } from '../core/duration.ts';

/** DNS-1123 label: what Kubernetes accepts for most object names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(s);
}

/**
 * The Kubernetes name rules that meshc's derived names meet (k8s.io/apimachinery `pkg/util/validation`): a
 * DNS-1123 or DNS-1035 label and a label value have at most 63 characters; most other object names, custom
 * resources' among them, are DNS-1123 subdomains of at most 253.
 */
export const MAX_LABEL_LENGTH = 63;
export const MAX_OBJECT_NAME = 253;

/** DNS-1035 label: what Kubernetes accepts for a Service name (`ValidateServiceName`): it starts with a letter. */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1035Label(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && DNS1035_LABEL.test(s);
}

/** A label value (`IsValidLabelValue`): empty, or letters and digits at both ends with `-`, `_`, `.` between. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isLabelValue(s: string): boolean {
  return s.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(s);
}

// Moved to core/ so that later stages need not import schema/ for it; still exported from here.
export { parseDuration };

/**
 * The longest duration, in whole milliseconds, that a Go `time.Duration` holds (2^63-1 ns, about 292
 * years): Kubernetes validates Istio's duration fields with CEL `duration()`, which parses into one, Flux
 * and Linkerd parse theirs into one too, and Envoy's protobuf Duration (up to 10,000 years) is wider.
 */
export const MAX_DURATION_MS = 9_223_372_036_854;
/** MAX_DURATION_MS written as a duration. */
export const MAX_DURATION_TEXT = '2562047h47m16.854s';

/**
 * isPositiveDuration's answers by text: a spec repeats a handful of durations (`5s`, `30s`) thousands of
 * times, and the schema check of every Service parses each again. Bounded, so that a hostile spec of many
 * distinct durations costs no memory beyond it.
 */
const positiveDurations = new Map<string, boolean>();
const MEMO_LIMIT = 4096;

/**
 * A Go-style duration of at least 1ms, in whole milliseconds: the resolution every mesh accepts (Istio's
 * CRDs reject less than 1ms; App Mesh counts in ms), and at most MAX_DURATION_MS.
 */
export function isPositiveDuration(s: string): boolean {
  let ok = positiveDurations.get(s);
  if (ok === undefined) {
    const ms = parseDuration(s);
    ok = ms !== undefined && ms >= 1 && Math.abs(ms - Math.round(ms)) < 1e-9 && ms <= MAX_DURATION_MS;
    if (positiveDurations.size < MEMO_LIMIT) positiveDurations.set(s, ok);
  }
  return ok;
}

/** A duration that parses but is longer than MAX_DURATION_MS. */
export function isDurationTooLarge(s: string): boolean {
  const ms = parseDuration(s);
  return ms !== undefined && ms > MAX_DURATION_MS;
}

/** The longest path a Gateway API HTTPRoute match takes (`spec.rules[].matches[].path.value`, `maxLength`). */
export const MAX_HTTP_PATH = 1024;

/** A character of a URL path (RFC 3986 `pchar` and `/`), or a `%XX` escape: the set Gateway API allows. */
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;

/**
 * Why `s` is not a path the meshes match exactly as written, or undefined when it is one. A path starts with
 * `/`, uses the characters of a URL path (`%XX` for any other), and has no empty (`//`) or dot segment (`/./`,
 * `/../`, a trailing `/.` or `/..`) and no escaped `/` (`%2F`). These are the CEL rules of Gateway API's
 * HTTPRoute path match (standard channel), which Linkerd's routes and the ingress routes are: the API server
 * refuses anything else. Istio's VirtualService would take such a path, but one spec renders for every mesh,
 * and Istio's default path normalization resolves dot segments in the request path before it is matched, so a
 * route written with one would match nothing there either.
 */
export function httpPathProblem(s: string): string | undefined {
  if (!s.startsWith('/')) return 'does not start with "/"';
  if (s.length > MAX_HTTP_PATH) return `is longer than ${MAX_HTTP_PATH} characters`;
  if (!PATH_CHARS.test(s)) {
    for (let i = 0; i < s.length;) {
      const c = String.fromCodePoint(s.codePointAt(i)!);
      if (c === '%') {
        if (!/^%[0-9A-Fa-f]{2}/.test(s.slice(i))) return 'has a "%" that does not start a %XX escape';
      } else if (!PATH_CHARS.test(c))
        return `has the character ${JSON.stringify(c)}, which a URL path carries only escaped (%XX)`;
      i += c.length;
    }
  }
  if (s.includes('//')) return 'has an empty segment ("//")';
  if (s.includes('/./') || s.endsWith('/.')) return 'has a "." segment';
  if (s.includes('/../') || s.endsWith('/..')) return 'has a ".." segment';
  if (/%2f/i.test(s)) return 'has an escaped "/" ("%2F")';
  return undefined;
}

export function isHttpPath(s: string): boolean {
  return httpPathProblem(s) === undefined;
}

/**
 * Why the path of an access rule (`access[].paths[]`) can never match a request, or undefined when it can (or
 * when it has none of the forms `*`, `*suffix`, `/exact`, `/prefix*`: the schema's pattern reports that). The
 * meshes match access paths against the request path after normalization and without its query (Envoy's RBAC
 * filter, which Istio's AuthorizationPolicy and Consul's intentions become; Linkerd's inbound routes are
 * Gateway API path matches), so the part of it that is a path is held to {@link httpPathProblem}: a `?` or
 * `#`, a `//`, a `.` or `..` segment, a `%2F` make a rule that never matches, and its callers are denied. The
 * segment a wildcard cuts is partial (`/static/.*` is the prefix `/static/.`, which `/static/.well-known`
 * starts with; `*.png` ends a segment), so only whole segments are judged.
 */
export function accessPathProblem(s: string): string | undefined {
  if (s === '*') return undefined;
  const wildcard = s.indexOf('*', 1);
  // Other forms are the schema pattern's to report.
  if (s.startsWith('*') ? wildcard >= 0 : !s.startsWith('/') || (wildcard >= 0 && wildcard !== s.length - 1))
    return undefined;
  if (s.length > MAX_HTTP_PATH) return `is longer than ${MAX_HTTP_PATH} characters`;
  // A suffix, after a first segment it ends (`x` stands for what the request has before it).
  if (s.startsWith('*')) return httpPathProblem(`/x${s.slice(1)}`);
  // A prefix, its last segment made partial (`x` stands for what the request continues with).
  if (wildcard >= 0) return httpPathProblem(`${s.slice(0, -1)}x`);
  return httpPathProblem(s);
}

export function isAccessPath(s: string): boolean {
  return accessPathProblem(s) === undefined;
}

/**
 * The first control character of a header value (any but a tab), or undefined: HTTP allows none in a field
 * value (RFC 9110, 5.5), and the meshes refuse them (istiod's webhook; Linkerd's `HeaderValue`).
 */
export function headerValueControl(s: string): string | undefined {
  return /[\u0000-\u0008\u000a-\u001f\u007f]/.exec(s)?.[0];
}

export function isHttpHeaderValue(s: string): boolean {
  return headerValueControl(s) === undefined;
}

/** The custom formats of the spec schemas, as ajv format definitions (used by the precompiled validators). */
export const SPEC_FORMATS = {
  'dns1123-label': { type: 'string', validate: isDns1123Label },
  duration: { type: 'string', validate: isPositiveDuration },
  'http-path': { type: 'string', validate: isHttpPath },
  'access-path': { type: 'string', validate: isAccessPath },
  'http-header-value': { type: 'string', validate: isHttpHeaderValue },
} as const;
