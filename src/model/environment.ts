import type { EnvironmentSpec } from '../spec/types.gen.ts';
import { withSchemaDefaults } from '../schema/defaults.ts';
import { duration } from './normalize.ts';
import type {
  MeshSettings,
  GitOpsSettings,
  IngressTls,
  Observability,
  ResolvedEnvironment,
  Trust,
} from './types.ts';

/** The Environment spec as the schema guarantees it: the type generated from schemas/environment.schema.json. */
export type EnvironmentSpecData = EnvironmentSpec;

export { MESH_TYPES } from './mesh-types.ts';

/**
 * The application namespaces an environment deploys, sorted: those it names (its namespace filter applied)
 * and those of its services. Each gets a Namespace object and an overlay directory of its own.
 */
export function applicationNamespaces(env: ResolvedEnvironment): string[] {
  return [...new Set([...env.namespaces, ...env.services.map((s) => s.namespace)])].sort();
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

/**
 * An Environment spec with every default applied: the schema's `default`s (withSchemaDefaults), then the one
 * that depends on the mesh (the ingress namespace, from its backend). The one place environment defaults are
 * applied; the mesh and GitOps settings are read from it.
 */
export function applyEnvironmentDefaults(
  spec: EnvironmentSpecData,
  meshDefaults: MeshDefaults,
): EnvironmentSpecData {
  const s = withSchemaDefaults('Environment', spec);
  const ingress = s.mesh.ingress;
  return ingress
    ? {
        ...s,
        mesh: {
          ...s.mesh,
          ingress: { ...ingress, namespace: ingress.namespace ?? meshDefaults.ingressNamespace },
        },
      }
    : s;
}

/** A value the schema (or applyEnvironmentDefaults) gives a default: absent here is a bug of meshc. */
function defaulted<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} has no default applied`);
  return value;
}

/** Mesh settings, from an Environment spec with its defaults applied (applyEnvironmentDefaults). */
export function resolveMesh(spec: EnvironmentSpecData): MeshSettings {
  const m = spec.mesh;
  const obs = defaulted(m.observability, 'mesh.observability');
  let trust: Trust | undefined;
  if (m.trust?.certManager)
    trust = {
      type: 'cert-manager',
      issuer: m.trust.certManager.issuer,
      kind: defaulted(m.trust.certManager.kind, 'trust.certManager.kind'),
    };
  else if (m.trust?.existingSecret) trust = { type: 'existing-secret', name: m.trust.existingSecret.name };
  else if (m.trust?.builtIn) trust = { type: 'built-in' };
  else if (m.trust?.vault) {
    const v = m.trust.vault;
    trust = {
      type: 'vault',
      address: v.address,
      rootPKIPath: v.rootPKIPath,
      intermediatePKIPath: v.intermediatePKIPath,
      authMethodPath: defaulted(v.authMethodPath, 'trust.vault.authMethodPath'),
      serverRole: v.serverRole,
      ...(v.caSecret ? { caSecret: { name: v.caSecret.name, key: v.caSecret.key } } : {}),
    };
  } else if (m.trust?.sds) trust = { type: 'sds' };
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
    tls = {
      type: 'cert-manager',
      issuer: t.certManager.issuer,
      kind: defaulted(t.certManager.kind, 'ingress.tls.certManager.kind'),
    };
  else if (t?.secretName) tls = { type: 'secret', secretName: t.secretName };
  let tracing: Observability['tracing'];
  if (obs.tracing) {
    const i = obs.tracing.endpoint.lastIndexOf(':');
    tracing = {
      provider: obs.tracing.provider,
      host: obs.tracing.endpoint.slice(0, i),
      port: Number(obs.tracing.endpoint.slice(i + 1)),
      sampling: defaulted(obs.tracing.sampling, 'tracing.sampling'),
    };
  }
  return {
    type: m.type,
    version: m.version,
    mtls: defaulted(m.mtls, 'mesh.mtls'),
    ...(m.install
      ? {
          install: {
            chartVersion: m.install.chartVersion,
            values: defaulted(m.install.values, 'install.values'),
          },
        }
      : {}),
    ...(trust ? { trust } : {}),
    trustDomain: defaulted(m.trustDomain, 'mesh.trustDomain'),
    ...(m.ingress
      ? {
          ingress: {
            className: m.ingress.className,
            api: defaulted(m.ingress.api, 'ingress.api'),
            namespace: defaulted(m.ingress.namespace, 'ingress.namespace'),
            ...(tls ? { tls } : {}),
          },
        }
      : {}),
    observability: {
      metrics: defaulted(obs.metrics, 'observability.metrics'),
      dashboards: defaulted(obs.dashboards, 'observability.dashboards'),
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
    branch: defaulted(g.branch, 'gitops.branch'),
    path: raw.replace(/^\.\//, '').replace(/\/+$/, '').replace(/^\.$/, ''),
    ...(g.interval ? { interval: duration(g.interval) } : {}),
    ...(g.secretRef ? { secretRef: g.secretRef } : {}),
    project: g.argocd ? defaulted(g.argocd.project, 'gitops.argocd.project') : 'default',
    destination: g.argocd?.destination ? { name: g.argocd.destination.name } : { server: ARGOCD_IN_CLUSTER },
  };
}

/** The resolved Environment spec object, as policies see it: defaults applied, `gitops.path` resolved. */
export function environmentPolicyView(
  spec: EnvironmentSpecData,
  gitops: GitOpsSettings,
): Record<string, unknown> {
  return { ...spec, gitops: { ...spec.gitops, path: spec.gitops.path ?? gitops.path } };
}
