import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commands.ts';
import { DEFAULT_INGRESS_NAMESPACE, MESH_TYPES } from '../model/environment.ts';
import { compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { UNKNOWN_KIND_RANK, kindRank } from './kind-order.ts';
import { BACKENDS, backendFor, knownMeshes, meshDefaults } from './registry.ts';

const envDoc = (type: string, version: string) => dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-eu
    mesh: { type: ${type}, version: "${version}", ingress: { className: gw } }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

describe('backend registry', () => {
  it('lists each mesh once, and only meshes the schema names', () => {
    expect(new Set(knownMeshes()).size).toBe(BACKENDS.length);
    for (const m of knownMeshes()) expect(MESH_TYPES).toContain(m);
  });

  it('gives the CLI its --mesh values from the schema enum, rendered meshes or not', () => {
    const validate = COMMANDS.find((c) => c.name === 'validate')!;
    expect(validate.options?.mesh?.values).toEqual(MESH_TYPES);
  });

  it('takes the default ingress namespace from the backend, the neutral default without one', () => {
    for (const b of BACKENDS)
      expect(meshDefaults(b.mesh).ingressNamespace).toBe(b.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE);
    const unrendered = MESH_TYPES.find((m) => backendFor(m) === undefined);
    if (unrendered) expect(meshDefaults(unrendered).ingressNamespace).toBe(DEFAULT_INGRESS_NAMESPACE);
  });

  it('resolves mesh.ingress.namespace through the backend of the environment', () => {
    for (const b of BACKENDS) {
      const r = compileInline({ 'prod.yaml': envDoc(b.mesh, b.minVersion) });
      const env = r.model!.environments[0]!;
      expect(env.mesh.ingress?.namespace, b.mesh).toBe(b.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE);
      expect((env.spec.mesh as { ingress: { namespace: string } }).ingress.namespace).toBe(
        env.mesh.ingress?.namespace,
      );
    }
  });

  it("places each backend's kinds in their install phase, in the backend's order", () => {
    const between = {
      config: ['Certificate', 'GatewayClass'],
      gateways: ['Gateway', 'HTTPRoute'],
      routes: ['Gateway', 'HTTPRoute'],
      policies: ['NetworkPolicy', 'ServiceMonitor'],
    } as const;
    for (const b of BACKENDS)
      for (const [phase, [after, before]] of Object.entries(between)) {
        const kinds = b.kinds?.[phase as keyof typeof between] ?? [];
        const ranks = kinds.map(kindRank);
        for (const [i, r] of ranks.entries()) {
          expect(r, `${b.mesh} ${kinds[i]}`).not.toBe(UNKNOWN_KIND_RANK);
          expect(r, `${b.mesh} ${kinds[i]}`).toBeGreaterThan(kindRank(after));
          expect(r, `${b.mesh} ${kinds[i]}`).toBeLessThan(kindRank(before));
        }
        expect(ranks, `${b.mesh} ${phase}`).toEqual([...ranks].sort((x, y) => x - y));
      }
  });
});
