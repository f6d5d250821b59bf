import type { ChartVersionScheme } from '../types.ts';
import type { MajorMinor } from '../../validate/rules/chart-version-rules.ts';
import {
  compareMajorMinor,
  installsExactly,
  showMajorMinor,
} from '../../validate/rules/chart-version-rules.ts';

/** The first appmesh-controller chart whose version is the controller's. */
const APPMESH_FIRST_ALIGNED: MajorMinor = [1, 5];

/**
 * `mesh.version` is the version of the appmesh-controller (the controller's last line, 1.13, is meshc's
 * oldest), and the eks-charts `appmesh-controller` chart (charts.ts) carries the controller's version from
 * chart 1.5.0 on (aws/eks-charts `stable/appmesh-controller/Chart.yaml`: `version` = `appVersion` since 1.5.0;
 * chart 1.4.9 shipped controller 1.4.3, chart 1.1.17 controller 1.2.0).
 */
export const APPMESH_CHART_VERSIONS: ChartVersionScheme = {
  charts: 'appmesh-controller chart',
  install: 'installs',
  place: (c) =>
    compareMajorMinor([c.major, c.minor], APPMESH_FIRST_ALIGNED) < 0
      ? { kind: 'placed', to: [1, 4], what: 'App Mesh controller 1.4 or older' }
      : installsExactly([c.major, c.minor], `App Mesh controller ${c.major}.${c.minor}`),
  matching: (v) =>
    compareMajorMinor(v, APPMESH_FIRST_ALIGNED) < 0
      ? `the appmesh-controller chart that ships controller ${showMajorMinor(v)}`
      : `an appmesh-controller chart ${showMajorMinor(v)}.x (the chart carries the controller's version)`,
};
