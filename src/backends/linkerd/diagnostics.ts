import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { checkVersionServiceNames } from '../shared/derived-names.ts';
import { isOlderThan } from '../shared/names.ts';
import { fullMatchRegex } from '../shared/gamma.ts';
import { TRACING_SINCE } from './constants.ts';
import { rustRegexError } from './rust-regex.ts';
import { httpRetryToken, UNEXPRESSIBLE_RETRY } from './route-policy.ts';
import { checkDroppedOutlierFields, checkOutlierDetection } from './services.ts';
import { ISSUER_SECRET, TRUST_ROOTS } from './trust.ts';

/** Why Linkerd needs the per-version Services (services.ts buildServices, gamma.ts backendRef). */
const LINKERD_VERSION_SERVICES =
  'Linkerd routes by Gateway API HTTPRoutes, whose backendRefs name a Service per version.';

/**
 * Values Linkerd cannot take as they are, found from the values themselves (the capability table speaks per
 * feature, these per value; the version is checked by the shared emit skeleton): the issuer secret's name, tracing without an install or with a
 * Zipkin collector, retry conditions Linkerd has no token for, outlier-detection fields it drops, per-version Service names
 * longer than a Service name may be.
 */
export function checkEnvironment(env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const trust = env.mesh.trust;
  if (trust?.type === 'existing-secret' && trust.name !== ISSUER_SECRET) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Linkerd's identity controller reads its issuer only from a secret named "${ISSUER_SECRET}" in linkerd, not "${trust.name}".`,
      hint: `Name the secret "${ISSUER_SECRET}" (type kubernetes.io/tls, keys tls.crt, tls.key, ca.crt) and provide the ConfigMap "${TRUST_ROOTS}" (key ca-bundle.crt) next to it (Linkerd docs: "Installing Linkerd with Helm", identity.issuer.scheme kubernetes.io/tls).`,
      location: env.origin(['mesh', 'trust', 'existingSecret', 'name']),
    });
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing && !isOlderThan(env.mesh.version, TRACING_SINCE)) {
    if (!env.mesh.install) {
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `Linkerd configures proxy tracing in the linkerd-control-plane chart values (proxy.tracing), and environment ${env.name} does not install the control plane (no mesh.install).`,
        hint: 'Set mesh.install so that meshc renders the chart values, or remove observability.tracing and set proxy.tracing in your own install.',
        location: env.origin(['mesh', 'observability', 'tracing']),
      });
    }
    if (tracing.provider !== 'opentelemetry') {
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Linkerd proxies export traces over OTLP only; the ${tracing.provider} provider is not expressible.`,
        hint: 'Use `provider: opentelemetry` with an OTLP collector endpoint (an OpenTelemetry Collector can forward to Zipkin).',
        location: env.origin(['mesh', 'observability', 'tracing', 'provider']),
      });
    }
  }
  for (const s of env.services)
    out.push(
      ...checkVersionServiceNames(s, 'Linkerd', LINKERD_VERSION_SERVICES),
      ...checkRetries(s),
      ...checkMatchValues(s),
      ...checkOutlierDetection(s),
    );
  out.push(...checkDroppedOutlierFields(env.services));
  return out;
}

/** Retry conditions without a Linkerd token: an error each, at the condition. */
export function checkRetries(service: ResolvedService): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of service.routes) {
    if (!r.retries || r.retries.attempts === 0) continue;
    r.retries.on.forEach((condition, i) => {
      if (httpRetryToken(condition) !== undefined) return;
      out.push({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `Linkerd cannot retry on ${condition} (${service.id}): ${UNEXPRESSIBLE_RETRY[condition] ?? 'no such condition'}.`,
        hint: 'Linkerd retries on `5xx`, `gateway-error` and `retriable-4xx` (409). Remove the condition for this environment with an override (a list in an override replaces the whole list).',
        location: service.origin(['routes', r.index, 'retries', 'on', i]),
      });
    });
  }
  return out;
}

const WEBHOOK = "Linkerd's policy controller refuses the whole HTTPRoute at admission";

/**
 * Route values Linkerd's admission webhook refuses (linkerd2 `policy-controller/k8s/index/src/routes/http.rs`,
 * called by `admission.rs`), an error each at the value: a regular expression Rust's `regex` crate does not
 * parse (RE2 takes more: a literal `{`, `\Q…\E`; meshc emits `regex` values as RE2 full matches, `^(?:R)$`).
 */
export function checkMatchValues(service: ResolvedService): Diagnostic[] {
  const out: Diagnostic[] = [];
  const regex = (value: string, path: (string | number)[], what: string) => {
    const why = rustRegexError(fullMatchRegex(value));
    if (why === undefined) return;
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `${WEBHOOK}: it compiles ${what} of ${service.id} with Rust's regex syntax, which refuses ${JSON.stringify(value)} (${why}).`,
      hint: 'Escape braces and other literal punctuation with a backslash (`\\{id\\}`); Rust has no `\\Q…\\E`, `\\C` or `{,n}`, and reads `{` only as a counted repetition.',
      location: service.origin(path),
    });
  };
  for (const r of service.routes) {
    if (r.implicit) continue;
    r.matches.forEach((m, j) => {
      const at = ['routes', r.index, 'match', j];
      for (const h of m.headers) {
        if (h.match.type === 'regex')
          regex(h.match.value, [...at, 'headers', h.name, 'regex'], `the header ${h.name} regex`);
      }
      for (const q of m.query)
        if (q.match.type === 'regex')
          regex(q.match.value, [...at, 'query', q.name, 'regex'], `the query parameter ${q.name} regex`);
      if (m.path?.type === 'regex') regex(m.path.value, [...at, 'path', 'regex'], 'the path regex');
    });
  }
  return out;
}
