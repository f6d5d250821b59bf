import { describe, expect, it } from 'vitest';
import { linkerdDuration } from './constants.ts';
import { httpRetryToken, policyKey, routeAnnotations } from './route-policy.ts';
import { duration } from '../../model/normalize.ts';

describe('retry and timeout annotations', () => {
  it('timeout and retries as the 2.16 annotations, durations as one integer and one unit', () => {
    expect(
      routeAnnotations({
        timeout: duration('1m30s'),
        retries: { attempts: 3, perTryTimeout: duration('1.5s'), on: ['5xx', 'gateway-error'] },
      }),
    ).toEqual({
      'timeout.linkerd.io/request': '90s',
      'retry.linkerd.io/http': '5xx,gateway-error',
      'retry.linkerd.io/limit': '3',
      'retry.linkerd.io/timeout': '1500ms',
    });
  });

  it('maps retriable-4xx to 409 and leaves out the conditions Linkerd cannot express', () => {
    expect(
      routeAnnotations({ retries: { attempts: 1, on: ['connect-failure', 'retriable-4xx', 'reset'] } }),
    ).toEqual({
      'retry.linkerd.io/http': '409',
      'retry.linkerd.io/limit': '1',
    });
    expect(httpRetryToken('unavailable')).toBeUndefined();
  });

  it('no retry annotation for attempts 0 or when nothing is expressible: Linkerd does not retry by default', () => {
    expect(routeAnnotations({ retries: { attempts: 0, on: ['5xx'] } })).toEqual({});
    expect(routeAnnotations({ retries: { attempts: 2, on: ['reset'] } })).toEqual({});
    expect(routeAnnotations({})).toEqual({});
  });

  it('routes with the same annotations share a key', () => {
    expect(policyKey({ timeout: duration('1s') })).toBe(policyKey({ timeout: duration('1000ms') }));
    expect(policyKey({ timeout: duration('1s') })).not.toBe(policyKey({}));
  });

  it('durations', () => {
    expect(['10s', '500ms', '1m', '2h', '1h30m', '0.25s'].map((d) => linkerdDuration(duration(d)))).toEqual([
      '10s',
      '500ms',
      '1m',
      '2h',
      '90m',
      '250ms',
    ]);
  });
});
