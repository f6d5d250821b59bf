import { it } from 'vitest';
import { stringify } from 'yaml';
import { emitEnvironments } from '../src/plan/emit.ts';
import { compileInline, dedent } from './helpers/spec-tree.ts';

const env = (name: string, cluster: string, type: string, version: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: ${name} }
  spec:
    cluster: ${cluster}
    mesh: { type: ${type}, version: "${version}", mtls: strict }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;
const svc = (name: string, body: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec:\n${dedent(body)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

const SPEC = {
  'environments/istio.yaml': env('mesh-istio', 'cluster-a', 'istio', '1.24'),
  'environments/linkerd.yaml': env('mesh-linkerd', 'cluster-b', 'linkerd', '2.18'),
  'services/reviews.yaml': svc('reviews', `
    ports: [{ name: http, port: 9080, protocol: http }]
    selector: { app: reviews }
    serviceAccount: reviews
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } }, v3: { labels: { version: v3 } } }
    routes:
      - name: jason
        match: [{ headers: { end-user: { exact: jason } } }]
        to: v2
        timeout: 2s
      - name: beta
        match: [{ path: { prefix: /api/beta }, method: GET }]
        to: v3
      - name: writes
        match: [{ method: POST }]
        backends:
          - { service: reviews, version: v1, weight: 80 }
          - { service: reviews-next, weight: 20 }
        timeout: 1500ms
      - name: default
        to: { v1: 90, v2: 10 }
        timeout: 5s
    access:
      - from: [productpage]
      - from: [ratings]
        methods: [GET]
        paths: [/api/*]
  `),
  'services/reviews-next.yaml': svc('reviews-next', `
    ports: [{ name: http, port: 9080, protocol: http }]
    selector: { app: reviews-next }
    serviceAccount: reviews-next
    access:
      - from: ['*']
  `),
  'services/ratings.yaml': svc('ratings', `
    ports: [{ name: http, port: 9080, protocol: http }]
    selector: { app: ratings }
    serviceAccount: ratings
    access:
      - from: [reviews, reviews-next]
        methods: [GET]
        paths: [/ratings/*]
  `),
  'services/productpage.yaml': svc('productpage', `
    ports: [{ name: http, port: 9080, protocol: http }]
    selector: { app: productpage }
    serviceAccount: productpage
  `),
};

it('dump', () => {
  const c = compileInline(SPEC);
  console.log(c.diagnostics.map((d) => `${d.severity} ${d.code} ${d.pointer} ${d.location?.file}:${d.location?.line} ${d.message}`).join('\n'));
  const e = emitEnvironments(c.plans);
  for (const r of e.renders) {
    console.log('=====', r.env.name, r.mesh);
    for (const [ns, objs] of r.output.namespaces) console.log('# ns', ns, '\n' + objs.map((o) => stringify(o)).join('---\n'));
    console.log('# system\n' + r.output.system.map((o) => stringify(o)).join('---\n'));
  }
});
