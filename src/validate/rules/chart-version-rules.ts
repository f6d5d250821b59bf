import { toPointer } from '../../core/location.ts';
import type { EnvironmentSpec } from '../../spec/types.gen.ts';
import type { EnvDoc } from '../environments.ts';
import type { Report } from '../view.ts';

/**
 * `mesh.install.chartVersion` against `mesh.version`. The backends render for `mesh.version` (API versions,
 * values, features by version), and `mesh.install` installs the control plane, CRDs included, of the chart
 * version: a chart of another version installs a mesh that may not serve what meshc renders for it (Istio
 * 1.13's charts next to `networking.istio.io/v1` objects, which Istio serves from 1.22). An error at the chart
 * version when it cannot be a chart of `mesh.version`; a warning when its form places it nowhere meshc knows.
 *
 * The document's own pair is checked: the migration preview (`meshc validate --mesh M --mesh-version X.Y`)
 * changes the mesh the model is built for, never the chart written here, so the preview never reports it.
 *
 * The chart versions each backend installs (src/backends/<mesh>/charts.ts; the notes' mesh mapping §0.1, §21):
 * - Istio: `base`, `istiod`, `gateway`, versioned as Istio itself: chart X.Y.z installs Istio X.Y.
 * - Linkerd: the open-source edge charts `linkerd-crds` and `linkerd-control-plane`, one version for both:
 *   `YYYY.M.P` is edge-YY.M.P (since edge-24.3.1, linkerd/linkerd2#12175); before that `1.x.y-edge` (and the
 *   stable repository's `1.x.y`, which stops at 2.14). A `version-2.X` tag marks the edge release of a
 *   major: 2.X runs from its edge up to, not including, the next major's.
 * - Consul: the `consul` chart of consul-k8s; each chart minor ships one Consul minor (its default image).
 * - App Mesh: `mesh.version` is the version of the appmesh-controller (the controller's last line, 1.13, is
 *   meshc's oldest), and the eks-charts `appmesh-controller` chart carries the controller's version from chart
 *   1.5.0 on (aws/eks-charts `stable/appmesh-controller/Chart.yaml`: `version` = `appVersion` since 1.5.0;
 *   chart 1.4.9 shipped controller 1.4.3, chart 1.1.17 controller 1.2.0).
 */
export function checkChartVersion(env: EnvDoc, report: Report): void {
  const { type, version, install } = env.spec.mesh;
  if (!install) return;
  const meshVersion = majorMinor(version);
  const chart = parseChart(install.chartVersion);
  if (!meshVersion || !chart) return; // the schema refuses both forms: reported there
  const scheme = SCHEMES[type];
  const placed = scheme.place(chart);
  const at = ['mesh', 'install', 'chartVersion'];
  const location = env.at(at);
  const pointer = toPointer(['spec', ...at]);
  const related = [{ message: 'mesh.version', location: env.at(['mesh', 'version']) }];
  const charts = `${scheme.charts} ${install.chartVersion}`;
  if (placed.kind === 'unknown') {
    report({
      code: 'MESH_CHART_VERSION_UNKNOWN',
      severity: 'warning',
      message: `meshc cannot tell which ${scheme.title} version the ${charts} of environment ${env.name} ${scheme.install}: ${placed.why}.`,
      hint: `Use ${scheme.matching(meshVersion)}, or check by hand that ${install.chartVersion} installs ${scheme.title} ${version}.`,
      location,
      pointer,
      related,
    });
    return;
  }
  const { from, to } = placed;
  if ((from && compare(meshVersion, from) < 0) || (to && compare(meshVersion, to) > 0))
    report({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `The ${charts} of environment ${env.name} ${scheme.install} ${placed.what}, not its mesh.version ${version}.`,
      hint: `Set install.chartVersion to ${scheme.matching(meshVersion)}; or, if the cluster is to run ${placed.what}, set mesh.version to match.`,
      location,
      pointer,
      related,
    });
}

type MeshType = EnvironmentSpec['mesh']['type'];
type MajorMinor = readonly [major: number, minor: number];

interface Chart {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** A pre-release or build suffix with its `-` or `+`, or ''. */
  readonly suffix: string;
}

/** The mesh versions a chart version installs: from `from` to `to` (either open), or none meshc can tell. */
type Placement =
  | { readonly kind: 'placed'; readonly from?: MajorMinor; readonly to?: MajorMinor; readonly what: string }
  | { readonly kind: 'unknown'; readonly why: string };

interface ChartScheme {
  /** The mesh's name in messages. */
  readonly title: string;
  /** The charts meshc installs, as a message names them before their version. */
  readonly charts: string;
  /** The verb that agrees with `charts`. */
  readonly install: 'install' | 'installs';
  readonly place: (chart: Chart) => Placement;
  /** The chart versions of a mesh version, naming it, as the object of "Set install.chartVersion to …". */
  readonly matching: (version: MajorMinor) => string;
}

const exact = (v: MajorMinor, what: string): Placement => ({ kind: 'placed', from: v, to: v, what });

const ISTIO: ChartScheme = {
  title: 'Istio',
  charts: 'Istio charts',
  install: 'install',
  place: (c) => exact([c.major, c.minor], `Istio ${c.major}.${c.minor}`),
  matching: (v) => `a ${show(v)}.x chart (Istio's charts carry Istio's version)`,
};

/**
 * Each Linkerd major, the edge release linkerd/website names for it (`linkerd.io/data/versions.yaml`) and that
 * release's chart version. Its `version-2.X` tag (linkerd/linkerd2) is that edge release, except for 2.20:
 * version-2.20 tags a commit one dependency bump (containerd) after edge-26.6.3, first released in edge-26.7.1
 * (`taggedIn`). Either reading may be meant, so edge-26.6.3 up to edge-26.7.1 counts as 2.19 or 2.20.
 */
const LINKERD_MAJORS: readonly {
  readonly version: MajorMinor;
  readonly edge: Edge;
  readonly chart: string;
  /** The first edge release with the `version-2.X` commit, when it is not `edge`. */
  readonly taggedIn?: Edge;
}[] = [
  { version: [2, 15], edge: [24, 2, 4], chart: '1.18.10-edge' },
  { version: [2, 16], edge: [24, 8, 2], chart: '2024.8.2' },
  { version: [2, 17], edge: [24, 11, 8], chart: '2024.11.8' },
  { version: [2, 18], edge: [25, 4, 4], chart: '2025.4.4' },
  { version: [2, 19], edge: [25, 10, 7], chart: '2025.10.7' },
  { version: [2, 20], edge: [26, 6, 3], chart: '2026.6.3', taggedIn: [26, 7, 1] },
];
type Edge = readonly [year: number, month: number, count: number];
/** The first edge release whose charts are numbered after it (`YYYY.M.P`), linkerd/linkerd2#12175. */
const FIRST_CALVER_EDGE: Edge = [24, 3, 1];
/** The last Linkerd major whose charts were numbered `1.x.y` (edge charts `1.x.y-edge`, stable `1.x.y`). */
const LAST_SEMVER_LINKERD: MajorMinor = [2, 15];

const edgeName = (e: Edge) => `edge-${e.join('.')}`;

/** Whether an edge release may be Linkerd major `i`: from its edge up to, not including, the next one's. */
function inMajor(edge: Edge, i: number): boolean {
  const m = LINKERD_MAJORS[i]!;
  const next = LINKERD_MAJORS[i + 1];
  return (
    compareEdges(m.edge, edge) <= 0 &&
    (next === undefined || compareEdges(edge, next.taggedIn ?? next.edge) < 0)
  );
}

const LINKERD: ChartScheme = {
  title: 'Linkerd',
  charts: 'Linkerd edge charts',
  install: 'install',
  place: (c) => {
    if (c.major === 1 && (c.suffix === '' || c.suffix === '-edge'))
      return {
        kind: 'placed',
        to: LAST_SEMVER_LINKERD,
        what: `Linkerd ${show(LAST_SEMVER_LINKERD)} or older (charts were numbered 1.x.y up to ${edgeName(LINKERD_MAJORS[0]!.edge)})`,
      };
    const edge: Edge = [c.major - 2000, c.minor, c.patch];
    const calver = c.suffix === '' && c.major < 2100 && c.minor >= 1 && c.minor <= 12;
    if (!calver || compareEdges(edge, FIRST_CALVER_EDGE) < 0)
      return {
        kind: 'unknown',
        why: `the open-source Linkerd charts meshc installs are numbered YYYY.M.P after their edge release since ${edgeName(FIRST_CALVER_EDGE)} (2025.4.4 is edge-25.4.4, version-2.18), and 1.x.y before`,
      };
    // FIRST_CALVER_EDGE is after the first major's edge: at least one major.
    const first = LINKERD_MAJORS.findIndex((_, i) => inMajor(edge, i));
    const last = LINKERD_MAJORS.findLastIndex((_, i) => inMajor(edge, i));
    const [from, to] = [LINKERD_MAJORS[first]!.version, LINKERD_MAJORS[last]!.version];
    const newest = last === LINKERD_MAJORS.length - 1;
    return {
      kind: 'placed',
      from,
      ...(newest ? {} : { to }),
      what: `${edgeName(edge)}, Linkerd ${show(from)}${first !== last ? ` or ${show(to)}` : ''}${newest ? ' or later' : ''}`,
    };
  },
  matching: (v) => {
    const i = LINKERD_MAJORS.findIndex((m) => compare(m.version, v) === 0);
    const first = LINKERD_MAJORS[0]!;
    const last = LINKERD_MAJORS[LINKERD_MAJORS.length - 1]!;
    if (i < 0 && compare(v, first.version) < 0) return `a chart of Linkerd ${show(v)}, numbered 1.x.y`;
    if (i < 0)
      return `an edge chart of Linkerd ${show(v)}, after ${last.chart} (version-${show(last.version)})`;
    const m = LINKERD_MAJORS[i]!;
    const next = LINKERD_MAJORS[i + 1];
    const since = `${m.chart} (${edgeName(m.edge)}, version-${show(m.version)})`;
    return next
      ? `an edge chart of Linkerd ${show(v)}: from ${since} up to, not including, ${next.chart} (version-${show(next.version)})`
      : `an edge chart of Linkerd ${show(v)}: from ${since} on`;
  },
};

/**
 * The Consul minor of each consul chart minor (the default image of each hashicorp/consul-k8s tag,
 * `charts/consul/values.yaml`); src/backends/consul/charts.ts `CHART_FOR_CONSUL` is the other way round, one
 * chart per Consul version. Charts 1.7.7 and 1.8.4 shipped Consul 1.22.0 (the patches after them went back to
 * 1.21.5).
 */
const CONSUL_OF_CHART: readonly (readonly [chart: MajorMinor, consul: MajorMinor])[] = [
  [
    [1, 0],
    [1, 14],
  ],
  [
    [1, 1],
    [1, 15],
  ],
  [
    [1, 2],
    [1, 16],
  ],
  [
    [1, 3],
    [1, 17],
  ],
  [
    [1, 4],
    [1, 18],
  ],
  [
    [1, 5],
    [1, 19],
  ],
  [
    [1, 6],
    [1, 20],
  ],
  [
    [1, 7],
    [1, 21],
  ],
  [
    [1, 8],
    [1, 21],
  ],
  [
    [1, 9],
    [1, 22],
  ],
  [
    [2, 0],
    [2, 0],
  ],
];
const CONSUL_OF_CHART_PATCH: ReadonlyMap<string, MajorMinor> = new Map([
  ['1.7.7', [1, 22]],
  ['1.8.4', [1, 22]],
]);

const CONSUL: ChartScheme = {
  title: 'Consul',
  charts: 'consul chart',
  install: 'installs',
  place: (c) => {
    const mm: MajorMinor = [c.major, c.minor];
    const patch = CONSUL_OF_CHART_PATCH.get(`${c.major}.${c.minor}.${c.patch}`);
    if (patch && c.suffix === '') return exact(patch, `Consul ${show(patch)}`);
    const known = CONSUL_OF_CHART.find(([chart]) => compare(chart, mm) === 0)?.[1];
    if (known) return exact(known, `Consul ${show(known)}`);
    const [first, last] = [CONSUL_OF_CHART[0]!, CONSUL_OF_CHART[CONSUL_OF_CHART.length - 1]!];
    if (compare(mm, first[0]) < 0) return { kind: 'placed', to: [1, 13], what: 'Consul 1.13 or older' };
    if (compare(mm, last[0]) > 0)
      return { kind: 'placed', from: last[1], what: `Consul ${show(last[1])} or later` };
    return {
      kind: 'unknown',
      why: `consul-k8s published no chart ${show(mm)} that meshc knows (${CONSUL_OF_CHART.map(([chart]) => show(chart)).join(', ')})`,
    };
  },
  matching: (v) => {
    const charts = CONSUL_OF_CHART.filter(([, consul]) => compare(consul, v) === 0).map(
      ([chart]) => `${show(chart)}.x`,
    );
    const last = CONSUL_OF_CHART[CONSUL_OF_CHART.length - 1]!;
    if (charts.length) return `a consul chart ${charts.join(' or ')} (Consul ${show(v)}'s)`;
    return compare(v, last[1]) > 0
      ? `a consul chart after ${show(last[0])}.x that ships Consul ${show(v)}`
      : `the consul chart that ships Consul ${show(v)}`;
  },
};

/** The first appmesh-controller chart whose version is the controller's. */
const APPMESH_FIRST_ALIGNED: MajorMinor = [1, 5];

const APPMESH: ChartScheme = {
  title: 'App Mesh',
  charts: 'appmesh-controller chart',
  install: 'installs',
  place: (c) =>
    compare([c.major, c.minor], APPMESH_FIRST_ALIGNED) < 0
      ? { kind: 'placed', to: [1, 4], what: 'App Mesh controller 1.4 or older' }
      : exact([c.major, c.minor], `App Mesh controller ${c.major}.${c.minor}`),
  matching: (v) =>
    compare(v, APPMESH_FIRST_ALIGNED) < 0
      ? `the appmesh-controller chart that ships controller ${show(v)}`
      : `an appmesh-controller chart ${show(v)}.x (the chart carries the controller's version)`,
};

const SCHEMES: Readonly<Record<MeshType, ChartScheme>> = {
  istio: ISTIO,
  linkerd: LINKERD,
  consul: CONSUL,
  appmesh: APPMESH,
};

function majorMinor(v: string): MajorMinor | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A chart version as the schema takes it: `v?X.Y.Z` with an optional pre-release or build suffix. */
function parseChart(v: string): Chart | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)([-+].*)?$/.exec(v);
  return m
    ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), suffix: m[4] ?? '' }
    : undefined;
}

function compare(a: MajorMinor, b: MajorMinor): number {
  return a[0] - b[0] || a[1] - b[1];
}

function compareEdges(a: Edge, b: Edge): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const show = (v: MajorMinor) => `${v[0]}.${v[1]}`;
