import type { K8sObject } from '../../core/k8s.ts';
import type { AccessRule, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { unique } from '../shared/names.ts';
import { SECURITY, principal } from './constants.ts';

/**
 * The ALLOW AuthorizationPolicy of a service with `access`: one rule per access rule, plus one for the ingress
 * gateway's principal when the service is exposed (`ingressPrincipal`). Without any rule the policy denies
 * every request, which is what `access: []` means. Undefined when the service has no `access`.
 */
export function buildAuthorizationPolicy(
  service: ResolvedService,
  ingressPrincipal?: string,
): K8sObject | undefined {
  if (!service.access) return undefined;
  // A rule without callers allows nobody; Istio would read its empty `principals` as "any", so it is left out.
  const rules = service.access.filter((r) => r.from.length).map(buildRule);
  if (ingressPrincipal !== undefined) rules.push({ from: [{ source: { principals: [ingressPrincipal] } }] });
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { ...service.selector } },
    action: 'ALLOW',
  };
  if (rules.length) spec.rules = rules;
  return {
    apiVersion: SECURITY,
    kind: 'AuthorizationPolicy',
    metadata: objectMeta(service.name, service.namespace),
    spec,
  };
}

/**
 * One access rule: `from` lists the callers' principals (none when `*` is among the callers: any source,
 * authenticated or not), `to` narrows by methods and paths when set.
 */
export function buildRule(rule: AccessRule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!rule.from.some((c) => c.kind === 'any')) {
    const principals = unique(
      rule.from.flatMap((c) => (c.kind === 'service' ? [principal(c.namespace, c.serviceAccount)] : [])),
    );
    out.from = [{ source: { principals } }];
  }
  if (rule.methods.length || rule.paths.length) {
    const operation: Record<string, unknown> = {};
    if (rule.methods.length) operation.methods = [...rule.methods];
    if (rule.paths.length) operation.paths = [...rule.paths];
    out.to = [{ operation }];
  }
  return out;
}
