import type { HeaderOps } from '../../model/types.ts';

/**
 * A route's header changes as the maps Istio's VirtualService, Consul's router and Flagger's Canary take:
 * `{ set, add, remove }` with `set` and `add` by header name, empty operations left out; undefined when none is
 * left. `value` writes a spec value (a literal) as the target reads it (`envoyLiteral` where Envoy reads `%` as
 * a variable).
 */
export function headerChanges(
  ops: HeaderOps | undefined,
  value: (v: string) => string = (v) => v,
): Record<string, unknown> | undefined {
  if (!ops) return undefined;
  const out: Record<string, unknown> = {};
  if (ops.set.length) out.set = Object.fromEntries(ops.set.map((h) => [h.name, value(h.value)]));
  if (ops.add.length) out.add = Object.fromEntries(ops.add.map((h) => [h.name, value(h.value)]));
  if (ops.remove.length) out.remove = [...ops.remove];
  return Object.keys(out).length ? out : undefined;
}
