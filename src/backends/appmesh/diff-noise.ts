import type { DiffNoise } from '../types.ts';

const tlsSans = (prefix: string) => [
  `${prefix}.validation.subjectAlternativeNames.match.exact`,
  `${prefix}.validation.trust.acm.certificateAuthorityARNs`,
];
const routeSets = (kind: string) => [
  `spec.routes[].${kind}.match.headers`,
  `spec.routes[].${kind}.match.queryParameters`,
  `spec.routes[].${kind}.action.weightedTargets`,
  `spec.routes[].${kind}.retryPolicy.httpRetryEvents`,
];

/**
 * What `meshc diff` ignores in App Mesh objects: lists the API treats as sets. A VirtualRouter's routes are
 * picked by `priority`, not by their place in the list; a node's listeners are keyed by port, its backends by
 * VirtualService; match conditions are AND-ed; weighted targets, retry events and SAN lists are sets.
 */
export const APPMESH_DIFF_NOISE: DiffNoise = {
  unorderedLists: {
    'appmesh.k8s.aws/VirtualNode': [
      'spec.listeners',
      'spec.backends',
      // Listener validation trusts files or SDS only (no ACM).
      'spec.listeners[].tls.validation.subjectAlternativeNames.match.exact',
      ...tlsSans('spec.backends[].virtualService.clientPolicy.tls'),
    ],
    'appmesh.k8s.aws/VirtualRouter': [
      'spec.listeners',
      'spec.routes',
      ...routeSets('httpRoute'),
      ...routeSets('http2Route'),
      'spec.routes[].tcpRoute.action.weightedTargets',
    ],
    'appmesh.k8s.aws/VirtualGateway': ['spec.listeners', ...tlsSans('spec.backendDefaults.clientPolicy.tls')],
  },
};
