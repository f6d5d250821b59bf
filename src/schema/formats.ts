/** DNS-1123 label: what Kubernetes accepts for most object names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

const DURATION = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go-style duration (`1m30s`, `250ms`) into milliseconds; undefined if it does not parse. */
export function parseDuration(s: string): number | undefined {
  if (!DURATION.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/**
 * A Go-style duration of at least 1ms, in whole milliseconds: the resolution every mesh accepts (Istio's
 * CRDs reject less than 1ms; App Mesh counts in ms).
 */
export function isPositiveDuration(s: string): boolean {
  const ms = parseDuration(s);
  return ms !== undefined && ms >= 1 && Math.abs(ms - Math.round(ms)) < 1e-9;
}

/** The custom formats of the spec schemas, as ajv format definitions (used by the precompiled validators). */
export const SPEC_FORMATS = {
  'dns1123-label': { type: 'string', validate: isDns1123Label },
  duration: { type: 'string', validate: isPositiveDuration },
} as const;
