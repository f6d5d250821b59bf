import { describe, expect, it } from 'vitest';
import { compareMajorMinor, parseChart } from '../../validate/rules/chart-version-rules.ts';
import { LINKERD_CHART_VERSIONS, LINKERD_MAJORS } from './chart-versions.ts';

const place = (chart: string) => LINKERD_CHART_VERSIONS.place(parseChart(chart)!);

describe('Linkerd chart versions', () => {
  it('an edge chart YYYY.M.P is its edge release, in the major of the last version-2.X at or before it', () => {
    expect(place('2025.4.4')).toEqual({
      kind: 'placed',
      from: [2, 18],
      to: [2, 18],
      what: 'edge-25.4.4, Linkerd 2.18',
    });
    expect(place('2025.10.6')).toMatchObject({ from: [2, 18], to: [2, 18] });
    expect(place('2025.10.7')).toMatchObject({ from: [2, 19], to: [2, 19] });
    expect(place('2024.8.1')).toMatchObject({ from: [2, 15], to: [2, 15] });
  });

  it("each major's own chart places it in that major", () => {
    for (const m of LINKERD_MAJORS) {
      const p = place(m.chart);
      expect(p.kind, m.chart).toBe('placed');
      if (p.kind !== 'placed') continue;
      expect(!p.from || compareMajorMinor(p.from, m.version) <= 0, m.chart).toBe(true);
      expect(!p.to || compareMajorMinor(m.version, p.to) <= 0, m.chart).toBe(true);
    }
  });

  it('edge-26.6.3 up to edge-26.7.1 is 2.19 or 2.20; the newest major takes every later edge chart', () => {
    expect(place('2026.6.3')).toEqual({
      kind: 'placed',
      from: [2, 19],
      what: 'edge-26.6.3, Linkerd 2.19 or 2.20 or later',
    });
    expect(place('2026.7.1')).toEqual({
      kind: 'placed',
      from: [2, 20],
      what: 'edge-26.7.1, Linkerd 2.20 or later',
    });
  });

  it('the 1.x.y numbering is 2.15 or older; other forms are unknown', () => {
    const older = {
      kind: 'placed',
      to: [2, 15],
      what: 'Linkerd 2.15 or older (charts were numbered 1.x.y up to edge-24.2.4)',
    };
    expect(place('1.16.11')).toEqual(older);
    expect(place('1.18.10-edge')).toEqual(older);
    for (const chart of ['2.18.0', '2024.1.1', '2025.4.4-rc.1', '2025.13.1', '1.18.10-rc.1'])
      expect(place(chart).kind, chart).toBe('unknown');
  });

  it('suggests the range of edge charts of a major', () => {
    expect(LINKERD_CHART_VERSIONS.matching([2, 18])).toBe(
      'an edge chart of Linkerd 2.18: from 2025.4.4 (edge-25.4.4, version-2.18) up to, not including, 2025.10.7 (version-2.19)',
    );
    expect(LINKERD_CHART_VERSIONS.matching([2, 20])).toBe(
      'an edge chart of Linkerd 2.20: from 2026.6.3 (edge-26.6.3, version-2.20) on',
    );
    expect(LINKERD_CHART_VERSIONS.matching([2, 21])).toBe(
      'an edge chart of Linkerd 2.21, after 2026.6.3 (version-2.20)',
    );
    expect(LINKERD_CHART_VERSIONS.matching([2, 14])).toBe('a chart of Linkerd 2.14, numbered 1.x.y');
  });
});
