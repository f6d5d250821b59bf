import { describe, expect, it } from 'vitest';
import { buildControlPlaneNamespace, buildTrustObjects, buildWebhookCertificates } from './trust.ts';

describe('trust', () => {
  it('cert-manager: trust anchor from the issuer, CA ClusterIssuer, identity issuer, trust-manager Bundle', () => {
    const objs = buildTrustObjects({ type: 'cert-manager', issuer: 'mesh-root', kind: 'ClusterIssuer' });
    expect(
      objs.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    ).toEqual([
      'cert-manager.io/v1 Certificate cert-manager/linkerd-trust-anchor',
      'cert-manager.io/v1 ClusterIssuer /linkerd-trust-anchor',
      'cert-manager.io/v1 Certificate linkerd/linkerd-identity-issuer',
      'trust.cert-manager.io/v1alpha1 Bundle /linkerd-identity-trust-roots',
    ]);
    expect(objs[0]!.spec).toMatchObject({
      isCA: true,
      secretName: 'linkerd-trust-anchor',
      privateKey: { algorithm: 'ECDSA', rotationPolicy: 'Always' },
      issuerRef: { name: 'mesh-root', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(objs[2]!.spec).toMatchObject({
      isCA: true,
      secretName: 'linkerd-identity-issuer',
      issuerRef: { name: 'linkerd-trust-anchor', kind: 'ClusterIssuer' },
    });
    expect(objs[3]!.spec).toEqual({
      sources: [{ secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } }],
      target: {
        configMap: { key: 'ca-bundle.crt' },
        namespaceSelector: { matchLabels: { 'linkerd.io/is-control-plane': 'true' } },
      },
    });
    // No key material, ever.
    expect(JSON.stringify(objs)).not.toMatch(/PRIVATE KEY|keyPEM|crtPEM/);
    expect(buildTrustObjects({ type: 'existing-secret', name: 'linkerd-identity-issuer' })).toEqual([]);
    expect(buildTrustObjects(undefined)).toEqual([]);
  });

  it('webhook certificates on their own chain, named as the chart expects', () => {
    const objs = buildWebhookCertificates();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Issuer/linkerd-webhook-selfsigned',
      'Certificate/linkerd-webhook-ca',
      'Issuer/linkerd-webhook-issuer',
      'Certificate/linkerd-proxy-injector',
      'Certificate/linkerd-sp-validator',
      'Certificate/linkerd-policy-validator',
    ]);
    expect(objs[5]!.spec).toMatchObject({
      secretName: 'linkerd-policy-validator-k8s-tls',
      dnsNames: ['linkerd-policy-validator.linkerd.svc'],
      privateKey: { encoding: 'PKCS8' },
      usages: ['server auth'],
    });
  });

  it('the control-plane namespace carries the label the Bundle targets', () => {
    expect(buildControlPlaneNamespace().metadata).toEqual({
      name: 'linkerd',
      labels: {
        'app.kubernetes.io/managed-by': 'meshc',
        'config.linkerd.io/admission-webhooks': 'disabled',
        'linkerd.io/control-plane-ns': 'linkerd',
        'linkerd.io/is-control-plane': 'true',
      },
      annotations: { 'linkerd.io/inject': 'disabled' },
    });
  });
});
