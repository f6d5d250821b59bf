/**
 * RFC 6902 JSON Patch and RFC 6901 JSON Pointer over plain JSON data. Pure: the input document is never
 * mutated; a failing operation fails the whole patch (RFC 6902 §5) and says which operation failed.
 * Kept over rfc6902 / fast-json-patch (README dependency table, scripts/bench-libs.mjs): rfc6902 turns a
 * `__proto__` member into a prototype and names failures only by kind; fast-json-patch refuses such
 * members and accepts indexes with leading zeros.
 */
import { jsonEqual } from '../core/json.ts';

export type JsonPatchOpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

/** One operation as meshc emits it (diff-ops.ts) and as kustomize reads it. */
export interface JsonPatchOp {
  readonly op: JsonPatchOpName;
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

/** An operation as a user wrote it: `op` not yet checked. */
export interface RawPatchOp {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

export type PatchResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly index: number; readonly message: string };

/** RFC 6901: `''` is the whole document; otherwise `/`-separated, `~1` is `/`, `~0` is `~`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new PatchFailure(`"${pointer}" is not a JSON Pointer (it must be empty or start with "/")`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      if (/~(?![01])/.test(s))
        throw new PatchFailure(`"${pointer}" has an invalid escape ("~" must be followed by 0 or 1)`);
      return s.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

export function formatPointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) out += '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** Apply `ops` in order to a copy of `doc`. */
export function applyPatch(doc: unknown, ops: readonly RawPatchOp[]): PatchResult {
  let current = cloneJson(doc);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as RawPatchOp;
    try {
      current = applyOp(current, op);
    } catch (e) {
      if (e instanceof PatchFailure) return { ok: false, index: i, message: e.message };
      throw e;
    }
  }
  return { ok: true, value: current };
}

// Moved to core/ so that later stages need not import gitops/ for it; still exported from here.
export { jsonEqual };

/** A deep copy of plain JSON data (a `__proto__` member stays a member). */
export function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => cloneJson(x as unknown)) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) setMember(out, k, cloneJson(x));
  }
  return out as T;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------

class PatchFailure extends Error {}

const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyOp(doc: unknown, op: RawPatchOp): unknown {
  if (!isPlainObject(op)) throw new PatchFailure('an operation must be a mapping');
  if (typeof op.op !== 'string' || !OPS.has(op.op)) {
    throw new PatchFailure(
      `unknown operation ${JSON.stringify(op.op)} (use add, remove, replace, move, copy or test)`,
    );
  }
  if (typeof op.path !== 'string') throw new PatchFailure(`"${op.op}" needs a string "path"`);
  const path = parsePointer(op.path);
  switch (op.op) {
    case 'add':
      return add(doc, path, requireValue(op), op.path);
    case 'remove':
      return remove(doc, path, op.path).doc;
    case 'replace': {
      const value = requireValue(op);
      get(doc, path, op.path); // must exist
      if (path.length === 0) return value;
      return add(remove(doc, path, op.path).doc, path, value, op.path, true);
    }
    case 'move': {
      const fromText = requireFrom(op);
      const from = parsePointer(fromText);
      if (from.length < path.length && from.every((s, i) => s === path[i])) {
        throw new PatchFailure(`cannot move "${fromText}" into its own child "${op.path}"`);
      }
      if (from.length === path.length && from.every((s, i) => s === path[i])) {
        get(doc, from, fromText);
        return doc;
      }
      const removed = remove(doc, from, fromText);
      return add(removed.doc, path, removed.value, op.path);
    }
    case 'copy': {
      const fromText = requireFrom(op);
      const value = get(doc, parsePointer(fromText), fromText);
      return add(doc, path, cloneJson(value), op.path);
    }
    case 'test': {
      const value = requireValue(op);
      const actual = get(doc, path, op.path);
      if (!jsonEqual(actual, value)) {
        throw new PatchFailure(`test failed: "${op.path}" is ${short(actual)}, not ${short(value)}`);
      }
      return doc;
    }
    default:
      throw new PatchFailure(`unknown operation ${JSON.stringify(op.op)}`);
  }
}

function requireValue(op: RawPatchOp): unknown {
  if (op.value === undefined) throw new PatchFailure(`"${op.op}" needs a "value"`);
  return cloneJson(op.value);
}

function requireFrom(op: RawPatchOp): string {
  if (typeof op.from !== 'string') throw new PatchFailure(`"${op.op}" needs a string "from"`);
  return op.from;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Array index per RFC 6902 §4: digits without leading zeros; `-` only where `allowDash`. */
function arrayIndex(arr: readonly unknown[], seg: string, pointer: string, forAdd: boolean): number {
  if (seg === '-') {
    if (forAdd) return arr.length;
    throw new PatchFailure(`"${pointer}": "-" refers to a nonexistent element`);
  }
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) throw new PatchFailure(`"${pointer}": "${seg}" is not an array index`);
  const i = Number(seg);
  if (i > arr.length || (!forAdd && i === arr.length)) {
    throw new PatchFailure(`"${pointer}": index ${seg} is out of bounds (the array has ${arr.length} items)`);
  }
  return i;
}

function get(doc: unknown, path: readonly string[], pointer: string): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, seg, pointer, false)];
    else if (isPlainObject(cur) && Object.hasOwn(cur, seg) && cur[seg] !== undefined) cur = cur[seg];
    else throw new PatchFailure(`"${pointer}" does not exist`);
  }
  return cur;
}

/**
 * The parent container of `path` (copy-on-write: the containers along the path are fresh copies, so the
 * caller may mutate the returned parent). Returns the new root too.
 */
function parentOf(
  doc: unknown,
  path: readonly string[],
  pointer: string,
): { root: unknown; parent: unknown } {
  const root = shallowCopy(doc);
  let cur = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string;
    let next: unknown;
    if (Array.isArray(cur)) {
      const idx = arrayIndex(cur, seg, pointer, false);
      next = shallowCopy(cur[idx]);
      cur[idx] = next;
    } else if (isPlainObject(cur) && Object.hasOwn(cur, seg) && cur[seg] !== undefined) {
      next = shallowCopy(cur[seg]);
      setMember(cur, seg, next);
    } else {
      throw new PatchFailure(
        `"${pointer}": the parent "${formatPointer(path.slice(0, i + 1))}" does not exist`,
      );
    }
    cur = next;
  }
  return { root, parent: cur };
}

function add(
  doc: unknown,
  path: readonly string[],
  value: unknown,
  pointer: string,
  replacing = false,
): unknown {
  if (path.length === 0) return value;
  const { root, parent } = parentOf(doc, path, pointer);
  const last = path[path.length - 1] as string;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(parent, last, pointer, true);
    parent.splice(idx, 0, value);
  } else if (isPlainObject(parent)) {
    setMember(parent, last, value);
  } else {
    throw new PatchFailure(
      `"${pointer}": cannot ${replacing ? 'replace' : 'add'} a member of ${parent === null ? 'null' : typeof parent}`,
    );
  }
  return root;
}

function remove(doc: unknown, path: readonly string[], pointer: string): { doc: unknown; value: unknown } {
  if (path.length === 0) throw new PatchFailure('cannot remove the whole document');
  const { root, parent } = parentOf(doc, path, pointer);
  const last = path[path.length - 1] as string;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(parent, last, pointer, false);
    const [value] = parent.splice(idx, 1);
    return { doc: root, value };
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, last) && parent[last] !== undefined) {
    const value = parent[last];
    delete parent[last];
    return { doc: root, value };
  }
  throw new PatchFailure(`"${pointer}" does not exist`);
}

function shallowCopy(v: unknown): unknown {
  if (Array.isArray(v)) return [...(v as unknown[])];
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setMember(out, k, v[k]);
    return out;
  }
  return v;
}

function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
