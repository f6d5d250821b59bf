import type { EmitMemo } from './shared/emit-memo.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { NamespaceResidue } from '../core/shards.ts';
import type { MeshDiscovery } from '../core/discovery.ts';
import type { FeatureId } from './features.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { MeshType, ResolvedEnvironment, ResolvedService, Retries } from '../model/types.ts';
import type { MeshImporter } from './importer.ts';
import type { ExportList } from '../model/exports.ts';
import type { ChartVersionScheme } from '../validate/rules/chart-version-rules.ts';

export type { ChartVersionScheme };

export type Support = 'exact' | 'approximate' | 'unsupported';

export interface Capability {
  readonly support: Support;
  /**
   * How the mesh expresses the feature (exact), what differs (approximate), or why not (unsupported). Shown by
   * the validator (approximate and unsupported), and by `meshc matrix` and the README for cells that are not
   * exact.
   */
  readonly note?: string;
  /**
   * The values of the feature the backend refuses or warns about where they are written (a retry condition, a
   * value over a mesh limit, a combination with another field), while the feature itself has this support:
   * `meshc matrix` (every format) and the README show them for every cell, and mark the cell's label with `*`.
   * They leave the validator's feature-level check alone (an exact cell still warns nowhere): the backend
   * reports each such value at the value.
   */
  readonly limits?: string;
  /** Oldest mesh version (`major.minor`) with this support; older versions count as `unsupported`. */
  readonly since?: string;
}

/** A Helm chart release of the control-plane install, in install order. gitops/ turns it into Flux or Argo CD objects. */
export interface ChartRelease {
  /** Release name, unique per environment (e.g. `<mesh>-base`). */
  readonly name: string;
  readonly repoName: string;
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** Names of releases that must be ready first. */
  readonly dependsOn: readonly string[];
  /**
   * The chart templates CustomResourceDefinitions without `helm.sh/resource-policy: keep` (not in its `crds/`,
   * which Helm never deletes): uninstalling the release would delete them, and every custom resource of theirs
   * in the cluster. gitops/ keeps them (Flux: a post-renderer adding the annotation). Absent: false.
   */
  readonly templatedCrds?: boolean;
  /**
   * Fields of objects the chart installs that the cluster rewrites at run time (a controller of the mesh
   * patches them after install). A GitOps engine that compares the chart's render with the live objects
   * must not count them as drift (Argo CD: `ignoreDifferences`). Absent: none.
   */
  readonly runtimeFields?: readonly RuntimeField[];
}

/** One field of one object a chart installs, changed by the cluster at run time. */
export interface RuntimeField {
  /** API group (`''` for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  /** RFC 6901 JSON Pointer of the field. */
  readonly pointer: string;
  /** Who changes it and why (for comments and docs). */
  readonly reason: string;
}

/**
 * Something a cluster needs before the environment's first sync that meshc does not deploy itself
 * (operators and CRDs, secrets only the user can create). Listed by `meshc build` and the README.
 */
export interface ClusterPrerequisite {
  /** What to install or create, e.g. `cert-manager`, `Gateway API CRDs v1.4.0 (standard channel)`. */
  readonly what: string;
  /** Why this environment needs it (the spec setting that brings it in). */
  readonly why: string;
}

/**
 * The kinds of a mesh's own API groups, per install phase, each list in install order. kind-order.ts
 * places them among the Kubernetes, cert-manager, Gateway API, monitoring and GitOps kinds; a kind whose name
 * is already placed (a mesh's own `Gateway` shares Gateway API's name) keeps that rank, and apiVersion separates
 * them.
 */
export interface MeshKinds {
  /** Mesh-wide and workload configuration: after certificates, before gateways. */
  readonly config?: readonly string[];
  /** Gateways: after Gateway API `GatewayClass` and `Gateway`. */
  readonly gateways?: readonly string[];
  /** Routes: before the Gateway API routes. */
  readonly routes?: readonly string[];
  /** Policies: after `NetworkPolicy`. */
  readonly policies?: readonly string[];
}

/**
 * What `meshc diff` must not count as a change in the objects of a mesh's own API groups (diff/noise.ts merges
 * these with the tables of the Kubernetes, Gateway API and GitOps kinds). Keys are `group/Kind`.
 */
export interface DiffNoise {
  /** Paths of lists whose order the API ignores (`[]`: every item of the list). */
  readonly unorderedLists?: Readonly<Record<string, readonly string[]>>;
  /** Path → the value the API server assumes when the field is absent. */
  readonly defaultValues?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * One thing a mesh object claims (a host, a Service parent, a set of workloads), for `meshc drift`'s
 * unmanaged overlap: two objects compete when they claim the same `key` and their selectors can select the
 * same pod.
 */
export interface OverlapClaim {
  /** What is claimed, in words (compared for equality and shown): `host reviews.bookinfo.svc.cluster.local on mesh`. */
  readonly key: string;
  /**
   * An equality selector narrowing the claim to some workloads under `key`; absent: all of them. Two selectors
   * can select the same pod unless they require different values for one label.
   */
  readonly selector?: Readonly<Record<string, string>>;
}

/** Objects that compete when they claim the same thing (a mesh's conflict or precedence rules). */
export interface OverlapRule {
  /** `group/Kind` of the objects that compete under this rule (several: kinds that compete with each other). */
  readonly kinds: readonly string[];
  /** What they compete for, for the report: `the same host`. */
  readonly what: string;
  /** The claims of one object of `kinds`. Pure. */
  claims(obj: K8sObject): readonly OverlapClaim[];
}

export interface EmitContext {
  /** meshc's version, for labels; never a clock or a machine path. */
  readonly toolVersion: string;
  /** Per-service results shared between environments (see EmitMemo); none: everything is computed. */
  readonly memo?: EmitMemo;
  /**
   * The application namespaces whose objects are wanted; absent: all of them. An incremental render takes
   * the other namespaces' files from the previous render (plan/shards.ts). `namespaces` then holds these
   * only; everything else (`system`, `charts`, and `diagnostics`, of every service) is as without it.
   */
  readonly only?: ReadonlySet<string>;
  /**
   * Namespaces outside `only` whose residue in this environment the previous render recorded
   * (BackendOutput.residue, core/shards.ts): a backend that records residue reports the recorded findings and
   * reads the recorded reaches of such a namespace instead of computing its services. Absent or without a
   * namespace: the backend computes its services as it would without `only`.
   */
  readonly taken?: ReadonlyMap<string, NamespaceResidue>;
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
  /**
   * Per application namespace whose services the backend computed: their findings (also in `diagnostics`)
   * and what other namespaces' objects read of them (NamespaceResidue). A backend whose services' findings
   * and reaches are all here honours EmitContext.taken; one without it (its services have no findings of
   * their own, or it does not record them) never gets it.
   */
  readonly residue?: ReadonlyMap<string, NamespaceResidue>;
}

/** A Flagger metric check the backend defines itself (a MetricTemplate), instead of Flagger's built-in one. */
export interface RolloutMetricTemplate {
  /** Name of the MetricTemplate, in the service's namespace. */
  readonly name: string;
  readonly templateVariables?: Readonly<Record<string, string>>;
}

/**
 * How Flagger rolls out a service on this mesh (`Service.rollout`): the provider, and what the Canary's
 * `service` carries on it (fluxcd/flagger `pkg/router`). shared/flagger.ts builds the Canary from it; what a
 * provider cannot carry is `unsupported` in the capabilities (features `rollout.*`).
 */
export interface RolloutSupport {
  /** Flagger's mesh provider: the chart's `meshProvider` and the Canary's `provider`. */
  readonly provider: string;
  /** Carried into the Canary's `service` when the service's route sets them. */
  readonly carries: {
    readonly timeout: boolean;
    readonly retries: boolean;
    readonly headers: boolean;
  };
  /**
   * A spec header value (a literal) as the provider's routes carry it, when they read values as more than
   * literals (Istio's Envoy takes `%` as the start of a variable). Absent: as written.
   */
  readonly headerValue?: (value: string) => string;
  /** `service.retries.retryOn` of the provider from the spec's retry conditions (absent: not set). */
  readonly retryOn?: (retries: Retries) => string | undefined;
  /** `service.gatewayRefs`: the parents of the HTTPRoute Flagger generates (Gateway API providers). */
  readonly gatewayRefs?: (s: ResolvedService) => readonly Readonly<Record<string, unknown>>[];
  /**
   * The success-rate and latency checks as MetricTemplates of the backend (objects in `templates`), when
   * Flagger's built-in `request-success-rate` / `request-duration` do not read this mesh's metrics.
   */
  readonly metricTemplates?: {
    readonly successRate: RolloutMetricTemplate;
    readonly latency: RolloutMetricTemplate;
    /** The MetricTemplates of one namespace that has rolled-out services. */
    readonly objects: (namespace: string, metricsServer: string) => readonly K8sObject[];
  };
  /**
   * What Flagger needs on this mesh to query the Prometheus at `metricsServer`, beyond its address: chart values
   * (e.g. an authorization on the mesh's own Prometheus) and what the cluster must run for them. Undefined:
   * nothing more.
   */
  readonly metricsServerAccess?: (
    metricsServer: string,
  ) =>
    | { readonly values: Readonly<Record<string, unknown>>; readonly prerequisite: ClusterPrerequisite }
    | undefined;
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
  /** The namespace of the control plane (e.g. `<mesh>-system`). */
  readonly systemNamespace: string;
  /** Default namespace of the ingress gateway objects (`mesh.ingress.namespace`); absent: `ingress`. */
  readonly ingressNamespace?: string;
  /** The mesh's own kinds, for the install order of rendered objects. */
  readonly kinds?: MeshKinds;
  /** Server-filled defaults and unordered lists of the mesh's own kinds, for the diff's noise filter. */
  readonly diffNoise?: DiffNoise;
  /** Support per feature of FEATURES: every feature, or the backend does not compile. */
  readonly capabilities: Readonly<Record<FeatureId, Capability>>;
  emit(env: ResolvedEnvironment, ctx: EmitContext): BackendOutput;
  /**
   * What `emit`'s objects of one namespace read of the services of other namespaces, as members of
   * model/exports.ts's ServiceExports: what the per-service builders read of the services in their index (the
   * index's type is PeerOf a list inside this one, so the compiler holds the builders to it) and what the
   * environment-wide parts read of every service (who may call whom, which services a route sends to).
   * A change to any other member of a service leaves the other namespaces' objects as they were
   * (src/model/exports.test.ts): what an incremental render may rely on to leave a namespace alone.
   */
  readonly exports: ExportList;
  /**
   * Narrower than `exports`, where the backend reads a member only through something derived from it: what
   * the objects of other namespaces read of a service, as a value whose JSON changes whenever they could. An
   * incremental render keys the other namespaces by it instead of by the members `exports` names
   * (plan/shards.ts); src/model/exports.test.ts holds it to the same rule. Absent: those members.
   */
  readonly peerView?: (s: ResolvedService) => unknown;
  /** What a cluster needs before the environment's first sync, from what the environment uses. Pure. */
  readonly prerequisites?: (env: ResolvedEnvironment) => readonly ClusterPrerequisite[];
  /**
   * How the versions of the charts `mesh.install` installs map to mesh versions
   * (src/backends/<mesh>/chart-versions.ts): validate checks `mesh.install.chartVersion` against `mesh.version`
   * with it. Every backend that supports `mesh.install` declares one (src/backends/chart-versions.test.ts);
   * absent: the chart version is not checked.
   */
  readonly chartVersions?: ChartVersionScheme;
  /** Progressive delivery by Flagger on this mesh; absent: Flagger has no provider for it (`rollout` unsupported). */
  readonly rollout?: RolloutSupport;
  /**
   * When a live object meshc did not render competes with one it did (`meshc drift`'s unmanaged overlap):
   * another VirtualService for the same host, another route on the same Service parent, another policy
   * selecting the same workload. Absent: the mesh has no such rules, and drift reports no overlap.
   */
  readonly overlaps?: readonly OverlapRule[];
  /** The reverse compiler of this mesh (backends/importer.ts): its native objects read back into the spec. */
  readonly importer?: MeshImporter;
  /**
   * How the mesh is recognised in a cluster: its CRD groups (and the kinds read from them), control-plane
   * workloads and their version, proxy injection marks. Absent: `meshc drift --context` neither finds the
   * mesh nor reads its kinds.
   */
  readonly discovery?: MeshDiscovery;
}
