/**
 * The effective who-can-call-whom graph of an environment, from the normalized model, and the edges a
 * change opens, closes or narrows/widens. Pure.
 *
 * - A service without `access` has no access control: everyone may call it (any request).
 * - A service with `access` accepts exactly what its rules allow; `access: []` (or rules without callers)
 *   means nobody.
 * - `*` in a rule's `from` is the pseudo-caller {@link ANYONE}: every caller, in or outside the mesh. A
 *   named caller's effective permission on a service is the union of the rules that name it and the
 *   rules for `*`.
 * - A permission is a set of request classes `METHOD path` (`*` = any method / any path), reduced so that
 *   no class is covered by another (`* *` alone = any request).
 */
import type { AccessRule, ResolvedEnvironment, ResolvedService } from '../model/types.ts';

export const ANYONE = '*';
/** The permission of a caller that may send any request. */
export const ALL = '* *';

export interface CalleeAccess {
  /** False when the service has no `access` (everyone may call it). */
  readonly controlled: boolean;
  /** Caller (service id or {@link ANYONE}) → the request classes its rules allow (without `*` rules). */
  readonly callers: ReadonlyMap<string, ReadonlySet<string>>;
  /** Caller → indexes of the rules naming it (or naming `*`, for {@link ANYONE}). */
  readonly rules: ReadonlyMap<string, readonly number[]>;
}

/** Callee service id → its access. */
export type AccessGraph = ReadonlyMap<string, CalleeAccess>;

export function accessGraph(env: Pick<ResolvedEnvironment, 'services'>): AccessGraph {
  const graph = new Map<string, CalleeAccess>();
  for (const s of env.services) graph.set(s.id, calleeAccess(s));
  return graph;
}

export function calleeAccess(s: Pick<ResolvedService, 'access'>): CalleeAccess {
  if (s.access === undefined) return { controlled: false, callers: new Map(), rules: new Map() };
  const callers = new Map<string, Set<string>>();
  const rules = new Map<string, number[]>();
  for (const rule of s.access) {
    if (rule.from.length === 0) continue;
    const atoms = ruleAtoms(rule);
    for (const c of rule.from) {
      const key = c.kind === 'any' ? ANYONE : c.serviceId;
      const set = callers.get(key) ?? new Set<string>();
      for (const a of atoms) set.add(a);
      callers.set(key, set);
      const idx = rules.get(key) ?? [];
      if (!idx.includes(rule.index)) idx.push(rule.index);
      rules.set(key, idx);
    }
  }
  return { controlled: true, callers, rules };
}

function ruleAtoms(rule: Pick<AccessRule, 'methods' | 'paths'>): string[] {
  const methods = rule.methods.length ? rule.methods : ['*'];
  const paths = rule.paths.length ? rule.paths.map((p) => p.text) : ['*'];
  return methods.flatMap((m) => paths.map((p) => `${m} ${p}`));
}

/** What `caller` may send to the service: sorted, reduced request classes; empty = nothing. */
export function effective(access: CalleeAccess | undefined, caller: string): string[] {
  if (access === undefined) return [];
  if (!access.controlled) return [ALL];
  const set = new Set<string>(access.callers.get(ANYONE) ?? []);
  if (caller !== ANYONE) for (const a of access.callers.get(caller) ?? []) set.add(a);
  return reduce(set);
}

function parseAtom(a: string): { m: string; p: string } {
  const i = a.indexOf(' ');
  return { m: a.slice(0, i), p: a.slice(i + 1) };
}

/** True when request class `wide` covers `narrow` (same or `*` method, same or `*` path). */
function covers(wide: string, narrow: string): boolean {
  const w = parseAtom(wide);
  const n = parseAtom(narrow);
  return (w.m === '*' || w.m === n.m) && (w.p === '*' || w.p === n.p);
}

/** True when `after` allows a request class that `before` does not (the permission got wider somewhere). */
export function widens(before: readonly string[], after: readonly string[]): boolean {
  return after.some((a) => !before.some((b) => covers(b, a)));
}

/** Drops request classes covered by another one; sorted. */
export function reduce(atoms: Iterable<string>): string[] {
  const list = [...new Set(atoms)];
  const parsed = list.map((a) => {
    const i = a.indexOf(' ');
    return { a, m: a.slice(0, i), p: a.slice(i + 1) };
  });
  const kept = parsed.filter(
    (x) => !parsed.some((y) => y.a !== x.a && (y.m === '*' || y.m === x.m) && (y.p === '*' || y.p === x.p)),
  );
  return kept.map((x) => x.a).sort();
}

export type EdgeChangeKind = 'opened' | 'closed' | 'changed';

export interface EdgeChange {
  readonly callee: string;
  /** A service id, or {@link ANYONE}. */
  readonly caller: string;
  readonly change: EdgeChangeKind;
  /** Request classes before and after (see {@link effective}). */
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** Rules of the callee naming the caller (or `*`) on each side. */
  readonly baseRules: readonly number[];
  readonly headRules: readonly number[];
}

/**
 * The edges into one callee that differ between two sides. Callers considered: {@link ANYONE} and every
 * service named by a rule of the callee on either side. A named caller whose permission equals
 * {@link ANYONE}'s on both sides is not listed separately (the line for anyone covers it).
 */
export function diffCallee(callee: string, base: CalleeAccess, head: CalleeAccess): EdgeChange[] {
  const callers = new Set<string>([ANYONE, ...base.callers.keys(), ...head.callers.keys()]);
  const anyBefore = effective(base, ANYONE);
  const anyAfter = effective(head, ANYONE);
  const out: EdgeChange[] = [];
  for (const caller of [...callers].sort(byCaller)) {
    const before = effective(base, caller);
    const after = effective(head, caller);
    if (same(before, after)) continue;
    if (caller !== ANYONE && same(before, anyBefore) && same(after, anyAfter)) continue;
    out.push({
      callee,
      caller,
      change: before.length === 0 ? 'opened' : after.length === 0 ? 'closed' : 'changed',
      before,
      after,
      baseRules: rulesFor(base, caller),
      headRules: rulesFor(head, caller),
    });
  }
  return out;
}

function rulesFor(access: CalleeAccess, caller: string): number[] {
  const own = access.rules.get(caller) ?? [];
  const any = caller === ANYONE ? [] : (access.rules.get(ANYONE) ?? []);
  return [...new Set([...own, ...any])].sort((a, b) => a - b);
}

/** Every edge into every service present on both sides that differs. */
export function diffAccessGraphs(base: AccessGraph, head: AccessGraph): EdgeChange[] {
  const out: EdgeChange[] = [];
  for (const [callee, h] of [...head].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const b = base.get(callee);
    if (b !== undefined) out.push(...diffCallee(callee, b, h));
  }
  return out;
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function byCaller(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ANYONE) return -1;
  if (b === ANYONE) return 1;
  return a < b ? -1 : 1;
}

/** `any request`, or `GET, POST on /a, /b; any method on /c`. */
export function describePermission(atoms: readonly string[]): string {
  if (atoms.length === 0) return 'nothing';
  if (atoms.includes(ALL)) return 'any request';
  const byPath = new Map<string, string[]>();
  for (const a of atoms) {
    const i = a.indexOf(' ');
    const m = a.slice(0, i);
    const p = a.slice(i + 1);
    byPath.set(p, [...(byPath.get(p) ?? []), m]);
  }
  const byMethods = new Map<string, string[]>();
  for (const [p, ms] of [...byPath].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const key = ms.includes('*') ? 'any method' : [...ms].sort().join(', ');
    byMethods.set(key, [...(byMethods.get(key) ?? []), p]);
  }
  return [...byMethods]
    .map(([m, ps]) => (ps.includes('*') ? `${m} (any path)` : `${m} on ${ps.join(', ')}`))
    .join('; ');
}
