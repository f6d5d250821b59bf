import { describe, expect, it } from 'vitest';
import { parseChart } from '../../validate/rules/chart-version-rules.ts';
import { APPMESH_CHART_VERSIONS } from './chart-versions.ts';

const place = (chart: string) => APPMESH_CHART_VERSIONS.place(parseChart(chart)!);

describe('App Mesh chart versions', () => {
  it("the appmesh-controller chart carries the controller's version from 1.5.0 on", () => {
    expect(place('1.13.3')).toEqual({
      kind: 'placed',
      from: [1, 13],
      to: [1, 13],
      what: 'App Mesh controller 1.13',
    });
    expect(place('1.5.0')).toMatchObject({ from: [1, 5], to: [1, 5] });
  });

  it('an older chart ships an older controller than its own version (chart 1.4.9: controller 1.4.3)', () => {
    expect(place('1.4.9')).toEqual({ kind: 'placed', to: [1, 4], what: 'App Mesh controller 1.4 or older' });
    expect(place('1.1.17')).toEqual(place('1.4.9'));
  });

  it('suggests the chart of the same version, or names the controller before charts carried it', () => {
    expect(APPMESH_CHART_VERSIONS.matching([1, 13])).toBe(
      "an appmesh-controller chart 1.13.x (the chart carries the controller's version)",
    );
    expect(APPMESH_CHART_VERSIONS.matching([1, 4])).toBe(
      'the appmesh-controller chart that ships controller 1.4',
    );
  });
});
