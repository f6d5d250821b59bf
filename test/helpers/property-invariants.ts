/**
 * What every "never crashes" property requires of meshc's answer, whatever the input (test/properties.test.ts
 * for the spec, test/import-properties.test.ts for `meshc import` and `drift --live`): known codes, a severity,
 * a message without a stack trace, and every location inside the input files. And the mutations both
 * properties share: value edits, structural edits of a document, and fragments of YAML text.
 */
import fc from 'fast-check';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { CODES } from '../../src/core/codes.ts';
import type { Diagnostic } from '../../src/core/diagnostic.ts';
import type { Location } from '../../src/core/location.ts';
import type { SourceFile } from '../../src/parse/source.ts';

/** Lines as YAML and editors count them: LF, CRLF and a lone CR all end a line. */
export function inside(text: string, line: number, col: number): boolean {
  const lines = text.split(/\r\n|\r|\n/);
  if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || line > lines.length || col < 1)
    return false;
  return col <= lines[line - 1]!.length + 1;
}

export function checkLocation(loc: Location, files: readonly SourceFile[], what: string): void {
  const f = files.find((x) => x.path === loc.file);
  if (!f)
    throw new Error(
      `${what}: location file ${loc.file} is not an input (${files.map((x) => x.path).join(', ')})`,
    );
  if (!inside(f.text, loc.line, loc.col))
    throw new Error(`${what}: ${loc.file}:${loc.line}:${loc.col} lies outside the file`);
  if (!inside(f.text, loc.endLine, loc.endCol))
    throw new Error(`${what}: end ${loc.file}:${loc.endLine}:${loc.endCol} lies outside the file`);
}

/** A line of a V8 stack trace. */
export const STACK_FRAME = /^\s*at .*(:\d+:\d+\)?|<anonymous>\)?)$/m;

/** Every diagnostic well-formed (its code added to `seen`, for the properties' reach checks). */
export function checkDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
  seen: Set<string>,
): void {
  for (const d of diagnostics) {
    seen.add(d.code);
    // A message may quote the input at length: the failure quotes its start.
    const what = `${d.code} "${String(d.message).slice(0, 300)}"`;
    if (!Object.prototype.hasOwnProperty.call(CODES, d.code)) throw new Error(`unknown code ${d.code}`);
    if (d.severity !== 'error' && d.severity !== 'warning')
      throw new Error(`${what}: severity ${String(d.severity)}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') throw new Error(`${d.code}: empty message`);
    if (STACK_FRAME.test(d.message) || STACK_FRAME.test(d.hint ?? ''))
      throw new Error(`${what}: a stack trace in the diagnostic`);
    if (d.location) checkLocation(d.location, files, what);
    for (const r of d.related ?? []) checkLocation(r.location, files, `${what} (related "${r.message}")`);
  }
}

/** A data path the mutations edit (mutable, as the yaml library's `setIn` takes it). */
export type DataPath = (string | number)[];

/** The data paths of every node under a value (not the value itself), stopping past `cap` of them. */
export function nodePaths(
  v: unknown,
  prefix: DataPath = [],
  out: DataPath[] = [],
  cap = Infinity,
): DataPath[] {
  if (out.length > cap) return out;
  if (Array.isArray(v))
    v.forEach((x, i) => (out.push([...prefix, i]), nodePaths(x, [...prefix, i], out, cap)));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k]);
      nodePaths(x, [...prefix, k], out, cap);
    }
  return out;
}

/** The value as another type: a number as a string and back, a list as a mapping and back, ... */
export function otherType(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v.length;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 0;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [`k${i}`, x]));
  return Object.values(v as object);
}

/** A string of 1 to 8 of `fragments` (pieces that upset YAML parsers), or of raw code points. */
export function yamlFragmentsArb(fragments: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  );
}

/** The documents of a YAML text when the yaml library reads them all without an error; else undefined. */
export function parseDocs(text: string): Document.Parsed[] | undefined {
  try {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.length === 0 || docs.some((d) => d.errors.length > 0)) return undefined;
    return docs;
  } catch {
    // Deeper than yaml's recursive parser goes (a hostile mutation before this one): meshc reports such a
    // file by its depth limit; the harness just leaves it as it is.
    return undefined;
  }
}

/**
 * Applies `change` to one document of a YAML text through the yaml Document API, given the data paths of
 * its nodes (at most about `cap`) and its value. Only texts that parse cleanly are edited (yaml cannot print a
 * document with errors; the text mutations take care of broken files), and only mapping or sequence
 * documents; anything else is returned as it is.
 */
export function editDocument(
  text: string,
  docIndex: number,
  change: (doc: Document.Parsed, paths: DataPath[], js: unknown) => void,
  cap = Infinity,
): string {
  const docs = parseDocs(text);
  if (!docs) return text;
  const doc = docs[docIndex % docs.length]!;
  if (!(isMap(doc.contents) || isSeq(doc.contents))) return text;
  try {
    const js = doc.toJS({ maxAliasCount: 100 }) as unknown;
    const paths = nodePaths(js, [], [], cap);
    if (paths.length === 0) return text;
    change(doc, paths, js);
    return docs
      .map((d, i) => (i > 0 && !String(d).startsWith('---') ? `---\n${String(d)}` : String(d)))
      .join('');
  } catch {
    // A structural edit can leave the document unprintable for yaml itself (an alias whose anchor the edit
    // replaced): that is the generator's limit, not an input meshc gets; keep the text as it was.
    return text;
  }
}
