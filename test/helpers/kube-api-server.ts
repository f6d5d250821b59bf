/**
 * A stand-in for a Kubernetes API server, for the tests of the cluster reads: no API server can run on the
 * test machines. A `node:http` server on 127.0.0.1 (a random port) answers GETs from recorded responses
 * under `fixtures/cluster/<scenario>/`, laid out by URL path (`/apis/apps/v1` → `apis/apps/v1.json`), with
 * `fixtures/cluster/common/` for the discovery documents all scenarios share. What it does as a real server
 * does:
 * - a namespaced list (`…/namespaces/<ns>/<resource>`) is the cluster-wide list's items of that namespace;
 *   a resource the discovery documents serve with no recorded list answers an empty List;
 * - `limit` pages a list: `metadata.continue` (an opaque token) and `remainingItemCount`; a token the server
 *   did not give is a 400, as the API server answers a malformed one;
 * - a request without the kubeconfig's bearer token is a 401, a path in the scenario's `forbidden` list a 403
 *   (RBAC's `Status` text), an unknown path a 404 `Status`, any verb but GET a 405;
 * - `delayMs` in `scenario.json` holds every answer back (the slow server of the timeout tests).
 *
 * `start()` also writes a real kubeconfig file pointing at the server, which `@kubernetes/client-node` reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { repoRoot } from './shared.ts';

const FIXTURES = path.join(repoRoot, 'fixtures', 'cluster');

interface Scenario {
  /** Another scenario whose recorded responses this one serves (its own files first). */
  readonly base?: string;
  /** Paths (without query) answered 403. */
  readonly forbidden?: readonly string[];
  /** Every answer waits this long. */
  readonly delayMs?: number;
}

export interface KubeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** A kubeconfig file (in a temporary directory) whose context `context` points at the server. */
  readonly kubeconfig: string;
  readonly context: string;
  /** Every request: method and URL (path and query), in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** Overrides of the scenario's own `scenario.json`. */
  readonly forbidden?: readonly string[];
  readonly delayMs?: number;
  /** The bearer token the kubeconfig carries (default: the one the server accepts). */
  readonly token?: string;
  /**
   * Serve HTTPS with a certificate for 127.0.0.1 signed by a CA made for this server (openssl, in the
   * temporary directory; never committed), and put that CA in the kubeconfig (`certificate-authority-data`)
   * instead of `insecure-skip-tls-verify`. `'wrong-ca'`: the kubeconfig carries another CA.
   */
  readonly tls?: boolean | 'wrong-ca';
}

/** Whether `openssl` can make the certificates of `tls`. */
export function canMakeCertificates(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const TOKEN = 'meshc-test-reader-token';

type Json = Record<string, unknown>;

export async function startKubeApiServer(
  scenario: string,
  options: StartOptions = {},
): Promise<KubeApiServer> {
  const dir = path.join(FIXTURES, scenario);
  if (!existsSync(dir)) throw new Error(`no cluster scenario ${scenario}`);
  const own = existsSync(path.join(dir, 'scenario.json'))
    ? (JSON.parse(readFileSync(path.join(dir, 'scenario.json'), 'utf8')) as Scenario)
    : {};
  const dirs = [dir, ...(own.base ? [path.join(FIXTURES, own.base)] : []), path.join(FIXTURES, 'common')];
  const forbidden = new Set(options.forbidden ?? own.forbidden ?? []);
  const delayMs = options.delayMs ?? own.delayMs ?? 0;
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshc-kube-'));
  const certs = options.tls ? makeCertificates(tmp, options.tls === 'wrong-ca') : undefined;
  const handler: http.RequestListener = (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const reply = () => {
      const { status, body } = answer(dirs, req, forbidden);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Audit-Id': String(requests.length) });
      res.end(JSON.stringify(body));
    };
    if (delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) reply();
      }, delayMs);
      timers.add(t);
    } else reply();
  };
  const server = certs
    ? https.createServer({ key: certs.key, cert: certs.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${certs ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = path.join(tmp, 'config');
  const context = `kind-${scenario}`;
  await writeFile(kubeconfig, kubeconfigText(url, context, options.token ?? TOKEN, certs?.caForKubeconfig));
  return {
    url,
    kubeconfig,
    context,
    requests,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * A kubeconfig as `kind` or a cloud CLI writes it, with a bearer token. The server speaks plain HTTP on the
 * loopback interface, which `@kubernetes/client-node` accepts only with `insecure-skip-tls-verify`.
 */
export function kubeconfigText(url: string, context: string, token: string, ca?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'clusters:',
    '  - name: test-cluster',
    '    cluster:',
    `      server: ${url}`,
    ca !== undefined
      ? `      certificate-authority-data: ${Buffer.from(ca).toString('base64')}`
      : '      insecure-skip-tls-verify: true',
    'users:',
    '  - name: test-reader',
    '    user:',
    `      token: ${token}`,
    'contexts:',
    `  - name: ${context}`,
    '    context:',
    '      cluster: test-cluster',
    '      user: test-reader',
    `current-context: ${context}`,
    '',
  ].join('\n');
}

/** A CA and a server certificate for 127.0.0.1 it signs (and, for `wrongCa`, a second CA the kubeconfig gets). */
function makeCertificates(
  dir: string,
  wrongCa: boolean,
): { key: string; cert: string; caForKubeconfig: string } {
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ca = (name: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.crt`),
    );
  ca('meshc-test-ca');
  ssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('meshc-test-ca.crt'),
    '-CAkey',
    f('meshc-test-ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.crt'),
  );
  if (wrongCa) ca('another-ca');
  return {
    key: readFileSync(f('server.key'), 'utf8'),
    cert: readFileSync(f('server.crt'), 'utf8'),
    caForKubeconfig: readFileSync(f(wrongCa ? 'another-ca.crt' : 'meshc-test-ca.crt'), 'utf8'),
  };
}

function answer(
  dirs: readonly string[],
  req: http.IncomingMessage,
  forbidden: ReadonlySet<string>,
): { status: number; body: Json } {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const p = url.pathname.replace(/\/+$/, '');
  if (req.method !== 'GET')
    return { status: 405, body: status(405, 'MethodNotAllowed', `${req.method} is not allowed`) };
  if (req.headers.authorization !== `Bearer ${TOKEN}`)
    return { status: 401, body: status(401, 'Unauthorized', 'Unauthorized') };
  if (forbidden.has(p)) return { status: 403, body: forbiddenStatus(p) };
  const doc = readDoc(dirs, p) ?? namespacedList(dirs, p) ?? emptyList(dirs, p) ?? single(dirs, p);
  if (!doc)
    return { status: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
  if (!Array.isArray(doc.items) || !url.searchParams.has('limit')) return { status: 200, body: doc };
  return page(doc, url.searchParams);
}

function readDoc(dirs: readonly string[], p: string): Json | undefined {
  for (const base of dirs) {
    const file = path.join(base, `${p.slice(1) || 'index'}.json`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Json;
  }
  return undefined;
}

/** `/api/v1/namespaces/<ns>/<res>` or `/apis/<g>/<v>/namespaces/<ns>/<res>`: the cluster-wide list, filtered. */
function namespacedList(dirs: readonly string[], p: string): Json | undefined {
  const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)$/.exec(p);
  if (!m) return undefined;
  const [, base, ns, res] = m as unknown as [string, string, string, string];
  const all = readDoc(dirs, `${base}/${res}`) ?? emptyList(dirs, `${base}/${res}`);
  if (!all) return undefined;
  const items = (all.items as Json[]).filter((o) => (o.metadata as Json | undefined)?.namespace === ns);
  return { ...all, items };
}

/** A resource the discovery document serves but the scenario recorded nothing for: an empty List. */
function emptyList(dirs: readonly string[], p: string): Json | undefined {
  const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)$/.exec(p);
  if (!m) return undefined;
  const [, base, res] = m as unknown as [string, string, string];
  const discovery = readDoc(dirs, base);
  const resource = (discovery?.resources as Json[] | undefined)?.find((r) => r.name === res);
  if (!resource) return undefined;
  return {
    kind: `${String(resource.kind)}List`,
    apiVersion: discovery!.groupVersion,
    metadata: { resourceVersion: '48211' },
    items: [],
  };
}

/** `GET <list path>/<name>`: the one object, with the apiVersion and kind a single GET carries. */
function single(dirs: readonly string[], p: string): Json | undefined {
  const slash = p.lastIndexOf('/');
  const listPath = p.slice(0, slash);
  const list = readDoc(dirs, listPath) ?? namespacedList(dirs, listPath);
  const item = (list?.items as Json[] | undefined)?.find(
    (o) => (o.metadata as Json | undefined)?.name === p.slice(slash + 1),
  );
  if (!list || !item) return undefined;
  return { apiVersion: list.apiVersion, kind: String(list.kind).replace(/List$/, ''), ...item };
}

/** One page of `doc` from the `continue` token's offset. */
function page(doc: Json, query: URLSearchParams): { status: number; body: Json } {
  const items = doc.items as Json[];
  const limit = Math.max(1, Number(query.get('limit')) || items.length);
  const token = query.get('continue');
  let offset = 0;
  if (token) {
    const decoded = decodeToken(token);
    if (decoded === undefined)
      return {
        status: 400,
        body: status(400, 'BadRequest', 'continue key is not valid: invalid continue token'),
      };
    offset = decoded;
  }
  const rest = items.length - offset - limit;
  const meta = { ...(doc.metadata as Json) };
  if (rest > 0) {
    meta.continue = Buffer.from(
      JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(meta.resourceVersion), start: offset + limit }),
    ).toString('base64');
    meta.remainingItemCount = rest;
  }
  return { status: 200, body: { ...doc, metadata: meta, items: items.slice(offset, offset + limit) } };
}

function decodeToken(token: string): number | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { start?: unknown };
    return typeof t.start === 'number' && Number.isInteger(t.start) && t.start >= 0 ? t.start : undefined;
  } catch {
    return undefined;
  }
}

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/**
 * RBAC's refusal text: `<resource>.<group> is forbidden: User "…" cannot list resource "…" …` for a list, and
 * `<resource> "<name>" is forbidden: … cannot get resource "…" …` for a GET of one object.
 */
function forbiddenStatus(p: string): Json {
  const m = /^\/apis?\/(?:([^/]+)\/)?[^/]+(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(p);
  const group = p.startsWith('/api/') ? '' : (m?.[1] ?? '');
  const ns = m?.[2];
  const res = m?.[3] ?? p;
  const name = m?.[4];
  const full = group ? `${res}.${group}` : res;
  const verb = name === undefined ? 'list' : 'get';
  return {
    ...status(
      403,
      'Forbidden',
      `${full}${name === undefined ? '' : ` "${name}"`} is forbidden: User "system:serviceaccount:ci:meshc-reader" cannot ${verb} resource "${res}" in API group "${group}" ${ns ? `in the namespace "${ns}"` : 'at the cluster scope'}`,
    ),
    details: { ...(name === undefined ? {} : { name }), group, kind: res },
  };
}
