// A synthetic spec repository for benchmarks and scale tests. Deterministic: the same arguments give the same
// files, byte for byte.
//
// shape 'realistic' (what `npm run bench` measures): N services over N/100 namespaces, 20 services per file
// (services/<namespace>/group-NN.yaml), E environments of one mesh that differ by a few overrides, as real
// environments do. Every service has versions, a header-matched canary route and a weighted default route with a
// timeout and retries, resilience and access rules (callers in the same and in the previous namespace); one
// service in 20 is exposed through the environment's ingress, a few carry header rewrites, mirroring, a second
// port or a load-balancer choice. The features are chosen per mesh so that the spec compiles with 0 errors for
// that mesh, and include what the mesh expresses only approximately (see `meshc matrix`), so meshc prints the
// warnings users of that mesh see. Environment 0 installs the control plane. About 0.9 KB of spec per service.
//
// shape 'istio-simple' (the default, for the callers written against it: test/diff-git.test.ts,
// scripts/bench-libs.mjs): the benchmark spec of earlier versions: one file per namespace, Istio only, no ingress,
// no warnings.

export const MESHES = ['istio', 'linkerd', 'consul', 'appmesh'];
const PER_NS = 100;
const PER_FILE = 20;

const pad = (n, w) => String(n).padStart(w, '0');
const svcName = (i) => `svc-${pad(i, 5)}`;
const nsName = (n) => `team-${pad(n, 3)}`;

/** The spec file that holds service `i` (relative path). */
export function serviceFile(i) {
  const n = Math.floor(i / PER_NS);
  return `services/${nsName(n)}/group-${pad(Math.floor((i % PER_NS) / PER_FILE), 2)}.yaml`;
}

/**
 * Change one weight of a spec file: the first `to: { v1: A, v2: B }` becomes `{ v1: A±1, v2: B∓1 }`, alternating
 * so that two calls restore the text. Returns the new text (throws if the file holds no weighted route).
 */
export function flipWeight(text) {
  let done = false;
  const out = text.replace(/to: \{ v1: (\d+), v2: (\d+) \}/, (_m, a, b) => {
    done = true;
    const d = Number(a) % 2 === 0 ? -1 : 1;
    return `to: { v1: ${Number(a) + d}, v2: ${Number(b) - d} }`;
  });
  if (!done) throw new Error('flipWeight: no weighted route in the file');
  return out;
}

/** @returns {Record<string, string>} repository-relative path → file text */
export function syntheticSpec({
  services = 2000,
  environments = 4,
  mesh = 'istio',
  shape = 'istio-simple',
} = {}) {
  if (!MESHES.includes(mesh)) throw new Error(`syntheticSpec: unknown mesh ${mesh}`);
  if (shape === 'istio-simple') return istioSimple({ services, environments, mesh });
  if (shape !== 'realistic') throw new Error(`syntheticSpec: unknown shape ${shape}`);
  const files = {};
  files['meshc.yaml'] = PROJECT;
  const groups = new Map();
  for (let i = 0; i < services; i++) {
    const file = serviceFile(i);
    if (!groups.has(file)) groups.set(file, []);
    groups.get(file).push(serviceDoc(i, mesh, services));
  }
  for (const [file, docs] of groups) files[file] = docs.join('---\n');
  for (let e = 0; e < environments; e++)
    files[`environments/env-${e}.yaml`] = environmentDoc(e, mesh, services);
  files['policies/retries-bounded.yaml'] = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Policy',
    'metadata: { name: retries-bounded }',
    'spec:',
    '  match: { kinds: [Service] }',
    '  message: Retries are bounded to 3 attempts.',
    '  schema:',
    '    properties:',
    '      routes: { items: { properties: { retries: { properties: { attempts: { maximum: 3 } } } } } }',
    '',
  ].join('\n');
  files['policies/prod-timeouts.yaml'] = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Policy',
    'metadata: { name: prod-timeouts }',
    'spec:',
    '  severity: warning',
    '  match: { kinds: [Service], environments: ["env-0"] }',
    '  message: Production routes set a timeout of at most 30s.',
    '  schema:',
    '    properties:',
    '      routes: { items: { properties: { timeout: { pattern: "^([0-9]+ms|[1-2]?[0-9]s|30s)$" } } } }',
    '',
  ].join('\n');
  return files;
}

function serviceDoc(i, mesh, services) {
  const name = svcName(i);
  const ns = Math.floor(i / PER_NS);
  const k = i % PER_NS;
  const ingress = k % 20 === 7;
  const w2 = 5 + (i % 16);
  const lines = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: ${nsName(ns)} }`,
    'spec:',
    // A second port on a few services (Consul meshes the first only: a warning per service, so fewer there).
    i % 9 === 4 && (mesh !== 'consul' || i < PER_NS)
      ? '  ports: [{ name: http, port: 8080, protocol: http }, { name: admin, port: 9090, protocol: http }]'
      : '  ports: [{ name: http, port: 8080, protocol: http }]',
    `  serviceAccount: ${name}`,
    '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
    '  routes:',
    '    - name: canary',
    '      match: [{ headers: { x-canary: { exact: "true" } }, path: { prefix: /api } }]',
    '      to: v2',
    '    - name: default',
    `      to: { v1: ${100 - w2}, v2: ${w2} }`,
    `      timeout: ${i % 4 === 0 ? '10s' : '5s'}`,
  ];
  // Retries: conditions each mesh expresses (Linkerd: 5xx and gateway-error only; Consul: no per-try timeout).
  if (mesh === 'consul') lines.push('      retries: { attempts: 2, on: [5xx, reset] }');
  else if (mesh === 'linkerd')
    lines.push('      retries: { attempts: 2, perTryTimeout: 2s, on: [5xx, gateway-error] }');
  else lines.push('      retries: { attempts: 2, perTryTimeout: 2s, on: [5xx, gateway-error] }');
  // Header rewrites (not on App Mesh), mirroring (Istio only).
  if (mesh !== 'appmesh' && i % 10 === 3)
    lines.push(`      headers: { request: { set: { x-team: ${nsName(ns)} }, remove: [x-debug] } }`);
  if (mesh === 'istio' && i % 50 === 11) lines.push('      mirror: { to: v2, percent: 5 }');
  // Resilience: Linkerd has no pools and no interval (its failure accrual warns about what it drops); Consul
  // declares it on the callers; App Mesh requires all four outlier fields (it fills the missing ones).
  lines.push('  resilience:');
  if (mesh === 'linkerd') {
    lines.push(
      // An evaluation interval Linkerd drops (a warning per service): a few services of the first namespace.
      i % 25 === 0 && i < PER_NS
        ? '    outlierDetection: { consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s }'
        : '    outlierDetection: { consecutiveErrors: 5, baseEjectionTime: 30s }',
    );
  } else {
    lines.push(
      '    outlierDetection: { consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }',
    );
    lines.push(
      mesh === 'istio'
        ? '    connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequestsPerConnection: 1 }'
        : '    connectionPool: { maxConnections: 100, maxPendingRequests: 10 }',
    );
    if ((mesh === 'istio' || mesh === 'consul') && i % 5 === 2) lines.push('    loadBalancer: least-request');
  }
  // Access: the previous service of the namespace (or any caller for the first), and one service of the
  // previous namespace; App Mesh cannot narrow by method or path. On App Mesh, a `*` caller puts the service in
  // the backends of every service of the environment (its access is the callers' backends lists), so one public
  // entry point per namespace would make the output grow with the square of the fleet: there, only the first
  // service of all admits any caller, and the first of each other namespace admits the last of the previous one.
  const star = k === 0 && (mesh !== 'appmesh' || ns === 0);
  const callers = [star ? '"*"' : k === 0 ? `${nsName(ns - 1)}/${svcName(ns * PER_NS - 1)}` : svcName(i - 1)];
  if (ns > 0 && k !== 0) callers.push(`${nsName(ns - 1)}/${svcName((ns - 1) * PER_NS + ((k * 7) % PER_NS))}`);
  lines.push('  access:', `    - from: [${callers.join(', ')}]`);
  if (mesh !== 'appmesh') lines.push('      methods: [GET, POST]');
  if (ingress) {
    lines.push(
      `  ingress: { hosts: [${name}.${nsName(ns)}.example.com], paths: [{ prefix: /api }, { exact: /healthz }] }`,
    );
  }
  void services;
  lines.push('');
  return lines.join('\n');
}

const MESH_VERSION = { istio: '1.24', linkerd: '2.18', consul: '1.21', appmesh: '1.13' };

function environmentDoc(e, mesh, services) {
  const name = `env-${e}`;
  const strict = e === 0 || e % 2 === 1;
  const lines = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    `metadata: { name: ${name} }`,
    'spec:',
    `  cluster: cluster-${e}`,
    '  mesh:',
    `    type: ${mesh}`,
    `    version: "${MESH_VERSION[mesh]}"`,
    `    mtls: ${strict ? 'strict' : 'permissive'}`,
  ];
  const install = e === 0;
  if (mesh === 'istio') {
    if (install) lines.push('    install: { chartVersion: "1.24.3" }');
    lines.push('    trust: { certManager: { issuer: mesh-root, kind: ClusterIssuer } }');
    lines.push('    ingress: { className: istio }');
  } else if (mesh === 'linkerd') {
    if (install) lines.push('    install: { chartVersion: "2025.4.4" }');
    lines.push('    trust: { existingSecret: { name: linkerd-identity-issuer } }');
    lines.push('    ingress: { className: nginx }');
  } else if (mesh === 'consul') {
    if (install) lines.push('    install: { chartVersion: "1.7.2" }');
    lines.push('    trust: { builtIn: {} }');
    lines.push('    ingress: { className: consul }');
  } else {
    if (install)
      lines.push(
        '    install: { chartVersion: "1.13.3", values: { region: eu-west-1, serviceAccount: { annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/appmesh-controller" } } } }',
      );
    // Strict mTLS on App Mesh needs SPIRE (or files); without trust, permissive is App Mesh's plaintext default.
    if (strict || install) lines.push('    trust: { sds: {} }');
    lines.push('    ingress: { className: mesh-gateway, api: native }');
  }
  lines.push('    observability: { metrics: prometheus-operator }');
  lines.push(
    e % 2 === 0
      ? '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git, branch: main, interval: 5m }'
      : `  gitops: { engine: argocd, repo: https://github.com/acme/mesh.git, branch: main, argocd: { project: platform, destination: { name: cluster-${e} } } }`,
  );
  // A few overrides per environment, as real environments have: a weight shift, a tighter timeout, another
  // ingress host. Only services that exist are named.
  if (e > 0) {
    const over = [];
    const at = (i) => (i < services ? i : -1);
    const a = at(1);
    const b = at((e * 37) % Math.max(1, services));
    const c = at(7);
    if (a >= 0)
      over.push(
        `    ${svcRef(a)}: { routes: [{ name: default, to: { v1: ${100 - e}, v2: ${e} }, timeout: 5s }] }`,
      );
    if (b >= 0 && b !== a && b !== c)
      over.push(`    ${svcRef(b)}: { resilience: { outlierDetection: { consecutiveErrors: ${5 + e} } } }`);
    if (c >= 0) over.push(`    ${svcRef(c)}: { ingress: { hosts: [${svcName(c)}.${name}.example.com] } }`);
    if (over.length) lines.push('  overrides:', ...over);
  }
  lines.push('');
  return lines.join('\n');
}

/** The Project of both shapes. */
const PROJECT = [
  'apiVersion: meshc.dev/v1alpha1',
  'kind: Project',
  'metadata: { name: synthetic }',
  'spec:',
  '  include: ["services/**/*.yaml", "environments/*.yaml"]',
  '  policies: ["policies/*.yaml"]',
  '  output: rendered',
  '',
].join('\n');

const svcRef = (i) => `${nsName(Math.floor(i / PER_NS))}/${svcName(i)}`;

/** The spec of earlier versions of the bench (Istio features only, one file per namespace, no ingress). */
function istioSimple({ services, environments, mesh }) {
  const files = {};
  files['meshc.yaml'] = PROJECT;
  const byNs = new Map();
  for (let i = 0; i < services; i++) {
    const ns = nsName(Math.floor(i / PER_NS));
    const name = svcName(i);
    const caller = i % PER_NS === 0 ? '"*"' : svcName(i - 1);
    const doc = [
      'apiVersion: meshc.dev/v1alpha1',
      'kind: Service',
      `metadata: { name: ${name}, namespace: ${ns} }`,
      'spec:',
      '  ports: [{ name: http, port: 8080, protocol: http }]',
      `  serviceAccount: ${name}`,
      '  versions:',
      '    v1: { labels: { version: v1 } }',
      '    v2: { labels: { version: v2 } }',
      '  routes:',
      '    - name: canary-header',
      '      match: [{ headers: { x-canary: { exact: "true" } }, path: { prefix: /api } }]',
      '      to: v2',
      `    - to: { v1: ${90 - (i % 10)}, v2: ${10 + (i % 10)} }`,
      '      timeout: 5s',
      '      retries: { attempts: 2, perTryTimeout: 2s, on: [5xx, reset] }',
      '  resilience:',
      '    outlierDetection: { consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }',
      '    connectionPool: { maxConnections: 100 }',
      '  access:',
      `    - from: [${caller}]`,
      '      methods: [GET, POST]',
      '',
    ].join('\n');
    if (!byNs.has(ns)) byNs.set(ns, []);
    byNs.get(ns).push(doc);
  }
  for (const [ns, docs] of byNs) files[`services/${ns}.yaml`] = docs.join('---\n');
  for (let e = 0; e < environments; e++) {
    const name = `env-${e}`;
    files[`environments/${name}.yaml`] = [
      'apiVersion: meshc.dev/v1alpha1',
      'kind: Environment',
      `metadata: { name: ${name} }`,
      'spec:',
      `  cluster: cluster-${e}`,
      `  mesh: { type: ${mesh}, version: "1.24", mtls: ${e === 0 ? 'strict' : 'permissive'} }`,
      `  gitops: { engine: ${e % 2 === 0 ? 'flux' : 'argocd'}, repo: https://github.com/acme/mesh.git }`,
      ...(e > 0
        ? ['  overrides:', `    team-000/svc-00001: { routes: [{ to: { v1: ${100 - e}, v2: ${e} } }] }`]
        : []),
      '',
    ].join('\n');
  }
  files['policies/retries-bounded.yaml'] = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Policy',
    'metadata: { name: retries-bounded }',
    'spec:',
    '  match: { kinds: [Service] }',
    '  message: Retries are bounded to 3 attempts.',
    '  schema:',
    '    properties:',
    '      routes: { items: { properties: { retries: { properties: { attempts: { maximum: 3 } } } } } }',
    '',
  ].join('\n');
  return files;
}
