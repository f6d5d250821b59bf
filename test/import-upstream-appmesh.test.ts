/**
 * `meshc import` of the aws-app-mesh-examples walkthroughs (issue 14, item 5): each walkthrough of
 * fixtures/upstream/appmesh (with its Deployments from fixtures/import/appmesh where the walkthrough's routing
 * needs pods) is imported, the imported spec must compile without errors, and rendering it for App Mesh again must
 * give objects that MEAN the same as the walkthrough's, by the model of test/helpers/appmesh-semantics.ts: the
 * route each request takes, the pods it reaches and their shares, the timeout and retry policy, whether each caller
 * reaches each pod, and the listener policy. What the import reports is asserted exactly (`CODE line`), and every
 * decision that differs must be one the report names (a listed deviation that does not happen fails too).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connect,
  fillWalkthrough,
  gatewayRequest,
  listenerPolicy,
  parseManifests,
  routeRequest,
  type Caller,
  type HttpRequest,
  type Manifest,
  walkthroughVars,
} from './helpers/appmesh-semantics.ts';
import { emittedObjects } from './helpers/backend-fixtures.ts';
import { compileImported, findings, importFiles } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';

const UPSTREAM = 'fixtures/upstream/appmesh';
const WORKLOADS = 'fixtures/import/appmesh';

const varsOf = (ns: string, extra: Record<string, string> = {}) => ({ ...walkthroughVars(ns), ...extra });

/** Imports a walkthrough (and its workloads), renders the imported spec for App Mesh; both object sets. */
function importWalkthrough(file: string, vars: Record<string, string>, workloads?: string) {
  const rel = [`${UPSTREAM}/${file}`, ...(workloads ? [`${WORKLOADS}/${workloads}`] : [])];
  const sources = rel.map((p) => ({
    path: p,
    text: fillWalkthrough(readFileSync(path.join(repoRoot, p), 'utf8'), vars),
  }));
  const imported = importFiles(sources);
  expect(imported.loadDiagnostics).toEqual([]);
  expect(imported.result.meshes.map((m) => `${m.type} ${m.version}`)).toEqual(['appmesh 1.13']);
  const { renders } = compileImported(imported.spec);
  expect(renders.map((r) => r.env.name)).toEqual([vars.MESH_NAME]);
  const mc = emittedObjects(renders[0]!.output) as unknown as Manifest[];
  const up = sources.flatMap((s) => parseManifests(s.text));
  const spec = (p: string) => imported.spec.find((f) => f.path === p)?.text ?? '';
  return { up, mc, result: imported.result, spec, file: `${UPSTREAM}/${file}` };
}

const req = (p: string, headers?: Record<string, string>, host?: string): HttpRequest => ({
  method: 'GET',
  path: p,
  ...(headers ? { headers } : {}),
  ...(host ? { host } : {}),
});

function comparable(d: ReturnType<typeof routeRequest>): unknown {
  if (d.kind !== 'routed') return d.kind;
  return {
    backends: Object.fromEntries(Object.entries(d.backends).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    timeoutMs: d.timeoutMs,
    retry: d.retry,
  };
}

interface Row {
  readonly label: string;
  readonly upstream: unknown;
  readonly meshc: unknown;
}

function routingRows(up: Manifest[], mc: Manifest[], ns: string, vs: string, requests: HttpRequest[]): Row[] {
  return requests.map((r) => ({
    label: `${vs} ${r.method} ${r.path}${Object.entries(r.headers ?? {})
      .map(([k, v]) => ` ${k}=${v}`)
      .join('')}`,
    upstream: comparable(routeRequest(up, { namespace: ns, name: vs }, r)),
    meshc: comparable(routeRequest(mc, { namespace: ns, name: vs }, r)),
  }));
}

/** The rows that differ are exactly `expected` (label → the import findings that explain it). */
function expectDiffer(
  rows: readonly Row[],
  expected: Readonly<Record<string, string | readonly string[]>>,
  found: readonly string[],
) {
  const differing = rows
    .filter((r) => JSON.stringify(r.upstream) !== JSON.stringify(r.meshc))
    .map((r) => r.label);
  expect(differing.sort()).toEqual(Object.keys(expected).sort());
  for (const f of Object.values(expected).flat()) expect(found).toContain(f);
}

describe('meshc import of the App Mesh walkthroughs renders to objects that mean the same', () => {
  it('header routing by priority (howto-k8s-http-headers): routes, order, access', () => {
    const ns = 'howto-k8s-http-headers';
    const w = importWalkthrough('header-routing.yaml', varsOf(ns), 'howto-k8s-http-headers.yaml');
    const found = findings(w.result.diagnostics);
    // No route has a retryPolicy: each relied on App Mesh's default one, carried as explicit retries (reported at
    // the route: 203 blue, 217 green, 231 red, 245 yellow, 257 white).
    const defaultRetries = (l: number) => `IMPORT_APPROXIMATED ${w.file}:${l}`;
    expect(found).toEqual([
      ...[39, 68, 93, 118, 143, 168].map((l) => `IMPORT_NOT_CARRIED ${w.file}:${l}`), // healthCheck
      ...[203, 217, 231, 245].map(defaultRetries),
      `IMPORT_APPROXIMATED ${w.file}:249`, // header presence → regex .*
      defaultRetries(257),
      `IMPORT_APPROXIMATED ${w.file}:350`, // the selectorless Service color becomes meshc's
    ]);
    const h = (v: string) => ({ color_header: v });
    const rows = routingRows(w.up, w.mc, ns, 'color', [
      req('/'),
      req('/', h('blue')),
      req('/', h('Blue')),
      req('/', h('lightgreen!')),
      req('/', h('reddish')),
      req('/', h('red-and-green')),
      req('/', h('purple')),
      req('/', h('')),
      req('/x/y', h('red')),
    ]);
    // Every request differs in its retries only: App Mesh's default policy (2 retries on 503, connection failures,
    // refused streams) against meshc's explicit 2 retries on gateway-error, connect-failure, refused-stream.
    expectDiffer(
      rows,
      {
        'color GET /': defaultRetries(257),
        'color GET / color_header=blue': defaultRetries(203),
        'color GET / color_header=Blue': defaultRetries(245),
        'color GET / color_header=lightgreen!': defaultRetries(217),
        'color GET / color_header=reddish': defaultRetries(231),
        'color GET / color_header=red-and-green': defaultRetries(217),
        'color GET / color_header=purple': defaultRetries(245),
        'color GET / color_header=': defaultRetries(245),
        'color GET /x/y color_header=red': defaultRetries(231),
      },
      found,
    );
    for (const r of rows) {
      expect((r.upstream as { retry: unknown }).retry, r.label).toBe('default');
      expect((r.meshc as { retry: unknown }).retry, r.label).toEqual({
        maxRetries: 2,
        perRetryTimeoutMs: 15_000,
        events: ['connection-error', 'gateway-error', 'stream-error'],
      });
      // Everything else (the pods and shares, the timeout) is the same.
      expect({ ...(r.meshc as object), retry: 'default' }, r.label).toEqual(r.upstream);
    }
    // Priorities became the spec's route order, the per-version nodes the versions.
    expect(w.spec(`services/${ns}/color.yaml`)).toContain('versions:');
    expect(w.spec(`services/${ns}/color.yaml`)).toMatch(
      /- name: color-route-blue[\s\S]*- name: color-route-green[\s\S]*- name: color-route-red[\s\S]*- name: color-route-yellow[\s\S]*- name: color-route-white/,
    );
    // front's backends became color's access: front reaches color in both, color itself does not.
    const front: Caller = { namespace: ns, labels: { app: 'front' } };
    const blue = { namespace: ns, labels: { app: 'color', version: 'blue' } };
    for (const objs of [w.up, w.mc]) {
      expect(connect(objs, front, { namespace: ns, name: 'color' }, blue, 8080)).toBe('allow');
      expect(connect(objs, blue, { namespace: ns, name: 'color' }, blue, 8080)).toBe('deny');
    }
    expect(w.spec(`services/${ns}/color.yaml`)).toMatch(/access:\n {2}- from:\n {4}- front\n/);
  });

  it('retry policy (howto-k8s-retry-policy): retries and their conditions mapped back', () => {
    const ns = 'howto-k8s-retry-policy';
    const w = importWalkthrough('retry-policy.yaml', varsOf(ns), 'howto-k8s-retry-policy.yaml');
    const found = findings(w.result.diagnostics);
    expect(found).toEqual([
      `IMPORT_NOT_CARRIED ${w.file}:39`,
      `IMPORT_NOT_CARRIED ${w.file}:68`,
      `IMPORT_APPROXIMATED ${w.file}:76`, // node discovered through the root Service's name, not color-blue
    ]);
    const rows = routingRows(w.up, w.mc, ns, 'color', [req('/'), req('/x')]);
    expectDiffer(rows, {}, found);
    expect((rows[0]!.meshc as { retry: unknown }).retry).toEqual({
      maxRetries: 4,
      perRetryTimeoutMs: 2000,
      events: ['server-error'],
    });
    // server-error → 5xx, and App Mesh's server-error retries resets too.
    expect(w.spec(`services/${ns}/color.yaml`)).toMatch(
      /attempts: 4\n\s+perTryTimeout: 2s\n\s+"on":\n\s+- "5xx"\n\s+- reset/,
    );
  });

  it('canary weights (howto-k8s-http2): relative weights become percentages (reported)', () => {
    const ns = 'howto-k8s-http2';
    const w = importWalkthrough('canary-weights.yaml', varsOf(ns));
    const found = findings(w.result.diagnostics);
    expect(found).toEqual([
      `IMPORT_APPROXIMATED ${w.file}:37`, // client listens http2 on a Service port named http2
      `IMPORT_APPROXIMATED ${w.file}:43`, // Cloud Map discovery
      `IMPORT_NOT_CARRIED ${w.file}:62`, // healthCheck
      `IMPORT_APPROXIMATED ${w.file}:70`,
      `IMPORT_NOT_CARRIED ${w.file}:89`,
      `IMPORT_APPROXIMATED ${w.file}:97`,
      `IMPORT_NOT_CARRIED ${w.file}:116`,
      `IMPORT_APPROXIMATED ${w.file}:124`,
      `IMPORT_APPROXIMATED ${w.file}:152`, // no retryPolicy: App Mesh's default retries made explicit
      `IMPORT_APPROXIMATED ${w.file}:157`, // 1/1/1 → 34/33/33
      // The nodes' own Services (no VirtualService stands for them: no client dials them) are read as versions
      // of color, whose router splits over them; color's Service, without a selector, becomes meshc's.
      `IMPORT_APPROXIMATED ${w.file}:191`,
      `IMPORT_APPROXIMATED ${w.file}:205`,
      `IMPORT_APPROXIMATED ${w.file}:219`,
      `IMPORT_APPROXIMATED ${w.file}:228`,
    ]);
    // One service color with versions red, blue, green (not three services whose pods color's default selector
    // app: color selects too, under color's access rules): the router's even split is the whole service's.
    expect(w.result.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual([
      `services/${ns}/client.yaml`,
      `services/${ns}/color.yaml`,
    ]);
    expect(w.spec(`services/${ns}/color.yaml`)).toMatch(
      /versions:\n {4}red:\n {6}labels:\n {8}version: red\n {4}blue:\n {6}labels:\n {8}version: blue\n {4}green:\n {6}labels:\n {8}version: green\n/,
    );
    expect(w.spec(`services/${ns}/color.yaml`)).toMatch(/access:\n {2}- from:\n {4}- client\n/);
    expect(w.spec(`services/${ns}/color.yaml`)).not.toContain('kubernetesService');
    const rows = routingRows(w.up, w.mc, ns, 'color', [req('/'), req('/any/path')]);
    const weightsAndRetries = [`IMPORT_APPROXIMATED ${w.file}:152`, `IMPORT_APPROXIMATED ${w.file}:157`];
    expectDiffer(rows, { 'color GET /': weightsAndRetries, 'color GET /any/path': weightsAndRetries }, found);
    expect((rows[0]!.meshc as { retry: unknown }).retry).toEqual({
      maxRetries: 2,
      perRetryTimeoutMs: 15_000,
      events: ['connection-error', 'gateway-error', 'stream-error'],
    });
  });

  it('outlier detection (howto-k8s-outlier-detection): listener policy, and the uncalled front', () => {
    const ns = 'howto-k8s-outlier-detection';
    const w = importWalkthrough('outlier-detection.yaml', varsOf(ns));
    const found = findings(w.result.diagnostics);
    expect(found).toEqual([
      `IMPORT_APPROXIMATED ${w.file}:39`, // Cloud Map discovery
      `IMPORT_APPROXIMATED ${w.file}:70`,
      // The VirtualServices colorapp and front are provided by their VirtualNodes, whose routes App Mesh retries by
      // its default policy: carried as explicit retries.
      `IMPORT_APPROXIMATED ${w.file}:83`,
      `IMPORT_APPROXIMATED ${w.file}:92`, // nobody lists front: access []
      `IMPORT_APPROXIMATED ${w.file}:95`,
      `IMPORT_APPROXIMATED ${w.file}:104`,
      `IMPORT_APPROXIMATED ${w.file}:105`,
    ]);
    expect(w.spec(`services/${ns}/colorapp.yaml`)).toMatch(
      /routes:\n {2}- retries:\n {6}attempts: 2\n {6}"on":\n {6}- gateway-error\n {6}- connect-failure\n {6}- refused-stream\n/,
    );
    expectDiffer(
      routingRows(w.up, w.mc, ns, 'colorapp', [req('/')]),
      { 'colorapp GET /': `IMPORT_APPROXIMATED ${w.file}:83` },
      found,
    );
    const pod = { namespace: ns, labels: { app: 'colorapp' } };
    expect(listenerPolicy(w.mc, pod, 8080)).toEqual(listenerPolicy(w.up, pod, 8080));
    const front = { namespace: ns, labels: { app: 'front' } };
    expect(connect(w.mc, front, { namespace: ns, name: 'colorapp' }, pod, 8080)).toBe(
      connect(w.up, front, { namespace: ns, name: 'colorapp' }, pod, 8080),
    );
  });

  it('ingress gateway (howto-k8s-ingress-gateway): VirtualGateway + GatewayRoutes → mesh.ingress and ingress', () => {
    const ns = 'howto-k8s-ingress-gateway';
    const w = importWalkthrough('ingress-gateway.yaml', varsOf(ns));
    const found = findings(w.result.diagnostics);
    expect(found.filter((f) => !f.startsWith('IMPORT_NOT_CARRIED'))).toContain(
      `IMPORT_APPROXIMATED ${w.file}:51`,
    );
    expect(w.spec(`environments/${ns}.yaml`)).toMatch(
      /ingress:\n\s+className: ingress-gw\n\s+api: native\n\s+namespace: howto-k8s-ingress-gateway/,
    );
    // Only the gateway calls color-paths: the spec cannot say "the ingress only", so no access is written (reported).
    expect(w.spec(`services/${ns}/color-paths.yaml`)).not.toContain('access:');
    expect(w.result.diagnostics.some((d) => d.message.includes('which the ingress gateway exposes'))).toBe(
      true,
    );
    const colors = ['white', 'blue', 'red', 'yellow', 'green'];
    const rows = colors.map((c) => ({
      label: `/paths/${c}`,
      upstream: gatewayRequest(
        w.up,
        { namespace: ns, name: 'ingress-gw' },
        req(`/paths/${c}`, {}, 'x.example.com'),
      ).kind,
      meshc: gatewayRequest(
        w.mc,
        { namespace: ns, name: 'ingress-gw' },
        req(`/paths/${c}`, {}, `color-paths.${ns}.example.com`),
      ).kind,
    }));
    expectDiffer(rows, {}, found);
  });

  it('mTLS over SDS (howto-k8s-mtls-sds-based): trust source, trust domain and strict listeners', () => {
    const ns = 'howto-k8s-mtls-sds-based';
    const td = 'howto-k8s-mtls-sds-based.aws';
    const w = importWalkthrough(
      'mtls-sds.yaml',
      varsOf(ns, {
        SVID_CA_TRUST_DOMAIN: `spiffe://${td}`,
        FRONTEND_APP_SVID: `spiffe://${td}/front`,
        COLORAPP_BLUE_SVID: `spiffe://${td}/colorblue`,
        COLORAPP_GREEN_SVID: `spiffe://${td}/colorgreen`,
        COLORAPP_RED_SVID: `spiffe://${td}/colorred`,
      }),
    );
    const env = w.spec(`environments/${ns}.yaml`);
    expect(env).toContain('mtls: permissive');
    expect(w.spec(`services/${ns}/color.yaml`)).toContain('mtls: strict');
    expect(env).toContain('sds: {}');
    expect(env).toContain(`trustDomain: ${td}`);
    // The walkthrough's hand-picked SPIFFE IDs are reported (meshc derives ns/sa IDs).
    expect(findings(w.result.diagnostics)).toContain(`IMPORT_APPROXIMATED ${w.file}:56`);
  });

  it('timeout policy (howto-k8s-timeout-policy): Cloud Map names and no Kubernetes Services are reported, not guessed', () => {
    const ns = 'howto-k8s-timeout-policy';
    const rel = `${UPSTREAM}/timeout-policy.yaml`;
    const imported = importFiles([
      { path: rel, text: fillWalkthrough(readFileSync(path.join(repoRoot, rel), 'utf8'), varsOf(ns)) },
    ]);
    const found = findings(imported.result.diagnostics);
    expect(found.filter((f) => f.startsWith('IMPORT_NO_SERVICE'))).toEqual([
      `IMPORT_NO_SERVICE ${rel}:32`,
      `IMPORT_NO_SERVICE ${rel}:59`,
      `IMPORT_NO_SERVICE ${rel}:83`,
      `IMPORT_NO_SERVICE ${rel}:106`,
      `IMPORT_NO_SERVICE ${rel}:146`,
    ]);
    expect(imported.spec.filter((f) => f.path.startsWith('services/'))).toEqual([]);
  });
});
