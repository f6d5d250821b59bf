import { RecordingMap } from '../../core/recording-map.ts';

/**
 * Per-service emit results shared between the environments of a compile (and the two sides of `meshc diff`,
 * through CompileCache). Environments that differ by a few overrides hand the backends the same
 * ResolvedService objects (the model's ResolveMemo); a backend's per-service function is a pure function of
 * that service, a few mesh settings (the caller's `key`) and what it reads of the index of the other
 * services. The reads are recorded, so a result is reused only where every read gives the same answer (the
 * same object for `get`, the same boolean for `has`); a function that iterates the index is reused only
 * with the very same index.
 */
export class EmitMemo {
  readonly #byOwner = new WeakMap<object, MemoEntry[]>();

  /** `compute(index)` for `owner` under `key`, or the result of an earlier call that read the same things. */
  get<V extends object, T>(
    owner: object,
    key: string,
    index: ReadonlyMap<string, V>,
    compute: (index: ReadonlyMap<string, V>) => T,
  ): T {
    const entries = this.#byOwner.get(owner);
    const hit = entries?.find(
      (e) =>
        e.key === key &&
        (e.whole
          ? e.index === index
          : e.gets.every(([id, v]) => index.get(id) === v) &&
            e.hases.every(([id, h]) => index.has(id) === h)),
    );
    if (hit) return hit.value as T;
    const recording = new RecordingMap(index);
    const value = compute(recording);
    const entry: MemoEntry = {
      key,
      gets: recording.gets,
      hases: recording.hases,
      whole: recording.whole,
      index,
      value,
    };
    if (entries) entries.push(entry);
    else this.#byOwner.set(owner, [entry]);
    return value;
  }
}

interface MemoEntry {
  readonly key: string;
  readonly gets: readonly (readonly [string, unknown])[];
  readonly hases: readonly (readonly [string, boolean])[];
  readonly whole: boolean;
  readonly index: ReadonlyMap<string, unknown>;
  readonly value: unknown;
}
