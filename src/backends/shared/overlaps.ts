/**
 * Overlap rules several meshes share (see `OverlapRule` in ../types.ts): Gateway API routes on the same
 * parent, and the helpers the mesh rules are made of. Pure.
 */
import type { K8sObject } from '../../core/k8s.ts';
import type { OverlapClaim, OverlapRule } from '../types.ts';
import { isRecord } from '../../core/json.ts';

type Obj = Record<string, unknown>;

const isObj = isRecord;

/** `obj.spec` as a record (empty when absent or not an object). */
export function specOf(obj: K8sObject): Obj {
  return isObj(obj.spec) ? obj.spec : {};
}

/** The strings of a list field (other items skipped). */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The objects of a list field (other items skipped). */
export function records(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** `matchLabels` of a label selector, when it is only that (expressions make it unknown: undefined). */
export function matchLabels(selector: unknown): Record<string, string> | undefined {
  if (!isObj(selector)) return undefined;
  const labels = isObj(selector.matchLabels) ? selector.matchLabels : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Gateway API routes (and kinds of the same shape, such as Linkerd's own HTTPRoute) compete for the parents
 * they attach to: on a Service parent (GAMMA), every route of the Service's traffic (the mesh merges or
 * picks by age, so a second route changes what happens); on a Gateway, routes for the same hostname.
 * Gateway API `HTTPRoute` spec, `parentRefs` (group `''`/`core` is a Service, the default group and kind a
 * Gateway; the namespace defaults to the route's own).
 */
export function routeParentRule(kinds: readonly string[]): OverlapRule {
  return {
    kinds,
    what: 'the same parent',
    claims(obj) {
      const spec = specOf(obj);
      const ns = obj.metadata.namespace ?? 'default';
      const hostnames = strings(spec.hostnames);
      const out: OverlapClaim[] = [];
      for (const ref of records(spec.parentRefs)) {
        const name = typeof ref.name === 'string' ? ref.name : undefined;
        if (name === undefined) continue;
        const refNs = typeof ref.namespace === 'string' ? ref.namespace : ns;
        const group = typeof ref.group === 'string' ? ref.group : 'gateway.networking.k8s.io';
        const kind = typeof ref.kind === 'string' ? ref.kind : 'Gateway';
        if (kind === 'Service' && (group === '' || group === 'core'))
          out.push({ key: `Service ${refNs}/${name}` });
        else
          for (const host of hostnames.length > 0 ? hostnames : ['*'])
            out.push({ key: `${kind} ${refNs}/${name} for host ${host}` });
      }
      return out;
    },
  };
}
