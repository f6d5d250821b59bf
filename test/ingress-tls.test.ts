/**
 * Issue 10: `mesh.ingress.tls`, end to end for every way meshc exposes services (Istio with Gateway API, Istio's
 * own Gateway, Linkerd with Gateway API through the shared builders). Each spec is compiled and emitted; the
 * output is checked against the upstream CRDs and read back as a gateway would read it: which listener or server
 * each route is served on, which certificate it presents, and what a plain-HTTP request gets.
 */
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import { validateObject } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

const environment = (mesh: string, version: string, ingress: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh:
      type: ${mesh}
      version: "${version}"
      mtls: strict
      ingress: ${ingress}
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

const service = (name: string, hosts: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ${name}, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080, protocol: http }]
    ingress: { hosts: ${hosts}, paths: [{ prefix: / }] }
`;

const CERT_MANAGER = '{ certManager: { issuer: letsencrypt, kind: ClusterIssuer } }';
const SECRET = '{ secretName: shop-tls }';

function render(mesh: string, version: string, ingress: string): K8sObject[] {
  const compiled = compileInline(
    {
      'environments/prod.yaml': environment(mesh, version, ingress),
      'services/web.yaml': service('web', '[shop.example.com, www.example.com]'),
      'services/api.yaml': service('api', '[api.example.com]'),
    },
    { until: 'emit' },
  );
  expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return compiled.emitted!.renders.flatMap((r) => [
    ...[...r.output.namespaces.values()].flat(),
    ...r.output.system,
  ]);
}

type Obj = Record<string, unknown>;
const spec = (o: K8sObject | undefined) => (o?.spec ?? {}) as Obj;
const HOSTS = ['api.example.com', 'shop.example.com', 'www.example.com'];

/** The certificate Secret a cert-manager Certificate writes, with its DNS names. */
function certificates(objects: readonly K8sObject[]): Record<string, string[]> {
  return Object.fromEntries(
    objects
      .filter((o) => o.kind === 'Certificate' && o.metadata.namespace === 'edge')
      .map((o) => [String(spec(o).secretName), spec(o).dnsNames as string[]]),
  );
}

/**
 * Gateway API, as a gateway reads it: for each HTTPRoute, the listener it binds to (the parentRef's sectionName,
 * or every listener; the listener must admit the route's namespace), with what that listener serves.
 */
function gatewayApiBindings(objects: readonly K8sObject[]) {
  const gateway = objects.find((o) => o.kind === 'Gateway' && o.apiVersion.startsWith('gateway.networking'));
  const listeners = (spec(gateway).listeners ?? []) as Obj[];
  return objects
    .filter((o) => o.kind === 'HTTPRoute')
    .flatMap((route) =>
      ((spec(route).parentRefs ?? []) as Obj[])
        .filter((p) => p.kind === 'Gateway' && p.name === gateway?.metadata.name)
        .flatMap((p) =>
          listeners.filter((l) => {
            if (p.sectionName !== undefined && p.sectionName !== l.name) return false;
            const from = ((l.allowedRoutes as Obj).namespaces as Obj).from;
            return from === 'All' || route.metadata.namespace === gateway?.metadata.namespace;
          }),
        )
        .map((l) => ({
          route: `${route.metadata.namespace}/${route.metadata.name}`,
          port: l.port,
          protocol: l.protocol,
          secret: ((l.tls as Obj | undefined)?.certificateRefs as Obj[] | undefined)?.[0]?.name,
          redirect: ((spec(route).rules as Obj[])[0]?.filters as Obj[] | undefined)?.find(
            (f) => f.type === 'RequestRedirect',
          )?.requestRedirect,
          hosts: spec(route).hostnames,
        })),
    )
    .sort((a, b) => (a.route < b.route ? -1 : 1));
}

describe.each([
  ['istio', '1.24'],
  ['linkerd', '2.18'],
])('%s with Gateway API', (mesh, version) => {
  it('cert-manager: HTTPS on 443 with the issued certificate for every host; HTTP only redirects', () => {
    const objects = render(mesh, version, `{ className: eg, namespace: edge, tls: ${CERT_MANAGER} }`);
    expect(certificates(objects)).toEqual({ 'meshc-ingress-tls': HOSTS });
    expect(gatewayApiBindings(objects)).toEqual([
      {
        route: 'edge/meshc-ingress-https-redirect',
        port: 80,
        protocol: 'HTTP',
        secret: undefined,
        redirect: { scheme: 'https', statusCode: 301 },
        hosts: HOSTS,
      },
      {
        route: 'shop/api-ingress',
        port: 443,
        protocol: 'HTTPS',
        secret: 'meshc-ingress-tls',
        redirect: undefined,
        hosts: ['api.example.com'],
      },
      {
        route: 'shop/web-ingress',
        port: 443,
        protocol: 'HTTPS',
        secret: 'meshc-ingress-tls',
        redirect: undefined,
        hosts: ['shop.example.com', 'www.example.com'],
      },
    ]);
  });

  it('an existing Secret: no Certificate, the listener presents that Secret', () => {
    const objects = render(mesh, version, `{ className: eg, namespace: edge, tls: ${SECRET} }`);
    expect(certificates(objects)).toEqual({});
    expect(new Set(gatewayApiBindings(objects).map((b) => `${b.port} ${b.secret ?? '-'}`))).toEqual(
      new Set(['80 -', '443 shop-tls']),
    );
  });

  it('without tls: plain HTTP on 80, as before', () => {
    const objects = render(mesh, version, '{ className: eg, namespace: edge }');
    expect(certificates(objects)).toEqual({});
    expect(gatewayApiBindings(objects).map((b) => `${b.route} ${b.port}`)).toEqual([
      'shop/api-ingress 80',
      'shop/web-ingress 80',
    ]);
  });
});

describe('istio with its own Gateway', () => {
  it('HTTPS on 443 with the issued certificate; port 80 redirects every host to HTTPS', () => {
    const objects = render(
      'istio',
      '1.24',
      `{ className: istio, api: native, namespace: edge, tls: ${CERT_MANAGER} }`,
    );
    expect(certificates(objects)).toEqual({ 'meshc-ingress-tls': HOSTS });
    const gateway = objects.find((o) => o.kind === 'Gateway');
    const servers = spec(gateway).servers as Obj[];
    expect(servers.map((s) => [(s.port as Obj).number, s.hosts, s.tls])).toEqual([
      [80, HOSTS, { httpsRedirect: true }],
      [443, HOSTS, { mode: 'SIMPLE', credentialName: 'meshc-ingress-tls' }],
    ]);
    // Every ingress VirtualService is bound to that Gateway.
    const bound = objects.filter((o) => o.kind === 'VirtualService' && spec(o).gateways !== undefined);
    expect(bound.map((o) => spec(o).gateways)).toEqual([['edge/meshc-ingress'], ['edge/meshc-ingress']]);
  });
});

describeWithShared('HTTPS ingress objects match the upstream schemas', () => {
  const objects = [
    ...render('istio', '1.24', `{ className: istio, namespace: edge, tls: ${CERT_MANAGER} }`),
    ...render('istio', '1.24', `{ className: istio, api: native, namespace: edge, tls: ${SECRET} }`),
    ...render('linkerd', '2.18', `{ className: eg, namespace: edge, tls: ${CERT_MANAGER} }`),
  ].filter((o) => ['Gateway', 'HTTPRoute', 'Certificate'].includes(o.kind));

  it.each(
    objects.map((o) => [`${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o] as const),
  )('%s', (_name, obj) => {
    expect(validateObject(obj)).toEqual([]);
  });
});
