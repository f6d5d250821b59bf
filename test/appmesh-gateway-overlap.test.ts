/**
 * App Mesh: a service whose VirtualNode can select the pods of the ingress VirtualGateway. The controller's
 * injector looks up both for every pod of an injected namespace (VirtualNodes and VirtualGateways of the pod's
 * namespace, by `podSelector`) and refuses a pod that has both ("sidecarInject enabled for both virtualNode …
 * and virtualGateway …", aws-app-mesh-controller-for-k8s v1.13.3 `pkg/inject/inject.go`). Through the whole
 * pipeline, at the node the finding names.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { compileInline } from './helpers/spec-tree.ts';

/** An App Mesh environment `am` with a native ingress gateway `edge`; `ingress`: extra `mesh.ingress` fields. */
function environment(ingress = ''): string {
  return [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    'metadata: { name: am }',
    'spec:',
    '  cluster: am-1',
    '  mesh:',
    '    type: appmesh',
    "    version: '1.13'",
    '    mtls: permissive',
    '    install:',
    "      chartVersion: '1.13.3'",
    '      values:',
    '        region: eu-west-1',
    '        serviceAccount:',
    '          annotations:',
    '            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/appmesh-controller',
    '    trust: { sds: {} }',
    `    ingress: { className: edge, api: native${ingress} }`,
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    '',
  ].join('\n');
}

/** A Service `<namespace>/<name>`; `body`: lines added to its `spec` (indented 2). */
const service = (name: string, body: string[] = [], namespace = 'shop') =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: ${namespace} }`,
    'spec:',
    '  ports: [{ name: http, port: 8080, protocol: http }]',
    ...body,
    '',
  ].join('\n');

const EXPOSED = '  ingress: { hosts: [web.example.com] }';
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const at = (d: { location?: Diagnostic['location'] }) =>
  `${d.location?.file}:${d.location?.line}:${d.location?.col}`;
/** `file:line:col` of the first `token` on the first line of `text` holding `after` (1-based). */
function place(file: string, text: string, after: string, token: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(after));
  const col = lines[line]!.indexOf(token, lines[line]!.indexOf(after)) + 1;
  return `${file}:${line + 1}:${col}`;
}

describe("services whose VirtualNodes select the ingress gateway's pods", () => {
  const IN_SHOP = ', namespace: shop';

  it("are refused at the service's selector when it requires the gateway's label", () => {
    const env = environment(IN_SHOP);
    const web = service('web', ['  selector: { app.kubernetes.io/name: web }', EXPOSED]);
    const admin = service('edge-admin', ['  selector: { app.kubernetes.io/name: edge, role: admin }']);
    const r = compileInline({
      'environments/am.yaml': env,
      'services/web.yaml': web,
      'services/edge-admin.yaml': admin,
    });
    const found = errors(r.diagnostics);
    // Before: none, and every pod of edge-admin was refused by the injector (the gateway selects it too).
    expect(found.map((d) => [d.code, at(d)])).toEqual([
      ['MESH_CONSTRAINT', place('services/edge-admin.yaml', admin, 'selector:', '{')],
    ]);
    expect(found[0]!.message).toBe(
      'Service shop/edge-admin and the ingress VirtualGateway edge of its namespace select the same pods (its VirtualNode selects {app.kubernetes.io/name: edge, role: admin}, so its pods carry the gateway\'s {app.kubernetes.io/name: edge}), and App Mesh\'s injector refuses a pod that both a VirtualNode and a VirtualGateway select ("sidecarInject enabled for both virtualNode and virtualGateway"): such a pod would never start.',
    );
    expect(found[0]!.hint).toBe(
      'Select the pods of edge-admin by labels of their own (a value of app.kubernetes.io/name other than edge, for example edge-admin), or run the gateway in a namespace without services (mesh.ingress.namespace, appmesh-ingress by default).',
    );
    expect(found[0]!.related?.map((x) => [x.message, at(x)])).toEqual([
      ['the ingress gateway shop/edge', place('environments/am.yaml', env, 'namespace: shop', 'shop')],
    ]);
  });

  it("are refused when the gateway's Envoy pods carry every label a VirtualNode selects, at a version's labels", () => {
    // The appmesh-gateway chart labels its pods app.kubernetes.io/component: appmesh-gateway.
    const envoys = service('envoy-stats', ['  selector: { app.kubernetes.io/component: appmesh-gateway }']);
    const jobs = service('jobs', [
      '  selector: { tier: batch }',
      '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2, app.kubernetes.io/name: edge } } }',
    ]);
    const r = compileInline({
      'environments/am.yaml': environment(IN_SHOP),
      'services/web.yaml': service('web', ['  selector: { app.kubernetes.io/name: web }', EXPOSED]),
      'services/envoy-stats.yaml': envoys,
      'services/jobs.yaml': jobs,
    });
    const gateway = errors(r.diagnostics).filter((d) => d.message.includes('ingress VirtualGateway'));
    expect(gateway.map((d) => at(d))).toEqual([
      place('services/envoy-stats.yaml', envoys, 'selector:', '{'),
      place('services/jobs.yaml', jobs, 'v2:', '{ version: v2'),
    ]);
    expect(gateway[0]!.message).toContain(
      "its VirtualNode selects {app.kubernetes.io/component: appmesh-gateway}, which the gateway's Envoy pods carry ({app.kubernetes.io/name: edge, app.kubernetes.io/component: appmesh-gateway})",
    );
    expect(gateway[1]!.message).toContain(
      "its VirtualNode selects {tier: batch, version: v2, app.kubernetes.io/name: edge}, so its pods carry the gateway's",
    );
  });

  it("leave alone selectors that only may meet the gateway's: AWS's walkthroughs run the gateway beside the application", () => {
    // aws-app-mesh-examples howto-k8s-ingress-gateway: the VirtualGateway in the application's namespace,
    // whose VirtualNodes select `app: color` and the like.
    const r = compileInline({
      'environments/am.yaml': environment(IN_SHOP),
      'services/web.yaml': service('web', ['  selector: { app: web }', EXPOSED]),
      'services/db.yaml': service('db', [
        '  selector: { app: db }',
        '  versions: { v1: { labels: { version: v1 } } }',
      ]),
    });
    expect(errors(r.diagnostics)).toEqual([]);
    // The rendered VirtualGateway selects what the check compares with.
    const render = r.emitted!.renders.find((x) => x.env.name === 'am')!;
    const gw = render.output.system.find((o) => o.kind === 'VirtualGateway')!;
    expect(gw.metadata).toMatchObject({ name: 'edge', namespace: 'shop' });
    expect((gw.spec as { podSelector: unknown }).podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'edge' },
    });
  });

  it('leave alone the services of other namespaces, and environments without a VirtualGateway', () => {
    const admin = service('edge-admin', ['  selector: { app.kubernetes.io/name: edge }']);
    // The gateway in appmesh-ingress (the default): the injector looks up VirtualGateways in the pod's namespace.
    const other = compileInline({
      'environments/am.yaml': environment(),
      'services/web.yaml': service('web', ['  selector: { app.kubernetes.io/name: web }', EXPOSED]),
      'services/edge-admin.yaml': admin,
    });
    expect(errors(other.diagnostics)).toEqual([]);
    // No exposed service: meshc renders no VirtualGateway.
    const none = compileInline({
      'environments/am.yaml': environment(IN_SHOP),
      'services/edge-admin.yaml': admin,
    });
    expect(errors(none.diagnostics)).toEqual([]);
  });
});
