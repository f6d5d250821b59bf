export { readCluster } from './read-cluster.ts';
export type { ClusterRead, ReadClusterOptions } from './read-cluster.ts';
export { discoverFromObjects, discoverMeshes, injectedNamespaces } from './discover.ts';
export { NEUTRAL_GROUPS, liveGroups, liveKinds } from './kinds.ts';
export type { LiveGroup } from './kinds.ts';
