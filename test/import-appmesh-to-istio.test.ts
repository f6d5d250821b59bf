/**
 * Moving off App Mesh (issue 14, "Done when"): `meshc import` of App Mesh walkthrough manifests, then `meshc
 * render` for an Istio environment, gives Istio objects with the same routing, retries, timeouts and access.
 *
 * The input is three aws-app-mesh-examples walkthroughs applied to one Mesh `legacy` (header routing by priority,
 * a retry policy, route timeouts; fixtures/upstream/appmesh with their workloads from fixtures/import/appmesh), as
 * `meshc import app-mesh-yaml/ -o spec` reads them. The test then does what the README's "Moving off App Mesh"
 * tells the user: it edits the imported environment `legacy` to `mesh: {type: istio}` and renders. Each request of
 * a corpus is decided twice: by App Mesh on the walkthrough's own objects (test/helpers/appmesh-semantics.ts) and
 * by Istio on meshc's output (test/helpers/istio-semantics.ts, plus the matched route's timeout and retries read
 * the way Envoy applies them). Callers' access is decided by App Mesh's `connect` and Istio's `authorize`.
 *
 * Every difference is one of DIFFERENCES, with its reason, and is asserted to happen (none silent, none stale).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../src/parse/source.ts';
import * as am from './helpers/appmesh-semantics.ts';
import * as istio from './helpers/istio-semantics.ts';
import { compileImported, findings, importFiles } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';

const MESH = 'legacy';

/** The walkthroughs of the worked example: file, workloads, namespace. */
const WALKTHROUGHS = [
  { file: 'header-routing.yaml', workloads: 'howto-k8s-http-headers.yaml', ns: 'howto-k8s-http-headers' },
  { file: 'retry-policy.yaml', workloads: 'howto-k8s-retry-policy.yaml', ns: 'howto-k8s-retry-policy' },
  { file: 'timeout-policy.yaml', workloads: 'howto-k8s-timeout-policy.yaml', ns: 'howto-k8s-timeout-policy' },
] as const;

/** Every way the Istio render differs from what App Mesh did, and why. */
const DIFFERENCES = {
  'appmesh-default-timeout': {
    what: 'A route without a timeout: App Mesh ends the request after 15s (its default route and listener timeout); Istio sets no timeout.',
    reason:
      "The spec's `timeout` absent means no timeout beyond the mesh's default, and meshc writes none: App Mesh's default is 15s, Istio's is none. Add `timeout: 15s` to keep App Mesh's limit.",
  },
  'appmesh-default-retries': {
    what: 'A route without a retry policy: App Mesh retries with its hidden default policy (2 retries on HTTP 503, gRPC UNAVAILABLE, connect failures and refused streams; AWS user guide, "Envoy defaults set by App Mesh"); Istio\'s route from meshc retries twice on gateway-error (502, 503, 504), connect-failure and refused-stream.',
    reason:
      "The spec's `retries` absent means no retries (meshc turns the implicit retries of Istio and App Mesh off), so the import writes App Mesh's default policy out as `retries` (reported at the route), with the closest spec conditions: 503 alone has none, gateway-error is its closest superset. It assumes the default of accounts whose first mesh is from 2020-07-29 or later; older accounts have none.",
  },
  'unmeshed-caller': {
    what: "A caller outside the mesh (no sidecar, plaintext): App Mesh lets it reach a service whose listener is not STRICT, whatever the callers' backends say; Istio denies it at a service with `access`.",
    reason:
      "App Mesh has no server-side authorization: the callee's `access` is the list of meshed callers whose VirtualNodes name it in `backends` (with the Mesh's egress filter DROP_ALL). On Istio the same list is an ALLOW policy on the callee, which refuses every other caller, plaintext ones included.",
  },
  'shared-service-account': {
    what: 'A caller the App Mesh backends refused is allowed on Istio when it runs as the same service account as an allowed caller (the walkthrough pods all run as `default`).',
    reason:
      "Istio's access is by mTLS identity (the pods' service account); App Mesh's by the caller's VirtualNode. Give each service its own ServiceAccount to keep the difference out.",
  },
} as const;
type DifferenceId = keyof typeof DIFFERENCES;

function fill(text: string, ns: string): string {
  return am.fillWalkthrough(text, am.walkthroughVars(ns, MESH));
}

/** `app-mesh-yaml/`: the walkthroughs' manifests with their workloads. */
const sources: SourceFile[] = WALKTHROUGHS.flatMap((w) => [
  {
    path: `app-mesh-yaml/${w.file}`,
    text: fill(readFileSync(path.join(repoRoot, 'fixtures/upstream/appmesh', w.file), 'utf8'), w.ns),
  },
  {
    path: `app-mesh-yaml/workloads-${w.workloads}`,
    text: fill(readFileSync(path.join(repoRoot, 'fixtures/import/appmesh', w.workloads), 'utf8'), w.ns),
  },
]);
// What the cluster holds: each walkthrough applies the same Mesh, which is one object.
const upstream = [
  ...new Map(
    sources
      .flatMap((s) => am.parseManifests(s.text))
      .map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const),
  ).values(),
];

/** `meshc import app-mesh-yaml/ -o spec`, then the environment edited for Istio (`meshc render spec`). */
function importAndMove() {
  const imported = importFiles(sources);
  const env = imported.spec.find((f) => f.path === `environments/${MESH}.yaml`);
  expect(env, 'the environment is named after the Mesh').toBeDefined();
  // The walkthroughs' listeners have no TLS: the import says `mtls: off`, what App Mesh does. Istio refuses
  // access rules without mTLS (MESH_ACCESS_WITHOUT_MTLS: plaintext callers carry no identity), so the move
  // turns mTLS on as well, as the README's walkthrough does.
  expect(env!.text).toMatch(/mtls: "off"/);
  const edited = env!.text
    .replace(/type: appmesh\n(\s+)version: "1.13"/, 'type: istio\n$1version: "1.24"')
    .replace(/mtls: "off"/, 'mtls: permissive');
  expect(edited).not.toEqual(env!.text);
  const spec = imported.spec.map((f) => (f === env ? { ...f, text: edited } : f));
  const { renders } = compileImported(spec);
  expect(renders.map((r) => `${r.env.name} ${r.env.mesh.type}`)).toEqual([`${MESH} istio`]);
  const out = renders[0]!.output;
  const objects = [...[...out.namespaces.values()].flat(), ...out.system] as unknown as istio.Manifest[];
  return { imported, objects, env: renders[0]!.env };
}

// --- Istio decisions in App Mesh's terms ---------------------------------------------------------------------------

type Obj = Record<string, unknown>;

/** The pods of an Istio destination `host|subset|port`: the Service's selector plus the subset's labels. */
function istioPods(objects: readonly istio.Manifest[], key: string): string {
  const [host, subset] = key.split('|') as [string, string];
  const [name, ns] = host.split('.') as [string, string];
  const svc = objects.find(
    (o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === ns,
  );
  const selector = ((svc?.spec as Obj | undefined)?.selector ?? { app: name }) as Record<string, string>;
  let labels = { ...selector };
  if (subset !== '-') {
    const dr = objects.find(
      (o) => o.kind === 'DestinationRule' && o.metadata.namespace === ns && (o.spec as Obj).host === host,
    );
    const s = ((dr?.spec as Obj).subsets as { name: string; labels: Record<string, string> }[]).find(
      (x) => x.name === subset,
    );
    labels = { ...labels, ...s!.labels };
  }
  return `${ns}:${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',')}`;
}

/** Envoy retry_on conditions of App Mesh's retry events (AWS API reference, HttpRetryPolicy / TcpRetryPolicy). */
const EVENT_CONDITIONS: Readonly<Record<string, readonly string[]>> = {
  'server-error': ['5xx', 'reset'],
  'gateway-error': ['gateway-error', 'reset'],
  'client-error': ['retriable-4xx'],
  'stream-error': ['refused-stream'],
  'connection-error': ['connect-failure'],
};

interface Decision {
  readonly pods: Readonly<Record<string, number>>;
  readonly timeoutMs: number | 'none';
  readonly retries: { attempts: number; perTryMs?: number; on: string[] } | 'default' | 'none';
}

function appmeshDecision(ns: string, vs: string, req: am.HttpRequest): Decision | string {
  const d = am.routeRequest(upstream, { namespace: ns, name: vs }, req);
  if (d.kind !== 'routed') return d.kind;
  return {
    pods: Object.fromEntries(Object.entries(d.backends).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    timeoutMs: d.timeoutMs,
    retries:
      d.retry === 'default'
        ? 'default'
        : {
            attempts: d.retry.maxRetries,
            perTryMs: d.retry.perRetryTimeoutMs,
            on: [...new Set(d.retry.events.flatMap((e) => EVENT_CONDITIONS[e] ?? [`?${e}`]))].sort(),
          },
  };
}

function istioDecision(
  objects: readonly istio.Manifest[],
  ns: string,
  vs: string,
  req: am.HttpRequest,
): Decision | string {
  const host = `${vs}.${ns}.svc.cluster.local`;
  const d = istio.routeRequest(objects, {
    host,
    port: 8080,
    method: req.method,
    path: req.path,
    ...(req.headers ? { headers: req.headers } : {}),
  });
  if (d.kind !== 'http') return d.kind;
  const pods: Record<string, number> = {};
  for (const [k, v] of Object.entries(d.to)) {
    const p = istioPods(objects, k);
    pods[p] = Math.round(((pods[p] ?? 0) + v) * 100) / 100;
  }
  const vso = objects.find(
    (o) =>
      o.kind === 'VirtualService' &&
      (o.spec as Obj).hosts !== undefined &&
      ((o.spec as Obj).hosts as string[]).includes(host),
  );
  const entry = (((vso?.spec as Obj | undefined)?.http ?? []) as Obj[]).find((h) => h.name === d.route) ?? {};
  const retries = entry.retries as { attempts: number; perTryTimeout?: string; retryOn?: string } | undefined;
  return {
    pods,
    timeoutMs: entry.timeout === undefined ? 'none' : istio.durationMs(entry.timeout),
    retries:
      !retries || retries.attempts === 0
        ? 'none'
        : {
            attempts: retries.attempts,
            ...(retries.perTryTimeout !== undefined
              ? { perTryMs: istio.durationMs(retries.perTryTimeout) }
              : {}),
            on: (retries.retryOn ?? '').split(',').filter(Boolean).sort(),
          },
  };
}

/** App Mesh's default retry policy as the import carries it, rendered for Istio (no per-try timeout). */
const DEFAULT_RETRIES_CARRIED = { attempts: 2, on: ['connect-failure', 'gateway-error', 'refused-stream'] };

/** Which differences separate two decisions (empty: the same). Anything unexplained is returned as is. */
function differences(a: Decision | string, b: Decision | string): string[] {
  if (typeof a === 'string' || typeof b === 'string')
    return a === b ? [] : [`routing: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
  const out: string[] = [];
  if (JSON.stringify(a.pods) !== JSON.stringify(b.pods))
    out.push(`pods: ${JSON.stringify(a.pods)} vs ${JSON.stringify(b.pods)}`);
  if (a.timeoutMs !== b.timeoutMs)
    out.push(
      a.timeoutMs === am.DEFAULT_TIMEOUT_MS && b.timeoutMs === 'none'
        ? 'appmesh-default-timeout'
        : `timeout: ${a.timeoutMs} vs ${b.timeoutMs}`,
    );
  if (JSON.stringify(a.retries) !== JSON.stringify(b.retries))
    out.push(
      a.retries === 'default' && JSON.stringify(b.retries) === JSON.stringify(DEFAULT_RETRIES_CARRIED)
        ? 'appmesh-default-retries'
        : `retries: ${JSON.stringify(a.retries)} vs ${JSON.stringify(b.retries)}`,
    );
  return out;
}

const req = (p: string, headers?: Record<string, string>): am.HttpRequest => ({
  method: 'GET',
  path: p,
  ...(headers ? { headers } : {}),
});

/** The requests of the corpus, per VirtualService: namespace, name, requests. */
const h = (v: string) => ({ color_header: v });
const CORPUS: readonly { ns: string; vs: string; requests: am.HttpRequest[] }[] = [
  {
    ns: 'howto-k8s-http-headers',
    vs: 'color',
    requests: [
      req('/'),
      req('/', h('blue')),
      req('/', h('Blue')),
      req('/', h('lightgreen!')),
      req('/', h('reddish')),
      req('/', h('red-and-green')),
      req('/', h('purple')),
      req('/', h('')),
      req('/any', { Color_Header: 'blue' }),
    ],
  },
  { ns: 'howto-k8s-retry-policy', vs: 'color', requests: [req('/'), req('/x')] },
  { ns: 'howto-k8s-timeout-policy', vs: 'colorapp', requests: [req('/'), req('/slow')] },
  // front's only route matches /color (App Mesh string prefix): other paths find no route there.
  { ns: 'howto-k8s-timeout-policy', vs: 'front', requests: [req('/color'), req('/color/x')] },
];

describe('moving off App Mesh: the walkthroughs imported and rendered for Istio mean the same', () => {
  it('differences are documented', () => {
    for (const d of Object.values(DIFFERENCES)) expect(d.what && d.reason).toBeTruthy();
  });

  it('the import reports what it could not carry, at file:line', () => {
    const { imported } = importAndMove();
    const found = findings(imported.result.diagnostics);
    // Nothing of routing, retries, timeouts or access is lost without a report; what is reported, per file:
    const byFile = (f: string) =>
      found.filter((x) => x.includes(`app-mesh-yaml/${f}:`)).map((x) => x.split(' ')[0]);
    expect(byFile('header-routing.yaml')).toEqual([
      ...Array(6).fill('IMPORT_NOT_CARRIED'),
      // The header presence match, the selectorless Service, and App Mesh's default retries of the 5 routes
      // without a retryPolicy (carried as explicit `retries`).
      ...Array(7).fill('IMPORT_APPROXIMATED'),
    ]);
    expect(
      findings(
        imported.result.diagnostics.filter((d) =>
          d.message.includes("App Mesh's default retry policy applies"),
        ),
      ).map((f) => f.split(' ')[1]),
    ).toEqual([
      ...[203, 217, 231, 245, 257].map((l) => `app-mesh-yaml/header-routing.yaml:${l}`),
      ...[124, 164].map((l) => `app-mesh-yaml/timeout-policy.yaml:${l}`),
    ]);
    expect(byFile('timeout-policy.yaml').every((c) => c === 'IMPORT_APPROXIMATED')).toBe(true);
    expect(found.some((f) => f.startsWith('IMPORT_CONFLICT'))).toBe(false);
  });

  it('routing, timeouts and retries: every request decided alike, except the listed App Mesh defaults', () => {
    const { objects } = importAndMove();
    const seen = new Map<string, string[]>();
    for (const c of CORPUS)
      for (const r of c.requests) {
        const diff = differences(appmeshDecision(c.ns, c.vs, r), istioDecision(objects, c.ns, c.vs, r));
        seen.set(`${c.ns}/${c.vs} ${r.path} ${JSON.stringify(r.headers ?? {})}`, diff);
      }
    const unexplained = [...seen].filter(([, d]) => d.some((x) => !(x in DIFFERENCES)));
    expect(unexplained).toEqual([]);
    // Header routes in priority order, weights, the 60s timeouts and the 4 retries on server errors are the same;
    // only the routes that relied on App Mesh's defaults differ.
    const ids = (k: string) => seen.get(k) ?? ['(missing)'];
    expect(ids('howto-k8s-http-headers/color / {"color_header":"lightgreen!"}')).toEqual([
      'appmesh-default-timeout',
      'appmesh-default-retries',
    ]);
    expect(ids('howto-k8s-retry-policy/color / {}')).toEqual(['appmesh-default-timeout']);
    expect(ids('howto-k8s-timeout-policy/colorapp / {}')).toEqual(['appmesh-default-retries']);
    const used = new Set([...seen.values()].flat());
    expect([...used].sort()).toEqual(['appmesh-default-retries', 'appmesh-default-timeout']);
  });

  it('access: the callers named by App Mesh backends are allowed on Istio; the differences are the listed ones', () => {
    const { objects } = importAndMove();
    const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
    const td = 'cluster.local';
    const rows: { label: string; appmesh: string; istio: string; expected?: DifferenceId }[] = [];
    const caller = (ns: string, labels: Record<string, string>, sa = 'default') => ({
      pod: { namespace: ns, labels },
      principal: `${td}/ns/${ns}/sa/${sa}`,
    });
    const cases: {
      ns: string;
      vs: string;
      target: Record<string, string>;
      from: Record<string, string>;
      expected?: DifferenceId;
    }[] = [
      {
        ns: 'howto-k8s-http-headers',
        vs: 'color',
        target: { app: 'color', version: 'blue' },
        from: { app: 'front' },
        expected: undefined,
      },
      {
        ns: 'howto-k8s-http-headers',
        vs: 'color',
        target: { app: 'color', version: 'blue' },
        from: { app: 'color', version: 'red' },
        expected: 'shared-service-account',
      },
      {
        ns: 'howto-k8s-retry-policy',
        vs: 'color',
        target: { app: 'color', version: 'blue' },
        from: { app: 'front' },
        expected: undefined,
      },
      {
        ns: 'howto-k8s-timeout-policy',
        vs: 'colorapp',
        target: { app: 'colorapp', version: 'red' },
        from: { app: 'front', version: 'v1' },
        expected: undefined,
      },
    ];
    for (const c of cases) {
      const from = caller(c.ns, c.from);
      const target = { namespace: c.ns, labels: c.target };
      rows.push({
        label: `${JSON.stringify(c.from)} → ${c.ns}/${c.vs}`,
        appmesh: am.connect(upstream, from.pod, { namespace: c.ns, name: c.vs }, target, 8080),
        istio: istio.authorize(policies, target, { principal: from.principal, method: 'GET', path: '/' }),
        ...(c.expected ? { expected: c.expected } : {}),
      });
      rows.push({
        label: `unmeshed → ${c.ns}/${c.vs}`,
        appmesh: am.connect(upstream, undefined, { namespace: c.ns, name: c.vs }, target, 8080),
        istio: istio.authorize(policies, target, { method: 'GET', path: '/' }),
        expected: 'unmeshed-caller',
      });
    }
    for (const r of rows) {
      if (r.expected === 'unmeshed-caller')
        expect([r.label, r.appmesh, r.istio]).toEqual([r.label, 'allow', 'deny']);
      else if (r.expected === 'shared-service-account')
        expect([r.label, r.appmesh, r.istio]).toEqual([r.label, 'deny', 'allow']);
      else expect(r.istio, r.label).toBe(r.appmesh);
    }
    // The allowed callers are allowed on both.
    expect(rows.filter((r) => !r.expected).map((r) => r.appmesh)).toEqual(['allow', 'allow', 'allow']);
  });
});
