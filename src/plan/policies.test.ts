/**
 * Where a policy violation points: "the spec node that produced the offending value" (SPEC.md, Policy), also
 * for a value the service takes from its environment.
 */
import { describe, expect, it } from 'vitest';
import { compileInline, dedent } from '../../test/helpers/spec-tree.ts';

/** Lines of a YAML file (the helpers' dedent would also strip the indentation of an interpolated block). */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

const service = (name: string, ...extra: string[]) =>
  yaml(
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: shop }`,
    'spec:',
    '  ports: [{ name: http, port: 9080 }]',
    ...extra,
  );

const environment = (name: string, mtls: string, ...extra: string[]) =>
  yaml(
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    `metadata: { name: ${name} }`,
    'spec:',
    `  cluster: ${name}-1`,
    '  mesh:',
    '    type: istio',
    '    version: "1.24"',
    `    mtls: ${mtls}`,
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    ...extra,
  );

const STRICT_POLICY = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Policy
  metadata: { name: prod-strict-mtls }
  spec:
    match: { kinds: [Service], environments: ["prod*"] }
    message: Production services run strict mTLS.
    schema: { properties: { mtls: { const: strict } } }
`;

/** `file:line:col` of each violation, sorted. */
function violations(files: Record<string, string>): string[] {
  return compileInline(files, { until: 'plan' })
    .diagnostics.filter((d) => d.code === 'POLICY_VIOLATION')
    .map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`)
    .sort();
}

describe('policy violations', () => {
  it("point at the environment's mesh.mtls for an mTLS mode the services take from it", () => {
    // Both production environments share the resolved services (same mode): each violation still names its
    // own environment's node.
    expect(
      violations({
        'a.yaml': service('a'),
        'b.yaml': service('b'),
        'prod.yaml': environment('prod', 'permissive'),
        'prod-eu.yaml': environment('prod-eu', 'permissive'),
        'staging.yaml': environment('staging', 'permissive'),
        'policy.yaml': STRICT_POLICY,
      }),
    ).toEqual(['prod-eu.yaml:9:11', 'prod-eu.yaml:9:11', 'prod.yaml:9:11', 'prod.yaml:9:11']);
  });

  it("point at the service's own mtls, or the environment's override of it, where the service sets it", () => {
    expect(
      violations({
        'a.yaml': service('a', '  mtls: permissive'),
        'b.yaml': service('b'),
        'prod.yaml': environment('prod', 'strict', '  overrides:', '    shop/b: { mtls: permissive }'),
        'policy.yaml': STRICT_POLICY,
      }),
    ).toEqual(['a.yaml:6:9', 'prod.yaml:12:21']);
  });
});
