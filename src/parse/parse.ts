import jsYaml from 'js-yaml';
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { DiagnosticCode } from '../core/codes.ts';
import { LineIndex } from './line-index.ts';
import type { SourceFile } from './source.ts';

/** Limits that keep hostile or accidental input from exhausting the compiler. */
export const PARSE_LIMITS = { maxAliasCount: 100, maxDepth: 64 } as const;

export interface ParsedDoc {
  readonly file: string;
  /** Index of the document among the non-empty documents of its file (0-based). */
  readonly index: number;
  /** The YAML AST with source ranges (built on first use: only diagnostics need positions). */
  readonly doc: Document.Parsed;
  readonly lines: LineIndex;
  /** The document as plain JSON data. */
  readonly value: unknown;
}

export interface ParsedFile {
  readonly source: SourceFile;
  readonly docs: ParsedDoc[];
  /**
   * Best-effort values of documents that have YAML errors: not validated, only read for the names they
   * declare, so that a broken file does not make every reference to its objects an error too.
   */
  readonly partial?: readonly unknown[];
}

const YAML_OPTIONS = {
  version: '1.2',
  uniqueKeys: true,
  merge: false,
  prettyErrors: false,
  strict: true,
} as const;

/** Anchors (aliases need them) and explicit complex keys take the full parser, which enforces their limits. */
const NEEDS_FULL_PARSER = /(^|[\s[{,])&[^\s]|^\s*\?\s|(^|[\s{,])<<\s*:/m;

/** The positions of a file, parsed once, on the first diagnostic that needs them. */
class FilePositions {
  #docs: Document.Parsed[] | undefined;
  #lines: LineIndex | undefined;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  get lines(): LineIndex {
    return (this.#lines ??= new LineIndex(this.text));
  }
  doc(index: number): Document.Parsed {
    this.#docs ??= parseAllDocuments(this.text, YAML_OPTIONS).filter((d) => !isEmptyDoc(d));
    return this.#docs[index]!;
  }
}

function isEmptyDoc(doc: Document.Parsed): boolean {
  const c = doc.contents as YamlNode | null;
  return c == null || (isScalar(c) && c.value === null);
}

/**
 * The fast path: js-yaml (YAML 1.2 core schema) reads the values about ten times faster than the
 * position-keeping parser. Any error, anchor, complex key or excessive depth sends the file to the full
 * parser instead, which reports it with its exact position.
 */
function fastValues(text: string): unknown[] | undefined {
  if (NEEDS_FULL_PARSER.test(text)) return undefined;
  const values: unknown[] = [];
  try {
    jsYaml.loadAll(text, (v) => values.push(v), { schema: jsYaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
  const out = values.filter((v) => v !== null && v !== undefined);
  return out.every((v) => depthWithin(v, PARSE_LIMITS.maxDepth)) ? out : undefined;
}

function depthWithin(v: unknown, budget: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (budget <= 0) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (!depthWithin(x, budget - 1)) return false;
  return true;
}

export interface ParseResult {
  readonly files: ParsedFile[];
  readonly diagnostics: Diagnostic[];
}

const YAML_CODE: Record<string, DiagnosticCode> = {
  DUPLICATE_KEY: 'YAML_DUPLICATE_KEY',
  TAB_AS_INDENT: 'YAML_TAB_INDENT',
  TAG_RESOLVE_FAILED: 'YAML_UNSUPPORTED',
};

/** Parses every file; a file with errors keeps only its error-free documents. Pure. */
export function parseFiles(sources: readonly SourceFile[]): ParseResult {
  const files: ParsedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) files.push(parseFile(source, diagnostics));
  return { files, diagnostics };
}

export function parseFile(source: SourceFile, diagnostics: Diagnostic[]): ParsedFile {
  const fast = fastValues(source.text);
  if (fast) {
    const positions = new FilePositions(source.text);
    const docs = fast.map((value, index): ParsedDoc => ({
      file: source.path,
      index,
      value,
      get doc() {
        return positions.doc(index);
      },
      get lines() {
        return positions.lines;
      },
    }));
    return { source, docs };
  }
  return parseFileFully(source, diagnostics);
}

/** The position-keeping parser: every YAML error becomes a diagnostic at its position. */
function parseFileFully(source: SourceFile, diagnostics: Diagnostic[]): ParsedFile {
  const lines = new LineIndex(source.text);
  const docs: ParsedDoc[] = [];
  const partial: unknown[] = [];
  const all = parseAllDocuments(source.text, YAML_OPTIONS);
  let index = 0;
  all.forEach((doc) => {
    const before = diagnostics.length;
    // One error per document: YAML parsers cascade; the first (a tab, if any) is the one to fix.
    const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
    const first = errors.find((e) => e.code === 'TAB_AS_INDENT') ?? errors[0];
    if (first) {
      diagnostics.push(yamlError(source.path, lines, first.code, first.message, first.pos));
      partial.push(...partialValue(doc));
    }
    if (diagnostics.length > before) return;
    if (isEmptyDoc(doc)) return; // an empty document, e.g. a trailing `---`
    if (!checkStructure(source.path, lines, doc, diagnostics)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount });
    } catch (e) {
      const node = doc.contents as YamlNode;
      diagnostics.push({
        code: 'YAML_ALIAS_LIMIT',
        severity: 'error',
        message: `The document expands more than ${PARSE_LIMITS.maxAliasCount} aliases.`,
        hint: `YAML parser: ${(e as Error).message}`,
        location: lines.location(source.path, node.range?.[0] ?? 0, node.range?.[1] ?? 0),
      });
      return;
    }
    docs.push({ file: source.path, index: index++, doc, lines, value });
  });
  return { source, docs, partial };
}

function partialValue(doc: Document.Parsed): unknown[] {
  try {
    const v = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount }) as unknown;
    return v !== null && typeof v === 'object' ? [v] : [];
  } catch {
    return [];
  }
}

/** Where the user should look: the parser's position is often where it gave up, not the mistake. */
function betterPosition(
  text: string,
  yamlCode: string,
  message: string,
  pos: [number, number],
): { pos: [number, number]; message?: string } {
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
    hint: code === 'YAML_SYNTAX' ? `YAML parser (${yamlCode}): ${first}` : CODE_HINTS[code],
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

/** Depth limit and the YAML features specs do not accept (non-scalar keys). */
function checkStructure(file: string, lines: LineIndex, doc: Document.Parsed, out: Diagnostic[]): boolean {
  let ok = true;
  visit(doc, {
    Pair(_key, pair) {
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
      if (pair.key != null && !isScalar(pair.key)) {
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
  const deep = findTooDeep(doc.contents as YamlNode, 0);
  if (deep) {
    out.push({
      code: 'YAML_DEPTH_LIMIT',
      severity: 'error',
      message: `The document nests deeper than ${PARSE_LIMITS.maxDepth} levels.`,
      hint: 'Flatten the structure; no meshc kind needs that depth.',
      location: lines.location(file, deep.range?.[0] ?? 0, deep.range?.[1] ?? 0),
    });
    return false;
  }
  return true;
}

function findTooDeep(node: YamlNode | null, depth: number): YamlNode | undefined {
  if (node == null || isScalar(node) || isAlias(node)) return undefined;
  if (depth >= PARSE_LIMITS.maxDepth) return node;
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const found = findTooDeep(item.value as YamlNode | null, depth + 1);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findTooDeep(item as YamlNode | null, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
