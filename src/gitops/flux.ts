/**
 * The Flux engine: a GitRepository and one Kustomization per overlay directory in `clusters/<cluster>/`,
 * the control-plane charts as HelmRepository / HelmRelease objects in `mesh-system/install/`.
 */
import { InternalError } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { ChartRelease, ClusterPrerequisite } from '../backends/types.ts';
import type { GitOpsSettings, ResolvedEnvironment } from '../model/types.ts';
import type { GitOpsEngine, OverlayDirs } from './engine.ts';
import { CONFIG_DIR, INSTALL_DIR, PREREQUISITES_DIR, overlayPath, repoPath } from './layout.ts';

/** Where Flux's own objects live (the namespace `flux bootstrap` creates). */
export const FLUX_NAMESPACE = 'flux-system';

export const HELM_REPOSITORY_INTERVAL = '1h';
export const HELM_RELEASE_INTERVAL = '10m';
export const GIT_REPOSITORY_INTERVAL = '1m';
export const KUSTOMIZATION_INTERVAL = '10m';
export const KUSTOMIZATION_TIMEOUT = '5m';
/**
 * How soon a Kustomization that waits (`wait: true`) retries a failed reconciliation or health check: without
 * it kustomize-controller retries only after `interval`, and a fresh cluster converges one interval per step.
 */
export const KUSTOMIZATION_RETRY_INTERVAL = '1m';
/** helm-controller's default `HelmRelease.spec.timeout`: how long one release's install may take. */
export const HELM_RELEASE_TIMEOUT_MINUTES = 5;

/**
 * The longest `dependsOn` chain of the charts, in releases (base → istiod → gateway: 3). helm-controller
 * installs a release only once the releases it depends on are ready, so the install Kustomization's health
 * check waits for the whole chain. Throws InternalError on an unknown dependency or a cycle.
 */
export function chartChainLength(charts: readonly ChartRelease[]): number {
  const byName = new Map(charts.map((c) => [c.name, c] as const));
  const length = new Map<string, number>();
  const visiting = new Set<string>();
  const of = (name: string): number => {
    const known = length.get(name);
    if (known !== undefined) return known;
    const c = byName.get(name);
    if (c === undefined) throw new InternalError(`charts: unknown dependency ${name}`);
    if (visiting.has(name)) throw new InternalError(`charts: dependency cycle through ${name}`);
    visiting.add(name);
    let n = 1;
    for (const d of c.dependsOn) n = Math.max(n, of(d) + 1);
    visiting.delete(name);
    length.set(name, n);
    return n;
  };
  return charts.reduce((max, c) => Math.max(max, of(c.name)), 0);
}

/** The install Kustomization's timeout: helm-controller's 5m per release of the longest chain, at least 5m. */
export function installTimeout(charts: readonly ChartRelease[]): string {
  return `${HELM_RELEASE_TIMEOUT_MINUTES * Math.max(1, chartChainLength(charts))}m`;
}
/**
 * A failed first install is uninstalled and retried without limit (a negative count, helm-controller v2):
 * on a fresh cluster a chart often fails until its prerequisites exist, and with a finite count the
 * HelmRelease stalls (`RetriesExceeded`) until someone edits it.
 */
export const INSTALL_RETRIES = -1;
/** A failed upgrade is retried this often, then rolled back to the last release that worked. */
export const UPGRADE_RETRIES = 3;

/**
 * kustomize-controller skips garbage collection of objects carrying this annotation (or label): a
 * Namespace meshc emits stays when its Kustomization stops producing it, or is deleted.
 */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
export const FLUX_PRUNE_DISABLED = 'disabled';

export const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/**
 * A post-renderer that annotates every CRD of the release with `helm.sh/resource-policy: keep`, so that
 * Helm leaves the CRDs (and the custom resources) when the release is uninstalled. A strategic merge patch
 * with a target: kustomize needs the patch's `metadata.name`, and ignores it.
 */
export const KEEP_CRDS_POST_RENDERER = {
  kustomize: {
    patches: [
      {
        patch: [
          'apiVersion: apiextensions.k8s.io/v1',
          'kind: CustomResourceDefinition',
          'metadata:',
          '  name: any',
          '  annotations:',
          `    ${HELM_RESOURCE_POLICY}: keep`,
          '',
        ].join('\n'),
        target: { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      },
    ],
  },
} as const;

/**
 * The control-plane install as Flux objects: one HelmRepository per distinct repository and one
 * HelmRelease per chart, `dependsOn` following the chart order. Throws InternalError when the backend's
 * chart list is inconsistent (a dependency that is not listed earlier, or one repo name with two URLs).
 */
export function fluxInstallObjects(charts: readonly ChartRelease[]): K8sObject[] {
  // A chart's `runtimeFields` need nothing here: helm-controller's drift detection is off unless a
  // HelmRelease enables it, so a field the cluster changes after install never counts as drift.
  const repos = new Map<string, string>();
  const seen = new Set<string>();
  const out: K8sObject[] = [];
  for (const c of charts) {
    const url = repos.get(c.repoName);
    if (url !== undefined && url !== c.repoUrl) {
      throw new InternalError(`charts: repository ${c.repoName} has two URLs (${url}, ${c.repoUrl})`);
    }
    repos.set(c.repoName, c.repoUrl);
    for (const d of c.dependsOn) {
      if (!seen.has(d))
        throw new InternalError(`charts: ${c.name} depends on ${d}, which is not installed before it`);
    }
    if (seen.has(c.name)) throw new InternalError(`charts: release ${c.name} is listed twice`);
    seen.add(c.name);
    const spec: Record<string, unknown> = {
      chart: {
        spec: {
          chart: c.chart,
          version: c.version,
          sourceRef: { kind: 'HelmRepository', name: c.repoName, namespace: FLUX_NAMESPACE },
        },
      },
    };
    if (c.dependsOn.length > 0) spec.dependsOn = [...c.dependsOn].sort().map((name) => ({ name }));
    spec.install = {
      createNamespace: true,
      crds: 'CreateReplace',
      remediation: { retries: INSTALL_RETRIES },
    };
    spec.interval = HELM_RELEASE_INTERVAL;
    // A chart whose CRDs are templates without the keep annotation (ChartRelease.templatedCrds): uninstalling
    // the release (the HelmRelease removed, or its Kustomization deleted) would delete every custom resource.
    if (c.templatedCrds) spec.postRenderers = [KEEP_CRDS_POST_RENDERER];
    spec.releaseName = c.name;
    spec.targetNamespace = c.namespace;
    spec.upgrade = {
      crds: 'CreateReplace',
      remediation: { remediateLastFailure: true, retries: UPGRADE_RETRIES },
    };
    if (Object.keys(c.values).length > 0) spec.values = c.values;
    out.push({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: c.name, namespace: FLUX_NAMESPACE },
      spec,
    });
  }
  for (const [name, url] of repos) {
    const spec: Record<string, unknown> = { interval: HELM_REPOSITORY_INTERVAL };
    if (url.startsWith('oci://')) spec.type = 'oci';
    spec.url = url;
    out.push({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name, namespace: FLUX_NAMESPACE },
      spec,
    });
  }
  return out;
}

/**
 * The GitRepository and one Flux Kustomization per overlay directory of an environment. `charts` are the
 * releases of the environment's install directory (its timeout covers their chain).
 */
export function fluxClusterObjects(
  envName: string,
  gitops: GitOpsSettings,
  dirs: OverlayDirs,
  charts: readonly ChartRelease[] = [],
): K8sObject[] {
  if (!dirs.prerequisites && !dirs.install && !dirs.config && dirs.namespaces.length === 0) return [];
  const source = `meshc-${envName}`;
  const repoSpec: Record<string, unknown> = {
    interval: gitops.interval?.text ?? GIT_REPOSITORY_INTERVAL,
    ref: { branch: gitops.branch },
  };
  // Private repositories (ssh:// above all) need credentials: a Secret the user creates in flux-system.
  if (gitops.secretRef !== undefined) repoSpec.secretRef = { name: gitops.secretRef };
  repoSpec.url = gitops.repo;
  const out: K8sObject[] = [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: source, namespace: FLUX_NAMESPACE },
      spec: repoSpec,
    },
  ];
  const ks = (
    name: string,
    dir: string,
    dependsOn: string | undefined,
    wait: boolean,
    timeout = KUSTOMIZATION_TIMEOUT,
  ): K8sObject => {
    const spec: Record<string, unknown> = {};
    if (dependsOn !== undefined) spec.dependsOn = [{ name: dependsOn }];
    spec.interval = gitops.interval?.text ?? KUSTOMIZATION_INTERVAL;
    spec.path = repoPath(gitops, overlayPath(envName, dir), true);
    spec.prune = true;
    // A health check that fails (a chart still installing, a CRD not yet there) is retried soon.
    if (wait) spec.retryInterval = KUSTOMIZATION_RETRY_INTERVAL;
    spec.sourceRef = { kind: 'GitRepository', name: source };
    spec.timeout = timeout;
    if (wait) spec.wait = true;
    return {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: FLUX_NAMESPACE },
      spec,
    };
  };
  const prereqName = `${envName}-mesh-prerequisites`;
  const installName = `${envName}-mesh-install`;
  const systemName = `${envName}-mesh-system`;
  const prereqDep = dirs.prerequisites ? prereqName : undefined;
  if (dirs.prerequisites) out.push(ks(prereqName, PREREQUISITES_DIR, undefined, true));
  if (dirs.install) out.push(ks(installName, INSTALL_DIR, prereqDep, true, installTimeout(charts)));
  if (dirs.config) out.push(ks(systemName, CONFIG_DIR, dirs.install ? installName : prereqDep, true));
  const owner = dirs.meshOwner;
  const nsDep = owner
    ? owner.config
      ? `${owner.env}-mesh-system`
      : owner.install
        ? `${owner.env}-mesh-install`
        : undefined
    : dirs.config
      ? systemName
      : dirs.install
        ? installName
        : prereqDep;
  for (const ns of dirs.namespaces) out.push(ks(`${envName}-${ns}`, ns, nsDep, false));
  return out;
}

/** What Flux needs before the first sync: its controllers, and the repository credentials when named. */
export function fluxPrerequisites(env: ResolvedEnvironment): ClusterPrerequisite[] {
  const g = env.gitops;
  const out: ClusterPrerequisite[] = [
    {
      what: `Flux (source-, kustomize- and helm-controller) in ${FLUX_NAMESPACE}`,
      why: '`gitops.engine: flux`',
    },
  ];
  if (g.secretRef !== undefined)
    out.push({
      what: `Secret \`${g.secretRef}\` in ${FLUX_NAMESPACE} with the credentials of ${g.repo}`,
      why: '`gitops.secretRef`',
    });
  return out;
}

export const FLUX: GitOpsEngine & { readonly name: 'flux' } = {
  name: 'flux',
  keepNamespace: (annotations) => ({ ...annotations, [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED }),
  installObjects: (charts) => (charts.length > 0 ? fluxInstallObjects(charts) : []),
  clusterObjects: (input) => fluxClusterObjects(input.env, input.gitops, input.dirs, input.charts),
  prerequisites: fluxPrerequisites,
};
