import type { Diagnostic } from '../core/diagnostic.ts';
import type { DiagnosticCode } from '../core/codes.ts';
import type { SourcedObject } from '../core/import-types.ts';
import type { K8sObject } from '../core/k8s.ts';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import type { EnvironmentDocument, Route, ServiceSpec } from '../spec/types.gen.ts';

/**
 * The reverse compiler's seam (`meshc import`): a backend's `importer` reads the native objects of its mesh
 * into drafts of meshc Services and the Environment, and says at each object's fields what it did not carry.
 * The generic part (src/import/) loads nothing itself: it indexes the Kubernetes Services, workloads and
 * service accounts (`ImportContext.workloads`), hands each mesh the objects it claims, then writes the spec
 * files and reports every field no one read. A mesh importer is one file in its backend folder.
 */
export interface MeshImporter {
  /**
   * Evidence that `objects` were written for this mesh (its API groups, its annotations), and the mesh
   * version they need (`major.minor`, the oldest version meshc supports that serves those API versions).
   * No evidence: not this mesh.
   */
  detect(objects: readonly SourcedObject[]): {
    readonly evidence: readonly string[];
    readonly version?: string;
  };
  /**
   * Whether this mesh reads the object. Kinds several meshes share (Gateway API routes) are claimed by the
   * mesh the input was detected as; `detected` says whether that is this one.
   */
  claims(object: K8sObject, detected: boolean): boolean;
  /** Reads the claimed objects into the drafts of `ctx`. Pure. */
  read(objects: readonly SourcedObject[], ctx: ImportContext): void;
  /**
   * Annotation domains whose keys configure this mesh (`example.io` covers `*.example.io` too): such an
   * annotation that no importer reads is reported as not carried.
   */
  readonly annotationDomains?: readonly string[];
  /** Pod-template annotations that only ask for the proxy the mesh's namespaces ask for already (key → value). */
  readonly injectionDefaults?: Readonly<Record<string, string>>;
}

/** One port of a Kubernetes Service, as the import reads it. */
export interface ImportedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /** The protocol was not stated (no `appProtocol`, no protocol prefix in the name): `http` assumed. */
  readonly assumed?: boolean;
}

/** A Kubernetes Service of the input (or a service known only from a route), with what the import found about it. */
export interface KnownService {
  /** `namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly ImportedPort[];
  readonly selector: Readonly<Record<string, string>>;
  /** The pods' service account, from the Deployments/StatefulSets whose pods the selector selects. */
  readonly serviceAccount?: string;
  /** The Kubernetes Service object, when the input has it. */
  readonly source?: SourcedObject;
  /** A per-version Service (`<service>-<version>`, selector = the service's plus the version's labels). */
  readonly versionOf?: {
    readonly service: string;
    readonly version: string;
    readonly labels: Readonly<Record<string, string>>;
  };
}

/** What the import knows of the cluster's Kubernetes objects: Services, their pods' identities and versions. */
export interface WorkloadIndex {
  /** A Service by namespace and name (per-version Services included). */
  service(namespace: string, name: string): KnownService | undefined;
  /**
   * The Service a mesh host names, resolved in `namespace`: `name`, `name.ns`, `name.ns.svc`,
   * `name.ns.svc.<domain>`. Undefined for any other host (external names, wildcards).
   */
  host(host: string, namespace: string): { readonly namespace: string; readonly name: string } | undefined;
  /** The root Services (not per-version ones) of a namespace whose selector the pod labels `labels` satisfy. */
  selecting(namespace: string, labels: Readonly<Record<string, string>>): KnownService[];
  /** The root Services whose pods run as this service account. */
  byServiceAccount(namespace: string, serviceAccount: string): KnownService[];
  /** Every root Service. */
  all(): KnownService[];
  /** The pod labels of the workloads (Deployments, StatefulSets, ...) of a namespace in the input. */
  pods(namespace: string): readonly Readonly<Record<string, string>>[];
}

/** A Service of the spec being built: a ServiceSpec without ports (the generic part adds them). */
export interface ServiceDraft {
  readonly namespace: string;
  readonly name: string;
  /** Set by the mesh importers; `kind`: which object decided it, for conflicts. */
  spec: Omit<ServiceSpec, 'ports'>;
  /** Where each part came from, for conflict reports: `routes`, `versions`, `resilience`, `access`, `mtls`. */
  readonly from: Map<string, SourcedObject>;
  /**
   * The Kubernetes Service becomes meshc's (`kubernetesService: managed`): set when the import carried something
   * that lives on that Service (Linkerd failure-accrual annotations). Services meshc rendered are managed anyway.
   */
  managed?: boolean;
  /**
   * The importer read this Kubernetes Service's pods as a version of another service (App Mesh: a VirtualNode a
   * router splits over, whose own Service no client dials): no service of its own is written, as for a
   * per-version Service (`KnownService.versionOf`). Set once the other service has that version.
   */
  versionOf?: { readonly service: string; readonly version: string };
  /** Port numbers routes named for this service (used when the input has no Kubernetes Service for it). */
  portsSeen?: number[];
}

/** Environment settings the mesh objects imply (mesh-wide mTLS, trust domain, ingress). */
export interface EnvironmentDraft {
  /** The Environment's name, when the mesh objects name it (App Mesh: the Mesh's name). Default: the mesh type. */
  name?: string;
  mtls?: 'strict' | 'permissive' | 'off';
  /** `mesh.trust`, when the mesh objects name their certificate source (App Mesh listeners). */
  trust?: NonNullable<EnvironmentDocument['spec']['mesh']['trust']>;
  trustDomain?: string;
  ingress?: {
    className: string;
    api?: 'gateway-api' | 'native';
    namespace?: string;
    tls?: { certManager?: { issuer: string; kind?: 'Issuer' | 'ClusterIssuer' }; secretName?: string };
  };
  observability?: {
    metrics?: 'prometheus-operator';
    dashboards?: boolean;
    tracing?: { provider: 'zipkin' | 'opentelemetry'; endpoint: string };
  };
  readonly from: Map<string, SourcedObject>;
}

/** What a mesh importer reads with and writes into. */
export interface ImportContext {
  readonly workloads: WorkloadIndex;
  /** The draft of a Service (created on first use). */
  service(namespace: string, name: string, referencedBy?: SourcedObject): ServiceDraft;
  /** Every draft so far (Services of the input, and services only routes named). */
  services(): ServiceDraft[];
  readonly environment: EnvironmentDraft;
  /** The field reader of one object: what it carried, what it did not and why. */
  reader(object: SourcedObject): FieldReader;
}

/** `Kind namespace/name` of an object, for messages. */
export function objectRef(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace !== undefined ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** Metadata the API server fills in, and other fields that never configure a mesh. */
const IGNORED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'labels',
  'ownerReferences',
  'finalizers',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generateName',
]);

/**
 * Reads one object and keeps account of its fields: every leaf is either used (carried into the spec),
 * reported with a reason, or, at `finish`, reported as not carried. Annotations count only when their key
 * belongs to a mesh (`meshAnnotationDomains`); labels and server-filled metadata never do.
 */
export class FieldReader {
  readonly object: K8sObject;
  readonly source: SourcedObject;
  readonly #used = new Set<string>();
  readonly #sink: Diagnostic[];
  readonly #domains: readonly string[];

  constructor(source: SourcedObject, sink: Diagnostic[], meshAnnotationDomains: readonly string[] = []) {
    this.source = source;
    this.object = source.object;
    this.#sink = sink;
    this.#domains = meshAnnotationDomains;
  }

  get ref(): string {
    return objectRef(this.object);
  }

  get namespace(): string {
    return this.object.metadata.namespace ?? 'default';
  }

  /** The value at `path` (undefined when absent), without marking it. */
  get(path: DataPath): unknown {
    let v: unknown = this.object;
    for (const seg of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v;
  }

  /** The value at `path`, marked as carried (with everything under it). */
  use(path: DataPath): unknown {
    this.#used.add(toPointer(path));
    return this.get(path);
  }

  /** Marks `path` handled without a diagnostic (a value that means the same as what meshc emits by default). */
  consume(path: DataPath): void {
    this.#used.add(toPointer(path));
  }

  isUsed(path: DataPath): boolean {
    return this.#isUnder(toPointer(path));
  }

  /** Reports `path` (and everything under it) with `code`, and marks it handled. */
  report(code: DiagnosticCode, path: DataPath, message: string, hint?: string): void {
    this.#used.add(toPointer(path));
    this.#sink.push(importDiagnostic(this.source, code, path, message, hint));
  }

  /** The field is not carried into the spec: the spec has no word for it. */
  notCarried(path: DataPath, why: string, hint?: string): void {
    this.report(
      'IMPORT_NOT_CARRIED',
      path,
      `${fieldName(path)} of ${this.ref} is not carried: ${why}.`,
      hint ?? 'Keep the behaviour with an Environment `patches` entry, or accept the difference.',
    );
  }

  /** The field is carried with a difference in meaning (`what`). */
  approximated(path: DataPath, what: string, hint?: string): void {
    this.report(
      'IMPORT_APPROXIMATED',
      path,
      `${fieldName(path)} of ${this.ref} is carried approximately: ${what}.`,
      hint ?? 'Check the imported spec at this point and adjust it by hand if the difference matters.',
    );
  }

  /** Reports every leaf nobody read as not carried. Call once, after the importers are done. */
  finish(): void {
    const walk = (v: unknown, path: (string | number)[]): void => {
      const pointer = toPointer(path);
      if (this.#isUnder(pointer)) return;
      if (path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind' || path[0] === 'status'))
        return;
      if (path.length === 2 && path[0] === 'metadata') {
        if (IGNORED_METADATA.has(String(path[1]))) return;
      }
      if (path.length === 3 && path[0] === 'metadata' && path[1] === 'annotations') {
        const key = String(path[2]);
        const domain = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
        if (!this.#domains.some((d) => domain === d || domain.endsWith(`.${d}`))) return;
      }
      // A field nobody read anything of is reported once, as a whole; below a field that was partly read, each
      // unread part is. Annotations are judged key by key.
      const partlyRead =
        path.length < 2 ||
        (path[0] === 'metadata' && path[1] === 'annotations') ||
        this.#hasUsedBelow(pointer);
      if (v !== null && typeof v === 'object' && Object.keys(v).length > 0 && partlyRead) {
        for (const [k, x] of Object.entries(v)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
        return;
      }
      if (path.length === 0) return;
      this.#sink.push(
        importDiagnostic(
          this.source,
          'IMPORT_NOT_CARRIED',
          path,
          `${fieldName(path)} of ${this.ref} is not carried: meshc's spec has no field for it.`,
          'Keep the behaviour with an Environment `patches` entry, or accept the difference.',
        ),
      );
    };
    walk(this.object, []);
  }

  #hasUsedBelow(pointer: string): boolean {
    for (const u of this.#used) if (u.startsWith(`${pointer}/`)) return true;
    return false;
  }

  #isUnder(pointer: string): boolean {
    for (const u of this.#used) if (pointer === u || pointer.startsWith(`${u}/`) || u === '') return true;
    return false;
  }
}

/** `spec.http[0].match[1].headers` */
export function fieldName(path: DataPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'The object';
}

/** A diagnostic of the import at an object's field: `location` is the field's (or the document's) position. */
export function importDiagnostic(
  source: SourcedObject,
  code: DiagnosticCode,
  path: DataPath,
  message: string,
  hint?: string,
): Diagnostic {
  const location = source.locate?.(path) ?? source.location;
  return {
    code,
    severity: 'warning',
    message: source.location ? message : `${message} (${source.origin})`,
    ...(hint !== undefined ? { hint } : {}),
    ...(location ? { location } : {}),
    pointer: toPointer(path),
  };
}

/** The spec's route, as the importers build it (key order as a user would write it). */
export type RouteDraft = Route;
