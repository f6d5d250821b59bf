/**
 * What a render records of its namespace shards for the next render (plan/shards.ts computes it; the render
 * cache's entry keeps it: load/render-cache.ts). Plain data.
 */
import type { Diagnostic } from './diagnostic.ts';

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
  /**
   * Per environment whose backend recorded the namespace (BackendOutput.residue): the other namespaces its
   * services reach (NamespaceResidue.reaches). Absent where the backend records nothing. A render that takes the
   * namespace hands this back to the backend (EmitContext.taken), with `findings`, instead of having it compute
   * the namespace's services again.
   */
  readonly reaches?: Readonly<Record<string, readonly string[]>>;
  /**
   * The findings of the namespace's services (NamespaceResidue.diagnostics) in all those environments, each
   * once (a finding of several environments is one warning in the report), sorted, secrets masked.
   */
  readonly findings?: readonly Diagnostic[];
  /**
   * The source files `findings` point into, and every environment's file (an override there can move a
   * finding's location without changing a resolved service), each with the digest of its text: the namespace
   * is taken only while they are unchanged, so the recorded locations are the current ones.
   */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * What a backend's emit needs of one namespace's services in one environment besides their objects: their
 * findings, and what other namespaces' objects depend on. Plain data.
 */
export interface NamespaceResidue {
  /**
   * The findings of the namespace's services, located (warnings: a render with errors records nothing). Handed
   * back, a namespace's findings of every environment: the report shows each finding once anyway.
   */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * The other namespaces the services' objects reach, whose own objects depend on it (Linkerd: the namespaces
   * its routes send to, which hold a ReferenceGrant for it). Sorted.
   */
  readonly reaches: readonly string[];
}
