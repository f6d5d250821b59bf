import type { DataPath, Location } from '../core/location.ts';
import type {
  HttpMethod as SpecHttpMethod,
  Mesh,
  Resilience as SpecResilience,
  RetryCondition as SpecRetryCondition,
  Rollout as SpecRollout,
  RolloutWebhook as SpecRolloutWebhook,
  ServicePort,
  ServiceSpec,
} from '../spec/types.gen.ts';

/**
 * The normalized, mesh-neutral model: defaults applied, environment overrides merged, references resolved,
 * collections sorted. Backends read only this (never the YAML), so every value here is final.
 */

/** A mesh the spec language names: the schema's `mesh.type` enum (runtime list: `MESH_TYPES`, model/mesh-types.ts). */
export type MeshType = Mesh['type'];
/** The closed sets below are the schema's enums (spec/types.gen.ts), so a schema change reaches every switch. */
export type Protocol = NonNullable<ServicePort['protocol']>;
export type MtlsMode = NonNullable<Mesh['mtls']>;
export type KubernetesServiceMode = NonNullable<ServiceSpec['kubernetesService']>;
/** A load-balancing algorithm named by a string (`consistent-hash` is the object form). */
export type SimpleLoadBalancer = Extract<NonNullable<SpecResilience['loadBalancer']>, string>;
/** The schema's `HttpMethod` enum. */
export type HttpMethod = SpecHttpMethod;
/** The schema's `RetryCondition` enum: a backend's table over it is checked by the compiler. */
export type RetryCondition = SpecRetryCondition;

/** Where a value came from: the spec node that produced it (for diagnostics and `diff` annotations). */
export type OriginFn = (path: DataPath, mode?: 'value' | 'key') => Location;

export interface Port {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export interface Version {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface StringMatch {
  readonly type: 'exact' | 'prefix' | 'regex';
  readonly value: string;
}

export interface RouteMatch {
  /** Header matches sorted by name; names are lower-case. */
  readonly headers: readonly { readonly name: string; readonly match: StringMatch }[];
  readonly query: readonly { readonly name: string; readonly match: StringMatch }[];
  /** Prefix matching is segment-wise (Gateway API `PathPrefix`): `/api` matches `/api` and `/api/x`, not `/apis`. */
  readonly path?: StringMatch;
  readonly method?: HttpMethod;
}

/** One weighted destination of a route. */
export interface Destination {
  /** `namespace/name` of the target Service. */
  readonly serviceId: string;
  readonly namespace: string;
  readonly service: string;
  /** A version of the target service; absent = all its pods. */
  readonly version?: string;
  /** 0..100; the weights of a route sum to 100. */
  readonly weight: number;
  /**
   * Where the spec names it, inside the Service's spec: `routes/i/to` (one version), `routes/i/to/<version>`
   * (a weight), `routes/i/backends/j`, or `routes/i` (a route to the whole service; `routes` for the
   * catch-all meshc appends).
   */
  readonly at: DataPath;
}

/**
 * A Go-style duration of the spec (`1m30s`, `250ms`), parsed once by the model: `ms` is its length in
 * milliseconds (for comparing and for meshes that want another spelling), `text` is the spec's spelling
 * (what meshes that take Go durations emit as written).
 */
export interface Duration {
  readonly ms: number;
  readonly text: string;
}

export interface Retries {
  readonly attempts: number;
  readonly perTryTimeout?: Duration;
  /** Retry conditions, in spec order (Envoy-style tokens: 5xx, gateway-error, connect-failure, reset, …). */
  readonly on: readonly RetryCondition[];
}

export interface HeaderOps {
  /** Sorted by name. */
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface Route {
  /** Position in the service's `routes` list (the spec path is `routes[index]`). */
  readonly index: number;
  readonly name?: string;
  /**
   * True for the default route meshc appends when the last spec route has a `match`: unmatched requests
   * then still reach the service (all pods), instead of being rejected as a mesh's first-match route table and GAMMA do.
   */
  readonly implicit?: boolean;
  /** OR of matches; empty = matches every request. */
  readonly matches: readonly RouteMatch[];
  readonly destinations: readonly Destination[];
  readonly timeout?: Duration;
  readonly retries?: Retries;
  readonly fault?: {
    readonly delay?: { readonly duration: Duration; readonly percent: number };
    readonly abort?: { readonly status: number; readonly percent: number };
  };
  readonly mirror?: {
    readonly serviceId: string;
    readonly namespace: string;
    readonly service: string;
    readonly version: string;
    readonly percent: number;
  };
  readonly headers?: { readonly request?: HeaderOps; readonly response?: HeaderOps };
}

export type LoadBalancer =
  { readonly type: SimpleLoadBalancer } | { readonly type: 'consistent-hash'; readonly header: string };

export interface Resilience {
  readonly outlierDetection?: {
    readonly consecutiveErrors?: number;
    readonly interval?: Duration;
    readonly baseEjectionTime?: Duration;
    readonly maxEjectionPercent?: number;
  };
  readonly connectionPool?: {
    readonly maxConnections?: number;
    readonly maxPendingRequests?: number;
    readonly maxRequestsPerConnection?: number;
  };
  readonly loadBalancer?: LoadBalancer;
}

/** Who a caller of an access rule is. */
export type CallerTarget =
  | { readonly kind: 'any' }
  | {
      readonly kind: 'service';
      readonly serviceId: string;
      readonly namespace: string;
      readonly name: string;
      readonly serviceAccount: string;
    };

/** A caller allowed by an access rule, with where the spec names it. */
export type Caller = CallerTarget & {
  /** Position in the rule's spec `from` list (the first one when the caller is named twice). */
  readonly specIndex: number;
};

/** What an access path matches: the whole path, a string prefix (`/p/*`) or a string suffix (`*.png`). */
export interface AccessPathMatch {
  readonly type: 'exact' | 'prefix' | 'suffix';
  readonly value: string;
}

/** A request path condition of an access rule, parsed once (model/access-path.ts). */
export interface AccessPath {
  /** The spec text (`/exact`, `/prefix*`, `*suffix`, `*`): what a mesh taking path globs gets as is, and what the diff prints. */
  readonly text: string;
  /** Absent: every path (`*`, `/*`). */
  readonly match?: AccessPathMatch;
}

export interface AccessRule {
  readonly index: number;
  /** Sorted: `any` first, then by serviceId. */
  readonly from: readonly Caller[];
  readonly methods: readonly HttpMethod[];
  /** Unique, sorted by text. Empty: every path. */
  readonly paths: readonly AccessPath[];
}

export interface Ingress {
  readonly hosts: readonly string[];
  readonly paths: readonly StringMatch[];
}

/** How Flagger shifts traffic to the new version (the schema's `Service.rollout.strategy` enum). */
export type RolloutStrategy = NonNullable<SpecRollout['strategy']>;

/** One A/B condition of a rollout: headers and query parameters (AND), names sorted. */
export interface RolloutMatch {
  readonly headers: readonly { readonly name: string; readonly match: StringMatch }[];
  readonly query: readonly { readonly name: string; readonly match: StringMatch }[];
}

/** A Flagger webhook, as the spec writes it. */
export interface RolloutWebhook {
  readonly name: string;
  readonly type?: NonNullable<SpecRolloutWebhook['type']>;
  readonly url: string;
  readonly timeout?: Duration;
  /** Sorted by key. */
  readonly metadata: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Progressive delivery of a service by Flagger (`Service.rollout`): what every backend turns into a Canary.
 * Positions: the service's `origin(['rollout', …])`.
 */
export interface Rollout {
  /** The workload Flagger rolls out (default: the Deployment named like the service). */
  readonly target: { readonly kind: 'Deployment' | 'DaemonSet'; readonly name: string };
  readonly strategy: RolloutStrategy;
  readonly interval: Duration;
  readonly threshold: number;
  /** canary only. */
  readonly stepWeight?: number;
  readonly maxWeight?: number;
  /** ab and bluegreen. */
  readonly iterations?: number;
  /** ab only; OR of conditions. */
  readonly match: readonly RolloutMatch[];
  readonly metrics: { readonly successRate?: number; readonly latency?: Duration };
  readonly webhooks: readonly RolloutWebhook[];
  /**
   * The pod labels of Flagger's primary workload: the service's selector with the first of Flagger's selector
   * labels (`app`, `name`, `app.kubernetes.io/name`) it holds given the `-primary` suffix. The canary pods keep
   * the service's own selector.
   */
  readonly primarySelector: Readonly<Record<string, string>>;
}

/** Flagger in an environment (`Environment.rollouts.flagger`). */
export interface FlaggerSettings {
  readonly chartVersion: string;
  readonly metricsServer: string;
  readonly namespace: string;
}

/** A Service as deployed in one environment. */
export interface ResolvedService {
  /** `namespace/name` */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly Port[];
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Sorted by name. */
  readonly versions: readonly Version[];
  /** In spec order (first match wins). Empty = no routing rules (traffic goes to every pod of the service). */
  readonly routes: readonly Route[];
  readonly resilience: Resilience;
  /** Undefined: no access control. An empty list: nobody may call the service. */
  readonly access?: readonly AccessRule[];
  /** Effective mTLS mode (the service's own `mtls`, else the environment's). */
  readonly mtls: MtlsMode;
  /** True when the service sets `mtls` itself (backends emit a per-workload policy only then). */
  readonly mtlsOverride: boolean;
  readonly ingress?: Ingress;
  readonly kubernetesService: KubernetesServiceMode;
  /** Progressive delivery by Flagger: a Canary replaces the service's routing objects. */
  readonly rollout?: Rollout;
  /** The resolved `spec` object (defaults applied, overrides merged), as policies see it. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Spec position of a value, by its path inside `spec`. */
  readonly origin: OriginFn;
}

export interface ChartInstall {
  readonly chartVersion: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export type Trust =
  | { readonly type: 'cert-manager'; readonly issuer: string; readonly kind: 'Issuer' | 'ClusterIssuer' }
  | { readonly type: 'existing-secret'; readonly name: string }
  /** The mesh's own CA generates its root inside the cluster (no key material from outside). */
  | { readonly type: 'built-in' }
  /** A Vault PKI is the mesh CA: references only (address, mount paths, role names). */
  | {
      readonly type: 'vault';
      readonly address: string;
      readonly rootPKIPath: string;
      readonly intermediatePKIPath: string;
      readonly authMethodPath: string;
      readonly serverRole: string;
      readonly caSecret?: { readonly name: string; readonly key: string };
    }
  /** SPIRE over Envoy SDS (App Mesh): SPIFFE IDs derived from the trust domain, namespace and service account. */
  | { readonly type: 'sds' }
  /** Paths of PEM files mounted into every proxy (App Mesh); never their contents. */
  | {
      readonly type: 'file';
      readonly certificateChain: string;
      readonly privateKey: string;
      readonly caBundle: string;
    }
  /** ARNs of an ACM certificate and the ACM Private CAs clients trust (App Mesh). */
  | {
      readonly type: 'acm';
      readonly certificateArn: string;
      readonly certificateAuthorityArns: readonly string[];
    };

export interface Observability {
  readonly metrics: 'prometheus-operator' | 'annotations' | 'none';
  readonly dashboards: boolean;
  readonly tracing?: {
    readonly provider: 'opentelemetry' | 'zipkin';
    readonly host: string;
    readonly port: number;
    readonly sampling: number;
  };
}

export interface MeshSettings {
  readonly type: MeshType;
  /** `major.minor` */
  readonly version: string;
  readonly mtls: MtlsMode;
  readonly install?: ChartInstall;
  readonly trust?: Trust;
  /** The identity domain every principal uses (`cluster.local` by default). */
  readonly trustDomain: string;
  readonly ingress?: {
    readonly className: string;
    readonly api: 'gateway-api' | 'native';
    readonly namespace: string;
    /** HTTPS on 443 for every ingress host, HTTP redirected to it. */
    readonly tls?: IngressTls;
  };
  readonly observability: Observability;
}

export type IngressTls =
  | { readonly type: 'cert-manager'; readonly issuer: string; readonly kind: 'Issuer' | 'ClusterIssuer' }
  | { readonly type: 'secret'; readonly secretName: string };

export interface GitOpsSettings {
  readonly engine: 'flux' | 'argocd';
  readonly repo: string;
  readonly branch: string;
  /** Repository path of the output root, without leading `./` or trailing `/`. */
  readonly path: string;
  /** Flux: reconcile interval of the GitRepository and Kustomizations (absent: meshc's defaults). */
  readonly interval?: Duration;
  /** Flux: Secret in flux-system with the repository credentials. */
  readonly secretRef?: string;
  /** Argo CD: AppProject of the Applications (default `default`). */
  readonly project: string;
  /** Argo CD: the target cluster (default: the in-cluster API server). */
  readonly destination: { readonly name: string } | { readonly server: string };
}

/** An RFC 6902 patch over one emitted object (Environment.patches). */
export interface ObjectPatch {
  readonly index: number;
  readonly target: {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly group?: string;
    readonly version?: string;
  };
  readonly ops: readonly {
    readonly op: string;
    readonly path: string;
    readonly value?: unknown;
    readonly from?: string;
  }[];
}

export interface ResolvedEnvironment {
  readonly name: string;
  readonly cluster: string;
  readonly mesh: MeshSettings;
  readonly gitops: GitOpsSettings;
  /** Namespaces deployed in this environment (filter applied), sorted. */
  readonly namespaces: readonly string[];
  /** Services deployed in this environment, overrides merged, sorted by id. */
  readonly services: readonly ResolvedService[];
  readonly patches: readonly ObjectPatch[];
  /** Flagger, installed for this environment's mesh (`rollouts.flagger`); absent: no service may have `rollout`. */
  readonly flagger?: FlaggerSettings;
  /** The resolved `spec` object (defaults applied), as policies see it. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly origin: OriginFn;
}

export interface Model {
  readonly project: { readonly name: string; readonly output: string };
  /** Sorted by name. */
  readonly environments: readonly ResolvedEnvironment[];
}
