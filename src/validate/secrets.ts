import { createPrivateKey } from 'node:crypto';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { locate } from '../parse/locate.ts';
import type { SpecDoc } from './documents.ts';

/**
 * What a secret looks like. The token formats follow the rules of the maintained detectors gitleaks
 * (`config/gitleaks.toml`: private-key, aws-access-token, gcp-api-key, stripe-access-token, github-pat,
 * gitlab-pat, slack tokens, jwt, npm-access-token) and secretlint (rule-aws's secret access key, rule-basicauth,
 * rule-privatekey), taken as facts. Certificates are public and never match: only private keys do.
 */
interface Rule {
  readonly what: string;
  readonly test: (s: string) => boolean;
}

const re = (what: string, pattern: RegExp): Rule => ({ what, test: (s) => pattern.test(s) });

/** A PEM private key header: PKCS#1/#8, EC, OpenSSH, encrypted, and PGP `PRIVATE KEY BLOCK`. */
const PEM_PRIVATE_KEY = /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----/;
/**
 * base64 of `-----BEGIN` at the three byte alignments it can have in the encoded text (only the characters
 * that depend on those ten bytes alone), and what follows it.
 */
const BASE64_PEM = /(LS0tLS1CRUdJT|0tLS0tQkVHSU|tLS0tLUJFR0lO)[A-Za-z0-9+/=\s]*/g;
/** A run of base64 long enough to hold a private key in DER (an Ed25519 PKCS#8 key is 64 characters). */
const BASE64_RUN = /M[A-Za-z0-9+/]{63,}={0,2}/g;
const AWS_SECRET_VALUE = /^[A-Za-z0-9/+=]{40}$/;
/** Mapping keys (or `KEY=` in a string) that hold an AWS secret access key. */
const AWS_SECRET_NAME = /(aws)?[_-]?secret[_-]?(access)?[_-]?key/i;
const AWS_SECRET_INLINE =
  /aws[_-]?secret[_-]?access[_-]?key["']?\s*(:|=>|=)\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i;

const RULES: readonly Rule[] = [
  re('private key material', PEM_PRIVATE_KEY),
  { what: 'a base64-encoded private key (PEM)', test: (s) => base64PemKey(s) },
  { what: 'a base64-encoded private key (DER)', test: (s) => derPrivateKey(s) },
  re('a bearer token', /\bbearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i),
  { what: 'Basic-auth credentials', test: (s) => basicAuth(s) },
  { what: 'a password inside a URL', test: (s) => urlPassword(s) },
  {
    what: 'a JSON Web Token',
    test: (s) =>
      s.includes('.eyJ') && /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8}/.test(s),
  },
  re(
    'an access token',
    /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}|\bglpat-[A-Za-z0-9_-]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bnpm_[A-Za-z0-9]{36}\b/,
  ),
  re('an AWS access key id', /\b(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/),
  re('an AWS secret access key', AWS_SECRET_INLINE),
  re('a Google API key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/),
  re('a Stripe secret key', /\b(sk|rk)_(live|test|prod)_[A-Za-z0-9]{10,99}\b/),
];

/**
 * The pre-filter of secretKind: a literal that each rule's pattern cannot match without, one alternative per
 * rule (`-----BEGIN`: a PEM header; `LS0t`: inside each of BASE64_PEM's three alignments of base64
 * `-----BEGIN`; `bearer`, `basic`: their rules' words; `://`: a URL; `.eyJ`: a JWT; `_`, `glpat-`, `xox`:
 * the access tokens and a Stripe key; the AWS key id prefixes; `aws`: the inline AWS secret; `AIza`: a
 * Google key). Case-insensitive, which only lets more strings through.
 */
const MAY_BE_SECRET =
  /-----BEGIN|LS0t|bearer|basic|:\/\/|\.eyJ|_|glpat-|xox|A3T|AKIA|ASIA|ABIA|ACCA|aws|AIza/i;
/** The shortest string a rule can match: `://a:b@` (a password inside a URL). */
const SHORTEST_SECRET = 7;
/** Strings this long go through every rule: a base64 DER key body has no literal to look for. */
const DER_MIN = 64;

/**
 * What secret `s` looks like, or undefined. `key` is the mapping key holding `s`, for context rules.
 *
 * Fast path: almost every string of a spec (names, ports, durations, labels) can match no rule, and running
 * the rules on it (a dozen expressions, base64 decoding, whitespace stripping) was most of validate's time.
 * A string shorter than any secret, or one under 64 characters with none of the literals of MAY_BE_SECRET
 * (and no 40-character value under a key, the AWS context rule), is answered without them. Each literal is
 * required by its rule's pattern, so the answer is the one detectSecret gives (a property test checks it).
 */
export function secretKind(s: string, key?: string): string | undefined {
  if (s.length < SHORTEST_SECRET) return undefined;
  if (s.length < DER_MIN && !(key !== undefined && s.length === 40) && !MAY_BE_SECRET.test(s))
    return undefined;
  return detectSecret(s, key);
}

/** Every rule, run on `s`: what secretKind answers, without its pre-filter. */
export function detectSecret(s: string, key?: string): string | undefined {
  for (const rule of RULES) if (rule.test(s)) return rule.what;
  if (key !== undefined && AWS_SECRET_NAME.test(key) && AWS_SECRET_VALUE.test(s) && !/^[0-9a-f]+$/.test(s))
    return 'an AWS secret access key';
  return undefined;
}

function base64PemKey(s: string): boolean {
  for (const m of s.matchAll(BASE64_PEM)) {
    // The realigned decoding may lose the first dash or two: match from BEGIN on.
    const text = decodeAligned(m[0].replace(/\s+/g, ''));
    if (/BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----/.test(text)) return true;
  }
  return false;
}

/** Decodes base64 that may start anywhere in a 4-character group: every realignment, one a line. */
function decodeAligned(b64: string): string {
  const out: string[] = [];
  for (const prefix of ['', 'A', 'AA', 'AAA'])
    out.push(Buffer.from(prefix + b64, 'base64').toString('latin1'));
  return out.join('\n');
}

/**
 * A private key as base64 DER (the body of a PEM block, or a Kubernetes Secret's data): either node's
 * crypto parses it as PKCS#8, PKCS#1 or SEC1, or (for a truncated body) it starts like one: a SEQUENCE
 * whose first element is the INTEGER version 0 or 1. Certificates and public keys start with a nested
 * SEQUENCE instead, so they never match.
 */
function derPrivateKey(s: string): boolean {
  const compact = s.replace(/\s+/g, '');
  for (const m of compact.matchAll(BASE64_RUN)) {
    const der = Buffer.from(m[0], 'base64');
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        createPrivateKey({ key: der, format: 'der', type });
        return true;
      } catch {
        // not this encoding
      }
    }
    if (der[0] !== 0x30) continue;
    const lengthBytes = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
    const i = 2 + lengthBytes;
    if (der[i] === 0x02 && der[i + 1] === 0x01 && (der[i + 2] === 0x00 || der[i + 2] === 0x01)) return true;
  }
  return false;
}

/**
 * `scheme://user:password@host`: found from each `://`, so that a long run of letters costs one pass (a
 * regular expression starting at the scheme would rescan the run from every letter).
 */
function urlPassword(s: string): boolean {
  for (let i = s.indexOf('://'); i >= 0; i = s.indexOf('://', i + 3)) {
    const authority = /^[^\s/?#]*/.exec(s.slice(i + 3, i + 3 + 2048))![0];
    const at = authority.lastIndexOf('@');
    if (at > 0 && /^[^:@]+:[^@]+$/.test(authority.slice(0, at))) return true;
  }
  return false;
}

function basicAuth(s: string): boolean {
  for (const m of s.matchAll(/\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi)) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    if (/^[\x21-\x7e][\x20-\x7e]*:[\x20-\x7e]*$/.test(decoded)) return true;
  }
  return false;
}

export interface SecretFinding {
  readonly diagnostic: Diagnostic;
  /** The secret text, so that no other diagnostic quotes it either. */
  readonly secret: string;
}

/**
 * Secrets never enter the spec: any value or mapping key that looks like key material or a token (a PEM
 * block split over a list is checked joined too). The diagnostic never holds the value, and is marked
 * `redact` so that formatters mask its span wherever they show source text.
 */
export function findSecrets(docs: readonly SpecDoc[]): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const d of docs) {
    const found = (secret: string, what: string, path: DataPath, mode: 'value' | 'key') =>
      out.push({
        secret,
        diagnostic: {
          code: 'SECRET_IN_SPEC',
          severity: 'error',
          message: `This ${mode === 'key' ? 'mapping key' : 'value'} looks like ${what}; secrets must not be committed in a spec.`,
          hint: 'Reference secrets instead: `mesh.trust.existingSecret: {name: cacerts}` or `mesh.trust.certManager: {issuer: …}`, or a Secret created outside the spec; then rotate this one, it is in your git history.',
          location: locate(d.pd, path, mode),
          pointer: toPointer(path),
          redact: true,
        },
      });
    walk(d.value, [], undefined, found);
  }
  return out;
}

/**
 * Walks `v` (at `path`, a stack shared by the whole walk: pushed and popped, copied only for a finding) and
 * reports each secret; whether one was found.
 */
function walk(
  v: unknown,
  path: (string | number)[],
  key: string | undefined,
  found: (secret: string, what: string, path: DataPath, mode: 'value' | 'key') => void,
): boolean {
  if (typeof v === 'string') {
    const what = secretKind(v, key);
    if (what) found(v, what, path.slice(), 'value');
    return what !== undefined;
  }
  if (Array.isArray(v)) {
    let any = false;
    let strings = true;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'string') strings = false;
      path.push(i);
      if (walk(x, path, key, found)) any = true;
      path.pop();
    }
    // A PEM block or key body split over list items: each line alone says nothing.
    if (!any && v.length > 1 && strings) {
      const lines = v as string[];
      const what = secretKind(lines.join('\n'), key) ?? secretKind(lines.join(''), key);
      if (what) {
        found(lines.join('\n'), what, path.slice(), 'value');
        return true;
      }
    }
    return any;
  }
  if (v !== null && typeof v === 'object') {
    let any = false;
    for (const k of Object.keys(v)) {
      path.push(k);
      const what = secretKind(k);
      if (what) {
        found(k, what, path.slice(), 'key');
        any = true;
      }
      if (walk((v as Record<string, unknown>)[k], path, k, found)) any = true;
      path.pop();
    }
    return any;
  }
  return false;
}

/**
 * Replaces every secret found in the messages and hints of other diagnostics (a schema error quoting the
 * value, for example) by a mask: a secret is never printed.
 */
export function maskSecretsInMessages(
  diagnostics: readonly Diagnostic[],
  secrets: readonly string[],
): Diagnostic[] {
  const parts = [
    ...new Set(secrets.flatMap((s) => [s, ...s.split('\n')]).filter((s) => s.trim().length >= 8)),
  ].sort((a, b) => b.length - a.length);
  if (parts.length === 0) return [...diagnostics];
  const mask = (text: string) => parts.reduce((t, p) => t.split(p).join('[secret masked]'), text);
  const quoted = (s: string) => parts.some((p) => s.includes(p));
  return diagnostics.map((d) =>
    quoted(d.message) || quoted(d.hint ?? '') || (d.related ?? []).some((r) => quoted(r.message))
      ? {
          ...d,
          message: mask(d.message),
          ...(d.hint !== undefined ? { hint: mask(d.hint) } : {}),
          ...(d.related ? { related: d.related.map((r) => ({ ...r, message: mask(r.message) })) } : {}),
        }
      : d,
  );
}
