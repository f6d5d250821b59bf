/**
 * The shared backend fixtures (test/helpers/backend-fixtures.ts) cover every registered backend: each has a
 * fully configured environment there, and the bookinfo services emit on it without an error, so a new
 * backend's tests can start from the same fixtures as the others.
 */
import { describe, expect, it } from 'vitest';
import { FULL_MESH, bookinfoServices, meshEnvironment } from '../../test/helpers/backend-fixtures.ts';
import { BACKENDS, knownMeshes } from './registry.ts';

describe('shared backend fixtures', () => {
  it('have a full environment for exactly the registered backends', () => {
    expect(Object.keys(FULL_MESH).sort()).toEqual(knownMeshes().sort());
  });

  it.each(BACKENDS.map((b) => [b.mesh, b] as const))(
    '%s: the full environment is of that mesh at a supported version',
    (mesh, backend) => {
      const env = meshEnvironment(mesh);
      expect(env.mesh.type).toBe(mesh);
      const [major = 0, minor = 0] = env.mesh.version.split('.').map(Number);
      const [minMajor = 0, minMinor = 0] = backend.minVersion.split('.').map(Number);
      expect(major > minMajor || (major === minMajor && minor >= minMinor), env.mesh.version).toBe(true);
    },
  );

  it.each(BACKENDS.map((b) => [b.mesh, b] as const))(
    '%s: the bookinfo services emit on it with no error, into both bookinfo namespaces',
    (mesh, backend) => {
      const out = backend.emit(meshEnvironment(mesh), { toolVersion: '0.0.0' });
      expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect([...out.namespaces.keys()].sort()).toEqual(['bookinfo', 'shop']);
    },
  );

  it('builders take overrides without sharing state between calls', () => {
    const a = bookinfoServices({ reviews: { mtls: 'off', mtlsOverride: true } });
    const b = bookinfoServices();
    expect(a.map((s) => s.id)).toEqual(['bookinfo/productpage', 'bookinfo/reviews', 'shop/web']);
    expect(a[1]?.mtls).toBe('off');
    expect(b[1]?.mtls).toBe('strict');
    expect(b[1]?.routes).not.toBe(a[1]?.routes);
  });

  it('refuses a mesh without an entry, naming it', () => {
    expect(() => meshEnvironment('no-such-mesh')).toThrow(/no-such-mesh/);
  });
});
