import type { Diagnostic } from '../../core/diagnostic.ts';
import type { K8sObject } from '../../core/k8s.ts';
import type { AccessPath, AccessRule, HttpMethod, ResolvedService } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { CONSUL_API, consulName, isL7 } from './constants.ts';

/** What one rule grants a source: every request, or the requests with these methods and paths. */
type Grant = 'all' | { readonly methods: readonly HttpMethod[]; readonly paths: readonly AccessPath[] };

/** Consul's wildcard source: every service (plaintext callers never reach intentions under strict mTLS). */
export const ANY_SOURCE = '*';

function grantOf(rule: AccessRule): Grant {
  return !rule.methods.length && !rule.paths.length ? 'all' : { methods: rule.methods, paths: rule.paths };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An access path as an intention's `http` path: exact, string prefix, or a suffix as an RE2 (whole path). */
export function pathField(p: AccessPath): Record<string, string> {
  if (!p.match) return { pathPrefix: '/' };
  if (p.match.type === 'exact') return { pathExact: p.match.value };
  if (p.match.type === 'prefix') return { pathPrefix: p.match.value };
  return { pathRegex: `.*${escapeRegex(p.match.value)}` };
}

function permissions(grant: Exclude<Grant, 'all'>): Record<string, unknown>[] {
  const methods = grant.methods.length ? { methods: [...grant.methods] } : {};
  if (!grant.paths.length) return [{ action: 'allow', http: { ...methods } }];
  return grant.paths.map((p) => ({ action: 'allow', http: { ...pathField(p), ...methods } }));
}

/**
 * The last permission of every L7 source: deny the rest. Without it a request that matches no permission
 * falls to the cluster's ACL default policy (allow without ACLs); with it the intentions mean the same whatever
 * that policy is.
 */
const DENY_REST = { action: 'deny', http: { pathPrefix: '/' } } as const;

/**
 * The ServiceIntentions of a service (destination = its Consul name), so that the decision never depends on the
 * cluster's ACL default policy:
 * - no `access`: `*` allow (no access control, also on a cluster whose ACL default is deny);
 * - with `access`: one source per caller (its Consul name) and `*` for `"*"` rules. A source named by rules
 *   without methods or paths is allowed at L4; otherwise it gets one permission per path of each rule (methods
 *   AND path), then a final deny. Consul picks the most specific source (an exact name beats `*`), so every
 *   named source also carries what `*` grants. Without a `*` rule, `*` is denied. `access: []` denies all.
 * - `ingressSource` (the API gateway's Consul service, when the service is exposed) gets every operation some
 *   rule grants, as the other meshes admit their ingress.
 */
export function buildIntentions(
  s: ResolvedService,
  ingressSource?: string,
): { object: K8sObject; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const name = consulName(s);
  let sources: Record<string, unknown>[];
  if (!s.access) sources = [{ name: ANY_SOURCE, action: 'allow' }];
  else {
    const grants = new Map<string, Grant[]>();
    const add = (source: string, g: Grant) => grants.set(source, [...(grants.get(source) ?? []), g]);
    const granting = s.access.filter((r) => r.from.length);
    for (const rule of granting)
      for (const c of rule.from) add(c.kind === 'any' ? ANY_SOURCE : c.serviceAccount, grantOf(rule));
    if (ingressSource !== undefined) for (const rule of granting) add(ingressSource, grantOf(rule));
    const wildcard = grants.get(ANY_SOURCE) ?? [];
    for (const [source, list] of grants)
      if (source !== ANY_SOURCE) grants.set(source, [...list, ...wildcard]);
    const l7 = [...grants.values()].some((list) => !list.includes('all'));
    if (l7 && !isL7(s)) {
      const rule = s.access.find((r) => r.methods.length || r.paths.length);
      diagnostics.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `Consul checks methods and paths only on HTTP, HTTP/2 and gRPC services; ${s.id} speaks tcp on its meshed port.`,
        hint: 'Give the service an http, http2 or grpc port (its first port is the one Consul meshes), or allow its callers without methods and paths.',
        location: s.origin(['access', rule?.index ?? 0]),
      });
    }
    sources = [...grants.keys()]
      .sort((a, b) => (a === ANY_SOURCE ? 1 : b === ANY_SOURCE ? -1 : a < b ? -1 : a > b ? 1 : 0))
      .map((source) => {
        const list = grants.get(source)!;
        if (list.includes('all')) return { name: source, action: 'allow' };
        const seen = new Set<string>();
        const perms = list
          .flatMap((g) => permissions(g as Exclude<Grant, 'all'>))
          .filter((p) => {
            const k = JSON.stringify(p);
            return seen.has(k) ? false : (seen.add(k), true);
          });
        return { name: source, permissions: [...perms, { ...DENY_REST, http: { ...DENY_REST.http } }] };
      });
    if (!grants.has(ANY_SOURCE)) sources.push({ name: ANY_SOURCE, action: 'deny' });
  }
  return {
    object: {
      apiVersion: CONSUL_API,
      kind: 'ServiceIntentions',
      metadata: objectMeta(name, s.namespace),
      spec: { destination: { name }, sources },
    },
    diagnostics,
  };
}
