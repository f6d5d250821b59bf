/**
 * When a live App Mesh object competes with one meshc rendered (`meshc drift`'s unmanaged overlap). Written
 * ahead of the App Mesh backend: register it as that backend's `overlaps` (one line in its index.ts).
 *
 * - VirtualNode: the controller's webhook rejects a pod that more than one VirtualNode of its namespace
 *   selects (aws/aws-app-mesh-controller-for-k8s `pkg/virtualnode/membership_designator.go`). Claim: the
 *   pods of the namespace the `podSelector` picks.
 * - VirtualService: its App Mesh name (`spec.awsName`, default `<name>.<namespace>`) is the DNS name
 *   clients call and is unique in the mesh (`apis/appmesh/v1beta2/virtualservice_types.go`). Claim: that
 *   name.
 * - VirtualGateway: like VirtualNode, for the gateway pods it selects (`membership_designator.go` of
 *   `pkg/virtualgateway`).
 */
import type { K8sObject } from '../../core/k8s.ts';
import type { OverlapRule } from '../types.ts';
import { matchLabels, specOf } from '../shared/overlaps.ts';

const GROUP = 'appmesh.k8s.aws';

function podClaims(what: string) {
  return (obj: K8sObject) => {
    const selector = matchLabels(specOf(obj).podSelector);
    const ns = obj.metadata.namespace ?? 'default';
    return [
      {
        key: `${what} pods in namespace ${ns}`,
        ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
      },
    ];
  };
}

export const APPMESH_OVERLAPS: readonly OverlapRule[] = [
  { kinds: [`${GROUP}/VirtualNode`], what: 'the same pods', claims: podClaims('application') },
  { kinds: [`${GROUP}/VirtualGateway`], what: 'the same pods', claims: podClaims('gateway') },
  {
    kinds: [`${GROUP}/VirtualService`],
    what: 'the same App Mesh name',
    claims(obj) {
      const awsName = specOf(obj).awsName;
      const name =
        typeof awsName === 'string' && awsName !== ''
          ? awsName
          : `${obj.metadata.name}.${obj.metadata.namespace ?? 'default'}`;
      return [{ key: `virtual service ${name}` }];
    },
  },
];
