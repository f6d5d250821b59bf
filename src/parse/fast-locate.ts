/**
 * Locating a data path in a document the fast parser (js-yaml) read, without the `yaml` package: js-yaml
 * parses the document once more with a listener that records where every node opens and closes, and the
 * ranges the `yaml` package would give (`locateNow` in locate.ts) are derived from those positions.
 *
 * The answer must be the one the `yaml`-package path gives, exactly; wherever that is not certain the
 * locator declines (returns undefined) and the caller falls back to the `yaml` package. The whole
 * document declines on:
 * - a node property (a tag), an alias or an anchor (the fast path sends anchors elsewhere already);
 * - a mapping key that is not a string, a boolean, null or a plain decimal integer (`0x1F`, `1e3`: the
 *   two libraries may spell its value differently), or a double-quoted key with an escape;
 * - an empty sequence entry, a flow sequence holding a `key: value` pair, a block scalar at the root, with
 *   an explicit indentation indicator or with leading blank lines indented beyond its first content line, a
 *   multi-line scalar or flow collection at the root;
 * - a multi-line scalar or flow collection with a continuation line indented less than the `yaml` package
 *   requires (its key's or `-`'s column plus one): js-yaml reads those, the `yaml` package does not;
 * - a node on a later line than its `:` or `-` with a comment line between them indented less than that;
 * - a tab in the indentation of any line this module looks at, or a listener tree it cannot read.
 * Only the locations whose target is a block collection decline when the end of that collection's range
 * is not certain: when a comment line follows it (before the next content) indented beyond its column or
 * as far as a nested collection on the way to its last entry, or any comment line follows when that last
 * entry is an empty value (or the empty value's line has a comment).
 */
import jsYaml from 'js-yaml';
import type { DataPath } from '../core/location.ts';

/** A node with its range: `start`, and `end` before trimEnd (undefined: not certain, decline). */
interface FastScalar {
  readonly t: 'scalar';
  readonly start: number;
  readonly end: number;
  /** A block scalar (`|`, `>`): its range has no trailing comment. */
  readonly block: boolean;
}
interface FastKey {
  readonly start: number;
  readonly end: number;
  /** `String(value)` of the key as the `yaml` package reads it. */
  readonly name: string;
  /** Offset of the `:` after the key, or -1 (a flow mapping entry without a value). */
  readonly colon: number;
}
interface FastMap {
  readonly t: 'map';
  readonly start: number;
  end: number | undefined;
  readonly flow: boolean;
  readonly keys: FastKey[];
  /** Undefined for an empty value (`key:`). */
  readonly values: (FastNode | undefined)[];
}
interface FastSeq {
  readonly t: 'seq';
  readonly start: number;
  end: number | undefined;
  readonly flow: boolean;
  readonly items: FastNode[];
}
type FastNode = FastScalar | FastMap | FastSeq;

/** A document's tree of node ranges, or undefined when the document declines altogether. */
export type FastTree = { readonly root: FastNode } | undefined;

/** One composeNode call of js-yaml, from the listener's `open` and `close`. */
interface RawNode {
  readonly open: number;
  close: number;
  kind: string | null;
  result: unknown;
  readonly children: RawNode[];
}

class Decline extends Error {}

function decline(): never {
  throw new Decline();
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isWsOrEol = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The tree of the document that spans `[start, end)` of `text` (the fast path's text: line breaks
 * normalized, same offsets as the file), or undefined when the listener's tree cannot be read exactly.
 * `value` is what the fast path read for the document: a parse of the span alone that reads anything else
 * declines.
 */
export function buildFastTree(
  text: string,
  start: number,
  end: number,
  value: unknown,
  equal: (a: unknown, b: unknown) => boolean,
): FastTree {
  const input = text.slice(start, end);
  const roots: RawNode[] = [];
  const stack: RawNode[] = [];
  const values: unknown[] = [];
  try {
    jsYaml.loadAll(input, (v) => values.push(v), {
      schema: jsYaml.CORE_SCHEMA,
      listener(type, state) {
        if (type === 'open') {
          const node: RawNode = {
            open: state.position + start,
            close: -1,
            kind: null,
            result: undefined,
            children: [],
          };
          (stack.at(-1)?.children ?? roots).push(node);
          stack.push(node);
        } else {
          const node = stack.pop();
          if (!node) throw new Decline();
          node.close = state.position + start;
          node.kind = state.kind as string | null;
          node.result = state.result;
        }
      },
    });
  } catch {
    return undefined;
  }
  if (values.length !== 1 || roots.length !== 1 || stack.length !== 0 || !equal(values[0], value))
    return undefined;
  try {
    const root = new Builder(text, end).node(roots[0]!, 0);
    return root ? { root } : undefined;
  } catch (e) {
    if (e instanceof Decline) return undefined;
    throw e;
  }
}

/**
 * A composeNode that only wraps another (js-yaml tries a block mapping first, reading a first "key"
 * that turns out to be the whole node) is that node.
 */
function unwrap(raw: RawNode): RawNode {
  let r = raw;
  for (;;) {
    const only = r.children.length === 1 ? r.children[0]! : undefined;
    if (!only || r.kind === null || only.kind !== r.kind || !Object.is(only.result, r.result)) return r;
    r = only;
  }
}

class Builder {
  readonly text: string;
  /** End of the document's span. */
  readonly docEnd: number;
  constructor(text: string, docEnd: number) {
    this.text = text;
    this.docEnd = docEnd;
  }

  /** Skips white space, line breaks and comments (where js-yaml's `open` fires, before the node). */
  skipSep(at: number): number {
    const t = this.text;
    let p = at;
    for (;;) {
      const c = t[p];
      if (isWsOrEol(c)) p++;
      else if (c === '#') {
        while (p < t.length && t[p] !== '\n') p++;
      } else return p;
    }
  }

  /** The end of content before `at`: js-yaml's position after a plain or block scalar may be past spaces. */
  trimBack(at: number, start: number): number {
    let p = at;
    while (p > start && isWsOrEol(this.text[p - 1])) p--;
    return p;
  }

  /**
   * The node, or undefined for an empty node (no content: `key:`). `need`: in block context, the
   * indentation its continuation lines need (the column of its key or `-`, plus one) to be read the same
   * by both libraries; undefined inside a flow collection (the outermost one is checked as a whole).
   */
  node(raw: RawNode, need: number | undefined, indicator = -1): FastNode | undefined {
    const n = this.nodeAt(raw, need);
    if (n && need !== undefined && indicator >= 0) this.checkSeparation(indicator, n.start, need);
    // A block scalar at the root: the `yaml` package reads lines at column 0 into it.
    if (n?.t === 'scalar' && n.block && need === 0) decline();
    if (n && need !== undefined && !(n.t === 'scalar' && n.block) && (n.t === 'scalar' || n.flow))
      this.checkContinuation(n.start, n.end!, need);
    return n;
  }

  /**
   * A multi-line scalar or flow collection in block context: js-yaml reads continuation lines indented
   * less than the `yaml` package requires (it warns at most), so the two would disagree. Every line after
   * the first must be blank or indented at least `need`; a tab in the indentation declines too.
   */
  checkContinuation(start: number, end: number, need: number): void {
    const t = this.text;
    let nl = t.indexOf('\n', start);
    if (nl < 0 || nl >= end) return;
    if (need <= 0) decline();
    while (nl >= 0 && nl < end) {
      let p = nl + 1;
      while (t[p] === ' ') p++;
      if (t[p] === '\t') decline();
      const blank = t[p] === '\n' || (t[p] === '\r' && t[p + 1] === '\n') || p >= t.length;
      if (!blank && p - (nl + 1) < need) decline();
      nl = t.indexOf('\n', nl + 1);
    }
  }

  /**
   * A node on a later line than its `:` or `-`: a comment line indented less than `need` between them
   * makes the `yaml` package's lexer lower the indentation it requires of what follows (it then reads a
   * multi-line scalar on where js-yaml stops), so it declines.
   */
  checkSeparation(indicator: number, start: number, need: number): void {
    const t = this.text;
    let nl = t.indexOf('\n', indicator);
    while (nl >= 0 && nl < start) {
      let p = nl + 1;
      while (t[p] === ' ') p++;
      if (t[p] === '\t' || (t[p] === '#' && p - (nl + 1) < need)) decline();
      nl = t.indexOf('\n', nl + 1);
    }
  }

  /** The column of `at` on its line. */
  column(at: number): number {
    return at - (this.text.lastIndexOf('\n', at - 1) + 1);
  }

  nodeAt(raw: RawNode, need: number | undefined): FastNode | undefined {
    const r = unwrap(raw);
    if (r.kind === null) {
      if (r.children.length > 0) decline();
      return undefined;
    }
    const start = this.skipSep(r.open);
    const c = this.text[start];
    // Properties (tags, anchors) and aliases: the node's range starts at them, and more.
    if (c === '!' || c === '&' || c === '*') decline();
    if (r.kind === 'scalar') return this.scalar(r, start);
    if (r.kind === 'mapping') return this.map(r, start, c === '{' || need === undefined);
    if (r.kind === 'sequence') return this.seq(r, start, c === '[' || need === undefined);
    return decline();
  }

  scalar(r: RawNode, start: number): FastScalar {
    const c = this.text[start];
    // A block scalar's first "key" attempt leaves an empty child: nothing else may be inside a scalar.
    if (r.children.some((x) => x.kind !== null)) decline();
    if (c === '"' || c === "'") {
      if (this.text[r.close - 1] !== c || r.close - 1 <= start) decline();
      return { t: 'scalar', start, end: r.close, block: false };
    }
    const end = this.trimBack(r.close, start);
    if (end <= start) decline();
    // An explicit indentation indicator (`|2`): the libraries count it from different indentations.
    if ((c === '|' || c === '>') && /^.[+-]?[0-9]/.test(this.text.slice(start, start + 3))) decline();
    // Leading blank lines with more spaces than the first content line: YAML calls that an error, and the
    // libraries end the scalar in different places.
    if ((c === '|' || c === '>') && this.overIndentedBlankLines(start, r.close)) decline();
    return { t: 'scalar', start, end, block: c === '|' || c === '>' };
  }

  key(raw: RawNode): { start: number; end: number; name: string } {
    const r = unwrap(raw);
    if (r.kind !== 'scalar') decline();
    const k = this.scalar(r, this.skipSep(r.open));
    if (k.block || k.start !== r.open) decline();
    const source = this.text.slice(k.start, k.end);
    const v = r.result;
    let name: string;
    if (typeof v === 'string') {
      // Escapes: trust neither library to read them as the other does.
      if (source.startsWith('"') && source.includes('\\')) decline();
      name = v;
    } else if (typeof v === 'boolean' || v === null) name = String(v);
    else if (typeof v === 'number' && /^(?:0|[1-9][0-9]{0,14})$/.test(source)) name = String(v);
    else return decline();
    return { start: k.start, end: k.end, name };
  }

  map(r: RawNode, start: number, flow: boolean): FastMap {
    const keys: FastKey[] = [];
    const values: (FastNode | undefined)[] = [];
    const children = r.children;
    let i = 0;
    while (i < children.length) {
      const k = children[i++]!;
      const key = this.key(k);
      // The `:` follows the key on its line (block), or after separation (flow).
      const after = flow ? this.skipSep(unwrap(k).close) : this.skipSpaces(unwrap(k).close);
      const colon = this.text[after] === ':' ? after : -1;
      if (!flow && colon < 0) decline();
      let value: FastNode | undefined;
      if (colon >= 0) {
        const next = children[i];
        // js-yaml composes the value right after the `:` (block), or after separation (flow).
        if (!next || (flow ? this.skipSep(colon + 1) !== next.open : next.open !== colon + 1)) decline();
        i++;
        value = flow ? this.node(next, undefined) : this.node(next, this.column(key.start) + 1, colon);
      }
      keys.push({ ...key, colon });
      values.push(value);
    }
    if (r.result === null || typeof r.result !== 'object' || Array.isArray(r.result)) decline();
    if (Object.keys(r.result).length !== keys.length || (!flow && keys.length === 0)) decline();
    if (flow && this.text[r.close - 1] !== '}') decline();
    const node: FastMap = { t: 'map', start, end: undefined, flow, keys, values };
    node.end = flow ? r.close : this.blockEnd(node);
    return node;
  }

  seq(r: RawNode, start: number, flow: boolean): FastSeq {
    if (!Array.isArray(r.result) || r.result.length !== r.children.length) decline();
    const items = r.children.map((x) => {
      if (flow) return this.node(x, undefined) ?? decline();
      const dash = this.dashBefore(x);
      return this.node(x, this.column(dash) + 1, dash) ?? decline();
    });
    if (flow && this.text[r.close - 1] !== ']') decline();
    if (!flow && items.length === 0) decline();
    const node: FastSeq = { t: 'seq', start, end: undefined, flow, items };
    node.end = flow ? r.close : this.blockEnd(node);
    return node;
  }

  /** The `-` of the block sequence entry whose node opens at `raw.open` (js-yaml opens it after the `-`). */
  dashBefore(raw: RawNode): number {
    let p = raw.open - 1;
    while (p >= 0 && isWsOrEol(this.text[p])) p--;
    // A comment between the `-` and the node: not worth reading backwards.
    return this.text[p] === '-' ? p : decline();
  }

  skipSpaces(at: number): number {
    let p = at;
    while (isWs(this.text[p])) p++;
    return p;
  }

  /**
   * The end of a block collection's range, up to trailing white space: the `yaml` package ends it with
   * its last entry's node, which takes the comment on its line, and the comment lines after it that are
   * indented beyond some collection's indentation. Undefined when comments follow that could be its.
   */
  blockEnd(node: FastMap | FastSeq): number | undefined {
    const t = this.text;
    // The last leaf: the last entry's value, through nested block collections.
    let last: FastNode | undefined = node;
    let emptyAfter = -1;
    // The least column of the block collections below this one on the way to the last leaf (a sequence
    // may sit at its parent mapping's column).
    let below = Infinity;
    while (last && (last.t === 'map' || last.t === 'seq') && !last.flow) {
      if (last !== node) below = Math.min(below, this.column(last.start));
      if (last.t === 'map') {
        const n: number = last.keys.length - 1;
        const v: FastNode | undefined = last.values[n];
        if (!v) emptyAfter = last.keys[n]!.colon + 1;
        last = v;
      } else last = last.items.at(-1);
    }
    let e: number;
    if (last === undefined) {
      // An empty value: its range is at the `:`; a comment after it is not certain.
      if (emptyAfter <= 0) return undefined;
      e = emptyAfter;
      const lineEnd = this.lineEnd(e);
      if (/\S/.test(t.slice(e, lineEnd))) return undefined;
    } else if (last.t === 'scalar' && last.block) {
      e = last.end;
    } else {
      e = last.end ?? -1;
      if (e < 0) return undefined;
      const lineEnd = this.lineEnd(e);
      if (!/^[ \t]*(?:#.*)?\r?$/.test(t.slice(e, lineEnd))) return undefined;
      e = lineEnd;
    }
    // The lines after, up to the next content: the `yaml` package ends the last entry's node with the
    // comment lines indented beyond the innermost collection, and a nested collection with the comments
    // that are not all indented less than it. Comments indented as far as this collection, or less, are
    // then outside its range (its own trailing comments are kept past its end); any other declines.
    const lineStart = t.lastIndexOf('\n', node.start - 1) + 1;
    if (t.slice(lineStart, node.start).includes('\t')) return undefined;
    const indent = node.start - lineStart;
    let at = this.lineEnd(e) + 1;
    while (at < this.docEnd) {
      const lineEnd = this.lineEnd(at);
      let p = at;
      while (t[p] === ' ') p++;
      const c = t[p];
      if (c === '\t') return undefined;
      if (c === '#') {
        // After an empty value, the `yaml` package keeps comment lines in the pair (any indentation).
        if (last === undefined || p - at > indent || p - at >= below) return undefined;
      } else if (p < lineEnd && c !== '\r') break;
      at = lineEnd + 1;
    }
    return e;
  }

  /**
   * Whether the block scalar whose header (`|`, `>`) is at `header` has leading blank lines holding more
   * spaces than its first content line (looked for up to `close`).
   */
  overIndentedBlankLines(header: number, close: number): boolean {
    const t = this.text;
    let blankSpaces = 0;
    for (let at = this.lineEnd(header) + 1; at < close && at < this.docEnd; at = this.lineEnd(at) + 1) {
      let p = at;
      while (t[p] === ' ') p++;
      if (p < this.lineEnd(p) && t[p] !== '\r') return blankSpaces > p - at;
      blankSpaces = Math.max(blankSpaces, p - at);
    }
    return false;
  }

  /** The offset of the line break ending the line of `at` (or the document's end). */
  lineEnd(at: number): number {
    const nl = this.text.indexOf('\n', at);
    return nl < 0 || nl > this.docEnd ? this.docEnd : nl;
  }
}

/**
 * The range `[start, end)` (end before trimEnd) that the `yaml`-package path of `locateNow` picks for
 * `path` in `mode`, or undefined when it is not certain. Mirrors findNode and locateNow in locate.ts.
 */
export function fastRange(
  tree: NonNullable<FastTree>,
  path: DataPath,
  mode: 'value' | 'key',
): readonly [number, number] | undefined {
  let node: FastNode | undefined = tree.root;
  let key: FastKey | undefined;
  let depth = 0;
  for (const seg of path) {
    if (node?.t === 'map') {
      const name = String(seg);
      const at = node.keys.findIndex((k) => k.name === name);
      if (at < 0) break;
      key = node.keys[at]!;
      node = node.values[at];
    } else if (node?.t === 'seq') {
      const idx = typeof seg === 'number' ? seg : Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.items.length) break;
      key = undefined;
      node = node.items[idx];
    } else break;
    depth++;
  }
  const complete = depth === path.length;
  const useKey = key && (mode === 'key' || !node || !complete);
  const target = useKey ? key : (node ?? key);
  if (!target || target.end === undefined) return undefined;
  return [target.start, target.end];
}
