/** The gitops stage's input and output: per-environment backend output in, the tree's layout out. */
import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { OutputFile } from '../core/output.ts';
import type { JsonPatchOp } from './json-patch.ts';

// The gitops stage's input is the emit stage's output.
export type { EnvRender } from '../plan/emit.ts';

/**
 * The tree as objects: every file's path, ownership and what it holds, before any text. `render`
 * turns it into files (`renderGitOpsTree`).
 */
export interface GitOpsTree {
  /** Sorted by path; no two entries share a path. */
  readonly entries: readonly TreeEntry[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * The part of `diagnostics` that `gitopsDiagnostics` reports (patches, conflicts between environments), before
   * the file-level ones: what refuses the spec itself, so that a render need not analyse the renders twice.
   */
  readonly checks: readonly Diagnostic[];
  /** `overlays/<env>/<dir>` → the objects `kustomize build` of that directory produces (canonical, sorted). */
  readonly builds: ReadonlyMap<string, readonly K8sObject[]>;
}

export interface TreeEntry {
  readonly path: string;
  readonly ownership: OutputFile['ownership'];
  readonly content: TreeContent;
}

export type TreeContent =
  /** One object of environment `env`, in its own file. */
  | { readonly type: 'object'; readonly env: string; readonly object: K8sObject }
  /** A `kustomization.yaml`: the directory's resources (files and directories) and components. */
  | {
      readonly type: 'kustomization';
      readonly resources: readonly string[];
      readonly components?: readonly string[];
    }
  /** The JSON Patch turning the base's copy of `object` into environment `env`'s. */
  | {
      readonly type: 'patch';
      readonly env: string;
      readonly object: K8sObject;
      readonly ops: readonly JsonPatchOp[];
    }
  /** The owned component holding environment `env`'s differences from the base. */
  | {
      readonly type: 'generated-component';
      readonly env: string;
      readonly patches: readonly ComponentPatch[];
    }
  /** The user's own component of a namespace overlay (a seed, written once). */
  | { readonly type: 'user-component'; readonly env: string; readonly namespace: string };

/** A patch of a component: a patch file for one target, or the deletion of a base object. */
export type ComponentPatch =
  | { readonly path: string; readonly target: PatchTarget }
  | {
      readonly delete: {
        readonly apiVersion: string;
        readonly kind: string;
        readonly metadata: { readonly name: string; readonly namespace?: string };
      };
    };

/** A kustomize patch target; `name` and `namespace` are anchored regular expressions. */
export interface PatchTarget {
  readonly group?: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The tree as files (what `render` makes of a `GitOpsTree`). */
export interface GitOpsResult {
  /** Sorted by path. */
  files: OutputFile[];
  diagnostics: Diagnostic[];
  /** `overlays/<env>/<dir>` → the objects `kustomize build` of that directory produces (canonical, sorted). */
  builds: Map<string, K8sObject[]>;
}
