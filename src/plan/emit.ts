import type { Diagnostic } from '../core/diagnostic.ts';
import { canonicalize } from '../core/canonical.ts';
import { resourceId, type K8sObject } from '../core/k8s.ts';
import type { BackendOutput, EmitContext } from '../backends/types.ts';
import type { NamespaceResidue } from '../core/shards.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import type { EnvironmentPlan } from './plan.ts';

/** One planned environment's backend output, as the gitops stage takes it. */
export interface EnvRender {
  env: ResolvedEnvironment;
  mesh: string;
  systemNamespace: string;
  output: BackendOutput;
  /**
   * Application namespaces of the environment that were not emitted (`EmitContext.only`; set by compile.ts):
   * an incremental render takes their files from the previous render (plan/shards.ts). The layout lists them
   * among the environment's namespaces (its GitOps objects deploy them) and lays out no file of theirs. Each
   * with the ids of its objects that another directory could also hold (cluster-scoped, or of another
   * namespace), for the layout's check that no object is rendered twice.
   */
  reused?: ReadonlyMap<string, readonly string[]>;
}

/**
 * plan → **emit**: each planned environment through its backend (pure), as the gitops stage takes it.
 * `taken`: per environment, the residue recorded of namespaces outside `ctx.only` (EmitContext.taken).
 */
export function emitEnvironments(
  plans: readonly EnvironmentPlan[],
  ctx: EmitContext,
  pool: ObjectPool = new ObjectPool(),
  taken?: ReadonlyMap<string, ReadonlyMap<string, NamespaceResidue>>,
): { renders: EnvRender[]; diagnostics: Diagnostic[] } {
  const renders = plans.map(({ env, backend }) => {
    const mine = taken?.get(env.name);
    return {
      env,
      mesh: backend.mesh,
      systemNamespace: backend.systemNamespace,
      output: pool.internOutput(backend.emit(env, mine?.size ? { ...ctx, taken: mine } : ctx)),
    };
  });
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
  /** The members' subtrees, one per distinct value, from the {@link #shareFrom}th member on. */
  #subtrees: SubtreeTable | undefined;
  #size = 0;
  readonly #shareFrom: number;

  /**
   * `shareFrom`: the number of members from which the pool shares equal subtrees between its objects
   * (SubtreeTable). Sharing costs about 3% of a fresh render (2,000 Linkerd services x 4 environments,
   * 21,500 distinct objects) and saves memory in proportion to the fleet: at 40,000 App Mesh services x 4
   * environments (370,000 distinct objects) about 0.6 GiB of a 2.1 GiB peak. Below 50,000 objects (about
   * 5,000 services) a render's memory is a few hundred MiB, and the pool does not share.
   */
  constructor(shareFrom = SHARE_FROM) {
    this.#shareFrom = shareFrom;
    if (shareFrom <= 0) this.#subtrees = new SubtreeTable();
  }

  intern(o: K8sObject): K8sObject {
    // An object of the pool (the other side of a diff) is its own answer: the members of an id are
    // pairwise unequal, canonical and frozen, so the search below would find it and only it.
    if (this.#members.has(o)) return o;
    const known = this.#answers.get(o);
    if (known !== undefined) return known;
    let c = canonicalize(o);
    // A fresh copy (not an input that was canonical already) is the pool's own: once the pool is large, its
    // equal subtrees become the ones the pool holds already.
    if (c !== o && this.#subtrees !== undefined) c = this.#subtrees.shareChildren(c);
    const id = resourceId(c);
    const seen = this.#byId.get(id);
    let hit = seen?.find((x) => sameJson(x, c));
    if (hit === undefined) {
      hit = deepFreeze(c);
      if (seen) seen.push(hit);
      else this.#byId.set(id, [hit]);
      this.#members.add(hit);
      if (++this.#size === this.#shareFrom) this.#subtrees = new SubtreeTable();
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

/** The pool's default `shareFrom`. */
export const SHARE_FROM = 50_000;

type Node = Record<string, unknown> | unknown[];

/**
 * Equal subtrees of the pool's objects, shared: one copy of each distinct mapping or array (hash-consing).
 * The services of a fleet repeat most of their objects' parts (labels, ports, TLS settings, outlier
 * detection): at 10,000 App Mesh services x 4 environments the 92,000 distinct objects hold 2.6 million
 * mappings and arrays, of which 0.83 million are distinct. Sharing is safe because the shared nodes are
 * frozen, and it makes equal parts identical, which the later stages compare by reference first.
 *
 * A node is looked up by a number combined from its children (not its keys: hashing them cost a third of
 * the table's time, and mappings with equal values under other keys are rare), after its children were
 * shared: so two equal nodes have identical children, and comparing them (keys included) is shallow. The
 * table keeps numbers and nodes, never a text key per subtree (which would hold as much as it saves), and
 * lives as long as the pool.
 */
class SubtreeTable {
  /** Hash → the first distinct node with that hash (frozen). */
  readonly #byHash = new Map<number, Node>();
  /** Hash → the other distinct nodes with that hash, after a collision. */
  readonly #collisions = new Map<number, Node[]>();
  /** String values → small numbers, for the hashes: V8 keeps each string's own hash. */
  readonly #strings = new Map<string, number>();
  /** The hash of the value {@link share} returned last (no allocation per node). */
  #hash = 0;

  /** `node`, a fresh canonical copy the caller owns, with each child replaced by the table's equal one. */
  shareChildren<T extends object>(node: T): T {
    this.#shareInto(node as Node);
    return node;
  }

  /** The table's node equal to `v` (a fresh copy, owned: changed in place and frozen when kept), or `v`. */
  #share(v: unknown): unknown {
    if (v === null || typeof v !== 'object') {
      this.#hash = this.#scalarHash(v);
      return v;
    }
    const node = v as Node;
    const h = this.#shareInto(node);
    this.#hash = h;
    const first = this.#byHash.get(h);
    if (first === undefined) {
      this.#byHash.set(h, Object.freeze(node) as Node);
      return node;
    }
    if (shallowEqual(first, node)) return first;
    const others = this.#collisions.get(h);
    const hit = others?.find((x) => shallowEqual(x, node));
    if (hit !== undefined) return hit;
    if (others) others.push(Object.freeze(node) as Node);
    else this.#collisions.set(h, [Object.freeze(node) as Node]);
    return node;
  }

  /** Shares `node`'s children in place; returns `node`'s hash. */
  #shareInto(node: Node): number {
    let h: number;
    if (Array.isArray(node)) {
      h = 0x9e3779b1;
      for (let i = 0; i < node.length; i++) {
        node[i] = this.#share(node[i]);
        h = mix(h, this.#hash);
      }
    } else {
      h = 0x85ebca6b;
      for (const k in node) {
        const x = this.#share(node[k]);
        // Stored only when the table had an equal child (an own "__proto__" member is data, as written).
        if (x !== node[k]) node[k] = x;
        h = mix(h, this.#hash);
      }
    }
    return h;
  }

  #scalarHash(v: unknown): number {
    switch (typeof v) {
      case 'string':
        return this.#stringId(v);
      case 'number':
        return Number.isInteger(v) ? mix(0x27d4eb2f, v | 0) : this.#stringId(String(v)) ^ 0x165667b1;
      case 'boolean':
        return v ? 0x3c6ef372 : 0x5bd1e995;
      default:
        return 0x1b873593;
    }
  }

  #stringId(s: string): number {
    let id = this.#strings.get(s);
    if (id === undefined) {
      id = mix(0x7f4a7c15, this.#strings.size);
      this.#strings.set(s, id);
    }
    return id;
  }
}

function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193) ^ (h >>> 15);
}

/** Equal nodes whose children are already shared: the same keys in the same order, identical children. */
function shallowEqual(a: Node, b: Node): boolean {
  return alike(a, b, identical);
}

function identical(a: unknown, b: unknown): boolean {
  return a === b;
}

/**
 * Strict structural equality of JSON-like values: the same keys in the same order (what JSON.stringify
 * would write alike, and stricter: a member set to undefined is not a missing one), the same items.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return alike(a, b, sameJson);
}

/** Two arrays of one length, or two mappings with the same keys in the same order, whose children are `same`. */
function alike(a: object, b: object, same: (x: unknown, y: unknown) => boolean): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
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
