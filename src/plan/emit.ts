import { createHash } from 'node:crypto';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
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
 * replaced, as it is emitted, by the first equal object any environment emitted (equal: the same JSON
 * text, keys in the same order), so the copies are garbage at once (memory follows the distinct objects,
 * not the environments times the objects) and the later stages can recognise an unchanged object by
 * identity (`a === b`) before comparing. Shared objects are frozen: a stage that changed one in place
 * would change every environment holding it, so such a change throws instead of going unnoticed. A pool
 * shared by two compiles (the sides of `meshc diff`, CompileCache) makes their equal objects one too.
 */
export class ObjectPool {
  readonly #byHash = new Map<string, K8sObject>();

  intern(o: K8sObject): K8sObject {
    // sha256 of the JSON text: a key of fixed size (the texts of a large fleet would weigh hundreds of MB).
    const key = createHash('sha256').update(JSON.stringify(o)).digest('base64');
    const hit = this.#byHash.get(key);
    if (hit) return hit;
    this.#byHash.set(key, deepFreeze(o));
    return o;
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

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
