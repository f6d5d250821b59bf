import type { EnvironmentSpec } from '../spec/types.gen.ts';
import type { MeshSettings, GitOpsSettings, Observability, Trust } from './types.ts';

/** The Environment spec as the schema guarantees it: the type generated from schemas/environment.schema.json. */
export type EnvironmentSpecData = EnvironmentSpec;

export function defaultIngressNamespace(mesh: string): string {
  return mesh === 'istio' ? 'istio-ingress' : 'ingress';
}

/** Mesh settings with every default of SPEC.md applied. */
export function resolveMesh(spec: EnvironmentSpecData): MeshSettings {
  const m = spec.mesh;
  const obs = m.observability ?? {};
  let trust: Trust | undefined;
  if (m.trust?.certManager)
    trust = {
      type: 'cert-manager',
      issuer: m.trust.certManager.issuer,
      kind: m.trust.certManager.kind ?? 'ClusterIssuer',
    };
  else if (m.trust?.existingSecret) trust = { type: 'existing-secret', name: m.trust.existingSecret.name };
  let tracing: Observability['tracing'];
  if (obs.tracing) {
    const i = obs.tracing.endpoint.lastIndexOf(':');
    tracing = {
      provider: obs.tracing.provider,
      host: obs.tracing.endpoint.slice(0, i),
      port: Number(obs.tracing.endpoint.slice(i + 1)),
      sampling: obs.tracing.sampling ?? 1,
    };
  }
  return {
    type: m.type,
    version: m.version,
    mtls: m.mtls ?? 'permissive',
    ...(m.install
      ? { install: { chartVersion: m.install.chartVersion, values: m.install.values ?? {} } }
      : {}),
    ...(trust ? { trust } : {}),
    ...(m.ingress
      ? {
          ingress: {
            className: m.ingress.className,
            api: m.ingress.api ?? 'gateway-api',
            namespace: m.ingress.namespace ?? defaultIngressNamespace(m.type),
          },
        }
      : {}),
    observability: {
      metrics: obs.metrics ?? 'none',
      dashboards: obs.dashboards ?? false,
      ...(tracing ? { tracing } : {}),
    },
  };
}

export function resolveGitOps(spec: EnvironmentSpecData, projectOutput: string): GitOpsSettings {
  const raw = spec.gitops.path ?? projectOutput;
  return {
    engine: spec.gitops.engine,
    repo: spec.gitops.repo,
    branch: spec.gitops.branch ?? 'main',
    path: raw.replace(/^\.\//, '').replace(/\/+$/, '').replace(/^\.$/, ''),
  };
}

/** The resolved Environment spec object, as policies see it. */
export function environmentSpecWithDefaults(
  spec: EnvironmentSpecData,
  projectOutput: string,
): Record<string, unknown> {
  const m = spec.mesh;
  return {
    ...spec,
    mesh: {
      ...m,
      mtls: m.mtls ?? 'permissive',
      ...(m.ingress
        ? {
            ingress: {
              ...m.ingress,
              api: m.ingress.api ?? 'gateway-api',
              namespace: m.ingress.namespace ?? defaultIngressNamespace(m.type),
            },
          }
        : {}),
      ...(m.trust?.certManager
        ? { trust: { certManager: { kind: 'ClusterIssuer', ...m.trust.certManager } } }
        : {}),
      observability: {
        metrics: 'none',
        dashboards: false,
        ...(m.observability ?? {}),
        ...(m.observability?.tracing ? { tracing: { sampling: 1, ...m.observability.tracing } } : {}),
      },
    },
    gitops: { branch: 'main', path: projectOutput, ...spec.gitops },
  };
}
