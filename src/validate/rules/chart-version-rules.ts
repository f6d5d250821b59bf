import { toPointer } from '../../core/location.ts';
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
 * Which mesh versions a chart version installs is the backend's knowledge: its {@link ChartVersionScheme}
 * (`Backend.chartVersions`, src/backends/<mesh>/chart-versions.ts). validate is an earlier stage than the
 * backends, so it reads them through `lookup` (the registry's `backendFor`, handed in by the pipeline); a
 * mesh without a scheme is not checked.
 */
export function checkChartVersion(env: EnvDoc, lookup: ChartVersionLookup, report: Report): void {
  const { type, version, install } = env.spec.mesh;
  if (!install) return;
  const backend = lookup(type);
  const scheme = backend?.chartVersions;
  if (!backend || !scheme) return;
  const meshVersion = majorMinor(version);
  const chart = parseChart(install.chartVersion);
  if (!meshVersion || !chart) return; // the schema refuses both forms: reported there
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
      message: `meshc cannot tell which ${backend.title} version the ${charts} of environment ${env.name} ${scheme.install}: ${placed.why}.`,
      hint: `Use ${scheme.matching(meshVersion)}, or check by hand that ${install.chartVersion} installs ${backend.title} ${version}.`,
      location,
      pointer,
      related,
    });
    return;
  }
  const { from, to } = placed;
  if ((from && compareMajorMinor(meshVersion, from) < 0) || (to && compareMajorMinor(meshVersion, to) > 0))
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

/** What the check reads of a mesh's backend: its name in messages and its chart versions (src/backends/types.ts). */
export interface ChartVersionSource {
  readonly title: string;
  readonly chartVersions?: ChartVersionScheme;
}

/** The backend of a mesh type (the registry's `backendFor`); undefined: none. */
export type ChartVersionLookup = (mesh: string) => ChartVersionSource | undefined;

/**
 * How a mesh's control-plane charts are versioned against the mesh (`Backend.chartVersions`): what the check of
 * `mesh.install.chartVersion` against `mesh.version` reads. Data and pure functions.
 */
export interface ChartVersionScheme {
  /** The charts meshc installs, as a message names them before their version (`Istio charts`, `consul chart`). */
  readonly charts: string;
  /** The verb that agrees with `charts`. */
  readonly install: 'install' | 'installs';
  /** The mesh versions a chart version installs, or why meshc cannot tell. */
  readonly place: (chart: ChartVersion) => ChartPlacement;
  /** The chart versions of a mesh version, naming it, as the object of "Set install.chartVersion to …". */
  readonly matching: (version: MajorMinor) => string;
}

/** A mesh version, `major.minor`. */
export type MajorMinor = readonly [major: number, minor: number];

/** A chart version as the schema takes it: `v?X.Y.Z` with an optional suffix. */
export interface ChartVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** A pre-release or build suffix with its `-` or `+`, or ''. */
  readonly suffix: string;
}

/**
 * The mesh versions a chart version installs: from `from` to `to` (either open; `what` names them for
 * messages), or none meshc can tell (`why`, for the warning).
 */
export type ChartPlacement =
  | { readonly kind: 'placed'; readonly from?: MajorMinor; readonly to?: MajorMinor; readonly what: string }
  | { readonly kind: 'unknown'; readonly why: string };

/** A chart version that installs mesh version `v` only. */
export const installsExactly = (v: MajorMinor, what: string): ChartPlacement => ({
  kind: 'placed',
  from: v,
  to: v,
  what,
});

export function compareMajorMinor(a: MajorMinor, b: MajorMinor): number {
  return a[0] - b[0] || a[1] - b[1];
}

export const showMajorMinor = (v: MajorMinor): string => `${v[0]}.${v[1]}`;

/** `major.minor` of a version string of that form; undefined for any other form. */
export function majorMinor(v: string): MajorMinor | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A chart version as the schema takes it: `v?X.Y.Z` with an optional pre-release or build suffix. */
export function parseChart(v: string): ChartVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)([-+].*)?$/.exec(v);
  return m
    ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), suffix: m[4] ?? '' }
    : undefined;
}
