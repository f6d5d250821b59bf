/**
 * The synthetic spec `npm run bench` measures (scripts/synthetic-spec.mjs, shape 'realistic'): it must render
 * with 0 errors for each mesh (else the bench would time a failure), carry the warnings users of that mesh see,
 * and be deterministic. No timings here: performance is measured by the bench, never asserted in tests.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { MESHES, flipWeight, serviceFile, syntheticSpec } from '../scripts/synthetic-spec.mjs';
import { renderDir } from './helpers/render.ts';
import { specTree } from './helpers/spec-tree.ts';

const realistic = (mesh: string, services = 50, environments = 4) =>
  syntheticSpec({ services, environments, mesh, shape: 'realistic' }) as Record<string, string>;

describe('the synthetic spec of the bench', () => {
  it.each(MESHES as string[])('renders 50 services x 4 environments for %s with 0 errors', async (mesh) => {
    const files = realistic(mesh);
    const { compiled, emitted, tree } = await renderDir(await specTree(files));
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(emitted.renders.map((r) => [r.env.name, r.env.mesh.type])).toEqual(
      ['env-0', 'env-1', 'env-2', 'env-3'].map((e) => [e, mesh]),
    );
    // What the mesh expresses only approximately is in the spec, so the bench prints the warnings users see.
    const warnings = [...compiled.diagnostics, ...emitted.diagnostics, ...tree.diagnostics].filter(
      (d) => d.severity === 'warning',
    );
    expect(warnings.map((d) => d.code)).toContain('MESH_APPROXIMATE_FEATURE');
    // Ingress, one base per namespace, overlays per environment.
    const paths = tree.files.map((f) => f.path);
    expect(files['services/team-000/group-00.yaml']).toContain('ingress:');
    expect(paths.some((p) => p.startsWith('overlays/env-3/team-000/'))).toBe(true);
    expect(paths.some((p) => p.startsWith(`base/${mesh}/team-000/`))).toBe(true);
  });

  it('is deterministic, and environments differ by a few overrides only', () => {
    for (const mesh of MESHES as string[]) {
      expect(realistic(mesh, 250)).toEqual(realistic(mesh, 250));
      expect(JSON.stringify(realistic(mesh, 250))).toBe(JSON.stringify(realistic(mesh, 250)));
    }
    const files = realistic('istio', 250);
    expect(Object.keys(files).filter((f) => f.startsWith('services/'))).toHaveLength(5 + 5 + 3); // 20 services a file, 100 a namespace
    const overrides = (env: string) =>
      files[`environments/${env}.yaml`]!.split('\n').filter((l) => /^ {4}team-/.test(l));
    expect(overrides('env-0')).toEqual([]);
    for (const env of ['env-1', 'env-2', 'env-3']) expect(overrides(env).length).toBeLessThanOrEqual(3);
  });

  it('flipWeight changes one weight of a service file and a second flip restores it', () => {
    const files = realistic('linkerd', 250);
    const file = serviceFile(230);
    expect(file).toBe('services/team-002/group-01.yaml');
    const once = flipWeight(files[file]!);
    expect(once).not.toBe(files[file]);
    expect(once.split('\n').filter((l: string, i: number) => l !== files[file]!.split('\n')[i])).toHaveLength(
      1,
    );
    expect(flipWeight(once)).toBe(files[file]);
  });
});
