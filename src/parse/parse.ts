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
  /** Index of the document in its file (0-based, counting empty documents too). */
  readonly index: number;
  readonly doc: Document.Parsed;
  readonly lines: LineIndex;
  /** The document as plain JSON data. */
  readonly value: unknown;
}

export interface ParsedFile {
  readonly source: SourceFile;
  readonly lines: LineIndex;
  readonly docs: ParsedDoc[];
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
  const lines = new LineIndex(source.text);
  const docs: ParsedDoc[] = [];
  const all = parseAllDocuments(source.text, {
    version: '1.2',
    uniqueKeys: true,
    merge: false,
    prettyErrors: false,
    strict: true,
  });
  all.forEach((doc, index) => {
    const before = diagnostics.length;
    for (const err of doc.errors)
      diagnostics.push(yamlError(source.path, lines, err.code, err.message, err.pos));
    for (const warn of doc.warnings) {
      if (warn.code === 'TAG_RESOLVE_FAILED')
        diagnostics.push(yamlError(source.path, lines, warn.code, warn.message, warn.pos));
    }
    if (diagnostics.length > before) return;
    const c = doc.contents as YamlNode | null;
    if (c == null || (isScalar(c) && c.value === null)) return; // an empty document, e.g. a trailing `---`
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
    docs.push({ file: source.path, index, doc, lines, value });
  });
  return { source, lines, docs };
}

function yamlError(
  file: string,
  lines: LineIndex,
  yamlCode: string,
  message: string,
  pos: [number, number],
): Diagnostic {
  const code = YAML_CODE[yamlCode] ?? 'YAML_SYNTAX';
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const messages: Partial<Record<DiagnosticCode, string>> = {
    YAML_DUPLICATE_KEY: 'This mapping has the same key twice.',
    YAML_TAB_INDENT: 'Tabs are not allowed for indentation in YAML.',
    YAML_UNSUPPORTED: 'Custom YAML tags are not allowed in specs.',
  };
  const end = pos[1] > pos[0] ? pos[1] : pos[0] + 1;
  return {
    code,
    severity: 'error',
    message: messages[code] ?? `Invalid YAML: ${lowerFirst(first)}.`.replace(/\.\.$/, '.'),
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
