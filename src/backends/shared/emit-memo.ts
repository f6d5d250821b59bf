import { RecordingMap } from '../../core/recording-map.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedService } from '../../model/types.ts';

/** What {@link EmitMemo.keep} needs of the compile's ObjectPool. */
export interface ObjectInterner {
  intern(o: K8sObject): K8sObject;
}

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
  /** The services handed to {@link representative}, by id, in order of first appearance. */
  readonly #seen = new Map<string, ResolvedService[]>();
  readonly #pool: ObjectInterner | undefined;

  /**
   * `pool`: where the objects the memo keeps are interned ({@link keep}); the compile's ObjectPool, which
   * interns every emitted object anyway.
   */
  constructor(pool?: ObjectInterner) {
    this.#pool = pool;
  }

  /**
   * The objects a per-service result keeps, as the pool holds them (plan/emit.ts, ObjectPool: canonical,
   * frozen, one per distinct object). A backend's `compute` passes its objects through here, so that its
   * own copies are garbage as soon as they are interned, instead of living as long as the memo (the whole
   * emit): at 40,000 App Mesh services x 4 environments they were about as large as the pool. The pool
   * answers the same objects for them when the environment's output is interned. Without a pool: `objects`.
   */
  keep(objects: readonly K8sObject[]): K8sObject[] {
    const pool = this.#pool;
    return pool ? objects.map((o) => pool.intern(o)) : [...objects];
  }

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

  /**
   * The service that stands for `s` as a memo owner (and in the index handed to {@link get}): the first
   * service handed here with the same id and, member by member, the same values (by identity) but `spec`,
   * and but `mtls` unless `readsMtls`; else `s` itself, which then stands for those that come after it.
   *
   * Why: the model hands an environment of another mTLS mode its own copy of each service the environments
   * share otherwise (the service with `mtls` and its spec's `mtls` replaced, ResolveMemo in model/build.ts), so a memo
   * keyed by identity shares nothing with such an environment; representatives let it share again.
   *
   * Soundness: a backend may use representatives only if its per-service builders (everything inside
   * `compute`)
   * - never read `spec`, of the service or of any service they find in the index;
   * - read the service's `mtls` only where `readsMtls` is true for it (then the representative has the same
   *   `mtls`: the mode is part of its identity, as if it were part of the key), and never the `mtls` of a
   *   service found in the index; `readsMtls` must be a function of the members compared (e.g.
   *   `s.mtlsOverride`), so that it is the same for a service and its representative;
   * - and are handed the representatives throughout: the owner, the service `compute` reads, and the index
   *   (id → representative), so that reads of the index are recorded as representatives too.
   * Then every value such a builder reads is the same for `s` and its representative, so is its result.
   * One memo serves every backend of a compile, each with its own `readsMtls`: a lookup returns the first
   * service seen that passes the caller's test, and the list only grows at its end, so each backend gets the
   * same representative for a service every time, whatever the others asked.
   */
  representative(s: ResolvedService, readsMtls: boolean): ResolvedService {
    const seen = this.#seen.get(s.id);
    if (!seen) {
      this.#seen.set(s.id, [s]);
      return s;
    }
    const hit = seen.find((r) => r === s || alikeButSpec(r, s, readsMtls));
    if (hit) return hit;
    seen.push(s);
    return s;
  }
}

/**
 * An environment's services as a backend that uses representatives hands them to its per-service builders:
 * each service's representative ({@link EmitMemo.representative}), in the environment's order, and the index
 * of them (id → representative). Without a memo: the services and `index` as they are.
 */
export function represented(
  services: readonly ResolvedService[],
  index: ReadonlyMap<string, ResolvedService>,
  memo: EmitMemo | undefined,
  readsMtls: (s: ResolvedService) => boolean,
): { readonly services: readonly ResolvedService[]; readonly index: ReadonlyMap<string, ResolvedService> } {
  if (!memo) return { services, index };
  const reps = services.map((s) => memo.representative(s, readsMtls(s)));
  return { services: reps, index: new Map(reps.map((r) => [r.id, r])) };
}

/** The same members with the same values (identity), `spec` aside, and `mtls` unless `withMtls`. */
function alikeButSpec(a: ResolvedService, b: ResolvedService, withMtls: boolean): boolean {
  const ka = Object.keys(a) as (keyof ResolvedService)[];
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k === 'spec' || (k === 'mtls' && !withMtls) || (k in b && a[k] === b[k]));
}

interface MemoEntry {
  readonly key: string;
  readonly gets: readonly (readonly [string, unknown])[];
  readonly hases: readonly (readonly [string, boolean])[];
  readonly whole: boolean;
  readonly index: ReadonlyMap<string, unknown>;
  readonly value: unknown;
}
