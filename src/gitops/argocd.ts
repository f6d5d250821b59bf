/**
 * The Argo CD engine: in `clusters/<cluster>/`, one Helm Application per control-plane chart and one git
 * Application per overlay directory, ordered by sync waves. Argo CD has no install overlay.
 */
import { InternalError } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { ChartRelease, ClusterPrerequisite } from '../backends/types.ts';
import { ARGOCD_IN_CLUSTER as IN_CLUSTER } from '../model/environment.ts';
import type { GitOpsSettings, ResolvedEnvironment } from '../model/types.ts';
import type { GitOpsEngine, OverlayDirs } from './engine.ts';
import { CONFIG_DIR, PREREQUISITES_DIR, overlayPath, relativeTo, repoPath } from './layout.ts';

/** Where Argo CD's Applications live (the namespace of a default Argo CD install). */
export const ARGOCD_NAMESPACE = 'argocd';
export { IN_CLUSTER };
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const GENERATE_PATHS = 'argocd.argoproj.io/manifest-generate-paths';
/** Wave of the mesh-system config Application; application namespaces are at 0 (Argo CD's default). */
export const CONFIG_WAVE = -5;

/**
 * Sync wave per chart: the deepest dependency level gets -10, each level before it 10 lower
 * (a chain of three: -30, -20, -10). Charts that do not depend on each other may share a wave.
 */
export function chartWaves(charts: readonly ChartRelease[]): Map<string, number> {
  const byName = new Map(charts.map((c) => [c.name, c] as const));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    const c = byName.get(name);
    if (c === undefined) throw new InternalError(`charts: unknown dependency ${name}`);
    if (visiting.has(name)) throw new InternalError(`charts: dependency cycle through ${name}`);
    visiting.add(name);
    let d = 0;
    for (const dep of c.dependsOn) d = Math.max(d, depth(dep) + 1);
    visiting.delete(name);
    level.set(name, d);
    return d;
  };
  let max = 0;
  for (const c of charts) max = Math.max(max, depth(c.name));
  return new Map(charts.map((c) => [c.name, -10 * (max - (level.get(c.name) ?? 0) + 1)] as const));
}

function application(
  name: string,
  wave: number,
  annotations: Record<string, string>,
  spec: Record<string, unknown>,
): K8sObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      annotations: { ...annotations, [SYNC_WAVE]: String(wave) },
    },
    spec,
  };
}

const AUTOMATED = { prune: true, selfHeal: true };

/**
 * Per-resource sync options that keep a Namespace meshc emits: `Prune=false` when its Application stops
 * producing it, `Delete=false` when the Application itself is deleted (`argocd app delete` cascades by
 * default, and `Prune=false` alone does not stop that deletion).
 */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const ARGOCD_NO_PRUNE = 'Prune=false';
export const ARGOCD_NO_DELETE = 'Delete=false';

/**
 * A failed sync is retried without limit (a negative limit), backing off from 5s to 3m: on a fresh cluster a
 * chart or an overlay fails until what it needs exists (CRDs, the control plane, prerequisites), and with
 * the default limit an automated sync of that revision is then never tried again.
 */
export const SYNC_RETRY = { backoff: { duration: '5s', factor: 2, maxDuration: '3m' }, limit: -1 } as const;

/** `spec.destination` of an Application: the environment's cluster (by name) or the in-cluster server. */
function destination(gitops: GitOpsSettings, namespace: string): Record<string, string> {
  return 'name' in gitops.destination
    ? { name: gitops.destination.name, namespace }
    : { namespace, server: gitops.destination.server };
}

/**
 * `spec.ignoreDifferences` for the fields of a chart's objects that the cluster changes at run time (the
 * backend lists them): without it the Application flips to OutOfSync after every sync.
 */
function ignoreDifferences(c: ChartRelease): Record<string, unknown>[] {
  const byObject = new Map<string, { entry: Record<string, unknown>; pointers: string[] }>();
  for (const f of c.runtimeFields ?? []) {
    const key = [f.group, f.kind, f.namespace ?? '', f.name].join('/');
    let e = byObject.get(key);
    if (e === undefined) {
      const entry: Record<string, unknown> = { group: f.group, kind: f.kind, name: f.name };
      if (f.namespace !== undefined) entry.namespace = f.namespace;
      e = { entry, pointers: [] };
      byObject.set(key, e);
    }
    if (!e.pointers.includes(f.pointer)) e.pointers.push(f.pointer);
  }
  return [...byObject.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({ ...e.entry, jsonPointers: [...e.pointers].sort() }));
}

export interface ArgoOverlayDirs extends OverlayDirs {
  /** Base directory (relative to the output root) of each application namespace's overlay. */
  readonly bases: ReadonlyMap<string, string>;
}

/**
 * Argo CD Applications of an environment: one Helm Application per chart, one git Application per overlay
 * directory (mesh-system config, then each namespace), ordered by sync waves.
 */
export function argoClusterObjects(
  envName: string,
  gitops: GitOpsSettings,
  systemNamespace: string,
  charts: readonly ChartRelease[],
  dirs: ArgoOverlayDirs,
): K8sObject[] {
  const out: K8sObject[] = [];
  const waves = chartWaves(charts);
  for (const c of charts) {
    const helm: Record<string, unknown> = { releaseName: c.name };
    if (Object.keys(c.values).length > 0) helm.valuesObject = c.values;
    const ignore = ignoreDifferences(c);
    const spec: Record<string, unknown> = { destination: destination(gitops, c.namespace) };
    if (ignore.length > 0) spec.ignoreDifferences = ignore;
    spec.project = gitops.project;
    spec.source = { chart: c.chart, helm, repoURL: c.repoUrl, targetRevision: c.version };
    spec.syncPolicy = {
      automated: AUTOMATED,
      retry: SYNC_RETRY,
      // RespectIgnoreDifferences: a sync keeps the live value of an ignored field instead of resetting it.
      syncOptions: [
        'CreateNamespace=true',
        ...(ignore.length > 0 ? ['RespectIgnoreDifferences=true'] : []),
        'ServerSideApply=true',
      ],
    };
    out.push(application(`${envName}-${c.name}`, waves.get(c.name) ?? 0, {}, spec));
  }
  const gitApp = (
    name: string,
    dir: string,
    namespace: string,
    wave: number,
    extraPaths: readonly string[],
  ): K8sObject => {
    const path = overlayPath(envName, dir);
    // The overlay reads its base too: list it, or a commit that changes only the base would not refresh the app.
    const generatePaths = ['.', ...extraPaths.map((p) => relativeTo(path, p))].join(';');
    return application(
      name,
      wave,
      { [GENERATE_PATHS]: generatePaths },
      {
        destination: destination(gitops, namespace),
        project: gitops.project,
        source: { path: repoPath(gitops, path, false), repoURL: gitops.repo, targetRevision: gitops.branch },
        syncPolicy: { automated: AUTOMATED, retry: SYNC_RETRY },
      },
    );
  };
  if (dirs.install)
    throw new InternalError(
      'argoClusterObjects: Argo CD installs charts as Helm Applications, not an install overlay',
    );
  if (dirs.prerequisites) {
    // Before the first chart: the control plane reads these when it starts.
    const wave = Math.min(CONFIG_WAVE, ...waves.values()) - 10;
    out.push(gitApp(`${envName}-mesh-prerequisites`, PREREQUISITES_DIR, systemNamespace, wave, []));
  }
  if (dirs.config) out.push(gitApp(`${envName}-mesh-system`, CONFIG_DIR, systemNamespace, CONFIG_WAVE, []));
  for (const ns of dirs.namespaces) {
    const base = dirs.bases.get(ns);
    out.push(gitApp(`${envName}-${ns}`, ns, ns, 0, base === undefined ? [] : [base]));
  }
  return out;
}

/**
 * The `argocd.argoproj.io/sync-options` annotation with `Prune=false,Delete=false` appended to the sync
 * options it already carries (a `Prune=` or `Delete=` option of its own is replaced).
 */
export function argoKeepNamespace(annotations: Readonly<Record<string, string>>): Record<string, string> {
  const existing = (annotations[ARGOCD_SYNC_OPTIONS] ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '' && !x.startsWith('Prune=') && !x.startsWith('Delete='));
  return {
    ...annotations,
    [ARGOCD_SYNC_OPTIONS]: [...existing, ARGOCD_NO_PRUNE, ARGOCD_NO_DELETE].join(','),
  };
}

/** What Argo CD needs before the first sync: itself, the AppProject and the destination cluster when named. */
export function argoPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const g = env.gitops;
  const out: ClusterPrerequisite[] = [
    {
      what: `Argo CD in ${ARGOCD_NAMESPACE}, with a health check for argoproj.io/Application (sync waves of an app of apps)`,
      why: '`gitops.engine: argocd`',
    },
  ];
  if (g.project !== 'default') {
    // An AppProject allows no source repository and no cluster-scoped kind unless it lists them.
    const charts = env.mesh.install !== undefined || env.flagger !== undefined;
    const kinds = ['Namespace', ...(env.mesh.type === 'appmesh' ? ['appmesh.k8s.aws Mesh'] : [])].join(', ');
    out.push({
      what:
        `the Argo CD AppProject \`${g.project}\`, allowing in \`sourceRepos\` ${g.repo}${charts ? " and the charts' Helm repositories (each chart Application's `spec.source.repoURL`)" : ''},` +
        ' in `destinations` the cluster and the namespaces the Applications deploy to,' +
        ` and in \`clusterResourceWhitelist\` the cluster-scoped kinds meshc emits (${kinds})` +
        (charts
          ? ' and those of the charts (CustomResourceDefinition, ClusterRole, ClusterRoleBinding, MutatingWebhookConfiguration and ValidatingWebhookConfiguration among them: `helm template` lists them)'
          : ''),
      why: '`gitops.argocd.project`',
    });
  }
  if ('name' in g.destination)
    out.push({
      what: `the cluster \`${g.destination.name}\` registered in Argo CD (\`argocd cluster add\`)`,
      why: '`gitops.argocd.destination.name`',
    });
  return out;
}

export const ARGO_CD: GitOpsEngine & { readonly name: 'argocd' } = {
  name: 'argocd',
  keepNamespace: argoKeepNamespace,
  // Charts are Helm Applications in the cluster directory, not objects of an install overlay.
  installObjects: () => [],
  clusterObjects: (input) =>
    argoClusterObjects(input.env, input.gitops, input.systemNamespace, input.charts, {
      ...input.dirs,
      bases: input.bases,
    }),
  prerequisites: argoPrerequisites,
};
