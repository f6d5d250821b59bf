import { describe, expect, it } from 'vitest';
import { makeEnvironment } from '../../../test/helpers/model-factory.ts';
import { buildCaCertificate } from './certificate.ts';
import { checkEnvironment } from './diagnostics.ts';
import { istio } from './index.ts';

describe('trust', () => {
  it('cert-manager: a CA Certificate writing the cacerts secret in istio-system', () => {
    expect(buildCaCertificate({ type: 'cert-manager', issuer: 'mesh-root', kind: 'ClusterIssuer' })).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: 'cacerts',
        namespace: 'istio-system',
        labels: { 'app.kubernetes.io/managed-by': 'meshc' },
      },
      spec: {
        isCA: true,
        secretName: 'cacerts',
        commonName: 'istio-ca',
        duration: '8760h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { name: 'mesh-root', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
  });

  it('existingSecret and no trust: nothing emitted', () => {
    expect(buildCaCertificate({ type: 'existing-secret', name: 'cacerts' })).toBeUndefined();
    expect(buildCaCertificate(undefined)).toBeUndefined();
  });

  it('existingSecret must be named cacerts', () => {
    expect(
      checkEnvironment(makeEnvironment({ mesh: { trust: { type: 'existing-secret', name: 'cacerts' } } })),
    ).toEqual([]);
    const diags = checkEnvironment(
      makeEnvironment({ mesh: { trust: { type: 'existing-secret', name: 'my-ca' } } }),
    );
    expect(diags).toEqual([
      expect.objectContaining({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        location: expect.objectContaining({ file: 'environments/test.yaml#/mesh/trust/existingSecret/name' }),
      }),
    ]);
    expect(diags[0]?.message).toContain('"my-ca"');
  });
});

describe('mesh version', () => {
  const versionErrors = (version: string) =>
    istio
      .emit(makeEnvironment({ mesh: { version } }), { toolVersion: '0.0.0' })
      .diagnostics.filter((d) => d.location?.file === 'environments/test.yaml#/mesh/version');

  it('accepts 1.22 and later', () => {
    for (const version of ['1.22', '1.30', '2.0']) expect(versionErrors(version)).toEqual([]);
  });

  it('rejects older versions at mesh.version', () => {
    for (const version of ['1.21', '1.9', '0.99']) {
      expect(versionErrors(version)).toEqual([
        expect.objectContaining({
          code: 'MESH_CONSTRAINT',
          message: `Istio ${version} is older than 1.22, the oldest version meshc renders (it emits the v1 APIs of networking, security and telemetry.istio.io).`,
        }),
      ]);
    }
  });
});
