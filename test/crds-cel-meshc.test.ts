/**
 * meshc's own output against the CEL rules of the upstream CRDs, for spec values that the spec schema
 * accepts but an upstream CRD rule refuses (so the API server would refuse the emitted object and Flux /
 * Argo CD could not apply it). The conformance tests (render.test.ts and the backends' schema tests)
 * check the fixtures' output; these check the edges of what a valid spec may say.
 */
import { expect, it } from 'vitest';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { isKustomizeConfig, validateObjects } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { dedent } from './helpers/spec-tree.ts';
import { renderSources } from './helpers/render.ts';
import { PROJECT } from './helpers/spec-tree.ts';

const LINKERD_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: linkerd, version: "2.18", mtls: strict }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

/** The reviews service with one route matching `path` (a spec PathMatch) to v2, else v1. */
function reviewsWithPath(path: string): string {
  return dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080 }]
      versions:
        v1: { labels: { version: v1 } }
        v2: { labels: { version: v2 } }
      routes:
        - name: api
          match:
            - path: ${path}
          to: v2
        - to: v1
  `;
}

/** Every object the spec renders (the environment's objects and the kustomize builds), validated. */
function violations(files: Record<string, string>): string[] {
  const sources = Object.entries({ 'meshc.yaml': PROJECT, ...files }).map(([p, text]) => ({ path: p, text }));
  const { tree, emitted } = renderSources(sources);
  const objects = [...tree.builds.values()].flat();
  for (const r of emitted.renders) objects.push(...buildEnvironment(r));
  return [...new Set(validateObjects(objects.filter((o) => !isKustomizeConfig(o))))];
}

const ISTIO_INGRESS_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: istio, version: "1.24", mtls: strict, ingress: { className: istio, namespace: edge } }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

/** A service exposed through the ingress on `path` (a spec IngressPath). */
function webWithIngressPath(path: string): string {
  return dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: web, namespace: shop }
    spec:
      ports: [{ name: http, port: 8080, protocol: http }]
      ingress: { hosts: [shop.example.com], paths: [${path}] }
  `;
}

describeWithShared("meshc output against the CRDs' CEL rules: edges of the spec", () => {
  it('a plain path prefix renders a Linkerd (Gateway API) HTTPRoute that the API server accepts', () => {
    expect(
      violations({
        'environments/prod.yaml': LINKERD_ENV,
        'services/reviews.yaml': reviewsWithPath('{ prefix: /api/v1 }'),
      }),
    ).toEqual([]);
  });

  // RED, for the lead: the spec accepts any path that starts with `/` (service.schema.json PathMatch and
  // IngressPath: `pattern: ^/`), but Gateway API's HTTPRoute refuses Exact / PathPrefix values with `//`,
  // `/./`, `/../`, `%2f`, `#`, a trailing `/.` or `/..`, or a character outside
  // `[-A-Za-z0-9/._~!$&'()*+,;=:@]` / `%XX` (gateway.networking.k8s.io_httproutes.yaml,
  // spec.rules[].matches[].path). Whether the spec should refuse them (for every mesh, or where a Gateway API
  // route is emitted) is a spec decision.
  it('an ingress path renders an Istio ingress HTTPRoute (Gateway API) that the API server accepts', () => {
    expect(
      violations({
        'environments/prod.yaml': ISTIO_INGRESS_ENV,
        'services/web.yaml': webWithIngressPath('{ prefix: /static }'),
      }),
    ).toEqual([]);
  });

  it('RED: an ingress path with a doubled slash renders an ingress HTTPRoute that the API server refuses', () => {
    expect(
      violations({
        'environments/prod.yaml': ISTIO_INGRESS_ENV,
        'services/web.yaml': webWithIngressPath('{ prefix: /static//x }'),
      }),
    ).toEqual([]);
  });

  it.each([
    ['a doubled slash', '{ prefix: /api//v1 }'],
    ['a space', '{ exact: "/api v1" }'],
    ['a dot segment', '{ prefix: /api/./v1 }'],
  ])('RED: a route path with %s renders an HTTPRoute that the API server refuses', (_what, path) => {
    expect(
      violations({ 'environments/prod.yaml': LINKERD_ENV, 'services/reviews.yaml': reviewsWithPath(path) }),
    ).toEqual([]);
  });
});
