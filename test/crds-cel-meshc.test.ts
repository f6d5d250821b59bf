/**
 * meshc's own output against the CEL rules of the upstream CRDs at the edges of what a valid spec may say: a
 * value an upstream CRD rule refuses must be refused by the spec itself, where it is written, never rendered
 * into an object the API server refuses (Flux / Argo CD could not apply it). The conformance tests
 * (render.test.ts and the backends' schema tests) check the fixtures' output.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isHttpPath } from '../src/schema/formats.ts';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { isKustomizeConfig, validateObjects } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { dedent } from './helpers/spec-tree.ts';
import { renderSources } from './helpers/render.ts';
import { PROJECT, REVIEWS } from './helpers/spec-tree.ts';

const LINKERD_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: linkerd, version: "2.18", mtls: strict }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

/** REVIEWS (spec-tree.ts) with a first route matching `path` (a spec PathMatch) to v2. */
function reviewsWithPath(path: string): string {
  return REVIEWS.replace(
    '  routes:\n',
    // A function, not a replacement string: a path may hold `$&`.
    () => `  routes:\n    - name: api\n      match: [{ path: ${path} }]\n      to: v2\n`,
  );
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

  it('an ingress path renders an Istio ingress HTTPRoute (Gateway API) that the API server accepts', () => {
    expect(
      violations({
        'environments/prod.yaml': ISTIO_INGRESS_ENV,
        'services/web.yaml': webWithIngressPath('{ prefix: /static }'),
      }),
    ).toEqual([]);
  });

  // Gateway API's HTTPRoute refuses Exact / PathPrefix values with `//`, `/./`, `/../`, `%2f`, `#`, a trailing
  // `/.` or `/..`, or a character outside `[-A-Za-z0-9/._~!$&'()*+,;=:@]` / `%XX`
  // (gateway.networking.k8s.io_httproutes.yaml, spec.rules[].matches[].path). The spec refuses them itself
  // (format http-path), at the path, for every mesh: no such route is ever rendered.
  it.each([
    ['a doubled slash', '{ prefix: /api//v1 }', 'has an empty segment ("//")'],
    ['a space', '{ exact: "/api v1" }', 'has the character " "'],
    ['a dot segment', '{ prefix: /api/./v1 }', 'has a "." segment'],
  ])('a route path with %s is refused by the spec, where it is written', (_what, path, why) => {
    expect(() =>
      violations({ 'environments/prod.yaml': LINKERD_ENV, 'services/reviews.yaml': reviewsWithPath(path) }),
    ).toThrow(new RegExp(`services/reviews\\.yaml:11:\\d+ SCHEMA_CONSTRAINT The path .* ${escape(why)}`));
  });

  it('an ingress path with a doubled slash is refused by the spec, where it is written', () => {
    expect(() =>
      violations({
        'environments/prod.yaml': ISTIO_INGRESS_ENV,
        'services/web.yaml': webWithIngressPath('{ prefix: /static//x }'),
      }),
    ).toThrow(/services\/web\.yaml:6:\d+ SCHEMA_CONSTRAINT The path "\/static\/\/x" has an empty segment/);
  });

  // The other side: every path the spec takes renders routes the API server accepts (Linkerd's mesh routes and
  // Istio's Gateway API ingress), over paths built from the pieces the rules are about.
  it('every route and ingress path the spec accepts renders HTTPRoutes that pass the CRD rules', () => {
    const piece = fc.constantFrom('/', 'a', 'v1', '.', '..', '.x', '-_~', '%41', "!$&'()*+,;=:@");
    const accepted = fc
      .array(piece, { minLength: 1, maxLength: 6 })
      .map((parts) => `/${parts.join('')}`)
      .filter(isHttpPath);
    fc.assert(
      fc.property(accepted, (p) => {
        const quoted = JSON.stringify(p);
        expect(
          violations({
            'environments/prod.yaml': LINKERD_ENV,
            'services/reviews.yaml': reviewsWithPath(`{ prefix: ${quoted} }`),
          }),
        ).toEqual([]);
        expect(
          violations({
            'environments/prod.yaml': ISTIO_INGRESS_ENV,
            'services/web.yaml': webWithIngressPath(`{ exact: ${quoted} }`),
          }),
        ).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
