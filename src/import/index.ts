import type { Diagnostic } from '../core/diagnostic.ts';
import { sortDiagnostics } from '../core/diagnostic.ts';
import type { DiscoveredMesh, SourcedObject } from '../core/import-types.ts';
import { jsonEqual } from '../core/json.ts';
import { printable } from '../core/printable.ts';
import { isDns1123Label } from '../schema/formats.ts';
import { sortedRecord } from '../backends/shared/import-values.ts';
import type { MeshImporter, EnvironmentDraft, ImportContext, ServiceDraft } from '../backends/importer.ts';
import { FieldReader, importDiagnostic } from '../backends/importer.ts';
import { BACKENDS, backendFor } from '../backends/registry.ts';
import type { EnvironmentDocument, ServiceDocument, ServiceSpec } from '../spec/types.gen.ts';
import { emitYaml } from '../render/yaml.ts';
import { indexWorkloads, isContextObject, isKubernetesService } from './workloads.ts';

/**
 * `meshc import`, the pure part: native objects (from files, dumps or a cluster: see core/import-types.ts) in,
 * the files of a meshc spec repository and the report out. Each mesh's knowledge is its backend's `importer`
 * (backends/importer.ts); here are the Kubernetes objects every mesh shares (Services, workloads, service
 * accounts), mesh detection, the spec documents, and the account of every field no importer carried.
 */

export const API_VERSION = 'meshc.dev/v1alpha1';

/** The repository layout the import writes (SPEC.md, "Command line"). */
export const IMPORT_LAYOUT = {
  project: 'meshc.yaml',
  service: (namespace: string, name: string) => `services/${namespace}/${name}.yaml`,
  environment: (name: string) => `environments/${name}.yaml`,
} as const;

/** The repository URL written into imported environments until the user sets theirs. */
export const PLACEHOLDER_REPO = 'https://git.example.com/CHANGE-ME/mesh-config.git';

export interface ImportOptions {
  /**
   * Meshes known from elsewhere (the cluster's discovery, or `--mesh`): their type and version win over what
   * the objects' API groups suggest. Empty or absent: detected from the objects.
   */
  readonly meshes?: readonly DiscoveredMesh[];
  /** The Project's name (`metadata.name` of meshc.yaml). Default `imported`. */
  readonly project?: string;
  /** The Environments' `spec.cluster`. Default `imported`. */
  readonly cluster?: string;
}

export interface ImportedFile {
  /** Relative to the spec repository root, `/` separators. */
  readonly path: string;
  readonly content: string;
}

export interface ImportResult {
  readonly files: ImportedFile[];
  readonly diagnostics: Diagnostic[];
  readonly meshes: DiscoveredMesh[];
  /** Number of objects read, and how many had something not carried (for the report's summary). */
  readonly summary: { readonly objects: number; readonly withFindings: number; readonly services: number };
}

/** Annotation domains whose keys configure a mesh (every importer's): an unread one is reported as not carried. */
const MESH_ANNOTATION_DOMAINS = BACKENDS.flatMap((b) => b.importer?.annotationDomains ?? []);

/** Injection annotations that only say what meshc's namespaces say already (every importer's). */
const INJECTION_DEFAULTS: Readonly<Record<string, string>> = Object.assign(
  {},
  ...BACKENDS.map((b) => b.importer?.injectionDefaults ?? {}),
);

/** The longest name of any kind the API server accepts (a longer one would also be a file name the disk refuses). */
const MAX_NAME_LENGTH = 253;

/** A name as a message quotes it: JSON, and cut after 100 characters (a name may be any length). */
function quoted(name: unknown): string {
  const text = typeof name === 'string' && name.length > 100 ? `${name.slice(0, 100)}…` : name;
  return JSON.stringify(text) ?? String(text);
}

/** What the API server accepts as any object's name: not empty, `.` or `..`, no `/` or `%`, at most 253 bytes. */
function isPathSegmentName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !/[/%\\\0]/.test(name) &&
    Buffer.byteLength(name, 'utf8') <= MAX_NAME_LENGTH
  );
}

/** A service's namespace and name as the spec's file layout can take them (services/<namespace>/<name>.yaml). */
function isServiceName(namespace: string, name: string): boolean {
  return isDns1123Label(namespace) && isPathSegmentName(name);
}

export function importObjects(objects: readonly SourcedObject[], options: ImportOptions = {}): ImportResult {
  const diagnostics: Diagnostic[] = [];
  const valid = objects.filter((o) => {
    const ok =
      typeof o.object?.apiVersion === 'string' &&
      typeof o.object.kind === 'string' &&
      o.object.metadata !== null &&
      typeof o.object.metadata === 'object' &&
      typeof o.object.metadata.name === 'string';
    if (!ok) {
      diagnostics.push({
        ...importDiagnostic(
          o,
          'IMPORT_INVALID_OBJECT',
          [],
          'This is not a Kubernetes object: it needs apiVersion, kind and metadata.name.',
          'Fix or remove it.',
        ),
        severity: 'error',
      });
      return false;
    }
    // Names become the spec's identities and its file paths (services/<namespace>/<name>.yaml): a name the API
    // server would refuse (a `/`, `..`) is refused here, before it can name a file outside the output.
    const { name, namespace } = o.object.metadata;
    const bad =
      namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace))
        ? (['namespace', namespace] as const)
        : !isPathSegmentName(name)
          ? (['name', name] as const)
          : undefined;
    if (bad)
      diagnostics.push({
        ...importDiagnostic(
          o,
          'IMPORT_INVALID_OBJECT',
          ['metadata', bad[0]],
          `metadata.${bad[0]} ${quoted(bad[1])} is not a Kubernetes ${bad[0] === 'namespace' ? 'namespace name (a DNS label: lowercase letters, digits and -, at most 63)' : `name (it may not be empty, . or .., nor hold / or %, nor be longer than ${MAX_NAME_LENGTH} bytes)`}; the object is not imported.`,
          'Fix or remove the object: the API server refuses such a name.',
        ),
        severity: 'error',
      });
    return !bad;
  });
  const readers = new Map<SourcedObject, FieldReader>();
  const reader = (o: SourcedObject): FieldReader => {
    let r = readers.get(o);
    if (!r) {
      r = new FieldReader(o, diagnostics, MESH_ANNOTATION_DOMAINS);
      readers.set(o, r);
    }
    return r;
  };
  const workloads = indexWorkloads(valid, reader, diagnostics);

  // Which meshes: given, else detected; each mesh's importer reads the objects it claims.
  const importers = BACKENDS.flatMap((b) =>
    b.importer
      ? [{ mesh: b.mesh, importer: b.importer, minVersion: b.minVersion, systemNamespace: b.systemNamespace }]
      : [],
  );
  const meshes: DiscoveredMesh[] = [];
  const given = options.meshes ?? [];
  for (const { mesh, importer } of importers) {
    const detected = importer.detect(valid);
    const named = given.find((m) => m.type === mesh);
    if (named) meshes.push({ ...named, evidence: [...named.evidence, ...detected.evidence] });
    else if (detected.evidence.length)
      meshes.push({
        type: mesh,
        ...(detected.version !== undefined ? { version: detected.version } : {}),
        evidence: [...detected.evidence],
      });
  }
  for (const m of given)
    if (!meshes.some((x) => x.type === m.type)) meshes.push({ ...m, evidence: [...m.evidence] });

  const drafts = new Map<string, ServiceDraft>();
  const environment: EnvironmentDraft = { from: new Map() };
  const ctx: ImportContext = {
    workloads,
    environment,
    reader,
    services: () => [...drafts.values()],
    service(namespace, name, referencedBy) {
      const id = `${namespace}/${name}`;
      let d = drafts.get(id);
      if (!d) {
        d = { namespace, name, spec: {}, from: new Map() };
        drafts.set(id, d);
      }
      if (referencedBy && !d.from.size) d.from.set('referencedBy', referencedBy);
      return d;
    },
  };
  for (const s of workloads.all()) ctx.service(s.namespace, s.name);

  const claimed = new Map<MeshImporter, SourcedObject[]>();
  for (const o of valid) {
    if (isKubernetesService(o)) continue;
    const owner = importers.find(({ mesh, importer }) =>
      importer.claims(
        o.object,
        meshes.some((m) => m.type === mesh),
      ),
    );
    if (owner && meshes.some((m) => m.type === owner.mesh)) {
      claimed.set(owner.importer, [...(claimed.get(owner.importer) ?? []), o]);
      continue;
    }
    if (isContextObject(o)) continue;
    if (readObservability(o, meshes, importers, environment, reader)) continue;
    reader(o).report(
      'IMPORT_UNKNOWN_KIND',
      [],
      `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.name} is not carried: ${meshes.length ? 'no importer of the detected meshes reads this kind' : 'no mesh was detected in the input to read it'}.`,
      'Leave it out of the import, or keep it as your own manifest beside the rendered output.',
    );
  }
  for (const { importer } of importers) {
    const mine = claimed.get(importer);
    if (mine?.length || meshes.length) importer.read(mine ?? [], ctx);
  }

  // Per-version Services: versions of their service.
  for (const o of valid) {
    if (!isKubernetesService(o)) continue;
    const known = workloads.service(o.object.metadata.namespace ?? 'default', o.object.metadata.name);
    if (!known?.versionOf) continue;
    const root = ctx.service(known.namespace, known.versionOf.service);
    const existing = root.spec.versions?.[known.versionOf.version];
    // As data: the labels come from different objects (a selector, a subset), each in its file's order.
    if (existing && !jsonEqual(existing.labels, known.versionOf.labels))
      reader(o).report(
        'IMPORT_CONFLICT',
        ['spec', 'selector'],
        `The selector of ${reader(o).ref} differs from the labels of version ${known.versionOf.version} of ${known.versionOf.service}; the version's labels were kept.`,
      );
    else
      root.spec.versions = {
        ...root.spec.versions,
        [known.versionOf.version]: { labels: { ...known.versionOf.labels } },
      };
    drafts.delete(known.id);
  }
  // Every service a route or access rule names is a spec Service too.
  for (const d of [...drafts.values()]) {
    for (const r of d.spec.routes ?? [])
      for (const b of r.backends ?? []) {
        const [ns, name, ...rest] = b.service.includes('/')
          ? (b.service.split('/') as [string, string])
          : [d.namespace, b.service];
        // A name that is no Kubernetes name (it holds a `/` or is `..`) is not split into another one: the
        // importer that made this backend drafted it whole, and it is reported below.
        if (rest.length || !isServiceName(ns, name)) continue;
        ctx.service(ns, name);
      }
  }

  // A service that only a reference names (a backendRef, a route's host, a service account) has not been
  // through the check of object names above: one that is no Kubernetes name would name a file outside its
  // directory (or a nested one). It is not written; the reference is reported where it is.
  for (const [id, d] of [...drafts]) {
    if (isServiceName(d.namespace, d.name)) continue;
    drafts.delete(id);
    const by = [...d.from.values()][0] ?? routedFrom(drafts, d);
    const message = `The service ${quoted(`${d.namespace}/${d.name}`)} that ${by ? reader(by).ref : 'a reference'} names is not a Kubernetes ${isDns1123Label(d.namespace) ? 'name' : 'namespace and name'}; it was not imported.`;
    const hint = 'Fix the reference: a Service is named by a DNS label in a namespace that is one too.';
    diagnostics.push(
      by
        ? importDiagnostic(by, 'IMPORT_NOT_CARRIED', [], message, hint)
        : { code: 'IMPORT_NOT_CARRIED', severity: 'warning', message, hint },
    );
  }

  if (!meshes.length && valid.length)
    diagnostics.push({
      code: 'IMPORT_MESH_UNKNOWN',
      severity: 'warning',
      message: 'No object of the input shows which mesh it was written for; no Environment was written.',
      hint: `Pass --mesh ${importers.map((i) => i.mesh).join('|')}, or import the mesh objects too.`,
    });

  const files: ImportedFile[] = [];
  const projectName = options.project ?? 'imported';
  files.push({
    path: IMPORT_LAYOUT.project,
    content:
      header([
        'Written by `meshc import`. Edit freely: a later import into this directory refuses to overwrite edited files.',
      ]) +
      emitYaml({
        apiVersion: API_VERSION,
        kind: 'Project',
        metadata: { name: projectName },
        spec: {
          // A glob that matches nothing is an error of the spec: only the directories the import writes.
          include: [
            ...(drafts.size ? ['services/**/*.yaml'] : []),
            ...(meshes.length ? ['environments/*.yaml'] : []),
          ],
          output: 'rendered',
        },
      }),
  });
  const ordered = [...drafts.values()].sort((a, b) =>
    a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
  );
  for (const d of ordered) {
    const doc = serviceDocument(d, ctx, diagnostics);
    const origins = [
      ...new Set([
        ...(workloads.service(d.namespace, d.name)?.source
          ? [workloads.service(d.namespace, d.name)!.source!.origin]
          : []),
        ...[...d.from.values()].map((s) => s.origin),
      ]),
    ].sort();
    files.push({
      path: IMPORT_LAYOUT.service(d.namespace, d.name),
      content:
        header([
          `Written by \`meshc import\` from: ${origins.join(', ') || 'the references of other objects'}.`,
        ]) + emitYaml(doc),
    });
  }
  for (const o of valid) {
    if (isContextObject(o) && !claimedBy(claimed, o)) {
      workloadAnnotations(reader(o));
      continue;
    }
    reader(o).finish();
  }
  const cluster = options.cluster ?? 'imported';
  // The namespaces the input holds objects of: services only other objects named (in other namespaces) are
  // written, so that references stay valid, but not deployed by this environment.
  const allNamespaces = [...new Set(ordered.map((d) => d.namespace))].sort();
  const deployed = [
    ...new Set(
      ordered
        .filter(
          (d) =>
            workloads.service(d.namespace, d.name) || [...d.from.keys()].some((k) => k !== 'referencedBy'),
        )
        .map((d) => d.namespace),
    ),
  ].sort();
  for (const m of meshes) {
    const importer = importers.find((i) => i.mesh === m.type);
    const version = m.version ?? importer?.minVersion ?? backendFor(m.type)?.minVersion ?? '';
    const doc: EnvironmentDocument = {
      apiVersion: API_VERSION,
      kind: 'Environment',
      metadata: { name: (meshes.length === 1 ? environment.name : undefined) ?? m.type },
      spec: {
        cluster: meshes.length > 1 ? `${cluster}-${m.type}` : cluster,
        mesh: {
          type: m.type as EnvironmentDocument['spec']['mesh']['type'],
          version,
          // A mesh that cannot turn mTLS off keeps its default rather than an `off` the spec would refuse.
          ...(environment.mtls !== undefined &&
          (environment.mtls !== 'off' ||
            backendFor(m.type)?.capabilities['mesh.mtls.off'].support !== 'unsupported')
            ? { mtls: environment.mtls }
            : {}),
          ...(environment.trust ? { trust: environment.trust } : {}),
          ...(environment.trustDomain !== undefined ? { trustDomain: environment.trustDomain } : {}),
          ...(environment.ingress ? { ingress: { ...environment.ingress } } : {}),
          ...(environment.observability ? { observability: { ...environment.observability } } : {}),
        },
        ...(deployed.length < allNamespaces.length ? { namespaces: deployed } : {}),
        gitops: { engine: 'flux', repo: PLACEHOLDER_REPO },
      },
    };
    files.push({
      path: IMPORT_LAYOUT.environment(doc.metadata.name),
      content:
        header([
          `Written by \`meshc import\`: the ${m.type} environment the objects were written for.`,
          `mesh.version ${version}: ${m.version !== undefined && given.some((g) => g.type === m.type && g.version !== undefined) ? 'as discovered' : 'the oldest version meshc supports that serves the API versions of the objects; set the version you run'}.`,
          `Evidence: ${m.evidence.join('; ') || 'given'}.`,
          'TODO: set spec.cluster and spec.gitops (repo, engine) to your own before `meshc render`.',
        ]) + emitYaml(doc),
    });
  }

  const sorted = sortDiagnostics(diagnostics);
  const withFindings = new Set(sorted.map((d) => d.location?.file ?? '').filter(Boolean)).size;
  return {
    files,
    diagnostics: sorted,
    meshes,
    summary: { objects: valid.length, withFindings, services: ordered.length },
  };
}

/** The source of a route that sends to `target` (a service only routes name). */
function routedFrom(
  drafts: ReadonlyMap<string, ServiceDraft>,
  target: ServiceDraft,
): SourcedObject | undefined {
  for (const d of drafts.values())
    for (const r of d.spec.routes ?? [])
      for (const b of r.backends ?? [])
        if (b.service === target.name || b.service === `${target.namespace}/${target.name}`)
          return d.from.get('routes') ?? [...d.from.values()][0];
  return undefined;
}

function claimedBy(claimed: ReadonlyMap<MeshImporter, SourcedObject[]>, o: SourcedObject): boolean {
  for (const list of claimed.values()) if (list.includes(o)) return true;
  return false;
}

/**
 * Comment lines. Their text quotes the input (kinds in the evidence, file names): a line break in it would end
 * the comment and put the rest into the YAML, and a control character is no YAML at all; both become their
 * visible stand-ins.
 */
function header(lines: readonly string[]): string {
  return lines.map((l) => `# ${printable(l)}\n`).join('');
}

/** The Service document of a draft, with the ports (and identity) of its Kubernetes Service. */
function serviceDocument(d: ServiceDraft, ctx: ImportContext, diagnostics: Diagnostic[]): ServiceDocument {
  const known = ctx.workloads.service(d.namespace, d.name);
  const spec: ServiceSpec = { ports: [] };
  if (known && known.ports.length) {
    spec.ports = known.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));
    if (
      Object.keys(known.selector).length &&
      !(Object.keys(known.selector).length === 1 && known.selector.app === d.name)
    )
      // Labels sorted: the same selector gives the same spec text whatever order its file had.
      spec.selector = sortedRecord(known.selector);
    if (known.serviceAccount !== undefined && known.serviceAccount !== d.name)
      spec.serviceAccount = known.serviceAccount;
    // meshc's own Services (a render imported back) and those carrying what the import read stay meshc's;
    // any other Service is the application's (its manifests create it): meshc only references it.
    const meshcOwned = known.source?.object.metadata.labels?.['app.kubernetes.io/managed-by'] === 'meshc';
    if (!meshcOwned && !d.managed) {
      spec.kubernetesService = 'external';
      // The application's manifests own the rest of that Service; meshc neither emits nor changes it.
      if (known.source) ctx.reader(known.source).consume(['spec']);
    } else if (known.source) {
      // meshc's Service sends each port to the same port number on the pods.
      const r = ctx.reader(known.source);
      const ports = r.get(['spec', 'ports']);
      (Array.isArray(ports) ? ports : []).forEach((p: { port?: unknown; targetPort?: unknown }, i) => {
        if (p?.targetPort !== undefined && p.targetPort !== p.port)
          r.approximated(
            ['spec', 'ports', i, 'targetPort'],
            `meshc's Service sends port ${String(p.port)} to the same port number on the pods, not to ${String(p.targetPort)}`,
            'Make the pods listen on the Service port, or patch the rendered Service (Environment `patches`).',
          );
      });
    }
  } else {
    const ports = d.portsSeen?.length ? d.portsSeen : [80];
    spec.ports = ports.map((port, i) => ({
      name: i === 0 ? 'http' : `http-${port}`,
      port,
      protocol: 'http',
    }));
    const first = d.from.values().next().value as SourcedObject | undefined;
    const message = `No Kubernetes Service ${d.namespace}/${d.name} is in the input; the imported service assumes ${d.portsSeen?.length ? 'the HTTP ports its routes name' : 'one HTTP port 80'}, the selector app: ${d.name}, and kubernetesService: external.`;
    const hint =
      'Import the Kubernetes Service (and its Deployment) with the mesh objects, or fix ports and selector in the imported spec.';
    diagnostics.push(
      first
        ? { ...importDiagnostic(first, 'IMPORT_NO_SERVICE', [], message, hint) }
        : { code: 'IMPORT_NO_SERVICE', severity: 'warning', message, hint },
    );
    spec.kubernetesService = 'external';
  }
  const s = d.spec;
  if (s.versions && Object.keys(s.versions).length)
    spec.versions = Object.fromEntries(
      Object.entries(s.versions).map(([name, v]) => [
        name,
        v.labels ? { ...v, labels: sortedRecord(v.labels) } : v,
      ]),
    );
  if (s.routes?.length) spec.routes = s.routes;
  if (s.resilience && Object.keys(s.resilience).length) spec.resilience = s.resilience;
  if (s.access)
    spec.access = s.access.map((r) => ({
      ...r,
      from: [
        ...new Set(
          r.from.map((c) => (c.startsWith(`${d.namespace}/`) ? c.slice(d.namespace.length + 1) : c)),
        ),
      ].sort(),
    }));
  if (s.mtls) spec.mtls = s.mtls;
  if (s.ingress) spec.ingress = s.ingress;
  const kubernetesService = spec.kubernetesService;
  delete spec.kubernetesService;
  if (kubernetesService) spec.kubernetesService = kubernetesService;
  return {
    apiVersion: API_VERSION,
    kind: 'Service',
    metadata: { name: d.name, namespace: d.namespace },
    spec,
  };
}

/**
 * The mesh's metrics monitors (prometheus-operator PodMonitor / ServiceMonitor) and Grafana dashboards
 * (grafana-operator) in its control-plane namespace: `observability.metrics: prometheus-operator` and
 * `observability.dashboards: true`, rendered by meshc with its own settings. Objects meshc rendered are carried;
 * others are approximated (meshc's replace them).
 */
function readObservability(
  o: SourcedObject,
  meshes: readonly DiscoveredMesh[],
  importers: readonly { mesh: string; systemNamespace: string }[],
  environment: EnvironmentDraft,
  reader: (o: SourcedObject) => FieldReader,
): boolean {
  const group = o.object.apiVersion.split('/')[0];
  const monitor =
    group === 'monitoring.coreos.com' && ['PodMonitor', 'ServiceMonitor'].includes(o.object.kind);
  const dashboard = group === 'grafana.integreatly.org' && o.object.kind === 'GrafanaDashboard';
  if (!monitor && !dashboard) return false;
  const system = importers.some(
    (i) => meshes.some((m) => m.type === i.mesh) && i.systemNamespace === o.object.metadata.namespace,
  );
  if (!system) return false;
  environment.observability = {
    ...environment.observability,
    ...(monitor ? { metrics: 'prometheus-operator' as const } : { dashboards: true }),
  };
  const r = reader(o);
  if (o.object.metadata.labels?.['app.kubernetes.io/managed-by'] === 'meshc') r.consume([]);
  else
    r.approximated(
      [],
      `it became \`observability.${monitor ? 'metrics: prometheus-operator' : 'dashboards: true'}\`: meshc renders its own ${monitor ? 'monitors' : 'dashboards'} for the mesh, whose settings replace this object's`,
    );
  return true;
}

/**
 * Workloads are read for their pods' labels and service account only; mesh settings on their pod templates
 * (the annotation domains of the importers) configure the mesh per workload, which the spec cannot say.
 */
function workloadAnnotations(r: FieldReader): void {
  const at = ['spec', 'template', 'metadata', 'annotations'];
  const annotations = r.get(at);
  if (annotations === null || typeof annotations !== 'object') return;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    const domain = k.includes('/') ? k.slice(0, k.indexOf('/')) : '';
    if (!MESH_ANNOTATION_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))) continue;
    if (INJECTION_DEFAULTS[k] === v) continue;
    r.notCarried(
      [...at, k],
      'a per-workload mesh setting on the pod template has no spec form (meshc configures meshes per service and per environment)',
      'Keep the annotation in your workload manifests (meshc does not render workloads), and check that the imported spec does not contradict it.',
    );
  }
}
