import type { ChartVersionScheme } from '../types.ts';
import { installsExactly, showMajorMinor } from '../../validate/rules/chart-version-rules.ts';

/**
 * Istio's charts `base`, `istiod` and `gateway` (charts.ts) are versioned as Istio itself: chart X.Y.z installs
 * Istio X.Y.
 */
export const ISTIO_CHART_VERSIONS: ChartVersionScheme = {
  charts: 'Istio charts',
  install: 'install',
  place: (c) => installsExactly([c.major, c.minor], `Istio ${c.major}.${c.minor}`),
  matching: (v) => `a ${showMajorMinor(v)}.x chart (Istio's charts carry Istio's version)`,
};
