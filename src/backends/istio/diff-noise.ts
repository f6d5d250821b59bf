import type { DiffNoise } from '../types.ts';

/** What `meshc diff` ignores in Istio objects: lists the API treats as sets, and fields istiod defaults. */
export const ISTIO_DIFF_NOISE: DiffNoise = {
  unorderedLists: {
    // AuthorizationPolicy: rules are OR-ed, their from/to/when entries too; every field of a source or
    // operation is a set of values.
    'security.istio.io/AuthorizationPolicy': [
      'spec.rules',
      'spec.rules[].from',
      'spec.rules[].to',
      'spec.rules[].when',
      ...[
        'principals',
        'notPrincipals',
        'requestPrincipals',
        'notRequestPrincipals',
        'namespaces',
        'notNamespaces',
        'ipBlocks',
        'notIpBlocks',
        'remoteIpBlocks',
        'notRemoteIpBlocks',
        'serviceAccounts',
        'notServiceAccounts',
      ].map((f) => `spec.rules[].from[].source.${f}`),
      ...['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'].map(
        (f) => `spec.rules[].to[].operation.${f}`,
      ),
      'spec.rules[].when[].values',
      'spec.rules[].when[].notValues',
    ],
    // VirtualService: hosts, gateways and exportTo are sets; the matches of one route are OR-ed (the routes
    // themselves, `http`, are first-match-wins and keep their order).
    'networking.istio.io/VirtualService': [
      'spec.hosts',
      'spec.gateways',
      'spec.exportTo',
      'spec.http[].match',
    ],
    // DestinationRule: subsets are named (routes pick them by name; istiod refuses two of one name).
    'networking.istio.io/DestinationRule': ['spec.exportTo', 'spec.subsets'],
    'networking.istio.io/ServiceEntry': ['spec.hosts', 'spec.addresses', 'spec.exportTo', 'spec.ports'],
    'networking.istio.io/Sidecar': ['spec.egress[].hosts'],
    'networking.istio.io/Gateway': ['spec.servers[].hosts'],
  },
  defaultValues: {
    'security.istio.io/AuthorizationPolicy': { 'spec.action': 'ALLOW' },
  },
};
