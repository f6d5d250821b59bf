import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { MeshType, ResolvedEnvironment } from '../model/types.ts';

export type Support = 'exact' | 'approximate' | 'unsupported';

export interface Capability {
  readonly support: Support;
  /** What differs (approximate), or why not (unsupported). Shown by the validator, `meshc matrix` and the README. */
  readonly note?: string;
  /** Oldest mesh version (`major.minor`) with this support; older versions count as `unsupported`. */
  readonly since?: string;
}

/** A Helm chart release of the control-plane install, in install order. gitops/ turns it into Flux or Argo CD objects. */
export interface ChartRelease {
  /** Release name, unique per environment (e.g. `istio-base`). */
  readonly name: string;
  readonly repoName: string;
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** Names of releases that must be ready first. */
  readonly dependsOn: readonly string[];
}

export interface EmitContext {
  /** meshc's version, for labels; never a clock or a machine path. */
  readonly toolVersion: string;
}

export interface BackendOutput {
  /** Mesh objects per application namespace (the Namespace object itself included). Keys sorted. */
  readonly namespaces: ReadonlyMap<string, readonly K8sObject[]>;
  /**
   * Objects the control plane needs before it starts (trust: CA certificates, issuers, trust bundles;
   * webhook certificates; the control-plane namespace they live in). Applied before the first chart.
   */
  readonly prerequisites?: readonly K8sObject[];
  /** Mesh-wide objects: mesh-wide policy, telemetry, monitors, dashboards, ingress gateways. */
  readonly system: readonly K8sObject[];
  /** Control-plane charts (empty unless `mesh.install` is set). */
  readonly charts: readonly ChartRelease[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * One service mesh. Everything mesh-specific lives on this object; the pipeline never switches on mesh type.
 * `emit` is pure: the resolved environment in, objects out.
 */
export interface Backend {
  readonly mesh: MeshType;
  readonly title: string;
  /** Oldest supported mesh version, `major.minor`. */
  readonly minVersion: string;
  /** The namespace of the control plane (e.g. `istio-system`). */
  readonly systemNamespace: string;
  /** Support per feature id of FEATURES; a feature missing here is `unsupported`. */
  readonly capabilities: Readonly<Record<string, Capability>>;
  emit(env: ResolvedEnvironment, ctx: EmitContext): BackendOutput;
}
