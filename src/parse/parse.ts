import { codePointName } from '../core/printable.ts';
import jsYaml from 'js-yaml';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  visit,
} from './yaml-lib.ts';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { DiagnosticCode } from '../core/codes.ts';
import { jsonEqual } from '../core/json.ts';
import { LineIndex, normalizeLineBreaks } from './line-index.ts';
import { scanText } from './scan.ts';
import { buildFastTree, fastRange } from './fast-locate.ts';
import type { FastTree } from './fast-locate.ts';
import type { DataPath } from '../core/location.ts';
import type { TextScan } from './scan.ts';
import type { SourceFile } from './source.ts';

/**
 * Limits that keep hostile or accidental input from exhausting the compiler. All are checked before the
 * expensive step they protect: `maxScanDepth` on the raw text before any YAML parser runs (a cheap
 * character scan), `maxDepth` on the syntax tree before anything walks it recursively, and the alias
 * limits on the syntax tree before any alias is expanded into data.
 */
export const PARSE_LIMITS = {
  /** Alias expansions per document, counting an alias inside an aliased node once per expansion. */
  maxAliasCount: 100,
  /** Nodes that alias expansions add to a document's data. */
  maxAliasNodes: 10_000,
  /** Nesting depth of a document. */
  maxDepth: 64,
  /** Nesting estimated from the raw text (an over-estimate: up to twice the real depth, see scan.ts). */
  maxScanDepth: 256,
} as const;

/**
 * Work done by the parse stage, counted (not timed): every step is linear in one of these, so a bound
 * on them is a bound on the time and memory of parsing, and on the size of the data the later stages
 * see. Exposed for the property tests.
 */
export interface ParseWork {
  /** Characters scanned by the pre-parse checks and the parsers (the parsers are linear in it). */
  bytes: number;
  /** Syntax-tree and data nodes visited by the checks. */
  nodes: number;
  /** Nodes added to the data by alias expansion (bounded per document by `maxAliasNodes`). */
  aliasNodes: number;
  /** Documents parsed. */
  docs: number;
}

export function newParseWork(): ParseWork {
  return { bytes: 0, nodes: 0, aliasNodes: 0, docs: 0 };
}

export interface ParsedDoc {
  readonly file: string;
  /** Index of the document among the non-empty documents of its file (0-based). */
  readonly index: number;
  /** The YAML AST with source ranges (built on first use: only diagnostics need positions). */
  readonly doc: Document.Parsed;
  readonly lines: LineIndex;
  /** The document as plain JSON data. */
  readonly value: unknown;
  /**
   * Of a document the fast parser read: the range (`[start, end)`, end before trimming) that locate.ts would
   * take from `doc` for a path, found without the `yaml` package (fast-locate.ts); undefined where that is
   * not certain (then `doc` answers).
   */
  readonly fastRange?: (path: DataPath, mode: 'value' | 'key') => readonly [number, number] | undefined;
}

export interface ParsedFile {
  readonly source: SourceFile;
  readonly docs: ParsedDoc[];
  /**
   * The file's documents as the fast path read them (empty ones as null), when it took the fast path: what
   * a parse cache keeps to rebuild this file with {@link parsedFromValues} without parsing it again.
   */
  readonly fastValues?: readonly unknown[];
  /**
   * Set by a parse cache: every spec document of the file passed its own checks (schema, forbidden keys,
   * secrets: validate's per-document checks, a function of the document alone) when the same meshc last
   * validated the same text, so validate does not run them again (see validate.ts, `checkedFiles`).
   */
  readonly checked?: true;
  /**
   * Best-effort values of documents that have YAML errors: not validated, only read for the names they
   * declare, so that a broken file does not make every reference to its objects an error too.
   */
  readonly partial?: readonly unknown[];
}

const YAML_OPTIONS = {
  // Problems are diagnostics; the parser must not print its own warnings on stderr.
  logLevel: 'error',
  version: '1.2',
  uniqueKeys: true,
  merge: false,
  prettyErrors: false,
  strict: true,
} as const;

/**
 * The positions of a file, parsed on the first diagnostic that needs them: only the document asked for (a
 * diagnostic of a 20-service file needs one service's positions, not twenty), the whole file when that
 * cannot be done exactly.
 */
class FilePositions {
  #docs: Document.Parsed[] | undefined;
  #fast: Map<number, FastTree> | undefined;
  #single: Map<number, Document.Parsed> | undefined;
  #spans: readonly DocSpan[] | undefined;
  #lines: LineIndex | undefined;
  readonly text: string;
  readonly parseText: string;
  /** How many documents (empty ones included) the fast parser read in the file. */
  readonly documents: number;
  constructor(text: string, parseText: string, documents: number) {
    this.text = text;
    this.parseText = parseText;
    this.documents = documents;
  }
  get lines(): LineIndex {
    return (this.#lines ??= new LineIndex(this.text));
  }
  /**
   * The syntax tree of the `raw`-th document of the file (empty documents counted, as the fast parser
   * counts them), whose value the fast parser read as `value`.
   *
   * The document alone is parsed from a text of the file's length in which everything before it is blanked
   * (spaces, line breaks kept), so that its positions are the file's. It is used only when that parse gives
   * exactly one document, without error, equal to `value`; otherwise (a directive or a tag declared before
   * it, a document split the scan below does not foresee) the whole file is parsed, as before.
   */
  doc(raw: number, value: unknown): Document.Parsed {
    if (this.#docs) return this.#whole(raw);
    const known = this.#single?.get(raw);
    if (known) return known;
    const span = (this.#spans ??= documentSpans(this.parseText))[raw];
    if (span) {
      const text = blank(this.parseText.slice(0, span.start)) + this.parseText.slice(span.start, span.end);
      const docs = parseYaml(text);
      const only = docs.length === 1 ? docs[0] : undefined;
      if (only && only.errors.length === 0 && jsonEqual(only.toJS(), value)) {
        (this.#single ??= new Map()).set(raw, only);
        return only;
      }
    }
    this.#docs = parseYaml(this.parseText);
    return this.#whole(raw);
  }
  /**
   * The range (`[start, end)`, end before trimming) that locate.ts would take from the syntax tree of the
   * `raw`-th document for `path`, found without the `yaml` package (see fast-locate.ts), or undefined when
   * that is not certain: the caller then takes it from {@link doc}. The document's js-yaml tree is built
   * once, from its span alone (offsets the file's), and used only when that parse reads `value`.
   */
  fastRange(
    raw: number,
    value: unknown,
    path: DataPath,
    mode: 'value' | 'key',
  ): readonly [number, number] | undefined {
    const fast = (this.#fast ??= new Map());
    let tree = fast.get(raw);
    if (!fast.has(raw)) {
      // The spans are trusted only when there are as many as the fast parser read documents (and the
      // span's parse must read `value` too).
      const spans = (this.#spans ??= documentSpans(this.parseText));
      const span = spans.length === this.documents ? spans[raw] : undefined;
      tree = span && buildFastTree(this.parseText, span.start, span.end, value, jsonEqual);
      fast.set(raw, tree);
    }
    return tree && fastRange(tree, path, mode);
  }
  #whole(raw: number): Document.Parsed {
    const docs = this.#docs ?? [];
    // Both parsers split the same documents (the fast path refuses the inputs where they could differ);
    // should they ever disagree, a wrong position is better than a crash.
    return docs[raw] ?? docs.at(-1) ?? parseDocument('', YAML_OPTIONS);
  }
}

/** Where a document of a YAML stream lies: from its `---` line (or its first line), up to the next marker. */
interface DocSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * The documents of a stream, as a YAML 1.2 parser splits them, from its marker lines alone: a line that is
 * `---` or `...` (alone up to its line break, LF or CRLF, or followed by a space or tab) can only be a
 * marker, never content (YAML 1.2, c-forbidden). `---` starts a document; `...` ends one; lines before
 * the first `---`, or after a `...`, form a document only when they hold more than blank lines, comments
 * and directives. A guess that is wrong costs nothing but the whole-file parse: {@link FilePositions.doc}
 * checks the result (and the fast locator its own, see {@link FilePositions.fastRange}).
 */
export function documentSpans(text: string): DocSpan[] {
  const spans: DocSpan[] = [];
  let start = 0;
  let explicit = false;
  let content = false;
  const close = (end: number): void => {
    if (explicit || content) spans.push({ start, end });
  };
  for (let at = 0; at <= text.length;) {
    const nl = text.indexOf('\n', at);
    // The line without its break (a CRLF's CR included: the text's lone CRs are LFs already).
    const lineEnd = nl < 0 ? text.length : nl > at && text[nl - 1] === '\r' ? nl - 1 : nl;
    const marker = markerAt(text, at, lineEnd);
    if (marker === '---') {
      close(at);
      start = at;
      explicit = true;
      // `--- value` holds content on the marker line itself.
      content = /\S/.test(text.slice(at + 3, lineEnd).replace(/#.*$/, ''));
    } else if (marker === '...') {
      close(at);
      start = nl < 0 ? text.length : nl + 1;
      explicit = false;
      content = false;
    } else if (!content) {
      const line = text.slice(at, lineEnd);
      if (!/^\s*(#.*)?$/.test(line) && !(line.startsWith('%') && !explicit)) content = true;
    }
    if (nl < 0) break;
    at = nl + 1;
  }
  close(text.length);
  return spans;
}

function markerAt(text: string, at: number, lineEnd: number): '---' | '...' | undefined {
  const m = text.slice(at, at + 3);
  if (m !== '---' && m !== '...') return undefined;
  const next = text[at + 3];
  return at + 3 === lineEnd || next === ' ' || next === '\t' ? m : undefined;
}

/** `s` with every character but line breaks made a space: the same length and lines, no content. */
function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/**
 * yaml's parseAllDocuments, without stack traces on the error objects it creates: it makes one per
 * problem (a line of 100,000 commas is 100,000 errors), and capturing a stack for each one costs more
 * than the parse itself. Nothing reads those stacks.
 */
function parseYaml(text: string): Document.Parsed[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseAllDocuments(text, YAML_OPTIONS);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function isEmptyDoc(doc: Document.Parsed): boolean {
  const c = doc.contents as YamlNode | null;
  return c == null || (isScalar(c) && c.value === null);
}

/**
 * The fast path: js-yaml (YAML 1.2 core schema) reads the values about ten times faster than the
 * position-keeping parser. Any error, anchor, complex key or excessive depth sends the file to the full
 * parser instead, which reports it with its exact position. Returns every document (empty ones as
 * null), so that document `i` here is document `i` of the full parser.
 */
function fastValues(text: string, work: ParseWork): unknown[] | undefined {
  const values: unknown[] = [];
  work.bytes += text.length;
  // js-yaml makes every mapping key a string (`true: x` the key "true"), where the full parser tells a key
  // written `true`, `~` or `1` from a quoted one and refuses it. Every scalar that may be such a key, read as
  // the key js-yaml would make of it: a key among them goes to the full parser; one that is not was a string.
  const notStrings = new Set<string>();
  const listener = (event: jsYaml.EventType, state: jsYaml.State): void => {
    if (event !== 'close') return;
    const r: unknown = state.result;
    if (r === null || typeof r === 'number' || typeof r === 'boolean') notStrings.add(String(r));
    // A plain (or tagged) scalar js-yaml keeps as a string where YAML 1.2 reads a number (`1e400`).
    else if (typeof r === 'string' && (state as { tag?: unknown }).tag != null && coreNonString(r))
      notStrings.add(r);
  };
  try {
    jsYaml.loadAll(text, (v) => values.push(v), { schema: jsYaml.CORE_SCHEMA, listener });
  } catch {
    return undefined;
  }
  const seen = new Set<object>();
  return values.every((v) => plainTree(v, PARSE_LIMITS.maxDepth, seen, notStrings, work))
    ? values
    : undefined;
}

/**
 * Within the depth limit, a tree (an object reached twice would be an alias the full parser must bound), and
 * with no key that may have been written as something other than a string (one of `notStrings`).
 */
function plainTree(
  v: unknown,
  budget: number,
  seen: Set<object>,
  notStrings: ReadonlySet<string>,
  work: ParseWork,
): boolean {
  work.nodes++;
  if (v === null || typeof v !== 'object') return true;
  if (budget <= 0 || seen.has(v)) return false;
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) if (!plainTree(x, budget - 1, seen, notStrings, work)) return false;
    return true;
  }
  for (const k in v) {
    if (notStrings.has(k)) return false;
    if (!plainTree((v as Record<string, unknown>)[k], budget - 1, seen, notStrings, work)) return false;
  }
  return true;
}

/**
 * Whether a plain scalar `s` is a null, a boolean or a number in the YAML 1.2 core schema (the full parser's),
 * or a string js-yaml makes of one (`Infinity`, `NaN`, `1e+23`).
 */
function coreNonString(s: string): boolean {
  const c = s.charCodeAt(0);
  // Cheap first: most strings start with a letter none of these forms starts with.
  if (s.length > 0 && c > 57 /* 9 */ && c !== 126 /* ~ */ && !'nNtTfFI'.includes(s[0]!)) return false;
  return NOT_STRING_FORM.test(s);
}

const NOT_STRING_FORM =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|NaN|-?Infinity|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))?$/;

export interface ParseResult {
  readonly files: ParsedFile[];
  readonly diagnostics: Diagnostic[];
  /** The work counted while parsing (see {@link ParseWork}). */
  readonly work: ParseWork;
}

const YAML_CODE: Record<string, DiagnosticCode> = {
  DUPLICATE_KEY: 'YAML_DUPLICATE_KEY',
  TAB_AS_INDENT: 'YAML_TAB_INDENT',
  TAG_RESOLVE_FAILED: 'YAML_UNSUPPORTED',
};

/**
 * Parsed files by path and text, shared between compiles (the two sides of `meshc diff`): a file parses to
 * the same values and diagnostics whenever its path and text are the same, so the second compile reuses the
 * first one's result, value objects included, and the later stages can tell unchanged input by identity.
 */
export type ParseCache = Map<
  string,
  { readonly file: ParsedFile; readonly diagnostics: readonly Diagnostic[] }
>;

/**
 * The key of a file in a {@link ParseCache}: its path and text, and what the loader could not read when that
 * is carried (SourceFile.unread: the parsed file keeps its source, which validate reads it from).
 */
export function parseCacheKey(source: SourceFile): string {
  const key = `${source.path}\0${source.text}`;
  return source.unread ? `${key}\0\0unread\0${source.unread.join('\0')}` : key;
}

/** Parses every file; a file with errors keeps only its error-free documents. Pure. */
export function parseFiles(sources: readonly SourceFile[], cache?: ParseCache): ParseResult {
  const files: ParsedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const work = newParseWork();
  for (const source of sources) {
    const key = cache ? parseCacheKey(source) : '';
    const hit = cache?.get(key);
    if (hit) {
      files.push(hit.file);
      diagnostics.push(...hit.diagnostics);
      continue;
    }
    const own: Diagnostic[] = [];
    const file = parseFile(source, own, work);
    cache?.set(key, { file, diagnostics: own });
    files.push(file);
    diagnostics.push(...own);
  }
  return { files, diagnostics, work };
}

/**
 * How mapping keys written as something other than a string are read. `spec` (meshc's own spec files):
 * `true:`, `~:`, `8080:` are YAML_UNSUPPORTED at the key. `native` (the Kubernetes and mesh manifests
 * `meshc import` and `meshc drift --live` read): as kubectl reads them (sigs.k8s.io/yaml's YAML-to-JSON
 * conversion, yamlMapKeyToString): a number or a boolean is the string of its value (`8080` the key
 * "8080", `true` "true"), and a null key (`~:`, `null:`, an empty key) is refused, as kubectl refuses it.
 */
export interface ParseOptions {
  readonly keys?: 'spec' | 'native';
}

export function parseFile(
  source: SourceFile,
  diagnostics: Diagnostic[],
  work: ParseWork = newParseWork(),
  options: ParseOptions = {},
): ParsedFile {
  const parseText = normalizeLineBreaks(source.text);
  const scan = scanText(parseText, PARSE_LIMITS.maxScanDepth);
  work.bytes += scan.scanned;
  if (scan.tooDeep !== undefined) {
    const lines = new LineIndex(source.text);
    diagnostics.push(depthLimit(source.path, lines, scan.tooDeep, scan.tooDeep + 1));
    return { source, docs: [], partial: [] };
  }
  // What only the full parser handles and bounds (anchors, complex keys, ...: see scan.ts) goes there
  // directly; a byte-order mark anywhere too (the two parsers split documents differently around one).
  const fast =
    scan.badIndent.length === 0 && !scan.needsFullParser && !parseText.includes('\uFEFF')
      ? fastValues(parseText, work)
      : undefined;
  if (fast) {
    work.docs += fast.filter((v) => v !== null && v !== undefined).length;
    return fromFastValues(source, parseText, fast);
  }
  return parseFileFully(source, parseText, scan, diagnostics, work, options.keys ?? 'spec');
}

/** A fast-path file from its documents' values (positions, as always, parsed from the text when needed). */
function fromFastValues(source: SourceFile, parseText: string, values: readonly unknown[]): ParsedFile {
  const positions = new FilePositions(source.text, parseText, values.length);
  const docs: ParsedDoc[] = [];
  values.forEach((value, raw) => {
    if (value === null || value === undefined) return;
    docs.push({
      file: source.path,
      index: docs.length,
      value,
      get doc() {
        return positions.doc(raw, value);
      },
      get lines() {
        return positions.lines;
      },
      fastRange: (path, mode) => positions.fastRange(raw, value, path, mode),
    });
  });
  return { source, docs, fastValues: values };
}

/**
 * The file a parse of `source` gives, from the values an earlier fast-path parse of the same text read
 * (`ParsedFile.fastValues`, kept by a parse cache): the same documents, with no parse. The caller vouches
 * that the text is the one those values came from (the parse cache compares hashes); everything else the
 * fast path decided (no error, no anchor, within the limits) follows from the text. `checked`: the caller
 * also vouches that the documents passed their own checks then ({@link ParsedFile.checked}).
 */
export function parsedFromValues(
  source: SourceFile,
  values: readonly unknown[],
  checked = false,
): ParsedFile {
  const file = fromFastValues(source, normalizeLineBreaks(source.text), values);
  return checked ? { ...file, checked: true } : file;
}

/** The position-keeping parser: every YAML error becomes a diagnostic at its position. */
function parseFileFully(
  source: SourceFile,
  parseText: string,
  scan: TextScan,
  diagnostics: Diagnostic[],
  work: ParseWork,
  keys: 'spec' | 'native',
): ParsedFile {
  const lines = new LineIndex(source.text);
  const docs: ParsedDoc[] = [];
  const partial: unknown[] = [];
  work.bytes += parseText.length;
  let all: Document.Parsed[];
  try {
    all = parseYaml(parseText);
  } catch (e) {
    // The scan bounds the depth, so this is a backstop only (a stack overflow in the parser).
    const at = scan.deepest;
    diagnostics.push(
      e instanceof RangeError
        ? depthLimit(source.path, lines, at, at + 1)
        : yamlError(source.path, lines, 'PARSER', (e as Error).message, [0, 1]),
    );
    return { source, docs: [], partial: [] };
  }
  let index = 0;
  all.forEach((doc) => {
    const before = diagnostics.length;
    // One error per document: YAML parsers cascade; the first (a tab, if any) is the one to fix.
    const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
    const first = tabFirst(parseText, errors.find((e) => e.code === 'TAB_AS_INDENT') ?? errors[0]);
    const [docStart, , docEnd] = doc.range;
    const badIndent = scan.badIndent.find((o) => o >= docStart && o < docEnd);
    if (first && /call stack/i.test(first.message)) {
      diagnostics.push(depthLimit(source.path, lines, first.pos[0], first.pos[1]));
      partial.push(...partialValue(doc, work));
      return;
    }
    if (badIndent !== undefined && (!first || badIndent <= first.pos[0])) {
      diagnostics.push(unicodeIndent(source.path, lines, badIndent));
      partial.push(...partialValue(doc, work));
      return;
    }
    if (first) {
      diagnostics.push(
        first.code === 'DUPLICATE_KEY'
          ? duplicateKey(source.path, lines, doc, first.pos, work)
          : yamlError(source.path, lines, first.code, first.message, first.pos),
      );
      partial.push(...partialValue(doc, work));
    }
    if (diagnostics.length > before) return;
    if (isEmptyDoc(doc)) return; // an empty document, e.g. a trailing `---`
    if (!checkStructure(source.path, lines, doc, diagnostics, work, keys)) {
      partial.push(...partialValue(doc, work));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount });
    } catch (e) {
      // A backstop: checkAliases has bounded the expansion already.
      const node = doc.contents as YamlNode;
      diagnostics.push({
        code: 'YAML_ALIAS_LIMIT',
        severity: 'error',
        message: `The document expands more than ${PARSE_LIMITS.maxAliasCount} aliases.`,
        hint: `YAML parser: ${(e as Error).message}`,
        location: lines.location(source.path, node.range?.[0] ?? 0, node.range?.[1] ?? 0),
      });
      partial.push(...partialValue(doc, work));
      return;
    }
    work.docs++;
    docs.push({ file: source.path, index: index++, doc, lines, value });
  });
  return { source, docs, partial };
}

/** yaml's codes for a line that does not fit the block structure (what a tab in the indentation causes). */
const LAYOUT_ERRORS: ReadonlySet<string> = new Set([
  'BAD_INDENT',
  'BLOCK_AS_IMPLICIT_KEY',
  'MISSING_CHAR',
  'MULTILINE_IMPLICIT_KEY',
  'UNEXPECTED_TOKEN',
]);

/** An error of the `yaml` parser, as parseFileFully reads it. */
interface YamlProblem {
  readonly code: string;
  readonly message: string;
  readonly pos: [number, number];
}

/**
 * The problem to report for a document whose first error is `first`: a tab in the indentation of the line
 * that error is on, when there is one. yaml says TAB_AS_INDENT only where a tab follows the indentation the
 * block expects; after fewer spaces (`····⇥··timeout: 2s` in a block indented by 6) it reports the line as
 * misaligned (BAD_INDENT at its first space), and the tab is what to fix.
 */
function tabFirst(text: string, first: YamlProblem | undefined): YamlProblem | undefined {
  if (!first || !LAYOUT_ERRORS.has(first.code)) return first;
  const tab = tabInIndent(text, first.pos[0]);
  // yaml's code for it (which YAML_CODE maps to YAML_TAB_INDENT), not a diagnostic code of meshc.
  const code = 'TAB_AS_INDENT';
  return tab === undefined
    ? first
    : { code, message: 'Tabs are not allowed as indentation', pos: [tab, tab + 1] };
}

/**
 * The offset of the first tab in the indentation of the line holding offset `at` (the spaces and tabs before
 * its first other character), when the line holds more than white space and a comment.
 */
function tabInIndent(text: string, at: number): number | undefined {
  let i = at <= 0 ? 0 : text.lastIndexOf('\n', Math.min(at, text.length) - 1) + 1;
  let tab: number | undefined;
  for (; i < text.length && (text[i] === ' ' || text[i] === '\t'); i++) if (text[i] === '\t') tab ??= i;
  const c = text[i];
  return c === undefined || c === '\n' || c === '\r' || c === '#' ? undefined : tab;
}

function depthLimit(file: string, lines: LineIndex, start: number, end: number): Diagnostic {
  return {
    code: 'YAML_DEPTH_LIMIT',
    severity: 'error',
    message: `The document nests deeper than ${PARSE_LIMITS.maxDepth} levels.`,
    hint: 'Flatten the structure; no meshc kind needs that depth.',
    location: lines.location(file, start, Math.max(end, start + 1)),
  };
}

function unicodeIndent(file: string, lines: LineIndex, offset: number): Diagnostic {
  const cp = lines.text.codePointAt(offset) ?? 0;
  const name = cp === 0xa0 ? 'a non-breaking space' : 'a non-ASCII space';
  return {
    code: 'YAML_NONASCII_INDENT',
    severity: 'error',
    message: `This line is indented with ${name} (${codePointName(cp)}); YAML indents with ASCII spaces only.`,
    hint: 'Replace the character by ordinary spaces (it often comes from copying text out of a web page or a document).',
    location: lines.location(file, offset, offset + 1),
  };
}

/** A duplicate key, named, with the position of its first occurrence. */
function duplicateKey(
  file: string,
  lines: LineIndex,
  doc: Document.Parsed,
  pos: [number, number],
  work: ParseWork,
): Diagnostic {
  const base = yamlError(file, lines, 'DUPLICATE_KEY', 'Map keys must be unique', pos);
  let found: { key: string; first: YamlNode; second: YamlNode } | undefined;
  const stack: unknown[] = [doc.contents];
  // Iterative and bounded: the text scan has limited the depth, the loop visits each node once.
  while (stack.length > 0 && !found) {
    const node = stack.pop();
    work.nodes++;
    if (isMap(node)) {
      const firstSeen = new Map<string, YamlNode>();
      for (const item of node.items) {
        const k = item.key as YamlNode | null;
        if (k != null && isScalar(k)) {
          const name = String(k.value);
          const earlier = firstSeen.get(name);
          if (earlier && k.range && k.range[0] >= pos[0] && k.range[0] < pos[1] + 1) {
            found = { key: name, first: earlier, second: k };
            break;
          }
          if (!earlier) firstSeen.set(name, k);
        }
        stack.push(item.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  if (!found) return base;
  const firstLoc = lines.location(file, found.first.range?.[0] ?? 0, found.first.range?.[1] ?? 0);
  const shown = found.key.length > 60 ? `${found.key.slice(0, 57)}...` : found.key;
  return {
    ...base,
    message: `The key "${shown}" appears twice in this mapping (first at ${firstLoc.line}:${firstLoc.col}).`,
    related: [{ message: `first "${shown}" here`, location: firstLoc }],
  };
}

/**
 * What a document that is not used (it has a YAML error, or a feature specs refuse) declares, for the later
 * stages to know the names a broken file defines (so that a reference to one is not reported as unknown
 * too): its `apiVersion`, `kind`, and `metadata.name` and `metadata.namespace`, read from the top two levels
 * of its syntax tree as written. Nothing is converted or expanded (an alias, a merge key, a collection key
 * or a depth the checks refused would make converting the document unsafe or impossible), so this is
 * bounded by the size of those two mappings and holds even for a document whose other parts are broken.
 */
function partialValue(doc: Document.Parsed, work: ParseWork): unknown[] {
  const top = doc.contents as YamlNode | null;
  if (!isMap(top)) return [];
  const text = (n: unknown): string | undefined =>
    isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
  const out: Record<string, unknown> = {};
  for (const item of top.items) {
    work.nodes++;
    const key = text(item.key);
    if (key === 'apiVersion' || key === 'kind') {
      const v = text(item.value);
      if (v !== undefined) out[key] = v;
    } else if (key === 'metadata' && isMap(item.value)) {
      const metadata: Record<string, string> = {};
      for (const m of item.value.items) {
        work.nodes++;
        const k = text(m.key);
        const v = text(m.value);
        if ((k === 'name' || k === 'namespace') && v !== undefined) metadata[k] = v;
      }
      out.metadata = metadata;
    }
  }
  return Object.keys(out).length > 0 ? [out] : [];
}

/** Where the user should look: the parser's position is often where it gave up, not the mistake. */
function betterPosition(
  text: string,
  yamlCode: string,
  message: string,
  pos: [number, number],
): { pos: [number, number]; message?: string; hint?: string } {
  const unclosed = /end with a ([}\]])/.exec(message);
  if (unclosed) {
    const open = unmatchedOpener(text, pos[0], unclosed[1] === '}' ? '{' : '[');
    if (open !== undefined)
      return {
        pos: [open, open + 1],
        message: `This flow ${unclosed[1] === '}' ? 'mapping' : 'sequence'} is never closed with "${unclosed[1]}".`,
      };
  }
  if (
    yamlCode === 'MULTILINE_IMPLICIT_KEY' ||
    yamlCode === 'BLOCK_AS_IMPLICIT_KEY' ||
    (yamlCode === 'MISSING_CHAR' && /^Implicit map keys need to be followed by map values/.test(message))
  ) {
    const missing = missingSeparator(text, pos[0]);
    if (missing) return missing;
  }
  if (
    (yamlCode === 'MULTILINE_IMPLICIT_KEY' || yamlCode === 'BLOCK_AS_IMPLICIT_KEY') &&
    text.slice(pos[0], pos[1] + 200).includes('\n')
  ) {
    const nl = text.indexOf('\n', pos[0]);
    let start = nl + 1;
    while (text[start] === ' ') start++;
    let end = start;
    while (end < text.length && text[end] !== '\n' && text[end] !== ':') end++;
    return {
      pos: [start, Math.max(end, start + 1)],
      message:
        'This line is indented more than it should be: YAML reads it as a continuation of the line above.',
    };
  }
  return { pos };
}

/**
 * A line that should be a `key: value` item but is a plain scalar: `timeout:2s` (no space after the colon)
 * or `mtls strict` (no colon). YAML then reads the line as the start of a key that goes on into the next
 * line, and says so there (or, at the end of a block, that the key has no value). Recognized when the key the
 * parser complains about starts the line (after its indentation and any `- `) and the line holds a plain
 * scalar only: no `: ` or `:` at its end, no quote or flow collection; the position is then that line.
 */
function missingSeparator(
  text: string,
  at: number,
): { pos: [number, number]; message: string; hint: string } | undefined {
  const lineStart = at <= 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
  if (!/^[ ]*(?:-[ ]+)*$/.test(text.slice(lineStart, at))) return undefined;
  const nl = text.indexOf('\n', at);
  const line = text.slice(at, nl < 0 ? text.length : nl).replace(/\r$/, '');
  // The scalar, without a trailing comment (` #`) and white space.
  const content = line.replace(/[ \t]+#.*$/, '').trimEnd();
  if (content === '' || /^["'{[\]}&*!|>%@`#?-]/.test(content) || /:([ \t]|$)/.test(content)) return undefined;
  const shown = content.length > 60 ? `${content.slice(0, 57)}...` : content;
  const pos: [number, number] = [at, at + content.length];
  // `key:value`, not a URL (`http://...`).
  const colon = /^([^:\s]+):([^/\s].*)$/.exec(content);
  if (colon)
    return {
      pos,
      message: `"${shown}" has no space after its colon: YAML reads it as one plain value, not as a \`key: value\` item.`,
      hint: content.length <= 60 ? `Write "${colon[1]}: ${colon[2]}".` : 'Write a space after the colon.',
    };
  const words = /^(\S+)[ \t]+(\S.*)$/.exec(content);
  return {
    pos,
    message: `"${shown}" is a plain value where a \`key: value\` item is expected: the colon is missing.`,
    hint:
      words && content.length <= 60
        ? `Write "${words[1]}: ${words[2]}" (a colon and a space after the key).`
        : 'Write the item as `key: value` (a colon and a space after the key).',
  };
}

/** The last `{` (or `[`) before `limit` that is not closed before it, ignoring quoted strings and comments. */
function unmatchedOpener(text: string, limit: number, opener: '{' | '['): number | undefined {
  const closer = opener === '{' ? '}' : ']';
  const stack: number[] = [];
  for (let i = 0; i < limit; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? limit : end;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? limit : end;
    } else if (c === opener) stack.push(i);
    else if (c === closer) stack.pop();
  }
  return stack.at(-1);
}

function yamlError(
  file: string,
  lines: LineIndex,
  yamlCode: string,
  rawMessage: string,
  rawPos: [number, number],
): Diagnostic {
  const better = betterPosition(lines.text, yamlCode, rawMessage, rawPos);
  const pos = better.pos;
  const code = YAML_CODE[yamlCode] ?? 'YAML_SYNTAX';
  const first = rawMessage.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const own = better.message;
  const ownHint = better.hint;
  const messages: Partial<Record<DiagnosticCode, string>> = {
    YAML_DUPLICATE_KEY: 'This mapping has the same key twice.',
    YAML_TAB_INDENT: 'Tabs are not allowed for indentation in YAML.',
    YAML_UNSUPPORTED: 'Custom YAML tags are not allowed in specs.',
  };
  const end = pos[1] > pos[0] ? pos[1] : pos[0] + 1;
  return {
    code,
    severity: 'error',
    message: own ?? messages[code] ?? `Invalid YAML: ${lowerFirst(first)}.`.replace(/\.\.$/, '.'),
    hint: ownHint ?? (code === 'YAML_SYNTAX' ? `YAML parser (${yamlCode}): ${first}` : CODE_HINTS[code]),
    location: lines.location(file, pos[0], end),
  };
}

const CODE_HINTS: Partial<Record<DiagnosticCode, string>> = {
  YAML_DUPLICATE_KEY: 'Remove or rename one of the two keys; YAML tools disagree on which one wins.',
  YAML_TAB_INDENT: 'Indent with spaces; set your editor to insert spaces in YAML files.',
  YAML_UNSUPPORTED: 'Use plain mappings, sequences and scalars.',
};

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** Depth limit, aliases, and the YAML features specs do not accept (non-scalar keys, merge keys). */
function checkStructure(
  file: string,
  lines: LineIndex,
  doc: Document.Parsed,
  out: Diagnostic[],
  work: ParseWork,
  keys: 'spec' | 'native' = 'spec',
): boolean {
  // The depth first: everything after it (yaml's visitor included) recurses over the tree.
  const deep = findTooDeep(doc.contents as YamlNode, 0, work);
  if (deep) {
    out.push(depthLimit(file, lines, deep.range?.[0] ?? 0, deep.range?.[1] ?? 0));
    return false;
  }
  let ok = true;
  visit(doc, {
    Pair(_key, pair) {
      work.nodes++;
      if (isScalar(pair.key) && pair.key.value === '<<') {
        const k = pair.key as YamlNode;
        out.push({
          code: 'YAML_UNSUPPORTED',
          severity: 'error',
          message: 'YAML merge keys (`<<`) are not supported in specs.',
          hint: 'Write the fields out; tools disagree on merge keys (YAML 1.2 dropped them).',
          location: lines.location(file, k.range?.[0] ?? 0, k.range?.[1] ?? 0),
        });
        ok = false;
        return visit.BREAK;
      }
      if (keys === 'native' && isScalar(pair.key) && kubectlKey(pair.key.value) !== undefined) {
        // Native YAML: the key as kubectl reads it (ParseOptions). The scalar becomes that string, so that
        // toJS and locate (which matches keys by String(value)) see the same key.
        pair.key.value = kubectlKey(pair.key.value);
        return undefined;
      }
      if (pair.key == null || (isScalar(pair.key) && typeof pair.key.value !== 'string')) {
        out.push(nonStringKey(file, lines, pair, keys));
        ok = false;
        return visit.BREAK;
      }
      if (!isScalar(pair.key)) {
        const k = pair.key as YamlNode;
        out.push({
          code: 'YAML_UNSUPPORTED',
          severity: 'error',
          message: 'Mapping keys must be plain scalars.',
          hint: 'Use a string key; complex keys (`? `) are not accepted in specs.',
          location: lines.location(file, k.range?.[0] ?? 0, k.range?.[1] ?? 0),
        });
        ok = false;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (!ok) return false;
  const alias = checkAliases(doc, work);
  if (alias) {
    const r = alias.node.range ?? [0, 1];
    const location = lines.location(file, r[0], r[1]);
    if (alias.kind === 'unresolved') {
      out.push(unresolvedAlias(alias.node.source, location));
      return false;
    }
    const cycle = alias.kind === 'cycle';
    out.push({
      code: cycle ? 'YAML_ALIAS_CYCLE' : 'YAML_ALIAS_LIMIT',
      severity: 'error',
      message: cycle
        ? `The alias *${alias.node.source} refers to a node that contains it: its value would be infinite.`
        : `The document expands more than ${PARSE_LIMITS.maxAliasCount} aliases or ${PARSE_LIMITS.maxAliasNodes} aliased nodes (here, at *${alias.node.source}).`,
      hint: cycle
        ? 'Write the nested value out instead of referring to the enclosing anchor.'
        : 'Write the values out instead of nesting aliases.',
      location,
    });
    return false;
  }
  return true;
}

/**
 * An alias with no anchor of its name before it in its document (anchors do not reach across `---`). Most
 * often not meant as an alias at all: a plain value that starts with `*`, such as a wildcard host.
 */
function unresolvedAlias(name: string, location: Diagnostic['location']): Diagnostic {
  const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
  return {
    code: 'YAML_SYNTAX',
    severity: 'error',
    message: `\`*${shown}\` is read as an alias, but no anchor \`&${shown}\` comes before it in this document.`,
    hint: `Quote a value that starts with \`*\` ("*${shown}") to make it a string; an alias (\`*name\`) refers to an anchor (\`&name\`) set earlier in the same document (anchors do not reach across \`---\`).`,
    location,
  };
}

/**
 * A mapping key that is not a string: YAML 1.2 reads `true`, `~`, `null` and numbers as booleans, nulls and
 * numbers, which JSON, and so every later stage, has no key for (converting would silently rename them).
 */
function nonStringKey(
  file: string,
  lines: LineIndex,
  pair: { key: unknown; value: unknown },
  keys: 'spec' | 'native' = 'spec',
): Diagnostic {
  // Native YAML (ParseOptions): only a null key gets here; kubectl refuses it too.
  const takes = keys === 'native' ? 'Kubernetes (kubectl) takes no null key' : 'specs take string keys only';
  const key = pair.key as (YamlNode & { value?: unknown }) | null;
  if (key == null || key.range == null || key.range[1] <= key.range[0]) {
    // No key written (`: value`): at the colon (yaml puts the empty key just before it).
    let at = key?.range?.[0] ?? (pair.value as YamlNode | null)?.range?.[0] ?? 0;
    while (lines.text[at] === ' ' || lines.text[at] === '\t') at++;
    return {
      code: 'YAML_UNSUPPORTED',
      severity: 'error',
      message: `This mapping item has no key: YAML reads an empty key as null, and ${takes}.`,
      hint: 'Write the key before the colon, or remove the item.',
      location: lines.location(file, at, at + 1),
    };
  }
  const text = lines.text;
  let [start, end] = key.range;
  // A tag written before the key (`!!int "1"`) is part of it: it made the number.
  if (key.tag) {
    let i = start - 1;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
    let j = i;
    while (j >= 0 && !/[\s,[{]/.test(text[j]!)) j--;
    if (text[j + 1] === '!') start = j + 1;
  }
  end = Math.max(end, start + 1);
  const written = text.slice(start, end);
  const shown = written.length > 60 ? `${written.slice(0, 57)}...` : written;
  const v = key.value;
  const type =
    v === null
      ? 'null'
      : typeof v === 'boolean'
        ? 'a boolean'
        : typeof v === 'number'
          ? 'a number'
          : 'not a string';
  return {
    code: 'YAML_UNSUPPORTED',
    severity: 'error',
    message: `The mapping key ${shown} is ${type} in YAML, not a string; ${takes}.`,
    hint: `Quote the key ("${shown.replace(/["\\]/g, '\\$&')}") if it is meant as text.`,
    location: lines.location(file, start, end),
  };
}

/**
 * The string kubectl makes of a mapping key that YAML reads as a number or a boolean (sigs.k8s.io/yaml,
 * yamlMapKeyToString: an integer in decimal, a float by its shortest form, with `.inf`, `-.inf`, `.nan` for
 * the infinities and NaN; `true`, `false`), or undefined for any other key (a string, or a null kubectl refuses).
 * Floats use JavaScript's shortest form, which is Go's (`'g'`, -1) but for exponents (Go writes `1e+06` where
 * this writes `1000000`). YAML 1.2 core schema, as both parsers here read it (kubectl's YAML 1.1 also reads
 * `yes`/`on` as booleans, and keeps them as strings here).
 */
function kubectlKey(v: unknown): string | undefined {
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v !== 'number') return undefined;
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  return String(v);
}

/** The first node nested `maxDepth` levels deep; recursion is bounded by the limit itself. */
function findTooDeep(node: YamlNode | null, depth: number, work: ParseWork): YamlNode | undefined {
  work.nodes++;
  if (node == null || isScalar(node) || isAlias(node)) return undefined;
  if (depth >= PARSE_LIMITS.maxDepth) return node;
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const inKey = findTooDeep(item.key as YamlNode | null, depth + 1, work);
      if (inKey) return inKey;
      const found = findTooDeep(item.value as YamlNode | null, depth + 1, work);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findTooDeep(item as YamlNode | null, depth + 1, work);
      if (found) return found;
    }
  }
  return undefined;
}

interface AliasProblem {
  readonly node: YamlNode & { source: string };
  /** `unresolved`: no anchor of that name before the alias in its document. */
  readonly kind: 'cycle' | 'limit' | 'unresolved';
}

/**
 * Counts what expanding the aliases would cost, without expanding them: walking the document in order,
 * each anchored node's size (nodes, and aliases inside it) is known once the walk leaves it, and aliases
 * can only refer back to it (YAML anchors precede their aliases). An alias to a node the walk is still
 * inside is a cycle. Linear in the size of the syntax tree; recursion bounded by the depth limit.
 */
function checkAliases(doc: Document.Parsed, work: ParseWork): AliasProblem | undefined {
  const sizes = new Map<unknown, { nodes: number; aliases: number }>();
  const open = new Set<unknown>();
  let expandedNodes = 0;
  let expansions = 0;
  let problem: AliasProblem | undefined;
  const walk = (node: unknown, depth: number): { nodes: number; aliases: number } => {
    work.nodes++;
    if (problem || node == null || depth > PARSE_LIMITS.maxDepth) return { nodes: 1, aliases: 0 };
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) {
        problem = { node: node as AliasProblem['node'], kind: 'unresolved' };
        return { nodes: 1, aliases: 1 };
      }
      const s = sizes.get(target);
      if (open.has(target) || s === undefined) {
        problem = { node: node as AliasProblem['node'], kind: 'cycle' };
        return { nodes: 1, aliases: 1 };
      }
      expandedNodes += s.nodes;
      expansions += s.aliases + 1;
      work.aliasNodes += Math.min(s.nodes, PARSE_LIMITS.maxAliasNodes);
      if (expansions > PARSE_LIMITS.maxAliasCount || expandedNodes > PARSE_LIMITS.maxAliasNodes)
        problem = { node: node as AliasProblem['node'], kind: 'limit' };
      return { nodes: s.nodes, aliases: s.aliases + 1 };
    }
    let nodes = 1;
    let aliases = 0;
    const anchored = (node as { anchor?: string }).anchor !== undefined;
    if (anchored) open.add(node);
    const add = (child: unknown) => {
      const c = walk(child, depth + 1);
      nodes += c.nodes;
      aliases += c.aliases;
    };
    if (isMap(node))
      for (const item of node.items) {
        add(item.key);
        add(item.value);
      }
    else if (isSeq(node)) for (const item of node.items) add(item);
    if (anchored) {
      open.delete(node);
      sizes.set(node, { nodes, aliases });
    }
    return { nodes, aliases };
  };
  walk(doc.contents, 0);
  return problem;
}
