import type { Diagnostic } from '../core/diagnostic.ts';
import { sortDiagnostics } from '../core/diagnostic.ts';
import type { DiscoveredMesh, SourcedObject } from '../core/import-types.ts';
import { jsonEqual } from '../core/json.ts';
import { codePointName, printable } from '../core/printable.ts';
import {
  accessPathProblem,
  headerValueControl,
  httpPathProblem,
  isDns1035Label,
  isDns1123Label,
} from '../schema/formats.ts';
import { sortedRecord } from '../backends/shared/import-values.ts';
import type { MeshImporter, EnvironmentDraft, ImportContext, ServiceDraft } from '../backends/importer.ts';
import { FieldReader, fieldName, importDiagnostic } from '../backends/importer.ts';
import type { DataPath } from '../core/location.ts';
import { serviceRefId } from '../core/service-ref.ts';
import { BACKENDS, backendFor } from '../backends/registry.ts';
import type { EnvironmentDocument, ServiceDocument, ServiceSpec } from '../spec/types.gen.ts';
import { emitYaml } from '../render/yaml.ts';
import { isKustomizeDocument, kustomizationFindings } from './kustomize.ts';
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

/**
 * A service's namespace and name as a meshc Service can have them: the namespace a DNS label, the name a
 * DNS-1035 label (`meshc validate` refuses a leading digit, NAME_INVALID: the name is also a Kubernetes
 * Service's). Such a name is also a safe file name (services/<namespace>/<name>.yaml), and two of them never
 * differ only in case.
 */
function isServiceName(namespace: string, name: string): boolean {
  return isDns1123Label(namespace) && isDns1035Label(name);
}

/** What a Service's name must be, as the messages say it. */
const SERVICE_NAME_RULE =
  'a DNS label: at most 63 lowercase letters, digits and -, starting with a letter and ending with a letter or digit';
/** What a port's name must be (a DNS-1123 label: a leading digit is fine). */
const PORT_NAME_RULE =
  'a DNS label: at most 63 lowercase letters, digits and -, starting and ending with a letter or digit';

/**
 * The name of an object (or of one of its parts) that the API server refuses and the spec cannot hold: a
 * namespace that is no DNS label; a name that is no path segment; and, for a Kubernetes Service (a meshc Service
 * of the same name, with the same ports), a name or port name that is no DNS label (the API server is stricter
 * still on the Service's name: a DNS-1035 label), or a port number out of range.
 */
function refusedName(o: SourcedObject): { path: DataPath; value: unknown; what: string } | undefined {
  const { name, namespace } = o.object.metadata;
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace)))
    return {
      path: ['metadata', 'namespace'],
      value: namespace,
      what: 'namespace name (a DNS label: lowercase letters, digits and -, at most 63)',
    };
  if (!isPathSegmentName(name))
    return {
      path: ['metadata', 'name'],
      value: name,
      what: `name (it may not be empty, . or .., nor hold / or %, nor be longer than ${MAX_NAME_LENGTH} bytes)`,
    };
  if (!isKubernetesService(o)) return undefined;
  if (!isDns1035Label(name))
    return { path: ['metadata', 'name'], value: name, what: `Service name (${SERVICE_NAME_RULE})` };
  const ports = (o.object.spec as { ports?: unknown } | undefined)?.ports;
  if (!Array.isArray(ports)) return undefined;
  for (const [i, p] of ports.entries()) {
    const port = (p as { port?: unknown } | null)?.port;
    if (typeof port === 'number' && !(Number.isInteger(port) && port >= 1 && port <= 65535))
      return { path: ['spec', 'ports', i, 'port'], value: port, what: 'port number (1 to 65535)' };
    const portName = (p as { name?: unknown } | null)?.name;
    if (typeof portName === 'string' && portName !== '' && !isDns1123Label(portName))
      return {
        path: ['spec', 'ports', i, 'name'],
        value: portName,
        what: `port name (${PORT_NAME_RULE})`,
      };
  }
  return undefined;
}

export function importObjects(objects: readonly SourcedObject[], options: ImportOptions = {}): ImportResult {
  const diagnostics: Diagnostic[] = [];
  // kustomize's own documents are build instructions, not cluster objects: not imported, and what they would
  // have changed is reported (the CLI leaves kustomize's files out before; this is for documents among objects).
  for (const o of objects) if (isKustomizeDocument(o.object)) diagnostics.push(...kustomizationFindings(o));
  const valid = objects.filter((o) => {
    if (isKustomizeDocument(o.object)) return false;
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
    const bad = refusedName(o);
    if (bad)
      diagnostics.push({
        ...importDiagnostic(
          o,
          'IMPORT_INVALID_OBJECT',
          bad.path,
          `${fieldName(bad.path)} ${quoted(bad.value)} is not a Kubernetes ${bad.what}; the object is not imported.`,
          `Fix or remove the object: the API server refuses such a ${bad.path.at(-1) === 'port' ? 'port' : 'name'}.`,
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
  // Kubernetes Services an importer read as versions of another service (App Mesh: the VirtualNodes a router
  // splits over): that version only, as per-version Services are (the importer reported it).
  for (const [id, d] of [...drafts])
    if (d.versionOf && hasVersion(drafts.get(`${d.namespace}/${d.versionOf.service}`), d.versionOf.version))
      drafts.delete(id);
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
  // through the check of object names above: one that is no Service name would make a spec `meshc render`
  // refuses, or name a file outside its directory (or a nested one). It is not written; each reference the
  // import would write to it is left out and reported where it is (below), else the service itself is.
  const gone = new Map<string, ServiceDraft>();
  for (const [id, d] of [...drafts]) {
    if (isServiceName(d.namespace, d.name)) continue;
    drafts.delete(id);
    gone.set(id, d);
  }
  const named = dropDanglingReferences(drafts, reader, diagnostics);
  dropRefusedPaths(drafts, diagnostics);
  dropRefusedAccessPaths(drafts, diagnostics, valid);
  dropRefusedHeaderValues(drafts, diagnostics);
  for (const [id, d] of gone) {
    // Reported at its references, unless the import had read more for it (its own routes, access, versions).
    if (named.has(id) && !Object.keys(d.spec).length) continue;
    const by = [...d.from.values()][0];
    const message = `The service ${quoted(id)} that ${by ? reader(by).ref : 'a reference'} names is not a Service ${isDns1123Label(d.namespace) ? 'name' : 'namespace and name'} (${SERVICE_NAME_RULE}); it was not imported${Object.keys(d.spec).length ? `, nor what the import read for it (${Object.keys(d.spec).sort().join(', ')})` : ''}.`;
    const hint = 'Fix the reference: a Service is named by a DNS label in a namespace that is one too.';
    diagnostics.push(notCarriedAt(by, (o) => referencePaths(o, d.namespace, d.name)[0] ?? [], message, hint));
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

/** Whether the draft defines version `v`. */
function hasVersion(target: ServiceDraft | undefined, v: string): boolean {
  return Object.hasOwn(target?.spec.versions ?? {}, v);
}

/**
 * Leaves out every reference the import would write to a service it does not write (a route's backend, an
 * access rule's caller), or to a version that service does not have (`to`, a backend's `version`, `mirror`):
 * the spec would fail validation there (SERVICE_UNKNOWN, NAME_INVALID, VERSION_UNKNOWN). Each is reported at the
 * referencing field of its source object, with what became of the route or rule: a route left without a
 * destination is left out, and so is a route whose remaining weights would not be what the mesh did (the spec's
 * weights sum to 100; scaling them up would change where traffic goes); a mirror is left out alone. Returns the
 * ids of the services named.
 */
/**
 * Route and ingress paths the spec refuses (format `http-path`: `//`, a dot segment, `%2F`, a character a URL
 * path carries only escaped; meshes' own objects may hold them, Gateway API's may not). Such a match
 * alternative is left out (a route left with none is left out whole: a route without a match would take every
 * request), and so is such an ingress path (an ingress left with none is left out whole: without paths it
 * would expose everything). Each is reported where the source object holds the path, so the imported spec
 * validates and says no more than the input.
 */
function dropRefusedPaths(drafts: ReadonlyMap<string, ServiceDraft>, diagnostics: Diagnostic[]): void {
  const report = (o: SourcedObject | undefined, value: string, what: string, problem: string) => {
    const message = `The path ${JSON.stringify(value)} ${problem}, which the spec refuses; ${what} was not imported.`;
    const hint =
      'Write the path as a URL path (no `//`, `.` or `..` segment, `%2F` or unescaped character) and add it to the imported spec by hand.';
    diagnostics.push(notCarriedAt(o, (at) => referencePaths(at, '', value)[0] ?? [], message, hint));
  };
  const problemOf = (p: { exact?: string; prefix?: string } | undefined) => {
    const v = p?.exact ?? p?.prefix;
    return v === undefined ? undefined : { value: v, problem: httpPathProblem(v) };
  };
  for (const d of drafts.values()) {
    const id = `${d.namespace}/${d.name}`;
    if (d.spec.routes) {
      const routes = d.spec.routes.filter((route, i) => {
        if (!route.match) return true;
        const kept = route.match.filter((m) => {
          const bad = problemOf(m.path as { exact?: string; prefix?: string } | undefined);
          if (bad?.problem === undefined) return true;
          report(
            d.from.get('routes'),
            bad.value,
            `that match of route ${route.name ?? i} of ${id}`,
            bad.problem,
          );
          return false;
        });
        if (kept.length === route.match.length) return true;
        if (!kept.length) return false;
        route.match = kept;
        return true;
      });
      if (routes.length !== d.spec.routes.length) {
        if (routes.length) d.spec.routes = routes;
        else delete d.spec.routes;
      }
    }
    const ingress = d.spec.ingress;
    if (ingress?.paths) {
      const kept = ingress.paths.filter((p) => {
        const bad = problemOf(p);
        if (bad?.problem === undefined) return true;
        report(d.from.get('ingress'), bad.value, `that ingress path of ${id}`, bad.problem);
        return false;
      });
      if (!kept.length) delete d.spec.ingress;
      else ingress.paths = kept;
    }
  }
}

/**
 * Access paths the spec refuses (format `access-path`: a `?` or `#`, a `//`, a `.` or `..` segment, `%2F`, a
 * character a URL path carries only escaped): the meshes match access paths against the normalized request path
 * without its query, so such a path never matches a request, and a mesh's own policy may hold one (Istio's
 * AuthorizationPolicy, Linkerd's route matches, Consul's intentions). It is left out of its rule, which then
 * allows the same requests; a rule left without paths is left out whole (without paths it would allow every
 * path of its callers), which again allows what it allowed: nothing. Each is reported where the source object
 * holds the path, so the imported spec validates and allows no more than the input.
 */
function dropRefusedAccessPaths(
  drafts: ReadonlyMap<string, ServiceDraft>,
  diagnostics: Diagnostic[],
  objects: readonly SourcedObject[],
): void {
  for (const d of drafts.values()) {
    if (!d.spec.access) continue;
    const id = `${d.namespace}/${d.name}`;
    // The object that holds the path: the access rules' source, another the service was read from, else one
    // of its namespace (Linkerd's rules take their paths from inbound routes the service's drafts do not name).
    const own = [...new Set([d.from.get('access'), ...d.from.values()])].filter(
      (o): o is SourcedObject => o !== undefined,
    );
    const sources = [
      ...own,
      ...objects.filter(
        (o) =>
          !own.includes(o) &&
          o.object.metadata.namespace === d.namespace &&
          !isKubernetesService(o) &&
          !isContextObject(o),
      ),
    ];
    const where = (value: string) => {
      // An importer may have written a prefix `/p` as `/p*`, a segment-wise one as `/p/*`, a suffix as `*s`.
      const forms = [value, value.replace(/\/?\*$/, ''), value.replace(/^\*/, '')].filter(
        (f, i, all) => f !== '' && all.indexOf(f) === i,
      );
      for (const form of forms)
        for (const o of sources) {
          const at = referencePaths(o, '', form)[0];
          if (at) return { o, at };
        }
      return own[0] ? { o: own[0], at: [] as DataPath } : undefined;
    };
    const rules: NonNullable<ServiceDraft['spec']['access']> = [];
    for (const rule of d.spec.access) {
      const paths = rule.paths?.filter((p) => accessPathProblem(p) === undefined);
      if (!rule.paths || paths!.length === rule.paths.length) {
        rules.push(rule);
        continue;
      }
      const callers = rule.from
        .map((c) => (c.startsWith(`${d.namespace}/`) ? c.slice(d.namespace.length + 1) : c))
        .join(', ');
      // One report per place: an importer may make several paths of one (a segment-wise prefix: `/p`, `/p/*`).
      const places = new Map<string, { at: ReturnType<typeof where>; paths: string[] }>();
      for (const p of rule.paths) {
        if (accessPathProblem(p) === undefined) continue;
        const at = where(p);
        // Paths found nowhere (reported at their rule's object) are reported one by one.
        const k = at?.at.length ? `${sources.indexOf(at.o)} ${JSON.stringify(at.at)}` : p;
        const place = places.get(k);
        if (place) place.paths.push(p);
        else places.set(k, { at, paths: [p] });
      }
      for (const {
        at,
        paths: [p, ...more],
      } of places.values()) {
        const also = more.length
          ? ` (and ${more.map((x) => JSON.stringify(x)).join(', ')}, read from the same path)`
          : '';
        const message = `The access path ${JSON.stringify(p)} of ${id}${also} ${accessPathProblem(p!)}: the spec refuses it, and no request matches it (the meshes match access paths against the normalized request path, without its query); it was left out of the access rule for ${callers}${paths!.length ? '' : ', and so was that rule, which had no other path and so allowed nothing'}.`;
        const hint =
          'If the rule was meant to allow requests, write the path as a URL path (no `?` or `#`, `//`, `.` or `..` segment, `%2F` or unescaped character) and add it to the imported spec by hand.';
        diagnostics.push(
          at
            ? importDiagnostic(at.o, 'IMPORT_NOT_CARRIED', at.at, message, hint)
            : { code: 'IMPORT_NOT_CARRIED', severity: 'warning', message, hint },
        );
      }
      if (paths!.length) rules.push({ ...rule, paths: paths! });
    }
    d.spec.access = rules;
  }
}

/**
 * Header values the spec refuses (`http-header-value`: a control character, which HTTP does not allow and
 * Istio's webhook and Linkerd refuse): that header change is left out, reported where the source object holds
 * the route, so the imported spec validates and says no more than the input.
 */
function dropRefusedHeaderValues(drafts: ReadonlyMap<string, ServiceDraft>, diagnostics: Diagnostic[]): void {
  for (const d of drafts.values())
    (d.spec.routes ?? []).forEach((route, i) => {
      for (const side of ['request', 'response'] as const) {
        const ops = route.headers?.[side];
        if (!ops) continue;
        for (const op of ['set', 'add'] as const) {
          const values = ops[op];
          if (!values) continue;
          for (const [name, value] of Object.entries(values)) {
            const control = headerValueControl(value);
            if (control === undefined) continue;
            delete values[name];
            const o = d.from.get('routes');
            const message = `The ${side} header ${JSON.stringify(name)} that route ${route.name ?? i} of ${d.namespace}/${d.name} would ${op} holds the control character ${codePointName(control.codePointAt(0)!)}, which the spec refuses (HTTP allows none in a header value); that header change was not imported.`;
            const hint =
              'Set the header to a value without control characters by hand, if it is still needed.';
            diagnostics.push(notCarriedAt(o, (at) => referencePaths(at, '', value)[0] ?? [], message, hint));
          }
          if (!Object.keys(values).length) delete ops[op];
        }
        if (!Object.keys(ops).length) delete route.headers![side];
      }
      if (route.headers && !Object.keys(route.headers).length) delete route.headers;
    });
}

/** IMPORT_NOT_CARRIED at `path` of `o` (where the import read it), or without a location when nothing did. */
function notCarriedAt(
  o: SourcedObject | undefined,
  path: (o: SourcedObject) => DataPath,
  message: string,
  hint: string,
): Diagnostic {
  return o
    ? importDiagnostic(o, 'IMPORT_NOT_CARRIED', path(o), message, hint)
    : { code: 'IMPORT_NOT_CARRIED', severity: 'warning', message, hint };
}

function dropDanglingReferences(
  drafts: ReadonlyMap<string, ServiceDraft>,
  reader: (o: SourcedObject) => FieldReader,
  diagnostics: Diagnostic[],
): Set<string> {
  const named = new Set<string>();
  // The n-th reference of one object to one name is reported at its n-th mention.
  const mentions = new Map<SourcedObject, Map<string, number>>();
  /** Why `ref` (a service reference in `d`'s namespace) names nothing the import writes. */
  const serviceGone = (d: ServiceDraft, ref: string) => {
    const id = serviceRefId(ref, d.namespace);
    // An importer drafts a reference that is no name (it holds a `/`) whole, in the referring namespace.
    named.add(id).add(`${d.namespace}/${ref}`);
    const [ns, name, ...rest] = id.split('/');
    const valid = !rest.length && isServiceName(ns ?? '', name ?? '');
    return {
      subject: `the service ${quoted(id)}`,
      search: { namespace: ns ?? d.namespace, name: name ?? '', ref },
      why: valid
        ? 'the input defines no such service'
        : `that is no Service name (${SERVICE_NAME_RULE}; a service of another namespace is namespace/name)`,
      hint: valid
        ? 'Import the service too, or add it (and the reference) to the imported spec by hand.'
        : 'Fix the name in the source; a Service is named by a DNS label in a namespace that is one too.',
    };
  };
  const versionGone = (target: ServiceDraft, version: string) => ({
    subject: `the version ${quoted(version)} of ${target.namespace}/${target.name}`,
    search: { namespace: '', name: version, ref: version },
    why: isDns1123Label(version)
      ? 'the import defines no such version of it'
      : `that is no version name (${SERVICE_NAME_RULE})`,
    hint: 'Import the object that defines the version (its subset), or add it to the imported spec by hand.',
  });
  const report = (
    d: ServiceDraft,
    part: 'routes' | 'access',
    gone: ReturnType<typeof versionGone>,
    consequence: string,
  ) => {
    const source = d.from.get(part) ?? [...d.from.values()][0];
    const text = `names ${gone.subject}, which was not imported: ${gone.why}; ${consequence}.`;
    if (!source) {
      diagnostics.push({
        code: 'IMPORT_NOT_CARRIED',
        severity: 'warning',
        message: `The ${part === 'routes' ? 'route' : 'access rule'} of ${d.namespace}/${d.name} ${text}`,
        hint: gone.hint,
      });
      return;
    }
    const counts = mentions.get(source) ?? new Map<string, number>();
    mentions.set(source, counts);
    const n = counts.get(gone.subject) ?? 0;
    counts.set(gone.subject, n + 1);
    const paths = referencePaths(source, gone.search.namespace, gone.search.name, gone.search.ref);
    const path = paths[Math.min(n, paths.length - 1)] ?? [];
    diagnostics.push(
      importDiagnostic(
        source,
        'IMPORT_NOT_CARRIED',
        path,
        `${fieldName(path)} of ${reader(source).ref} ${text}`,
        gone.hint,
      ),
    );
  };
  for (const d of drafts.values()) {
    if (d.spec.routes) {
      const kept: NonNullable<ServiceDraft['spec']['routes']> = [];
      for (const r of d.spec.routes) {
        const route = `the route${r.name !== undefined ? ` ${quoted(r.name)}` : ''} of ${d.namespace}/${d.name}`;
        // The destinations: a backend or a version of `to`, each with its weight and, when it is gone, why.
        const backends = r.backends ?? [];
        const to =
          r.to === undefined ? [] : typeof r.to === 'string' ? [[r.to, 100] as const] : Object.entries(r.to);
        const destinations = [
          ...backends.map((b) => {
            const target = drafts.get(serviceRefId(b.service, d.namespace));
            return {
              weight: b.weight ?? (backends.length === 1 ? 100 : 0),
              gone: !target
                ? serviceGone(d, b.service)
                : b.version !== undefined && !hasVersion(target, b.version)
                  ? versionGone(target, b.version)
                  : undefined,
            };
          }),
          ...to.map(([v, weight]) => ({ weight, gone: hasVersion(d, v) ? undefined : versionGone(d, v) })),
        ];
        const missing = destinations.filter((x) => x.gone);
        const lost = missing.reduce((n, x) => n + x.weight, 0);
        const remaining = destinations.length - missing.length;
        for (const x of missing)
          report(
            d,
            'routes',
            x.gone!,
            !remaining
              ? `${route} had no other destination and was left out`
              : lost > 0
                ? `${route} sent ${x.weight}% to it, which its other destinations cannot take without changing where traffic goes, so the route was left out`
                : `that destination (weight 0) was left out of ${route}`,
          );
        if (missing.length && (!remaining || lost > 0)) continue;
        const out = { ...r };
        if (missing.length && r.backends) out.backends = r.backends.filter((_, i) => !destinations[i]!.gone);
        if (missing.length && r.to !== undefined && typeof r.to === 'object')
          out.to = Object.fromEntries(Object.entries(r.to).filter(([v]) => hasVersion(d, v)));
        if (r.mirror && !hasVersion(d, r.mirror.to)) {
          report(d, 'routes', versionGone(d, r.mirror.to), `the mirror was left out of ${route}`);
          delete out.mirror;
        }
        kept.push(out);
      }
      if (kept.length) d.spec.routes = kept;
      else delete d.spec.routes;
    }
    if (d.spec.access) {
      const known = (ref: string) => drafts.has(serviceRefId(ref, d.namespace));
      const rules: NonNullable<ServiceDraft['spec']['access']> = [];
      for (const rule of d.spec.access) {
        const from = rule.from.filter((c) => c === '*' || known(c));
        for (const c of rule.from)
          if (c !== '*' && !known(c))
            report(
              d,
              'access',
              serviceGone(d, c),
              from.length
                ? `the caller was left out of the access rule of ${d.namespace}/${d.name} (it is denied)`
                : `the access rule of ${d.namespace}/${d.name} allowed no other caller and was left out (it is denied)`,
            );
        if (from.length) rules.push({ ...rule, from });
      }
      d.spec.access = rules;
    }
  }
  return named;
}

/**
 * Where `object` names the service `namespace/name` (as `ref`, the name, `namespace/name`, or a host
 * `name.namespace[.…]`; a version: namespace '', the name only): the data paths of the string values that do,
 * under its `spec` if any there do, in document order.
 */
function referencePaths(o: SourcedObject, namespace: string, name: string, ref = name): DataPath[] {
  const hits = (v: string) =>
    v === ref ||
    v === name ||
    (namespace !== '' &&
      (v === `${namespace}/${name}` ||
        v === `${name}.${namespace}` ||
        v.startsWith(`${name}.${namespace}.`)));
  const out: DataPath[] = [];
  let budget = 20_000;
  const walk = (v: unknown, path: DataPath): void => {
    if (--budget < 0) return;
    if (typeof v === 'string') {
      if (hits(v)) out.push(path);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k]);
  };
  walk(o.object.spec, ['spec']);
  if (!out.length) walk(o.object, []);
  return out;
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
    // The importer's selector, when it chose one (App Mesh: a router-only service), else the Service's.
    const selector = d.spec.selector ?? known.selector;
    if (Object.keys(selector).length && !(Object.keys(selector).length === 1 && selector.app === d.name))
      // Labels sorted: the same selector gives the same spec text whatever order its file had.
      spec.selector = sortedRecord(selector);
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
