import type { K8sObject } from '../../core/k8s.ts';
import type { AccessRule, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { unique } from '../shared/names.ts';
import { SECURITY, principal } from './constants.ts';

/**
 * The ALLOW AuthorizationPolicy of a service with `access`: one rule per access rule, plus one for the ingress
 * gateway's principal when the service is exposed (`ingressPrincipal`, see `ingressRule`). Without any rule the
 * policy denies every request, which is what `access: []` means (through the ingress too). Undefined when the
 * service has no `access`.
 */
export function buildAuthorizationPolicy(
  service: ResolvedService,
  trustDomain: string,
  ingressPrincipal?: string,
): K8sObject | undefined {
  if (!service.access) return undefined;
  // A rule without callers allows nobody; Istio would read its empty `principals` as "any", so it is left out.
  const granting = service.access.filter((r) => r.from.length);
  const rules = granting.map((r) => buildRule(r, trustDomain));
  const ingress = ingressPrincipal === undefined ? undefined : ingressRule(granting, ingressPrincipal);
  if (ingress) rules.push(ingress);
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
export function buildRule(rule: AccessRule, trustDomain: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!rule.from.some((c) => c.kind === 'any')) {
    const principals = unique(
      rule.from.flatMap((c) =>
        c.kind === 'service' ? [principal(trustDomain, c.namespace, c.serviceAccount)] : [],
      ),
    );
    out.from = [{ source: { principals } }];
  }
  const operation = ruleOperation(rule);
  if (operation) out.to = [{ operation }];
  return out;
}

/** The `operation` of an access rule (its methods and paths), undefined when it allows every operation. */
function ruleOperation(rule: AccessRule): Record<string, unknown> | undefined {
  if (!rule.methods.length && !rule.paths.length) return undefined;
  const operation: Record<string, unknown> = {};
  if (rule.methods.length) operation.methods = [...rule.methods];
  if (rule.paths.length) operation.paths = rule.paths.map((p) => p.text);
  return operation;
}

/**
 * The rule admitting the ingress gateway: what the service's access rules allow to any caller, and no more.
 * Requests through the ingress come from the gateway's identity, so the gateway may perform every operation
 * (methods AND paths) that some access rule grants: one `to` entry per granting rule (Istio ORs them), none
 * when a rule grants every operation. Undefined when no rule grants anything (`access: []`): the service is
 * then closed through the ingress as well.
 */
export function ingressRule(
  granting: readonly AccessRule[],
  ingressPrincipal: string,
): Record<string, unknown> | undefined {
  if (!granting.length) return undefined;
  const out: Record<string, unknown> = { from: [{ source: { principals: [ingressPrincipal] } }] };
  const operations = granting.map(ruleOperation);
  if (operations.every((o) => o !== undefined)) {
    const seen = new Set<string>();
    out.to = operations
      .filter((o) => {
        const key = JSON.stringify(o);
        return seen.has(key) ? false : (seen.add(key), true);
      })
      .map((operation) => ({ operation }));
  }
  return out;
}
