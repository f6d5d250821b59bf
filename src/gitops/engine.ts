/**
 * What a GitOps engine contributes to the tree, behind one interface: the generic tree code never asks
 * which engine it is. An engine is one file exporting a `GitOpsEngine` plus one line in `engines.ts`.
 */
import type { ChartRelease, ClusterPrerequisite } from '../backends/types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { GitOpsSettings, ResolvedEnvironment } from '../model/types.ts';

/** The names `gitops.engine` accepts (the schema enum, via the model). */
export type EngineName = GitOpsSettings['engine'];

/** Which overlay directories an environment has, for the engine objects that apply them. */
export interface OverlayDirs {
  /** `mesh-system/prerequisites`, when present: applied before the install. */
  readonly prerequisites?: boolean;
  /** `mesh-system/install`, when present (only an engine whose `installObjects` returns objects has one). */
  readonly install: boolean;
  /** `mesh-system/config`, when present. */
  readonly config: boolean;
  /** Application namespaces with an overlay, sorted. */
  readonly namespaces: readonly string[];
  /**
   * When another environment on the same cluster owns the mesh-wide directories (one cluster runs one
   * mesh, installed and configured once): that environment and which of its mesh directories exist.
   */
  readonly meshOwner?: { readonly env: string; readonly install: boolean; readonly config: boolean };
}

/** Everything an engine may read to build an environment's objects in `clusters/<cluster>/`. */
export interface ClusterObjectsInput {
  /** The environment's name (engine objects are named after it, so environments sharing a cluster never clash). */
  readonly env: string;
  readonly gitops: GitOpsSettings;
  /** The mesh's control-plane namespace (the destination of the mesh-wide directories). */
  readonly systemNamespace: string;
  /** The control-plane charts, in install order (empty for an environment that does not own the mesh). */
  readonly charts: readonly ChartRelease[];
  readonly dirs: OverlayDirs;
  /** Base directory (relative to the output root) of each application namespace's overlay. */
  readonly bases: ReadonlyMap<string, string>;
}

export interface GitOpsEngine {
  readonly name: EngineName;
  /**
   * The annotations of a Namespace the engine must never prune: removing the last service of a namespace,
   * or the engine object that applied it, must not delete the namespace and every workload in it.
   * Returns a new map with the engine's marker added to `annotations`.
   */
  keepNamespace(annotations: Readonly<Record<string, string>>): Record<string, string>;
  /**
   * The objects of `overlays/<env>/mesh-system/install/` for the control-plane charts, or none when the
   * engine installs charts some other way (from `clusterObjects`). An environment on a shared cluster
   * that does not own the mesh depends on its owner's install directory when the owner has one.
   */
  installObjects(charts: readonly ChartRelease[]): K8sObject[];
  /** The environment's objects in `clusters/<cluster>/`: what makes the engine apply its overlays (and charts). */
  clusterObjects(input: ClusterObjectsInput): K8sObject[];
  /** What the engine needs in the cluster (or in itself) before the environment's first sync. */
  prerequisites(env: ResolvedEnvironment): ClusterPrerequisite[];
}

/** Which engine deploys an environment: the registry's (`engineOf`), or another one in a test. */
export type EngineLookup = (env: ResolvedEnvironment) => GitOpsEngine;
