import type { ChartVersionScheme } from '../types.ts';
import type { MajorMinor } from '../../validate/rules/chart-version-rules.ts';
import {
  compareMajorMinor as compare,
  installsExactly,
  majorMinor,
  showMajorMinor as show,
} from '../../validate/rules/chart-version-rules.ts';
import { CONSUL_OF_CHART } from './charts.ts';

/** {@link CONSUL_OF_CHART} as numbers: each consul chart minor and the Consul minor it ships. */
const CHARTS: readonly (readonly [chart: MajorMinor, consul: MajorMinor])[] = CONSUL_OF_CHART.map(
  ([chart, consul]) => [majorMinor(chart)!, majorMinor(consul)!],
);

/**
 * The chart patches that ship another Consul minor than their chart minor's: charts 1.7.7 and 1.8.4 shipped
 * Consul 1.22.0 (the patches after them went back to 1.21.5).
 */
const CONSUL_OF_CHART_PATCH: ReadonlyMap<string, MajorMinor> = new Map([
  ['1.7.7', [1, 22]],
  ['1.8.4', [1, 22]],
]);

/**
 * The `consul` chart of consul-k8s (charts.ts): each chart minor ships one Consul minor (its default image,
 * {@link CONSUL_OF_CHART}), a few patches aside. A chart older than the first known installs an older Consul,
 * one newer than the last the newest known Consul or a later one.
 */
export const CONSUL_CHART_VERSIONS: ChartVersionScheme = {
  charts: 'consul chart',
  install: 'installs',
  place: (c) => {
    const mm: MajorMinor = [c.major, c.minor];
    const patch = CONSUL_OF_CHART_PATCH.get(`${c.major}.${c.minor}.${c.patch}`);
    if (patch && c.suffix === '') return installsExactly(patch, `Consul ${show(patch)}`);
    const known = CHARTS.find(([chart]) => compare(chart, mm) === 0)?.[1];
    if (known) return installsExactly(known, `Consul ${show(known)}`);
    const [first, last] = [CHARTS[0]!, CHARTS[CHARTS.length - 1]!];
    // The 0.x charts, before 1.0.
    if (compare(mm, first[0]) < 0) return { kind: 'placed', to: [1, 13], what: 'Consul 1.13 or older' };
    if (compare(mm, last[0]) > 0)
      return { kind: 'placed', from: last[1], what: `Consul ${show(last[1])} or later` };
    return {
      kind: 'unknown',
      why: `consul-k8s published no chart ${show(mm)} that meshc knows (${CHARTS.map(([chart]) => show(chart)).join(', ')})`,
    };
  },
  matching: (v) => {
    const charts = CHARTS.filter(([, consul]) => compare(consul, v) === 0).map(
      ([chart]) => `${show(chart)}.x`,
    );
    const last = CHARTS[CHARTS.length - 1]!;
    if (charts.length) return `a consul chart ${charts.join(' or ')} (Consul ${show(v)}'s)`;
    return compare(v, last[1]) > 0
      ? `a consul chart after ${show(last[0])}.x that ships Consul ${show(v)}`
      : `the consul chart that ships Consul ${show(v)}`;
  },
};
