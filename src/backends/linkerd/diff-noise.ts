import type { DiffNoise } from '../types.ts';

/** What `meshc diff` ignores in Linkerd policy objects: lists the API treats as sets. */
export const LINKERD_DIFF_NOISE: DiffNoise = {
  unorderedLists: {
    // Authentications are AND-ed as a set; identities and networks are sets; route matches are OR-ed.
    'policy.linkerd.io/AuthorizationPolicy': ['spec.requiredAuthenticationRefs'],
    'policy.linkerd.io/MeshTLSAuthentication': ['spec.identities', 'spec.identityRefs'],
    'policy.linkerd.io/NetworkAuthentication': ['spec.networks', 'spec.networks[].except'],
    'policy.linkerd.io/HTTPRoute': ['spec.hostnames', 'spec.parentRefs', 'spec.rules[].matches'],
  },
};
