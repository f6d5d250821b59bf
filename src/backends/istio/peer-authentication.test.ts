import { describe, expect, it } from 'vitest';
import { makeService } from '../../../test/helpers/model-factory.ts';
import { buildMeshPeerAuthentication, buildServicePeerAuthentication } from './peer-authentication.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'meshc' };

describe('PeerAuthentication', () => {
  it('mesh-wide: default in istio-system, no selector', () => {
    expect(buildMeshPeerAuthentication('strict')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'istio-system', labels: LABELS },
      spec: { mtls: { mode: 'STRICT' } },
    });
    expect(buildMeshPeerAuthentication('permissive').spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(buildMeshPeerAuthentication('off').spec).toEqual({ mtls: { mode: 'DISABLE' } });
  });

  it('per service only when the service sets mtls itself', () => {
    expect(buildServicePeerAuthentication(makeService({ mtls: 'strict' }))).toBeUndefined();
    expect(buildServicePeerAuthentication(makeService({ mtls: 'permissive', mtlsOverride: true }))).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: LABELS },
      spec: { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'PERMISSIVE' } },
    });
  });
});
