/**
 * The only place meshc talks to a Kubernetes API server, through `@kubernetes/client-node`: the kubeconfig
 * (files, context, credentials, TLS, exec plugins) is the library's; the requests are plain GETs that this
 * module builds, so the JSON comes back exactly as the server sent it (the library's typed clients would
 * re-shape it). There is no other verb: meshc never writes to a cluster.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import type { Diagnostic } from '../../core/diagnostic.ts';
import { readAtMost } from '../bounded-read.ts';

export interface KubeconfigOptions {
  /** `--kubeconfig`: one file. */
  readonly kubeconfig?: string;
  /** `--context`; default the kubeconfig's `current-context`. */
  readonly context?: string;
  /** The environment (`KUBECONFIG`, `HOME`); default the process environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A context ready to be read: the library's KubeConfig set to it, and names for messages. */
export interface KubeTarget {
  readonly kc: KubeConfig;
  readonly context: string;
  readonly server: string;
}

export type RequestFailure =
  'unreachable' | 'unauthorized' | 'forbidden' | 'not-found' | 'timeout' | 'bad-response' | 'config';

/** Why a request failed, as the diagnostics tell it. */
export class ClusterRequestError extends Error {
  override readonly name = 'ClusterRequestError';
  readonly reason: RequestFailure;
  readonly status: number | undefined;
  constructor(reason: RequestFailure, message: string, status?: number) {
    super(message);
    this.reason = reason;
    this.status = status;
  }
}

/** A kubeconfig larger than this is refused (real ones are kilobytes; a few megabytes with many clusters). */
export const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

/**
 * The kubeconfig as kubectl finds it: `--kubeconfig`, else the files of `KUBECONFIG` (merged, the first file
 * to name a cluster, user or context wins, as kubectl does), else `~/.kube/config`; then the context.
 */
export function loadKubeconfig(options: KubeconfigOptions): KubeTarget | Diagnostic {
  const env = options.env ?? process.env;
  let files: string[];
  if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig))
      return failure('CLUSTER_NO_KUBECONFIG', `The kubeconfig ${options.kubeconfig} does not exist.`);
    files = [options.kubeconfig];
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length === 0)
      return failure('CLUSTER_NO_KUBECONFIG', `No file of KUBECONFIG (${env.KUBECONFIG}) exists.`);
  } else {
    const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
    const file = path.join(home, '.kube', 'config');
    if (!existsSync(file))
      return failure(
        'CLUSTER_NO_KUBECONFIG',
        'No kubeconfig: --kubeconfig is not given, KUBECONFIG is not set and ~/.kube/config does not exist.',
      );
    files = [file];
  }

  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current: string | undefined;
  for (const file of files) {
    const one = new KubeConfig();
    try {
      // What the library's loadFromFile does, with the read bounded: a kubeconfig that is a device or an
      // endless pipe (`/dev/zero`) would otherwise be read without end.
      const bytes = readAtMost(file, MAX_KUBECONFIG_BYTES);
      if (bytes === undefined)
        return failure(
          'CLUSTER_KUBECONFIG_INVALID',
          `The kubeconfig ${file} is larger than ${MAX_KUBECONFIG_BYTES} bytes; it was not read.`,
        );
      one.loadFromString(bytes.toString('utf-8'));
      one.makePathsAbsolute(path.dirname(file));
    } catch (e) {
      return failure('CLUSTER_KUBECONFIG_INVALID', `The kubeconfig ${file} cannot be read: ${message(e)}.`);
    }
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (current === undefined && one.getCurrentContext()) current = one.getCurrentContext();
  }
  const names = [...contexts.keys()].sort();
  const wanted = options.context ?? current;
  if (wanted === undefined || !contexts.has(wanted))
    return failure(
      'CLUSTER_UNKNOWN_CONTEXT',
      wanted === undefined
        ? `The kubeconfig sets no current-context and --context is not given; its contexts: ${names.join(', ') || 'none'}.`
        : `The kubeconfig has no context "${wanted}"; its contexts: ${names.join(', ') || 'none'}.`,
    );
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: wanted,
  });
  const context = contexts.get(wanted)!;
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    return failure(
      'CLUSTER_KUBECONFIG_INVALID',
      `The context "${wanted}" names the cluster "${context.cluster}", which the kubeconfig does not define.`,
    );
  if (context.user && !users.has(context.user))
    return failure(
      'CLUSTER_KUBECONFIG_INVALID',
      `The context "${wanted}" names the user "${context.user}", which the kubeconfig does not define.`,
    );
  return { kc, context: wanted, server: cluster.server.replace(/\/+$/, '') };
}

/** GET one path of the API (`/api`, `/apis/<group>/<version>/…`) and parse its JSON; throws {@link ClusterRequestError}. */
export async function getJson(
  target: KubeTarget,
  apiPath: string,
  query: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<unknown> {
  const qs = new URLSearchParams(query).toString();
  const url = `${target.server}${apiPath}${qs ? `?${qs}` : ''}`;
  const ctx = new RequestContext(url, HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  ctx.setSignal(abort.signal);
  try {
    try {
      await target.kc.applySecurityAuthentication(ctx);
    } catch (e) {
      throw new ClusterRequestError('config', message(e));
    }
    let status: number;
    let text: string;
    try {
      const response = await new IsomorphicFetchHttpLibrary().send(ctx).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (e) {
      if (abort.signal.aborted)
        throw new ClusterRequestError('timeout', `no complete answer within ${seconds(timeoutMs)}`);
      throw new ClusterRequestError('unreachable', message(e));
    }
    if (status === 401) throw new ClusterRequestError('unauthorized', statusMessage(text), status);
    if (status === 403) throw new ClusterRequestError('forbidden', statusMessage(text), status);
    if (status === 404) throw new ClusterRequestError('not-found', statusMessage(text), status);
    if (status < 200 || status >= 300)
      throw new ClusterRequestError('bad-response', `HTTP ${status}: ${statusMessage(text)}`, status);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ClusterRequestError('bad-response', `HTTP ${status}, but the body is not JSON`, status);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The `message` of a Kubernetes `Status` body, else the start of the body. */
function statusMessage(text: string): string {
  try {
    const s = JSON.parse(text) as { message?: unknown };
    if (typeof s.message === 'string') return s.message;
  } catch {
    // not JSON: quoted below
  }
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > 120 ? `${t.slice(0, 120)}…` : t || 'no body';
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.$/, '');
}

function failure(code: Diagnostic['code'], msg: string): Diagnostic {
  const hints: Partial<Record<Diagnostic['code'], string>> = {
    CLUSTER_NO_KUBECONFIG: 'Pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config.',
    CLUSTER_UNKNOWN_CONTEXT: 'Pass --context with one of the contexts listed (kubectl config get-contexts).',
    CLUSTER_KUBECONFIG_INVALID: 'Check the file with `kubectl config view`.',
  };
  return { code, severity: 'error', message: msg, ...(hints[code] ? { hint: hints[code] } : {}) };
}
