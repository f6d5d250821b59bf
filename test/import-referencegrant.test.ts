/**
 * Gateway API ReferenceGrants in `meshc import`. A route to a Service of another namespace needs a grant there
 * (Gateway API); meshc's Linkerd render writes `<from>-httproutes` for it (gamma.ts `buildServiceReferenceGrant`),
 * so its own output holds grants, which the import reads with the routes: a grant a carried backendRef needs and
 * the render writes again is consumed, any other grant or entry is reported (the render drops it), and a carried
 * backendRef without a grant is reported where the render changes something. Linkerd (2.16 to 2.20) reads no
 * ReferenceGrant and Istio checks them for routes on a Gateway only: routes on a Service send across namespaces
 * without one. An ingress Gateway refuses such a backend (`RefNotPermitted`, 500).
 */
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../src/core/canonical.ts';
import type { SourcedObject } from '../src/core/import-types.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { compile } from '../src/compile.ts';
import { importObjects } from '../src/import/index.ts';
import { parsedObjects } from './helpers/import.ts';
import type { EnvRender } from '../src/plan/emit.ts';
import type { SourceFile } from '../src/parse/source.ts';

const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ledger, namespace: payments }
spec: { selector: { app: ledger }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: audit, namespace: payments }
spec: { selector: { app: audit }, ports: [{ name: http, port: 8080 }] }
`;

/** A route of shop on Service web: 90% to web, 10% to payments/ledger. */
const ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: web, port: 8080 }]
  rules:
  - backendRefs:
    - { group: "", kind: Service, name: web, port: 8080, weight: 90 }
    - { group: "", kind: Service, name: ledger, namespace: payments, port: 8080, weight: 10 }
`;

/** A grant in payments (meshc's form unless told): `from` namespaces, `to` entries. */
const grant = (
  from: readonly string[] = ['shop'],
  to = '[{ group: "", kind: Service }]',
  name = 'shop-httproutes',
) => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: ${name}, namespace: payments }
spec:
  from: [${from.map((ns) => `{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ${ns} }`).join(', ')}]
  to: ${to}
`;

type Mesh = 'istio' | 'linkerd';

function run(mesh: Mesh, ...docs: string[]) {
  const result = importObjects(parsedObjects([SERVICES, ...docs].join('\n---\n')), {
    meshes: [{ type: mesh, evidence: ['test'] }],
  });
  const codes = result.diagnostics.map((d) => `${d.code} ${d.message.split(' ')[0]} ${d.pointer}`).sort();
  /** The message of the finding at `pointer` of the object whose reference the message starts with or names. */
  const at = (pointer: string, ref: string) =>
    result.diagnostics.find((d) => d.pointer === pointer && d.message.includes(ref))?.message ?? '';
  return { result, codes, at };
}

const BACKEND = '/spec/rules/0/backendRefs/1';

describe('ReferenceGrants on Linkerd (its render writes <from>-httproutes for every route across namespaces)', () => {
  it("meshc's grant for a carried cross-namespace backendRef is consumed: no finding", () => {
    expect(run('linkerd', ROUTE, grant()).codes).toEqual([]);
  });

  it('the grant may have any name and be one of several for that route', () => {
    expect(run('linkerd', ROUTE, grant(['shop'], undefined, 'allow-shop')).codes).toEqual([]);
  });

  it('a backendRef without a grant: Linkerd sends there all the same, the render adds one (approximated)', () => {
    const { codes, at } = run('linkerd', ROUTE);
    expect(codes).toEqual([`IMPORT_APPROXIMATED spec.rules[0].backendRefs[1] ${BACKEND}`]);
    const message = at(BACKEND, 'HTTPRoute shop/web');
    expect(message).toContain(
      'the input has no ReferenceGrant in payments that lets HTTPRoutes of shop reach Service ledger',
    );
    expect(message).toContain(
      'Linkerd does not check grants and sends these requests to ledger all the same',
    );
    expect(message).toContain("meshc's render adds ReferenceGrant payments/shop-httproutes");
    expect(message).toContain('if the grant exists but is not in the input, nothing changes');
  });

  it('a grant no carried route needs is not carried, at the object: the render drops it', () => {
    const { codes, at } = run('linkerd', grant(['shop'], undefined, 'orphan'));
    expect(codes).toEqual(['IMPORT_NOT_CARRIED ReferenceGrant ']);
    const message = at('', 'ReferenceGrant payments/orphan');
    expect(message).toContain('meshc renders a ReferenceGrant only where a route of the spec needs one');
    expect(message).toContain('no route the import carried uses it');
    expect(message).toContain('could break what relied on it outside the spec');
  });

  it('entries no carried route needs are not carried, at each entry; the rest is consumed', () => {
    const { codes, at } = run(
      'linkerd',
      ROUTE,
      grant(['shop', 'batch'], '[{ group: "", kind: Service }, { group: "", kind: Secret }]'),
    );
    expect(codes).toEqual([
      'IMPORT_NOT_CARRIED spec.from[1] /spec/from/1',
      'IMPORT_NOT_CARRIED spec.to[1] /spec/to/1',
    ]);
    expect(at('/spec/from/1', 'ReferenceGrant payments/shop-httproutes')).toContain(
      'no route the import carried uses it; the render drops it',
    );
  });

  it('a grant to one Service by name: the render grants every Service of the namespace (approximated)', () => {
    const { codes, at } = run(
      'linkerd',
      ROUTE,
      grant(['shop'], '[{ group: "", kind: Service, name: ledger }]'),
    );
    expect(codes).toEqual(['IMPORT_APPROXIMATED spec.to[0].name /spec/to/0/name']);
    expect(at('/spec/to/0/name', 'ReferenceGrant payments/shop-httproutes')).toContain(
      "meshc's render lets the HTTPRoutes of shop reach every Service of payments (ReferenceGrant payments/shop-httproutes), not only ledger",
    );
  });

  it('a grant to another Service than the route sends to does not let it through; the render grants both', () => {
    const { codes, at } = run(
      'linkerd',
      ROUTE,
      grant(['shop'], '[{ group: "", kind: Service, name: audit }]'),
    );
    expect(codes).toEqual([
      'IMPORT_APPROXIMATED spec.rules[0].backendRefs[1] /spec/rules/0/backendRefs/1',
      'IMPORT_APPROXIMATED spec.to[0].name /spec/to/0/name',
    ]);
    expect(at('/spec/to/0/name', 'ReferenceGrant payments/shop-httproutes')).toContain('not only audit');
  });

  it('a grant into a namespace the imported environment does not deploy is not carried', () => {
    const route = ROUTE.replace('name: ledger, namespace: payments', 'name: invoice, namespace: billing');
    const { codes, at } = run('linkerd', route, grant().replace('namespace: payments', 'namespace: billing'));
    expect(codes).toContain('IMPORT_NOT_CARRIED ReferenceGrant ');
    expect(codes.some((c) => c.includes('backendRefs'))).toBe(false);
    expect(at('', 'ReferenceGrant billing/shop-httproutes')).toContain(
      'no Service of billing is in the input, so the imported environment does not deploy billing',
    );
  });

  it('the grant of a route that is not carried is not carried either', () => {
    // The only rule has no match entry with a spec form: the rule, and its backendRefs, are not carried.
    const route = ROUTE.replace(
      '  - backendRefs:',
      '  - matches: [{ path: { type: Unknown, value: / } }]\n    backendRefs:',
    );
    const { codes } = run('linkerd', route, grant());
    expect(codes).toContain('IMPORT_NOT_CARRIED ReferenceGrant ');
    expect(codes.some((c) => c.includes('backendRefs'))).toBe(false);
  });
});

describe('ReferenceGrants on Istio (routes on a Service need none; its render writes VirtualServices)', () => {
  it('a cross-namespace backendRef without a grant: no finding (Istio does not check grants for it)', () => {
    expect(run('istio', ROUTE).codes).toEqual([]);
  });

  it('the grant of a carried route is not carried: the render writes no grant', () => {
    const { codes, at } = run('istio', ROUTE, grant());
    expect(codes).toEqual(['IMPORT_NOT_CARRIED ReferenceGrant ']);
    expect(at('', 'ReferenceGrant payments/shop-httproutes')).toContain(
      "the carried routes that use it need none in meshc's render (Istio does not check grants for routes on a Service, and meshc's Istio render writes none)",
    );
  });
});

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: public, namespace: edge }
spec:
  gatewayClassName: contour
  listeners: [{ name: http, protocol: HTTP, port: 80 }]
`;

/** An ingress route of namespace edge, on Gateway edge/public, to Service payments/ledger. */
const INGRESS = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ledger, namespace: edge }
spec:
  parentRefs: [{ name: public }]
  hostnames: [ledger.example.com]
  rules:
  - backendRefs: [{ name: ledger, namespace: payments, port: 8080 }]
`;

const INGRESS_GRANT = grant(['edge'], undefined, 'edge-ingress');

describe('ReferenceGrants of ingress routes (the Gateway checks them; meshc writes the route beside its Service)', () => {
  for (const mesh of ['istio', 'linkerd'] as const) {
    it(`${mesh}: an ingress backend in another namespace without a grant is refused on the cluster (approximated)`, () => {
      const { codes, at } = run(mesh, GATEWAY, INGRESS);
      const pointer = '/spec/rules/0/backendRefs/0';
      expect(codes).toEqual([`IMPORT_APPROXIMATED spec.rules[0].backendRefs[0] ${pointer}`]);
      const message = at(pointer, 'HTTPRoute edge/ledger');
      expect(message).toContain(
        'the Gateway refuses this backend (Gateway API: ResolvedRefs False, RefNotPermitted)',
      );
      expect(message).toContain(
        "meshc's render writes the ingress route in payments, beside ledger, so they reach it",
      );
      expect(message).toContain('if the grant exists but is not in the input, nothing changes');
    });

    it(`${mesh}: with its grant, the route is carried and the grant is reported (the render needs none)`, () => {
      const { codes, at } = run(mesh, GATEWAY, INGRESS, INGRESS_GRANT);
      expect(codes).toEqual(['IMPORT_NOT_CARRIED ReferenceGrant ']);
      expect(at('', 'ReferenceGrant payments/edge-ingress')).toContain(
        'meshc writes the ingress route of payments/ledger in payments, beside its Service',
      );
    });
  }
});

// --- round trip: meshc's own Linkerd output with a route across namespaces imports with no finding -------------

const SPEC: SourceFile[] = [
  {
    path: 'meshc.yaml',
    text: `apiVersion: meshc.dev/v1alpha1
kind: Project
metadata: { name: shop }
spec:
  include: ["services/*.yaml", "environments/*.yaml"]
  output: out
`,
  },
  {
    path: 'environments/prod.yaml',
    text: `apiVersion: meshc.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  cluster: prod-1
  mesh: { type: linkerd, version: "2.18" }
  gitops: { engine: flux, repo: https://github.com/acme/shop-mesh.git, path: out }
`,
  },
  {
    path: 'services/shop.yaml',
    text: `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: catalog, namespace: shop }
spec:
  ports: [{ name: http, port: 8080 }]
  routes:
    - match: [{ path: { prefix: /pay } }]
      backends: [{ service: payments/ledger }]
    - backends:
        - { service: catalog, weight: 80 }
        - { service: payments/ledger, weight: 20 }
---
apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: ledger, namespace: payments }
spec:
  ports: [{ name: http, port: 8080 }]
`,
  },
];

function render(files: readonly SourceFile[]): EnvRender {
  const compiled = compile(files, { until: 'emit' });
  const errors = [...compiled.diagnostics, ...(compiled.emitted?.diagnostics ?? [])].filter(
    (d) => d.severity === 'error',
  );
  expect(errors).toEqual([]);
  return compiled.emitted!.renders[0]!;
}

/** The rendered objects of the application namespaces, with a Deployment per service, as a cluster holds them. */
function cluster(r: EnvRender): SourcedObject[] {
  const out: K8sObject[] = [...[...r.output.namespaces.values()].flat()];
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

/** The grants and the routes' parents and backendRefs of a render (route object and rule names aside). */
function crossNamespaceMeaning(r: EnvRender): unknown {
  const all = [...r.output.namespaces.values()].flat().map((o) => canonicalize(o) as K8sObject);
  const spec = (o: K8sObject) => o.spec as { parentRefs?: unknown; rules?: { backendRefs?: unknown }[] };
  return {
    grants: all.filter((o) => o.kind === 'ReferenceGrant'),
    routes: all
      .filter((o) => o.kind === 'HTTPRoute')
      .map((o) => ({
        namespace: o.metadata.namespace,
        parents: spec(o).parentRefs,
        backends: (spec(o).rules ?? []).map((x) => x.backendRefs),
      })),
  };
}

describe("meshc's own Linkerd output with routes across namespaces", () => {
  it('imports with no finding, and the imported spec renders the same grant and backendRefs', () => {
    const first = render(SPEC);
    const grants = [...first.output.namespaces.values()].flat().filter((o) => o.kind === 'ReferenceGrant');
    expect(grants.map((g) => `${g.metadata.namespace}/${g.metadata.name}`)).toEqual([
      'payments/shop-httproutes',
    ]);
    const result = importObjects(cluster(first), {
      meshes: [{ type: 'linkerd', version: '2.18', evidence: ['test'] }],
    });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    const second = render(result.files.map((f) => ({ path: f.path, text: f.content })));
    expect(crossNamespaceMeaning(second)).toEqual(crossNamespaceMeaning(first));
  });
});
