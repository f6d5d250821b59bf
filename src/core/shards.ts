/**
 * What a render records of its namespace shards for the next render (plan/shards.ts computes it; the render
 * cache's entry keeps it: load/render-cache.ts). Plain data.
 */

/** What a render records of its namespace shards, for the next render (kept in the render cache's entry). */
export interface ShardRecord {
  readonly global: string;
  readonly namespaces: Readonly<Record<string, ShardEntry>>;
}

export interface ShardEntry {
  readonly key: string;
  /**
   * Per environment that deploys the namespace: the ids (core/k8s.ts resourceId) of the namespace's objects
   * that another directory of the environment could hold too (cluster-scoped, or of another namespace). The
   * layout's check that no object is rendered twice counts them for a namespace it does not lay out.
   */
  readonly foreign: Readonly<Record<string, readonly string[]>>;
}
