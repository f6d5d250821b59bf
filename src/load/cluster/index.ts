export { readCluster } from './read-cluster.ts';
export type { ClusterRead, ReadClusterOptions } from './read-cluster.ts';
export { discoverFromObjects, discoverMeshes, injectedNamespaces, linkerdVersion } from './discover.ts';
export { LIVE_GROUPS, LIVE_KINDS } from './kinds.ts';
