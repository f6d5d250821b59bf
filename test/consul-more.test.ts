/**
 * Consul: services whose Kubernetes Services can select the same pods. consul-k8s registers a pod once per
 * Kubernetes Service that selects it, and connect-init refuses a pod registered as two Consul services; with
 * the pod's connect-service name, the two registrations overwrite each other's virtual address.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

const env = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh:
      type: consul
      version: "1.21"
      mtls: strict
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

/** A Service `<namespace>/<name>` with one HTTP port; `body`: lines added to its `spec` (indented 2). */
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

const compileShop = (files: Record<string, string>) =>
  compileInline({ 'environments/prod.yaml': env, ...files });
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
const overlaps = (ds: readonly Diagnostic[]) =>
  errors(ds).filter((d) => d.message.includes('consul-k8s registers a pod once'));

describe('services whose Kubernetes Services can select the same pods', () => {
  it('are refused at the later selector, without access or mtls', () => {
    const api = service('api', ['  selector: { app: api }']);
    const admin = service('api-admin', ['  selector: { app: api, role: admin }']);
    const r = compileShop({ 'services/api.yaml': api, 'services/api-admin.yaml': admin });
    // Before: none (validate's SERVICE_SELECTOR_OVERLAP wants access or mtls), and a pod of api-admin was
    // registered as api and api-admin: its connect-init never let it start.
    expect(errors(r.diagnostics).map((d) => [d.code, at(d)])).toEqual([
      ['MESH_CONSTRAINT', place('services/api-admin.yaml', admin, 'selector:', '{')],
    ]);
    const [d] = overlaps(r.diagnostics);
    expect(d!.message).toBe(
      'Services shop/api and shop/api-admin can select the same pods ({app: api} and {app: api, role: admin} require no label to differ), and consul-k8s registers a pod once for each Kubernetes Service that selects it: as two Consul services, which its connect-init refuses ("There are multiple Consul services registered for this pod when there must only be one"), or, under its consul.hashicorp.com/connect-service name, as one whose transparent-proxy address each Service overwrites with its own cluster IP.',
    );
    expect(d!.related?.map((x) => [x.message, at(x)])).toEqual([
      ['the selector of shop/api', place('services/api.yaml', api, 'selector:', '{')],
    ]);
  });

  it('point at the spec of a later service with the default selector, and count external Services too', () => {
    const web = service('web', ['  kubernetesService: external']);
    const r = compileShop({
      'services/all.yaml': service('all', ['  selector: { tier: front }']),
      'services/web.yaml': web,
    });
    expect(overlaps(r.diagnostics).map((d) => at(d))).toEqual([
      place('services/web.yaml', web, 'spec:', 'spec'),
    ]);
  });

  it('are refused once as one Consul service when they share a service account', () => {
    const r = compileShop({
      'services/api.yaml': service('api', ['  selector: { app: api }', '  serviceAccount: api']),
      'services/api-admin.yaml': service('api-admin', [
        '  selector: { app: api, role: admin }',
        '  serviceAccount: api',
      ]),
    });
    expect(overlaps(r.diagnostics)).toEqual([]);
    expect(errors(r.diagnostics).map((d) => d.message)).toEqual([
      expect.stringContaining('would both be the Consul service "api"'),
    ]);
  });

  it('leave services that differ in a label, and services of other namespaces, alone', () => {
    const r = compileShop({
      'services/a.yaml': service('a', ['  selector: { app: a, tier: web }']),
      'services/b.yaml': service('b', ['  selector: { app: b, tier: web }']),
      'services/c.yaml': service('c', ['  selector: { tier: web }'], 'other'),
    });
    expect(errors(r.diagnostics)).toEqual([]);
  });
});
