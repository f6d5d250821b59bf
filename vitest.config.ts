import os from 'node:os';
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The test files `npm run test:fast` (`vitest run --mode fast`) leaves out: those named `*.slow.test.ts`,
 * and these, measured slow (per-file durations from `vitest run --reporter=json`, on 2 shared cores; the
 * rest of the suite takes about 30 s of test time together). Property runs grow in CI (`CI` set).
 * `npx vitest run` and `npm test` run everything. test/test-selection.test.ts checks that each exists.
 */
export const SLOW_TESTS: readonly string[] = [
  'test/diff-git.test.ts', // 23 s: real git repositories, several renders per case
  'test/write-hardening.test.ts', // 12 s: writes and rewrites trees on disk
  'test/render.test.ts', // 8 s: golden trees, real kustomize
  'test/invalid-corpus.test.ts', // 8 s: 105 cases, each compiled and run through the CLI
  'test/generated-spec-properties.test.ts', // 8 s (CI: about 19 s): renders of generated specs
  'test/properties.test.ts', // 5 s (CI: 1,000 and 10,000 runs)
  'src/render/yaml.test.ts', // 5 s: emitter round trips
  'test/verify.test.ts', // 4.5 s: real kustomize
  'test/gitops-kustomize.test.ts', // 4 s: real kustomize
];

export default defineConfig(({ mode }) => ({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude:
      mode === 'fast'
        ? [...configDefaults.exclude, '**/*.slow.test.ts', ...SLOW_TESTS]
        : configDefaults.exclude,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // meshc processes the tests start (renders killed mid-write, the packed CLI) keep their render cache
    // in a temporary directory, never in the user's ~/.cache.
    env: { MESHC_CACHE_DIR: path.join(os.tmpdir(), 'meshc-test-render-cache') },
  },
}));
