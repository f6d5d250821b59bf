import type { Diagnostic } from '../core/diagnostic.ts';
import { RecordingMap } from '../core/recording-map.ts';
import type { ParsedDoc } from '../parse/parse.ts';
import type { SecretFinding } from './secrets.ts';
import type { Report, ServiceIndex, ServiceView } from './view.ts';

/**
 * What the service rules found on one view of a service, and what they read of the index (the other
 * services of the scope) to find it: enough to tell whether running them again on the same view in another
 * scope (an environment) would find the same.
 *
 * The rules are pure functions of the view, the index and the set of declared ids. An environment hands
 * most services to them unchanged (the same view object, when no override touches the service), and its
 * index differs from the spec's only where overrides or its namespace filter change it. So a rule run on an
 * identical view, whose every read of the index gives the same answer in the environment (`get` the same
 * view object, `has` the same boolean), reports the same diagnostics in the same order: they are replayed
 * instead of computed. A rule that iterates the index (a "did you mean" over every service) makes the
 * record depend on the whole index: replayed only where the environment's index is the spec's.
 */
export interface RuleRecord {
  readonly view: ServiceView;
  readonly diagnostics: readonly Diagnostic[];
  /** `get` reads: id and the view found (or undefined). */
  readonly gets: readonly (readonly [string, ServiceView | undefined])[];
  /** `has` reads: id and the answer. */
  readonly hases: readonly (readonly [string, boolean])[];
  /** Whether a rule iterated the index or read its size. */
  readonly whole: boolean;
}

/**
 * Runs `rules` on `view` in the scope `index`, reporting what they find, and returns the record of it.
 */
export function runRecorded(
  rules: readonly ((
    svc: ServiceView,
    index: ServiceIndex,
    report: Report,
    declared: ReadonlySet<string>,
  ) => void)[],
  view: ServiceView,
  index: ServiceIndex,
  report: Report,
  declared: ReadonlySet<string>,
): RuleRecord {
  const recording = new RecordingMap(index);
  const diagnostics: Diagnostic[] = [];
  const collect = (d: Diagnostic) => {
    diagnostics.push(d);
    report(d);
  };
  for (const rule of rules) rule(view, recording, collect, declared);
  return { view, diagnostics, gets: recording.gets, hases: recording.hases, whole: recording.whole };
}

/**
 * Whether `record` holds what the rules would find on `view` in the scope `index`: the same view object,
 * and every read of the index answered alike (`sameIndex`: `index` has the same entries, in the same order,
 * as the scope the record was made in).
 */
export function replayable(
  record: RuleRecord | undefined,
  view: ServiceView,
  index: ServiceIndex,
  sameIndex: boolean,
): record is RuleRecord {
  if (record === undefined || record.view !== view) return false;
  if (record.whole && !sameIndex) return false;
  for (const [id, found] of record.gets) if (index.get(id) !== found) return false;
  for (const [id, found] of record.hases) if (index.has(id) !== found) return false;
  return true;
}

/** Whether two indexes hold the same views (the same objects) under the same ids, in the same order. */
export function sameEntries(a: ServiceIndex, b: ServiceIndex): boolean {
  if (a.size !== b.size) return false;
  const ib = b.entries();
  for (const [id, view] of a) {
    const next = ib.next();
    if (next.done || next.value[0] !== id || next.value[1] !== view) return false;
  }
  return true;
}

/** The checks of one document alone (forbidden keys, secrets, its kind's schema): a pure function of it. */
export interface DocChecks {
  readonly forbidden: readonly Diagnostic[];
  readonly secrets: readonly SecretFinding[];
  /** Schema findings, those about a forbidden key left out (reported once, as FORBIDDEN_KEY). */
  readonly schema: readonly Diagnostic[];
  readonly schemaOk: boolean;
}

/** A rule record with the scope it was made in. */
interface ScopedRecord {
  readonly record: RuleRecord;
  readonly index: ServiceIndex;
  readonly declared: ReadonlySet<string>;
}

/**
 * What validations of mostly the same spec share (the two sides of `meshc diff`, through CompileCache):
 * parsed documents are shared objects between such compiles (the parse cache), so what depends on one
 * document only is kept by document, and the service rules' records by view, with the scope they read.
 *
 * - A document's own checks are pure functions of its value (positions come from the document itself).
 * - A Service document's view is a pure function of the document: one view object per document, so that
 *   the same service is the same view in both validations and the rules' index reads can be compared by
 *   identity, as replay within one validation does.
 * - A service's record replays in another validation when the view is the same object, every recorded
 *   read of the index answers alike there (the whole index the same entries, for a rule that iterated
 *   it), and the declared ids are the same set (the rules read it too).
 */
export class ValidateMemo {
  readonly #docs = new WeakMap<ParsedDoc, DocChecks>();
  readonly #views = new WeakMap<ParsedDoc, ServiceView>();
  readonly #records = new WeakMap<ServiceView, ScopedRecord>();
  /** Pairwise comparisons of indexes and of declared sets, each computed once. */
  readonly #same = new WeakMap<object, WeakMap<object, boolean>>();

  /** `compute()` for `pd`, or what it gave before. */
  docChecks(pd: ParsedDoc, compute: () => DocChecks): DocChecks {
    let c = this.#docs.get(pd);
    if (c === undefined) this.#docs.set(pd, (c = compute()));
    return c;
  }

  view(pd: ParsedDoc, make: () => ServiceView): ServiceView {
    let v = this.#views.get(pd);
    if (v === undefined) this.#views.set(pd, (v = make()));
    return v;
  }

  /** An earlier validation's record of `view` that holds in the scope `index` / `declared`, if any. */
  replay(view: ServiceView, index: ServiceIndex, declared: ReadonlySet<string>): RuleRecord | undefined {
    const s = this.#records.get(view);
    if (s === undefined) return undefined;
    if (s.declared !== declared && !this.#compare(s.declared, declared, () => sameSet(s.declared, declared)))
      return undefined;
    const sameIndex =
      s.index === index ||
      (s.record.whole && this.#compare(s.index, index, () => sameEntries(s.index, index)));
    return replayable(s.record, view, index, sameIndex) ? s.record : undefined;
  }

  keep(record: RuleRecord, index: ServiceIndex, declared: ReadonlySet<string>): void {
    this.#records.set(record.view, { record, index, declared });
  }

  #compare(a: object, b: object, compute: () => boolean): boolean {
    let row = this.#same.get(a);
    if (row === undefined) this.#same.set(a, (row = new WeakMap()));
    let same = row.get(b);
    if (same === undefined) row.set(b, (same = compute()));
    return same;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
