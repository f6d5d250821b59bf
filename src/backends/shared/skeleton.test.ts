import { describe, expect, it } from 'vitest';
import { makeEnvironment, makeService } from '../../../test/helpers/model-factory.ts';
import { BACKENDS } from '../registry.ts';
import { minVersionDiagnostics, namespaceBuckets } from './skeleton.ts';

const older = (v: string) => {
  const [major, minor] = v.split('.').map(Number) as [number, number];
  return minor > 0 ? `${major}.${minor - 1}` : `${major - 1}.99`;
};

describe('emit skeleton', () => {
  it("checks every backend's minVersion first, at mesh.version, and accepts minVersion itself", () => {
    for (const b of BACKENDS) {
      const at = (version: string) =>
        b.emit(makeEnvironment({ mesh: { type: b.mesh, version } }), { toolVersion: '0.0.0' }).diagnostics;
      expect(
        at(b.minVersion).filter((d) => d.location?.file.endsWith('#/mesh/version')),
        b.mesh,
      ).toEqual([]);
      const first = at(older(b.minVersion))[0];
      expect(first, b.mesh).toMatchObject({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        location: { file: 'environments/test.yaml#/mesh/version' },
      });
      expect(first?.message).toMatch(
        new RegExp(
          `^${b.title} ${older(b.minVersion).replace('.', '\\.')} is older than ${b.minVersion.replace('.', '\\.')}, `,
        ),
      );
    }
  });

  it('says why, and what to set', () => {
    const [d] = minVersionDiagnostics(
      { title: 'Mesh', minVersion: '2.3', minVersionReason: 'it needs the v2 API' },
      makeEnvironment({ mesh: { version: '2.2' } }),
    );
    expect(d?.message).toBe(
      'Mesh 2.2 is older than 2.3, the oldest version meshc renders (it needs the v2 API).',
    );
    expect(d?.hint).toBe('Set mesh.version to "2.3" or later, after upgrading the mesh.');
  });

  it('makes one sorted bucket per namespace, each starting with its Namespace object', () => {
    const env = makeEnvironment({
      namespaces: ['b'],
      services: [makeService({ name: 's', namespace: 'c' }), makeService({ name: 't', namespace: 'a' })],
    });
    const buckets = namespaceBuckets(env, (name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    }));
    expect([...buckets.keys()]).toEqual(['a', 'b', 'c']);
    for (const [ns, objs] of buckets)
      expect(objs).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    for (const b of BACKENDS) {
      const out = b.emit(makeEnvironment({ ...env, mesh: { type: b.mesh, version: b.minVersion } }), {
        toolVersion: '0.0.0',
      });
      expect([...out.namespaces.keys()], b.mesh).toEqual(['a', 'b', 'c']);
      for (const [ns, objs] of out.namespaces)
        expect(objs[0]).toMatchObject({ kind: 'Namespace', metadata: { name: ns } });
    }
  });
});
