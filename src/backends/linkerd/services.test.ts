import { describe, expect, it } from 'vitest';
import { makeService, makeVersions } from '../../../test/helpers/model-factory.ts';
import {
  buildServices,
  checkDroppedOutlierFields,
  checkOutlierDetection,
  failureAccrualAnnotations,
} from './services.ts';
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
    expect(
      checkDroppedOutlierFields([s]).map((d) => `${d.severity} ${d.code} ${d.location?.file} ${d.message}`),
    ).toEqual([
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/outlierDetection/interval Linkerd ignores outlierDetection.interval of bookinfo/reviews: Linkerd counts consecutive failures as they happen; it has no evaluation interval.',
      'warning MESH_APPROXIMATE_FEATURE services/reviews.yaml#/resilience/outlierDetection/maxEjectionPercent Linkerd ignores outlierDetection.maxEjectionPercent of bookinfo/reviews: Linkerd has no limit on the share of endpoints a circuit breaker may remove.',
    ]);
    expect(checkOutlierDetection(s).map((d) => `${d.severity} ${d.code} ${d.location?.file}`)).toEqual([
      'error MESH_CONSTRAINT services/reviews.yaml#/resilience/outlierDetection',
    ]);
    const plain = makeService({ resilience: { outlierDetection: { consecutiveErrors: 5 } } });
    expect(checkOutlierDetection(plain)).toEqual([]);
    expect(checkDroppedOutlierFields([plain])).toEqual([]);
  });

  it('one warning per dropped field for a whole fleet: at the first service, the next five related, all counted', () => {
    const fleet = Array.from({ length: 10_000 }, (_, i) =>
      makeService({
        name: `svc-${String(i).padStart(5, '0')}`,
        resilience: {
          outlierDetection: {
            consecutiveErrors: 5,
            interval: duration('10s'),
            // Every other service sets maxEjectionPercent; svc-00001 is its first.
            ...(i % 2 ? { maxEjectionPercent: 50 } : {}),
          },
        },
      }),
    );
    const d = checkDroppedOutlierFields(fleet);
    expect(d.map((x) => [x.message, x.location?.file])).toEqual([
      [
        'Linkerd ignores outlierDetection.interval of bookinfo/svc-00000 and 9999 more services, 5 of them listed: Linkerd counts consecutive failures as they happen; it has no evaluation interval.',
        'services/svc-00000.yaml#/resilience/outlierDetection/interval',
      ],
      [
        'Linkerd ignores outlierDetection.maxEjectionPercent of bookinfo/svc-00001 and 4999 more services, 5 of them listed: Linkerd has no limit on the share of endpoints a circuit breaker may remove.',
        'services/svc-00001.yaml#/resilience/outlierDetection/maxEjectionPercent',
      ],
    ]);
    expect(d[0]!.related!.map((r) => `${r.message} ${r.location.file}`)).toEqual(
      [1, 2, 3, 4, 5].map((i) => {
        const id = `svc-0000${i}`;
        return `also set by bookinfo/${id} services/${id}.yaml#/resilience/outlierDetection/interval`;
      }),
    );
    expect(d[1]!.related!.map((r) => r.message)).toEqual(
      ['00003', '00005', '00007', '00009', '00011'].map((n) => `also set by bookinfo/svc-${n}`),
    );
    // Two services: the other one counted and listed.
    expect(checkDroppedOutlierFields(fleet.slice(0, 2))[0]!.message).toBe(
      'Linkerd ignores outlierDetection.interval of bookinfo/svc-00000 and 1 more service: Linkerd counts consecutive failures as they happen; it has no evaluation interval.',
    );
  });
});
