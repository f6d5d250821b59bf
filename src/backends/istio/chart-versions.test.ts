import { describe, expect, it } from 'vitest';
import { parseChart } from '../../validate/rules/chart-version-rules.ts';
import { ISTIO_CHART_VERSIONS } from './chart-versions.ts';

const place = (chart: string) => ISTIO_CHART_VERSIONS.place(parseChart(chart)!);

describe('Istio chart versions', () => {
  it('chart X.Y.z installs Istio X.Y, whatever its patch or suffix', () => {
    expect(place('1.24.3')).toEqual({ kind: 'placed', from: [1, 24], to: [1, 24], what: 'Istio 1.24' });
    expect(place('1.24.0-beta.1')).toEqual(place('1.24.3'));
    expect(place('v1.13.3')).toEqual({ kind: 'placed', from: [1, 13], to: [1, 13], what: 'Istio 1.13' });
  });

  it('suggests a chart of the same version', () => {
    expect(ISTIO_CHART_VERSIONS.matching([1, 24])).toBe(
      "a 1.24.x chart (Istio's charts carry Istio's version)",
    );
  });
});
