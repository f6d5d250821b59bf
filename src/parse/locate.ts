import { isAlias, isMap, isPair, isScalar, isSeq } from './yaml-lib.ts';
import type { Node as YamlNode, Scalar } from 'yaml';
import type { DataPath, Location } from '../core/location.ts';
import { lazyLocation } from '../core/location.ts';
import type { ParsedDoc } from './parse.ts';

export interface FoundNode {
  /** The value node at the deepest segment that exists (undefined for an empty value like `key:`). */
  readonly node: YamlNode | undefined;
  /** The key of the pair holding `node`, when `node` is a mapping value. */
  readonly key: Scalar | undefined;
  /** How many path segments were found. */
  readonly depth: number;
}

/** Walks a data path through the YAML AST as far as it exists. Aliases are followed. */
export function findNode(pd: ParsedDoc, path: DataPath): FoundNode {
  let node = pd.doc.contents as YamlNode | null | undefined;
  let key: Scalar | undefined;
  let depth = 0;
  for (const seg of path) {
    if (node != null && isAlias(node)) node = node.resolve(pd.doc) as YamlNode | undefined;
    if (node != null && isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      key = pair.key as Scalar;
      node = (pair.value as YamlNode | null) ?? undefined;
    } else if (node != null && isSeq(node)) {
      const idx = typeof seg === 'number' ? seg : Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.items.length) break;
      key = undefined;
      node = (node.items[idx] as YamlNode | null) ?? undefined;
    } else break;
    depth++;
  }
  return { node: node ?? undefined, key, depth };
}

/**
 * The location of the node at `path` (or of its deepest existing ancestor).
 * `key` points at the mapping key instead of the value (for unknown fields, and for required-field errors
 * reported on the parent mapping).
 *
 * In a document the fast parser read, the location returned is lazy, computed when one of its positions
 * is first read (printed, or compared with a location whose order is not known otherwise): by js-yaml's
 * node positions (fast-locate.ts, one more js-yaml parse of the document), and only where those cannot
 * give the answer exactly, by the `yaml` package's position-keeping parse of the document (about ten times
 * the cost, plus loading that package). A diagnostic that is never shown costs no parse. A document the
 * full parser read has its tree already: its locations are computed at once.
 */
export function locate(pd: ParsedDoc, path: DataPath, mode: 'value' | 'key' = 'value'): Location {
  if (!positionsPending(pd)) return locateNow(pd, path, mode);
  // The caller may reuse its path array (a walker's stack): keep a copy.
  const at = [...path];
  // The file's line index (a scan of line breaks, no YAML parse) identifies the version of the file.
  return lazyLocation(pd.file, { fileToken: pd.lines, doc: pd.index, root: pd.value, path: at, mode }, () =>
    locateNow(pd, at, mode),
  );
}

/**
 * Whether the document's syntax tree is built on first use (the fast parser's documents: `doc` is a
 * getter, see FilePositions in parse.ts) rather than already there (the full parser's: a plain value).
 */
function positionsPending(pd: ParsedDoc): boolean {
  return typeof Object.getOwnPropertyDescriptor(pd, 'doc')?.get === 'function';
}

/**
 * The location now. In a document the fast parser read, the range is first asked of js-yaml's positions
 * (fast-locate.ts: no `yaml` package, no second full parse); only where that declines is the syntax tree
 * of the `yaml` package built ({@link locateWithYaml}). Both give the same offsets (fast-locate.test.ts).
 */
function locateNow(pd: ParsedDoc, path: DataPath, mode: 'value' | 'key'): Location {
  return locateFast(pd, path, mode) ?? locateWithYaml(pd, path, mode);
}

/** The location without the `yaml` package, or undefined where fast-locate.ts declines. */
export function locateFast(pd: ParsedDoc, path: DataPath, mode: 'value' | 'key'): Location | undefined {
  const fast = pd.fastRange?.(path, mode);
  return fast && toLocation(pd, fast[0], fast[1]);
}

/** The location from the `yaml` package's syntax tree (built on first use for a fast-path document). */
export function locateWithYaml(pd: ParsedDoc, path: DataPath, mode: 'value' | 'key'): Location {
  const found = findNode(pd, path);
  const complete = found.depth === path.length;
  const empty =
    found.node !== undefined && isScalar(found.node) && found.node.value === null && !found.node.source;
  const useKey = found.key && (mode === 'key' || !found.node || empty || !complete);
  const target = useKey ? found.key : (found.node ?? found.key);
  const range = target?.range ?? (pd.doc.contents as YamlNode | null)?.range ?? [0, 0, 0];
  return toLocation(pd, range[0], range[1]);
}

function toLocation(pd: ParsedDoc, start: number, rangeEnd: number): Location {
  const end = rangeEnd > start ? rangeEnd : start + 1;
  return pd.lines.location(pd.file, start, trimEnd(pd.lines.text, start, end));
}

/** Block collections' value ranges include trailing newlines and comments; carets look better without them. */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start + 1 && /\s/.test(text[e - 1]!)) e--;
  return e;
}
