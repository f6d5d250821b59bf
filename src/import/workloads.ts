import type { Diagnostic } from '../core/diagnostic.ts';
import type { SourcedObject } from '../core/import-types.ts';
import type { ImportedPort, KnownService, WorkloadIndex } from '../backends/importer.ts';
import type { FieldReader } from '../backends/importer.ts';
import { CLUSTER_DOMAIN, versionServiceName } from '../backends/shared/names.ts';

/** Kinds whose pod template names the pods' labels and service account. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** Whether an object is one of the Kubernetes kinds the import reads for context (not carried field by field). */
export function isContextObject(o: SourcedObject): boolean {
  const { apiVersion, kind } = o.object;
  if (apiVersion === 'v1') return kind === 'ServiceAccount' || kind === 'Namespace';
  return apiVersion === 'apps/v1' && WORKLOAD_KINDS.has(kind);
}

export function isKubernetesService(o: SourcedObject): boolean {
  return o.object.apiVersion === 'v1' && o.object.kind === 'Service';
}

const APP_PROTOCOLS: Readonly<Record<string, ImportedPort['protocol']>> = {
  http: 'http',
  http2: 'http2',
  grpc: 'grpc',
  tcp: 'tcp',
  'kubernetes.io/h2c': 'http2',
  'grpc-web': 'http',
  https: 'tcp',
  tls: 'tcp',
  'kubernetes.io/ws': 'http',
};

/**
 * The protocol of a Service port: its `appProtocol`, else the prefix of its name as Istio reads it
 * (`<protocol>[-<suffix>]`, istio.io "Protocol Selection"), else `http` assumed (meshc's default).
 * `kubernetes.io/h2c` (HTTP/2 without TLS) is what gRPC and HTTP/2 ports alike carry where a mesh reads no
 * other value (meshc's Linkerd render from 2.18 writes it for both): such a port named `grpc` or `grpc-*` (the
 * meshes' port-name convention) is gRPC, any other HTTP/2.
 */
export function portProtocol(p: { name?: unknown; appProtocol?: unknown }): {
  protocol: ImportedPort['protocol'];
  assumed?: boolean;
} {
  const app = typeof p.appProtocol === 'string' ? p.appProtocol.toLowerCase() : undefined;
  const name = typeof p.name === 'string' ? p.name.toLowerCase() : '';
  const prefix = name.split('-')[0]!;
  if (app === 'kubernetes.io/h2c') return { protocol: prefix === 'grpc' ? 'grpc' : 'http2' };
  if (app !== undefined && APP_PROTOCOLS[app]) return { protocol: APP_PROTOCOLS[app] };
  if (APP_PROTOCOLS[prefix]) return { protocol: APP_PROTOCOLS[prefix] };
  if (['mongo', 'mysql', 'redis', 'tcp', 'tls', 'https'].includes(prefix)) return { protocol: 'tcp' };
  return { protocol: 'http', assumed: true };
}

function labelsOf(v: unknown): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

/** True when every label of `selector` is in `labels` (an empty selector selects nothing here). */
export function selects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

interface Workload {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
}

/** Server-filled Service fields, and values equal to what meshc's Service has, read without a diagnostic. */
const SERVICE_DEFAULTS: Readonly<Record<string, unknown>> = {
  type: 'ClusterIP',
  sessionAffinity: 'None',
  internalTrafficPolicy: 'Cluster',
  ipFamilyPolicy: 'SingleStack',
};
const SERVER_FILLED = ['clusterIP', 'clusterIPs', 'ipFamilies'];

/**
 * Indexes the Kubernetes objects of the input: Services (ports, selectors), the workloads whose pods they
 * select (service accounts) and the per-version Services. The Services' own fields are read through
 * `readers` (what a Service carries: ports, selector; the rest is reported at `finish`).
 */
export function indexWorkloads(
  objects: readonly SourcedObject[],
  reader: (o: SourcedObject) => FieldReader,
  diagnostics: Diagnostic[],
): WorkloadIndex & { add(s: KnownService): void } {
  const workloads: Workload[] = [];
  for (const o of objects) {
    if (!isContextObject(o) || !WORKLOAD_KINDS.has(o.object.kind)) continue;
    const template = (
      o.object.spec as
        | { template?: { metadata?: { labels?: unknown }; spec?: { serviceAccountName?: unknown } } }
        | undefined
    )?.template;
    workloads.push({
      namespace: o.object.metadata.namespace ?? 'default',
      labels: labelsOf(template?.metadata?.labels),
      serviceAccount:
        typeof template?.spec?.serviceAccountName === 'string' ? template.spec.serviceAccountName : 'default',
    });
  }

  const services = new Map<string, KnownService>();
  for (const o of objects) {
    if (!isKubernetesService(o)) continue;
    const r = reader(o);
    const ns = r.namespace;
    const rawPorts = r.get(['spec', 'ports']);
    const ports: ImportedPort[] = [];
    (Array.isArray(rawPorts) ? rawPorts : []).forEach((p: Record<string, unknown>, i) => {
      const at = ['spec', 'ports', i];
      if (typeof p?.port !== 'number') return;
      if (p.protocol !== undefined && p.protocol !== 'TCP') {
        r.notCarried([...at], `meshc's services carry TCP ports only, not ${String(p.protocol)}`);
        return;
      }
      r.consume([...at, 'protocol']);
      r.consume([...at, 'port']);
      r.consume([...at, 'name']);
      r.consume([...at, 'appProtocol']);
      // Read here; reported by the import only when meshc will emit this Service (kubernetesService: managed).
      r.consume([...at, 'targetPort']);
      const proto = portProtocol(p);
      const name = typeof p.name === 'string' && p.name ? p.name : `port-${p.port}`;
      if (proto.assumed)
        r.approximated(
          [...at, 'name'],
          `the port states no protocol (no appProtocol, no protocol prefix in its name), so it is imported as http`,
          'Set `protocol` of the port in the imported spec if it carries something else.',
        );
      ports.push({
        name,
        port: p.port,
        protocol: proto.protocol,
        ...(proto.assumed ? { assumed: true } : {}),
      });
    });
    const selector = labelsOf(r.use(['spec', 'selector']));
    for (const [k, v] of Object.entries(SERVICE_DEFAULTS))
      if (r.get(['spec', k]) === v) r.consume(['spec', k]);
    for (const k of SERVER_FILLED) r.consume(['spec', k]);
    const sas = [
      ...new Set(
        workloads
          .filter((w) => w.namespace === ns && selects(selector, w.labels))
          .map((w) => w.serviceAccount),
      ),
    ];
    if (sas.length > 1)
      diagnostics.push({
        code: 'IMPORT_APPROXIMATED',
        severity: 'warning',
        message: `The pods of Service ${ns}/${o.object.metadata.name} run as several service accounts (${sas.join(', ')}); the imported service's identity is ${sas[0]!}.`,
        hint: 'Access rules name one identity per service: run the pods of one Service as one service account, or split the Service.',
        ...(o.location ? { location: o.location } : {}),
      });
    services.set(`${ns}/${o.object.metadata.name}`, {
      id: `${ns}/${o.object.metadata.name}`,
      namespace: ns,
      name: o.object.metadata.name,
      ports,
      selector,
      ...(sas[0] !== undefined ? { serviceAccount: sas[0] } : {}),
      source: o,
    });
  }

  // Per-version Services: `<service>-<version>` selecting the service's pods plus extra labels, same ports.
  for (const s of [...services.values()]) {
    for (const root of services.values()) {
      if (root === s || root.namespace !== s.namespace || !s.name.startsWith(`${root.name}-`)) continue;
      const version = s.name.slice(root.name.length + 1);
      if (
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(version) ||
        versionServiceName(root.name, version) !== s.name
      )
        continue;
      if (
        // A root without a selector (a Service kept only for its DNS name, as App Mesh's walkthroughs have) has
        // per-version Services too.
        (Object.keys(root.selector).length > 0 && !selects(root.selector, s.selector)) ||
        Object.keys(s.selector).length <= Object.keys(root.selector).length
      )
        continue;
      const samePorts =
        root.ports.length === s.ports.length && root.ports.every((p, i) => p.port === s.ports[i]!.port);
      if (!samePorts) continue;
      // Without a selector of its own, the root gets the spec's default one (app: <name>).
      const base = Object.keys(root.selector).length
        ? root.selector
        : s.selector.app === root.name
          ? { app: root.name }
          : {};
      const labels = Object.fromEntries(Object.entries(s.selector).filter(([k]) => base[k] === undefined));
      services.set(s.id, { ...s, versionOf: { service: root.name, version, labels } });
      break;
    }
  }

  const roots = () => [...services.values()].filter((s) => !s.versionOf);
  return {
    service: (namespace, name) => services.get(`${namespace}/${name}`),
    host(host, namespace) {
      const labels = host.toLowerCase().split('.');
      if (labels.some((l) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l))) return undefined;
      const suffix = labels.slice(2).join('.');
      if (labels.length === 1) return { namespace, name: labels[0]! };
      if (labels.length === 2) return { namespace: labels[1]!, name: labels[0]! };
      if (suffix === 'svc' || suffix === `svc.${CLUSTER_DOMAIN}`)
        return { namespace: labels[1]!, name: labels[0]! };
      return undefined;
    },
    selecting: (namespace, labels) =>
      roots().filter((s) => s.namespace === namespace && selects(s.selector, labels)),
    byServiceAccount: (namespace, sa) =>
      roots().filter((s) => s.namespace === namespace && (s.serviceAccount ?? s.name) === sa),
    all: roots,
    pods: (namespace) => workloads.filter((w) => w.namespace === namespace).map((w) => w.labels),
    add(s: KnownService) {
      services.set(s.id, s);
    },
  };
}
