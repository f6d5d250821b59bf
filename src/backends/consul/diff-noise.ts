import type { DiffNoise } from '../types.ts';

/** What `meshc diff` ignores in Consul config entries: lists Consul treats as sets. */
export const CONSUL_DIFF_NOISE: DiffNoise = {
  unorderedLists: {
    // Intention sources are matched by precedence (name specificity), not by position; router methods are a set.
    'consul.hashicorp.com/ServiceIntentions': ['spec.sources'],
    'consul.hashicorp.com/ServiceRouter': ['spec.routes[].match.http.methods'],
  },
};
