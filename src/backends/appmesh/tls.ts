/**
 * Listener TLS and client policies from `mesh.trust` (App Mesh has no mesh CA: every listener and every
 * client names its certificate source). References only: SPIFFE IDs (SDS), file paths or ACM ARNs.
 */
import type { MtlsMode, ResolvedEnvironment, ResolvedService, Trust } from '../../model/types.ts';
import { spiffeId, trustBundleId } from './model.ts';

type Obj = Record<string, unknown>;

/** The trust sources App Mesh reads; cert-manager and existing secrets are refused by the capability check. */
export type AppMeshTrust = Extract<Trust, { type: 'sds' | 'file' | 'acm' }>;

export function appmeshTrust(env: ResolvedEnvironment): AppMeshTrust | undefined {
  const t = env.mesh.trust;
  return t && (t.type === 'sds' || t.type === 'file' || t.type === 'acm') ? t : undefined;
}

/** A workload identity: the SPIFFE ID its proxy presents under SDS trust. */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

const sanMatch = (sans: readonly string[]) => ({ match: { exact: [...sans] } });

/**
 * `listeners[].tls` of a service's nodes: mode STRICT or PERMISSIVE from the service's effective mTLS mode, the
 * certificate from the trust source, and (SDS, file) `validation`, which makes the listener require client
 * certificates. Under SDS, `callers` (when given) become the accepted SANs. Undefined when the mode is `off` or
 * the environment names no usable trust source (App Mesh's default then: plaintext).
 */
export function listenerTls(
  mode: MtlsMode,
  trust: AppMeshTrust | undefined,
  self: Identity,
  trustDomain: string,
  callers?: readonly Identity[],
): Obj | undefined {
  if (mode === 'off' || !trust) return undefined;
  const tlsMode = mode === 'strict' ? 'STRICT' : 'PERMISSIVE';
  switch (trust.type) {
    case 'sds':
      return {
        mode: tlsMode,
        certificate: { sds: { secretName: spiffeId(trustDomain, self.namespace, self.serviceAccount) } },
        validation: {
          trust: { sds: { secretName: trustBundleId(trustDomain) } },
          ...(callers
            ? {
                subjectAlternativeNames: sanMatch(
                  callers.map((c) => spiffeId(trustDomain, c.namespace, c.serviceAccount)),
                ),
              }
            : {}),
        },
      };
    case 'file':
      return {
        mode: tlsMode,
        certificate: { file: { certificateChain: trust.certificateChain, privateKey: trust.privateKey } },
        validation: { trust: { file: { certificateChain: trust.caBundle } } },
      };
    case 'acm':
      return { mode: tlsMode, certificate: { acm: { certificateARN: trust.certificateArn } } };
  }
}

/**
 * `clientPolicy` of a caller for one backend: the caller's own certificate (SDS, file) and the trust that
 * the backend's certificate must chain to; under SDS, `servers()` are the SANs accepted (the identities of every
 * pod the backend's routes can reach). `servers` is called under SDS only: the other sources name no SANs, so
 * a caller does not work out (nor, inside an EmitMemo entry, read the index for) what nothing uses.
 */
export function clientPolicy(
  trust: AppMeshTrust | undefined,
  self: Identity,
  trustDomain: string,
  servers: () => readonly Identity[],
): Obj | undefined {
  if (!trust) return undefined;
  switch (trust.type) {
    case 'sds':
      return {
        tls: {
          certificate: { sds: { secretName: spiffeId(trustDomain, self.namespace, self.serviceAccount) } },
          validation: {
            trust: { sds: { secretName: trustBundleId(trustDomain) } },
            subjectAlternativeNames: sanMatch(
              [...new Set(servers().map((s) => spiffeId(trustDomain, s.namespace, s.serviceAccount)))].sort(),
            ),
          },
        },
      };
    case 'file':
      return {
        tls: {
          certificate: { file: { certificateChain: trust.certificateChain, privateKey: trust.privateKey } },
          validation: { trust: { file: { certificateChain: trust.caBundle } } },
        },
      };
    case 'acm':
      return {
        tls: {
          validation: { trust: { acm: { certificateAuthorityARNs: [...trust.certificateAuthorityArns] } } },
        },
      };
  }
}

/** The identity of a service's pods. */
export function identityOf(s: Pick<ResolvedService, 'namespace' | 'serviceAccount'>): Identity {
  return { namespace: s.namespace, serviceAccount: s.serviceAccount };
}
