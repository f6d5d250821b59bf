/**
 * Known defects of `meshc import`, each reproduced first and covered here: an ingress route's backendRef port
 * (carried where the spec has it, reported where meshc's ingress sends elsewhere), ReferenceGrants in a Consul
 * import, kustomize's own files in a rendered tree, and Linkerd authorization (Servers that cover some ports
 * only, a route on both a Service and a Server, the probe route Linkerd adds to a Server without routes).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourcedObject } from '../src/core/import-types.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { compile } from '../src/compile.ts';
import { importObjects } from '../src/import/index.ts';
import type { EnvRender } from '../src/plan/emit.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { separateKustomizeFiles } from '../src/import/kustomize.ts';
import { runCli } from './helpers/cli.ts';
import { compileImported, importFiles, parsedObjects } from './helpers/import.ts';
import type { Client, HttpRequest, Manifest } from './helpers/linkerd-semantics.ts';
import { inboundDecision } from './helpers/linkerd-semantics.ts';
import { tempDir } from './helpers/spec-tree.ts';

/** The findings of an import, as `CODE pointer`, sorted. */
const codesOf = (diagnostics: readonly { code: string; pointer?: string }[]) =>
  diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();

function render(files: readonly SourceFile[]): EnvRender {
  const compiled = compile(files, { until: 'emit' });
  const errors = [...compiled.diagnostics, ...(compiled.emitted?.diagnostics ?? [])].filter(
    (d) => d.severity === 'error',
  );
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return compiled.emitted!.renders[0]!;
}

/** A render's objects as a cluster holds them: its namespaces, its mesh-wide objects, a Deployment per service. */
function cluster(r: EnvRender): SourcedObject[] {
  const out: K8sObject[] = [...[...r.output.namespaces.values()].flat(), ...r.output.system];
  for (const s of r.env.services)
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, namespace: s.namespace },
      spec: {
        selector: { matchLabels: { ...s.selector } },
        template: { metadata: { labels: { ...s.selector } }, spec: { serviceAccountName: s.serviceAccount } },
      },
    });
  return out.map((object) => ({ object, origin: `${object.kind}/${object.metadata.name}` }));
}

const specFiles = (files: readonly { path: string; content: string }[]): SourceFile[] =>
  files.map((f) => ({ path: f.path, text: f.content }));

// --- 1. the port of an ingress route's backendRef ---------------------------------------------------------------

describe("an ingress route's backendRef port", () => {
  const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: public, namespace: edge }
spec:
  gatewayClassName: contour
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
`;
  /** reviews with `ports` (flow list), and its ingress route sending to `backend` (flow mapping). */
  const input = (ports: string | undefined, backend: string) => `
${
  ports === undefined
    ? ''
    : `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: bookinfo }
spec: { selector: { app: reviews }, ports: ${ports} }
---`
}
${GATEWAY}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews-ingress, namespace: bookinfo }
spec:
  parentRefs: [{ name: public, namespace: edge }]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [${backend}]
`;
  const PORT = '/spec/rules/0/backendRefs/0/port';

  function run(ports: string | undefined, backend: string, mesh = 'linkerd') {
    const result = importObjects(parsedObjects(input(ports, backend)), {
      meshes: [{ type: mesh, evidence: ['test'] }],
    });
    const at = (pointer: string) => result.diagnostics.find((d) => d.pointer === pointer);
    const service = result.files.find((f) => f.path === 'services/bookinfo/reviews.yaml')?.content ?? '';
    return { result, codes: codesOf(result.diagnostics), at, service };
  }

  it('a port the Service does not have is reported at the port (the Gateway answers 500)', () => {
    const { codes, at } = run('[{ name: http, port: 9080 }]', '{ name: reviews, port: 9081 }');
    expect(codes).toEqual([`IMPORT_APPROXIMATED ${PORT}`]);
    expect(at(PORT)!.message).toContain(
      'the Gateway sends these requests to port 9081 of reviews (reviews has no port 9081: the backend is invalid and the Gateway answers them with 500)',
    );
    expect(at(PORT)!.message).toContain("meshc's ingress route sends them to port 9080 of reviews");
  });

  it('another port of the Service than its first HTTP port is reported at the port', () => {
    const { codes, at } = run(
      '[{ name: http, port: 9080 }, { name: http-admin, port: 9090 }]',
      '{ name: reviews, port: 9090 }',
    );
    expect(codes).toEqual([`IMPORT_APPROXIMATED ${PORT}`]);
    expect(at(PORT)!.message).toContain(
      "the Gateway sends these requests to port 9090 of reviews, and the spec's `ingress` names no port: meshc's ingress route sends them to port 9080 of reviews (its first HTTP port)",
    );
    expect(at(PORT)!.hint).toContain('Make port 9090 the first HTTP port of reviews');
  });

  it("the first HTTP port (after a TCP port) is meshc's own: no finding", () => {
    for (const mesh of ['linkerd', 'istio', 'consul'])
      expect(
        run(
          '[{ name: tcp-db, port: 5432, appProtocol: tcp }, { name: http, port: 9080 }]',
          '{ name: reviews, port: 9080 }',
          mesh,
        ).codes,
      ).toEqual([]);
  });

  it('without the Kubernetes Service, the port the route names becomes the service port (carried)', () => {
    const { codes, service } = run(undefined, '{ name: reviews, port: 9080 }');
    expect(codes).toEqual(['IMPORT_NO_SERVICE ']);
    expect(service).toContain('ports:\n  - name: http\n    port: 9080\n');
  });

  it('a backendRef without a port (Gateway API requires one) is reported at the backendRef', () => {
    const { codes } = run('[{ name: http, port: 9080 }]', '{ name: reviews }');
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/rules/0/backendRefs/0']);
  });

  it("meshc's own ingress route round-trips exactly (Linkerd, Istio, Consul)", () => {
    for (const mesh of ['linkerd', 'istio', 'consul']) {
      const spec: SourceFile[] = [
        {
          path: 'meshc.yaml',
          text: `apiVersion: meshc.dev/v1alpha1
kind: Project
metadata: { name: shop }
spec: { include: ["services/*.yaml", "environments/*.yaml"], output: out }
`,
        },
        {
          path: 'environments/prod.yaml',
          text: `apiVersion: meshc.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  cluster: prod-1
  mesh: { type: ${mesh}, version: "${mesh === 'istio' ? '1.26' : mesh === 'consul' ? '1.21' : '2.18'}", ingress: { className: contour } }
  gitops: { engine: flux, repo: https://github.com/acme/shop-mesh.git, path: out }
`,
        },
        {
          path: 'services/reviews.yaml',
          text: `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: reviews, namespace: bookinfo }
spec:
  ports: [{ name: tcp-db, port: 5432, protocol: tcp }, { name: http, port: 9080 }, { name: http-admin, port: 9090 }]
  ingress: { hosts: [shop.example.com], paths: [{ prefix: /reviews }] }
`,
        },
      ];
      const first = render(spec);
      const result = importObjects(cluster(first), { meshes: [{ type: mesh, evidence: ['test'] }] });
      const about = result.diagnostics.filter((d) => /reviews-ingress|port/.test(d.message));
      expect(about.map((d) => `${mesh} ${d.code} ${d.message}`)).toEqual([]);
      const routes = (r: EnvRender) =>
        [...r.output.namespaces.values()]
          .flat()
          .filter((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'reviews-ingress')
          .map((o) => o.spec);
      expect(routes(first)).toHaveLength(1);
      expect(routes(render(specFiles(result.files)))).toEqual(routes(first));
    }
  });
});

// --- 2. ReferenceGrants in a Consul import -----------------------------------------------------------------------

describe('ReferenceGrants in a Consul import (its API gateway checks them)', () => {
  const BASE = `
apiVersion: v1
kind: Service
metadata: { name: ledger, namespace: payments }
spec: { selector: { app: ledger }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: { name: ledger, namespace: payments }
spec: { protocol: http }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: api-gateway, namespace: edge }
spec:
  gatewayClassName: consul
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
`;
  /** An API gateway route of namespace edge to payments/ledger. */
  const ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ledger, namespace: edge }
spec:
  parentRefs: [{ name: api-gateway }]
  hostnames: [ledger.example.com]
  rules:
  - backendRefs: [{ name: ledger, namespace: payments, port: 8080 }]
`;
  const grant = (from = 'edge', name = 'edge-routes') => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: ${name}, namespace: payments }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ${from} }]
  to: [{ group: "", kind: Service }]
`;
  function run(...docs: string[]) {
    const result = importObjects(parsedObjects([BASE, ...docs].join('\n---\n')));
    expect(result.meshes.map((m) => m.type)).toEqual(['consul']);
    const about = result.diagnostics.filter((d) => /ReferenceGrant|HTTPRoute edge\/ledger/.test(d.message));
    return { codes: codesOf(about), messages: about.map((d) => d.message) };
  }

  it('is read, not an unknown kind: the grant of a carried ingress route is reported (the render needs none)', () => {
    const { codes, messages } = run(ROUTE, grant());
    expect(codes).toEqual(['IMPORT_NOT_CARRIED ']);
    expect(messages[0]).toContain('ReferenceGrant payments/edge-routes is not carried');
    expect(messages[0]).toContain(
      'meshc writes the ingress route of payments/ledger in payments, beside its Service',
    );
  });

  it('a grant no route uses is reported as such', () => {
    const { codes, messages } = run(ROUTE, grant(), grant('batch', 'batch-routes'));
    expect(codes).toEqual(['IMPORT_NOT_CARRIED ', 'IMPORT_NOT_CARRIED ']);
    expect(messages.find((m) => m.includes('payments/batch-routes'))).toContain(
      'no route the import carried uses it',
    );
  });

  it('a cross-namespace backendRef without a grant: the API gateway refuses it (approximated)', () => {
    const { codes, messages } = run(ROUTE);
    expect(codes).toEqual(['IMPORT_APPROXIMATED /spec/rules/0/backendRefs/0']);
    expect(messages[0]).toContain(
      'the Gateway refuses this backend (Gateway API: ResolvedRefs False, RefNotPermitted)',
    );
  });
});

// --- 3. a rendered tree imported as it lies: kustomize's own files -----------------------------------------------

describe("kustomize's files in the input (separateKustomizeFiles)", () => {
  const SERVICE =
    'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { ports: [{ name: http, port: 80 }] }\n';

  it('leaves out kustomizations (with or without apiVersion) and the patch files they name', () => {
    const split = separateKustomizeFiles([
      {
        path: 'o/kustomization.yaml',
        text: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../b]\ncomponents: [c]\n',
      },
      {
        path: 'o/c/kustomization.yaml',
        text: 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{ path: p/web.yaml, target: { kind: Service, name: web } }]\n',
      },
      { path: 'o/c/p/web.yaml', text: '- op: replace\n  path: /spec/ports/0/port\n  value: 81\n' },
      { path: 'b/kustomization.yml', text: 'resources: [web.yaml]\n' },
      { path: 'b/web.yaml', text: SERVICE },
    ]);
    expect(split.files.map((f) => f.path)).toEqual(['b/web.yaml']);
    expect(split.skipped).toEqual([
      'b/kustomization.yml',
      'o/c/kustomization.yaml',
      'o/c/p/web.yaml',
      'o/kustomization.yaml',
    ]);
    // The patch is not applied: said once, at the Component's `patches`; the base and the component are there.
    expect(
      split.diagnostics.map((d) => `${d.code} ${d.location?.file}:${d.location?.line} ${d.pointer}`),
    ).toEqual(['IMPORT_NOT_CARRIED o/c/kustomization.yaml:3 /patches']);
  });

  it('reports transformations it does not apply and resources that are not among the files', () => {
    const split = separateKustomizeFiles([
      {
        path: 'o/kustomization.yaml',
        text: 'resources: [../base, https://github.com/acme/x//y?ref=v1]\nnamePrefix: prod-\npatches: []\n',
      },
    ]);
    expect(split.files).toEqual([]);
    expect(split.diagnostics.map((d) => d.pointer)).toEqual(['/namePrefix', '/resources/0', '/resources/1']);
    expect(split.diagnostics[1]!.message).toContain('"../base"');
  });

  it('a file named kustomization.yaml that holds cluster objects, or does not parse, is left to the load stage', () => {
    const files = [
      { path: 'kustomization.yaml', text: SERVICE },
      { path: 'x/kustomization.yaml', text: 'resources: [a\n' },
    ];
    expect(separateKustomizeFiles(files).files).toEqual(files);
  });

  it('a kustomize document among objects is not imported (no unknown kind), its transformations reported', () => {
    const result = importObjects(
      parsedObjects(
        `${SERVICE}---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: { name: k }\nnamespace: shop\n`,
      ),
      { meshes: [{ type: 'linkerd', evidence: ['test'] }] },
    );
    expect(codesOf(result.diagnostics)).toEqual(['IMPORT_NOT_CARRIED /namespace']);
    expect(result.summary.objects).toBe(1);
  });
});

describe("meshc import of meshc's own rendered tree (examples/bookinfo)", () => {
  let out = '';
  beforeAll(async () => {
    out = await tempDir('meshc-kd-render-');
    const r = await runCli(['render', 'examples/bookinfo', '-o', out, '--no-cache', '--quiet']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  }, 60_000);

  async function importJson(...dirs: string[]) {
    const r = await runCli(['import', ...dirs, '--dry-run', '--format', 'json'], { cwd: out });
    const report = JSON.parse(r.stdout) as {
      diagnostics: { code: string; severity: string; message: string; file?: string; pointer?: string }[];
      skipped: string[];
    };
    const inKustomize = report.diagnostics.filter((d) =>
      /kustomization\.yaml$|\/patches\//.test(d.file ?? ''),
    );
    return { r, report, inKustomize };
  }

  it("one environment (overlay, base, cluster objects): kustomize's files are skipped with one note, no finding", async () => {
    const { r, report, inKustomize } = await importJson(
      'overlays/staging',
      'base/linkerd',
      'clusters/staging-1',
    );
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.diagnostics.filter((d) => d.code === 'IMPORT_INVALID_OBJECT')).toEqual([]);
    expect(inKustomize).toEqual([]);
    expect(report.skipped).toContain('overlays/staging/bookinfo/kustomization.yaml');
    expect(report.skipped).toContain('base/linkerd/bookinfo/kustomization.yaml');
    expect(report.skipped).toContain('clusters/staging-1/kustomization.yaml');
    const text = await runCli(['import', 'overlays/staging', 'base/linkerd', '--dry-run'], { cwd: out });
    expect(text.stderr).toMatch(/meshc: skipped \d+ kustomize files/);
    expect(text.stdout).not.toContain('kustomization.yaml');
    expect(r.stdout).not.toContain('IMPORT_INVALID_OBJECT');
  });

  it("an overlay's patches (the environment's differences) and a base left out are reported once each", async () => {
    const both = await importJson('overlays/edge', 'base/consul');
    expect(both.inKustomize.map((d) => `${d.code} ${d.file} ${d.pointer}`)).toEqual([
      'IMPORT_NOT_CARRIED overlays/edge/bookinfo/meshc/kustomization.yaml /patches',
    ]);
    expect(both.report.skipped.filter((f) => f.includes('/patches/')).length).toBeGreaterThan(0);
    const alone = await importJson('overlays/edge');
    expect(alone.inKustomize.map((d) => `${d.code} ${d.file} ${d.pointer}`)).toEqual([
      'IMPORT_NOT_CARRIED overlays/edge/bookinfo/kustomization.yaml /resources/0',
      'IMPORT_NOT_CARRIED overlays/edge/bookinfo/meshc/kustomization.yaml /patches',
    ]);
    expect(path.isAbsolute(alone.report.skipped[0]!)).toBe(false);
  });
});

// --- 4. Linkerd authorization -------------------------------------------------------------------------------------

describe('Linkerd authorization on import: never wider than the cluster, every narrowing said', () => {
  /** Namespace shop (its default inbound policy when given), web on 8080 and 9090, api and its identity. */
  const platform = (nsPolicy?: string) => `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  annotations: { linkerd.io/inject: enabled${nsPolicy ? `, config.linkerd.io/default-inbound-policy: ${nsPolicy}` : ''} }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080 }, { name: http-admin, port: 9090 }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec: { template: { metadata: { labels: { app: api } }, spec: { serviceAccountName: api } } }
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: api, namespace: shop }
spec: { identities: [api.shop.serviceaccount.identity.linkerd.cluster.local] }
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: { name: anyone, namespace: shop }
spec: { networks: [{ cidr: 0.0.0.0/0 }, { cidr: ::/0 }] }
`;
  /** web's Server on 8080. */
  const server = (accessPolicy = 'deny') => `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: web-http, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, port: 8080, accessPolicy: ${accessPolicy} }
`;
  /** An AuthorizationPolicy on `target` (Server web-http, or an HTTPRoute) with the authentication `authn`. */
  const policy = (name: string, kind: 'Server' | 'HTTPRoute', target: string, authn: string) => `
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: shop }
spec:
  targetRef: { group: policy.linkerd.io, kind: ${kind}, name: ${target} }
  requiredAuthenticationRefs:
  - { group: policy.linkerd.io, kind: ${authn === 'anyone' ? 'NetworkAuthentication' : 'MeshTLSAuthentication'}, name: ${authn} }
`;

  const clients: Record<string, Client> = {
    api: { identity: 'api.shop.serviceaccount.identity.linkerd.cluster.local', ip: '10.0.0.1' },
    meshed: { identity: 'cart.shop.serviceaccount.identity.linkerd.cluster.local', ip: '10.0.0.2' },
    plaintext: { ip: '10.0.0.99' },
  };
  /** GET on the probe path of port 8080 from each client `before` refused: what Linkerd's probe route admits. */
  const probesOf = (before: readonly string[]) =>
    ['api', 'meshed', 'plaintext']
      .filter((c) => !before.includes(`${c}:8080 GET /healthz: allow`))
      .map((c) => `${c}:8080 GET /healthz: allow`);
  const requests: HttpRequest[] = [
    { method: 'GET', path: '/healthz' },
    { method: 'GET', path: '/public' },
    { method: 'POST', path: '/other' },
  ];

  /** Imports the documents, renders the imported spec for Linkerd, and decides the corpus on both, per port. */
  function roundTrip(nsPolicy: string | undefined, ...docs: string[]) {
    const imported = importFiles([{ path: 'input.yaml', text: [platform(nsPolicy), ...docs].join('---\n') }]);
    expect(imported.loadDiagnostics).toEqual([]);
    const { renders } = compileImported(imported.spec);
    const rendered = [...renders[0]!.output.namespaces.values()].flat() as unknown as Manifest[];
    const input = imported.objects.map((o) => o.object) as unknown as Manifest[];
    const pod = {
      namespace: 'shop',
      labels: { app: 'web' },
      serviceAccount: 'web',
      ports: { http: 8080, 'http-admin': 9090 },
      probes: { 8080: ['/healthz'], 9090: ['/healthz'] },
    };
    const decide = (objects: readonly Manifest[]) =>
      [8080, 9090].flatMap((port) =>
        requests.flatMap((r) =>
          Object.entries(clients).map(([name, c]) => {
            const d = inboundDecision(objects, pod, port, r, c);
            return `${name}:${port} ${r.method} ${r.path}: ${d === 'not-found' ? 'deny' : d}`;
          }),
        ),
      );
    const before = decide(input);
    const after = decide(rendered);
    const diagnostics = imported.result.diagnostics;
    return {
      before,
      after,
      widened: after.filter((d, i) => d.endsWith('allow') && !before[i]!.endsWith('allow')),
      codes: codesOf(diagnostics),
      /** The messages of the findings at `pointer` that name `ref`, joined. */
      at: (pointer: string, ref: string) =>
        diagnostics
          .filter((d) => d.pointer === pointer && d.message.includes(ref))
          .map((d) => d.message)
          .join('\n'),
      web: imported.result.files.find((f) => f.path === 'services/shop/web.yaml')?.content ?? '',
    };
  }

  describe('a: Servers that do not cover every port of the service', () => {
    it('a port without a Server has the namespace default (deny): the Server rules do not reach it', () => {
      const t = roundTrip('deny', server(), policy('web-http', 'Server', 'web-http', 'api'));
      expect(t.before).toContain('api:8080 POST /other: allow');
      expect(t.before).toContain('api:9090 POST /other: deny');
      expect(t.widened).toEqual([]);
      expect(t.web).toContain('access: []');
      expect(t.at('/spec/port', 'Server shop/web-http')).toContain(
        'no Server selects port 9090 of web, where Linkerd applies the default inbound policy deny of namespace shop, which admits nobody',
      );
      expect(t.at('/spec/port', 'Server shop/web-http')).toContain('the import admits less on port 8080');
    });

    it('all-authenticated there, a Server admitting any network here: `*` is kept as any meshed caller', () => {
      const t = roundTrip('all-authenticated', server(), policy('web-http', 'Server', 'web-http', 'anyone'));
      expect(t.before).toContain('plaintext:8080 POST /other: allow');
      expect(t.before).toContain('plaintext:9090 POST /other: deny');
      expect(t.widened).toEqual([]);
      expect(t.after).toContain('meshed:9090 POST /other: allow');
      expect(t.at('/spec/port', 'Server shop/web-http')).toContain('with mtls: strict');
    });

    it("no default in the input: Linkerd's (all-unauthenticated) is assumed and said, the other port admits less", () => {
      const t = roundTrip(undefined, server(), policy('web-http', 'Server', 'web-http', 'api'));
      expect(t.widened).toEqual([]);
      const message = t.at('/spec/port', 'Server shop/web-http');
      expect(message).toContain(
        "no Server selects port 9090 of web, where Linkerd applies the cluster's default inbound policy (namespace shop names none in the input; Linkerd's default, all-unauthenticated, was assumed), which admits any caller",
      );
      expect(message).toContain(
        'only what every port admits was kept (shop/api), and the import admits less on port 9090',
      );
    });

    it("a Server's accessPolicy as the service's mTLS mode: the stricter of it and the other port's default", () => {
      const t = roundTrip('all-authenticated', server('all-unauthenticated'));
      expect(t.before).toContain('plaintext:8080 POST /other: allow');
      expect(t.before).toContain('plaintext:9090 POST /other: deny');
      expect(t.widened).toEqual([]);
      expect(t.web).toContain('mtls: strict');
      expect(t.codes).toContain('IMPORT_APPROXIMATED /spec/port');
    });
  });

  it('b: a route on both a Service and a Server: its callers are said lost, at the Server parent', () => {
    const route = `
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-public, namespace: shop }
spec:
  parentRefs:
  - { group: policy.linkerd.io, kind: Server, name: web-http }
  - { group: core, kind: Service, name: web, port: 8080 }
  rules: [{ matches: [{ path: { type: PathPrefix, value: /public } }] }]
`;
    const t = roundTrip(undefined, server(), route, policy('web-public', 'HTTPRoute', 'web-public', 'api'));
    expect(t.before).toContain('api:8080 GET /public: allow');
    expect(t.after).toContain('api:8080 GET /public: deny');
    // Only what Linkerd's probe route admits again (said at the Server: c below).
    expect(t.widened).toEqual(probesOf(t.before));
    expect(t.at('/spec/port', 'Server shop/web-http')).toContain('default probe route');
    const message = t.at('/spec/parentRefs/0', 'HTTPRoute shop/web-public');
    expect(message).toContain('Linkerd also uses it as an inbound route of Server web-http');
    expect(message).toContain('none of its callers (shop/api) was kept for those requests');
    expect(message).toContain('and it admits less');
    expect(message).not.toContain('a Server parent has no spec form');
    // The outbound side is the service's routes, as before.
    expect(t.web).toContain('prefix: /public');
  });

  describe("c: Linkerd's default probe route", () => {
    const catchAll = `
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-all, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-http }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: / } }] }]
`;

    it('routes on the Server, access without methods or paths: the render gets the probe route back (said)', () => {
      const t = roundTrip(undefined, server(), catchAll, policy('web-all', 'HTTPRoute', 'web-all', 'api'));
      // On the cluster the route refuses the probe; the render's Server has no route, so Linkerd admits it.
      expect(t.before).toContain('plaintext:8080 GET /healthz: deny');
      expect(t.widened).toEqual(probesOf(t.before));
      expect(t.at('/spec/port', 'Server shop/web-http')).toContain(
        'it has inbound routes (HTTPRoute shop/web-all), so Linkerd authorizes no kubelet probe on it by itself',
      );
    });

    it('access: [] after routes: said the same', () => {
      const t = roundTrip(undefined, server(), catchAll);
      expect(t.web).toContain('access: []');
      expect(t.widened).toEqual(probesOf(t.before));
      expect(t.at('/spec/port', 'Server shop/web-http')).toContain('(access: [])');
    });

    it('without routes on the cluster, or with routes in the render, nothing to say', () => {
      expect(
        roundTrip(undefined, server(), policy('web-http', 'Server', 'web-http', 'api')).at(
          '/spec/port',
          'probe',
        ),
      ).toBe('');
      const routed = `
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: web-public, namespace: shop }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: web-http }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: /public } }] }]
`;
      const t = roundTrip(
        undefined,
        server(),
        routed,
        policy('web-public', 'HTTPRoute', 'web-public', 'api'),
      );
      expect(t.widened).toEqual([]);
      expect(t.at('/spec/port', 'probe')).toBe('');
    });
  });
});
