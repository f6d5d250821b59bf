import type { Diagnostic } from '../core/diagnostic.ts';
import { canonicalize } from '../core/canonical.ts';
import { resourceId, type K8sObject } from '../core/k8s.ts';
import type { BackendOutput, EmitContext } from '../backends/types.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import type { EnvironmentPlan } from './plan.ts';

/** One planned environment's backend output, as the gitops stage takes it. */
export interface EnvRender {
  env: ResolvedEnvironment;
  mesh: string;
  systemNamespace: string;
  output: BackendOutput;
}

/** plan → **emit**: each planned environment through its backend (pure), as the gitops stage takes it. */
export function emitEnvironments(
  plans: readonly EnvironmentPlan[],
  ctx: EmitContext,
  pool: ObjectPool = new ObjectPool(),
): { renders: EnvRender[]; diagnostics: Diagnostic[] } {
  const renders = plans.map(({ env, backend }) => ({
    env,
    mesh: backend.mesh,
    systemNamespace: backend.systemNamespace,
    output: pool.internOutput(backend.emit(env, ctx)),
  }));
  return { renders, diagnostics: renders.flatMap((r) => r.output.diagnostics) };
}

/**
 * Environments that differ by a few overrides emit mostly equal objects. Each environment's objects are
 * replaced, as it is emitted, by the pool's canonical object for them (core/canonical.ts: the copy in
 * canonical key order every later stage works on), one per distinct object: the first object any
 * environment emitted with the same apiVersion/kind/namespace/name and the same canonical form. So the
 * copies are garbage at once (memory follows the distinct objects, not the environments times the objects),
 * the gitops stage's canonicalization finds the objects already canonical and keeps them (no second copy of
 * the fleet beside the backends' output), and the later stages recognise an unchanged object by identity
 * (`a === b`) before comparing. Shared objects are frozen: a stage that changed one in place would change
 * every environment holding it, so such a change throws instead of going unnoticed. A pool shared by two
 * compiles (the sides of `meshc diff`, CompileCache) makes their equal objects one too.
 *
 * Equivalent to leaving the objects as the backends built them: every stage after emit either
 * canonicalizes them (the gitops stage, `meshc build`, the diff) or compares them with `jsonEqual`, which
 * ignores key order and undefined members, the only differences canonicalization makes.
 */
export class ObjectPool {
  /** Resource id → the pool's canonical objects with that id, pairwise unequal. */
  readonly #byId = new Map<string, K8sObject[]>();
  /** Every object of the pool. */
  readonly #members = new WeakSet<K8sObject>();
  /** An object interned before (a backend's memoized result, emitted again for another environment) → its answer. */
  readonly #answers = new WeakMap<K8sObject, K8sObject>();

  intern(o: K8sObject): K8sObject {
    // An object of the pool (the other side of a diff) is its own answer: the members of an id are
    // pairwise unequal, canonical and frozen, so the search below would find it and only it.
    if (this.#members.has(o)) return o;
    const known = this.#answers.get(o);
    if (known !== undefined) return known;
    const c = canonicalize(o);
    const id = resourceId(c);
    const seen = this.#byId.get(id);
    let hit = seen?.find((x) => sameJson(x, c));
    if (hit === undefined) {
      hit = deepFreeze(c);
      if (seen) seen.push(hit);
      else this.#byId.set(id, [hit]);
      this.#members.add(hit);
    }
    this.#answers.set(o, hit);
    return hit;
  }

  internOutput(out: BackendOutput): BackendOutput {
    const all = (list: readonly K8sObject[]) => list.map((o) => this.intern(o));
    return {
      ...out,
      namespaces: new Map([...out.namespaces].map(([ns, list]) => [ns, all(list)])),
      system: all(out.system),
      ...(out.prerequisites ? { prerequisites: all(out.prerequisites) } : {}),
    };
  }
}

/**
 * Strict structural equality of JSON-like values: the same keys in the same order (what JSON.stringify
 * would write alike, and stricter: a member set to undefined is not a missing one), the same items.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    // Without Object.values' array per object: the pool's members are canonical copies (plain objects and
    // arrays, nothing enumerable inherited).
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) deepFreeze(v[i]);
    else for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
