/** A span in a spec file. `file` is relative to the spec repository root, with `/` separators. */
export interface Location {
  readonly file: string;
  /** 1-based line and column of the start of the span. */
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  /** 0-based character offsets into the file text. */
  readonly offset: number;
  readonly endOffset: number;
}

/** A path into a YAML document or JSON value: mapping keys and sequence indexes. */
export type DataPath = readonly (string | number)[];

/** RFC 6901 JSON Pointer for a data path. */
export function toPointer(path: DataPath): string {
  let out = '';
  for (const seg of path) out += '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** Inverse of {@link toPointer}; numeric segments stay strings (the locator accepts both). */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The start of a file: where a finding about a whole file (not one of its nodes) points. */
export function fileStart(file: string): Location {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 };
}

/**
 * Where a node is, without its position: the document (its file version and its index among the file's
 * documents), its value, and the data path inside it. Enough to order two locations in the same document
 * without the position-keeping parse in the cases {@link compareLocations} proves (see `refOrder`).
 */
export interface LocationRef {
  /** Identifies the version of the file (two compiles of one path have different ones). */
  readonly fileToken: object;
  /** Index of the document among the file's non-empty documents. */
  readonly doc: number;
  /** The document's value as the fast parser read it (the order of its keys is the source order). */
  readonly root: unknown;
  readonly path: DataPath;
  readonly mode: 'value' | 'key';
}

interface LazyState {
  resolve: (() => Location) | undefined;
  resolved: Location | undefined;
  readonly ref: LocationRef;
}

const LAZY = Symbol('meshc.lazyLocation');
type LazyLocation = Location & { readonly [LAZY]: LazyState };

/** Resolves once, then forgets how (the closure holds the parsed file). */
function resolvedOf(loc: LazyLocation): Location {
  const s = loc[LAZY];
  if (s.resolved === undefined) {
    s.resolved = s.resolve!();
    s.resolve = undefined;
  }
  return s.resolved;
}

const POSITION_FIELDS = ['line', 'col', 'endLine', 'endCol', 'offset', 'endOffset'] as const;
// Shared getters, own and enumerable on each object: spread, JSON.stringify, structuredClone and deep
// equality see a Location with the same fields, in the same order, as an eager one.
const POSITION_DESCRIPTORS: PropertyDescriptorMap = Object.fromEntries(
  POSITION_FIELDS.map((k) => [
    k,
    {
      enumerable: true,
      get(this: LazyLocation) {
        return resolvedOf(this)[k];
      },
    },
  ]),
);

/**
 * A Location whose position is computed on first read (of any of its fields but `file`), once. Building
 * one costs no parse: a diagnostic that is never printed, sorted against a diagnostic of the same document
 * or serialized never runs the position-keeping parser.
 */
export function lazyLocation(file: string, ref: LocationRef, resolve: () => Location): Location {
  const loc = { file } as LazyLocation;
  Object.defineProperty(loc, LAZY, { value: { resolve, resolved: undefined, ref } satisfies LazyState });
  Object.defineProperties(loc, POSITION_DESCRIPTORS);
  return loc;
}

/** Whether reading the position of `loc` would compute it (a lazy location not read yet). */
export function isPending(loc: Location): boolean {
  const s = (loc as Partial<LazyLocation>)[LAZY];
  return s !== undefined && s.resolved === undefined;
}

/**
 * Orders two locations by file, then offset (the order of diagnostics), computing a lazy location's
 * position only when the order is not already known from where the two nodes are (`refOrder`).
 */
export function compareLocations(a: Location, b: Location): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (isPending(a) || isPending(b)) {
    const ra = (a as Partial<LazyLocation>)[LAZY]?.ref;
    const rb = (b as Partial<LazyLocation>)[LAZY]?.ref;
    const known = ra && rb ? refOrder(ra, rb) : undefined;
    if (known !== undefined) return known;
  }
  return a.offset - b.offset;
}

/**
 * The sign of `a.offset - b.offset` for two nodes of the same file, when it follows from their references
 * alone, else undefined. Proven cases:
 * - the same document, path and mode: the same node, the same offset (0);
 * - two documents of one file version: documents do not overlap, so the document order decides;
 * - two paths of one document that first differ at segment k, where the prefix before k exists in the
 *   value and both k-th segments exist in it: the nodes lie inside two different entries of one mapping
 *   or sequence (the locator falls back to an ancestor only at a segment that does not exist, and each
 *   is at least k+1 deep), and entries do not overlap, so the order of the entries decides: the index in
 *   a sequence; in a mapping, the order of the keys in the value, which is the source order for the
 *   documents the fast parser read (no aliases, anchors or merge keys there), except for keys JavaScript
 *   reorders (integer-like ones) and keys two YAML libraries could stringify differently (numbers): those,
 *   and everything else, are left undecided.
 */
function refOrder(a: LocationRef, b: LocationRef): number | undefined {
  if (a.fileToken !== b.fileToken) return undefined;
  if (a.doc !== b.doc) return a.doc < b.doc ? -1 : 1;
  if (a.root !== b.root) return undefined;
  const n = Math.min(a.path.length, b.path.length);
  let k = 0;
  while (k < n && String(a.path[k]) === String(b.path[k])) k++;
  if (k === n) return a.path.length === b.path.length && a.mode === b.mode ? 0 : undefined;
  let parent: unknown = a.root;
  for (let i = 0; i < k; i++) {
    parent = child(parent, a.path[i]!);
    if (parent === undefined) return undefined;
  }
  if (Array.isArray(parent)) {
    const ia = index(parent, a.path[k]!);
    const ib = index(parent, b.path[k]!);
    return ia === undefined || ib === undefined ? undefined : ia < ib ? -1 : 1;
  }
  if (parent === null || typeof parent !== 'object') return undefined;
  const ka = String(a.path[k]);
  const kb = String(b.path[k]);
  if (!orderedKey(parent, ka) || !orderedKey(parent, kb)) return undefined;
  const keys = Object.keys(parent);
  return keys.indexOf(ka) < keys.indexOf(kb) ? -1 : 1;
}

function child(v: unknown, seg: string | number): unknown {
  if (Array.isArray(v)) {
    const i = index(v, seg);
    return i === undefined ? undefined : v[i];
  }
  if (v === null || typeof v !== 'object') return undefined;
  const k = String(seg);
  return orderedKey(v, k) ? (v as Record<string, unknown>)[k] : undefined;
}

/** The locator's reading of a sequence index (`Number(seg)`), when in range. */
function index(v: readonly unknown[], seg: string | number): number | undefined {
  const i = typeof seg === 'number' ? seg : Number(seg);
  return Number.isInteger(i) && i >= 0 && i < v.length ? i : undefined;
}

/**
 * An own key whose place in `Object.keys` is its place in the source: not integer-like (JavaScript lists
 * those first), not a number of any kind (YAML libraries may stringify those differently), not `__proto__`
 * or a merge key.
 */
function orderedKey(v: object, k: string): boolean {
  return (
    k.length > 0 && !/^[-+.\d<]/.test(k) && k !== '__proto__' && Object.prototype.hasOwnProperty.call(v, k)
  );
}
