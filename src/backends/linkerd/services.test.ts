import { describe, expect, it } from 'vitest';
import { makeService, makeVersions } from '../../../test/helpers/model-factory.ts';
import { buildServices, checkOutlierDetection, failureAccrualAnnotations } from './services.ts';
import { duration } from '../../model/normalize.ts';

describe('Services and failure accrual', () => {
  it('consecutive failure accrual from outlier detection', () => {
    expect(
      failureAccrualAnnotations({
        outlierDetection: { consecutiveErrors: 5, baseEjectionTime: duration('30s') },
      }),
    ).toEqual({
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '5',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '30s',
    });
    expect(failureAccrualAnnotations({})).toEqual({});
  });

  it('raises the max penalty to a min penalty above 1m (Linkerd rejects min > max)', () => {
    expect(failureAccrualAnnotations({ outlierDetection: { baseEjectionTime: duration('3m') } })).toEqual({
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '3m',
      'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '3m',
    });
  });

  it('root Service (annotated) when managed, and one Service per version', () => {
    const s = makeService({
      versions: makeVersions('v1', 'v2'),
      resilience: { outlierDetection: { consecutiveErrors: 3 } },
    });
    const objs = buildServices(s);
    expect(objs.map((o) => [o.metadata.name, o.metadata.annotations])).toEqual([
      [
        'reviews',
        {
          'balancer.linkerd.io/failure-accrual': 'consecutive',
          'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '3',
        },
      ],
      ['reviews-v1', undefined],
      ['reviews-v2', undefined],
    ]);
    expect(objs[1]!.spec).toMatchObject({ selector: { app: 'reviews', version: 'v1' } });
    expect(buildServices(makeService({ kubernetesService: 'external' }))).toEqual([]);
  });

  it('says what is dropped (interval, max ejection percent) and refuses an external Service', () => {
    const s = makeService({
      kubernetesService: 'external',
      resilience: {
        outlierDetection: { consecutiveErrors: 5, interval: duration('10s'), maxEjectionPercent: 50 },
      },
    });
    expect(checkOutlierDetection(s).map((d) => `${d.severity} ${d.code} ${d.location?.file}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/outlierDetection/interval',
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/outlierDetection/maxEjectionPercent',
      'error MESH_CONSTRAINT services/reviews.yaml#/resilience/outlierDetection',
    ]);
    expect(
      checkOutlierDetection(makeService({ resilience: { outlierDetection: { consecutiveErrors: 5 } } })),
    ).toEqual([]);
  });
});
