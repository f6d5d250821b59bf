import type { ChartVersionScheme } from '../types.ts';
import type { MajorMinor } from '../../validate/rules/chart-version-rules.ts';
import { compareMajorMinor, showMajorMinor as show } from '../../validate/rules/chart-version-rules.ts';

/**
 * Each Linkerd major, the edge release linkerd/website names for it (`linkerd.io/data/versions.yaml`) and that
 * release's chart version. Its `version-2.X` tag (linkerd/linkerd2) is that edge release, except for 2.20:
 * version-2.20 tags a commit one dependency bump (containerd) after edge-26.6.3, first released in edge-26.7.1
 * (`taggedIn`). Either reading may be meant, so edge-26.6.3 up to edge-26.7.1 counts as 2.19 or 2.20.
 */
export const LINKERD_MAJORS: readonly {
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

function compareEdges(a: Edge, b: Edge): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether an edge release may be Linkerd major `i`: from its edge up to, not including, the next one's. */
function inMajor(edge: Edge, i: number): boolean {
  const m = LINKERD_MAJORS[i]!;
  const next = LINKERD_MAJORS[i + 1];
  return (
    compareEdges(m.edge, edge) <= 0 &&
    (next === undefined || compareEdges(edge, next.taggedIn ?? next.edge) < 0)
  );
}

/**
 * The open-source edge charts `linkerd-crds` and `linkerd-control-plane` (charts.ts), one version for both:
 * `YYYY.M.P` is edge-YY.M.P (since edge-24.3.1, linkerd/linkerd2#12175); before that `1.x.y-edge` (and the
 * stable repository's `1.x.y`, which stops at 2.14). A `version-2.X` tag marks the edge release of a major:
 * 2.X runs from its edge up to, not including, the next major's ({@link LINKERD_MAJORS}).
 */
export const LINKERD_CHART_VERSIONS: ChartVersionScheme = {
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
    const i = LINKERD_MAJORS.findIndex((m) => compareMajorMinor(m.version, v) === 0);
    const first = LINKERD_MAJORS[0]!;
    const last = LINKERD_MAJORS[LINKERD_MAJORS.length - 1]!;
    if (i < 0 && compareMajorMinor(v, first.version) < 0)
      return `a chart of Linkerd ${show(v)}, numbered 1.x.y`;
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
