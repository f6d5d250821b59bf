import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService, StringMatch } from '../../model/types.ts';
import { buildIngressGateway, buildIngressHttpRoute } from '../shared/gateway-api.ts';
import { planIngress } from '../shared/ingress.ts';
import type { IngressOutput } from '../shared/ingress.ts';
import { ISTIO_SYSTEM } from './constants.ts';
import { buildIngressVirtualService, buildNativeGateway } from './gateway.ts';

export type { IngressOutput };

/**
 * Ingress for every service with `ingress`: Gateway API (Gateway + HTTPRoutes) or Istio-native (Gateway +
 * VirtualServices), per `mesh.ingress.api`. Without `mesh.ingress`, each exposed service is an error.
 */
export function buildIngress(env: ResolvedEnvironment): IngressOutput {
  const { out, plan } = planIngress(env, ISTIO_SYSTEM);
  if (!plan) return out;
  const native = plan.settings.api === 'native';
  out.system.push(
    native
      ? buildNativeGateway(plan.ref, plan.exposed)
      : buildIngressGateway(plan.ref, plan.settings.className),
  );
  for (const s of plan.exposed) {
    const route = native ? buildIngressVirtualService(s, plan.ref) : buildIngressHttpRoute(s, plan.ref);
    if (route) out.routes.set(s.id, route);
  }
  if (native) out.diagnostics.push(...nativeIngressShadowing(plan.exposed));
  return out;
}

/**
 * With the native API each exposed service has a VirtualService of its own on the gateway, and istiod joins the
 * routes of the VirtualServices of one host in the order it lists the objects, which nothing fixes
 * (`pilot/pkg/networking/core/gateway.go`, `vHost.Routes = append(...)`; istio.io: the order is undefined),
 * moving only catch-all routes (`/`) last (`SortVHostRoutes`). Envoy takes the first route that matches, so a prefix of one service can take the
 * requests of a longer path of another service on the same host, which Gateway API (and meshc's meaning)
 * gives to the longer path. A warning at each such longer path, naming the prefix that may take it. Regular
 * expressions are not compared.
 */
export function nativeIngressShadowing(exposed: readonly ResolvedService[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const hostsOf = (s: ResolvedService) => new Set((s.ingress?.hosts ?? []).map((h) => h.toLowerCase()));
  for (const s of exposed) {
    const mine = hostsOf(s);
    (s.ingress?.paths ?? []).forEach((path, k) => {
      for (const other of exposed) {
        if (other.id === s.id) continue;
        const shared = [...hostsOf(other)].filter((h) => mine.has(h)).sort();
        if (!shared.length) continue;
        const wider = other.ingress?.paths.find((p) => shadows(p, path));
        if (!wider) continue;
        out.push({
          code: 'MESH_APPROXIMATE_FEATURE',
          severity: 'warning',
          message: `With the native ingress API, Istio joins the routes of the services of one host in no fixed order: the ${wider.type} ${wider.value} of ${other.id} may take the requests for the ${path.type} ${path.value} of ${s.id} on ${shared.join(', ')} (Gateway API gives them to the more specific path).`,
          hint: 'Use mesh.ingress.api: gateway-api, where the longest path wins, or give the services paths that do not overlap (or different hosts).',
          location: s.origin(['ingress', 'paths', k]),
        });
        break;
      }
    });
  }
  return out;
}

/**
 * Whether the segment-wise prefix `wider` matches requests of the more specific path `path` as an Istio route
 * that is not a catch-all (`/` is moved last by istiod): a longer prefix below it, or an exact path it covers
 * (including its own path: the prefix is emitted as `exact` + `prefix` with a trailing slash).
 */
function shadows(wider: StringMatch, path: StringMatch): boolean {
  if (wider.type !== 'prefix' || wider.value === '/' || path.type === 'regex') return false;
  const base = wider.value.endsWith('/') ? wider.value.slice(0, -1) : wider.value;
  const under = path.value.startsWith(`${base}/`);
  if (path.type === 'exact') return under || (path.value === base && !wider.value.endsWith('/'));
  const own = path.value.endsWith('/') ? path.value.slice(0, -1) : path.value;
  return under && own !== base;
}
