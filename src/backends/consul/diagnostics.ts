import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import type { ServiceIndex } from './chain.ts';
import { VAULT_REQUIRED_VALUES, valueAt } from './charts.ts';
import { consulName } from './constants.ts';
import { knownCallers } from './services.ts';

/** The findings of each service (`checkService`, or results of it shared between environments), by index. */
export type ServiceChecks = (s: ResolvedService, i: number) => readonly Diagnostic[];

/**
 * Values Consul cannot take as they are (the capability table speaks per feature, these per value): Consul
 * service names that collide (Consul CE has one namespace), ports beyond the one Consul meshes, connection
 * limits Consul has no field for, resilience no known caller would apply, a tracing protocol the proxies do not
 * speak, and Vault values the chart fails without.
 */
export function checkEnvironment(env: ResolvedEnvironment, checks: ServiceChecks): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, ResolvedService>();
  for (const [i, s] of env.services.entries()) {
    const name = consulName(s);
    const first = byName.get(name);
    if (first)
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `${s.id} and ${first.id} would both be the Consul service "${name}" (a Consul service is named after its pods' service account, and Consul Community Edition has one namespace for all Kubernetes namespaces).`,
        hint: 'Give one of the services its own service account, or deploy them to different environments.',
        location: s.origin(['serviceAccount']),
      });
    else byName.set(name, s);
    out.push(...checks(s, i));
  }
  const tracing = env.mesh.observability.tracing;
  if (tracing && tracing.provider !== 'zipkin')
    out.push({
      code: 'MESH_UNSUPPORTED_FEATURE',
      severity: 'error',
      message: `Consul configures its proxies' tracer in ProxyDefaults Envoy bootstrap JSON, which meshc writes for Zipkin only; the ${tracing.provider} provider is not expressible.`,
      hint: 'Use `provider: zipkin` with a Zipkin-compatible collector endpoint (an OpenTelemetry Collector can receive Zipkin).',
      location: env.origin(['mesh', 'observability', 'tracing', 'provider']),
    });
  const trust = env.mesh.trust;
  if (trust?.type === 'vault' && env.mesh.install) {
    const missing = VAULT_REQUIRED_VALUES.filter((p) => valueAt(env.mesh.install!.values, p) === undefined);
    if (missing.length)
      out.push({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        message: `With Vault as its secrets backend, TLS and managed ACLs, the consul chart refuses to render without ${missing.map((p) => p.join('.')).join(', ')}.`,
        hint: 'Set them in mesh.install.values to the Vault paths and roles of your Vault setup (HashiCorp "Vault as the secrets backend" for Consul on Kubernetes); they are references, not secrets.',
        location: env.origin(['mesh', 'trust', 'vault']),
      });
  }
  return out;
}

/** The per-value findings of one service: a function of the service and what it reads of the index (its callers). */
export function checkService(s: ResolvedService, services: ServiceIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (s.ports.length > 1)
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `Consul meshes one port per service, the first (${s.ports[0]!.name}); the other ports of ${s.id} are not proxied.`,
      hint: 'Exclude the other ports from the sidecar on the pods (`consul.hashicorp.com/transparent-proxy-exclude-inbound-ports`), or split the service into one service per port.',
      location: s.origin(['ports', 1]),
    });
  const pool = s.resilience.connectionPool;
  if (pool?.maxRequestsPerConnection)
    out.push({
      code: 'MESH_UNSUPPORTED_FEATURE',
      severity: 'error',
      message: `Consul has no limit on requests per connection (${s.id}): upstream limits are maxConnections, maxPendingRequests and maxConcurrentRequests.`,
      hint: 'Remove maxRequestsPerConnection for this environment with an override (0, unlimited, is accepted).',
      location: s.origin(['resilience', 'connectionPool', 'maxRequestsPerConnection']),
    });
  const declared = (['outlierDetection', 'connectionPool'] as const).filter((k) => s.resilience[k]);
  if (declared.length && !knownCallers(s, services).length)
    out.push({
      code: 'MESH_APPROXIMATE_FEATURE',
      severity: 'warning',
      message: `Consul declares ${declared.join(' and ')} in each caller's ServiceDefaults, and ${s.id} names no caller in its access rules: no caller applies it.`,
      hint: 'List the services that call it in `access` (meshc then writes the policy into their ServiceDefaults), or remove the setting for this environment.',
      location: s.origin(['resilience', declared[0]!]),
    });
  return out;
}
