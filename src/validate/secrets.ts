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

/*
 * Secrets in raw text. A file that does not parse (a YAML syntax error) has no values for findSecrets to
 * walk, yet its lines are shown: in a code frame, a SARIF snippet, or quoted by the parser's message. The
 * functions below find, in lines of text, what secretKind flags in values: the same rules, run on the scalars
 * of a line and on values continued over lines, so that output can mask them.
 */

/** Columns `[from, to)` of a line, 0-based. */
export type Columns = readonly [number, number];

/** A scalar of a line: its columns, and the mapping key it is the value of, if the line says. */
interface Token {
  readonly from: number;
  readonly to: number;
  readonly key: string | undefined;
  /** A quoted scalar: its escapes stand for characters of the value. */
  readonly quoted?: boolean;
  /** A mapping key (a colon follows it). */
  readonly isKey?: boolean;
}

/** YAML's flow indicators: they end a plain scalar inside a flow collection (and JSON's structure). */
const FLOW = '{}[],';
/**
 * A colon followed by one of these (or the end of the line) ends a mapping key after a quoted key, and a plain
 * one inside a flow collection; outside, only a blank does (`a: :{b` is the plain scalar `:{b`, as YAML reads it).
 */
const AFTER_KEY = /[\s"'{}[\],]/;
/** The most tokens a secret spans (`-----BEGIN PGP PRIVATE KEY BLOCK-----` is five words). */
const WINDOW_TOKENS = 8;

/**
 * The scalars of one line of YAML or JSON, as a parser would read them were the line on its own: quoted
 * strings (without their quotes), plain scalars (up to a key colon, a comment, the end of the line and,
 * inside a flow collection, a flow indicator; without their surrounding blanks), each with the mapping key
 * before it; then the words of a comment. Lenient: any text splits into scalars.
 */
function yamlTokens(line: string): Token[] {
  const out: Token[] = [];
  const n = line.length;
  // The flow collections the scalar is in, innermost last: a sequence's entries are under its key.
  const flows: { readonly key: string | undefined }[] = [];
  const entryKey = () => flows.at(-1)?.key;
  let key: string | undefined;
  let i = 0;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === ',' || c === '[' || c === '{' || c === ']' || c === '}') {
      if (c === '[') flows.push({ key });
      else if (c === '{') flows.push({ key: undefined });
      else if (c !== ',') flows.pop();
      key = entryKey();
      i++;
      continue;
    }
    if (c === '#') {
      // A comment: its words.
      for (const w of wordTokens(line.slice(i + 1)))
        out.push({ ...w, from: w.from + i + 1, to: w.to + i + 1 });
      break;
    }
    // A block sequence entry or a complex key's indicator, not a scalar.
    if ((c === '-' || c === '?') && (i + 1 >= n || /\s/.test(line[i + 1]!))) {
      i++;
      continue;
    }
    let from = i;
    let to: number;
    let next: number;
    if (c === '"' || c === "'") {
      from = i + 1;
      let j = from;
      while (j < n) {
        if (c === '"' && line[j] === '\\') j += 2;
        else if (c === "'" && line[j] === "'" && line[j + 1] === "'") j += 2;
        else if (line[j] === c) break;
        else j++;
      }
      to = Math.min(j, n);
      next = Math.min(j + 1, n);
    } else {
      let j = i;
      while (
        j < n &&
        !(line[j] === ':' && (j + 1 >= n || (flows.length > 0 ? AFTER_KEY : /\s/).test(line[j + 1]!))) &&
        !(line[j] === '#' && /\s/.test(line[j - 1]!)) &&
        !(flows.length > 0 && FLOW.includes(line[j]!))
      )
        j++;
      next = j;
      to = j;
      // Blanks end no scalar; nor do flow indicators, which may close a collection opened on a line before.
      while (to > from && /[\s,\]}]/.test(line[to - 1]!)) to--;
      if (to === from) {
        // A colon alone (`: x`): no scalar.
        i = j + 1;
        key = entryKey();
        continue;
      }
    }
    let k = next;
    while (line[k] === ' ' || line[k] === '\t') k++;
    const isKey = line[k] === ':' && (k + 1 >= n || AFTER_KEY.test(line[k + 1]!));
    if (to > from)
      out.push({
        from,
        to,
        key,
        ...(c === '"' || c === "'" ? { quoted: true } : {}),
        ...(isKey ? { isKey } : {}),
      });
    key = isKey ? line.slice(from, to) : entryKey();
    i = isKey ? k + 1 : next;
  }
  return out;
}

/**
 * The words of a line of prose (a message): the runs of characters between blanks, without the punctuation
 * that ends a sentence or a clause after them (a masked word keeps its sentence's full stop).
 */
function wordTokens(line: string): Token[] {
  return [...line.matchAll(/\S+/g)].map((m) => {
    const word = m[0].replace(/[.,;:!?)\]'"`]+$/, '') || m[0];
    return { from: m.index, to: m.index + word.length, key: undefined };
  });
}

/** `text` with the columns `spans` turned into spaces (the same length). */
function blank(text: string, spans: readonly Columns[]): string {
  let out = text;
  for (const [a, b] of spans) out = out.slice(0, a) + ' '.repeat(b - a) + out.slice(b);
  return out;
}

/**
 * The columns of one line of YAML or JSON holding what secretKind flags: each scalar that it flags, with the
 * mapping key before it (as findSecrets flags a value, or a key), then the fewest neighbouring scalars that
 * it flags together (a key and its value, `aws_secret_access_key: …`), and, should the line still be flagged
 * with all of those blanked (a comment, a line of a broken scalar), the whole line. Masking the columns
 * leaves a line that secretKind does not flag, and no scalar that it flags.
 */
export function secretColumns(line: string): Columns[] {
  return flaggedColumns(line, yamlTokens(line));
}

function flaggedColumns(line: string, tokens: readonly Token[]): Columns[] {
  if (line.length < SHORTEST_SECRET) return [];
  const out: Columns[] = [];
  const masked = new Set<number>();
  tokens.forEach((t, i) => {
    const text = line.slice(t.from, t.to);
    if (
      t.to - t.from >= SHORTEST_SECRET &&
      (t.quoted ? flaggedQuoted(text, t.key) : secretKind(text, t.key))
    ) {
      out.push([t.from, t.to]);
      masked.add(i);
    }
  });
  let rest = blank(line, out);
  while (secretKind(rest)) {
    const window = flaggedWindow(rest, tokens, masked);
    if (!window) {
      const from = line.search(/\S/);
      out.push([Math.max(0, from), line.trimEnd().length]);
      break;
    }
    const [i, j] = window;
    out.push([tokens[i]!.from, tokens[j]!.to]);
    for (let k = i; k <= j; k++) masked.add(k);
    rest = blank(line, out);
  }
  return out;
}

/** The first (by its end), narrowest run of at most WINDOW_TOKENS unmasked tokens that secretKind flags. */
function flaggedWindow(
  text: string,
  tokens: readonly Token[],
  masked: ReadonlySet<number>,
): [number, number] | undefined {
  for (let j = 0; j < tokens.length; j++) {
    if (masked.has(j)) continue;
    for (let i = j; i >= 0 && j - i < WINDOW_TOKENS; i--) {
      if (masked.has(i)) break;
      if (secretKind(text.slice(tokens[i]!.from, tokens[j]!.to), tokens[i]!.key)) return [i, j];
    }
  }
  return undefined;
}

/**
 * `text` (a message, a hint: prose of one line or several, which may quote source) with what secretKind
 * flags in each line replaced by `mask`: the fewest words it flags, as secretColumns finds scalars.
 */
export function maskSecretText(text: string, mask = '[secret masked]'): string {
  if (text.length < SHORTEST_SECRET) return text;
  return text
    .split('\n')
    .map((line) => {
      const spans = [...flaggedColumns(line, wordTokens(line))].sort((a, b) => b[0] - a[0]);
      let out = line;
      for (const [a, b] of spans) out = out.slice(0, a) + mask + out.slice(b);
      return out;
    })
    .join('\n');
}

/** A mapping key at the start of a line's text (after the indentation and list markers): `key: `. */
const LINE_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-[\]{}][^#]*?|-[^\s#][^#]*?)[ \t]*:(?:[ \t]+|$)/;

/** What a line of YAML holds, read on its own. */
interface LineValue {
  /** Its mapping key, if any, and the key's column. */
  readonly key: string | undefined;
  readonly keyAt: number;
  /** The columns of its value's text, if any. */
  readonly text: Columns | undefined;
  /** A sequence entry (`- x`) that is not a mapping. */
  readonly item: boolean;
  /** The column a block scalar it opens (`key: |`, `- >-`) must be indented past, if it opens one. */
  readonly block: number | undefined;
  /** The quote of a quoted scalar that the line opens and does not close. */
  readonly opens: '"' | "'" | undefined;
  /**
   * A flow collection's scalars that are under no key of the line (`[ [ x ] ],`): under the key of a line
   * before, which secretColumns, reading the line alone, cannot know.
   */
  readonly entries?: readonly Columns[];
  /**
   * The column of the `[` or `{` its value begins with: a flow collection. Outside one, a bracket later in a
   * plain scalar (`a: sk_live_x[`) is a character of the scalar, and opens nothing.
   */
  readonly flowAt?: number;
}

/** A block scalar header: `|`, `>-`, `|2+`. */
const BLOCK_HEADER = /^[|>][-+0-9]*$/;

/** The column of the quote that ends a scalar quoted with `quote`, from column `from` of `line` on, or -1. */
function closingQuote(line: string, from: number, quote: '"' | "'"): number {
  for (let j = from; j < line.length; j++) {
    if (quote === '"' && line[j] === '\\') j++;
    else if (line[j] === quote) {
      if (quote === "'" && line[j + 1] === "'") j++;
      else return j;
    }
  }
  return -1;
}

/** The text of a line inside a scalar begun on a line before it: `[first non-blank, end)`, or undefined. */
function innerText(line: string, end = line.trimEnd().length): Columns | undefined {
  const from = line.search(/\S/);
  return from >= 0 && end > from ? [from, end] : undefined;
}

/** Line `line` read on its own; undefined for a blank line or a comment. */
function lineValue(line: string): LineValue | undefined {
  const markers = /^[ \t]*(?:[-?](?:[ \t]+|$))*/.exec(line)![0];
  let i = markers.length;
  if (i >= line.length || line[i] === '#') return undefined;
  let key: string | undefined;
  const keyAt = i;
  // A block scalar's content is indented past its parent: its key, or the last sequence entry's `-`.
  let parent = Math.max(markers.trimEnd().length - 1, line.search(/\S/));
  const k = LINE_KEY.exec(line.slice(i));
  if (k) {
    key = k[1]!.replace(/^(["'])(.*)\1$/, '$2');
    parent = i;
    i += k[0].length;
  }
  const item = key === undefined && /-[ \t]*$/.test(markers);
  while (i < line.length && /\s/.test(line[i]!)) i++;
  if (line[i] === '[' || line[i] === '{') {
    // A flow collection: its scalars are the line's own (secretColumns), but for the last one, when it is
    // left open at the end of the line (a collection over lines), to be continued on the next, and for the
    // entries under a key of a line before.
    const rest = line.slice(i);
    const tokens = yamlTokens(rest);
    const last = tokens.at(-1);
    const tail = flowOf(rest).code;
    // Entries of a sequence begun on the line (not keys, nor values of its keys, nor a comment's words).
    const entry = (t: Token) => t.key === undefined && !t.isKey && t.to <= tail.length;
    const entries = tokens.filter((t) => entry(t) && t !== last).map((t): Columns => [i + t.from, i + t.to]);
    const none = {
      key,
      keyAt,
      item,
      block: undefined,
      text: undefined,
      opens: undefined,
      entries,
      flowAt: i,
    };
    if (!last) return none;
    if (FLOW.includes(tail.at(-1)!)) {
      if (entry(last)) entries.push([i + last.from, i + last.to]);
      return none;
    }
    const q = last.quoted ? rest[last.from - 1] : undefined;
    const open = (q === '"' || q === "'") && rest[last.to] !== q ? q : undefined;
    return { ...none, text: [i + last.from, i + last.to], opens: open };
  }
  const q = line[i];
  if (q === '"' || q === "'") {
    const close = closingQuote(line, i + 1, q);
    const end = close < 0 ? line.trimEnd().length : close;
    return {
      key,
      keyAt,
      item,
      block: undefined,
      text: end > i + 1 ? [i + 1, end] : undefined,
      opens: close < 0 ? q : undefined,
    };
  }
  let end = line.length;
  const comment = line.slice(i).search(/(^|[ \t])#/);
  if (comment >= 0) end = i + comment;
  while (end > i && /[\s,\]}]/.test(line[end - 1]!)) end--;
  const header = BLOCK_HEADER.test(line.slice(i, end));
  return {
    key,
    keyAt,
    item,
    block: header ? parent : undefined,
    text: end > i && !header ? [i, end] : undefined,
    opens: undefined,
  };
}

/** A character that opens or closes a flow collection. */
const FLOW_CHAR = /[[\]{}]/;

/**
 * A line's flow collections and comment, quotes skipped: how many collections it opens (`[`, `{`) less
 * those it closes, and the line without its comment and trailing blanks.
 */
function flowOf(line: string): { readonly depth: number; readonly code: string } {
  let depth = 0;
  let i = 0;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      const close = closingQuote(line, i + 1, c);
      if (close < 0) {
        i = line.length;
        break;
      }
      i = close;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return { depth, code: line.slice(0, i).trimEnd() };
}

/** A value over one line or more: the text of its lines, and the mapping key it is under. */
interface Value {
  readonly key: string | undefined;
  /** A sequence entry that is not a mapping: findSecrets also joins a list of strings. */
  readonly item: boolean;
  /** The line of its key, if the value begins on it. */
  readonly keyLine: number | undefined;
  readonly lines: { readonly line: number; readonly text: Columns }[];
}

/**
 * The values of a text's lines as YAML reads them (plain, quoted and block scalars over lines), each with
 * the mapping key it is under, and the runs of sequence entries among them. Lenient, for a text that may not
 * parse: a line that would be an error (indented too much, or too little for the block scalar above it)
 * continues the value before it, or begins one under the last key.
 */
function textValues(
  lines: readonly string[],
  each: (v: Value) => void,
  list: (items: readonly Value[]) => void,
): void {
  // The mapping keys the line is under, innermost last, each with its column.
  const keys: { key: string; at: number }[] = [];
  let value: Value | undefined;
  let items: Value[] = [];
  let quote: '"' | "'" | undefined;
  let block: number | undefined;
  let flow = 0;
  let afterEntry = false;
  const endList = () => {
    if (items.length > 1) list(items);
    items = [];
  };
  const endValue = () => {
    if (!value) return;
    each(value);
    if (value.item) items.push(value);
    else endList();
    value = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (quote) {
      // Inside a quoted scalar: text up to its closing quote, whatever it looks like.
      const close = closingQuote(line, 0, quote);
      const text = innerText(line, close < 0 ? undefined : close);
      if (text) value?.lines.push({ line: i, text });
      if (close >= 0) quote = undefined;
      continue;
    }
    if (block !== undefined) {
      // Inside a block scalar: text while indented past its parent (blank lines too).
      const indent = line.search(/\S/);
      if (indent < 0 || indent > block) {
        const text = innerText(line);
        if (text) value?.lines.push({ line: i, text });
        continue;
      }
      block = undefined;
      endValue();
    }
    const v = lineValue(line);
    if (!v && !line.trim()) continue;
    // In a flow collection over lines (JSON's arrays and objects), a line after an entry's end begins an entry.
    const entry = flow > 0 && afterEntry;
    // Outside a flow collection, only a value that begins with a bracket opens one.
    const flowFrom = flow > 0 ? 0 : v?.flowAt;
    if (flowFrom !== undefined && FLOW_CHAR.test(line))
      flow = Math.max(0, flow + flowOf(line.slice(flowFrom)).depth);
    afterEntry = flow > 0 && /[,[{]$/.test(flowOf(line).code);
    if (!v) {
      // A comment ends a plain scalar.
      endValue();
      endList();
      continue;
    }
    // A key's value is indented past it (a sequence may also start at its column).
    const indent = line.search(/\S/);
    const dash = /^[ \t]*-(\s|$)/.test(line);
    while (keys.length > 0 && !(indent > keys.at(-1)!.at || (indent === keys.at(-1)!.at && dash))) keys.pop();
    if (v.key === undefined)
      for (const text of v.entries ?? [])
        each({ key: keys.at(-1)?.key, item: false, keyLine: undefined, lines: [{ line: i, text }] });
    if (v.key !== undefined || v.item || v.block !== undefined || entry || !value) {
      endValue();
      if (v.key !== undefined) {
        endList();
        keys.push({ key: v.key, at: v.keyAt });
      }
      value = {
        key: keys.at(-1)?.key,
        item: v.item || (entry && v.key === undefined),
        keyLine: v.key !== undefined ? i : undefined,
        lines: [],
      };
    }
    if (v.text) value.lines.push({ line: i, text: v.text });
    quote = v.opens;
    block = v.block;
  }
  endValue();
  endList();
}

/** A line of a PEM block after its header: base64, a blank line, the END line. */
const PEM_BODY = /^[A-Za-z0-9+/=]*$/;
/** RFC 1421 / RFC 4880 armor headers, right after the BEGIN line: `Proc-Type: 4,ENCRYPTED`, `Version: …`. */
const PEM_HEADER = /^[A-Za-z][A-Za-z0-9-]*:[ \t]/;

/**
 * The columns of each line (0-based) of a text that look like a secret: what secretColumns finds in the line,
 * and its part of a secret spanning lines (secretBlocks, scanned once, on the first call). For output that
 * shows or rewrites a file's lines, whether or not the file parsed.
 */
export function lineSecrets(lines: readonly string[]): (line: number) => Columns[] {
  let blocks: Map<number, Columns[]> | undefined;
  return (line) => {
    blocks ??= secretBlocks(lines);
    return [...secretColumns(lines[line] ?? ''), ...(blocks.get(line) ?? [])];
  };
}

/**
 * Secrets of a text (a file's lines, without their line breaks) that a line alone does not show, whether
 * or not the text parses: by 0-based line, the columns to mask.
 * - A PEM private key block: every line after its header (which secretColumns finds) up to its END line
 *   (armor headers, blank lines, base64), however it is indented; the key material is all of it.
 * - A value that secretKind flags, under the mapping key it is under, as findSecrets flags it: a scalar
 *   over lines (plain, quoted, block; its lines joined as YAML joins them, and with no separator), a sequence
 *   entry under a key on a line before it, a run of string entries joined (as findSecrets joins a list of
 *   strings). All of the value's text is masked, as SECRET_IN_SPEC masks all of a value.
 * Values are read as textValues reads them: leniently, so that a text that does not parse (a line indented
 * too little or too much) still has its secrets found.
 */
export function secretBlocks(lines: readonly string[]): Map<number, Columns[]> {
  const out = new Map<number, Columns[]>();
  const add = (line: number, span: Columns) => {
    if (span[1] <= span[0]) return;
    const list = out.get(line) ?? [];
    list.push(span);
    out.set(line, list);
  };
  // PEM private key blocks.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('-----BEGIN') || !PEM_PRIVATE_KEY.test(line)) continue;
    let headers = true;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const text = pemLineText(lines[j]!);
      if (text.includes('-----END')) {
        add(j, nonBlank(lines[j]!));
        break;
      }
      if (headers && PEM_HEADER.test(text)) {
        add(j, nonBlank(lines[j]!));
        continue;
      }
      headers = false;
      if (!PEM_BODY.test(text)) break;
      add(j, nonBlank(lines[j]!));
    }
    i = Math.max(i, j - 1);
  }
  // Values (over one line or more), and lists of strings.
  const text = (l: { line: number; text: Columns }) => lines[l.line]!.slice(l.text[0], l.text[1]);
  // Joined as a literal block scalar is (line breaks), as a folded or a quoted one is (spaces), and as
  // findSecrets joins a list of strings (line breaks, nothing).
  const flagged = (texts: readonly string[], key: string | undefined) =>
    [texts.join('\n'), folded(texts), texts.join('')].some((t) => flaggedQuoted(t, key) !== undefined);
  const mask = (v: Value) => {
    for (const l of v.lines) add(l.line, l.text);
  };
  textValues(
    lines,
    (v) => {
      // A value on the line of its key, and on that line alone, is the line's (secretColumns).
      if (v.lines.length === 0 || (v.lines.length === 1 && v.lines[0]!.line === v.keyLine)) return;
      if (flagged(v.lines.map(text), v.key)) mask(v);
    },
    (items) => {
      const texts = items.map((v) => v.lines.map(text).join('\n'));
      if (flagged(texts, items[0]!.key)) items.forEach(mask);
    },
  );
  return out;
}

/**
 * Lines of a scalar folded into one, as YAML folds a plain or a double-quoted scalar: a space for each line
 * break, none after an escaped one (a line ending in an odd number of backslashes, the last one dropped).
 */
function folded(texts: readonly string[]): string {
  let out = texts[0] ?? '';
  for (const t of texts.slice(1)) {
    const escaped = /(^|[^\\])(\\\\)*\\$/.test(out);
    out = escaped ? out.slice(0, -1) + t : `${out} ${t}`;
  }
  return out;
}

/** What secretKind says of a quoted scalar's text, read as it is and with its escapes (`\\t`, `''`) undone. */
function flaggedQuoted(text: string, key: string | undefined): string | undefined {
  return (
    secretKind(text, key) ??
    (text.includes('\\') ? secretKind(unescape(text), key) : undefined) ??
    (text.includes("''") ? secretKind(text.replaceAll("''", "'"), key) : undefined)
  );
}

/**
 * The text of a double-quoted scalar (YAML's and JSON's escapes) as the value it stands for; an escaped line
 * break (a backslash ending a line) joins the lines.
 */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[^])/g, (_, e: string) => {
    if (e.length > 1) {
      const cp = parseInt(e.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    return ESCAPES[e] ?? e;
  });
}

/** YAML's one-character escapes (JSON's are among them), and the escaped line break. */
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
  e: '\x1b',
  _: '\u00a0',
  N: '\u0085',
  L: '\u2028',
  P: '\u2029',
  '\n': '',
};

/** A line of a PEM block as its text: without indentation, list markers, quotes and trailing space. */
function pemLineText(line: string): string {
  return line
    .trim()
    .replace(/^(-[ \t]+)+/, '')
    .replace(/^["']|["']$/g, '');
}

/** The columns of a line from its first to its last non-blank character. */
function nonBlank(line: string): Columns {
  const from = line.search(/\S/);
  return from < 0 ? [0, 0] : [from, line.trimEnd().length];
}
