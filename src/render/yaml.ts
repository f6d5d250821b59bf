import { InternalError } from '../core/diagnostic.ts';

/**
 * A small, fast emitter of canonical block-style YAML for plain JSON data.
 *
 * Why not `yaml.stringify` or js-yaml `dump`: rendering is the hot path of `meshc render` and both
 * libraries build a document model first (see scripts/bench-yaml.mjs). The subset we need is
 * small: plain data, block style, never folded, quoted only when a YAML 1.1 *or* 1.2 reader could
 * read the scalar as something other than the string we meant.
 *
 * Layout (the form `kubectl` and `kustomize build` print):
 * - two spaces per level; sequences under a key are not indented (`key:\n- a`);
 * - a mapping or sequence inside a sequence starts on the dash line (`- name: a`, `- - a`);
 * - empty collections are `{}` and `[]`;
 * - multi-line strings are block literals (`|`, `|-`, `|+`), or double-quoted when a literal
 *   block cannot hold them exactly;
 * - keys are written in the order given (canonical.ts sorts them); `undefined` members are
 *   skipped and `undefined` array items become `null`, as `JSON.stringify` does.
 */
export function emitYaml(value: unknown): string {
  out = '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    writeSeq(value, 0, false);
  } else if (value !== null && typeof value === 'object') {
    assertPlainObject(value);
    if (!hasDefinedMember(value as Record<string, unknown>)) return '{}\n';
    writeMap(value as Record<string, unknown>, 0, false);
  } else {
    if (value === undefined) throw new InternalError('emitYaml: the document is undefined');
    out += scalar(value, 2) + '\n';
  }
  const result = out;
  out = '';
  return result;
}

/**
 * The text is built in one string (V8 concatenates into ropes and flattens once), which is
 * cheaper than collecting an array of parts. emitYaml is synchronous and calls no user code,
 * so one module-level buffer is safe.
 */
let out = '';

const INDENTS: string[] = [''];
function pad(n: number): string {
  let s = INDENTS[n];
  if (s === undefined) {
    s = ' '.repeat(n);
    INDENTS[n] = s;
  }
  return s;
}

function hasDefinedMember(obj: Record<string, unknown>): boolean {
  for (const k in obj) if (Object.hasOwn(obj, k) && obj[k] !== undefined) return true;
  return false;
}

function assertPlainObject(obj: object): void {
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new InternalError(`emitYaml: not plain JSON data (${obj.constructor?.name ?? 'object'})`);
  }
}

/** A block mapping whose keys are at `indent`; when `inline`, the first key continues the current line. */
function writeMap(obj: Record<string, unknown>, indent: number, inline: boolean): void {
  assertPlainObject(obj);
  const p = pad(indent);
  let first = inline;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const key = renderKey(k);
    const lead = first ? '' : p;
    first = false;
    if (key.length > MAX_IMPLICIT_KEY) {
      // An implicit key is limited to 1024 characters; longer keys need the explicit `? ` form,
      // whose value sits after `: ` exactly like a sequence item after `- `.
      out += lead + '? ' + key + '\n' + p + ': ';
      writeItem(v, indent);
    } else if (v === null || typeof v !== 'object') {
      out += lead + key + ': ' + scalar(v, indent + 2) + '\n';
    } else {
      out += lead + key + ':';
      writeMapValue(v, indent);
    }
  }
}

/** A collection after `key:` (the line so far has no trailing space). */
function writeMapValue(v: object, indent: number): void {
  if (Array.isArray(v)) {
    if (v.length === 0) out += ' []\n';
    else {
      out += '\n';
      writeSeq(v, indent, false);
    }
  } else if (!hasDefinedMember(v as Record<string, unknown>)) {
    assertPlainObject(v);
    out += ' {}\n';
  } else {
    out += '\n';
    writeMap(v as Record<string, unknown>, indent + 2, false);
  }
}

/** A block sequence whose dashes are at `indent`. */
function writeSeq(arr: readonly unknown[], indent: number, inline: boolean): void {
  const p = pad(indent);
  for (let i = 0; i < arr.length; i++) {
    out += i > 0 || !inline ? p + '- ' : '- ';
    writeItem(arr[i], indent);
  }
}

/** A node in compact position: after `- ` (or `: ` of an explicit key) whose indicator is at `indent`. */
function writeItem(v: unknown, indent: number): void {
  if (v === null || v === undefined || typeof v !== 'object') {
    out += scalar(v === undefined ? null : v, indent + 2) + '\n';
  } else if (Array.isArray(v)) {
    if (v.length === 0) out += '[]\n';
    else writeSeq(v, indent + 2, true);
  } else if (!hasDefinedMember(v as Record<string, unknown>)) {
    assertPlainObject(v);
    out += '{}\n';
  } else {
    writeMap(v as Record<string, unknown>, indent + 2, true);
  }
}

/** A scalar; a block literal's content lines go at `contentIndent`. No final newline. */
function scalar(v: unknown, contentIndent: number): string {
  switch (typeof v) {
    case 'string':
      if (v.includes('\n') && LITERAL_OK.test(v) && !LITERAL_BAD.test(v)) return literal(v, contentIndent);
      return needsQuotes(v) ? quote(v) : v;
    case 'number':
      if (!Number.isFinite(v)) throw new InternalError(`emitYaml: ${v} is not a finite number`);
      // -0 prints as 0, as in JSON.
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      break;
    default:
      break;
  }
  throw new InternalError(`emitYaml: not plain JSON data (${typeof v})`);
}

/**
 * `|` keeps one final newline, `|-` none, `|+` all of them. Empty lines are written without
 * indentation so that the output has no trailing spaces.
 */
function literal(s: string, contentIndent: number): string {
  let body = s;
  let text: string;
  if (s.endsWith('\n')) {
    body = s.slice(0, -1);
    text = body.endsWith('\n') ? '|+' : '|';
  } else {
    text = '|-';
  }
  const p = pad(contentIndent);
  let start = 0;
  for (;;) {
    const nl = body.indexOf('\n', start);
    const line = nl < 0 ? body.slice(start) : body.slice(start, nl);
    text += line === '' ? '\n' : '\n' + p + line;
    if (nl < 0) break;
    start = nl + 1;
  }
  return text;
}

const MAX_IMPLICIT_KEY = 1000;

/**
 * Characters allowed unquoted: printable, minus the ones YAML 1.1 treats as line breaks
 * (U+0085, U+2028, U+2029) and the byte-order mark. Tabs and other C0/C1 controls are quoted.
 */
const PRINTABLE =
  '\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd\\u{10000}-\\u{10ffff}';

/**
 * A string may be plain only if it matches: it does not start with an indicator or a space,
 * has no `: `, ` #`, trailing `:` or trailing space, and only printable characters.
 */
const PLAIN_SHAPE = new RegExp(`^(?![-?:,[\\]{}#&*!|>'"%@\` ])(?!.*(?:: | #|:$| $))[${PRINTABLE}]+$`, 'u');

/** The common case (names, hosts, label keys, durations), tested first because it is cheaper; a subset of PLAIN_SHAPE. */
const SIMPLE = /^[A-Za-z0-9_/][A-Za-z0-9_./-]*$/;

/** Everything YAML 1.1 or 1.2 resolves as null or bool (case-insensitive is a superset), or a merge/value key. */
const KEYWORD = /^(?:~|null|true|false|yes|no|on|off|y|n|<<|=)$/i;

/**
 * A superset of every YAML 1.1 / 1.2 int and float form (decimal, `0x`, `0o`, `0b`, legacy octal,
 * `_` separators, sexagesimal `1:20`, exponents, `.5`, `.inf`, `.nan`, and `.` itself, which the
 * YAML 1.1 float pattern of the `yaml` package reads as NaN, as it reads `E5` as 0, its mantissa
 * being optional) and timestamps. Only tested on strings starting with a digit, `+`, `.` or `e`;
 * `-` is an indicator and always quoted.
 */
const NUMBER_LIKE =
  /^[-+]?(?:[0-9._][0-9a-fxob_.:,+-]*|\.(?:inf|nan)|e[-+]?[0-9]+)$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|^\.\.\./i;

/** True when `s` must be quoted to be read back as this very string. */
export function needsQuotes(s: string): boolean {
  if (!SIMPLE.test(s) && !PLAIN_SHAPE.test(s)) return true;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 46 || c === 69 || c === 101) return NUMBER_LIKE.test(s);
  return s.length <= 5 && KEYWORD.test(s);
}

/** Line content a literal block can hold: printable text and tabs, separated by LF only. */
const LITERAL_OK = new RegExp(`^[\\t\\n${PRINTABLE}]*$`, 'u');
/**
 * Literal blocks we do not write: a first non-empty line starting with white space (it would
 * need an indentation indicator), white space before a line break or at the end (invisible and
 * stripped by editors), and strings made of line breaks only.
 */
const LITERAL_BAD = /^\n*[ \t]|[ \t]\n|[ \t]$|^\n*$/;

/** JSON escapes that YAML 1.1 and 1.2 double-quoted scalars read the same, plus the characters JSON leaves raw. */
const QUOTE_ESCAPE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
const QUOTE_ESCAPE_ALL = new RegExp(QUOTE_ESCAPE.source, 'g');

function quote(s: string): string {
  const q = JSON.stringify(s);
  return QUOTE_ESCAPE.test(q) ? q.replace(QUOTE_ESCAPE_ALL, escapeChar) : q;
}

function escapeChar(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Keys repeat across thousands of objects (`apiVersion`, `metadata`, `name`…); caching their
 * rendered form saves the quoting tests. The cache is bounded so arbitrary data cannot grow it.
 */
const keyCache = new Map<string, string>();
function renderKey(k: string): string {
  let r = keyCache.get(k);
  if (r === undefined) {
    r = needsQuotes(k) ? quote(k) : k;
    if (keyCache.size >= 4096) keyCache.clear();
    keyCache.set(k, r);
  }
  return r;
}
