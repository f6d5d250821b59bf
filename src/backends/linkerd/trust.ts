import type { K8sObject } from '../../core/k8s.ts';
import type { Trust } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { LINKERD_NS } from './constants.ts';

/** The secret the identity controller reads its issuer from (Linkerd hard-codes the name). */
export const ISSUER_SECRET = 'linkerd-identity-issuer';
/** The ConfigMap (key `ca-bundle.crt`) the control plane and the proxies read the trust anchors from. */
export const TRUST_ROOTS = 'linkerd-identity-trust-roots';
/** The trust anchor's Certificate and secret, in trust-manager's trust namespace. */
export const TRUST_ANCHOR = 'linkerd-trust-anchor';
/** cert-manager's (and trust-manager's trust) namespace: where the trust anchor secret lives. */
export const CERT_MANAGER_NS = 'cert-manager';
/**
 * The label that makes a Secret in the trust namespace a source of the trust bundle besides the current anchor:
 * the rotation procedure (backend README, "Trust anchor rotation") copies the anchor into such a Secret before
 * renewing it and deletes it once every proxy has restarted. A selector source that matches nothing adds
 * nothing from trust-manager v0.13.0 (cert-manager/trust-manager e7049f0; up to v0.12.x it fails the whole
 * Bundle with "no PEM certificates", trust-manager#426), so the bundle is never stuck waiting for a Secret that
 * is not there. prerequisites.ts `TRUST_MANAGER_MIN` states that minimum.
 */
export const PREVIOUS_ANCHOR_LABEL = 'meshc.dev/linkerd-previous-trust-anchor';

/**
 * Lifetimes of the trust chain (cert-manager Go durations).
 * - Trust anchor: ten years, renewed only in its last 30 days. Renewing the anchor means restarting the
 *   control plane and every proxy while both anchors are trusted (the rotation procedure), so it must never
 *   happen on its own weeks after the install; Linkerd's task suggests letting an anchor live as long as the
 *   cluster. The anchor is rotated by hand (`cmctl renew`) long before cert-manager would.
 * - Identity issuer: 48h, renewed 25h before expiry (Linkerd's task). It rotates on its own under the same
 *   anchor without any restart: proxies keep trusting certificates of the old issuer through the anchor.
 */
export const LIFETIMES = {
  anchor: { duration: '87600h0m0s', renewBefore: '720h0m0s' },
  issuer: { duration: '48h0m0s', renewBefore: '25h0m0s' },
} as const;

const CERT_MANAGER = 'cert-manager.io/v1';
const KEY = { algorithm: 'ECDSA', rotationPolicy: 'Always' } as const;

/**
 * Linkerd's identity trust through cert-manager and trust-manager, as Linkerd's task "Automatically Rotating
 * Control Plane TLS Credentials" sets it up, with the environment's issuer in place of the task's self-signed
 * one, so that no private key is ever in git:
 * - Certificate `linkerd-trust-anchor` (isCA) in `cert-manager`, issued by `trust.certManager` (an `Issuer`
 *   must therefore live in `cert-manager`), long-lived (see `LIFETIMES`);
 * - ClusterIssuer `linkerd-trust-anchor` (CA issuer on that secret; cert-manager reads ClusterIssuer secrets
 *   from its cluster resource namespace, `cert-manager` by default);
 * - Certificate `linkerd-identity-issuer` (isCA, `kubernetes.io/tls`) in `linkerd`: the identity issuer,
 *   named `identity.linkerd.<trustDomain>` as `linkerd install` names it;
 * - trust-manager Bundle `linkerd-identity-trust-roots`: the current anchor's certificate, plus the previous
 *   anchor while a rotation is under way (Secrets labelled `PREVIOUS_ANCHOR_LABEL`), into the ConfigMap of that
 *   name in namespaces labelled `linkerd.io/is-control-plane: "true"`.
 * Private keys rotate (`rotationPolicy: Always`, explicit since cert-manager 1.18 changed the default). Empty
 * unless trust comes from cert-manager.
 */
export function buildTrustObjects(trust: Trust | undefined, trustDomain: string): K8sObject[] {
  if (trust?.type !== 'cert-manager') return [];
  return [
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: objectMeta(TRUST_ANCHOR, CERT_MANAGER_NS),
      spec: {
        isCA: true,
        commonName: `root.${LINKERD_NS}.${trustDomain}`,
        secretName: TRUST_ANCHOR,
        ...LIFETIMES.anchor,
        privateKey: { ...KEY },
        issuerRef: { name: trust.issuer, kind: trust.kind, group: 'cert-manager.io' },
      },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'ClusterIssuer',
      metadata: objectMeta(TRUST_ANCHOR),
      spec: { ca: { secretName: TRUST_ANCHOR } },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: objectMeta(ISSUER_SECRET, LINKERD_NS),
      spec: {
        isCA: true,
        commonName: `identity.${LINKERD_NS}.${trustDomain}`,
        secretName: ISSUER_SECRET,
        ...LIFETIMES.issuer,
        privateKey: { ...KEY },
        issuerRef: { name: TRUST_ANCHOR, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    },
    {
      apiVersion: 'trust.cert-manager.io/v1alpha1',
      kind: 'Bundle',
      metadata: objectMeta(TRUST_ROOTS),
      spec: {
        sources: [
          { secret: { name: TRUST_ANCHOR, key: 'tls.crt' } },
          { secret: { selector: { matchLabels: { [PREVIOUS_ANCHOR_LABEL]: 'true' } }, key: 'tls.crt' } },
        ],
        target: {
          configMap: { key: 'ca-bundle.crt' },
          namespaceSelector: { matchLabels: { 'linkerd.io/is-control-plane': 'true' } },
        },
      },
    },
  ];
}

/** The control plane's admission webhooks and the secrets their certificates go to. */
export const WEBHOOKS: readonly { readonly value: string; readonly name: string; readonly secret: string }[] =
  [
    { value: 'proxyInjector', name: 'linkerd-proxy-injector', secret: 'linkerd-proxy-injector-k8s-tls' },
    { value: 'profileValidator', name: 'linkerd-sp-validator', secret: 'linkerd-sp-validator-k8s-tls' },
    {
      value: 'policyValidator',
      name: 'linkerd-policy-validator',
      secret: 'linkerd-policy-validator-k8s-tls',
    },
  ];

const WEBHOOK_CA = 'linkerd-webhook-ca';
const WEBHOOK_ISSUER = 'linkerd-webhook-issuer';
const WEBHOOK_SELF_SIGNED = 'linkerd-webhook-selfsigned';

/**
 * Certificates for the control plane's admission webhooks (Linkerd's task "Automatically Rotating Webhook TLS
 * Credentials"), on a trust chain of their own: a self-signed Issuer, a webhook CA Certificate, a CA Issuer
 * and one serving Certificate per webhook (`<name>.linkerd.svc`, secret `<name>-k8s-tls`; the policy
 * validator's key in PKCS#8). The chart then renders no certificate of its own (`externalSecret: true`) and
 * cert-manager's CA injector fills the webhooks' `caBundle` (`injectCaFrom`), so re-rendering the chart, as
 * Argo CD does on every sync, never rotates them.
 */
export function buildWebhookCertificates(): K8sObject[] {
  const issuer = (name: string) => ({ name, kind: 'Issuer', group: 'cert-manager.io' });
  return [
    {
      apiVersion: CERT_MANAGER,
      kind: 'Issuer',
      metadata: objectMeta(WEBHOOK_SELF_SIGNED, LINKERD_NS),
      spec: { selfSigned: {} },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: objectMeta(WEBHOOK_CA, LINKERD_NS),
      spec: {
        isCA: true,
        commonName: 'webhook.linkerd.cluster.local',
        secretName: WEBHOOK_CA,
        duration: '8760h0m0s',
        renewBefore: '720h0m0s',
        privateKey: { ...KEY },
        issuerRef: issuer(WEBHOOK_SELF_SIGNED),
      },
    },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Issuer',
      metadata: objectMeta(WEBHOOK_ISSUER, LINKERD_NS),
      spec: { ca: { secretName: WEBHOOK_CA } },
    },
    ...WEBHOOKS.map((w) => ({
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: objectMeta(w.name, LINKERD_NS),
      spec: {
        secretName: w.secret,
        duration: '24h0m0s',
        renewBefore: '1h0m0s',
        issuerRef: issuer(WEBHOOK_ISSUER),
        commonName: `${w.name}.${LINKERD_NS}.svc`,
        dnsNames: [`${w.name}.${LINKERD_NS}.svc`],
        isCA: false,
        privateKey: {
          ...KEY,
          ...(w.name === 'linkerd-policy-validator' ? { encoding: 'PKCS8' } : {}),
        },
        usages: ['server auth'],
      },
    })),
  ];
}

/** Pod Security admission's enforced level of a namespace. */
export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/**
 * The control-plane namespace with the labels and annotation `linkerd install` gives it (linkerd-control-plane
 * `templates/namespace.yaml`, 2.16 to 2.20): trust-manager's Bundle targets `linkerd.io/is-control-plane:
 * "true"`, Linkerd's own webhooks and injector leave it alone, and Pod Security admits the control plane's
 * `linkerd-init` containers (NET_ADMIN, NET_RAW): `enforce: privileged`, or `restricted` when the chart runs
 * with the CNI plugin (`cniEnabled`) and needs no init container.
 */
export function buildControlPlaneNamespace(cniEnabled = false): K8sObject {
  const metadata = objectMeta(LINKERD_NS, undefined, {
    'config.linkerd.io/admission-webhooks': 'disabled',
    'linkerd.io/control-plane-ns': LINKERD_NS,
    'linkerd.io/is-control-plane': 'true',
    [POD_SECURITY_ENFORCE]: cniEnabled ? 'restricted' : 'privileged',
  });
  metadata.annotations = { 'linkerd.io/inject': 'disabled' };
  return { apiVersion: 'v1', kind: 'Namespace', metadata };
}
