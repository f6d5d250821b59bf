import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { parseDuration } from '../../schema/formats.ts';
import {
  buildControlPlaneNamespace,
  buildTrustObjects,
  buildWebhookCertificates,
  PREVIOUS_ANCHOR_LABEL,
} from './trust.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Lifetime of the proxies' workload certificates (the chart's `identity.issuer.issuanceLifetime`, 24h). */
const WORKLOAD_CERT = 24 * HOUR;
const CM = { type: 'cert-manager', issuer: 'mesh-root', kind: 'ClusterIssuer' } as const;

/** `duration` and `renewBefore` of a cert-manager Certificate, in milliseconds. */
function lifetime(o: K8sObject): { duration: number; renewBefore: number } {
  const spec = o.spec as { duration: string; renewBefore: string };
  const ms = (v: string) => {
    const n = parseDuration(v);
    if (n === undefined) throw new Error(`not a duration: ${v}`);
    return n;
  };
  return { duration: ms(spec.duration), renewBefore: ms(spec.renewBefore) };
}

describe('trust', () => {
  it('cert-manager: trust anchor from the issuer, CA ClusterIssuer, identity issuer, trust-manager Bundle', () => {
    const objs = buildTrustObjects(CM, 'cluster.local');
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
      sources: [
        { secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } },
        {
          secret: {
            selector: { matchLabels: { 'meshc.dev/linkerd-previous-trust-anchor': 'true' } },
            key: 'tls.crt',
          },
        },
      ],
      target: {
        configMap: { key: 'ca-bundle.crt' },
        namespaceSelector: { matchLabels: { 'linkerd.io/is-control-plane': 'true' } },
      },
    });
    // No key material, ever.
    expect(JSON.stringify(objs)).not.toMatch(/PRIVATE KEY|keyPEM|crtPEM/);
    expect(
      buildTrustObjects({ type: 'existing-secret', name: 'linkerd-identity-issuer' }, 'cluster.local'),
    ).toEqual([]);
    expect(buildTrustObjects(undefined, 'cluster.local')).toEqual([]);
  });

  it('the trust anchor is long-lived and never renews itself weeks after the install', () => {
    const [anchor, , issuer] = buildTrustObjects(CM, 'cluster.local');
    const a = lifetime(anchor!);
    const i = lifetime(issuer!);
    // Years of life, renewal only in the last tenth of it: a rotation is a planned, manual procedure.
    expect(a.duration).toBeGreaterThanOrEqual(5 * 365 * DAY);
    expect(a.renewBefore * 10).toBeLessThanOrEqual(a.duration);
    expect(a.renewBefore).toBeGreaterThanOrEqual(7 * DAY);
    // The identity issuer lives (much) shorter than the anchor, and a whole issuer lifetime fits in the
    // anchor's renewal window: an issuer is never cut short by its anchor's expiry.
    expect(i.duration).toBeLessThan(a.renewBefore);
    // The issuer rotates on its own, before half its life is left, while proxies' certificates (24h) issued
    // by the old issuer stay valid under the same anchor.
    expect(i.renewBefore).toBeLessThan(i.duration);
    expect(i.renewBefore).toBeGreaterThan(WORKLOAD_CERT);
    expect(i.duration - i.renewBefore).toBeLessThanOrEqual(WORKLOAD_CERT);
    for (const c of [anchor!, issuer!])
      expect((c.spec as { privateKey: unknown }).privateKey).toEqual({
        algorithm: 'ECDSA',
        rotationPolicy: 'Always',
      });
  });

  it('the previous anchor stays trusted during a rotation: a Bundle source by label, empty until used', () => {
    const bundle = buildTrustObjects(CM, 'cluster.local')[3]!;
    const sources = (bundle.spec as { sources: { secret: Record<string, unknown> }[] }).sources;
    // The current anchor by name, the previous one by a label selector: a selector that matches nothing adds
    // nothing (trust-manager 0.8+), a missing named Secret would stop the Bundle.
    expect(sources.map((x) => x.secret)).toEqual([
      { name: 'linkerd-trust-anchor', key: 'tls.crt' },
      { selector: { matchLabels: { [PREVIOUS_ANCHOR_LABEL]: 'true' } }, key: 'tls.crt' },
    ]);
  });

  it('names the anchor and the issuer in the trust domain, as `linkerd install` does', () => {
    const objs = buildTrustObjects(CM, 'prod.example');
    expect((objs[0]!.spec as { commonName: string }).commonName).toBe('root.linkerd.prod.example');
    expect((objs[2]!.spec as { commonName: string }).commonName).toBe('identity.linkerd.prod.example');
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

  it('the control-plane namespace: the label the Bundle targets, Pod Security privileged as `linkerd install`', () => {
    expect(buildControlPlaneNamespace().metadata).toEqual({
      name: 'linkerd',
      labels: {
        'app.kubernetes.io/managed-by': 'meshc',
        'config.linkerd.io/admission-webhooks': 'disabled',
        'linkerd.io/control-plane-ns': 'linkerd',
        'linkerd.io/is-control-plane': 'true',
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
      annotations: { 'linkerd.io/inject': 'disabled' },
    });
    // With the CNI plugin there is no linkerd-init container: the chart's template says `restricted`.
    expect(buildControlPlaneNamespace(true).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });
});
