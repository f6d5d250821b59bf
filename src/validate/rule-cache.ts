import type { Diagnostic } from '../core/diagnostic.ts';
import { RecordingMap } from '../core/recording-map.ts';
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
