/**
 * `readCluster`: the native objects of a live cluster and the meshes it runs, read-only, for `meshc import
 * --cluster` and `meshc drift --context`.
 *
 * 1. The kubeconfig and its context (client.ts).
 * 2. API discovery: `/api` and `/apis` for the groups the server serves (with the version it prefers), then
 *    `/api/v1` and `/apis/<group>/<version>` for the resource of each kind meshc reads (kinds.ts: the
 *    neutral groups, and those of the meshes asked for: each backend's `discovery`).
 * 3. Namespaces, Deployments and StatefulSets of the whole cluster: the control planes (discover.ts) and the
 *    namespaces with mesh injection, the default when no namespace is asked for.
 * 4. Every kind in every chosen namespace (cluster-scoped kinds once), in pages (`limit` + `continue`).
 * 5. When asked (`argoCd`, for `meshc drift` of an environment Argo CD deploys): Argo CD's `argocd-cm`, for how
 *    it marks what it applies (argocd.ts). A failure there is no diagnostic: the read goes on with Argo CD's
 *    defaults, and `ClusterRead.argoCd.note` says so.
 *
 * Every failure is a diagnostic with a code; a refused read (403) names the verb, the resource and the
 * namespace, and the read goes on so that one run lists every permission missing. Objects lose the fields
 * the server adds (server-fields.ts) before they are handed on.
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { MeshDiscovery } from '../../core/discovery.ts';
import { sortDiagnostics } from '../../core/diagnostic.ts';
import type { DiscoveredMesh, SourcedObject } from '../../core/import-types.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { stripServerFields } from '../server-fields.ts';
import type { KubeTarget, KubeconfigOptions } from './client.ts';
import { ClusterRequestError, getJson, loadKubeconfig } from './client.ts';
import { discoverMeshes, injectedNamespaces } from './discover.ts';
import { ARGOCD_CM, argoTrackingOf, argoTrackingUnread, type ArgoCdSettingsRead } from './argocd.ts';
import { liveGroups } from './kinds.ts';

export interface ReadClusterOptions extends KubeconfigOptions {
  /** The meshes to look for (each backend's `discovery`, from the registry): their groups are read too. */
  readonly discovery: readonly MeshDiscovery[];
  /** Read only these namespaces; default: every namespace with mesh injection enabled. */
  readonly namespaces?: readonly string[];
  /** Limit of each request, in milliseconds (default 30 000). */
  readonly timeoutMs?: number;
  /** Objects per page of a list (default 500, as kubectl). */
  readonly pageSize?: number;
  /** Read Argo CD's `argocd-cm` in this namespace too (`ClusterRead.argoCd`). */
  readonly argoCd?: { readonly namespace: string };
}

export interface ClusterRead {
  /** The objects read, server fields stripped, in the order read (kind, namespace, the server's order). */
  readonly objects: SourcedObject[];
  /** The meshes installed, each with its version and the evidence. */
  readonly meshes: DiscoveredMesh[];
  /** Every problem; an error means the read is incomplete and must not be used as the cluster's state. */
  readonly diagnostics: Diagnostic[];
  /** The context read (absent when the kubeconfig could not be used). */
  readonly context?: string;
  /** The namespaces read (asked for, or found with injection). */
  readonly namespaces: readonly string[];
  /** `group/Kind` (core: `Kind`) of every kind listed: what the objects can be compared on. */
  readonly kinds: readonly string[];
  /** Argo CD's tracking settings, when `argoCd` asked for them and the rest of the read succeeded. */
  readonly argoCd?: ArgoCdSettingsRead;
}

/** One kind as the server serves it. */
interface Resource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The plural resource name of the URL. */
  readonly name: string;
  readonly namespaced: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE = 500;
/** Requests in flight at once while listing: a few, so as not to crowd the API server's fairness queues. */
const CONCURRENCY = 4;

/** Runs `tasks`, at most `n` at a time; the results in task order. */
async function inPool<T>(tasks: readonly (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

export async function readCluster(options: ReadClusterOptions): Promise<ClusterRead> {
  const liveGroupList = liveGroups(options.discovery);
  const loaded = loadKubeconfig(options);
  if (!('kc' in loaded)) return { objects: [], meshes: [], diagnostics: [loaded], namespaces: [], kinds: [] };
  const reader = new Reader(
    loaded,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.pageSize ?? DEFAULT_PAGE,
  );
  const empty = (): ClusterRead => ({
    objects: [],
    meshes: [],
    diagnostics: reader.diagnostics,
    context: loaded.context,
    namespaces: [],
    kinds: [],
  });

  // 2. Discovery. The first request tells whether the server is there at all: stop on its failure.
  const core = await reader.get<{ versions?: string[] }>('/api', 'get', 'the API versions (/api)', true);
  if (core === undefined) return empty();
  const groups = await reader.get<{
    groups?: { name: string; preferredVersion?: { version: string }; versions?: { version: string }[] }[];
  }>('/apis', 'get', 'the API groups (/apis)', true);
  if (groups === undefined) return empty();
  // group → its versions, the preferred one first (a kind missing there may be served in another version,
  // as a mesh may serve some kinds of a group in an older version than the others).
  const served = new Map<string, string[]>();
  if (core.versions?.includes('v1')) served.set('', ['v1']);
  for (const g of groups.groups ?? []) {
    const preferred = g.preferredVersion?.version;
    const versions = [
      ...new Set([
        ...(preferred !== undefined ? [preferred] : []),
        ...(g.versions ?? []).map((v) => v.version),
      ]),
    ];
    if (versions.length > 0 && liveGroupList.some((l) => l.group === g.name)) served.set(g.name, versions);
  }
  const resources: Resource[] = [];
  for (const live of liveGroupList) {
    for (const version of served.get(live.group) ?? []) {
      const wanted = live.kinds.filter((k) => !resources.some((r) => r.group === live.group && r.kind === k));
      if (wanted.length === 0) break;
      const base = groupPath(live.group, version);
      const list = await reader.get<{
        resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
      }>(base, 'get', `the resources of ${live.group || 'the core group'} (${base})`);
      for (const r of list?.resources ?? [])
        if (!r.name.includes('/') && wanted.includes(r.kind) && (r.verbs ?? ['list']).includes('list'))
          resources.push({
            group: live.group,
            version,
            kind: r.kind,
            name: r.name,
            namespaced: r.namespaced,
          });
    }
  }
  if (reader.fatal) return empty();
  const resource = (group: string, kind: string) =>
    resources.find((r) => r.group === group && r.kind === kind);

  // 3. Namespaces and workloads of the whole cluster: injection and control planes. Without asked-for
  // namespaces they are needed (a refusal is an error); with them, only discovery misses them.
  const asked = options.namespaces !== undefined && options.namespaces.length > 0;
  const nsResource = resource('', 'Namespace');
  const allNamespaces = nsResource ? await reader.list(nsResource, undefined, !asked) : undefined;
  const workloadResources = ['Deployment', 'StatefulSet']
    .map((k) => resource('apps', k))
    .filter((r): r is Resource => r !== undefined);
  const clusterWorkloads: K8sObject[] = [];
  let workloadsListed = workloadResources.length > 0;
  for (const r of workloadResources) {
    const items = await reader.list(r, undefined, !asked);
    if (items === undefined) workloadsListed = false;
    else clusterWorkloads.push(...items);
  }
  if (reader.fatal) return empty();
  const discovered = discoverMeshes(
    options.discovery,
    new Map([...served].map(([g, versions]) => [g, versions[0]!])),
    clusterWorkloads,
    workloadsListed,
  );
  reader.diagnostics.push(...discovered.diagnostics);
  const namespaces = asked
    ? [...new Set(options.namespaces)].sort()
    : injectedNamespaces(options.discovery, allNamespaces ?? [], clusterWorkloads);

  // 4. Every kind, per namespace.
  const objects: SourcedObject[] = [];
  const add = (o: K8sObject) =>
    objects.push({
      object: stripServerFields(o),
      origin: `cluster ${loaded.context}: ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.kind}/${o.metadata.name}`,
    });
  // One task per kind and namespace, run a few at a time; their objects are added in task order.
  const tasks: (() => Promise<readonly K8sObject[] | undefined>)[] = [];
  for (const r of resources) {
    if (r.kind === 'Namespace') {
      if (allNamespaces !== undefined) {
        const chosen = new Set(namespaces);
        const found = allNamespaces.filter((ns) => chosen.has(ns.metadata.name));
        tasks.push(() => Promise.resolve(found));
      } else
        // The cluster-wide list was refused: each namespace on its own (a 404 is a namespace that is not there).
        for (const ns of namespaces)
          tasks.push(async () => {
            const o = await reader.get<K8sObject>(`/api/v1/namespaces/${ns}`, 'get', `namespaces ${ns}`);
            return o ? [{ ...o, apiVersion: 'v1', kind: 'Namespace' }] : [];
          });
      continue;
    }
    if (!r.namespaced) {
      tasks.push(() => reader.list(r, undefined, true));
      continue;
    }
    const listedWorkloads = workloadsListed && r.group === 'apps';
    for (const ns of namespaces)
      tasks.push(() =>
        listedWorkloads
          ? Promise.resolve(clusterWorkloads.filter((o) => o.kind === r.kind && o.metadata.namespace === ns))
          : reader.list(r, ns, true),
      );
  }
  for (const items of await inPool(tasks, CONCURRENCY)) for (const o of items ?? []) add(o);
  // 5. Argo CD's settings: one GET of the ConfigMap (RBAC can grant `get` on it alone, by resourceNames).
  const argoCd =
    options.argoCd && !reader.fatal ? await readArgoCd(reader, options.argoCd.namespace) : undefined;
  return {
    objects,
    meshes: discovered.meshes,
    // Requests ran side by side: their diagnostics in a stable order.
    diagnostics: sortDiagnostics(reader.diagnostics),
    context: loaded.context,
    namespaces,
    kinds: resources.map((r) => (r.group === '' ? r.kind : `${r.group}/${r.kind}`)),
    ...(argoCd ? { argoCd } : {}),
  };
}

/** argocd-cm of `namespace`, or why it could not be read; never a diagnostic. */
async function readArgoCd(reader: Reader, namespace: string): Promise<ArgoCdSettingsRead> {
  const answer = await reader.attempt(`/api/v1/namespaces/${namespace}/configmaps/${ARGOCD_CM}`);
  if ('error' in answer) {
    const e = answer.error;
    const why =
      e.reason === 'forbidden'
        ? `the API server refused to get it (403): ${e.message}`
        : e.reason === 'not-found'
          ? `there is no such ConfigMap (404)`
          : e.message;
    return argoTrackingUnread(namespace, why, e.reason === 'forbidden');
  }
  return argoTrackingOf(answer.body as K8sObject, namespace);
}

function groupPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Requests and the diagnostics of their failures. */
class Reader {
  readonly diagnostics: Diagnostic[] = [];
  /** A failure that makes every further request pointless (unreachable, timeout, 401). */
  fatal = false;

  private readonly target: KubeTarget;
  private readonly timeoutMs: number;
  private readonly pageSize: number;

  constructor(target: KubeTarget, timeoutMs: number, pageSize: number) {
    this.target = target;
    this.timeoutMs = timeoutMs;
    this.pageSize = pageSize;
  }

  /** GET `path`; undefined (and a diagnostic, unless `quiet` refusals) on failure. */
  async get<T>(
    apiPath: string,
    verb: string,
    what: string,
    required = false,
    query: Record<string, string> = {},
    quietRefusal = false,
  ): Promise<T | undefined> {
    if (this.fatal) return undefined;
    try {
      const body = await getJson(this.target, apiPath, query, this.timeoutMs);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new ClusterRequestError('bad-response', 'the body is not a JSON object');
      return body as T;
    } catch (e) {
      if (!(e instanceof ClusterRequestError)) throw e;
      if (quietRefusal && e.reason === 'forbidden') return undefined;
      // A group that disappeared between /apis and its document is not served after all.
      if (e.reason === 'not-found' && !required) return undefined;
      this.diagnostics.push(this.diagnostic(e, verb, what));
      if (['unreachable', 'timeout', 'unauthorized', 'config'].includes(e.reason) || required)
        this.fatal = true;
      return undefined;
    }
  }

  /** GET `path`: the body, or the failure, which is left to the caller (no diagnostic, nothing fatal). */
  async attempt(apiPath: string): Promise<{ body: object } | { error: ClusterRequestError }> {
    try {
      const body = await getJson(this.target, apiPath, {}, this.timeoutMs);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new ClusterRequestError('bad-response', 'the body is not a JSON object');
      return { body };
    } catch (e) {
      if (!(e instanceof ClusterRequestError)) throw e;
      return { error: e };
    }
  }

  /**
   * Every object of `r` (in `namespace`, or the whole cluster), page by page; items get the `apiVersion` and
   * `kind` the server leaves out of typed lists. `required` false: a refusal is no diagnostic (the caller
   * manages without).
   */
  async list(
    r: Resource,
    namespace: string | undefined,
    required: boolean,
  ): Promise<K8sObject[] | undefined> {
    const base = groupPath(r.group, r.version);
    const apiPath = `${base}${r.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : ''}/${r.name}`;
    const resourceName = r.group === '' ? r.name : `${r.name}.${r.group}`;
    const what = `${resourceName} ${r.namespaced ? (namespace !== undefined ? `in namespace ${namespace}` : 'in all namespaces') : '(cluster-scoped)'}`;
    const apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
    const out: K8sObject[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.get<{ items?: unknown[]; metadata?: { continue?: string } }>(
        apiPath,
        'list',
        what,
        false,
        { limit: String(this.pageSize), ...(token !== undefined ? { continue: token } : {}) },
        !required,
      );
      if (page === undefined) return undefined;
      if (!Array.isArray(page.items)) {
        this.diagnostics.push(
          this.diagnostic(new ClusterRequestError('bad-response', 'the answer is not a List'), 'list', what),
        );
        return undefined;
      }
      for (const item of page.items) {
        if (item === null || typeof item !== 'object') continue;
        const o = item as Partial<K8sObject>;
        if (typeof o.metadata?.name !== 'string') continue;
        out.push({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? r.kind } as K8sObject);
      }
      token = page.metadata?.continue || undefined;
      if (token !== undefined) {
        if (seen.has(token)) {
          this.diagnostics.push(
            this.diagnostic(
              new ClusterRequestError('bad-response', 'the server repeated a continue token'),
              'list',
              what,
            ),
          );
          return undefined;
        }
        seen.add(token);
      }
    } while (token !== undefined && !this.fatal);
    return this.fatal ? undefined : out;
  }

  private diagnostic(e: ClusterRequestError, verb: string, what: string): Diagnostic {
    const ctx = `context "${this.target.context}" (${this.target.server})`;
    switch (e.reason) {
      case 'forbidden':
        return {
          code: 'CLUSTER_FORBIDDEN',
          severity: 'error',
          message: `The API server of ${ctx} refused to ${verb} ${what} (403): ${e.message}.`,
          hint: `Grant the user of the context "${verb}" on ${what.split(' ')[0]} (for example a read-only ClusterRole), or read fewer namespaces with --namespace.`,
        };
      case 'unauthorized':
        return {
          code: 'CLUSTER_UNAUTHORIZED',
          severity: 'error',
          message: `The API server of ${ctx} refused the credentials (401) to ${verb} ${what}: ${e.message}.`,
          hint: 'Log in again (refresh the token or certificate of the context), then retry.',
        };
      case 'timeout':
        return {
          code: 'CLUSTER_TIMEOUT',
          severity: 'error',
          message: `The API server of ${ctx} gave no complete answer to ${verb} ${what}: ${e.message}.`,
          hint: 'Check the API server and the network, or allow more time with --timeout SECONDS.',
        };
      case 'unreachable':
        return {
          code: 'CLUSTER_UNREACHABLE',
          severity: 'error',
          message: `The API server of ${ctx} cannot be reached: ${e.message}.`,
          hint: 'Check the network path to the server (VPN, proxy), or `kubectl cluster-info --context NAME`.',
        };
      case 'config':
        return {
          code: 'CLUSTER_KUBECONFIG_INVALID',
          severity: 'error',
          message: `The credentials or TLS settings of ${ctx} cannot be used: ${e.message}.`,
          hint: 'Check the context with `kubectl config view --minify --context NAME`.',
        };
      default:
        return {
          code: 'CLUSTER_BAD_RESPONSE',
          severity: 'error',
          message: `The API server of ${ctx} gave no usable answer to ${verb} ${what}: ${e.message}.`,
          hint: 'Check that the server URL of the context is the Kubernetes API itself, then retry.',
        };
    }
  }
}
