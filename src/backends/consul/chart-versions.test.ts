import { describe, expect, it } from 'vitest';
import { majorMinor, parseChart } from '../../validate/rules/chart-version-rules.ts';
import { CHART_FOR_CONSUL, CONSUL_OF_CHART } from './charts.ts';
import { CONSUL_CHART_VERSIONS } from './chart-versions.ts';

const place = (chart: string) => CONSUL_CHART_VERSIONS.place(parseChart(chart)!);
const exactly = (v: readonly [number, number]) => ({
  kind: 'placed',
  from: v,
  to: v,
  what: `Consul ${v.join('.')}`,
});

describe('Consul chart versions', () => {
  it('each consul chart minor of the table ships its Consul minor', () => {
    for (const [chart, consul] of CONSUL_OF_CHART)
      expect(place(`${chart}.0`), chart).toEqual(exactly(majorMinor(consul)!));
    expect(place('1.8.0')).toEqual(exactly([1, 21]));
    expect(place('1.9.1')).toEqual(exactly([1, 22]));
  });

  it('charts 1.7.7 and 1.8.4 shipped Consul 1.22, their other patches their minor’s', () => {
    expect(place('1.7.7')).toEqual(exactly([1, 22]));
    expect(place('1.8.4')).toEqual(exactly([1, 22]));
    expect(place('1.7.6')).toEqual(exactly([1, 21]));
    expect(place('1.7.7-rc1')).toEqual(exactly([1, 21]));
  });

  it('places charts before and after the table; a minor it lacks is unknown', () => {
    expect(place('0.49.0')).toEqual({ kind: 'placed', to: [1, 13], what: 'Consul 1.13 or older' });
    expect(place('2.1.0')).toEqual({ kind: 'placed', from: [2, 0], what: 'Consul 2.0 or later' });
    expect(place('1.12.0')).toEqual({
      kind: 'unknown',
      why: 'consul-k8s published no chart 1.12 that meshc knows (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0)',
    });
  });

  it('suggests every chart minor of a Consul minor', () => {
    expect(CONSUL_CHART_VERSIONS.matching([1, 21])).toBe("a consul chart 1.7.x or 1.8.x (Consul 1.21's)");
    expect(CONSUL_CHART_VERSIONS.matching([1, 22])).toBe("a consul chart 1.9.x (Consul 1.22's)");
    expect(CONSUL_CHART_VERSIONS.matching([2, 1])).toBe('a consul chart after 2.0.x that ships Consul 2.1');
    expect(CONSUL_CHART_VERSIONS.matching([1, 13])).toBe('the consul chart that ships Consul 1.13');
  });

  it('CHART_FOR_CONSUL reads the same table: the first chart of each Consul version meshc renders', () => {
    expect(CHART_FOR_CONSUL).toEqual([
      ['1.16', '1.2'],
      ['1.17', '1.3'],
      ['1.18', '1.4'],
      ['1.19', '1.5'],
      ['1.20', '1.6'],
      ['1.21', '1.7'],
      ['1.22', '1.9'],
      ['2.0', '2.0'],
    ]);
  });
});
