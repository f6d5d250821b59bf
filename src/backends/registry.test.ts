import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commands.ts';
import { DEFAULT_INGRESS_NAMESPACE, MESH_TYPES } from '../model/environment.ts';
import { compileInline, dedent } from '../../test/helpers/spec-tree.ts';
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
});
