// A synthetic spec repository for benchmarks and scale tests: N services over N/100 namespaces, each with
// versions, routes (header match, weights, timeout, retries), resilience and access; E Istio environments.
// Deterministic: the same arguments give the same files.

/** @returns {Record<string, string>} repository-relative path → file text */
export function syntheticSpec({ services = 2000, environments = 4, mesh = 'istio' } = {}) {
  const files = {};
  const perNs = 100;
  files['meshc.yaml'] = [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Project',
    'metadata: { name: synthetic }',
    'spec:',
    '  include: ["services/**/*.yaml", "environments/*.yaml"]',
    '  policies: ["policies/*.yaml"]',
    '  output: rendered',
    '',
  ].join('\n');
  const byNs = new Map();
  for (let i = 0; i < services; i++) {
    const ns = `team-${String(Math.floor(i / perNs)).padStart(3, '0')}`;
    const name = `svc-${String(i).padStart(5, '0')}`;
    const caller = i % perNs === 0 ? '"*"' : `svc-${String(i - 1).padStart(5, '0')}`;
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
