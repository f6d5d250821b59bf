import type { EnvironmentSpec } from '../spec/types.gen.ts';
import { kindSchema } from '../schema/kinds.ts';
import type { MeshSettings, MeshType, GitOpsSettings, IngressTls, Observability, Trust } from './types.ts';

/** The Environment spec as the schema guarantees it: the type generated from schemas/environment.schema.json. */
export type EnvironmentSpecData = EnvironmentSpec;

export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** Every mesh the spec language names, rendered or not: the `mesh.type` enum of the Environment schema. */
export const MESH_TYPES: readonly MeshType[] = meshTypesOfSchema();

function meshTypesOfSchema(): MeshType[] {
  const defs = kindSchema('Environment').$defs as { Mesh: { properties: { type: { enum: MeshType[] } } } };
  return [...defs.Mesh.properties.type.enum];
}

/** The ingress namespace of a mesh whose backend does not name its own (`Backend.ingressNamespace`). */
export const DEFAULT_INGRESS_NAMESPACE = 'ingress';

/**
 * The defaults that depend on the environment's mesh, given by its backend (the plan stage looks them up in
 * the backend registry, so that this stage knows no mesh by name).
 */
export interface MeshDefaults {
  /** Namespace of the ingress gateway objects when `mesh.ingress.namespace` is absent. */
  readonly ingressNamespace: string;
}

/** Mesh settings with every default of SPEC.md applied. */
export function resolveMesh(spec: EnvironmentSpecData, meshDefaults: MeshDefaults): MeshSettings {
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
  else if (m.trust?.sds) trust = { type: 'sds' };
  else if (m.trust?.file) trust = { type: 'file', ...m.trust.file };
  else if (m.trust?.acm)
    trust = {
      type: 'acm',
      certificateArn: m.trust.acm.certificateArn,
      certificateAuthorityArns: [...m.trust.acm.certificateAuthorityArns],
    };
  let tls: IngressTls | undefined;
  const t = m.ingress?.tls;
  if (t?.certManager)
    tls = { type: 'cert-manager', issuer: t.certManager.issuer, kind: t.certManager.kind ?? 'ClusterIssuer' };
  else if (t?.secretName) tls = { type: 'secret', secretName: t.secretName };
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
    trustDomain: m.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    ...(m.ingress
      ? {
          ingress: {
            className: m.ingress.className,
            api: m.ingress.api ?? 'gateway-api',
            namespace: m.ingress.namespace ?? meshDefaults.ingressNamespace,
            ...(tls ? { tls } : {}),
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

/** The in-cluster API server: Argo CD's default destination. */
export const ARGOCD_IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * GitOps settings. `outputRepoPath` is where the output directory lies relative to the root of the git
 * work tree (found by the load stage, or following `-o`); `gitops.path` overrides it; without either, the
 * Project's `output` (the spec directory is taken to be the repository root).
 */
export function resolveGitOps(
  spec: EnvironmentSpecData,
  projectOutput: string,
  outputRepoPath?: string,
): GitOpsSettings {
  const g = spec.gitops;
  const raw = g.path ?? outputRepoPath ?? projectOutput;
  return {
    engine: g.engine,
    repo: g.repo,
    branch: g.branch ?? 'main',
    path: raw.replace(/^\.\//, '').replace(/\/+$/, '').replace(/^\.$/, ''),
    ...(g.interval ? { interval: g.interval } : {}),
    ...(g.secretRef ? { secretRef: g.secretRef } : {}),
    project: g.argocd?.project ?? 'default',
    destination: g.argocd?.destination ? { name: g.argocd.destination.name } : { server: ARGOCD_IN_CLUSTER },
  };
}

/** The resolved Environment spec object, as policies see it. */
export function environmentSpecWithDefaults(
  spec: EnvironmentSpecData,
  meshDefaults: MeshDefaults,
  projectOutput: string,
  outputRepoPath?: string,
): Record<string, unknown> {
  const m = spec.mesh;
  return {
    ...spec,
    mesh: {
      ...m,
      mtls: m.mtls ?? 'permissive',
      trustDomain: m.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      ...(m.ingress
        ? {
            ingress: {
              ...m.ingress,
              api: m.ingress.api ?? 'gateway-api',
              namespace: m.ingress.namespace ?? meshDefaults.ingressNamespace,
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
    gitops: { branch: 'main', path: outputRepoPath ?? projectOutput, ...spec.gitops },
  };
}
