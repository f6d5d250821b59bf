/**
 * `meshc import` of HashiCorp's documented Consul tasks (issue 14, item 5): each task of fixtures/upstream/consul
 * is imported with the Kubernetes objects beside it (fixtures/import/consul/platform.yaml), the imported spec must
 * compile without errors for its Consul environment, and the Consul objects it renders must MEAN what the upstream
 * manifests mean, through the model of test/helpers/consul-semantics.ts: the discovery chain's targets (as shares),
 * timeout, retries and header changes per request; the intention decision per caller and request (ACL default
 * deny, as meshc installs Consul); the mTLS mode; the upstream policy a caller applies; where the API gateway sends
 * a request. What the import reports is asserted exactly per task (`CODE file:line`), and every row where the
 * meanings differ must be one a finding of the task explains (listed under `deviations`, which must deviate).
 */
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import type { HttpRequest, Manifest } from './helpers/consul-semantics.ts';
import {
  authorize,
  chainErrors,
  gatewayRoute,
  mtlsMode,
  parseManifests,
  resolveRequest,
  subsetMeta,
  upstreamPolicy,
} from './helpers/consul-semantics.ts';
import { compileImported, findings, importFiles, repoFile } from './helpers/import.ts';

const UPSTREAM = 'fixtures/upstream/consul';
const PLATFORM = 'fixtures/import/consul/platform.yaml';

interface Row {
  readonly label: string;
  readonly imported: unknown;
  readonly upstream: unknown;
}

interface Task {
  readonly file: string;
  /** `CODE file:line` the import must report, exactly (the file relative to the repository root). */
  readonly findings: readonly string[];
  /** The Consul version the import must detect. */
  readonly version: string;
  readonly rows: (imported: readonly Manifest[], upstream: readonly Manifest[]) => Row[];
  /** Row labels whose meanings differ, each explained by a finding above: `<label>: <why>`. */
  readonly deviations: readonly string[];
}

const req = (method: string, p: string, headers?: Record<string, string>, query?: Record<string, string>) =>
  ({ method, path: p, ...(headers ? { headers } : {}), ...(query ? { query } : {}) }) as HttpRequest;

const label = (r: HttpRequest) =>
  [
    r.method,
    r.path,
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(r.query ?? {}).map(([k, v]) => `?${k}=${v}`),
  ].join(' ');

function chainRows(service: string, requests: readonly HttpRequest[]) {
  return (imported: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.map((r) => ({
      label: `route ${service} ${label(r)}`,
      imported: resolveRequest(imported, service, r),
      upstream: resolveRequest(upstream, service, r),
    }));
}

function accessRows(destination: string, callers: readonly (string | undefined)[], requests: HttpRequest[]) {
  return (imported: readonly Manifest[], upstream: readonly Manifest[]): Row[] =>
    requests.flatMap((r) =>
      callers.map((c) => ({
        label: `access ${destination} from ${c ?? 'plaintext'} ${label(r)}`,
        imported: authorize(imported, destination, c, r, { aclDefault: 'deny' }),
        upstream: authorize(upstream, destination, c, r, { aclDefault: 'deny' }),
      })),
    );
}

const at = (file: string, line: number) => `${UPSTREAM}/${file}:${line}`;
const platform = (line: number) => `${PLATFORM}:${line}`;

const TASKS: readonly Task[] = [
  {
    file: 'canary-split.yaml',
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${at('canary-split.yaml', 13)}`,
    ],
    version: '1.16',
    rows: (imported, upstream) => [
      ...chainRows('web', [req('GET', '/'), req('POST', '/api/x')])(imported, upstream),
      ...['v1', 'v2'].map((v) => ({
        label: `subset ${v} selects`,
        imported: subsetMeta(imported, 'web', v),
        upstream: subsetMeta(upstream, 'web', v),
      })),
    ],
    deviations: [],
  },
  {
    file: 'header-query-canary.yaml',
    // The task names the subset `canary` without its resolver: assumed to be the pods labelled version=canary.
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${platform(25)}`,
      `IMPORT_APPROXIMATED ${at('header-query-canary.yaml', 20)}`,
    ],
    version: '1.16',
    rows: chainRows('web', [
      req('GET', '/'),
      req('GET', '/', { 'x-debug': '1' }),
      req('GET', '/', { 'X-Debug': '1' }),
      req('GET', '/', { 'x-debug': '0' }),
      req('GET', '/x', undefined, { 'x-debug': '1' }),
      req('GET', '/x', undefined, { 'x-debug': '2' }),
    ]),
    deviations: [],
  },
  {
    file: 'path-routes-retries.yaml',
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${platform(154)}`,
      `IMPORT_APPROXIMATED ${platform(199)}`,
      `IMPORT_APPROXIMATED ${platform(244)}`,
    ],
    // retryOn needs Consul 1.18.
    version: '1.18',
    rows: chainRows('orders', [
      req('GET', '/coffees'),
      req('GET', '/coffees/1'),
      req('POST', '/orders'),
      req('GET', '/'),
    ]),
    deviations: [],
  },
  {
    file: 'l4-l7-intentions.yaml',
    // Requests no source (and no permission) matches fall to the ACL default policy; the import denies them.
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${platform(25)}`,
      `IMPORT_APPROXIMATED ${platform(334)}`,
      `IMPORT_APPROXIMATED ${platform(379)}`,
      `IMPORT_APPROXIMATED ${at('l4-l7-intentions.yaml', 17)}`,
      `IMPORT_APPROXIMATED ${at('l4-l7-intentions.yaml', 23)}`,
    ],
    version: '1.16',
    rows: accessRows(
      'api',
      ['hackathon-project', 'web', 'nightly-reconciler', 'orders', undefined],
      [req('POST', '/v1/reconcile-data'), req('GET', '/v1/reconcile-data'), req('POST', '/other')],
    ),
    deviations: [],
  },
  {
    file: 'permissive-mtls.yaml',
    // The entry sets no protocol (Consul's default is tcp); meshc writes the port's, http.
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${at('permissive-mtls.yaml', 21)}`,
      `IMPORT_APPROXIMATED ${at('permissive-mtls.yaml', 23)}`,
    ],
    version: '1.16',
    rows: (imported, upstream) => [
      {
        label: 'mtls example-service',
        imported: mtlsMode(imported, 'example-service'),
        upstream: mtlsMode(upstream, 'example-service'),
      },
      ...accessRows('example-service', [undefined], [req('GET', '/')])(imported, upstream),
    ],
    deviations: [],
  },
  {
    file: 'circuit-breaking.yaml',
    findings: [
      // A service of the Consul input that no ServiceIntentions decides admits no caller (ACLs, default deny): its
      // imported access denies all, reported at its ServiceDefaults, else its Kubernetes Service.
      `IMPORT_APPROXIMATED ${platform(514)}`,
      `IMPORT_APPROXIMATED ${at('circuit-breaking.yaml', 14)}`,
      // upstreamConfig.defaults: every upstream of the caller; the spec sets resilience per callee.
      `IMPORT_NOT_CARRIED ${at('circuit-breaking.yaml', 19)}`,
      // The override of bar becomes bar's resilience, which meshc writes into the callers bar's access names: none.
      `IMPORT_APPROXIMATED ${at('circuit-breaking.yaml', 25)}`,
    ],
    version: '1.16',
    rows: (imported, upstream) => [
      {
        label: 'upstream defaults -> bar',
        imported: upstreamPolicy(imported, 'defaults', 'bar'),
        upstream: upstreamPolicy(upstream, 'defaults', 'bar'),
      },
    ],
    deviations: [
      'upstream defaults -> bar: bar has no access rules naming `defaults`, so meshc declares its resilience on no caller (reported at the override)',
    ],
  },
  {
    file: 'api-gateway.yaml',
    findings: [
      // The route names no hostnames; the spec's ingress needs hosts.
      `IMPORT_NOT_CARRIED ${at('api-gateway.yaml', 34)}`,
      // The intention admits the gateway only; the spec says that only beside other callers.
      `IMPORT_APPROXIMATED ${at('api-gateway.yaml', 51)}`,
      `IMPORT_NOT_CARRIED ${at('api-gateway.yaml', 51)}`,
    ],
    version: '1.16',
    rows: (imported, upstream) => [
      {
        label: 'gateway GET /',
        imported: gatewayRoute(imported, 80, req('GET', '/'))?.backend ?? null,
        upstream: gatewayRoute(upstream, 80, req('GET', '/'))?.backend ?? null,
      },
      ...accessRows('echo', ['web'], [req('GET', '/')])(imported, upstream),
    ],
    deviations: [
      'gateway GET /: the route is not carried (no hostnames), reported',
      'access echo from web GET /: the imported echo has no access rules and admits every caller, reported',
    ],
  },
];

/** The Consul objects (and Gateway API objects) an imported spec renders. */
function rendered(file: string): { objects: Manifest[]; findings: string[]; version: string } {
  const imported = importFiles([repoFile(`${UPSTREAM}/${file}`), repoFile(PLATFORM)]);
  expect(imported.loadDiagnostics).toEqual([]);
  const { renders } = compileImported(imported.spec);
  expect(renders.map((r) => r.env.mesh.type)).toEqual(['consul']);
  const out = renders[0]!.output;
  const objects = [...[...out.namespaces.values()].flat(), ...out.system] as K8sObject[];
  return {
    objects: objects as unknown as Manifest[],
    findings: findings(imported.result.diagnostics),
    version: renders[0]!.env.mesh.version,
  };
}

describe('meshc import of HashiCorp Consul tasks means the same when rendered for Consul', () => {
  for (const task of TASKS)
    it(task.file, () => {
      const upstream = parseManifests(repoFile(`${UPSTREAM}/${task.file}`).text);
      const result = rendered(task.file);
      expect(result.findings).toEqual(task.findings);
      expect(result.version).toBe(task.version);
      expect(chainErrors(result.objects)).toEqual([]);
      const rows = task.rows(result.objects, upstream);
      expect(rows.length).toBeGreaterThan(0);
      const deviating = rows.filter((r) => JSON.stringify(r.imported) !== JSON.stringify(r.upstream));
      const listed = task.deviations.map((d) => d.slice(0, d.indexOf(': ')));
      expect(deviating.map((r) => r.label)).toEqual(listed);
      for (const r of rows.filter((x) => !listed.includes(x.label)))
        expect({ row: r.label, means: r.imported }).toEqual({ row: r.label, means: r.upstream });
    });

  it('every upstream Consul task is imported here', async () => {
    const { readdirSync } = await import('node:fs');
    const { repoRoot } = await import('./helpers/shared.ts');
    const path = await import('node:path');
    const files = readdirSync(path.join(repoRoot, UPSTREAM)).filter((f) => f.endsWith('.yaml'));
    expect(TASKS.map((t) => t.file).sort()).toEqual(files.sort());
  });
});
