import type { Diagnostic } from '../core/diagnostic.ts';
import { locate } from '../parse/locate.ts';
import { mapAjvErrors } from '../schema/map-errors.ts';
import type { CompiledPolicy } from '../validate/policies.ts';
import type { ResolvedEnvironment, ResolvedService } from '../model/types.ts';

/**
 * The organisation's policies on the resolved model (defaults applied, environment overrides merged): the
 * policy documents were checked and compiled by validate; here each one meets every matching object.
 */

/** `prod-*` style globs on names: `*` any run of characters, `?` one character. */
export function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(name);
}

/** Layer (c): each policy on every matching resolved object, reported at the spec node behind the value. */
export function checkPolicies(
  policies: readonly CompiledPolicy[],
  envs: readonly ResolvedEnvironment[],
  report: (d: Diagnostic) => void,
): void {
  for (const p of policies) {
    const { match } = p.spec;
    const severity = p.spec.severity;
    if (severity === undefined) throw new Error(`internal: policy ${p.name} has no default severity applied`);
    const policyLoc = locate(p.doc.pd, ['metadata', 'name']);
    for (const env of envs) {
      if (match.environments && !match.environments.some((g) => globMatch(g, env.name))) continue;
      const subjects: { label: string; spec: unknown; origin: ResolvedEnvironment['origin'] }[] = [];
      if (match.kinds.includes('Environment'))
        subjects.push({ label: `environment ${env.name}`, spec: env.spec, origin: env.origin });
      if (match.kinds.includes('Service'))
        for (const s of env.services) {
          if (match.namespaces && !match.namespaces.some((g) => globMatch(g, s.namespace))) continue;
          subjects.push({
            label: `${s.id} in environment ${env.name}`,
            spec: s.spec,
            origin: serviceOrigin(s, env),
          });
        }
      for (const subject of subjects) {
        if (p.validate(subject.spec)) continue;
        for (const d of mapAjvErrors(p.validate.errors ?? [], (path, mode) => subject.origin(path, mode)))
          report({
            code: 'POLICY_VIOLATION',
            severity,
            message: `Policy ${p.name}: ${p.spec.message.trim().replace(/\.$/, '')} (${subject.label}).`,
            hint:
              d.message.replace(/^./, (c) => c.toLowerCase()) === d.message
                ? d.message
                : `Detail: ${d.message.charAt(0).toLowerCase()}${d.message.slice(1)}`,
            ...(d.location ? { location: d.location } : {}),
            ...(d.pointer ? { pointer: d.pointer } : {}),
            related: [{ message: `policy ${p.name} is defined here`, location: policyLoc }],
          });
      }
    }
  }
}

/**
 * Where a service's resolved value comes from, for a violation: the service's own spec node (or its
 * environment override), but the environment's `mesh.mtls` for an `mtls` the service does not set, which it
 * takes from there. (Not the service's `origin` itself: environments of the same mode share one resolved
 * service.)
 */
function serviceOrigin(s: ResolvedService, env: ResolvedEnvironment): ResolvedService['origin'] {
  if (s.mtlsOverride) return s.origin;
  return (path, mode) => (path[0] === 'mtls' ? env.origin(['mesh', 'mtls'], mode) : s.origin(path, mode));
}
