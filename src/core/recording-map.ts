/**
 * A read-only view of a map that records what is read of it: each `get` (the key and the value found) and
 * `has` (the key and the answer), and whether anything read it whole (its size, or an iteration). What the
 * memos of pure functions over an index of services use to tell when a result computed in one scope holds
 * in another: every recorded read answers alike there (validate's rule replay, the backends' EmitMemo).
 */
export class RecordingMap<V> implements ReadonlyMap<string, V> {
  readonly gets: [string, V | undefined][] = [];
  readonly hases: [string, boolean][] = [];
  /** Whether a reader iterated the map or read its size: then only the same entries give the same answer. */
  whole = false;
  readonly #inner: ReadonlyMap<string, V>;
  constructor(inner: ReadonlyMap<string, V>) {
    this.#inner = inner;
  }
  get(key: string): V | undefined {
    const v = this.#inner.get(key);
    this.gets.push([key, v]);
    return v;
  }
  has(key: string): boolean {
    const h = this.#inner.has(key);
    this.hases.push([key, h]);
    return h;
  }
  get size(): number {
    this.whole = true;
    return this.#inner.size;
  }
  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    this.whole = true;
    this.#inner.forEach((value, key) => fn.call(thisArg, value, key, this));
  }
  entries(): MapIterator<[string, V]> {
    this.whole = true;
    return this.#inner.entries();
  }
  keys(): MapIterator<string> {
    this.whole = true;
    return this.#inner.keys();
  }
  values(): MapIterator<V> {
    this.whole = true;
    return this.#inner.values();
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}
