/**
 * Self-tests for the test helpers: if these fail, every schema or kustomize check built on them is suspect.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeSchema,
  findSchema,
  knownKinds,
  loadSchemaIndex,
  rewriteRe2Pattern,
  validateObject,
  validateObjects,
} from './helpers/crds.ts';
import { canonicalObjects, findKustomize, kustomizeBuild } from './helpers/kustomize.ts';
import {
  describeWithKustomize,
  describeWithShared,
  repoRoot,
  requireShared,
  sharedDir,
} from './helpers/shared.ts';

// ---------------------------------------------------------------------------------------------------
// shared.ts

describe('shared dir lookup', () => {
  const saved = { dir: process.env.MESHC_SHARED_DIR, req: process.env.MESHC_REQUIRE_SHARED };
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'meshc-shared-'));
  });
  afterEach(() => {
    restoreEnv('MESHC_SHARED_DIR', saved.dir);
    restoreEnv('MESHC_REQUIRE_SHARED', saved.req);
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('finds the repository root from the helper file', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      name: string;
    };
    expect(pkg.name).toBe('meshc');
  });

  it('defaults to ../shared next to the repository', () => {
    delete process.env.MESHC_SHARED_DIR;
    const dir = sharedDir();
    if (dir !== undefined) expect(dir).toBe(path.resolve(repoRoot, '..', 'shared'));
  });

  it('honours MESHC_SHARED_DIR, and returns undefined for a missing folder', () => {
    process.env.MESHC_SHARED_DIR = tmp;
    expect(sharedDir()).toBe(tmp);
    process.env.MESHC_SHARED_DIR = path.join(tmp, 'does-not-exist');
    expect(sharedDir()).toBeUndefined();
  });

  it('requireShared() follows MESHC_REQUIRE_SHARED=1 only', () => {
    process.env.MESHC_REQUIRE_SHARED = '1';
    expect(requireShared()).toBe(true);
    process.env.MESHC_REQUIRE_SHARED = '0';
    expect(requireShared()).toBe(false);
    delete process.env.MESHC_REQUIRE_SHARED;
    expect(requireShared()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// crds.ts: pure parts (no ../shared needed)

describe('closeSchema', () => {
  it('closes object schemas with properties, recursively through properties, items and maps', () => {
    const closed = closeSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
            map: {
              type: 'object',
              additionalProperties: { type: 'object', properties: { b: { type: 'string' } } },
            },
          },
        },
      },
    });
    expect(closed).toMatchObject({
      additionalProperties: false,
      properties: {
        spec: {
          additionalProperties: false,
          properties: {
            list: { items: { additionalProperties: false } },
            map: { additionalProperties: { additionalProperties: false } },
          },
        },
      },
    });
  });

  it('leaves preserve-unknown-fields, explicit additionalProperties and property-less objects open', () => {
    const schema = {
      type: 'object',
      properties: {
        open: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { a: { type: 'string' } },
        },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        bare: { type: 'object' },
      },
    };
    const closed = closeSchema(schema);
    expect(closed).not.toHaveProperty(['properties', 'open', 'additionalProperties']);
    expect(closed).toHaveProperty(['properties', 'map', 'additionalProperties'], { type: 'string' });
    expect(closed).not.toHaveProperty(['properties', 'bare', 'additionalProperties']);
    expect(schema).not.toHaveProperty('additionalProperties'); // the input is not mutated
  });

  it('does not close allOf/anyOf/oneOf/not branches (they list a subset of the properties)', () => {
    const closed = closeSchema({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      oneOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { required: ['b'] }],
    });
    expect(closed).not.toHaveProperty(['oneOf', 0, 'additionalProperties']);
    expect(closed).toHaveProperty('additionalProperties', false);
  });

  it('gives int-or-string a type', () => {
    const closed = closeSchema({
      type: 'object',
      properties: { port: { 'x-kubernetes-int-or-string': true } },
    });
    expect(closed).toHaveProperty(['properties', 'port', 'anyOf'], [{ type: 'integer' }, { type: 'string' }]);
  });

  it('rewrites a leading RE2 (?i) flag into case classes', () => {
    const rx = new RegExp(rewriteRe2Pattern('^(?i)(abort|warn)?$'), 'u');
    expect(['', 'abort', 'WARN', 'Abort'].every((s) => rx.test(s))).toBe(true);
    expect(rx.test('other')).toBe(false);
    expect(rewriteRe2Pattern('^[a-z]+$')).toBe('^[a-z]+$');
    expect(() => rewriteRe2Pattern('(?i)[a-z]')).toThrow(/unsupported RE2/);
  });
});

// ---------------------------------------------------------------------------------------------------
// crds.ts against the upstream schemas

const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace !== undefined ? { namespace } : {}),
});

const virtualService = () => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { ...meta('reviews', 'default'), labels: { 'app.kubernetes.io/managed-by': 'meshc' } },
  spec: {
    hosts: ['reviews'],
    http: [
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
          { destination: { host: 'reviews', subset: 'v2', port: { number: 9080 } }, weight: 10 },
        ],
        timeout: '5s',
      },
    ],
  },
});

describeWithShared('upstream schemas', () => {
  it('indexes every CRD version, the core kinds and the hand-written GrafanaDashboard and Bundle', () => {
    const index = loadSchemaIndex();
    expect(loadSchemaIndex()).toBe(index); // cached
    // 148 CRD versions (MANIFEST.md) + 6 core kinds + the GrafanaDashboard and trust-manager Bundle stand-ins.
    expect(index.standard.size + index.experimental.size).toBe(156);
    const kinds = knownKinds();
    for (const k of [
      'networking.istio.io/v1 VirtualService',
      'policy.linkerd.io/v1beta3 Server',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'argoproj.io/v1alpha1 Application',
      'cert-manager.io/v1 Certificate',
      'monitoring.coreos.com/v1 PodMonitor',
      'v1 Service',
      'apps/v1 Deployment',
      'grafana.integreatly.org/v1beta1 GrafanaDashboard [hand-written]',
      'policy.linkerd.io/v1beta1 Server [deprecated]',
      'gateway.networking.k8s.io/v1alpha2 TCPRoute [deprecated, not served]',
      'gateway.networking.x-k8s.io/v1alpha1 XBackendTrafficPolicy [experimental]',
    ]) {
      expect(kinds).toContain(k);
    }
    expect(findSchema('gateway.networking.k8s.io/v1', 'HTTPRoute')?.source).toBe(
      'gateway-api/standard/gateway.networking.k8s.io_httproutes.yaml',
    );
    expect(findSchema('gateway.networking.k8s.io/v1', 'HTTPRoute', 'experimental')?.source).toBe(
      'gateway-api/experimental/gateway.networking.k8s.io_httproutes.yaml',
    );
  });

  it('accepts a correct Istio VirtualService', () => {
    expect(validateObject(virtualService())).toEqual([]);
  });

  it('rejects a misspelled field and names its path', () => {
    const vs = virtualService();
    const route = vs.spec.http[0]!.route[0]! as Record<string, unknown>;
    delete route.weight;
    route.weigth = 90;
    expect(validateObject(vs)).toEqual([
      'VirtualService default/reviews: /spec/http/0/route/0/weigth: must NOT have additional properties (weigth)',
    ]);
  });

  it('rejects unknown fields at the top level and directly under spec', () => {
    const vs = { ...virtualService(), extra: 1 };
    (vs.spec as Record<string, unknown>).gatways = ['mesh'];
    const errors = validateObject(vs);
    expect(errors).toContain(
      'VirtualService default/reviews: /extra: must NOT have additional properties (extra)',
    );
    expect(errors).toContain(
      'VirtualService default/reviews: /spec/gatways: must NOT have additional properties (gatways)',
    );
  });

  it('rejects a wrong type', () => {
    const vs = virtualService();
    (vs.spec.http[0]!.route[0]! as Record<string, unknown>).weight = '90';
    expect(validateObject(vs)).toEqual([
      'VirtualService default/reviews: /spec/http/0/route/0/weight: must be integer',
    ]);
  });

  it('checks metadata strictly: string label values, no other fields, a required name', () => {
    const bad = virtualService() as { metadata: Record<string, unknown> };
    bad.metadata.labels = { tier: 3 };
    expect(validateObject(bad)).toEqual([
      'VirtualService default/reviews: /metadata/labels/tier: must be string',
    ]);

    const extra = virtualService() as { metadata: Record<string, unknown> };
    extra.metadata.uid = 'x';
    expect(validateObject(extra)).toEqual([
      'VirtualService default/reviews: /metadata/uid: must NOT have additional properties (uid)',
    ]);

    const noName = { ...virtualService(), metadata: { namespace: 'default' } };
    expect(validateObject(noName).join('\n')).toMatch(/\/metadata: must have required property 'name'/);

    const badName = { ...virtualService(), metadata: { name: 'Reviews_V1', namespace: 'default' } };
    expect(validateObject(badName).join('\n')).toMatch(/\/metadata\/name: must match pattern/);
  });

  it('rejects an apiVersion/kind without a schema instead of passing it', () => {
    const errors = validateObject({ ...virtualService(), apiVersion: 'networking.istio.io/v2' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no upstream schema for networking\.istio\.io\/v2 VirtualService/);
    expect(errors[0]).toMatch(/known at .*networking\.istio\.io\/v1, networking\.istio\.io\/v1alpha3/);
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta('w') })[0]).toMatch(
      /no upstream schema for example\.com\/v1 Widget/,
    );
    expect(
      validateObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' })[0],
    ).toMatch(/is a kustomize file/);
  });

  it('rejects served: false and deprecated versions; experimental kinds need the experimental channel', () => {
    const tcpRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'TCPRoute',
      metadata: meta('db', 'default'),
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
    };
    expect(validateObject(tcpRoute).join('\n')).toMatch(/is not served \(served: false/);
    // The experimental channel still serves v1alpha2, as deprecated.
    expect(validateObject(tcpRoute, { channel: 'experimental' }).join('\n')).toMatch(/is deprecated/);
    expect(validateObject(tcpRoute, { channel: 'experimental', allowDeprecated: true })).toEqual([]);
    expect(validateObject({ ...tcpRoute, apiVersion: 'gateway.networking.k8s.io/v1' })).toEqual([]);

    const server = {
      apiVersion: 'policy.linkerd.io/v1beta1',
      kind: 'Server',
      metadata: meta('web-http', 'default'),
      spec: { podSelector: { matchLabels: { app: 'web' } }, port: 'http' },
    };
    expect(validateObject(server).join('\n')).toMatch(/policy\.linkerd\.io\/v1beta1 Server is deprecated/);

    const xbtp = {
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XBackendTrafficPolicy',
      metadata: meta('retry', 'default'),
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
        retryConstraint: { budget: { percent: 20 } },
      },
    };
    expect(validateObject(xbtp)[0]).toMatch(/experimental channel/);
    expect(validateObject(xbtp, { channel: 'experimental' })).toEqual([]);
  });

  it('accepts correct objects of every family meshc emits', () => {
    const objs = [
      {
        apiVersion: 'policy.linkerd.io/v1beta3',
        kind: 'Server',
        metadata: meta('web-http', 'default'),
        spec: { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/2' },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: meta('reviews', 'default'),
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
          rules: [
            {
              backendRefs: [
                { name: 'reviews-v1', port: 9080, weight: 90 },
                { name: 'reviews-v2', port: 9080, weight: 10 },
              ],
              timeouts: { request: '5s' },
            },
          ],
        },
      },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: meta('mesh-prod', 'flux-system'),
        spec: {
          interval: '10m',
          path: './clusters/prod',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'fleet' },
          components: ['../../components/istio'],
          patches: [{ target: { kind: 'Deployment' }, patch: '[]' }],
        },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: meta('mesh-prod', 'argocd'),
        spec: {
          project: 'default',
          source: { repoURL: 'https://example.com/fleet.git', path: 'clusters/prod', targetRevision: 'main' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
        },
      },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: meta('gw-cert', 'istio-system'),
        spec: {
          secretName: 'gw-cert',
          dnsNames: ['shop.example.com'],
          issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
          duration: '2160h',
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: meta('envoy-stats', 'istio-system'),
        spec: {
          selector: { matchExpressions: [{ key: 'security.istio.io/tlsMode', operator: 'Exists' }] },
          namespaceSelector: { any: true },
          podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus', interval: '15s' }],
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta('mesh-slo', 'monitoring'),
        spec: {
          groups: [
            {
              name: 'slo',
              partial_response_strategy: 'WARN',
              rules: [{ alert: 'HighErrorRate', expr: 'vector(1)', for: '5m', labels: { severity: 'page' } }],
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...meta('reviews', 'default'), labels: { app: 'reviews' } },
        spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 'http' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } },
      },
      {
        apiVersion: 'grafana.integreatly.org/v1beta1',
        kind: 'GrafanaDashboard',
        metadata: meta('istio-mesh', 'monitoring'),
        spec: {
          instanceSelector: { matchLabels: { dashboards: 'grafana' } },
          grafanaCom: { id: 7639, revision: 1 },
          folder: 'Mesh',
          allowCrossNamespaceImport: true,
          resyncPeriod: '10m',
          datasources: [{ inputName: 'DS_PROMETHEUS', datasourceName: 'Prometheus' }],
        },
      },
    ];
    expect(validateObjects(objs)).toEqual([]);
  });

  it('catches errors in those families too', () => {
    const errs = (o: object) => validateObject(o).join('\n');
    // int-or-string port (Linkerd declares it with no type).
    expect(
      errs({
        apiVersion: 'policy.linkerd.io/v1beta3',
        kind: 'Server',
        metadata: meta('s', 'default'),
        spec: { podSelector: { matchLabels: { app: 'web' } }, port: true },
      }),
    ).toMatch(/\/spec\/port: must be integer/);
    // Flux Kustomization without the required prune.
    expect(
      errs({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: meta('k', 'flux-system'),
        spec: { interval: '10m', sourceRef: { kind: 'GitRepository', name: 'fleet' } },
      }),
    ).toMatch(/\/spec: must have required property 'prune'/);
    // PrometheusRule's RE2 (?i) pattern is enforced, case-insensitively.
    expect(
      errs({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta('r', 'monitoring'),
        spec: { groups: [{ name: 'g', partial_response_strategy: 'maybe', rules: [] }] },
      }),
    ).toMatch(/\/spec\/groups\/0\/partial_response_strategy: must match pattern/);
    // Core schemas are strict already.
    expect(
      errs({ apiVersion: 'v1', kind: 'Service', metadata: meta('s', 'default'), spec: { prots: [] } }),
    ).toMatch(/\/spec\/prots: must NOT have additional properties \(prots\)/);
    // Cluster-scoped kinds take no namespace.
    expect(errs({ apiVersion: 'v1', kind: 'Namespace', metadata: meta('shop', 'default') })).toMatch(
      /Namespace default\/shop: \/metadata\/namespace: Namespace is cluster-scoped/,
    );
    // The hand-written GrafanaDashboard schema is closed and typed.
    const dashboardErrors = validateObject({
      apiVersion: 'grafana.integreatly.org/v1beta1',
      kind: 'GrafanaDashboard',
      metadata: meta('d', 'monitoring'),
      spec: {
        instanceSelector: { matchLabels: { dashboards: 'grafana' } },
        grafanaCom: { id: '7639', rev: 1 },
      },
    });
    expect(dashboardErrors.sort()).toEqual([
      'GrafanaDashboard monitoring/d: /spec/grafanaCom/id: must be integer',
      'GrafanaDashboard monitoring/d: /spec/grafanaCom/rev: must NOT have additional properties (rev)',
    ]);
  });

  // Compiling every indexed schema takes ~10 s (Argo CD's ApplicationSet alone ~4 s), so it is opt-in.
  it.runIf(process.env.MESHC_ALL_SCHEMAS === '1')('compiles every indexed schema', async () => {
    const { compileEntry } = await import('./helpers/crds.ts');
    const index = loadSchemaIndex();
    for (const entry of [...index.standard.values(), ...index.experimental.values()]) {
      expect(() => compileEntry(entry)).not.toThrow();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// kustomize.ts

describe('canonicalObjects', () => {
  it('keys by apiVersion/kind/namespace/name in sorted order and rejects duplicates', () => {
    const a = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'ns' } };
    const b = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } };
    const c = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } };
    const m = canonicalObjects([a, b, c]);
    expect([...m.keys()]).toEqual(['v1/ConfigMap/ns/a', 'v1/Namespace//ns', 'v1/Service/ns/b']);
    expect(m.get('v1/Service/ns/b')).toBe(a);
    expect(() => canonicalObjects([a, { ...a }])).toThrow(/duplicate object v1\/Service\/ns\/b/);
  });
});

describeWithKustomize('real kustomize', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'meshc-kustomize-'));
    const write = async (rel: string, text: string) => {
      await fs.mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await fs.writeFile(path.join(tmp, rel), text);
    };
    await write(
      'base/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '- service.yaml',
        '- configmap.yaml',
        '',
      ].join('\n'),
    );
    await write(
      'base/service.yaml',
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: reviews',
        '  namespace: shop',
        'spec:',
        '  selector:',
        '    app: reviews',
        '  ports:',
        '  - name: http',
        '    port: 9080',
        '',
      ].join('\n'),
    );
    await write(
      'base/configmap.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: mesh-settings',
        '  namespace: shop',
        'data:',
        '  mode: strict',
        '',
      ].join('\n'),
    );
    await write(
      'components/empty/kustomization.yaml',
      // kustomize rejects a Component with only apiVersion/kind ("kustomization.yaml is empty").
      ['apiVersion: kustomize.config.k8s.io/v1alpha1', 'kind: Component', 'resources: []', ''].join('\n'),
    );
    await write(
      'components/bare/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n',
    );
    await write(
      'overlays/bare-component/kustomization.yaml',
      ['resources:', '- ../../base', 'components:', '- ../../components/bare', ''].join('\n'),
    );
    await write(
      'overlays/prod/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '- ../../base',
        'components:',
        '- ../../components/empty',
        'patches:',
        '- target:',
        '    version: v1',
        '    kind: Service',
        '    name: reviews',
        '  patch: |-',
        '    - op: replace',
        '      path: /spec/ports/0/port',
        '      value: 80',
        '    - op: add',
        '      path: /metadata/labels',
        '      value: {tier: prod}',
        '',
      ].join('\n'),
    );
    // Refers to a file outside its own folder: needs --load-restrictor=LoadRestrictionsNone.
    await write(
      'overlays/outside/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '- ../../base/configmap.yaml',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    if (tmp !== undefined) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('finds a kustomize command', () => {
    const k = findKustomize();
    expect(k).toBeDefined();
    expect(k?.args).toEqual(k?.cmd === 'kustomize' ? ['build'] : ['kustomize']);
    expect(findKustomize()).toBe(k); // cached
  });

  it('builds an overlay with a JSON 6902 patch and a component', async () => {
    const built = canonicalObjects(await kustomizeBuild(path.join(tmp, 'overlays/prod')));
    const expected = canonicalObjects([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'reviews', namespace: 'shop', labels: { tier: 'prod' } },
        spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'mesh-settings', namespace: 'shop' },
        data: { mode: 'strict' },
      },
    ]);
    expect([...built.keys()]).toEqual([...expected.keys()]);
    for (const [key, obj] of expected) expect(built.get(key)).toEqual(obj);
  });

  it('honours the load restrictor option and reports kustomize errors', async () => {
    const dir = path.join(tmp, 'overlays/outside');
    await expect(kustomizeBuild(dir)).rejects.toThrow(
      /failed \(exit \d+\):[\s\S]*(security|not in or below)/,
    );
    const objs = await kustomizeBuild(dir, { loadRestrictor: 'none' });
    expect(objs).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'mesh-settings', namespace: 'shop' },
        data: { mode: 'strict' },
      },
    ]);
    await expect(kustomizeBuild(path.join(tmp, 'no-such-dir'))).rejects.toThrow(/failed/);
    // stderr is carried in the error; this one also pins a kustomize quirk emitters must avoid.
    await expect(kustomizeBuild(path.join(tmp, 'overlays/bare-component'))).rejects.toThrow(
      /kustomization\.yaml is empty/,
    );
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
