/**
 * A cheap pass over the raw text of a spec file, before any YAML parser runs: one loop, constant work
 * per character, no regular expressions. It finds
 * - nesting too deep for the parsers (their cost grows with depth and they recurse: a few thousand
 *   levels overflow the stack). The estimate counts block indentation levels, the `- `, `? ` and `: `
 *   indicators that open a nested node on the same line, and unclosed flow brackets, skipping comments, quoted scalars and block
 *   scalars. Each real level is seen (twice at most: a block sequence may sit at its parent mapping's
 *   indentation), so the estimate is at most about twice the real depth, and a limit of four times the
 *   real limit refuses only documents the real check would refuse anyway. It is not a YAML parser: a
 *   quote in the middle of a plain scalar can fool it, which the parser's own guard then catches.
 * - lines indented with a non-ASCII space (a no-break space pasted from a web page looks like
 *   indentation, but YAML reads it as part of a key).
 *
 * Expects the text with line breaks normalized to LF (same offsets as the file).
 */

export interface TextScan {
  /** Characters looked at. */
  readonly scanned: number;
  /** Offset where the estimated depth first passed the limit, if it did. */
  readonly tooDeep: number | undefined;
  /** Offset of the deepest point seen. */
  readonly deepest: number;
  /** Offsets of non-ASCII space characters in indentation (first one of each line). */
  readonly badIndent: number[];
  /**
   * Whether the text uses what only the full parser handles and bounds: an anchor (`&` starting a
   * token, JSON style `"k":&a` included), an explicit key (`? `), a collection as a key (`[a]: 1`), a
   * merge key (`<<:`), or a byte-order mark inside the text (the two parsers split documents
   * differently around one).
   */
  readonly needsFullParser: boolean;
}

/** Unicode space separators and friends that are not YAML white space. */
function isOtherSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200b) ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0x85
  );
}

const SP = 32;
const TAB = 9;
const LF = 10;

export function scanText(text: string, limit: number): TextScan {
  const n = text.length;
  const indents: number[] = [];
  const badIndent: number[] = [];
  let flow = 0;
  let deepest = 0;
  let deepestAt = 0;
  /** Indentation of the line that opened a block scalar; more-indented lines are its content. */
  let blockScalar = -1;
  let full = false;
  let i = 0;
  while (i < n) {
    // Line start: indentation.
    let col = 0;
    while (i < n && (text.charCodeAt(i) === SP || text.charCodeAt(i) === TAB)) {
      i++;
      col++;
    }
    if (i >= n) break;
    let c = text.charCodeAt(i);
    if (c === LF) {
      i++;
      continue;
    }
    if (blockScalar >= 0) {
      if (col > blockScalar) {
        while (i < n && text.charCodeAt(i) !== LF) i++;
        continue;
      }
      blockScalar = -1;
    }
    if (isOtherSpace(c)) badIndent.push(i);
    // A document marker ends any flow collection left open (the parser reports it; do not carry it over).
    if (col === 0 && isDocumentMarker(text, i)) flow = 0;
    if (flow === 0 && c !== 35 /* # */) {
      while (indents.length > 0 && indents[indents.length - 1]! >= col) indents.pop();
      indents.push(col);
    }
    const lineIndent = col;
    let dashes = 0;
    let prev = SP; // the character before i, as far as tokens are concerned
    let lastToken = 0; // last non-space character of the line outside comments
    let afterIndicator = true; // the line so far is indentation and indicators (`- `, `? `, `: `)
    while (i < n) {
      c = text.charCodeAt(i);
      if (c === LF) break;
      const tokenStart =
        prev === SP || prev === TAB || prev === 91 || prev === 123 || prev === 44 || prev === 58;
      if (c === 35 /* # */ && (prev === SP || prev === TAB)) {
        while (i < n && text.charCodeAt(i) !== LF) i++;
        break;
      }
      if ((c === 34 /* " */ || c === 39) /* ' */ && tokenStart) {
        // A quoted scalar, possibly over several lines.
        i++;
        while (i < n) {
          const q = text.charCodeAt(i);
          if (c === 34 && q === 92 /* \ */) i += 2;
          else if (q === c) {
            if (c === 39 && text.charCodeAt(i + 1) === 39) i += 2;
            else break;
          } else i++;
        }
        i++;
        prev = c;
        lastToken = c;
        afterIndicator = false;
        continue;
      }
      let indicator = false;
      if (c === 91 || c === 123) {
        flow++;
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
      } else if ((c === 45 /* - */ || c === 63 /* ? */ || c === 58) /* : */ && flow === 0) {
        // `- ` opens a sequence entry, `? ` an explicit key, `: ` a value: a chain of them on one line
        // (`- - x`, `? ? x`, `k: ? x`) nests. One after plain text (`a - b - c`) is text, not nesting.
        const next = i + 1 < n ? text.charCodeAt(i + 1) : LF;
        if (next === SP || next === TAB || next === LF) {
          indicator = c === 58 || tokenStart;
          if (indicator && tokenStart && afterIndicator) dashes++;
        }
      }
      if (c !== SP && c !== TAB) afterIndicator = indicator;
      const depth = 2 * (indents.length + dashes) + flow;
      if (depth > deepest) {
        deepest = depth;
        deepestAt = i;
        if (depth > limit)
          return { scanned: i + 1, tooDeep: i, deepest: i, badIndent, needsFullParser: true };
      }
      if (!full) full = needsFull(text, i, c, tokenStart);
      if (c !== SP && c !== TAB) lastToken = c;
      prev = c;
      i++;
    }
    // `key: |` or `- >-`: the more-indented lines that follow are the scalar's text.
    if (flow === 0 && (lastToken === 124 /* | */ || lastToken === 62) /* > */) blockScalar = lineIndent;
    else if (flow === 0 && isBlockScalarHeader(text, i)) blockScalar = lineIndent;
  }
  return { scanned: n, tooDeep: undefined, deepest: deepestAt, badIndent, needsFullParser: full };
}

/** Constant work per character: looks at most a few characters ahead, never across a line. */
function needsFull(text: string, i: number, c: number, tokenStart: boolean): boolean {
  switch (c) {
    case 38: // & : an anchor
      return tokenStart;
    case 63: {
      // ? : an explicit key
      const next = text.charCodeAt(i + 1);
      return tokenStart && (Number.isNaN(next) || next === SP || next === TAB || next === LF);
    }
    case 93:
    case 125: {
      // ] or } followed by `:`, a collection used as a key
      let j = i + 1;
      while (j < i + 8 && (text.charCodeAt(j) === SP || text.charCodeAt(j) === TAB)) j++;
      return text.charCodeAt(j) === 58;
    }
    case 60: // <<:
      return (
        text.charCodeAt(i + 1) === 60 && (text.charCodeAt(i + 2) === 58 || text.charCodeAt(i + 2) === SP)
      );
    case 0xfeff:
      return true;
    default:
      return false;
  }
}

/** `|2-`, `>+`: a block scalar header with indicators, ending the line at `end`. */
function isBlockScalarHeader(text: string, end: number): boolean {
  let j = end - 1;
  while (j >= 0 && (text.charCodeAt(j) === SP || text.charCodeAt(j) === TAB)) j--;
  let k = j;
  while (k >= 0 && /[0-9+-]/.test(text[k]!)) k--;
  if (k === j || k < 0) return false;
  const h = text.charCodeAt(k);
  const before = k > 0 ? text.charCodeAt(k - 1) : SP;
  return (h === 124 || h === 62) && (before === SP || before === TAB);
}

/** `---` or `...` at the start of a line, followed by white space or the end of the line. */
function isDocumentMarker(text: string, i: number): boolean {
  const m = text.slice(i, i + 3);
  if (m !== '---' && m !== '...') return false;
  const after = text.charCodeAt(i + 3);
  return Number.isNaN(after) || after === SP || after === TAB || after === LF;
}
