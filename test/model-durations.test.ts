/**
 * The model carries durations parsed once (issue 11): every duration of a service is a `Duration` whose
 * `ms` is its length and whose `text` is the spec's spelling, so backends and the diff never re-parse.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import { loadSpec } from '../src/load/load-project.ts';
import type { ResolvedService } from '../src/model/types.ts';
import { repoRoot } from './helpers/shared.ts';

const example = path.join(repoRoot, 'examples/bookinfo');

/** The example with some durations respelled: `10s` → `1m30s`, `3s` → `1.5s`, `30s` → `2m30s`. */
async function model() {
  const { files } = await loadSpec(example);
  const sources = files.map((f) =>
    f.path.endsWith('services/reviews.yaml')
      ? {
          ...f,
          text: f.text
            .replace('timeout: 10s', 'timeout: 1m30s')
            .replace('perTryTimeout: 3s', 'perTryTimeout: 1.5s')
            .replace('baseEjectionTime: 30s', 'baseEjectionTime: 2m30s'),
        }
      : f,
  );
  const compiled = compile(sources, { until: 'plan' });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const prod = compiled.model!.environments.find((e) => e.name === 'prod')!;
  const service = (name: string): ResolvedService => prod.services.find((s) => s.name === name)!;
  return { service };
}

describe('durations in the model', () => {
  it('are parsed to milliseconds and keep the spec spelling', async () => {
    const { service } = await model();
    const reviews = service('reviews');
    const route = reviews.routes.find((r) => r.name === 'default')!;
    expect(route.timeout).toEqual({ ms: 90_000, text: '1m30s' });
    expect(route.retries?.perTryTimeout).toEqual({ ms: 1500, text: '1.5s' });
    expect(reviews.resilience.outlierDetection).toEqual({
      consecutiveErrors: 5,
      interval: { ms: 10_000, text: '10s' },
      baseEjectionTime: { ms: 150_000, text: '2m30s' },
      maxEjectionPercent: 50,
    });
    const ratings = service('ratings');
    const chaos = ratings.routes.find((r) => r.name === 'chaos-jason')!;
    expect(chaos.fault?.delay?.duration).toEqual({ ms: 7000, text: '7s' });
    const def = ratings.routes.find((r) => r.name === 'default')!;
    expect(def.retries?.perTryTimeout).toEqual({ ms: 500, text: '500ms' });
  });
});
